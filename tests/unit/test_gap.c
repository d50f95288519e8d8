/* Unit tests of gap/: gap arithmetic and the gap stage on a result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <string.h>

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

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(gap_arithmetic),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
