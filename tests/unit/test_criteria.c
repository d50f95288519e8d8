/* Unit tests of criteria.c: decay, weighting, gap combination, capacity and
 * knock-outs. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

#include "score/score.h"

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

static void suitability_weights(void **state)
{
    (void)state;
    bp_criterion crit[2] = {{500, 1000, 0, BP_DECAY_LINEAR, {4, 3, 3}}, {500, 1500, 0, BP_DECAY_LINEAR, {1, 1, 5}}};
    double scores[2] = {100, 20};
    /* (3*100 + 1*20) / 4 = 80 */
    assert_float_equal(bp_criteria_suitability(crit, 2, BP_GECLUSTERD, scores), 80, 1e-12);
    /* (3*100 + 5*20) / 8 = 50 */
    assert_float_equal(bp_criteria_suitability(crit, 2, BP_ZORGGESCHIKT, scores), 50, 1e-12);
    /* (4*100 + 1*20) / 5 = 84 */
    assert_float_equal(bp_criteria_suitability(crit, 2, BP_NULTREDEN, scores), 84, 1e-12);
    /* no weight at all: 0, not a division by zero */
    bp_criterion none = {500, 1000, 0, BP_DECAY_LINEAR, {0, 0, 0}};
    assert_float_equal(bp_criteria_suitability(&none, 1, BP_NULTREDEN, scores), 0, 1e-12);
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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decay_linear),   cmocka_unit_test(decay_logistic),
        cmocka_unit_test(suitability_weights), cmocka_unit_test(final_with_gap),
        cmocka_unit_test(capacity),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
