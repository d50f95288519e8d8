/*
 * score.c — the score stage on a result: criterion scores, suitability per
 * type, capacity, and the knock-outs of the ranked profile.  Pure numbers:
 * it reads distances, areas and flags, and writes scores; so it runs the
 * same in a full run, in rescore and in the live server.
 */
#include "score/score.h"

#include <math.h>
#include <string.h>

/* The homes plot i holds: its own estimate; else footprint x storeys /
 * floor area per home (an existing building); else area x density (land);
 * NaN for points and lines without an estimate. */
double bp_score_capacity(const bp_result *r, const bp_score_opts *o, size_t i)
{
    if (r->own_capacity && !isnan(r->own_capacity[i])) return r->own_capacity[i];
    if (!(r->flags[i] & BP_PLOT_POLYGON)) return NAN;
    if (r->levels && !isnan(r->levels[i]) && o->floor_area_per_home > 0)
        return floor(r->area[i] * r->levels[i] / o->floor_area_per_home + 1e-9);
    return bp_criteria_capacity(r->area[i], o->density);
}

/* The knock-outs of plot i for profile t (BP_KO_* bits). */
static unsigned char knockouts(const bp_result *r, const bp_score_opts *o, size_t i)
{
    unsigned char k = 0;
    const double *d = &r->dist[i * r->ncat];
    for (size_t c = 0; c < r->ncat; c++)
        if (o->crit[c].knockout_m > 0 && (isnan(d[c]) || d[c] > o->crit[c].knockout_m)) k |= BP_KO_DISTANCE;
    double need = o->min_homes[o->profile], cap = r->capacity[i];
    if (!isnan(cap) && need > 0 && cap < need) k |= BP_KO_SIZE;
    if (r->flags[i] & BP_PLOT_FILTER_FAIL) k |= BP_KO_FILTER;
    if (r->besluit && r->besluit[i] == BP_BESLUIT_AFGEVALLEN) k |= BP_KO_AFGEVALLEN;
    return k;
}

bp_status bp_score_apply(bp_result *r, const bp_score_opts *o, bp_ctx *ctx)
{
    size_t ncat = r->ncat;
    for (size_t i = 0; i < r->n; i++) {
        double *cs = &r->cat_score[i * ncat];
        for (size_t c = 0; c < ncat; c++) {
            const bp_criterion *k = &o->crit[c];
            cs[c] = bp_criteria_decay(r->dist[i * ncat + c], k->full_m, k->zero_m, k->decay);
        }
        for (int t = 0; t < BP_NTYPES; t++)
            r->suit[i * BP_NTYPES + t] = bp_criteria_suitability(o->crit, ncat, (bp_type)t, cs);
        r->capacity[i] = bp_score_capacity(r, o, i);
        r->knock[i] = knockouts(r, o, i);
    }
    bp_gap_opts go = r->gap_opts;
    bp_rank_opts ro = r->rank_opts;
    return bp_result_set_params(r, o, &go, &ro, r->filter, ctx);
}
