/*
 * stability.c — rank stability of a plot under one weight, exactly.
 *
 * The final score of plot i is (README, Scoring)
 *     score_i = m_i * sum_c w_c s_ic / sum_c w_c,   m_i = 1 - g (1 - share_i)
 * with s_ic the criterion scores, w_c the profile's weights, g the gap
 * weight and share_i the gap share of the plot's gemeente (0.5 unknown).
 * Moving one weight w_k, the divisor sum_c w_c is the same for every plot,
 * so the order of plots j and p is the sign of
 *     d_j(w_k) = (m_j A_j - m_p A_p) + w_k (m_j s_jk - m_p s_pk),
 *     A_i = sum_{c != k} w_c s_ic,
 * a straight line in w_k: j passes p (or falls behind it) exactly once, at
 * w_k = -(m_j A_j - m_p A_p) / (m_j s_jk - m_p s_pk).  Likewise the gap
 * weight: score_i = S_i + g S_i (share_i - 1) is a line in g.  Sorting
 * those crossings and walking them from the current value outwards counts
 * the plots ahead of p at every value; the interval ends where that count
 * reaches N.  O(n log n) per weight.  The ranking rounds scores to 0.01
 * and breaks ties by plot id; at the ends of the interval p ties with the
 * plot that passes it, so the bounds are exact up to that rounding.
 */
#include "serve/serve.h"
#include "gap/gap.h"

#include <math.h>
#include <stdlib.h>

static double share_of(const bp_result *r, size_t i, bp_type t)
{
    double gap, share = NAN;
    if (r->gemeente[i] != BP_NO_GEMEENTE) bp_gap_of(&r->gm[r->gemeente[i]], (int)t, &gap, &share);
    if (isnan(share)) share = 0.5;
    if (share < 0) share = 0;
    if (share > 1) share = 1;
    return share;
}

double bp_serve_value(const bp_result *r, size_t i, const double *w, double g)
{
    double s = 0;
    for (size_t c = 0; c < r->ncat; c++) s += w[c] * r->cat_score[i * r->ncat + c];
    return (1.0 - g * (1.0 - share_of(r, i, r->rank_opts.profile))) * s;
}

typedef struct {
    double at;   /* the crossing */
    int delta;   /* +1: j gets ahead of p when moving up through 'at', -1: falls behind */
} crossing;

static int cmp_crossing(const void *a, const void *b)
{
    double x = ((const crossing *)a)->at, y = ((const crossing *)b)->at;
    return (x > y) - (x < y);
}

int bp_serve_stability(const bp_result *r, size_t p, const double *w, double g, size_t topn, size_t k,
                       double *lo, double *hi)
{
    size_t n = r->n, ncat = r->ncat;
    bp_type t = r->rank_opts.profile;
    if (p >= n || r->knock[p] || topn == 0) return 0;
    double cur = k < ncat ? w[k] : g, dmin = 0, dmax = k < ncat ? INFINITY : 1.0;
    crossing *cr = malloc((n ? n : 1) * sizeof *cr);
    if (!cr) return -1;
    /* line of plot i in the moving parameter x: value = a_i + x b_i */
    double ap = 0, bp = 0;
    size_t ahead = 0, m = 0;
    for (int pass = 0; pass < 2; pass++) {
        for (size_t i = pass ? 0 : p; pass ? i < n : i == p; i++) {
            if (pass && (i == p || r->knock[i])) continue;
            double a, b;
            if (k < ncat) {
                double mult = 1.0 - g * (1.0 - share_of(r, i, t)), A = 0;
                for (size_t c = 0; c < ncat; c++)
                    if (c != k) A += w[c] * r->cat_score[i * ncat + c];
                a = mult * A;
                b = mult * r->cat_score[i * ncat + k];
            } else {
                double S = 0, sw = 0;
                for (size_t c = 0; c < ncat; c++) {
                    S += w[c] * r->cat_score[i * ncat + c];
                    sw += w[c];
                }
                S = sw > 0 ? S / sw : 0;
                a = S;
                b = S * (share_of(r, i, t) - 1.0);
            }
            if (!pass) {
                ap = a, bp = b;
                continue;
            }
            double da = a - ap, db = b - bp, d0 = da + db * cur;
            int now = d0 > 0 || (d0 == 0 && bp_result_cmp_id(r, i, p) < 0 && r->rank[i] < r->rank[p]);
            if (now) ahead++;
            if (db != 0) {
                double at = -da / db;
                /* moving up through at: ahead afterwards iff db > 0 */
                cr[m].at = at;
                cr[m].delta = db > 0 ? +1 : -1;
                m++;
            }
        }
    }
    if (ahead >= topn) {
        free(cr);
        return 0;
    }
    qsort(cr, m, sizeof *cr, cmp_crossing);
    /* upwards: crossings above cur in increasing order */
    size_t c0 = ahead;
    *hi = dmax;
    for (size_t q = 0; q < m; q++) {
        if (!(cr[q].at > cur)) continue;
        size_t q2 = q;
        long d = 0;
        while (q2 < m && cr[q2].at == cr[q].at) d += cr[q2++].delta;
        if (cr[q].at >= dmax) break;
        c0 = (size_t)((long)c0 + d);
        if (c0 >= topn) {
            *hi = cr[q].at;
            break;
        }
        q = q2 - 1;
    }
    /* downwards: crossings below cur in decreasing order; passing down
       through a crossing reverses its delta */
    c0 = ahead;
    *lo = dmin;
    for (size_t q = m; q-- > 0;) {
        if (!(cr[q].at < cur)) continue;
        size_t q2 = q + 1;
        long d = 0;
        while (q2-- > 0 && cr[q2].at == cr[q].at) d -= cr[q2].delta;
        q2++;
        if (cr[q].at <= dmin) break;
        c0 = (size_t)((long)c0 + d);
        if (c0 >= topn) {
            *lo = cr[q].at;
            break;
        }
        q = q2;
    }
    free(cr);
    return 1;
}
