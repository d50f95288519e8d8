/* Unit tests of network.c on small hand-built networks whose walking
 * distances are worked out by hand: a facility across a canal, steps under
 * both profiles, a plot attached mid-edge, a facility on the plot's own
 * edge, rough surfaces, an island and a plot beyond the snap tolerance. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cpl_vsi.h>

#include "distance/network/network.h"

/* Two streets 100 m apart along a canal, joined by a bridge at x=1000 and
 * by steps at x=100; a gravel path; an island street far away.  EPSG:28992. */
static const char *network_json =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:28992\"}},\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"footway\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0,0],[100,0],[1000,0]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"residential\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0,100],[100,100],[1000,100]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"footway\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1000,0],[1000,100]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"steps\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[100,0],[100,100]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"path\",\"surface\":\"gravel\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1000,100],[1000,300]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"motorway\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[0,0],[0,100]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"footway\",\"foot\":\"no\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[1000,0],[1000,-100]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"footway\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":[[5000,4990],[5100,4990]]}}"
    "]}";

static GEOSContextHandle_t H;

static GEOSGeometry *pt(double x, double y) { return GEOSGeom_createPointFromXY_r(H, x, y); }

/* A plot touching street A in one point, (300, 0). */
static GEOSGeometry *triangle(void)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(H, 4, 2);
    GEOSCoordSeq_setXY_r(H, cs, 0, 300, 0);
    GEOSCoordSeq_setXY_r(H, cs, 1, 290, -20);
    GEOSCoordSeq_setXY_r(H, cs, 2, 310, -20);
    GEOSCoordSeq_setXY_r(H, cs, 3, 300, 0);
    return GEOSGeom_createPolygon_r(H, GEOSGeom_createLinearRing_r(H, cs), NULL, 0);
}

typedef struct {
    double d[6 * 3];
    double attach[6];
} result;

/* plots: P (100,-10), Q (550,-20), R (1010,290), I island (5050,5000),
 * far (500,2000), T a triangle touching edge A at (300,0).  Categories: F north of the
 * canal at (100,110); G on Q's edge at (700,-5); H at the end of the gravel
 * path (1000,310). */
static void run(int rollator, result *r)
{
    VSILFILE *f = VSIFileFromMemBuffer("/vsimem/net.geojson", (GByte *)network_json, strlen(network_json), FALSE);
    VSIFCloseL(f);
    bp_ctx *ctx = bp_ctx_new();
    bp_crs crs;
    bp_geos g;
    assert_int_equal(bp_crs_init(&crs, "EPSG:28992", NULL, ctx), BP_OK);
    assert_int_equal(bp_geos_init(&g, ctx), BP_OK);
    H = g.h;
    bp_network *net = NULL;
    bp_network_opts no = {.source = "/vsimem/net.geojson", .rollator = rollator, .snap_tolerance_m = 250,
                          .threads = 2, .island_m = 1000};
    assert_int_equal(bp_network_load(&no, &crs, &g, NULL, &net, ctx), BP_OK);
    assert_int_equal(net->n_ways, 6);  /* motorway and foot=no left out */
    assert_int_equal(net->n_flag[net->steps_bit], 1);
    assert_int_equal(net->n_flag[1 - net->steps_bit], 1); /* steps and rough are the first two flags */
    GEOSGeometry *plots[6] = {pt(100, -10), pt(550, -20), pt(1010, 290), pt(5050, 5000), pt(500, 2000), triangle()};
    bp_layer fac[3];
    memset(fac, 0, sizeof fac);
    GEOSGeometry *fg[3] = {pt(100, 110), pt(700, -5), pt(1000, 310)};
    for (int c = 0; c < 3; c++) {
        fac[c].n = 1;
        fac[c].geom = &fg[c];
    }
    size_t unatt[3];
    bp_network_out out = {.plot_attach = r->attach, .fac_unattached = unatt};
    assert_int_equal(bp_network_distances(net, &no, &g, plots, 6, fac, 3, r->d, NULL, &out, ctx), BP_OK);
    assert_null(out.vertex_dist); /* not asked for */
    assert_int_equal(unatt[0] + unatt[1] + unatt[2], 0);
    for (int i = 0; i < 6; i++) GEOSGeom_destroy_r(H, plots[i]);
    for (int c = 0; c < 3; c++) GEOSGeom_destroy_r(H, fg[c]);
    bp_network_free(net, &g);
    bp_geos_finish(&g);
    bp_crs_clear(&crs);
    bp_ctx_free(ctx);
    VSIUnlink("/vsimem/net.geojson");
}

#define D(plot, cat) r.d[(plot) * 3 + (cat)]

static void walk_profile(void **state)
{
    (void)state;
    result r;
    run(0, &r);
    /* P: 10 to the street, up the steps 100, 10 to F: 120 (straight: 120) */
    assert_float_equal(D(0, 0), 120, 1e-9);
    /* Q attached mid-edge (t = 0.5 of 100..1000) 20 m away: 20 + 450 + 100 + 10 */
    assert_float_equal(D(1, 0), 580, 1e-9);
    /* G on Q's own edge: 20 + 150 + 5, not round the vertices */
    assert_float_equal(D(1, 1), 175, 1e-9);
    /* R on the gravel path 10 m from it, 10 m below its end: H at 10 m past the end */
    assert_float_equal(D(2, 2), 10 + 10 + 10, 1e-9);
    /* the island is reached by nothing */
    assert_true(isnan(D(3, 0)) && isnan(D(3, 1)) && isnan(D(3, 2)));
    assert_float_equal(r.attach[3], 10, 1e-9);
    /* beyond the snap tolerance: no distance at all */
    assert_true(isnan(D(4, 0)));
    assert_true(r.attach[4] > 250);
    /* T touches street A at (300, 0): attachment 0, then 200 back to the steps */
    assert_float_equal(r.attach[5], 0, 1e-9);
    assert_float_equal(D(5, 0), 0 + 200 + 100 + 10, 1e-9);
}

static void rollator_profile(void **state)
{
    (void)state;
    result r;
    run(1, &r);
    /* no steps: P goes round by the bridge: 10 + 900 + 100 + 900 + 10 */
    assert_float_equal(D(0, 0), 1920, 1e-9);
    /* Q: 20 + 450 + 100 + 900 + 10 */
    assert_float_equal(D(1, 0), 1480, 1e-9);
    assert_float_equal(D(1, 1), 175, 1e-9);
    /* gravel counts 1.5x: R is 10 m along the path from its end */
    assert_float_equal(D(2, 2), 10 + 1.5 * 10 + 10, 1e-9);
}

int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {cmocka_unit_test(walk_profile), cmocka_unit_test(rollator_profile)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
