/*
 * gap.c — the gap stage: the gap of each gemeente and housing type from
 * the woondeal targets, the final score of every plot for every type
 * (suitability discounted where the gap is small), and per gemeente the
 * plots, suitable plots and their capacity for the ranked profile.
 */
#include "gap/gap.h"
#include "score/score.h"

#include <math.h>
#include <stdlib.h>

int bp_gap_compute(double opgave, double plannen, double gerealiseerd, double *gap, double *share)
{
    if (isnan(opgave) || isnan(plannen) || isnan(gerealiseerd)) {
        *gap = *share = NAN;
        return 0;
    }
    double g = opgave - plannen - gerealiseerd;
    *gap = g > 0 ? g : 0;
    *share = opgave > 0 ? *gap / opgave : 0.0;
    return 1;
}


int bp_gap_of(const bp_gm *g, int t, double *gap, double *share)
{
    return bp_gap_compute(g->opgave[t], g->plannen[t], g->gerealiseerd[t], gap, share);
}

bp_status bp_gap_apply(bp_result *r, const bp_gap_opts *o, bp_ctx *ctx)
{
    double share[BP_NTYPES], gap;
    double *shares = malloc((r->ngm ? r->ngm : 1) * BP_NTYPES * sizeof *shares);
    if (!shares) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < r->ngm; k++) {
        bp_gm *g = &r->gm[k];
        for (int t = 0; t < BP_NTYPES; t++) bp_gap_of(g, t, &gap, &shares[k * BP_NTYPES + t]);
        g->n_plots = g->n_suitable = 0;
        g->capacity = 0;
    }
    for (size_t i = 0; i < r->n; i++) {
        uint32_t k = r->gemeente[i];
        for (int t = 0; t < BP_NTYPES; t++) share[t] = k == BP_NO_GEMEENTE ? NAN : shares[k * BP_NTYPES + t];
        for (int t = 0; t < BP_NTYPES; t++)
            r->score[i * BP_NTYPES + t] =
                bp_criteria_round(bp_criteria_final(r->suit[i * BP_NTYPES + t], share[t], o->gap_weight));
        if (k == BP_NO_GEMEENTE) continue;
        bp_gm *g = &r->gm[k];
        g->n_plots++;
        if (r->knock[i]) continue;
        g->n_suitable++;
        if (!isnan(r->capacity[i])) g->capacity += r->capacity[i];
    }
    free(shares);
    r->gap_opts = *o;
    return BP_OK;
}

void bp_gap_warn_missing(const bp_result *r, bp_type t, const char *targets, bp_ctx *ctx)
{
    unsigned char *warned = calloc(r->ngm ? r->ngm : 1, 1);
    for (size_t i = 0; warned && i < r->n; i++) {
        uint32_t k = r->gemeente[i];
        if (k == BP_NO_GEMEENTE || r->gm[k].has_target[t] || warned[k]) continue;
        bp_warn(ctx, "%s: gemeente %s (%s) has candidate plots but no %s target; its gap counts as unknown", targets,
                r->gm[k].code, r->gm[k].name, bp_type_name(t));
        warned[k] = 1;
    }
    free(warned);
}
