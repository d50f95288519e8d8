/* Unit tests of gap/gap.c: gap arithmetic, the gap stage on a hand-built
 * result (final scores per type, unknown gaps, per-gemeente sums), and the
 * warning for gemeenten without a target. */
#include "unit.h"

#include "gap/gap.h"

static void gap_arithmetic(void **state)
{
    (void)state;
    double gap, share;
    assert_int_equal(bp_gap_compute(520, 299, 45, &gap, &share), 1);
    assert_float_equal(gap, 176, 1e-12);
    assert_float_equal(share, 176.0 / 520.0, 1e-12);
    assert_int_equal(bp_gap_compute(100, 150, 10, &gap, &share), 1); /* over-planned */
    assert_float_equal(gap, 0, 0);
    assert_float_equal(share, 0, 0);
    assert_int_equal(bp_gap_compute(0, 0, 0, &gap, &share), 1); /* no target */
    assert_float_equal(share, 0, 0);
    assert_int_equal(bp_gap_compute(100, NAN, 0, &gap, &share), 0); /* a figure missing */
    assert_true(isnan(gap) && isnan(share));
    assert_int_equal(bp_gap_compute(NAN, 0, 0, &gap, &share), 0);
}

/* Two gemeenten with targets worked out by hand (gap share per type):
 *   GM0001  nultreden 100-20-10: 0.7   geclusterd 50-50-10: 0   zorggeschikt 0-0-0: 0
 *   GM0002  nultreden plannen missing: unknown   geclusterd 200-50-50: 0.5   zorggeschikt 10-0-0: 1
 * and five plots: suitability, knock-out, capacity, gemeente. */
static bp_result *gap_result(void)
{
    bp_result *r = unit_result(5, NULL, 0, NULL);
    assert_int_equal(bp_result_add_gemeente(r, "GM0001", "Een", NULL, 0), 0);
    assert_int_equal(bp_result_add_gemeente(r, "GM0002", "Twee", NULL, 0), 1);
    assert_int_equal(bp_result_add_gemeente(r, "GM0003", "Drie", NULL, 0), 2);
    const double t[2][3][3] = {{{100, 20, 10}, {50, 50, 10}, {0, 0, 0}}, {{100, NAN, 0}, {200, 50, 50}, {10, 0, 0}}};
    for (int k = 0; k < 2; k++)
        for (int ty = 0; ty < BP_NTYPES; ty++) {
            r->gm[k].has_target[ty] = 1;
            r->gm[k].opgave[ty] = t[k][ty][0];
            r->gm[k].plannen[ty] = t[k][ty][1];
            r->gm[k].gerealiseerd[ty] = t[k][ty][2];
        }
    r->gm[1].has_target[BP_ZORGGESCHIKT] = 0;
    const double suit[5][3] = {{80, 60, 40}, {50, 50, 50}, {100, 100, 100}, {70, 70, 70}, {33.333, 66.666, 99.999}};
    const unsigned char knock[5] = {0, BP_KO_SIZE, 0, 0, 0};
    const double cap[5] = {15, 11, NAN, 20, 30};
    const uint32_t gm[5] = {0, 0, 1, BP_NO_GEMEENTE, 1};
    for (size_t i = 0; i < 5; i++) {
        for (int ty = 0; ty < BP_NTYPES; ty++) r->suit[i * BP_NTYPES + ty] = suit[i][ty];
        r->knock[i] = knock[i];
        r->capacity[i] = cap[i];
        r->gemeente[i] = gm[i];
        r->gm[2].n_plots = 99; /* stale: reset by the stage */
    }
    return r;
}

static void gap_stage(void **state)
{
    (void)state;
    bp_result *r = gap_result();
    bp_ctx *ctx = bp_ctx_new();
    bp_gap_opts o = {0.25, BP_GECLUSTERD};
    assert_int_equal(bp_gap_apply(r, &o, ctx), BP_OK);
    /* score = suitability x (1 - 0.25 (1 - share)), rounded to 0.01; no
       gemeente or an unknown figure: share 0.5 */
    const double want[5][3] = {{74, 45, 30},
                               {46.25, 37.5, 37.5},
                               {87.5, 87.5, 100},
                               {61.25, 61.25, 61.25},
                               {29.17, 58.33, 100}};
    for (size_t i = 0; i < 5; i++)
        for (int t = 0; t < BP_NTYPES; t++)
            if (fabs(r->score[i * BP_NTYPES + t] - want[i][t]) > 1e-9)
                fail_msg("plot %zu type %d: %.6f, wanted %.2f", i, t, r->score[i * BP_NTYPES + t], want[i][t]);
    /* per gemeente: plots, plots not knocked out, and their capacity
       (a point adds none) */
    assert_int_equal(r->gm[0].n_plots, 2);
    assert_int_equal(r->gm[0].n_suitable, 1);
    assert_float_equal(r->gm[0].capacity, 15, 0);
    assert_int_equal(r->gm[1].n_plots, 2);
    assert_int_equal(r->gm[1].n_suitable, 2);
    assert_float_equal(r->gm[1].capacity, 30, 0);
    assert_int_equal(r->gm[2].n_plots, 0);
    assert_float_equal(r->gap_opts.gap_weight, 0.25, 0);
    assert_int_equal(r->gap_opts.profile, BP_GECLUSTERD);
    /* no gap weight: the score is the rounded suitability */
    o.gap_weight = 0;
    assert_int_equal(bp_gap_apply(r, &o, ctx), BP_OK);
    assert_float_equal(r->score[4 * BP_NTYPES + BP_NULTREDEN], 33.33, 1e-9);
    assert_float_equal(r->score[4 * BP_NTYPES + BP_ZORGGESCHIKT], 100, 1e-9);
    /* the full weight: a gemeente whose plans cover the target scores 0 */
    o.gap_weight = 1;
    assert_int_equal(bp_gap_apply(r, &o, ctx), BP_OK);
    assert_float_equal(r->score[0 * BP_NTYPES + BP_GECLUSTERD], 0, 0);
    assert_float_equal(r->score[3 * BP_NTYPES + BP_GECLUSTERD], 35, 1e-9);
    assert_int_equal(r->gm[0].n_plots, 2); /* counted afresh, not added up */
    bp_ctx_free(ctx);
    bp_result_free(r);
}

static void gap_of_gemeente(void **state)
{
    (void)state;
    bp_result *r = gap_result();
    double gap, share;
    assert_int_equal(bp_gap_of(&r->gm[0], BP_NULTREDEN, &gap, &share), 1);
    assert_float_equal(gap, 70, 0);
    assert_float_equal(share, 0.7, 1e-12);
    assert_int_equal(bp_gap_of(&r->gm[1], BP_NULTREDEN, &gap, &share), 0);
    assert_true(isnan(gap) && isnan(share));
    assert_int_equal(bp_gap_of(&r->gm[2], BP_GECLUSTERD, &gap, &share), 0); /* no targets at all */
    bp_result_free(r);
}

static void warn_missing(void **state)
{
    (void)state;
    bp_result *r = gap_result();
    bp_ctx *ctx = bp_ctx_new();
    /* GM0002 has two plots and no zorggeschikt target: said once */
    bp_gap_warn_missing(r, BP_ZORGGESCHIKT, "opgave.csv", ctx);
    assert_int_equal(bp_ctx_warning_count(ctx), 1);
    assert_string_equal(bp_ctx_warning(ctx, 0), "opgave.csv: gemeente GM0002 (Twee) has candidate plots but no "
                                                "zorggeschikt target; its gap counts as unknown");
    /* every gemeente with plots has the others; GM0003 has none but no plots */
    bp_gap_warn_missing(r, BP_GECLUSTERD, "opgave.csv", ctx);
    assert_int_equal(bp_ctx_warning_count(ctx), 1);
    r->gm[0].has_target[BP_NULTREDEN] = 0;
    bp_gap_warn_missing(r, BP_NULTREDEN, "opgave.csv", ctx);
    assert_int_equal(bp_ctx_warning_count(ctx), 2);
    unit_assert_contains(bp_ctx_warning(ctx, 1), "gemeente GM0001 (Een) has candidate plots but no nultreden target");
    bp_ctx_free(ctx);
    bp_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gap_arithmetic), cmocka_unit_test(gap_stage), cmocka_unit_test(gap_of_gemeente),
        cmocka_unit_test(warn_missing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
