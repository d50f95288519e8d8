/* Unit tests of gap/assign.c: the gemeente each plot overlaps most:
 * contained plots, overlap by area, lines by length, points on a border,
 * plots partly outside, and a plot outside every gemeente. */
#include "unit.h"

#include "gap/gap.h"

static bp_geos g;

static GEOSGeometry *wkt(const char *text)
{
    GEOSGeometry *geom = GEOSGeomFromWKT_r(g.h, text);
    assert_non_null(geom);
    return geom;
}

/* Two gemeenten side by side, A = [0,1000]², B = [1000,2000] x [0,1000];
 * C: two squares far away (a multipolygon). */
static bp_result *gemeenten(GEOSGeometry **gm)
{
    bp_result *r = unit_result(0, NULL, 0, NULL);
    assert_int_equal(bp_result_add_gemeente(r, "GM0001", "A", NULL, 0), 0);
    assert_int_equal(bp_result_add_gemeente(r, "GM0002", "B", NULL, 0), 1);
    assert_int_equal(bp_result_add_gemeente(r, "GM0003", "C", NULL, 0), 2);
    gm[0] = GEOSGeom_createRectangle_r(g.h, 0, 0, 1000, 1000);
    gm[1] = GEOSGeom_createRectangle_r(g.h, 1000, 0, 2000, 1000);
    gm[2] = wkt("MULTIPOLYGON(((5000 0,5100 0,5100 100,5000 100,5000 0)),((6000 0,6100 0,6100 100,6000 100,6000 0)))");
    return r;
}

static void most_overlap(void **state)
{
    (void)state;
    static const struct {
        const char *wkt;
        uint32_t gm;
    } cases[] = {
        {"POLYGON((100 100,200 100,200 200,100 200,100 100))", 0},   /* inside A */
        {"POLYGON((900 0,1200 0,1200 100,900 100,900 0))", 1},       /* A 100 x 100, B 200 x 100 */
        {"POLYGON((700 0,1100 0,1100 100,700 100,700 0))", 0},       /* A 300 x 100, B 100 x 100 */
        {"POLYGON((900 0,1100 0,1100 100,900 100,900 0))", 0},       /* equal: the first gemeente */
        {"POLYGON((1900 900,2100 900,2100 1100,1900 1100,1900 900))", 1}, /* partly outside: B */
        {"LINESTRING(950 500,1010 500)", 0},                        /* A 50 m, B 10 m */
        {"LINESTRING(990 500,1100 500)", 1},                        /* A 10 m, B 100 m */
        {"MULTILINESTRING((0 10,10 10),(1000 20,1030 20))", 1},      /* A 10 m, B 30 m */
        {"POINT(1500 500)", 1},
        {"POINT(1000 500)", 0},                                     /* on the border: the first */
        {"POINT(6050 50)", 2},                                      /* in the second part of C */
        {"POLYGON((5010 10,5020 10,5020 20,5010 20,5010 10))", 2},
        {"MULTIPOINT((10 10),(1500 10),(1600 10))", 0},              /* points: no measure, the first */
    };
    size_t n = sizeof cases / sizeof *cases;
    GEOSGeometry *gm[3];
    bp_result *r = gemeenten(gm);
    assert_int_equal(bp_result_alloc_plots(r, n, NULL), BP_OK);
    GEOSGeometry **plots = calloc(n, sizeof *plots);
    for (size_t i = 0; i < n; i++) plots[i] = wkt(cases[i].wkt);
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_gap_assign(r, gm, plots, n, 0, &g, ctx), BP_OK);
    for (size_t i = 0; i < n; i++)
        if (r->gemeente[i] != cases[i].gm) fail_msg("%s: gemeente %u, wanted %u", cases[i].wkt, r->gemeente[i], cases[i].gm);
    /* a batch of plots from plot 'first' on */
    for (size_t i = 0; i < n; i++) r->gemeente[i] = BP_NO_GEMEENTE;
    assert_int_equal(bp_gap_assign(r, gm, plots + 5, 2, 5, &g, ctx), BP_OK);
    assert_int_equal(r->gemeente[4], BP_NO_GEMEENTE);
    assert_int_equal(r->gemeente[5], 0);
    assert_int_equal(r->gemeente[6], 1);
    assert_int_equal(r->gemeente[7], BP_NO_GEMEENTE);
    for (size_t i = 0; i < n; i++) GEOSGeom_destroy_r(g.h, plots[i]);
    free(plots);
    for (int k = 0; k < 3; k++) GEOSGeom_destroy_r(g.h, gm[k]);
    bp_ctx_free(ctx);
    bp_result_free(r);
}

static void outside(void **state)
{
    (void)state;
    GEOSGeometry *gm[3];
    bp_result *r = gemeenten(gm);
    static const char *const ids[] = {"K-1", "K-2", "K-3"};
    assert_int_equal(bp_result_alloc_plots(r, 3, NULL), BP_OK);
    for (size_t i = 0; i < 3; i++) assert_int_equal(bp_result_set_id(r, i, ids[i], NULL), BP_OK);
    GEOSGeometry *plots[3] = {wkt("POINT(10 10)"), wkt("POLYGON((3000 0,3100 0,3100 100,3000 0))"),
                              wkt("POINT(20 20)")};
    bp_ctx *ctx = bp_ctx_new();
    unit_expect_error(ctx, bp_gap_assign(r, gm, plots, 3, 0, &g, ctx), BP_ERR_DATA,
                      "candidate plot K-2 lies outside every gemeente polygon (wrong CRS, or a gemeente missing from "
                      "the layer?)");
    assert_int_equal(r->gemeente[0], 0);
    assert_int_equal(r->gemeente[1], BP_NO_GEMEENTE);
    /* the id of plot first + i */
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, bp_gap_assign(r, gm, plots + 1, 1, 2, &g, ctx), BP_ERR_DATA, "candidate plot K-3 lies outside");
    bp_ctx_clear(ctx);
    /* no gemeenten at all */
    r->ngm = 0;
    unit_expect_error(ctx, bp_gap_assign(r, gm, plots, 1, 0, &g, ctx), BP_ERR_DATA, "candidate plot K-1 lies outside");
    r->ngm = 3;
    for (int k = 0; k < 3; k++) GEOSGeom_destroy_r(g.h, plots[k]), GEOSGeom_destroy_r(g.h, gm[k]);
    bp_ctx_free(ctx);
    bp_result_free(r);
}

int main(void)
{
    if (bp_geos_init(&g, NULL) != BP_OK) return 1;
    const struct CMUnitTest tests[] = {cmocka_unit_test(most_overlap), cmocka_unit_test(outside)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    bp_geos_finish(&g);
    return rc;
}
