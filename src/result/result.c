/*
 * result.c — the result type: allocation, plot ids, categories, gemeenten
 * and the parameters a result was computed with.  The public accessors are
 * in access.c.
 */
#include "result/result.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bp_result *bp_result_new(void)
{
    return calloc(1, sizeof(bp_result));
}

static void free_plots(bp_result *r)
{
    free(r->id_buf);
    free(r->id_off);
    free(r->id_num);
    free(r->fid);
    free(r->area);
    free(r->own_capacity);
    free(r->levels);
    r->own_capacity = r->levels = NULL;
    free(r->flags);
    free(r->gemeente);
    free(r->dist);
    free(r->count);
    free(r->attach);
    free(r->cat_score);
    free(r->suit);
    free(r->score);
    free(r->capacity);
    free(r->knock);
    free(r->rank);
    free(r->order);
    for (size_t i = 0; r->dtext && i < r->n * BP_NDTEXT; i++) free(r->dtext[i]);
    free(r->dtext);
    free(r->besluit);
    free(r->dtype);
    free(r->dhomes);
    free(r->ptype);
    free(r->phomes);
    free(r->preserved);
    free(r->px);
    free(r->py);
    r->dtext = NULL;
    r->besluit = NULL;
    r->dtype = NULL;
    r->dhomes = NULL;
    r->ptype = NULL;
    r->phomes = NULL;
    r->preserved = NULL;
    r->px = r->py = NULL;
    r->id_buf = NULL;
    r->id_off = NULL;
    r->id_num = NULL;
    r->fid = NULL;
    r->area = NULL;
    r->flags = NULL;
    r->gemeente = NULL;
    r->dist = NULL;
    r->count = NULL;
    r->attach = NULL;
    r->cat_score = NULL;
    r->suit = NULL;
    r->score = NULL;
    r->capacity = NULL;
    r->knock = NULL;
    r->rank = NULL;
    r->order = NULL;
    r->id_len = r->id_cap = 0;
    r->n = 0;
}

void bp_result_free(bp_result *r)
{
    if (!r) return;
    free_plots(r);
    for (size_t c = 0; c < r->ncat; c++) free(r->cat[c]);
    free(r->cat);
    free(r->id_field);
    for (size_t g = 0; g < r->ngm; g++) {
        for (int t = 0; t < BP_NTYPES; t++) free(r->gm[g].program_note[t]);
        free(r->gm[g].code);
        free(r->gm[g].name);
        free(r->gm[g].wkb);
    }
    free(r->gm);
    free(r->crit);
    free(r->filter);
    bp_kv_clear(&r->info);
    free(r);
}

bp_status bp_result_set_categories(bp_result *r, char *const *names, size_t ncat, int radius_m, bp_ctx *ctx)
{
    char **cat = calloc(ncat ? ncat : 1, sizeof *cat);
    if (!cat) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < ncat; c++)
        if (!(cat[c] = bp_strdup(names[c]))) {
            for (size_t k = 0; k < c; k++) free(cat[k]);
            free(cat);
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        }
    r->cat = cat;
    r->ncat = ncat;
    r->radius_m = radius_m;
    return BP_OK;
}

bp_status bp_result_alloc_plots(bp_result *r, size_t n, bp_ctx *ctx)
{
    free_plots(r);
    size_t m = n ? n : 1, nc = m * (r->ncat ? r->ncat : 1);
    r->id_off = malloc(m * sizeof *r->id_off);
    r->fid = malloc(m * sizeof *r->fid);
    r->area = calloc(m, sizeof *r->area);
    r->flags = calloc(m, 1);
    r->gemeente = malloc(m * sizeof *r->gemeente);
    r->dist = malloc(nc * sizeof *r->dist);
    r->count = calloc(nc, sizeof *r->count);
    r->cat_score = calloc(nc, sizeof *r->cat_score);
    r->suit = calloc(m * BP_NTYPES, sizeof *r->suit);
    r->score = calloc(m * BP_NTYPES, sizeof *r->score);
    r->capacity = calloc(m, sizeof *r->capacity);
    r->knock = calloc(m, 1);
    r->rank = calloc(m, sizeof *r->rank);
    r->order = malloc(m * sizeof *r->order);
    if (!r->id_off || !r->fid || !r->area || !r->flags || !r->gemeente || !r->dist || !r->count ||
        !r->cat_score || !r->suit || !r->score || !r->capacity || !r->knock || !r->rank || !r->order) {
        free_plots(r);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory for %zu plots", n);
    }
    for (size_t i = 0; i < nc; i++) r->dist[i] = NAN;
    for (size_t i = 0; i < m; i++) {
        r->gemeente[i] = BP_NO_GEMEENTE;
        r->order[i] = (uint32_t)i;
        r->id_off[i] = 0;
    }
    r->n = n;
    return BP_OK;
}

/* Resizes one per-plot array to m elements of size sz. */
static int resize(void *pp, size_t m, size_t sz)
{
    void **p = pp;
    void *np = realloc(*p, (m ? m : 1) * sz);
    if (!np) return -1;
    *p = np;
    return 0;
}

bp_status bp_result_grow_plots(bp_result *r, size_t n, bp_ctx *ctx)
{
    if (n < r->n) return bp_error(ctx, BP_ERR_NOMEM, "bp_result_grow_plots: %zu plots, fewer than %zu", n, r->n);
    size_t k = r->ncat ? r->ncat : 1, old = r->n;
    if (resize(&r->id_off, n, sizeof *r->id_off) || resize(&r->fid, n, sizeof *r->fid) ||
        resize(&r->area, n, sizeof *r->area) || resize(&r->flags, n, 1) ||
        resize(&r->gemeente, n, sizeof *r->gemeente) || resize(&r->dist, n * k, sizeof *r->dist) ||
        resize(&r->count, n * k, sizeof *r->count) || resize(&r->cat_score, n * k, sizeof *r->cat_score) ||
        resize(&r->suit, n * BP_NTYPES, sizeof *r->suit) || resize(&r->score, n * BP_NTYPES, sizeof *r->score) ||
        resize(&r->capacity, n, sizeof *r->capacity) || resize(&r->knock, n, 1) ||
        resize(&r->rank, n, sizeof *r->rank) || resize(&r->order, n, sizeof *r->order) ||
        (r->px && (resize(&r->px, n, sizeof *r->px) || resize(&r->py, n, sizeof *r->py))) ||
        (r->own_capacity && resize(&r->own_capacity, n, sizeof *r->own_capacity)) ||
        (r->levels && resize(&r->levels, n, sizeof *r->levels)))
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory for %zu plots", n);
    for (size_t i = old; i < n; i++) {
        if (r->px) r->px[i] = r->py[i] = NAN;
        if (r->own_capacity) r->own_capacity[i] = NAN;
        if (r->levels) r->levels[i] = NAN;
    }
    size_t nn = n - old;
    memset(r->area + old, 0, nn * sizeof *r->area);
    memset(r->flags + old, 0, nn);
    memset(r->count + old * k, 0, nn * k * sizeof *r->count);
    memset(r->cat_score + old * k, 0, nn * k * sizeof *r->cat_score);
    memset(r->suit + old * BP_NTYPES, 0, nn * BP_NTYPES * sizeof *r->suit);
    memset(r->score + old * BP_NTYPES, 0, nn * BP_NTYPES * sizeof *r->score);
    memset(r->capacity + old, 0, nn * sizeof *r->capacity);
    memset(r->knock + old, 0, nn);
    memset(r->rank + old, 0, nn * sizeof *r->rank);
    for (size_t i = old * k; i < n * k; i++) r->dist[i] = NAN;
    for (size_t i = old; i < n; i++) {
        r->gemeente[i] = BP_NO_GEMEENTE;
        r->order[i] = (uint32_t)i;
        r->id_off[i] = 0;
    }
    r->n = n;
    return BP_OK;
}

bp_status bp_result_alloc_attach(bp_result *r, bp_ctx *ctx)
{
    free(r->attach);
    r->attach = malloc((r->n ? r->n : 1) * sizeof *r->attach);
    if (!r->attach) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n; i++) r->attach[i] = INFINITY;
    return BP_OK;
}

bp_status bp_result_set_id(bp_result *r, size_t i, const char *id, bp_ctx *ctx)
{
    size_t len = strlen(id) + 1;
    if (r->id_len + len > r->id_cap) {
        size_t cap = r->id_cap ? r->id_cap : 4096;
        while (cap < r->id_len + len) cap *= 2;
        char *nb = realloc(r->id_buf, cap);
        if (!nb) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        r->id_buf = nb;
        r->id_cap = cap;
    }
    memcpy(r->id_buf + r->id_len, id, len);
    r->id_off[i] = r->id_len;
    r->id_len += len;
    return BP_OK;
}

const char *bp_result_id(const bp_result *r, size_t i)
{
    return r->id_buf ? r->id_buf + r->id_off[i] : "";
}

int bp_result_cmp_id(const bp_result *r, size_t a, size_t b)
{
    if (r->id_num) return r->id_num[a] < r->id_num[b] ? -1 : r->id_num[a] > r->id_num[b];
    return strcmp(bp_result_id(r, a), bp_result_id(r, b));
}

static int cmp_idx_by_id(const void *x, const void *y, void *ud)
{
    const bp_result *r = ud;
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    int c = bp_result_cmp_id(r, a, b);
    return c ? c : (a < b ? -1 : a > b);
}

bp_status bp_result_check_ids(bp_result *r, int numeric, const char *what, bp_ctx *ctx)
{
    free(r->id_num);
    r->id_num = NULL;
    if (numeric) {
        r->id_num = malloc((r->n ? r->n : 1) * sizeof *r->id_num);
        if (!r->id_num) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        for (size_t i = 0; i < r->n; i++) r->id_num[i] = strtoll(bp_result_id(r, i), NULL, 10);
    }
    size_t *ord = malloc((r->n ? r->n : 1) * sizeof *ord);
    if (!ord) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n; i++) ord[i] = i;
    qsort_r(ord, r->n, sizeof *ord, cmp_idx_by_id, r);
    bp_status st = BP_OK;
    for (size_t k = 1; k < r->n && st == BP_OK; k++)
        if (bp_result_cmp_id(r, ord[k - 1], ord[k]) == 0) {
            size_t a = ord[k - 1], b = ord[k];
            st = bp_error(ctx, BP_ERR_DATA, "%s: duplicate %s '%s' (features %" PRId64 " and %" PRId64 ")", what,
                          r->id_field ? r->id_field : "id", bp_result_id(r, a), r->fid[a], r->fid[b]);
        }
    free(ord);
    return st;
}

bp_status bp_result_set_params(bp_result *r, const bp_score_opts *so, const bp_gap_opts *go, const bp_rank_opts *ro,
                               const char *filter, bp_ctx *ctx)
{
    bp_criterion *crit = malloc((so->ncat ? so->ncat : 1) * sizeof *crit);
    char *f = filter && *filter ? bp_strdup(filter) : NULL;
    if (!crit || (filter && *filter && !f)) {
        free(crit);
        free(f);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    if (so->ncat) memcpy(crit, so->crit, so->ncat * sizeof *crit);
    free(r->crit);
    free(r->filter);
    r->crit = crit;
    r->filter = f;
    r->score_opts = *so;
    r->score_opts.crit = crit;
    r->gap_opts = *go;
    r->rank_opts = *ro;
    return BP_OK;
}

long bp_result_add_gemeente(bp_result *r, const char *code, const char *name, const unsigned char *wkb,
                            size_t wkb_len)
{
    bp_gm *ng = realloc(r->gm, (r->ngm + 1) * sizeof *ng);
    if (!ng) return -1;
    r->gm = ng;
    bp_gm *g = &r->gm[r->ngm];
    memset(g, 0, sizeof *g);
    for (int t = 0; t < BP_NTYPES; t++) g->opgave[t] = g->plannen[t] = g->gerealiseerd[t] = NAN;
    g->code = bp_strdup(code);
    g->name = bp_strdup(name ? name : "");
    if (wkb && wkb_len) {
        g->wkb = malloc(wkb_len);
        if (g->wkb) memcpy(g->wkb, wkb, wkb_len);
        g->wkb_len = wkb_len;
    }
    if (!g->code || !g->name || (wkb_len && !g->wkb)) {
        free(g->code);
        free(g->name);
        free(g->wkb);
        return -1;
    }
    return (long)r->ngm++;
}

int bp_result_category(const bp_result *r, const char *name)
{
    for (size_t c = 0; c < r->ncat; c++)
        if (!strcmp(r->cat[c], name)) return (int)c;
    return -1;
}

bp_status bp_result_alloc_decisions(bp_result *r, bp_ctx *ctx)
{
    if (r->besluit) return BP_OK;
    size_t m = r->n ? r->n : 1;
    r->besluit = calloc(m, 1);
    r->dtype = malloc(m);
    r->dhomes = malloc(m * sizeof *r->dhomes);
    if (!r->besluit || !r->dtype || !r->dhomes) {
        free(r->besluit), free(r->dtype), free(r->dhomes);
        r->besluit = NULL, r->dtype = NULL, r->dhomes = NULL;
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->n; i++) {
        r->dtype[i] = -1;
        r->dhomes[i] = NAN;
    }
    return BP_OK;
}

bp_status bp_result_alloc_dtext(bp_result *r, bp_ctx *ctx)
{
    if (r->dtext) return BP_OK;
    r->dtext = calloc((r->n ? r->n : 1) * BP_NDTEXT, sizeof *r->dtext);
    return r->dtext ? BP_OK : bp_error(ctx, BP_ERR_NOMEM, "out of memory");
}

bp_status bp_result_alloc_points(bp_result *r, bp_ctx *ctx)
{
    if (r->px) return BP_OK;
    size_t m = r->n ? r->n : 1;
    r->px = malloc(m * sizeof *r->px);
    r->py = malloc(m * sizeof *r->py);
    if (!r->px || !r->py) {
        free(r->px), free(r->py);
        r->px = r->py = NULL;
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->n; i++) r->px[i] = r->py[i] = NAN;
    return BP_OK;
}

static int cmp_by_id(const void *x, const void *y, void *ud)
{
    return strcmp(bp_result_id(ud, *(const size_t *)x), bp_result_id(ud, *(const size_t *)y));
}

long bp_result_find_id(const bp_result *r, const char *id, size_t **index)
{
    if (!*index) {
        *index = malloc((r->n ? r->n : 1) * sizeof **index);
        if (!*index) return -1;
        for (size_t i = 0; i < r->n; i++) (*index)[i] = i;
        qsort_r(*index, r->n, sizeof **index, cmp_by_id, (void *)r);
    }
    size_t lo = 0, hi = r->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(bp_result_id(r, (*index)[mid]), id);
        if (c == 0) return (long)(*index)[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}
