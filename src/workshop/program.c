/*
 * program.c — the programme: per gemeente, plots whose homes cover the gap
 * of each housing type.
 *
 * The problem, per gemeente: choose x[i][t] in {0,1} (plot i serves type
 * t) to minimise  sum_t M * short[t] + sum x[i][t] * (101 - score[i][t])
 * subject to
 *   sum_i homes[i] * x[i][t] + short[t] >= gap[t] - reserved[t]   (cover)
 *   sum_t x[i][t] <= 1                                             (one type per plot)
 *   x[i][t] + x[j][t] <= 1 where plots i, j lie closer than the
 *     type's min_spacing_m (and no plot within it of a reserved one)
 * with eligible pairs only: not knocked out for a reason that holds for
 * every type (distance, filter, afgevallen), big enough for the type's
 * min_homes, with homes > 0.  Reserved plots (besluit gereserveerd) are
 * counted first, for their woningtype (else the ranked profile).  The cost
 * 101 - score prefers few plots and good scores; M (1e6 per home short)
 * makes covering come first.  Homes: besluit_woningen, else the capacity.
 *
 * Solved exactly with CBC (COIN-OR, EPL) within a time limit per
 * gemeente; a deterministic greedy (best score first, spacing respected)
 * gives the start and the fallback.  Deterministic either way.
 */
#include "workshop/workshop.h"
#include "gap/gap.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <coin/Cbc_C_Interface.h>

#define SHORT_COST 1e6

typedef struct {
    size_t i;   /* plot */
    int t;      /* type */
    double homes, score;
} pair;

static int cmp_pair(const void *a, const void *b, void *ud)
{
    const bp_result *r = ud;
    const pair *x = a, *y = b;
    if (x->score != y->score) return x->score > y->score ? -1 : 1;
    int c = bp_result_cmp_id(r, x->i, y->i);
    return c ? c : x->t - y->t;
}

/* Homes a plot holds for the programme: the decided number, else its
 * capacity; 0 when unknown. */
static double plot_homes(const bp_result *r, size_t i)
{
    double h = r->dhomes && !isnan(r->dhomes[i]) ? r->dhomes[i] : r->capacity[i];
    return isnan(h) || h < 0 ? 0 : h;
}

/* Can plot i serve type t (ignoring reservations)? */
static int eligible(const bp_result *r, const bp_program_opts *o, size_t i, int t)
{
    if (r->knock[i] & (BP_KO_DISTANCE | BP_KO_FILTER | BP_KO_AFGEVALLEN)) return 0;
    if (r->besluit && r->besluit[i] == BP_BESLUIT_AFGEVALLEN) return 0;
    double need = r->score_opts.min_homes[t];
    if ((r->flags[i] & BP_PLOT_POLYGON) && need > 0 && r->capacity[i] < need) return 0;
    (void)o;
    return plot_homes(r, i) > 0;
}

static double dist2(const bp_result *r, size_t a, size_t b)
{
    double dx = r->px[a] - r->px[b], dy = r->py[a] - r->py[b];
    return dx * dx + dy * dy;
}

/* Too close to a plot already chosen for type t? */
static int conflicts(const bp_result *r, const bp_program_opts *o, const size_t *chosen, size_t nchosen, size_t i,
                     int t)
{
    double s = o->min_spacing_m[t];
    if (!(s > 0) || !r->px) return 0;
    for (size_t k = 0; k < nchosen; k++)
        if (r->ptype[chosen[k]] == t && chosen[k] != i && dist2(r, chosen[k], i) < s * s) return 1;
    return 0;
}

/* One gemeente: plots[0..n-1] its plots.  Fills r->ptype/phomes. */
/* The covering knapsack of one gemeente for CBC: a column per (plot, type)
 * pair and one per type's shortfall; rows for the cover, one type per plot
 * and the spacing. */
static void build_model(Cbc_Model *mod, const bp_result *r, const bp_program_opts *o, const pair *pairs, size_t np,
                        const double *rest)
{
    char name[32]; /* CBC copies a name for every column and row */
    for (size_t k = 0; k < np; k++) {
        snprintf(name, sizeof name, "x%zu", k);
        Cbc_addCol(mod, name, 0, 1, 101 - pairs[k].score, 1, 0, NULL, NULL);
    }
    int sh0 = (int)np;
    for (int t = 0; t < BP_NTYPES; t++) {
        snprintf(name, sizeof name, "short%d", t);
        Cbc_addCol(mod, name, 0, rest[t] > 0 ? rest[t] : 0, SHORT_COST, 0, 0, NULL, NULL);
    }
    size_t nrow = 0;
    int *cols = malloc((np + 1) * sizeof *cols);
    double *coef = malloc((np + 1) * sizeof *coef);
    for (int t = 0; cols && coef && t < BP_NTYPES; t++) { /* cover */
        int nz = 0;
        for (size_t k = 0; k < np; k++)
            if (pairs[k].t == t) cols[nz] = (int)k, coef[nz++] = pairs[k].homes;
        if (!nz) continue;
        cols[nz] = sh0 + t, coef[nz++] = 1;
        snprintf(name, sizeof name, "r%zu", nrow++);
        Cbc_addRow(mod, name, nz, cols, coef, 'G', rest[t]);
    }
    for (size_t k = 0; cols && coef && k < np; k++) { /* one type per plot */
        int nz = 0;
        for (size_t l = k; l < np && nz < BP_NTYPES; l++)
            if (pairs[l].i == pairs[k].i) cols[nz] = (int)l, coef[nz++] = 1;
        int first = 1;
        for (size_t l = 0; l < k; l++) first &= pairs[l].i != pairs[k].i;
        if (nz > 1 && first) {
            snprintf(name, sizeof name, "r%zu", nrow++);
            Cbc_addRow(mod, name, nz, cols, coef, 'L', 1);
        }
    }
    for (size_t k = 0; cols && coef && k < np; k++) /* spacing */
        for (size_t l = k + 1; l < np; l++) {
            int t = pairs[k].t;
            double s = o->min_spacing_m[t];
            if (pairs[l].t != t || !(s > 0) || !r->px || dist2(r, pairs[k].i, pairs[l].i) >= s * s) continue;
            int c2[2] = {(int)k, (int)l};
            double v2[2] = {1, 1};
            snprintf(name, sizeof name, "r%zu", nrow++);
            Cbc_addRow(mod, name, 2, c2, v2, 'L', 1);
        }
    free(cols);
    free(coef);
}

/* Solves the pairs exactly; takes the solver's choice over the greedy one
 * (chosen[nfixed..]) when it is at least as good. */
static void solve_exact(bp_result *r, const bp_program_opts *o, const pair *pairs, size_t np, const double *rest,
                        double greedy_cost, size_t *chosen, size_t nfixed, size_t *nchosen, bp_program_stats *stats)
{
    Cbc_Model *mod = Cbc_newModel();
    Cbc_setLogLevel(mod, 0);
    Cbc_setMaximumSeconds(mod, o->time_limit_s);
    build_model(mod, r, o, pairs, np, rest);
    Cbc_solve(mod);
    const double *x = Cbc_getColSolution(mod);
    int proven = Cbc_isProvenOptimal(mod);
    double obj = x ? Cbc_getObjValue(mod) : INFINITY;
    if (x && obj <= greedy_cost + 1e-6 * fabs(greedy_cost)) {
        /* take the solver's choice over the greedy one */
        for (size_t k = nfixed; k < *nchosen; k++) r->ptype[chosen[k]] = -1, r->phomes[chosen[k]] = 0;
        *nchosen = nfixed;
        for (size_t k = 0; k < np; k++)
            if (x[k] > 0.5 && r->ptype[pairs[k].i] < 0) {
                r->ptype[pairs[k].i] = (signed char)pairs[k].t;
                r->phomes[pairs[k].i] = pairs[k].homes;
                chosen[(*nchosen)++] = pairs[k].i;
            }
        stats->exact++;
        if (proven) stats->proven++;
    }
    Cbc_deleteModel(mod);
}

/* Per type: the programmed homes and a note in words. */
static void program_notes(bp_result *r, const bp_program_opts *o, bp_gm *m, const size_t *plots, size_t n,
                          const size_t *chosen, size_t nchosen, const int *known, const double *need)
{
for (int t = 0; t < BP_NTYPES; t++) {
    double prog = 0;
    for (size_t k = 0; k < nchosen; k++)
        if (r->ptype[chosen[k]] == t) prog += r->phomes[chosen[k]];
    m->programmed[t] = prog;
    free(m->program_note[t]);
    m->program_note[t] = NULL;
    if (!known[t]) m->program_note[t] = bp_strdup("gap onbekend");
    else if (need[t] <= 0) m->program_note[t] = bp_strdup("geen opgave open");
    else if (prog >= need[t]) m->program_note[t] = bp_strdup("gedekt");
    else {
        int blocked = 0;
        for (size_t k = 0; k < n && !blocked; k++)
            blocked = r->ptype[plots[k]] < 0 && eligible(r, o, plots[k], t);
        if (blocked && o->min_spacing_m[t] > 0)
            m->program_note[t] = bp_strfmt("tekort: %.0f woningen — geen geschikte kavels meer op %.0f m afstand",
                                           need[t] - prog, o->min_spacing_m[t]);
        else
            m->program_note[t] = bp_strfmt("tekort: %.0f woningen — geen geschikte kavels meer", need[t] - prog);
    }
}
}

static bp_status program_gemeente(bp_result *r, const bp_program_opts *o, size_t g, const size_t *plots, size_t n,
                                  bp_program_stats *stats, bp_ctx *ctx)
{
    bp_gm *m = &r->gm[g];
    double need[BP_NTYPES];
    int known[BP_NTYPES];
    size_t *chosen = malloc((n ? n : 1) * sizeof *chosen), nchosen = 0;
    pair *pairs = malloc((n ? n : 1) * BP_NTYPES * sizeof *pairs);
    size_t np = 0;
    if (!chosen || !pairs) {
        free(chosen);
        free(pairs);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    for (int t = 0; t < BP_NTYPES; t++) {
        double gap = NAN, share;
        known[t] = bp_gap_of(m, t, &gap, &share);
        need[t] = known[t] ? gap : 0;
        m->programmed[t] = 0;
    }
    /* reserved plots first, for their type */
    for (size_t k = 0; k < n; k++) {
        size_t i = plots[k];
        if (!r->besluit || r->besluit[i] != BP_BESLUIT_GERESERVEERD) continue;
        int t = r->dtype && r->dtype[i] >= 0 ? r->dtype[i] : (int)r->rank_opts.profile;
        r->ptype[i] = (signed char)t;
        r->phomes[i] = plot_homes(r, i);
        r->preserved[i] = 1;
        m->programmed[t] += r->phomes[i];
        chosen[nchosen++] = i;
    }
    double rest[BP_NTYPES];
    for (int t = 0; t < BP_NTYPES; t++) rest[t] = need[t] - m->programmed[t];
    for (size_t k = 0; k < n; k++) {
        size_t i = plots[k];
        if (r->ptype[i] >= 0) continue;
        for (int t = 0; t < BP_NTYPES; t++)
            if (rest[t] > 0 && eligible(r, o, i, t) && !conflicts(r, o, chosen, nchosen, i, t))
                pairs[np++] = (pair){i, t, plot_homes(r, i), r->score[i * BP_NTYPES + (size_t)t]};
    }
    qsort_r(pairs, np, sizeof *pairs, cmp_pair, r);
    /* greedy: best score first */
    size_t nfixed = nchosen;
    double grest[BP_NTYPES];
    memcpy(grest, rest, sizeof grest);
    double greedy_cost = 0;
    for (size_t k = 0; k < np; k++) {
        const pair *p = &pairs[k];
        if (grest[p->t] <= 0 || r->ptype[p->i] >= 0 || conflicts(r, o, chosen, nchosen, p->i, p->t)) continue;
        r->ptype[p->i] = (signed char)p->t;
        r->phomes[p->i] = p->homes;
        chosen[nchosen++] = p->i;
        grest[p->t] -= p->homes;
        greedy_cost += 101 - p->score;
    }
    for (int t = 0; t < BP_NTYPES; t++) greedy_cost += SHORT_COST * (grest[t] > 0 ? grest[t] : 0);
    stats->greedy++;

    /* exact, when asked and there is a choice to make: on the best
       max_pairs candidates of each type (they are sorted by score) */
    if (o->max_pairs) {
        size_t per[BP_NTYPES] = {0}, keep = 0;
        for (size_t k = 0; k < np; k++)
            if (per[pairs[k].t]++ < o->max_pairs) pairs[keep++] = pairs[k];
        np = keep;
    }
    if (o->exact && np > 0) solve_exact(r, o, pairs, np, rest, greedy_cost, chosen, nfixed, &nchosen, stats);
    program_notes(r, o, m, plots, n, chosen, nchosen, known, need);
    free(chosen);
    free(pairs);
    return BP_OK;
}

bp_status bp_program_apply(bp_result *r, const bp_program_opts *o, bp_program_stats *stats, bp_ctx *ctx)
{
    memset(stats, 0, sizeof *stats);
    size_t m = r->n ? r->n : 1;
    if (!r->ptype) {
        r->ptype = malloc(m);
        r->phomes = malloc(m * sizeof *r->phomes);
        r->preserved = malloc(m);
        if (!r->ptype || !r->phomes || !r->preserved) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->n; i++) r->ptype[i] = -1, r->phomes[i] = 0, r->preserved[i] = 0;
    /* plots per gemeente */
    size_t *count = calloc(r->ngm + 1, sizeof *count), *start = calloc(r->ngm + 2, sizeof *start);
    size_t *plots = malloc(m * sizeof *plots);
    bp_status st = count && start && plots ? BP_OK : bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == BP_OK && i < r->n; i++)
        if (r->gemeente[i] != BP_NO_GEMEENTE) count[r->gemeente[i]]++;
    for (size_t g = 0; st == BP_OK && g < r->ngm; g++) start[g + 1] = start[g] + count[g];
    for (size_t g = 0; st == BP_OK && g < r->ngm; g++) count[g] = 0;
    for (size_t k = 0; st == BP_OK && k < r->n; k++) { /* in rank order: deterministic and best first */
        size_t i = r->order[k];
        uint32_t g = r->gemeente[i];
        if (g != BP_NO_GEMEENTE) plots[start[g] + count[g]++] = i;
    }
    for (size_t g = 0; st == BP_OK && g < r->ngm; g++)
        st = program_gemeente(r, o, g, plots + start[g], start[g + 1] - start[g], stats, ctx);
    free(count);
    free(start);
    free(plots);
    return st;
}
