/* Unit tests of sindex.c and proximity.c: nearest distances and counts
 * against brute force (GEOSDistance to every facility) on random plots and
 * facilities of every kind, for several thread counts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "distance/distance.h"

static GEOSContextHandle_t h;
static uint64_t rng = 88172645463325252ull;

static double rnd(void) /* xorshift64*, deterministic */
{
    rng ^= rng >> 12;
    rng ^= rng << 25;
    rng ^= rng >> 27;
    return (double)((rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* A star-shaped (so valid) polygon of n vertices around (cx, cy). */
static GEOSGeometry *star(double cx, double cy, double r, int n)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n + 1, 2);
    for (int i = 0; i < n; i++) {
        double a = 2 * M_PI * i / n, rr = r * (0.4 + 0.6 * rnd());
        GEOSCoordSeq_setXY_r(h, cs, (unsigned)i, cx + rr * cos(a), cy + rr * sin(a));
    }
    double x, y;
    GEOSCoordSeq_getXY_r(h, cs, 0, &x, &y);
    GEOSCoordSeq_setXY_r(h, cs, (unsigned)n, x, y);
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, cs), NULL, 0);
}

static GEOSGeometry *line(double x, double y, double len)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 3, 2);
    GEOSCoordSeq_setXY_r(h, cs, 0, x, y);
    GEOSCoordSeq_setXY_r(h, cs, 1, x + len * (rnd() - 0.5), y + len * (rnd() - 0.5));
    GEOSCoordSeq_setXY_r(h, cs, 2, x + len * (rnd() - 0.5), y + len * (rnd() - 0.5));
    return GEOSGeom_createLineString_r(h, cs);
}

static void fill(bp_layer *l, size_t n, int kind, double extent, double x0)
{
    memset(l, 0, sizeof *l);
    l->n = n;
    l->geom = calloc(n, sizeof *l->geom);
    for (size_t i = 0; i < n; i++) {
        double x = x0 + rnd() * extent, y = 400000 + rnd() * extent;
        int k = kind >= 0 ? kind : (int)(rnd() * 3);
        l->geom[i] = k == 0 ? GEOSGeom_createPointFromXY_r(h, x, y)
                     : k == 1 ? star(x, y, 20 + 200 * rnd(), 3 + (int)(rnd() * 40))
                              : line(x, y, 300);
    }
}

static void clear(bp_layer *l)
{
    for (size_t i = 0; i < l->n; i++) GEOSGeom_destroy_r(h, l->geom[i]);
    free(l->geom);
}

static void check_against_brute_force(bp_layer *plots, bp_layer *fac, size_t ncat, double radius)
{
    size_t n = plots->n;
    double *dist = malloc(n * ncat * sizeof *dist);
    int32_t *count = malloc(n * ncat * sizeof *count);
    for (int threads = 1; threads <= 3; threads++) {
        bp_ctx *ctx = bp_ctx_new();
        memset(dist, 0, n * ncat * sizeof *dist);
        bp_euclidean_opts eo = {radius, threads};
        assert_int_equal(bp_euclidean_distances(&eo, plots->geom, n, fac, ncat, dist, count,
                                                NULL, NULL, ctx),
                         BP_OK);
        for (size_t i = 0; i < n; i++)
            for (size_t c = 0; c < ncat; c++) {
                double best = INFINITY, d;
                int cnt = 0;
                for (size_t k = 0; k < fac[c].n; k++) {
                    assert_int_equal(GEOSDistance_r(h, plots->geom[i], fac[c].geom[k], &d), 1);
                    if (d < best) best = d;
                    if (d <= radius) cnt++;
                }
                if (fac[c].n == 0) {
                    assert_true(isnan(dist[i * ncat + c]));
                    continue;
                }
                if (fabs(dist[i * ncat + c] - best) > 1e-3)
                    fail_msg("threads %d plot %zu cat %zu: %.6f, brute force %.6f", threads, i, c,
                             dist[i * ncat + c], best);
                if (count[i * ncat + c] != cnt)
                    fail_msg("threads %d plot %zu cat %zu: count %d, brute force %d", threads, i, c,
                             count[i * ncat + c], cnt);
            }
        bp_ctx_free(ctx);
    }
    free(dist);
    free(count);
}

static void random_layers(void **state)
{
    (void)state;
    bp_layer plots, fac[5];
    fill(&plots, 600, -1, 8000, 100000);        /* polygons, points and lines */
    fill(&fac[0], 300, 0, 8000, 100000);        /* dense points */
    fill(&fac[1], 40, 1, 8000, 100000);         /* polygons */
    fill(&fac[2], 30, 2, 8000, 100000);         /* lines */
    fill(&fac[3], 3, 0, 3000, 140000);          /* sparse, far away: windows grow */
    fill(&fac[4], 200, -1, 8000, 100000);       /* a mix */
    check_against_brute_force(&plots, fac, 5, 500);
    check_against_brute_force(&plots, fac, 5, 50);
    clear(&plots);
    for (int c = 0; c < 5; c++) clear(&fac[c]);
}

static void containment_is_zero(void **state)
{
    (void)state;
    bp_layer plots, fac[2];
    memset(&plots, 0, sizeof plots);
    memset(fac, 0, sizeof fac);
    plots.n = 2;
    plots.geom = calloc(2, sizeof *plots.geom);
    plots.geom[0] = GEOSGeom_createRectangle_r(h, 0, 0, 100, 100);
    plots.geom[1] = GEOSGeom_createRectangle_r(h, 1000, 0, 1010, 10);
    fac[0].n = 1; /* a point inside plot 0 */
    fac[0].geom = calloc(1, sizeof *fac[0].geom);
    fac[0].geom[0] = GEOSGeom_createPointFromXY_r(h, 50, 50);
    fac[1].n = 1; /* a polygon around plot 1, and 300 m from plot 0 */
    fac[1].geom = calloc(1, sizeof *fac[1].geom);
    fac[1].geom[0] = GEOSGeom_createRectangle_r(h, 400, -50, 2000, 500);
    double dist[4];
    int32_t count[4];
    bp_ctx *ctx = bp_ctx_new();
    bp_euclidean_opts eo = {500, 2};
    assert_int_equal(bp_euclidean_distances(&eo, plots.geom, 2, fac, 2, dist, count, NULL, NULL, ctx), BP_OK);
    assert_float_equal(dist[0], 0, 0);
    assert_float_equal(dist[1], 300, 1e-9);
    assert_float_equal(dist[2], sqrt(950.0 * 950 + 40.0 * 40), 1e-9);
    assert_float_equal(dist[3], 0, 0);
    assert_int_equal(count[0], 1);
    assert_int_equal(count[2], 0);
    bp_ctx_free(ctx);
    clear(&plots);
    clear(&fac[0]);
    clear(&fac[1]);
}

/* Regression: building an index whose geometries cover the origin crashed
 * (the tree was forced to build with a query at (0, 0) and no callback). */
static void index_over_origin(void **state)
{
    (void)state;
    GEOSGeometry *g[1] = {GEOSGeom_createRectangle_r(h, -10, -10, 10, 10)};
    bp_sindex *ix = bp_sindex_new(h, g, 1);
    assert_non_null(ix);
    GEOSGeometry *q = GEOSGeom_createPointFromXY_r(h, 30, 0);
    double d;
    size_t nearest;
    int count;
    assert_int_equal(bp_sindex_proximity(ix, q, NULL, NULL, 25, &d, &nearest, &count), 0);
    assert_float_equal(d, 20, 1e-12);
    assert_int_equal(count, 1);
    assert_int_equal(nearest, 0);
    bp_sindex_free(ix);
    GEOSGeom_destroy_r(h, q);
    GEOSGeom_destroy_r(h, g[0]);
}

int main(void)
{
    h = GEOS_init_r();
    const struct CMUnitTest tests[] = {cmocka_unit_test(random_layers), cmocka_unit_test(containment_is_zero),
                                       cmocka_unit_test(index_over_origin)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    GEOS_finish_r(h);
    return rc;
}
