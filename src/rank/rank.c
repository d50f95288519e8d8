/*
 * rank.c — the rank stage: one sort of plot indexes with a comparator
 * that gets its data through qsort_r's context, so two rankings can run
 * at once.
 */
#include "rank/rank.h"

#include <stdlib.h>

typedef struct {
    const bp_result *r;
    int profile;
} rank_ctx;

/* Eligible plots first, then higher (rounded) score, then plot id. */
static int cmp_rank(const void *x, const void *y, void *ud)
{
    const rank_ctx *k = ud;
    const bp_result *r = k->r;
    size_t a = *(const uint32_t *)x, b = *(const uint32_t *)y;
    int ka = r->knock[a] != 0, kb = r->knock[b] != 0;
    if (ka != kb) return ka ? 1 : -1;
    double sa = r->score[a * BP_NTYPES + (size_t)k->profile], sb = r->score[b * BP_NTYPES + (size_t)k->profile];
    if (sa != sb) return sa > sb ? -1 : 1;
    return bp_result_cmp_id(r, a, b);
}

bp_status bp_rank_apply(bp_result *r, const bp_rank_opts *o, bp_ctx *ctx)
{
    (void)ctx;
    rank_ctx k = {r, (int)o->profile};
    for (size_t i = 0; i < r->n; i++) r->order[i] = (uint32_t)i;
    qsort_r(r->order, r->n, sizeof *r->order, cmp_rank, &k);
    for (size_t p = 0; p < r->n; p++) {
        uint32_t i = r->order[p];
        r->rank[i] = r->knock[i] ? 0 : (int32_t)p + 1;
    }
    r->rank_opts = *o;
    return BP_OK;
}
