/* Unit tests of workshop/program.c: on small random instances (one
 * gemeente, up to 12 plots, two types with a gap) the exact programme has
 * the cost of the brute-force optimum over every assignment; the greedy
 * one is feasible and never better; reserved plots are always in;
 * spacing holds.  Prints how far greedy is from the optimum on average. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "workshop/workshop.h"

#define SHORT 1e6

/* A result with one gemeente, n plots, random scores, capacities and
 * positions; gaps for geclusterd and zorggeschikt. */
static bp_result *instance(unsigned seed, size_t n, int with_reserved)
{
    srand(seed);
    bp_result *r = bp_result_new();
    char *cat[] = {"supermarkt"};
    assert_int_equal(bp_result_set_categories(r, cat, 1, 500, NULL), BP_OK);
    assert_int_equal(bp_result_alloc_plots(r, n, NULL), BP_OK);
    assert_int_equal(bp_result_alloc_points(r, NULL), BP_OK);
    assert_int_equal(bp_result_alloc_decisions(r, NULL), BP_OK);
    assert_int_equal(bp_result_add_gemeente(r, "GM0001", "Test", NULL, 0), 0);
    bp_gm *g = &r->gm[0];
    for (int t = 0; t < BP_NTYPES; t++) g->opgave[t] = g->plannen[t] = g->gerealiseerd[t] = 0;
    g->opgave[BP_GECLUSTERD] = 40 + rand() % 80;
    g->opgave[BP_ZORGGESCHIKT] = 20 + rand() % 60;
    r->score_opts.min_homes[BP_GECLUSTERD] = r->score_opts.min_homes[BP_ZORGGESCHIKT] = 12;
    for (size_t i = 0; i < n; i++) {
        char id[16];
        snprintf(id, sizeof id, "%zu", i);
        bp_result_set_id(r, i, id, NULL);
        r->gemeente[i] = 0;
        r->flags[i] = BP_PLOT_POLYGON;
        r->capacity[i] = 5 + rand() % 50;
        r->px[i] = rand() % 2000;
        r->py[i] = rand() % 2000;
        for (int t = 0; t < BP_NTYPES; t++) r->score[i * BP_NTYPES + t] = (rand() % 10000) / 100.0;
        r->order[i] = (uint32_t)i;
        if (rand() % 9 == 0) r->knock[i] = BP_KO_DISTANCE;
    }
    if (with_reserved) {
        r->besluit[0] = BP_BESLUIT_GERESERVEERD;
        r->dtype[0] = BP_GECLUSTERD;
        r->knock[0] = 0;
    }
    bp_result_check_ids(r, 1, "test", NULL);
    return r;
}

/* Cost of an assignment a[i] in {-1, geclusterd, zorggeschikt}; INFINITY
 * when infeasible (spacing, eligibility). */
static double cost(const bp_result *r, const bp_program_opts *o, const int *a)
{
    double homes[BP_NTYPES] = {0}, c = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (a[i] < 0) continue;
        int t = a[i];
        int reserved = r->besluit[i] == BP_BESLUIT_GERESERVEERD;
        if (!reserved && (r->knock[i] || r->capacity[i] < 12)) return INFINITY;
        for (size_t j = 0; j < i; j++)
            if (a[j] == t && !(reserved && r->besluit[j] == BP_BESLUIT_GERESERVEERD) &&
                hypot(r->px[i] - r->px[j], r->py[i] - r->py[j]) < o->min_spacing_m[t])
                return INFINITY;
        homes[t] += r->capacity[i];
        if (!reserved) c += 101 - r->score[i * BP_NTYPES + t];
    }
    for (int t = 0; t < BP_NTYPES; t++) {
        double need = r->gm[0].opgave[t];
        if (homes[t] < need) c += SHORT * (need - homes[t]);
    }
    return c;
}

/* The optimum by enumeration (reserved plot 0 fixed to its type). */
static double brute_force(const bp_result *r, const bp_program_opts *o)
{
    size_t n = r->n;
    int a[16];
    double best = INFINITY;
    size_t total = 1;
    for (size_t i = 0; i < n; i++) total *= 3;
    for (size_t code = 0; code < total; code++) {
        size_t c = code;
        for (size_t i = 0; i < n; i++) {
            int d = (int)(c % 3);
            c /= 3;
            a[i] = d == 0 ? -1 : d == 1 ? BP_GECLUSTERD : BP_ZORGGESCHIKT;
        }
        if (r->besluit[0] == BP_BESLUIT_GERESERVEERD && a[0] != BP_GECLUSTERD) continue;
        double v = cost(r, o, a);
        if (v < best) best = v;
    }
    return best;
}

static double programme_cost(const bp_result *r, const bp_program_opts *o)
{
    int a[16];
    for (size_t i = 0; i < r->n; i++) a[i] = r->ptype[i];
    return cost(r, o, a);
}

static void exact_is_optimal(void **state)
{
    (void)state;
    double greedy_excess = 0;
    int instances = 0, greedy_optimal = 0, greedy_covers = 0;
    for (unsigned seed = 1; seed <= 40; seed++) {
        size_t n = 6 + seed % 7; /* 6..12 plots */
        bp_result *r = instance(seed, n, seed % 3 == 0);
        bp_program_opts o = {{0, 300, 300}, 1, 10, 300};
        bp_program_stats s;
        assert_int_equal(bp_program_apply(r, &o, &s, NULL), BP_OK);
        double opt = brute_force(r, &o), exact = programme_cost(r, &o);
        if (fabs(exact - opt) > 1e-6 * fmax(1, opt))
            fail_msg("seed %u (%zu plots): exact programme costs %g, the optimum %g", seed, n, exact, opt);
        if (seed % 3 == 0) assert_int_equal(r->ptype[0], BP_GECLUSTERD); /* reserved: in, for its type */
        o.exact = 0;
        assert_int_equal(bp_program_apply(r, &o, &s, NULL), BP_OK);
        double greedy = programme_cost(r, &o);
        assert_true(isfinite(greedy)); /* feasible: spacing and eligibility hold */
        assert_true(greedy >= opt - 1e-6 * fmax(1, opt));
        if (opt < SHORT) { /* instances where the gap can be covered */
            instances++;
            greedy_optimal += greedy <= opt + 1e-9;
            if (greedy < SHORT) {
                greedy_covers++;
                greedy_excess += (greedy - opt) / opt;
            }
        }
        bp_result_free(r);
    }
    printf("# greedy against the optimum on %d coverable instances: optimal in %d, covers the gap in %d "
           "(there %.1f%% costlier on average); the exact programme: optimal in all\n",
           instances, greedy_optimal, greedy_covers, 100 * greedy_excess / (greedy_covers ? greedy_covers : 1));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(exact_is_optimal)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
