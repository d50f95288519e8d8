/* Unit tests of score/score.c, the score stage on a hand-built result:
 * criterion scores, suitability per type, capacity, the knock-outs of the
 * ranked profile (distance, size, filter), and the parameters kept. */
#include "unit.h"

#include "score/score.h"

static const char *const cats[] = {"supermarkt", "zorg"};

/* Five plots, worked out by hand with the criteria of opts():
 *   0 polygon 2500 m², supermarkt 750 m (50), zorg 1250 m (25, beyond knock-out 1200)
 *   1 point,           supermarkt 0 (100),    zorg unreachable (0, knocked out)
 *   2 polygon 1999.9,  supermarkt 400 (100),  zorg 500 (100): 11 homes
 *   3 polygon 2000,    supermarkt 1000 (0),   zorg 1500 (0, beyond), fails the filter
 *   4 polygon 0 m²,    supermarkt 1000.5 (0), zorg 100 (100) */
static bp_result *plots(void)
{
    bp_result *r = unit_result(5, NULL, 2, cats);
    static const double area[] = {2500, 0, 1999.9, 2000, 0};
    static const unsigned char flags[] = {BP_PLOT_POLYGON, 0, BP_PLOT_POLYGON, BP_PLOT_POLYGON | BP_PLOT_FILTER_FAIL,
                                          BP_PLOT_POLYGON};
    const double dist[] = {750, 1250, 0, NAN, 400, 500, 1000, 1500, 1000.5, 100};
    for (size_t i = 0; i < 5; i++) {
        r->area[i] = area[i];
        r->flags[i] = flags[i];
    }
    memcpy(r->dist, dist, sizeof dist);
    return r;
}

static bp_criterion crit[2];

static bp_score_opts opts(bp_type profile)
{
    crit[0] = (bp_criterion){500, 1000, 0, BP_DECAY_LINEAR, {4, 4, 3}};
    crit[1] = (bp_criterion){500, 1500, 1200, BP_DECAY_LINEAR, {1, 2, 5}};
    return (bp_score_opts){.ncat = 2, .crit = crit, .min_homes = {1, 12, 12}, .density = 60, .profile = profile};
}

static void scores(void **state)
{
    (void)state;
    bp_result *r = plots();
    bp_ctx *ctx = bp_ctx_new();
    bp_score_opts o = opts(BP_GECLUSTERD);
    assert_int_equal(bp_score_apply(r, &o, ctx), BP_OK);
    /* criterion scores */
    const double cs[] = {50, 25, 100, 0, 100, 100, 0, 0, 0, 100};
    for (size_t k = 0; k < 10; k++) assert_float_equal(r->cat_score[k], cs[k], 1e-12);
    /* suitability: the weighted mean for every type */
    const double suit[5][3] = {{45, 250.0 / 6, 34.375},
                               {80, 400.0 / 6, 37.5},
                               {100, 100, 100},
                               {0, 0, 0},
                               {20, 200.0 / 6, 62.5}};
    for (size_t i = 0; i < 5; i++)
        for (int t = 0; t < BP_NTYPES; t++) assert_float_equal(r->suit[i * BP_NTYPES + t], suit[i][t], 1e-12);
    /* capacity: floor(area / 1 ha * 60); none for the point */
    assert_float_equal(r->capacity[0], 15, 0);
    assert_true(isnan(r->capacity[1]));
    assert_float_equal(r->capacity[2], 11, 0);
    assert_float_equal(r->capacity[3], 12, 0);
    assert_float_equal(r->capacity[4], 0, 0);
    /* knock-outs for geclusterd (at least 12 homes) */
    assert_int_equal(r->knock[0], BP_KO_DISTANCE);
    assert_int_equal(r->knock[1], BP_KO_DISTANCE); /* unreachable counts as beyond */
    assert_int_equal(r->knock[2], BP_KO_SIZE);
    assert_int_equal(r->knock[3], BP_KO_DISTANCE | BP_KO_FILTER);
    assert_int_equal(r->knock[4], BP_KO_SIZE);
    /* the final scores are the gap stage's: untouched */
    for (size_t k = 0; k < 5 * BP_NTYPES; k++) assert_float_equal(r->score[k], 0, 0);
    bp_ctx_free(ctx);
    bp_result_free(r);
}

static void knockouts_per_profile(void **state)
{
    (void)state;
    bp_result *r = plots();
    bp_ctx *ctx = bp_ctx_new();
    bp_score_opts o = opts(BP_GECLUSTERD);
    assert_int_equal(bp_score_apply(r, &o, ctx), BP_OK);
    /* nultreden needs 1 home: plot 2 is big enough, plot 4 still is not;
       nothing stays of the earlier run */
    o = opts(BP_NULTREDEN);
    assert_int_equal(bp_score_apply(r, &o, ctx), BP_OK);
    assert_int_equal(r->knock[2], 0);
    assert_int_equal(r->knock[4], BP_KO_SIZE);
    /* no minimum: no size knock-out, even for an empty area */
    o = opts(BP_ZORGGESCHIKT);
    o.min_homes[BP_ZORGGESCHIKT] = 0;
    assert_int_equal(bp_score_apply(r, &o, ctx), BP_OK);
    assert_int_equal(r->knock[4], 0);
    assert_int_equal(r->knock[2], 0);
    /* no knock-out distance: only the filter is left */
    o = opts(BP_NULTREDEN);
    crit[1].knockout_m = 0;
    assert_int_equal(bp_score_apply(r, &o, ctx), BP_OK);
    assert_int_equal(r->knock[0], 0);
    assert_int_equal(r->knock[1], 0);
    assert_int_equal(r->knock[3], BP_KO_FILTER);
    /* a knock-out distance is 'beyond': at it is not knocked out */
    o = opts(BP_NULTREDEN);
    crit[1].knockout_m = 1250;
    assert_int_equal(bp_score_apply(r, &o, ctx), BP_OK);
    assert_int_equal(r->knock[0], 0);
    assert_int_equal(r->knock[3], BP_KO_DISTANCE | BP_KO_FILTER);
    /* density changes capacity */
    o = opts(BP_GECLUSTERD);
    o.density = 120;
    assert_int_equal(bp_score_apply(r, &o, ctx), BP_OK);
    assert_float_equal(r->capacity[2], 23, 0);
    assert_int_equal(r->knock[2], 0);
    bp_ctx_free(ctx);
    bp_result_free(r);
}

static void decay_and_params(void **state)
{
    (void)state;
    bp_result *r = plots();
    bp_ctx *ctx = bp_ctx_new();
    bp_gap_opts go = {0.3, BP_ZORGGESCHIKT};
    bp_rank_opts ro = {BP_ZORGGESCHIKT};
    bp_score_opts o = opts(BP_ZORGGESCHIKT);
    assert_int_equal(bp_result_set_params(r, &o, &go, &ro, "eigendom = 'gemeente'", ctx), BP_OK);
    r->dist[2] = 600;
    crit[0].decay = BP_DECAY_LOGISTIC;
    assert_int_equal(bp_score_apply(r, &o, ctx), BP_OK);
    assert_float_equal(r->cat_score[2], bp_criteria_decay(600, 500, 1000, BP_DECAY_LOGISTIC), 1e-12);
    assert_float_equal(r->cat_score[2], 100 / (1 + pow(49, -0.6)), 1e-9);
    /* the stage keeps a copy of its options, and leaves the others' */
    assert_ptr_not_equal(r->score_opts.crit, crit);
    assert_ptr_equal(r->score_opts.crit, r->crit);
    assert_int_equal(r->crit[0].decay, BP_DECAY_LOGISTIC);
    crit[0].full_m = 1;
    assert_float_equal(r->crit[0].full_m, 500, 0);
    assert_int_equal(r->score_opts.profile, BP_ZORGGESCHIKT);
    assert_float_equal(r->score_opts.density, 60, 0);
    assert_float_equal(r->gap_opts.gap_weight, 0.3, 0);
    assert_int_equal(r->rank_opts.profile, BP_ZORGGESCHIKT);
    assert_string_equal(r->filter, "eigendom = 'gemeente'");
    bp_ctx_free(ctx);
    bp_result_free(r);
}

static void no_plots(void **state)
{
    (void)state;
    bp_result *r = unit_result(0, NULL, 2, cats);
    bp_score_opts o = opts(BP_GECLUSTERD);
    assert_int_equal(bp_score_apply(r, &o, NULL), BP_OK);
    assert_int_equal(r->score_opts.ncat, 2);
    bp_result_free(r);
}

static void capacity_sources(void **state)
{
    (void)state;
    /* the plot's own estimate first (even for a point), then storeys x
       footprint / floor area per home, then area x density */
    bp_result *r = plots();
    r->own_capacity = malloc(5 * sizeof *r->own_capacity);
    r->levels = malloc(5 * sizeof *r->levels);
    const double own[] = {NAN, 40, NAN, NAN, NAN}, levels[] = {NAN, 4, 3, NAN, 2};
    memcpy(r->own_capacity, own, sizeof own);
    memcpy(r->levels, levels, sizeof levels);
    bp_score_opts o = opts(BP_GECLUSTERD);
    o.floor_area_per_home = 85;
    assert_int_equal(bp_score_apply(r, &o, NULL), BP_OK);
    assert_float_equal(r->capacity[0], 15, 0);                        /* 2500 m² at 60/ha */
    assert_float_equal(r->capacity[1], 40, 0);                        /* its own estimate */
    assert_float_equal(r->capacity[2], floor(1999.9 * 3 / 85), 0);    /* 70 */
    assert_float_equal(r->capacity[4], 0, 0);                         /* no footprint, no homes */
    assert_int_equal(r->knock[1], BP_KO_DISTANCE);                    /* 40 homes: big enough */
    assert_int_equal(r->knock[2], 0);                                 /* 70 homes */
    /* no floor area per home: storeys are not used */
    o.floor_area_per_home = 0;
    assert_int_equal(bp_score_apply(r, &o, NULL), BP_OK);
    assert_float_equal(r->capacity[2], 11, 0);
    assert_int_equal(r->knock[2], BP_KO_SIZE);
    assert_float_equal(bp_score_capacity(r, &o, 1), 40, 0);
    /* a plot the workshop dropped is knocked out */
    assert_int_equal(bp_result_alloc_decisions(r, NULL), BP_OK);
    r->besluit[0] = BP_BESLUIT_AFGEVALLEN;
    assert_int_equal(bp_score_apply(r, &o, NULL), BP_OK);
    assert_int_equal(r->knock[0], BP_KO_DISTANCE | BP_KO_AFGEVALLEN);
    assert_int_equal(r->knock[2], BP_KO_SIZE);
    bp_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(scores), cmocka_unit_test(knockouts_per_profile),
                                       cmocka_unit_test(decay_and_params), cmocka_unit_test(no_plots),
                                       cmocka_unit_test(capacity_sources)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
