/*
 * serve.c — bp_serve(): the daemon (libmicrohttpd, a thread per
 * connection), its routes, the security checks and the pool of in-memory
 * results.
 *
 * Routes (everything else is 404; nothing is read from disk per request):
 *   GET  /  /app.js  /style.css           the page (src/serve/web/, embedded)
 *   GET  /leaflet/leaflet.js, .css, images: Leaflet, read at start
 *   GET  /api/meta                        categories, profiles, weights, parties, layers
 *   GET  /api/plots                       plot geometry (geo.c)
 *   GET  /api/layer/NAME                  gemeente_gap, facilities, walk_network
 *   GET  /api/gemeenten                   target, plans, realised, gap, programmed
 *   POST /api/rerank    {profile, gap_weight, weights}   ranks and scores, as arrays
 *   GET  /api/plot/I, POST /api/plot {plot, n, ...params}  the plot card
 *   POST /api/decision  {plot, besluit, ...}             through bp_decision_save
 *   POST /api/consensus {n, parties:[{name, gap_weight, weights}]}
 *   POST /api/program   {profile, gap_weight, weights}   the programme (greedy)
 *
 * Security: the token (when set) is required on every request, from the
 * query (?token=), the X-Token header or the cookie the page gets; without
 * a token only Host 127.0.0.1/localhost is answered (DNS rebinding).  Bodies
 * over 64 KiB get 413, more than the rate limit per address 429, bad
 * requests 400 with a one-line message.
 *
 * Concurrency: the result pool holds 'threads' copies of the result, each
 * behind its own mutex; a request locks one, re-ranks it for its parameters
 * when they differ from what it holds, and reads it.  The last four
 * /api/rerank answers are kept (keyed by parameters, decision generation
 * and the file's time), behind their own mutex.  The state is one
 * struct per bp_serve() call; the only shared mutable parts are behind
 * mutexes (pool items, rate table, decision generation).
 */
#include "serve/serve.h"

#include <arpa/inet.h>
#include <errno.h>
#include <math.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <microhttpd.h>

#include "config/config.h"
#include "gap/gap.h"

extern const size_t bp_web_html_count, bp_web_js_count, bp_web_css_count;
extern const char *const bp_web_html_names[], *const bp_web_js_names[], *const bp_web_css_names[];
extern const char *const bp_web_html_texts[], *const bp_web_js_texts[], *const bp_web_css_texts[];

#define BODY_MAX (64 * 1024)
#define RATE_BURST 2000.0   /* requests an address may send at once */
#define RATE_PER_S 500.0    /* and sustained per second */
#define RATE_SLOTS 64
#define MAX_TOPN 1000
#define WEIGHT_MAX 100.0
#define DEFAULT_LEAFLET "/usr/share/javascript/leaflet"

typedef struct {
    pthread_mutex_t mu;
    bp_result *r;
    char key[1024];          /* parameters r is ranked with ("" : as loaded) */
    unsigned gen;            /* decision generation r has read */
    struct timespec mtime;   /* of the GeoPackage when r read its decisions */
} pool_item;

typedef struct {
    char name[64];
    double gap_weight;
    double *w;               /* ncat */
} party;

typedef struct {
    const char *name;        /* URL path */
    const char *type;
    char *data;
    size_t len;
    int owned;
} asset;

typedef struct {
    uint32_t addr;
    double tokens;
    double last;
} rate_slot;

/* A recent /api/rerank answer: tablets and the projector often ask for
 * the same weights, and a slider moved back asks again. */
#define CACHE_SLOTS 4
typedef struct {
    char key[1100];          /* parameters, decision generation and file time */
    char *body;
    size_t len;
} cache_slot;

typedef struct {
    const bp_serve_opts *o;
    pthread_mutex_t cache_mu;
    cache_slot cache[CACHE_SLOTS];
    unsigned cache_next;
    char *gpkg;
    size_t npool;
    pool_item *pool;
    atomic_uint next;        /* round robin over the pool */
    atomic_uint gen;         /* bumped after every decision */
    bp_serve_geo geo;
    asset *assets;
    size_t nassets;
    char *meta;
    size_t meta_len;
    party *parties;
    size_t nparties;
    size_t n, ncat;
    char **cat;              /* borrowed from the first pool item (never changes) */
    double base_w[BP_NTYPES][64]; /* the weights, profile and gap weight as loaded */
    bp_type base_profile;
    double base_gap;
    pthread_mutex_t rate_mu;
    rate_slot rate[RATE_SLOTS];
    int port;
    int localhost_only;      /* no token: answer Host 127.0.0.1/localhost only */
} state;

typedef struct {
    bp_serve_buf body;
    int too_large;
} request;

/* ---- responses ----------------------------------------------------------- */

static enum MHD_Result send_data(struct MHD_Connection *c, unsigned code, const char *type, const char *data,
                                 size_t len, enum MHD_ResponseMemoryMode mode, const char *cookie)
{
    struct MHD_Response *resp = MHD_create_response_from_buffer(len, (void *)data, mode);
    if (!resp) {
        if (mode == MHD_RESPMEM_MUST_FREE) free((void *)data);
        return MHD_NO;
    }
    MHD_add_response_header(resp, "Content-Type", type);
    MHD_add_response_header(resp, "X-Content-Type-Options", "nosniff");
    MHD_add_response_header(resp, "X-Frame-Options", "DENY");
    MHD_add_response_header(resp, "Referrer-Policy", "no-referrer");
    MHD_add_response_header(resp, "Cache-Control", "no-store");
    MHD_add_response_header(resp, "Content-Security-Policy",
                            "default-src 'self'; img-src 'self' data: https://service.pdok.nl; "
                            "style-src 'self' 'unsafe-inline'; script-src 'self'; connect-src 'self'; "
                            "object-src 'none'; base-uri 'none'; frame-ancestors 'none'");
    if (cookie) MHD_add_response_header(resp, "Set-Cookie", cookie);
    enum MHD_Result ret = MHD_queue_response(c, code, resp);
    MHD_destroy_response(resp);
    return ret;
}

static enum MHD_Result send_buf(struct MHD_Connection *c, unsigned code, bp_serve_buf *b)
{
    if (b->oom || !b->s) {
        bp_serve_buf_free(b);
        return send_data(c, 500, "application/json", "{\"error\":\"out of memory\"}", 25, MHD_RESPMEM_PERSISTENT,
                         NULL);
    }
    char *s = b->s;
    size_t len = b->len;
    memset(b, 0, sizeof *b);
    return send_data(c, code, "application/json; charset=utf-8", s, len, MHD_RESPMEM_MUST_FREE, NULL);
}

static enum MHD_Result send_error(struct MHD_Connection *c, unsigned code, const char *msg)
{
    bp_serve_buf b = {0};
    bp_serve_buf_puts(&b, "{\"error\":");
    bp_serve_buf_json_str(&b, msg);
    bp_serve_buf_puts(&b, "}");
    return send_buf(c, code, &b);
}

/* ---- security ------------------------------------------------------------ */

static int token_eq(const char *a, const char *b)
{
    if (!a || !b) return 0;
    size_t la = strlen(a), lb = strlen(b);
    unsigned char d = (unsigned char)(la != lb);
    for (size_t i = 0; i < lb; i++) d |= (unsigned char)(a[i < la ? i : 0] ^ b[i]);
    return d == 0 && la > 0;
}

static const char *cookie_token(struct MHD_Connection *c)
{
    return MHD_lookup_connection_value(c, MHD_COOKIE_KIND, "bp_token");
}

/* 1 when the request may pass; *set_cookie when the token came in the query. */
static int authorised(state *s, struct MHD_Connection *c, int *set_cookie)
{
    *set_cookie = 0;
    if (s->localhost_only) {
        const char *host = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Host");
        char ok1[64], ok2[64];
        snprintf(ok1, sizeof ok1, "127.0.0.1:%d", s->port);
        snprintf(ok2, sizeof ok2, "localhost:%d", s->port);
        if (!host || (strcmp(host, ok1) && strcmp(host, ok2))) return 0;
    }
    const char *want = s->o->token;
    if (!want || !*want) return 1;
    if (token_eq(MHD_lookup_connection_value(c, MHD_HEADER_KIND, "X-Token"), want)) return 1;
    if (token_eq(cookie_token(c), want)) return 1;
    if (token_eq(MHD_lookup_connection_value(c, MHD_GET_ARGUMENT_KIND, "token"), want)) {
        *set_cookie = 1;
        return 1;
    }
    return 0;
}

static double now_s(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + ts.tv_nsec * 1e-9;
}

/* A token bucket per client address (IPv4; others share slot 0). */
static int rate_ok(state *s, struct MHD_Connection *c)
{
    const union MHD_ConnectionInfo *ci = MHD_get_connection_info(c, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
    uint32_t addr = 0;
    if (ci && ci->client_addr && ci->client_addr->sa_family == AF_INET)
        addr = ((const struct sockaddr_in *)ci->client_addr)->sin_addr.s_addr;
    double t = now_s();
    pthread_mutex_lock(&s->rate_mu);
    rate_slot *slot = NULL, *oldest = &s->rate[0];
    for (int k = 0; k < RATE_SLOTS; k++) {
        if (s->rate[k].last > 0 && s->rate[k].addr == addr) {
            slot = &s->rate[k];
            break;
        }
        if (s->rate[k].last < oldest->last) oldest = &s->rate[k];
    }
    if (!slot) {
        slot = oldest;
        slot->addr = addr;
        slot->tokens = RATE_BURST;
        slot->last = t;
    }
    slot->tokens += (t - slot->last) * RATE_PER_S;
    if (slot->tokens > RATE_BURST) slot->tokens = RATE_BURST;
    slot->last = t;
    int ok = slot->tokens >= 1.0;
    if (ok) slot->tokens -= 1.0;
    pthread_mutex_unlock(&s->rate_mu);
    return ok;
}

/* ---- parameters and the pool ----------------------------------------------- */

typedef struct {
    bp_type profile;
    double gap_weight;
    double w[64];
} params;

/* The parameters the result was loaded with. */
static void params_base(const state *s, params *p)
{
    p->profile = s->base_profile;
    p->gap_weight = s->base_gap;
    for (size_t c = 0; c < s->ncat; c++) p->w[c] = s->base_w[p->profile][c];
}

/* Reads {profile, gap_weight, weights:{cat: w}} over the defaults in *p;
 * returns NULL or a message for a 400. */
static const char *params_read(const state *s, const bp_json *j, params *p)
{
    const bp_json *v;
    if ((v = bp_serve_json_get(j, "profile"))) {
        int t = v->kind == BP_JSON_STR ? bp_type_parse(v->str) : -1;
        if (t < 0) return "profile: nultreden, geclusterd or zorggeschikt";
        if ((bp_type)t != p->profile) {
            p->profile = (bp_type)t;
            /* another profile starts from its own weights */
            for (size_t c = 0; c < s->ncat; c++) p->w[c] = s->base_w[t][c];
        }
    }
    if ((v = bp_serve_json_get(j, "gap_weight"))) {
        if (v->kind != BP_JSON_NUM || !(v->num >= 0 && v->num <= 1)) return "gap_weight: a number from 0 to 1";
        p->gap_weight = v->num;
    }
    if ((v = bp_serve_json_get(j, "weights"))) {
        if (v->kind != BP_JSON_OBJ) return "weights: an object {category: weight}";
        for (size_t k = 0; k < v->n; k++) {
            size_t c = 0;
            while (c < s->ncat && strcmp(s->cat[c], v->keys[k])) c++;
            if (c == s->ncat) return "weights: unknown category";
            const bp_json *x = v->items[k];
            if (x->kind != BP_JSON_NUM || !(x->num >= 0 && x->num <= WEIGHT_MAX)) return "weights: numbers from 0 to 100";
            p->w[c] = x->num;
        }
    }
    double sum = 0;
    for (size_t c = 0; c < s->ncat; c++) sum += p->w[c];
    if (!(sum > 0)) return "weights: at least one must be above 0";
    return NULL;
}

static void params_key(const state *s, const params *p, char *key, size_t size)
{
    size_t n = (size_t)snprintf(key, size, "%d|%.17g", (int)p->profile, p->gap_weight);
    for (size_t c = 0; c < s->ncat && n < size; c++) n += (size_t)snprintf(key + n, size - n, "|%.17g", p->w[c]);
}

/* Locks a pool item: a free one if any, else the next in turn. */
static pool_item *pool_lock(state *s)
{
    for (size_t k = 0; k < s->npool; k++)
        if (pthread_mutex_trylock(&s->pool[k].mu) == 0) return &s->pool[k];
    pool_item *it = &s->pool[atomic_fetch_add(&s->next, 1) % s->npool];
    pthread_mutex_lock(&it->mu);
    return it;
}

/* Re-ranks the locked item for p unless it holds that ranking already. */
static bp_status pool_rank(state *s, pool_item *it, const params *p, bp_ctx *ctx)
{
    char key[sizeof it->key];
    params_key(s, p, key, sizeof key);
    unsigned gen = atomic_load(&s->gen);
    /* decisions saved here (gen) or by another program, e.g. QGIS (mtime) */
    struct stat sb;
    int changed = it->gen != gen;
    if (stat(s->gpkg, &sb) == 0 &&
        (sb.st_mtim.tv_sec != it->mtime.tv_sec || sb.st_mtim.tv_nsec != it->mtime.tv_nsec)) {
        changed = 1;
        it->mtime = sb.st_mtim;
    }
    if (!changed && !strcmp(key, it->key)) return BP_OK;
    if (changed) {
        bp_status st = bp_result_read_decisions(it->r, s->gpkg, ctx);
        if (st != BP_OK) return st;
        it->gen = gen;
    }
    bp_config *cfg = bp_result_config(it->r);
    if (!cfg) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    char k[160], v[64];
    bp_status st = bp_config_set(cfg, "profile", bp_type_name(p->profile), NULL, ctx);
    snprintf(v, sizeof v, "%.17g", p->gap_weight);
    if (st == BP_OK) st = bp_config_set(cfg, "gap_weight", v, NULL, ctx);
    for (size_t c = 0; st == BP_OK && c < s->ncat; c++) {
        snprintf(k, sizeof k, "profiles.%s.weights.%s", bp_type_name(p->profile), s->cat[c]);
        snprintf(v, sizeof v, "%.17g", p->w[c]);
        st = bp_config_set(cfg, k, v, NULL, ctx);
    }
    if (st == BP_OK) st = bp_result_rerank(it->r, cfg, ctx);
    bp_config_free(cfg);
    if (st == BP_OK) snprintf(it->key, sizeof it->key, "%s", key);
    else it->key[0] = '\0';
    return st;
}

/* ---- handlers ------------------------------------------------------------- */

static void put_weights(bp_serve_buf *b, const state *s, const double *w)
{
    bp_serve_buf_puts(b, "{");
    for (size_t c = 0; c < s->ncat; c++) {
        if (c) bp_serve_buf_puts(b, ",");
        bp_serve_buf_json_str(b, s->cat[c]);
        bp_serve_buf_puts(b, ":");
        bp_serve_buf_num(b, w[c], 6);
    }
    bp_serve_buf_puts(b, "}");
}

static bp_status build_meta(state *s, bp_ctx *ctx)
{
    const bp_result *r = s->pool[0].r;
    bp_serve_buf b = {0};
    bp_serve_buf_printf(&b, "{\"n\":%zu,\"profile\":", s->n);
    bp_serve_buf_json_str(&b, bp_type_name(r->rank_opts.profile));
    bp_serve_buf_puts(&b, ",\"gap_weight\":");
    bp_serve_buf_num(&b, r->gap_opts.gap_weight, 6);
    bp_serve_buf_puts(&b, ",\"categories\":[");
    for (size_t c = 0; c < s->ncat; c++) {
        if (c) bp_serve_buf_puts(&b, ",");
        bp_serve_buf_json_str(&b, s->cat[c]);
    }
    bp_serve_buf_puts(&b, "],\"weights\":{");
    for (int t = 0; t < BP_NTYPES; t++) {
        double w[64];
        for (size_t c = 0; c < s->ncat; c++) w[c] = r->crit[c].weight[t];
        bp_serve_buf_printf(&b, "%s\"%s\":", t ? "," : "", bp_type_name((bp_type)t));
        put_weights(&b, s, w);
    }
    bp_serve_buf_puts(&b, "},\"network\":");
    bp_serve_buf_puts(&b, r->attach ? "true" : "false");
    bp_serve_buf_puts(&b, ",\"layers\":{");
    for (int k = 0; k < 3; k++)
        bp_serve_buf_printf(&b, "%s\"%s\":%s", k ? "," : "", bp_serve_geo_layers[k],
                            s->geo.layer_json[k] ? "true" : "false");
    bp_serve_buf_puts(&b, "},\"bbox\":[");
    for (int k = 0; k < 4; k++) {
        if (k) bp_serve_buf_puts(&b, ",");
        bp_serve_buf_num(&b, s->geo.bbox[k], 6);
    }
    bp_serve_buf_puts(&b, "],\"parties\":[");
    for (size_t k = 0; k < s->nparties; k++) {
        bp_serve_buf_puts(&b, k ? ",{\"name\":" : "{\"name\":");
        bp_serve_buf_json_str(&b, s->parties[k].name);
        bp_serve_buf_puts(&b, ",\"gap_weight\":");
        bp_serve_buf_num(&b, s->parties[k].gap_weight, 6);
        bp_serve_buf_puts(&b, ",\"weights\":");
        put_weights(&b, s, s->parties[k].w);
        bp_serve_buf_puts(&b, "}");
    }
    bp_serve_buf_puts(&b, "]}");
    if (b.oom) {
        bp_serve_buf_free(&b);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    s->meta = b.s;
    s->meta_len = b.len;
    return BP_OK;
}

/* Appends n whole numbers, comma separated: ints[i], or llround(100 *
 * dbl[i * stride]) (NaN: -1). */
static void put_ints(bp_serve_buf *b, size_t n, const int32_t *ints, const double *dbl, size_t stride)
{
    char tmp[4096];
    size_t k = 0;
    for (size_t i = 0; i < n; i++) {
        if (k > sizeof tmp - 32) {
            bp_serve_buf_add(b, tmp, k);
            k = 0;
        }
        long long v = ints ? ints[i] : (isnan(dbl[i * stride]) ? -1 : llround(100.0 * dbl[i * stride]));
        if (i) tmp[k++] = ',';
        char d[24];
        int nd = 0, neg = v < 0;
        unsigned long long u = neg ? (unsigned long long)(-v) : (unsigned long long)v;
        do d[nd++] = (char)('0' + u % 10); while ((u /= 10) > 0);
        if (neg) tmp[k++] = '-';
        while (nd) tmp[k++] = d[--nd];
    }
    bp_serve_buf_add(b, tmp, k);
}

/* ,"decided":[[plot, "besluit"], ...] for the plots with a decision. */
static void put_decided(bp_serve_buf *b, const bp_result *r)
{
    bp_serve_buf_puts(b, "],\"decided\":[");
    int first = 1;
    for (size_t i = 0; i < r->n; i++) {
        bp_besluit d = bp_result_besluit(r, i);
        if (d == BP_BESLUIT_OPEN) continue;
        bp_serve_buf_printf(b, "%s[%zu,\"%s\"]", first ? "" : ",", i, bp_besluit_name(d));
        first = 0;
    }
}

/* The cache key of p: the parameters, the decision generation and the
 * GeoPackage's time (decisions made elsewhere). */
static void cache_key(state *s, const params *p, char *key, size_t size)
{
    struct stat sb;
    long long sec = 0, nsec = 0;
    if (stat(s->gpkg, &sb) == 0) sec = (long long)sb.st_mtim.tv_sec, nsec = sb.st_mtim.tv_nsec;
    int n = snprintf(key, size, "%u|%lld.%09lld|", atomic_load(&s->gen), sec, nsec);
    if (n > 0 && (size_t)n < size) params_key(s, p, key + n, size - (size_t)n);
}

/* A copy of the cached answer for key, or NULL. */
static char *cache_get(state *s, const char *key, size_t *len)
{
    char *out = NULL;
    pthread_mutex_lock(&s->cache_mu);
    for (int k = 0; k < CACHE_SLOTS; k++)
        if (s->cache[k].body && !strcmp(s->cache[k].key, key)) {
            out = malloc(s->cache[k].len);
            if (out) {
                memcpy(out, s->cache[k].body, s->cache[k].len);
                *len = s->cache[k].len;
            }
            break;
        }
    pthread_mutex_unlock(&s->cache_mu);
    return out;
}

static void cache_put(state *s, const char *key, const char *body, size_t len)
{
    char *copy = malloc(len);
    if (!copy) return;
    memcpy(copy, body, len);
    pthread_mutex_lock(&s->cache_mu);
    cache_slot *slot = &s->cache[s->cache_next++ % CACHE_SLOTS];
    free(slot->body);
    slot->body = copy;
    slot->len = len;
    snprintf(slot->key, sizeof slot->key, "%s", key);
    pthread_mutex_unlock(&s->cache_mu);
}

static enum MHD_Result h_rerank(state *s, struct MHD_Connection *c, const bp_json *j)
{
    params p;
    params_base(s, &p);
    /* start from the loaded ranking; a request names what differs */
    const char *err = params_read(s, j, &p);
    if (err) return send_error(c, 400, err);
    char key[sizeof s->cache[0].key];
    size_t clen = 0;
    cache_key(s, &p, key, sizeof key);
    char *cached = cache_get(s, key, &clen);
    if (cached) return send_data(c, 200, "application/json; charset=utf-8", cached, clen, MHD_RESPMEM_MUST_FREE, NULL);
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return send_error(c, 500, "out of memory");
    bp_serve_buf b = {0};
    double t0 = now_s();
    pool_item *it = pool_lock(s);
    bp_status st = pool_rank(s, it, &p, ctx);
    double t1 = now_s();
    if (st == BP_OK) {
        const bp_result *r = it->r;
        bp_serve_buf_printf(&b, "{\"profile\":\"%s\",\"n\":%zu,\"rank\":[", bp_type_name(p.profile), r->n);
        put_ints(&b, r->n, r->rank, NULL, 0);
        /* scores in hundredths: whole numbers parse fastest */
        bp_serve_buf_puts(&b, "],\"score100\":[");
        put_ints(&b, r->n, NULL, r->score + p.profile, BP_NTYPES);
        put_decided(&b, r);
        bp_serve_buf_printf(&b, "],\"ms\":%.1f}", (t1 - t0) * 1000.0);
    }
    pthread_mutex_unlock(&it->mu);
    if (st == BP_OK && !b.oom) cache_put(s, key, b.s, b.len);
    enum MHD_Result ret = st == BP_OK ? send_buf(c, 200, &b) : send_error(c, 500, bp_ctx_errmsg(ctx));
    bp_serve_buf_free(&b);
    bp_ctx_free(ctx);
    return ret;
}

static int json_index(const bp_json *v, size_t n, size_t *out)
{
    if (!v || v->kind != BP_JSON_NUM || !(v->num >= 0) || v->num >= (double)n || v->num != floor(v->num)) return 0;
    *out = (size_t)v->num;
    return 1;
}

static enum MHD_Result h_plot(state *s, struct MHD_Connection *c, size_t i, const bp_json *j)
{
    params p;
    params_base(s, &p);
    size_t topn = 10;
    if (j) {
        const char *err = params_read(s, j, &p);
        if (err) return send_error(c, 400, err);
        const bp_json *v = bp_serve_json_get(j, "n");
        if (v && !json_index(v, MAX_TOPN + 1, &topn)) return send_error(c, 400, "n: a whole number 1-1000");
        if (topn == 0) return send_error(c, 400, "n: a whole number 1-1000");
    }
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return send_error(c, 500, "out of memory");
    bp_serve_buf b = {0};
    pool_item *it = pool_lock(s);
    bp_status st = pool_rank(s, it, &p, ctx);
    if (st == BP_OK) {
        const bp_result *r = it->r;
        char reason[1024];
        bp_result_reason(r, i, reason, sizeof reason);
        bp_serve_buf_printf(&b, "{\"plot\":%zu,\"id\":", i);
        bp_serve_buf_json_str(&b, bp_result_plot_id(r, i));
        bp_serve_buf_printf(&b, ",\"rank\":%d,\"knocked_out\":%s,\"score\":", (int)r->rank[i],
                            r->knock[i] ? "true" : "false");
        bp_serve_buf_num(&b, r->score[i * BP_NTYPES + p.profile], 2);
        bp_serve_buf_puts(&b, ",\"suitability\":");
        bp_serve_buf_num(&b, r->suit[i * BP_NTYPES + p.profile], 2);
        bp_serve_buf_puts(&b, ",\"capacity\":");
        bp_serve_buf_num(&b, r->capacity[i], 0);
        const char *gm = bp_result_gemeente(r, i);
        bp_serve_buf_puts(&b, ",\"gemeente\":");
        bp_serve_buf_json_str(&b, gm);
        bp_serve_buf_puts(&b, ",\"gemeente_naam\":");
        bp_serve_buf_json_str(&b, r->gemeente[i] == BP_NO_GEMEENTE ? NULL : r->gm[r->gemeente[i]].name);
        bp_serve_buf_printf(&b, ",\"distance_kind\":\"%s\",\"reason\":", r->attach ? "lopend" : "hemelsbreed");
        bp_serve_buf_json_str(&b, reason);
        bp_serve_buf_printf(&b, ",\"topn\":%zu,\"criteria\":[", topn);
        for (size_t k = 0; k < s->ncat; k++) {
            double lo = 0, hi = 0;
            int in = bp_serve_stability(r, i, p.w, p.gap_weight, topn, k, &lo, &hi);
            bp_serve_buf_puts(&b, k ? ",{\"category\":" : "{\"category\":");
            bp_serve_buf_json_str(&b, s->cat[k]);
            bp_serve_buf_puts(&b, ",\"distance_m\":");
            bp_serve_buf_num(&b, r->dist[i * r->ncat + k], 0);
            bp_serve_buf_puts(&b, ",\"score\":");
            bp_serve_buf_num(&b, r->cat_score[i * r->ncat + k], 1);
            bp_serve_buf_printf(&b, ",\"count\":%d,\"weight\":", (int)r->count[i * r->ncat + k]);
            bp_serve_buf_num(&b, p.w[k], 6);
            bp_serve_buf_puts(&b, ",\"stable\":");
            if (in == 1) {
                bp_serve_buf_puts(&b, "[");
                bp_serve_buf_num(&b, lo, 3);
                bp_serve_buf_puts(&b, ",");
                bp_serve_buf_num(&b, hi, 3); /* null: no upper limit */
                bp_serve_buf_puts(&b, "]");
            } else bp_serve_buf_puts(&b, in < 0 ? "\"oom\"" : "null");
            bp_serve_buf_puts(&b, "}");
        }
        double lo = 0, hi = 0;
        int in = bp_serve_stability(r, i, p.w, p.gap_weight, topn, s->ncat, &lo, &hi);
        bp_serve_buf_puts(&b, "],\"gap_weight\":");
        bp_serve_buf_num(&b, p.gap_weight, 6);
        bp_serve_buf_puts(&b, ",\"gap_weight_stable\":");
        if (in == 1) {
            bp_serve_buf_puts(&b, "[");
            bp_serve_buf_num(&b, lo, 4);
            bp_serve_buf_puts(&b, ",");
            bp_serve_buf_num(&b, hi, 4);
            bp_serve_buf_puts(&b, "]");
        } else bp_serve_buf_puts(&b, "null");
        bp_serve_buf_puts(&b, ",\"decision\":{\"besluit\":");
        bp_serve_buf_json_str(&b, bp_besluit_name(bp_result_besluit(r, i)));
        int dt = bp_result_decision_type(r, i);
        bp_serve_buf_puts(&b, ",\"woningtype\":");
        bp_serve_buf_json_str(&b, dt >= 0 ? bp_type_name((bp_type)dt) : NULL);
        bp_serve_buf_puts(&b, ",\"woningen\":");
        bp_serve_buf_num(&b, bp_result_decision_homes(r, i), 0);
        static const char *const texts[] = {"partner_corporatie", "partner_zorg", "opmerking", "besluit_gewijzigd"};
        for (int k = 0; k < 4; k++) {
            bp_serve_buf_printf(&b, ",\"%s\":", texts[k]);
            bp_serve_buf_json_str(&b, bp_result_decision_text(r, i, texts[k]));
        }
        bp_serve_buf_puts(&b, "}");
    }
    pthread_mutex_unlock(&it->mu);
    if (st == BP_OK) {
        bp_serve_buf_puts(&b, ",\"attributes\":");
        if (bp_serve_geo_attributes(s->gpkg, s->geo.fid[i], &b, ctx) != BP_OK) bp_serve_buf_puts(&b, "{}");
        bp_serve_buf_puts(&b, "}");
    }
    enum MHD_Result ret = st == BP_OK ? send_buf(c, 200, &b) : send_error(c, 500, bp_ctx_errmsg(ctx));
    bp_serve_buf_free(&b);
    bp_ctx_free(ctx);
    return ret;
}

static enum MHD_Result h_consensus(state *s, struct MHD_Connection *c, const bp_json *j)
{
    size_t topn = 10;
    const bp_json *v = bp_serve_json_get(j, "n"), *pa = bp_serve_json_get(j, "parties");
    if (v && (!json_index(v, MAX_TOPN + 1, &topn) || topn == 0)) return send_error(c, 400, "n: a whole number 1-1000");
    if (!pa || pa->kind != BP_JSON_ARR || pa->n == 0 || pa->n > 12)
        return send_error(c, 400, "parties: a list of 1 to 12 {name, gap_weight, weights}");
    params *ps = calloc(pa->n, sizeof *ps);
    unsigned short *hits = calloc(s->n ? s->n : 1, sizeof *hits);
    if (!ps || !hits) {
        free(ps);
        free(hits);
        return send_error(c, 500, "out of memory");
    }
    for (size_t k = 0; k < pa->n; k++) {
        params_base(s, &ps[k]);
        const char *err = pa->items[k]->kind == BP_JSON_OBJ ? params_read(s, pa->items[k], &ps[k]) : "parties: objects";
        if (err) {
            free(ps);
            free(hits);
            return send_error(c, 400, err);
        }
    }
    bp_ctx *ctx = bp_ctx_new();
    bp_status st = ctx ? BP_OK : BP_ERR_NOMEM;
    pool_item *it = pool_lock(s);
    for (size_t k = 0; st == BP_OK && k < pa->n; k++) {
        st = pool_rank(s, it, &ps[k], ctx);
        for (size_t i = 0; st == BP_OK && i < s->n; i++)
            if (it->r->rank[i] > 0 && (size_t)it->r->rank[i] <= topn) hits[i]++;
    }
    pthread_mutex_unlock(&it->mu);
    bp_serve_buf b = {0};
    if (st == BP_OK) {
        bp_serve_buf_printf(&b, "{\"n\":%zu,\"parties\":%zu,\"consensus\":[", topn, pa->n);
        int first = 1;
        for (size_t i = 0; i < s->n; i++)
            if (hits[i] == pa->n) {
                bp_serve_buf_printf(&b, first ? "%zu" : ",%zu", i);
                first = 0;
            }
        bp_serve_buf_puts(&b, "],\"some\":[");
        first = 1;
        for (size_t i = 0; i < s->n; i++)
            if (hits[i] > 0 && hits[i] < pa->n) {
                bp_serve_buf_printf(&b, first ? "%zu" : ",%zu", i);
                first = 0;
            }
        bp_serve_buf_puts(&b, "]}");
    }
    free(ps);
    free(hits);
    enum MHD_Result ret = st == BP_OK ? send_buf(c, 200, &b)
                                      : send_error(c, 500, ctx ? bp_ctx_errmsg(ctx) : "out of memory");
    bp_serve_buf_free(&b);
    bp_ctx_free(ctx);
    return ret;
}

/* The programme for the parameters of j: per gemeente and type the plots
 * that cover the gap (bp_result_program, greedy: instant at the table;
 * `bodnaarplot program` has the exact solver). */
static enum MHD_Result h_program(state *s, struct MHD_Connection *c, const bp_json *j)
{
    params p;
    params_base(s, &p);
    const char *err = params_read(s, j, &p);
    if (err) return send_error(c, 400, err);
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return send_error(c, 500, "out of memory");
    bp_serve_buf b = {0};
    pool_item *it = pool_lock(s);
    bp_status st = pool_rank(s, it, &p, ctx);
    bp_config *cfg = st == BP_OK ? bp_result_config(it->r) : NULL;
    if (st == BP_OK && !cfg) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    if (st == BP_OK) st = bp_config_set(cfg, "program.solver", "greedy", NULL, ctx);
    if (st == BP_OK) st = bp_result_program(it->r, cfg, ctx);
    if (st == BP_OK) {
        const bp_result *r = it->r;
        bp_serve_buf_puts(&b, "{\"plots\":[");
        int first = 1;
        for (size_t i = 0; i < r->n; i++) {
            int t = bp_result_program_type(r, i);
            if (t < 0) continue;
            bp_serve_buf_printf(&b, "%s[%zu,\"%s\",", first ? "" : ",", i, bp_type_name((bp_type)t));
            bp_serve_buf_num(&b, bp_result_program_homes(r, i), 0);
            bp_serve_buf_printf(&b, ",%s]", bp_result_program_reserved(r, i) ? "true" : "false");
            first = 0;
        }
        bp_serve_buf_puts(&b, "],\"gemeenten\":[");
        for (size_t g = 0; g < bp_result_ngemeenten(r); g++) {
            bp_serve_buf_puts(&b, g ? ",{\"code\":" : "{\"code\":");
            bp_serve_buf_json_str(&b, bp_result_gemeente_code(r, g));
            for (int t = 0; t < BP_NTYPES; t++) {
                bp_serve_buf_printf(&b, ",\"%s\":", bp_type_name((bp_type)t));
                bp_serve_buf_num(&b, bp_result_gemeente_figure(r, g, (bp_type)t, "programmed"), 0);
            }
            bp_serve_buf_puts(&b, "}");
        }
        bp_serve_buf_puts(&b, "]}");
    }
    it->key[0] = '\0'; /* the programme is kept in r: rank it afresh next time */
    pthread_mutex_unlock(&it->mu);
    bp_config_free(cfg);
    enum MHD_Result ret = st == BP_OK ? send_buf(c, 200, &b) : send_error(c, 500, bp_ctx_errmsg(ctx));
    bp_serve_buf_free(&b);
    bp_ctx_free(ctx);
    return ret;
}

static enum MHD_Result h_gemeenten(state *s, struct MHD_Connection *c)
{
    pool_item *it = pool_lock(s);
    const bp_result *r = it->r;
    bp_serve_buf b = {0};
    bp_serve_buf_puts(&b, "{\"gemeenten\":[");
    for (size_t g = 0; g < bp_result_ngemeenten(r); g++) {
        bp_serve_buf_puts(&b, g ? ",{\"code\":" : "{\"code\":");
        bp_serve_buf_json_str(&b, bp_result_gemeente_code(r, g));
        bp_serve_buf_puts(&b, ",\"name\":");
        bp_serve_buf_json_str(&b, bp_result_gemeente_name(r, g));
        static const char *const figs[] = {"opgave", "plannen", "gerealiseerd", "gap", "programmed"};
        for (int t = 0; t < BP_NTYPES; t++) {
            bp_serve_buf_printf(&b, ",\"%s\":{", bp_type_name((bp_type)t));
            for (int k = 0; k < 5; k++) {
                bp_serve_buf_printf(&b, "%s\"%s\":", k ? "," : "", figs[k]);
                bp_serve_buf_num(&b, bp_result_gemeente_figure(r, g, (bp_type)t, figs[k]), 0);
            }
            bp_serve_buf_puts(&b, "}");
        }
        bp_serve_buf_puts(&b, "}");
    }
    bp_serve_buf_puts(&b, "]}");
    pthread_mutex_unlock(&it->mu);
    return send_buf(c, 200, &b);
}

static enum MHD_Result h_decision(state *s, struct MHD_Connection *c, const bp_json *j)
{
    size_t i;
    if (!json_index(bp_serve_json_get(j, "plot"), s->n, &i)) return send_error(c, 400, "plot: a plot number");
    static const char *const fields[] = {"besluit", "woningtype", "woningen", "partner_corporatie", "partner_zorg",
                                         "opmerking"};
    const char *val[6] = {0};
    char homes[32];
    for (int k = 0; k < 6; k++) {
        const bp_json *v = bp_serve_json_get(j, fields[k]);
        if (!v || v->kind == BP_JSON_NULL) continue;
        if (k == 2 && v->kind == BP_JSON_NUM) {
            if (!(v->num >= 0 && v->num <= 100000) || v->num != floor(v->num))
                return send_error(c, 400, "woningen: a whole number 0-100000");
            snprintf(homes, sizeof homes, "%.0f", v->num);
            val[k] = homes;
            continue;
        }
        if (v->kind != BP_JSON_STR) return send_error(c, 400, "decision fields are text");
        if (strlen(v->str) > 4000) return send_error(c, 400, "text too long");
        val[k] = v->str;
    }
    bp_decision_edit e = {val[0], val[1], val[2], val[3], val[4], val[5]};
    /* the form sends every field; "" clears one */
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return send_error(c, 500, "out of memory");
    bp_status st = bp_decision_save(s->gpkg, bp_result_plot_id(s->pool[0].r, i), &e, "bodnaarplot serve", ctx);
    enum MHD_Result ret;
    if (st == BP_OK) {
        atomic_fetch_add(&s->gen, 1);
        ret = send_data(c, 200, "application/json", "{\"ok\":true}", 11, MHD_RESPMEM_PERSISTENT, NULL);
    } else ret = send_error(c, st == BP_ERR_USAGE ? 400 : st == BP_ERR_IO ? 503 : 500, bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return ret;
}

/* ---- dispatch -------------------------------------------------------------- */

static const asset *find_asset(const state *s, const char *url)
{
    for (size_t k = 0; k < s->nassets; k++)
        if (!strcmp(s->assets[k].name, url)) return &s->assets[k];
    return NULL;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url, const char *method,
                              const char *version, const char *upload, size_t *upload_size, void **con_cls)
{
    state *s = cls;
    request *rq = *con_cls;
    int post = !strcmp(method, MHD_HTTP_METHOD_POST);
    if (!rq) {
        rq = calloc(1, sizeof *rq);
        if (!rq) return MHD_NO;
        *con_cls = rq;
        if (!post) return MHD_YES; /* headers first; GET has no body */
        return MHD_YES;
    }
    if (*upload_size) {
        if (rq->body.len + *upload_size > BODY_MAX) rq->too_large = 1;
        else bp_serve_buf_add(&rq->body, upload, *upload_size);
        *upload_size = 0;
        return MHD_YES;
    }
    if (!rate_ok(s, c)) return send_error(c, 429, "too many requests");
    int set_cookie;
    if (!authorised(s, c, &set_cookie)) return send_error(c, 401, "token missing or wrong");
    if (rq->too_large) return send_error(c, 413, "request body over 64 KiB");
    if (strcmp(method, MHD_HTTP_METHOD_GET) && !post) return send_error(c, 405, "only GET and POST");
    if (!post && rq->body.len) return send_error(c, 400, "GET with a body");

    if (!post) {
        const asset *a = find_asset(s, url);
        if (a) {
            char cookie[256];
            if (set_cookie)
                snprintf(cookie, sizeof cookie, "bp_token=%s; Path=/; HttpOnly; SameSite=Strict", s->o->token);
            return send_data(c, 200, a->type, a->data, a->len, MHD_RESPMEM_PERSISTENT, set_cookie ? cookie : NULL);
        }
        if (!strcmp(url, "/api/meta"))
            return send_data(c, 200, "application/json", s->meta, s->meta_len, MHD_RESPMEM_PERSISTENT, NULL);
        if (!strcmp(url, "/api/plots"))
            return send_data(c, 200, "application/json", s->geo.plots, s->geo.plots_len, MHD_RESPMEM_PERSISTENT,
                             NULL);
        if (!strcmp(url, "/api/gemeenten")) return h_gemeenten(s, c);
        if (!strncmp(url, "/api/layer/", 11)) {
            for (int k = 0; k < 3; k++)
                if (!strcmp(url + 11, bp_serve_geo_layers[k]) && s->geo.layer_json[k])
                    return send_data(c, 200, "application/geo+json", s->geo.layer_json[k], s->geo.layer_len[k],
                                     MHD_RESPMEM_PERSISTENT, NULL);
            return send_error(c, 404, "no such layer");
        }
        if (!strncmp(url, "/api/plot/", 10)) {
            const char *p = url + 10;
            char *end;
            errno = 0;
            unsigned long long i = (*p >= '0' && *p <= '9') ? strtoull(p, &end, 10) : 0;
            if (!(*p >= '0' && *p <= '9') || errno || *end || i >= s->n) return send_error(c, 400, "no such plot");
            return h_plot(s, c, (size_t)i, NULL);
        }
        return send_error(c, 404, "not found");
    }
    const char *err = NULL;
    bp_json *j = bp_serve_json_parse(rq->body.s ? rq->body.s : "", rq->body.len, &err);
    if (!j) {
        char msg[128];
        snprintf(msg, sizeof msg, "bad JSON: %s", err ? err : "?");
        return send_error(c, 400, msg);
    }
    enum MHD_Result ret;
    if (j->kind != BP_JSON_OBJ) ret = send_error(c, 400, "the body must be a JSON object");
    else if (!strcmp(url, "/api/rerank")) ret = h_rerank(s, c, j);
    else if (!strcmp(url, "/api/plot")) {
        size_t i;
        ret = json_index(bp_serve_json_get(j, "plot"), s->n, &i) ? h_plot(s, c, i, j)
                                                                  : send_error(c, 400, "plot: a plot number");
    } else if (!strcmp(url, "/api/consensus")) ret = h_consensus(s, c, j);
    else if (!strcmp(url, "/api/decision")) ret = h_decision(s, c, j);
    else if (!strcmp(url, "/api/program")) ret = h_program(s, c, j);
    else ret = send_error(c, 404, "not found");
    bp_serve_json_free(j);
    return ret;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decoding of the path and query as libmicrohttpd's, but %00 is
 * left as it is: a NUL would cut the path short ("/app.js%00.png"). */
static size_t unescape(void *cls, struct MHD_Connection *c, char *val)
{
    char *r = val, *w = val;
    while (*r) {
        int hi, lo;
        if (r[0] == '%' && r[1] && r[2] && (hi = hexval(r[1])) >= 0 && (lo = hexval(r[2])) >= 0 && (hi | lo)) {
            *w++ = (char)(hi * 16 + lo);
            r += 3;
        } else *w++ = *r++;
    }
    *w = '\0';
    return (size_t)(w - val);
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls, enum MHD_RequestTerminationCode toe)
{
    request *rq = *con_cls;
    if (rq) {
        bp_serve_buf_free(&rq->body);
        free(rq);
        *con_cls = NULL;
    }
}

/* ---- start and stop ------------------------------------------------------------ */

static int read_file(const char *path, char **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return 0;
    bp_serve_buf b = {0};
    char tmp[65536];
    size_t n;
    while ((n = fread(tmp, 1, sizeof tmp, f)) > 0) bp_serve_buf_add(&b, tmp, n);
    int ok = !ferror(f) && !b.oom && b.s;
    fclose(f);
    if (!ok) {
        bp_serve_buf_free(&b);
        return 0;
    }
    *data = b.s;
    *len = b.len;
    return 1;
}

static bp_status add_asset(state *s, const char *name, const char *type, const char *data, size_t len, int owned)
{
    asset *a = realloc(s->assets, (s->nassets + 1) * sizeof *a);
    if (!a) return BP_ERR_NOMEM;
    s->assets = a;
    s->assets[s->nassets++] = (asset){name, type, (char *)data, len, owned};
    return BP_OK;
}

static const char *embedded(const char *const *names, const char *const *texts, size_t n, const char *name)
{
    for (size_t k = 0; k < n; k++)
        if (!strcmp(names[k], name)) return texts[k];
    return NULL;
}

static bp_status load_assets(state *s, bp_ctx *ctx)
{
    const char *html = embedded(bp_web_html_names, bp_web_html_texts, bp_web_html_count, "index");
    const char *js = embedded(bp_web_js_names, bp_web_js_texts, bp_web_js_count, "app");
    const char *css = embedded(bp_web_css_names, bp_web_css_texts, bp_web_css_count, "style");
    if (!html || !js || !css) return bp_error(ctx, BP_ERR_NOMEM, "the page is missing from the build");
    if (add_asset(s, "/", "text/html; charset=utf-8", html, strlen(html), 0) ||
        add_asset(s, "/app.js", "text/javascript; charset=utf-8", js, strlen(js), 0) ||
        add_asset(s, "/style.css", "text/css; charset=utf-8", css, strlen(css), 0))
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    static const struct {
        const char *url, *file, *type;
        int required;
    } lf[] = {
        {"/leaflet/leaflet.js", "leaflet.js", "text/javascript; charset=utf-8", 1},
        {"/leaflet/leaflet.css", "leaflet.css", "text/css; charset=utf-8", 1},
        {"/leaflet/images/layers.png", "images/layers.png", "image/png", 0},
        {"/leaflet/images/layers-2x.png", "images/layers-2x.png", "image/png", 0},
        {"/leaflet/images/marker-icon.png", "images/marker-icon.png", "image/png", 0},
        {"/leaflet/images/marker-icon-2x.png", "images/marker-icon-2x.png", "image/png", 0},
        {"/leaflet/images/marker-shadow.png", "images/marker-shadow.png", "image/png", 0},
    };
    const char *dir = s->o->leaflet_dir ? s->o->leaflet_dir : DEFAULT_LEAFLET;
    for (size_t k = 0; k < sizeof lf / sizeof lf[0]; k++) {
        char path[4096];
        char *data;
        size_t len;
        snprintf(path, sizeof path, "%s/%s", dir, lf[k].file);
        if (!read_file(path, &data, &len)) {
            if (lf[k].required)
                return bp_error(ctx, BP_ERR_USAGE, "Leaflet not found: cannot read %s (Debian: apt-get install libjs-leaflet)",
                                path);
            continue;
        }
        if (add_asset(s, lf[k].url, lf[k].type, data, len, 1)) {
            free(data);
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        }
    }
    return BP_OK;
}

/* parties YAML: {NAME: {CATEGORY: WEIGHT, ..., gap_weight: G}, ...} */
static bp_status load_parties(state *s, const char *path, bp_ctx *ctx)
{
    bp_yaml *y = bp_yaml_parse_file(path, ctx);
    if (!y) return bp_ctx_status(ctx);
    bp_status st = BP_OK;
    if (y->kind != BP_YAML_MAP || y->n == 0 || y->n > 12)
        st = bp_error(ctx, BP_ERR_USAGE, "%s: a map of 1 to 12 parties, each {category: weight, gap_weight: g}", path);
    s->parties = st == BP_OK ? calloc(y->n, sizeof *s->parties) : NULL;
    if (st == BP_OK && !s->parties) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    params base;
    params_base(s, &base);
    for (size_t k = 0; st == BP_OK && k < y->n; k++) {
        party *p = &s->parties[s->nparties];
        p->w = malloc((s->ncat ? s->ncat : 1) * sizeof *p->w);
        if (!p->w) {
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        s->nparties++;
        snprintf(p->name, sizeof p->name, "%s", y->keys[k]);
        memcpy(p->w, base.w, s->ncat * sizeof *p->w);
        p->gap_weight = base.gap_weight;
        const bp_yaml *m = y->items[k];
        if (m->kind != BP_YAML_MAP) {
            st = bp_error(ctx, BP_ERR_USAGE, "%s line %d: party %s: a map {category: weight}", path, m->line,
                          y->keys[k]);
            break;
        }
        for (size_t q = 0; st == BP_OK && q < m->n; q++) {
            const bp_yaml *v = m->items[q];
            char *end = NULL;
            double x = v->kind == BP_YAML_SCALAR ? strtod(v->value, &end) : NAN;
            int isnum = end && end != v->value && !*end && isfinite(x);
            if (!strcmp(m->keys[q], "gap_weight")) {
                if (!isnum || x < 0 || x > 1)
                    st = bp_error(ctx, BP_ERR_USAGE, "%s line %d: gap_weight: a number from 0 to 1", path, v->line);
                else p->gap_weight = x;
                continue;
            }
            size_t c = 0;
            while (c < s->ncat && strcmp(s->cat[c], m->keys[q])) c++;
            if (c == s->ncat)
                st = bp_error(ctx, BP_ERR_USAGE, "%s line %d: unknown category '%s'", path, m->key_lines[q], m->keys[q]);
            else if (!isnum || x < 0 || x > WEIGHT_MAX)
                st = bp_error(ctx, BP_ERR_USAGE, "%s line %d: weight: a number from 0 to 100", path, v->line);
            else p->w[c] = x;
        }
    }
    bp_yaml_free(y);
    return st;
}

static void state_free(state *s)
{
    for (size_t k = 0; k < s->npool; k++) {
        pthread_mutex_destroy(&s->pool[k].mu);
        bp_result_free(s->pool[k].r);
    }
    free(s->pool);
    for (size_t k = 0; k < s->nassets; k++)
        if (s->assets[k].owned) free(s->assets[k].data);
    free(s->assets);
    for (size_t k = 0; k < s->nparties; k++) free(s->parties[k].w);
    free(s->parties);
    free(s->meta);
    free(s->gpkg);
    bp_serve_geo_free(&s->geo);
    for (int k = 0; k < CACHE_SLOTS; k++) free(s->cache[k].body);
    pthread_mutex_destroy(&s->cache_mu);
    pthread_mutex_destroy(&s->rate_mu);
}

bp_status bp_serve(const bp_serve_opts *o, bp_ctx *ctx)
{
    if (!o || !o->gpkg || !o->stop) return bp_error(ctx, BP_ERR_USAGE, "serve needs a GeoPackage and a stop flag");
    const char *addr = o->listen ? o->listen : "127.0.0.1";
    struct sockaddr_in sa;
    memset(&sa, 0, sizeof sa);
    sa.sin_family = AF_INET;
    if (inet_pton(AF_INET, addr, &sa.sin_addr) != 1)
        return bp_error(ctx, BP_ERR_USAGE, "--listen: '%s' is not an IPv4 address (e.g. 127.0.0.1 or 0.0.0.0)", addr);
    int loopback = !strcmp(addr, "127.0.0.1");
    if (o->token && *o->token && strlen(o->token) < 16)
        return bp_error(ctx, BP_ERR_USAGE, "the token must have at least 16 characters");
    if (!loopback && !(o->token && *o->token))
        return bp_error(ctx, BP_ERR_USAGE, "listening on %s needs a token (the CLI makes one)", addr);
    if (o->token && strspn(o->token, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") != strlen(o->token))
        return bp_error(ctx, BP_ERR_USAGE, "the token may hold letters, digits, - and _ only");
    if (o->port < -1 || o->port > 65535) return bp_error(ctx, BP_ERR_USAGE, "--port: 1-65535");
    sa.sin_port = htons((uint16_t)(o->port == 0 ? 8080 : o->port < 0 ? 0 : o->port));

    state *s = calloc(1, sizeof *s);
    if (!s) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    pthread_mutex_init(&s->rate_mu, NULL);
    pthread_mutex_init(&s->cache_mu, NULL);
    s->o = o;
    s->gpkg = strdup(o->gpkg);
    s->npool = o->threads > 0 ? (size_t)o->threads : 2;
    if (s->npool > 16) s->npool = 16;
    s->pool = calloc(s->npool, sizeof *s->pool);
    bp_status st = s->gpkg && s->pool ? BP_OK : bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t k = 0; st == BP_OK && k < s->npool; k++) {
        pthread_mutex_init(&s->pool[k].mu, NULL);
        st = bp_result_load(o->gpkg, &s->pool[k].r, ctx);
    }
    if (st == BP_OK) {
        s->n = s->pool[0].r->n;
        s->ncat = s->pool[0].r->ncat;
        s->cat = s->pool[0].r->cat;
        if (s->ncat > 64) st = bp_error(ctx, BP_ERR_DATA, "%s: more than 64 categories", o->gpkg);
        const bp_result *r = s->pool[0].r;
        s->base_profile = r->rank_opts.profile;
        s->base_gap = r->gap_opts.gap_weight;
        for (int t = 0; t < BP_NTYPES; t++)
            for (size_t c = 0; c < s->ncat && c < 64; c++) s->base_w[t][c] = r->crit[c].weight[t];
    }
    if (st == BP_OK) st = load_assets(s, ctx);
    if (st == BP_OK && o->parties) st = load_parties(s, o->parties, ctx);
    if (st == BP_OK) st = bp_serve_geo_read(&s->geo, o->gpkg, s->pool[0].r, 0.5, ctx);
    if (st == BP_OK) st = build_meta(s, ctx);
    struct MHD_Daemon *d = NULL;
    int fd = -1;
    if (st == BP_OK) {
        /* our own listening socket: the port is known before any request */
        int one = 1;
        struct sockaddr_in bound;
        socklen_t blen = sizeof bound;
        fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        if (fd < 0 || setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one) ||
            bind(fd, (struct sockaddr *)&sa, sizeof sa) || listen(fd, 256) ||
            getsockname(fd, (struct sockaddr *)&bound, &blen))
            st = bp_error(ctx, BP_ERR_USAGE, "cannot listen on %s:%d: %s", addr, o->port == 0 ? 8080 : o->port,
                          strerror(errno));
        else s->port = ntohs(bound.sin_port);
    }
    if (st == BP_OK) {
        s->localhost_only = !(o->token && *o->token);
        d = MHD_start_daemon(MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, handle,
                             s, MHD_OPTION_LISTEN_SOCKET, fd, MHD_OPTION_NOTIFY_COMPLETED, completed,
                             s, MHD_OPTION_CONNECTION_LIMIT, (unsigned)512, MHD_OPTION_PER_IP_CONNECTION_LIMIT,
                             (unsigned)(loopback ? 400 : 64), MHD_OPTION_CONNECTION_TIMEOUT, (unsigned)30,
                             MHD_OPTION_CONNECTION_MEMORY_LIMIT, (size_t)(64 * 1024), MHD_OPTION_UNESCAPE_CALLBACK,
                             unescape, NULL, MHD_OPTION_END);
        if (!d) st = bp_error(ctx, BP_ERR_USAGE, "cannot start the web server on %s:%d", addr, s->port);
    }
    if (st == BP_OK) {
        if (o->ready) {
            char url[128];
            snprintf(url, sizeof url, "http://%s:%d/", loopback ? "127.0.0.1" : addr, s->port);
            o->ready(url, s->port, o->userdata);
        }
        while (!*o->stop) {
            struct timespec ts = {0, 50 * 1000 * 1000};
            nanosleep(&ts, NULL);
        }
        MHD_stop_daemon(d);
    }
    if (fd >= 0) close(fd);
    state_free(s);
    free(s);
    return st;
}
