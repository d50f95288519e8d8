/* Unit tests of criteria.c: decay, weighting, gap combination, capacity and
 * knock-outs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "bp_internal.h"

static void decay_linear(void **state)
{
    (void)state;
    assert_float_equal(bp_criteria_decay(0, 500, 1000, BP_DECAY_LINEAR), 100, 1e-12);
    assert_float_equal(bp_criteria_decay(500, 500, 1000, BP_DECAY_LINEAR), 100, 1e-12);
    assert_float_equal(bp_criteria_decay(750, 500, 1000, BP_DECAY_LINEAR), 50, 1e-12);
    assert_float_equal(bp_criteria_decay(900, 500, 1000, BP_DECAY_LINEAR), 20, 1e-12);
    assert_float_equal(bp_criteria_decay(1000, 500, 1000, BP_DECAY_LINEAR), 0, 1e-12);
    assert_float_equal(bp_criteria_decay(5000, 500, 1000, BP_DECAY_LINEAR), 0, 1e-12);
    assert_float_equal(bp_criteria_decay(NAN, 500, 1000, BP_DECAY_LINEAR), 0, 1e-12);
}

static void decay_logistic(void **state)
{
    (void)state;
    /* 100 up to full, 0 from zero, 50 halfway, ~98 just after full, ~2 just
       before zero, and strictly decreasing between */
    assert_float_equal(bp_criteria_decay(500, 500, 1000, BP_DECAY_LOGISTIC), 100, 1e-12);
    assert_float_equal(bp_criteria_decay(750, 500, 1000, BP_DECAY_LOGISTIC), 50, 1e-9);
    assert_float_equal(bp_criteria_decay(500.0001, 500, 1000, BP_DECAY_LOGISTIC), 98, 1e-3);
    assert_float_equal(bp_criteria_decay(999.9999, 500, 1000, BP_DECAY_LOGISTIC), 2, 1e-3);
    assert_float_equal(bp_criteria_decay(1000, 500, 1000, BP_DECAY_LOGISTIC), 0, 1e-12);
    double prev = 101;
    for (double d = 500.5; d < 1000; d += 10) {
        double s = bp_criteria_decay(d, 500, 1000, BP_DECAY_LOGISTIC);
        assert_true(s < prev);
        prev = s;
    }
}

static bp_config *config_with(const char *const *kv)
{
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    assert_non_null(c);
    for (; kv[0]; kv += 2) assert_int_equal(bp_config_set(c, kv[0], kv[1], NULL, ctx), BP_OK);
    bp_ctx_free(ctx);
    return c;
}

static void suitability_weights(void **state)
{
    (void)state;
    const char *kv[] = {"facilities.supermarkt", "a.gpkg", "facilities.zorg", "b.gpkg",
                        "profiles.geclusterd.weights.supermarkt", "3",
                        "profiles.geclusterd.weights.zorg", "1", NULL};
    bp_config *c = config_with(kv);
    double scores[2] = {100, 20};
    /* (3*100 + 1*20) / 4 = 80 */
    assert_float_equal(bp_criteria_suitability(c, BP_GECLUSTERD, scores), 80, 1e-12);
    /* zorggeschikt keeps its defaults: supermarkt 3, zorg 5 -> (300+100)/8 */
    assert_float_equal(bp_criteria_suitability(c, BP_ZORGGESCHIKT, scores), 50, 1e-12);
    /* nultreden defaults: supermarkt 4, zorg 1 -> (400+20)/5 */
    assert_float_equal(bp_criteria_suitability(c, BP_NULTREDEN, scores), 84, 1e-12);
    bp_config_free(c);
}

static void final_with_gap(void **state)
{
    (void)state;
    assert_float_equal(bp_criteria_final(80, 1.0, 0.25), 80, 1e-12);
    assert_float_equal(bp_criteria_final(80, 0.0, 0.25), 60, 1e-12);
    assert_float_equal(bp_criteria_final(80, 0.5, 0.25), 70, 1e-12);
    assert_float_equal(bp_criteria_final(80, NAN, 0.25), 70, 1e-12); /* unknown: as 0.5 */
    assert_float_equal(bp_criteria_final(80, 0.0, 0.0), 80, 1e-12);  /* gap ignored */
    /* equal plots: larger gap share ranks higher */
    assert_true(bp_criteria_final(70, 0.6, 0.25) > bp_criteria_final(70, 0.3, 0.25));
    assert_float_equal(bp_criteria_round(12.345678), 12.35, 1e-12);
}

static void capacity(void **state)
{
    (void)state;
    assert_float_equal(bp_criteria_capacity(2000, 60), 12, 1e-12);
    assert_float_equal(bp_criteria_capacity(1999, 60), 11, 1e-12);
    assert_float_equal(bp_criteria_capacity(10000, 60), 60, 1e-12);
    assert_true(isnan(bp_criteria_capacity(NAN, 60)));
}

static void knockouts(void **state)
{
    (void)state;
    const char *kv[] = {"facilities.supermarkt", "a.gpkg", "criteria.supermarkt.knockout_m", "1500",
                        "facilities.zorg", "b.gpkg", NULL};
    bp_config *c = config_with(kv);
    char buf[512] = "";
    double near[2] = {400, 9000}, far[2] = {1600, 10};
    assert_int_equal(bp_criteria_knockouts(c, BP_GECLUSTERD, near, 3000, 1, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(bp_criteria_knockouts(c, BP_GECLUSTERD, far, 3000, 1, buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "supermarkt at 1600 m"));
    buf[0] = '\0';
    /* 1500 m² holds 9 homes at 60/ha: too small for geclusterd (12), fine for nultreden (1) */
    assert_int_equal(bp_criteria_knockouts(c, BP_GECLUSTERD, near, 1500, 1, buf, sizeof buf), 1);
    assert_non_null(strstr(buf, "too small for geclusterd"));
    buf[0] = '\0';
    assert_int_equal(bp_criteria_knockouts(c, BP_NULTREDEN, near, 1500, 1, buf, sizeof buf), 0);
    /* points have no area: no size knock-out */
    assert_int_equal(bp_criteria_knockouts(c, BP_GECLUSTERD, near, 0, 0, buf, sizeof buf), 0);
    /* both reasons together */
    buf[0] = '\0';
    assert_int_equal(bp_criteria_knockouts(c, BP_ZORGGESCHIKT, far, 100, 1, buf, sizeof buf), 2);
    assert_non_null(strstr(buf, "; "));
    bp_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decay_linear),   cmocka_unit_test(decay_logistic),
        cmocka_unit_test(suitability_weights), cmocka_unit_test(final_with_gap),
        cmocka_unit_test(capacity),       cmocka_unit_test(knockouts),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
