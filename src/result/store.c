/*
 * store.c — a result inside its output GeoPackage, so rescore and the live
 * server re-rank it without any input: table bodnaarplot_result(name TEXT
 * PRIMARY KEY, value BLOB) holds
 *   format          "bodnaarplot-result 1"
 *   shape           "n ncat radius_m id_numeric"
 *   categories      names, one per line
 *   id_field        the id field (absent: feature ids)
 *   ids             the ids, NUL-terminated one after another
 *   fid, area, flags, gemeente, dist, count, attach, px, py
 *                   per-plot arrays (little-endian int64, double, byte,
 *                   uint32, double, int32, double, double: a point on
 *                   each plot), in chunks "NAME#k" of
 *                   at most 64 MiB
 *   params          the score, gap and rank parameters and the filter,
 *                   "key=value" lines with 17 significant digits
 *   gemeenten       per gemeente a line: code, name, targets (tab-separated)
 *   gm_wkb#k        the gemeente polygons as WKB
 *   info            run_info, "key\tvalue" lines
 * The candidates layer holds the same numbers rounded for display; this
 * table holds them exactly, so a re-rank equals a full run.  Written with
 * SQLite after GDAL has closed the file; not registered in gpkg_contents.
 */
#include "result/result.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sqlite3.h>

#define FORMAT "bodnaarplot-result 1"
/* Arrays are stored in chunks of at most CHUNK bytes: SQLite copies a
 * value into its record while inserting it, so a chunk is what a store or
 * a load costs in memory beyond the result itself.  Readers take chunks of
 * any size (files of earlier versions have 64 MiB chunks). */
#define CHUNK ((size_t)4 << 20)

/* ---- writing -------------------------------------------------------------- */

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *ins;
    const char *what;
    bp_ctx *ctx;
    bp_status st;
} writer;

static void put(writer *w, const char *name, const void *data, size_t len)
{
    if (w->st != BP_OK) return;
    sqlite3_reset(w->ins);
    sqlite3_bind_text(w->ins, 1, name, -1, SQLITE_TRANSIENT);
    sqlite3_bind_blob64(w->ins, 2, data ? data : "", len, SQLITE_STATIC);
    if (sqlite3_step(w->ins) != SQLITE_DONE)
        w->st = bp_error(w->ctx, BP_ERR_IO, "%s: writing table " BP_RESULT_TABLE " failed: %s", w->what,
                         sqlite3_errmsg(w->db));
}

static void put_text(writer *w, const char *name, const char *text)
{
    put(w, name, text, strlen(text));
}

/* An array in chunks NAME#0, NAME#1, ... */
static void put_array(writer *w, const char *name, const void *data, size_t len)
{
    size_t k = 0;
    do {
        char key[64];
        snprintf(key, sizeof key, "%s#%zu", name, k);
        size_t off = k * CHUNK, part = len - off < CHUNK ? len - off : CHUNK;
        put(w, key, (const char *)data + off, part);
        k++;
    } while (k * CHUNK < len);
}

/* A growing text buffer. */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} text;

static void add(text *t, const char *fmt, ...) BP_PRINTF(2, 3);
static void add(text *t, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0 || t->failed) return;
    if (t->len + (size_t)n + 1 > t->cap) {
        size_t cap = t->cap ? t->cap : 1024;
        while (cap < t->len + (size_t)n + 1) cap *= 2;
        char *s = realloc(t->s, cap);
        if (!s) {
            t->failed = 1;
            return;
        }
        t->s = s;
        t->cap = cap;
    }
    va_start(ap, fmt);
    vsnprintf(t->s + t->len, (size_t)n + 1, fmt, ap);
    va_end(ap);
    t->len += (size_t)n;
}

/* Text with tabs and newlines replaced, for the line formats. */
static const char *clean(const char *s, char *buf, size_t size)
{
    snprintf(buf, size, "%s", s ? s : "");
    for (char *p = buf; *p; p++)
        if (*p == '\t' || *p == '\n' || *p == '\r') *p = ' ';
    return buf;
}

static void params_text(const bp_result *r, text *t)
{
    const bp_score_opts *o = &r->score_opts;
    add(t, "profile=%d\n", (int)r->rank_opts.profile);
    add(t, "density=%.17g\n", o->density);
    add(t, "floor_area_per_home=%.17g\n", o->floor_area_per_home);
    add(t, "gap_weight=%.17g\n", r->gap_opts.gap_weight);
    add(t, "min_homes=%.17g,%.17g,%.17g\n", o->min_homes[0], o->min_homes[1], o->min_homes[2]);
    add(t, "snap_tolerance_m=%.17g\n", r->snap_tolerance_m);
    for (size_t c = 0; c < r->ncat && o->crit; c++) {
        const bp_criterion *k = &o->crit[c];
        add(t, "crit=%.17g,%.17g,%.17g,%d,%.17g,%.17g,%.17g\n", k->full_m, k->zero_m, k->knockout_m, (int)k->decay,
            k->weight[0], k->weight[1], k->weight[2]);
    }
    if (r->filter) {
        char *f = bp_strdup(r->filter);
        if (!f) {
            t->failed = 1;
            return;
        }
        for (char *p = f; *p; p++)
            if (*p == '\n' || *p == '\r') *p = ' ';
        add(t, "filter=%s\n", f);
        free(f);
    }
}

bp_status bp_result_store(const bp_result *r, const char *gpkg, const char *what, bp_ctx *ctx)
{
    writer w = {.what = what, .ctx = ctx, .st = BP_OK};
    if (sqlite3_open_v2(gpkg, &w.db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        bp_status st = bp_error(ctx, BP_ERR_IO, "%s: cannot reopen the GeoPackage: %s", what,
                                w.db ? sqlite3_errmsg(w.db) : "out of memory");
        sqlite3_close(w.db);
        return st;
    }
    sqlite3_exec(w.db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    if (sqlite3_exec(w.db,
                     "BEGIN; DROP TABLE IF EXISTS " BP_RESULT_TABLE "; CREATE TABLE " BP_RESULT_TABLE
                     "(name TEXT PRIMARY KEY, value BLOB)",
                     NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(w.db, "INSERT INTO " BP_RESULT_TABLE " VALUES (?, ?)", -1, &w.ins, NULL) != SQLITE_OK)
        w.st = bp_error(ctx, BP_ERR_IO, "%s: cannot create table " BP_RESULT_TABLE ": %s", what, sqlite3_errmsg(w.db));
    text t = {0};
    char buf[2048];
    put_text(&w, "format", FORMAT);
    add(&t, "%zu %zu %d %d", r->n, r->ncat, r->radius_m, r->id_num != NULL);
    put(&w, "shape", t.s, t.len);
    t.len = 0;
    for (size_t c = 0; c < r->ncat; c++) add(&t, "%s\n", r->cat[c]);
    put(&w, "categories", t.s, t.len);
    if (r->id_field) put_text(&w, "id_field", r->id_field);
    put_array(&w, "ids", r->id_buf, r->id_len);
    put_array(&w, "fid", r->fid, r->n * sizeof *r->fid);
    put_array(&w, "area", r->area, r->n * sizeof *r->area);
    put_array(&w, "flags", r->flags, r->n);
    put_array(&w, "gemeente", r->gemeente, r->n * sizeof *r->gemeente);
    put_array(&w, "dist", r->dist, r->n * r->ncat * sizeof *r->dist);
    put_array(&w, "count", r->count, r->n * r->ncat * sizeof *r->count);
    if (r->attach) put_array(&w, "attach", r->attach, r->n * sizeof *r->attach);
    if (r->own_capacity) put_array(&w, "own_capacity", r->own_capacity, r->n * sizeof *r->own_capacity);
    if (r->levels) put_array(&w, "levels", r->levels, r->n * sizeof *r->levels);
    if (r->px) {
        put_array(&w, "px", r->px, r->n * sizeof *r->px);
        put_array(&w, "py", r->py, r->n * sizeof *r->py);
    }
    t.len = 0;
    params_text(r, &t);
    put(&w, "params", t.s, t.len);
    t.len = 0;
    for (size_t g = 0; g < r->ngm; g++) {
        const bp_gm *m = &r->gm[g];
        add(&t, "%s\t", clean(m->code, buf, sizeof buf));
        add(&t, "%s", clean(m->name, buf, sizeof buf));
        for (int k = 0; k < BP_NTYPES; k++)
            add(&t, "\t%d\t%.17g\t%.17g\t%.17g", m->has_target[k], m->opgave[k], m->plannen[k], m->gerealiseerd[k]);
        add(&t, "\n");
        char key[32];
        snprintf(key, sizeof key, "gm_wkb#%zu", g);
        put(&w, key, m->wkb, m->wkb_len);
    }
    put(&w, "gemeenten", t.s, t.len);
    t.len = 0;
    for (size_t i = 0; i < r->info.n; i++) {
        add(&t, "%s\t", clean(r->info.key[i], buf, sizeof buf));
        add(&t, "%s\n", clean(r->info.value[i], buf, sizeof buf));
    }
    put(&w, "info", t.s, t.len);
    if (t.failed && w.st == BP_OK) w.st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    free(t.s);
    sqlite3_finalize(w.ins);
    if (w.st == BP_OK && sqlite3_exec(w.db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        w.st = bp_error(ctx, BP_ERR_IO, "%s: writing table " BP_RESULT_TABLE " failed: %s", what, sqlite3_errmsg(w.db));
    if (sqlite3_close(w.db) != SQLITE_OK && w.st == BP_OK)
        w.st = bp_error(ctx, BP_ERR_IO, "%s: closing the GeoPackage failed", what);
    return w.st;
}

/* ---- reading -------------------------------------------------------------- */

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *get;
    const char *path;
    bp_ctx *ctx;
    bp_status st;
} reader;

/* The value of 'name' into a new buffer (*len bytes, NUL-terminated);
 * NULL when absent (optional) or on failure (st set). */
static char *get(reader *rd, const char *name, size_t *len, int optional)
{
    *len = 0;
    if (rd->st != BP_OK) return NULL;
    sqlite3_reset(rd->get);
    sqlite3_bind_text(rd->get, 1, name, -1, SQLITE_TRANSIENT);
    if (sqlite3_step(rd->get) != SQLITE_ROW) {
        if (!optional)
            rd->st = bp_error(rd->ctx, BP_ERR_DATA, "%s: table " BP_RESULT_TABLE " has no %s (damaged)", rd->path, name);
        return NULL;
    }
    size_t n = (size_t)sqlite3_column_bytes(rd->get, 0);
    const void *p = sqlite3_column_blob(rd->get, 0);
    char *out = malloc(n + 1);
    if (!out) {
        rd->st = bp_error(rd->ctx, BP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (n) memcpy(out, p, n);
    out[n] = '\0';
    *len = n;
    return out;
}

/* An array of exactly 'len' bytes from its chunks into dst (of any size:
 * 4 MiB now, 64 MiB in earlier files). */
static void get_array(reader *rd, const char *name, void *dst, size_t len)
{
    size_t off = 0;
    for (size_t k = 0; rd->st == BP_OK && (off < len || k == 0); k++) {
        char key[64];
        snprintf(key, sizeof key, "%s#%zu", name, k);
        size_t n;
        char *part = get(rd, key, &n, k > 0);
        if (!part) {
            if (k > 0 && rd->st == BP_OK) /* the chunks end short */
                rd->st = bp_error(rd->ctx, BP_ERR_DATA, "%s: " BP_RESULT_TABLE ".%s has the wrong size (damaged)",
                                  rd->path, name);
            return;
        }
        if (n > len - off || (n == 0 && len > 0))
            rd->st = bp_error(rd->ctx, BP_ERR_DATA, "%s: " BP_RESULT_TABLE ".%s has the wrong size (damaged)", rd->path,
                              name);
        else if (n)
            memcpy((char *)dst + off, part, n);
        off += n;
        free(part);
    }
}

/* Parses the params text into r. */
static bp_status parse_params(bp_result *r, char *p, reader *rd)
{
    bp_score_opts so = {0};
    bp_gap_opts go = {0};
    bp_rank_opts ro = {0};
    bp_criterion *crit = calloc(r->ncat ? r->ncat : 1, sizeof *crit);
    if (!crit) return bp_error(rd->ctx, BP_ERR_NOMEM, "out of memory");
    size_t nc = 0;
    const char *filter = NULL;
    int profile = 1, ok = 1;
    char *save = NULL;
    for (char *line = strtok_r(p, "\n", &save); line && ok; line = strtok_r(NULL, "\n", &save)) {
        int decay;
        if (!strncmp(line, "filter=", 7)) filter = line + 7;
        else if (sscanf(line, "profile=%d", &profile) == 1) ok = profile >= 0 && profile < BP_NTYPES;
        else if (sscanf(line, "density=%lf", &so.density) == 1) continue;
        else if (sscanf(line, "floor_area_per_home=%lf", &so.floor_area_per_home) == 1) continue;
        else if (sscanf(line, "gap_weight=%lf", &go.gap_weight) == 1) continue;
        else if (sscanf(line, "snap_tolerance_m=%lf", &r->snap_tolerance_m) == 1) continue;
        else if (sscanf(line, "min_homes=%lf,%lf,%lf", &so.min_homes[0], &so.min_homes[1], &so.min_homes[2]) == 3)
            continue;
        else if (nc < r->ncat && sscanf(line, "crit=%lf,%lf,%lf,%d,%lf,%lf,%lf", &crit[nc].full_m, &crit[nc].zero_m,
                                        &crit[nc].knockout_m, &decay, &crit[nc].weight[0], &crit[nc].weight[1],
                                        &crit[nc].weight[2]) == 7) {
            crit[nc++].decay = decay ? BP_DECAY_LOGISTIC : BP_DECAY_LINEAR;
        } else
            ok = 0;
    }
    if (!ok || nc != r->ncat) {
        free(crit);
        return bp_error(rd->ctx, BP_ERR_DATA, "%s: " BP_RESULT_TABLE ".params is damaged", rd->path);
    }
    so.ncat = r->ncat;
    so.crit = crit;
    so.profile = ro.profile = go.profile = (bp_type)profile;
    bp_status st = bp_result_set_params(r, &so, &go, &ro, filter, rd->ctx);
    free(crit);
    return st;
}

/* Splits s at tabs into at most n fields; returns the count. */
static int fields(char *s, char **f, int n)
{
    int k = 0;
    f[k++] = s;
    for (char *p = s; *p && k < n; p++)
        if (*p == '\t') {
            *p = '\0';
            f[k++] = p + 1;
        }
    return k;
}

static bp_status parse_gemeenten(bp_result *r, char *text, reader *rd)
{
    size_t g = 0;
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line && rd->st == BP_OK; line = strtok_r(NULL, "\n", &save), g++) {
        char *f[2 + 4 * BP_NTYPES];
        if (fields(line, f, 2 + 4 * BP_NTYPES) != 2 + 4 * BP_NTYPES)
            return rd->st = bp_error(rd->ctx, BP_ERR_DATA, "%s: " BP_RESULT_TABLE ".gemeenten is damaged", rd->path);
        char key[32];
        snprintf(key, sizeof key, "gm_wkb#%zu", g);
        size_t wl;
        char *wkb = get(rd, key, &wl, 0);
        if (!wkb) return rd->st;
        long k = bp_result_add_gemeente(r, f[0], f[1], (unsigned char *)wkb, wl);
        free(wkb);
        if (k < 0) return rd->st = bp_error(rd->ctx, BP_ERR_NOMEM, "out of memory");
        bp_gm *m = &r->gm[k];
        for (int t = 0; t < BP_NTYPES; t++) {
            m->has_target[t] = atoi(f[2 + 4 * t]);
            m->opgave[t] = strtod(f[3 + 4 * t], NULL);
            m->plannen[t] = strtod(f[4 + 4 * t], NULL);
            m->gerealiseerd[t] = strtod(f[5 + 4 * t], NULL);
        }
    }
    return rd->st;
}

static bp_status parse_info(bp_result *r, char *text, reader *rd)
{
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        char *f[2];
        if (fields(line, f, 2) != 2) continue;
        if (bp_kv_add(&r->info, f[0], f[1]) < 0) return rd->st = bp_error(rd->ctx, BP_ERR_NOMEM, "out of memory");
    }
    return BP_OK;
}

/* Reads the plot arrays and the categories. */
static void read_plots(bp_result *r, reader *rd)
{
    size_t len, n, ncat;
    int radius, numeric;
    char *shape = get(rd, "shape", &len, 0);
    if (!shape) return;
    int ok = sscanf(shape, "%zu %zu %d %d", &n, &ncat, &radius, &numeric) == 4 && ncat < 10000;
    free(shape);
    if (!ok) {
        rd->st = bp_error(rd->ctx, BP_ERR_DATA, "%s: " BP_RESULT_TABLE ".shape is damaged", rd->path);
        return;
    }
    char *cats = get(rd, "categories", &len, 0);
    if (!cats) return;
    char **names = calloc(ncat ? ncat : 1, sizeof *names);
    size_t k = 0;
    char *save = NULL;
    for (char *line = strtok_r(cats, "\n", &save); names && line && k < ncat; line = strtok_r(NULL, "\n", &save))
        names[k++] = line;
    if (!names) rd->st = bp_error(rd->ctx, BP_ERR_NOMEM, "out of memory");
    else if (k != ncat) rd->st = bp_error(rd->ctx, BP_ERR_DATA, "%s: " BP_RESULT_TABLE ".categories is damaged", rd->path);
    if (rd->st == BP_OK) rd->st = bp_result_set_categories(r, names, ncat, radius, rd->ctx);
    free(names);
    free(cats);
    if (rd->st == BP_OK) rd->st = bp_result_alloc_plots(r, n, rd->ctx);
    if (rd->st != BP_OK) return;
    r->id_field = get(rd, "id_field", &len, 1);
    /* the ids: one buffer of NUL-terminated strings */
    char *ids = NULL;
    size_t idlen = 0;
    for (size_t c = 0;; c++) {
        char key[32];
        snprintf(key, sizeof key, "ids#%zu", c);
        size_t pl;
        char *part = get(rd, key, &pl, c > 0);
        if (!part) break;
        char *ni = realloc(ids, idlen + pl + 1);
        if (!ni) {
            free(part);
            rd->st = bp_error(rd->ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        ids = ni;
        memcpy(ids + idlen, part, pl);
        idlen += pl;
        free(part);
        if (pl < CHUNK) break;
    }
    size_t i = 0;
    for (size_t off = 0; rd->st == BP_OK && off < idlen && i < n; i++) {
        rd->st = bp_result_set_id(r, i, ids + off, rd->ctx);
        off += strlen(ids + off) + 1;
    }
    free(ids);
    if (rd->st == BP_OK && i != n) {
        rd->st = bp_error(rd->ctx, BP_ERR_DATA, "%s: " BP_RESULT_TABLE ".ids is damaged", rd->path);
        return;
    }
    get_array(rd, "fid", r->fid, n * sizeof *r->fid);
    get_array(rd, "area", r->area, n * sizeof *r->area);
    get_array(rd, "flags", r->flags, n);
    get_array(rd, "gemeente", r->gemeente, n * sizeof *r->gemeente);
    get_array(rd, "dist", r->dist, n * ncat * sizeof *r->dist);
    get_array(rd, "count", r->count, n * ncat * sizeof *r->count);
    char *probe = get(rd, "attach#0", &len, 1);
    free(probe);
    if (probe && rd->st == BP_OK && (rd->st = bp_result_alloc_attach(r, rd->ctx)) == BP_OK)
        get_array(rd, "attach", r->attach, n * sizeof *r->attach);
    const char *optional[] = {"own_capacity", "levels"};
    double **slots[] = {&r->own_capacity, &r->levels};
    for (int k = 0; k < 2 && rd->st == BP_OK; k++) {
        char key[32];
        snprintf(key, sizeof key, "%s#0", optional[k]);
        probe = get(rd, key, &len, 1);
        free(probe);
        if (!probe) continue;
        *slots[k] = malloc((n ? n : 1) * sizeof **slots[k]);
        if (!*slots[k]) rd->st = bp_error(rd->ctx, BP_ERR_NOMEM, "out of memory");
        else get_array(rd, optional[k], *slots[k], n * sizeof **slots[k]);
    }
    probe = get(rd, "px#0", &len, 1);
    free(probe);
    if (probe && rd->st == BP_OK && (rd->st = bp_result_alloc_points(r, rd->ctx)) == BP_OK) {
        get_array(rd, "px", r->px, n * sizeof *r->px);
        get_array(rd, "py", r->py, n * sizeof *r->py);
    }
    if (rd->st == BP_OK && numeric) {
        r->id_num = malloc((n ? n : 1) * sizeof *r->id_num);
        if (!r->id_num) rd->st = bp_error(rd->ctx, BP_ERR_NOMEM, "out of memory");
        for (size_t j = 0; r->id_num && j < n; j++) r->id_num[j] = strtoll(bp_result_id(r, j), NULL, 10);
    }
}

bp_status bp_result_restore(bp_result *r, const char *gpkg, bp_ctx *ctx)
{
    reader rd = {.path = gpkg, .ctx = ctx, .st = BP_OK};
    if (sqlite3_open_v2(gpkg, &rd.db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        bp_status st = bp_error(ctx, BP_ERR_USAGE, "%s: cannot open: %s", gpkg,
                                rd.db ? sqlite3_errmsg(rd.db) : "out of memory");
        sqlite3_close(rd.db);
        return st;
    }
    sqlite3_busy_timeout(rd.db, 10000);
    if (sqlite3_prepare_v2(rd.db, "SELECT value FROM " BP_RESULT_TABLE " WHERE name = ?", -1, &rd.get, NULL) !=
        SQLITE_OK) {
        bp_status st = bp_error(ctx, BP_ERR_USAGE, "%s: not a bodnaarplot result (no table " BP_RESULT_TABLE ")", gpkg);
        sqlite3_close(rd.db);
        return st;
    }
    size_t len;
    char *fmt = get(&rd, "format", &len, 0);
    if (fmt && strcmp(fmt, FORMAT))
        rd.st = bp_error(ctx, BP_ERR_USAGE, "%s: a result of another bodnaarplot version ('%s'); run it again", gpkg, fmt);
    free(fmt);
    if (rd.st == BP_OK) read_plots(r, &rd);
    char *params = get(&rd, "params", &len, 0);
    if (params && rd.st == BP_OK) rd.st = parse_params(r, params, &rd);
    free(params);
    char *gm = get(&rd, "gemeenten", &len, 0);
    if (gm && rd.st == BP_OK) parse_gemeenten(r, gm, &rd);
    free(gm);
    char *info = get(&rd, "info", &len, 0);
    if (info && rd.st == BP_OK) parse_info(r, info, &rd);
    free(info);
    for (size_t i = 0; rd.st == BP_OK && i < r->n; i++)
        if (r->gemeente[i] != BP_NO_GEMEENTE && r->gemeente[i] >= r->ngm)
            rd.st = bp_error(ctx, BP_ERR_DATA, "%s: " BP_RESULT_TABLE ".gemeente is damaged", gpkg);
    sqlite3_finalize(rd.get);
    sqlite3_close(rd.db);
    return rd.st;
}
