/* Unit tests of core/geos.c: a GEOS context per thread whose errors land
 * in its buffer and whose notices are dropped. */
#include "unit.h"

static void init_finish(void **state)
{
    (void)state;
    bp_geos g;
    memset(&g, 0xff, sizeof g);
    assert_int_equal(bp_geos_init(&g, NULL), BP_OK);
    assert_non_null(g.h);
    assert_string_equal(g.msg, "");
    bp_geos_finish(&g);
    assert_null(g.h);
    bp_geos_finish(&g); /* twice */
    assert_null(g.h);
    bp_geos zero = {0};
    bp_geos_finish(&zero); /* never started */
    bp_geos_finish(NULL);
    /* the same struct again */
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_geos_init(&g, ctx), BP_OK);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    bp_geos_finish(&g);
    bp_ctx_free(ctx);
}

static void errors_and_notices(void **state)
{
    (void)state;
    bp_geos a, b;
    assert_int_equal(bp_geos_init(&a, NULL), BP_OK);
    assert_int_equal(bp_geos_init(&b, NULL), BP_OK);
    /* a notice (self-intersection) is dropped: validity is checked instead */
    GEOSGeometry *bowtie = GEOSGeomFromWKT_r(a.h, "POLYGON((0 0, 10 10, 10 0, 0 10, 0 0))");
    assert_non_null(bowtie);
    assert_int_equal(GEOSisValid_r(a.h, bowtie), 0);
    assert_string_equal(a.msg, "");
    /* an error lands in its own context's buffer only */
    assert_null(GEOSGeomFromWKT_r(a.h, "POLYGON((0 0, 1"));
    assert_true(strlen(a.msg) > 0);
    assert_string_equal(b.msg, "");
    GEOSGeom_destroy_r(a.h, bowtie);
    bp_geos_finish(&a);
    bp_geos_finish(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(init_finish), cmocka_unit_test(errors_and_notices)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
