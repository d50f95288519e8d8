/*
 * criteria.c — the formulas of scoring: distance decay, profile weighting,
 * the combination with the housing gap, and capacity.
 *
 * The formulas (documented in README, "Scoring"):
 *   criterion score s_c = 100 for d <= full, 0 for d >= zero,
 *       linear:   100 (zero - d) / (zero - full) between;
 *       logistic: 100 / (1 + exp(k (d - mid))), mid = (full + zero) / 2,
 *                 k = 2 ln 49 / (zero - full)  (98 at full, 2 at zero),
 *                 clamped to 100 / 0 outside [full, zero].
 *   suitability = sum(w_c s_c) / sum(w_c)   (weights of the profile)
 *   score = suitability * (1 - g (1 - gap_share)), g = gap_weight:
 *       a plot in a gemeente whose gap for the type is fully open (share 1)
 *       keeps its suitability; where plans already cover the target
 *       (share 0) it loses the share g (default 25%).  Unknown gap: share 0.5.
 */
#include "score/score.h"

#include <math.h>

double bp_criteria_decay(double d, double full, double zero, bp_decay kind)
{
    if (isnan(d)) return 0.0;
    if (d <= full) return 100.0;
    if (d >= zero) return 0.0;
    if (kind == BP_DECAY_LOGISTIC) {
        double mid = 0.5 * (full + zero);
        double k = 2.0 * log(49.0) / (zero - full);
        return 100.0 / (1.0 + exp(k * (d - mid)));
    }
    return 100.0 * (zero - d) / (zero - full);
}

double bp_criteria_suitability(const bp_criterion *crit, size_t ncat, bp_type t, const double *cat_scores)
{
    double sw = 0, s = 0;
    for (size_t c = 0; c < ncat; c++) {
        sw += crit[c].weight[t];
        s += crit[c].weight[t] * cat_scores[c];
    }
    return sw > 0 ? s / sw : 0.0;
}

double bp_criteria_final(double suitability, double gap_share, double gap_weight)
{
    double share = isnan(gap_share) ? 0.5 : gap_share;
    if (share < 0) share = 0;
    if (share > 1) share = 1;
    return suitability * (1.0 - gap_weight * (1.0 - share));
}

double bp_criteria_capacity(double area_m2, double density)
{
    if (isnan(area_m2)) return NAN;
    return floor(area_m2 / 10000.0 * density + 1e-9);
}

double bp_criteria_round(double score)
{
    return round(score * 100.0) / 100.0;
}

