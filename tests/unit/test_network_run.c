/* The walking-distance stage around the searches: facility counts within
 * the radius over the network, the edges of the walk_network layer around
 * the candidates, progress and stopping (Ctrl-C), and two runs at once in
 * one process (each with its own GEOS context; run under TSan too). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cpl_vsi.h>

#include "distance/network/network.h"

/* A footway of 1,000 m along y = 0 (vertices every 100 m), and a separate
 * footway 50 m north of it from x = 0 to 200.  EPSG:28992. */
static const char *lines_json =
    "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:28992\"}},\"features\":["
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"footway\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
    "[[0,0],[100,0],[200,0],[300,0],[400,0],[500,0],[600,0],[700,0],[800,0],[900,0],[1000,0]]}},"
    "{\"type\":\"Feature\",\"properties\":{\"highway\":\"footway\"},\"geometry\":{\"type\":\"LineString\",\"coordinates\":"
    "[[0,50],[200,50]]}}]}";

typedef struct {
    bp_ctx *ctx;
    bp_crs crs;
    bp_geos g;
} env;

static void env_init(env *e)
{
    e->ctx = bp_ctx_new();
    assert_int_equal(bp_crs_init(&e->crs, "EPSG:28992", NULL, e->ctx), BP_OK);
    assert_int_equal(bp_geos_init(&e->g, e->ctx), BP_OK);
}

static void env_clear(env *e)
{
    bp_geos_finish(&e->g);
    bp_crs_clear(&e->crs);
    bp_ctx_free(e->ctx);
}

static void put_lines(const char *path)
{
    VSILFILE *f = VSIFileFromMemBuffer(path, (GByte *)lines_json, strlen(lines_json), FALSE);
    VSIFCloseL(f);
}

static void counts_over_network(void **state)
{
    (void)state;
    env e;
    env_init(&e);
    put_lines("/vsimem/counts.geojson");
    bp_network_opts o = {.source = "/vsimem/counts.geojson", .snap_tolerance_m = 10, .threads = 2, .island_m = 1000,
                         .counts = 1, .radius_m = 500, .walk_network = BP_WALK_NETWORK_ALL};
    bp_network *net = NULL;
    assert_int_equal(bp_network_load(&o, &e.crs, &e.g, NULL, &net, e.ctx), BP_OK);
    /* facilities at x = 100, 300, 700 on the long footway, and one on the
       separate footway at (100, 50): 50 m from the plot at (100, 0) in a
       straight line, but not joined to it by any way */
    GEOSGeometry *fg[4] = {GEOSGeom_createPointFromXY_r(e.g.h, 100, 0), GEOSGeom_createPointFromXY_r(e.g.h, 300, 0),
                           GEOSGeom_createPointFromXY_r(e.g.h, 700, 0), GEOSGeom_createPointFromXY_r(e.g.h, 100, 50)};
    GEOSGeometry *plots[3] = {GEOSGeom_createPointFromXY_r(e.g.h, 0, 0), GEOSGeom_createPointFromXY_r(e.g.h, 600, -5),
                              GEOSGeom_createPointFromXY_r(e.g.h, 100, 0)};
    bp_layer fac = {.n = 4, .geom = fg};
    double dist[3], attach[3];
    int32_t count[3];
    size_t unatt;
    bp_network_out out = {.plot_attach = attach, .fac_unattached = &unatt};
    assert_int_equal(bp_network_distances(net, &o, &e.g, plots, 3, &fac, 1, dist, count, &out, e.ctx), BP_OK);
    assert_float_equal(dist[0], 100, 1e-9);
    assert_int_equal(count[0], 2);  /* 100 and 300 m; 700 is 700 m away */
    assert_float_equal(dist[1], 105, 1e-9);
    assert_int_equal(count[1], 2);  /* 700 at 105 m, 300 at 305 m; 100 at 505 m: no */
    assert_int_equal(count[2], 2);  /* itself (0) and 300 (200 m); 700 is 600 m; (100, 50) is not joined */
    bp_network_free(net, &e.g);
    for (int i = 0; i < 4; i++) GEOSGeom_destroy_r(e.g.h, fg[i]);
    for (int i = 0; i < 3; i++) GEOSGeom_destroy_r(e.g.h, plots[i]);
    VSIUnlink("/vsimem/counts.geojson");
    env_clear(&e);
}

static void walk_network_around(void **state)
{
    (void)state;
    env e;
    env_init(&e);
    put_lines("/vsimem/around.geojson");
    bp_network_opts o = {.source = "/vsimem/around.geojson", .snap_tolerance_m = 10, .threads = 1, .island_m = 1000,
                         .walk_network = BP_WALK_NETWORK_AROUND, .around_m = 250};
    bp_network *net = NULL;
    assert_int_equal(bp_network_load(&o, &e.crs, &e.g, NULL, &net, e.ctx), BP_OK);
    assert_int_equal(bp_network_edge_count(net), 11); /* before a run: every edge */
    GEOSGeometry *plot = GEOSGeom_createPointFromXY_r(e.g.h, 550, 0), *f = GEOSGeom_createPointFromXY_r(e.g.h, 0, 0);
    bp_layer fac = {.n = 1, .geom = &f};
    double dist, attach;
    size_t unatt;
    bp_network_out out = {.plot_attach = &attach, .fac_unattached = &unatt, .want_vertex_dist = 1};
    assert_int_equal(bp_network_distances(net, &o, &e.g, &plot, 1, &fac, 1, &dist, NULL, &out, e.ctx), BP_OK);
    /* edges with an end within 250 m of x = 550 (ends 300..800): 200-300 .. 800-900 */
    assert_int_equal(bp_network_edge_count(net), 7);
    for (size_t k = 0; k < bp_network_edge_count(net); k++) {
        double x0, y0, x1, y1, len, cost;
        int steps;
        bp_network_edge(net, k, &x0, &y0, &x1, &y1, &len, &cost, &steps);
        assert_true(y0 == 0 && fmin(x0, x1) >= 200 - 1e-6 && fmax(x0, x1) <= 900 + 1e-6);
        assert_true(bp_network_edge_id(net, k) < net->m);
        /* the walking distance from the nearer end to the facility at x = 0 */
        assert_float_equal(bp_network_edge_dist(net, out.vertex_dist, k, 0), fmin(x0, x1), 1e-6);
    }
    free(out.vertex_dist);
    o.walk_network = BP_WALK_NETWORK_ALL;
    out.want_vertex_dist = 0;
    assert_int_equal(bp_network_distances(net, &o, &e.g, &plot, 1, &fac, 1, &dist, NULL, &out, e.ctx), BP_OK);
    assert_int_equal(bp_network_edge_count(net), 11);
    assert_true(isnan(bp_network_edge_dist(net, NULL, 0, 0)));
    bp_network_free(net, &e.g);
    GEOSGeom_destroy_r(e.g.h, plot);
    GEOSGeom_destroy_r(e.g.h, f);
    VSIUnlink("/vsimem/around.geojson");
    env_clear(&e);
}

static int calls;
static int CPL_STDCALL stop_at(double done, const char *msg, void *ud)
{
    (void)msg;
    calls++;
    if (done < 0 || done > 1) fail_msg("progress %g out of [0, 1]", done);
    return done < *(const double *)ud;
}

static void progress_stops(void **state)
{
    (void)state;
    env e;
    env_init(&e);
    put_lines("/vsimem/stop.geojson");
    double at = 2; /* never stops */
    bp_network_opts o = {.source = "/vsimem/stop.geojson", .snap_tolerance_m = 10, .threads = 2, .island_m = 1000,
                         .progress = stop_at, .pdata = &at};
    bp_network *net = NULL;
    calls = 0;
    assert_int_equal(bp_network_load(&o, &e.crs, &e.g, NULL, &net, e.ctx), BP_OK);
    assert_true(calls > 0);
    GEOSGeometry *plot = GEOSGeom_createPointFromXY_r(e.g.h, 550, 0), *f = GEOSGeom_createPointFromXY_r(e.g.h, 0, 0);
    bp_layer fac[2] = {{.n = 1, .geom = &f}, {.n = 1, .geom = &f}};
    double dist[2], attach;
    size_t unatt[2];
    bp_network_out out = {.plot_attach = &attach, .fac_unattached = unatt};
    calls = 0;
    assert_int_equal(bp_network_distances(net, &o, &e.g, &plot, 1, fac, 2, dist, NULL, &out, e.ctx), BP_OK);
    assert_true(calls > 0);
    at = 0.5; /* Ctrl-C while the categories are searched */
    assert_int_equal(bp_network_distances(net, &o, &e.g, &plot, 1, fac, 2, dist, NULL, &out, e.ctx), BP_ERR_ABORTED);
    bp_network_free(net, &e.g);
    net = NULL;
    bp_ctx_clear(e.ctx);
    at = 0.5; /* and while the network is read */
    assert_int_equal(bp_network_load(&o, &e.crs, &e.g, NULL, &net, e.ctx), BP_ERR_ABORTED);
    assert_null(net);
    GEOSGeom_destroy_r(e.g.h, plot);
    GEOSGeom_destroy_r(e.g.h, f);
    VSIUnlink("/vsimem/stop.geojson");
    env_clear(&e);
}

/* One whole network run on a fixture; the distances into d. */
typedef struct {
    const char *path;
    int rollator;
    double d[4];
    bp_status st;
} job;

static void *one_run(void *arg)
{
    job *j = arg;
    env e;
    e.ctx = bp_ctx_new();
    j->st = bp_crs_init(&e.crs, "EPSG:28992", NULL, e.ctx);
    if (j->st == BP_OK) j->st = bp_geos_init(&e.g, e.ctx);
    bp_network_opts o = {.source = j->path, .rollator = j->rollator, .snap_tolerance_m = 250, .threads = 2,
                         .island_m = 1000, .counts = 1, .radius_m = 800, .walk_network = BP_WALK_NETWORK_AROUND,
                         .around_m = 500};
    bp_network *net = NULL;
    char *tags[1] = {"shop=supermarket"}, *names[1] = {"winkel"};
    bp_layer fac[2];
    memset(fac, 0, sizeof fac);
    bp_osm_request req = {tags, names, 1, fac};
    if (j->st == BP_OK) j->st = bp_network_load(&o, &e.crs, &e.g, &req, &net, e.ctx);
    if (j->st == BP_OK) {
        /* near A, on the island, and between */
        GEOSGeometry *p[2] = {GEOSGeom_createPointFromXY_r(e.g.h, 85663, 446265),
                              GEOSGeom_createPointFromXY_r(e.g.h, 85200, 446230)};
        double attach[2];
        int32_t count[2];
        size_t unatt;
        bp_network_out out = {.plot_attach = attach, .fac_unattached = &unatt, .want_vertex_dist = 1};
        j->st = bp_network_distances(net, &o, &e.g, p, 2, fac, 1, j->d, count, &out, e.ctx);
        j->d[2] = count[0], j->d[3] = count[1];
        free(out.vertex_dist);
        GEOSGeom_destroy_r(e.g.h, p[0]);
        GEOSGeom_destroy_r(e.g.h, p[1]);
    }
    bp_layer_clear(&fac[0], &e.g);
    bp_network_free(net, &e.g);
    bp_geos_finish(&e.g);
    bp_crs_clear(&e.crs);
    bp_ctx_free(e.ctx);
    return NULL;
}

static void two_runs_at_once(void **state)
{
    (void)state;
    const char *src = __FILE__, *slash = strrchr(src, '/');
    char *path = bp_strfmt("%.*s/../data/osm/island.osm", (int)(slash - src), src);
    job alone[2] = {{path, 0, {0}, BP_OK}, {path, 1, {0}, BP_OK}}, both[2];
    one_run(&alone[0]);
    one_run(&alone[1]);
    memcpy(both, alone, sizeof both);
    pthread_t t[2];
    for (int i = 0; i < 2; i++) assert_int_equal(pthread_create(&t[i], NULL, one_run, &both[i]), 0);
    for (int i = 0; i < 2; i++) pthread_join(t[i], NULL);
    for (int i = 0; i < 2; i++) {
        assert_int_equal(alone[i].st, BP_OK);
        assert_int_equal(both[i].st, BP_OK);
        assert_float_equal(alone[i].d[0], 725.001, 0.01); /* the island fixture's P-C */
        for (int k = 0; k < 4; k++) assert_memory_equal(&alone[i].d[k], &both[i].d[k], sizeof(double));
    }
    free(path);
}

int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(counts_over_network), cmocka_unit_test(walk_network_around),
        cmocka_unit_test(progress_stops), cmocka_unit_test(two_runs_at_once),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
