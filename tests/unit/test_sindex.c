/* Unit tests of distance/sindex.c: window queries, and nearest distances
 * and counts against brute force on random geometries (plain and prepared
 * queries, with and without a window), the growing window, ties, an empty
 * index and geometries covering the origin. */
#include "unit.h"

#include <signal.h>

#include "distance/distance.h"

static GEOSContextHandle_t h;

static GEOSGeometry **random_geoms(uint64_t *rng, size_t n, int kind, double x0, double extent)
{
    GEOSGeometry **g = calloc(n ? n : 1, sizeof *g);
    for (size_t i = 0; i < n; i++) g[i] = unit_random_geom(h, rng, kind, x0, 400000, extent);
    return g;
}

static void free_geoms(GEOSGeometry **g, size_t n)
{
    for (size_t i = 0; i < n; i++) GEOSGeom_destroy_r(h, g[i]);
    free(g);
}

/* Brute force: the nearest (lowest index among equals) and the count
 * within radius, from the distances d[0..n-1]. */
static void brute(const double *d, size_t n, double radius, double *best, size_t *best_idx, int *count)
{
    *best = INFINITY;
    *best_idx = (size_t)-1;
    *count = 0;
    for (size_t k = 0; k < n; k++) {
        if (d[k] < *best) *best = d[k], *best_idx = k;
        *count += d[k] <= radius;
    }
}

static void against_brute_force(void **state)
{
    (void)state;
    uint64_t rng = 0x9e3779b97f4a7c15ull;
    static const struct {
        int kind;
        size_t n;
        double extent;
    } sets[] = {{0, 400, 6000}, {1, 150, 6000}, {2, 150, 6000}, {-1, 300, 6000}, {0, 4, 300}};
    enum { NQ = 60 };
    GEOSGeometry **q = random_geoms(&rng, NQ, -1, 100000, 6000);
    double *dist = malloc(400 * sizeof *dist);
    for (size_t s = 0; s < sizeof sets / sizeof *sets; s++) {
        /* the last set lies 20 km off the queries: the window must grow */
        GEOSGeometry **g = random_geoms(&rng, sets[s].n, sets[s].kind, s == 4 ? 120000 : 100000, sets[s].extent);
        bp_sindex *ix = bp_sindex_new(h, g, sets[s].n);
        assert_non_null(ix);
        for (size_t i = 0; i < NQ; i++) {
            const GEOSPreparedGeometry *pq = GEOSPrepare_r(h, q[i]);
            for (size_t k = 0; k < sets[s].n; k++) assert_int_equal(GEOSDistance_r(h, q[i], g[k], &dist[k]), 1);
            for (int r = 0; r < 3; r++) {
                double radius = r == 0 ? 10 : r == 1 ? 250 : 1500;
                double bd;
                size_t bi;
                int bc;
                brute(dist, sets[s].n, radius, &bd, &bi, &bc);
                GEOSGeometry *win = bp_sindex_window(h, q[i], radius);
                for (int variant = 0; variant < 4; variant++) {
                    double d;
                    size_t nearest;
                    int count = -1;
                    int *cp = variant == 3 ? NULL : &count;
                    assert_int_equal(bp_sindex_proximity(ix, q[i], variant & 1 ? pq : NULL, variant & 2 ? win : NULL,
                                                         radius, &d, &nearest, cp),
                                     0);
                    if (fabs(d - bd) > 1e-6 || nearest != bi || (cp && count != bc))
                        fail_msg("set %zu query %zu radius %g variant %d: %.9f #%zu count %d, brute force %.9f #%zu "
                                 "count %d",
                                 s, i, radius, variant, d, nearest, count, bd, bi, bc);
                }
                GEOSGeom_destroy_r(h, win);
            }
            GEOSPreparedGeom_destroy_r(h, pq);
        }
        bp_sindex_free(ix);
        free_geoms(g, sets[s].n);
    }
    free_geoms(q, NQ);
    free(dist);
}

typedef struct {
    size_t hits[512];
    size_t n;
} hits;

static void collect(size_t idx, void *ud)
{
    hits *c = ud;
    if (c->n < 512) c->hits[c->n++] = idx;
}

static int cmp_size(const void *a, const void *b)
{
    size_t x = *(const size_t *)a, y = *(const size_t *)b;
    return x < y ? -1 : x > y;
}

static void window_queries(void **state)
{
    (void)state;
    uint64_t rng = 12345;
    GEOSGeometry **g = random_geoms(&rng, 300, -1, 0, 5000);
    bp_sindex *ix = bp_sindex_new(h, g, 300);
    GEOSGeometry *q = GEOSGeom_createPointFromXY_r(h, 2500, 402500);
    for (double expand = 0; expand <= 800; expand += 200) {
        hits c = {.n = 0};
        bp_sindex_query(ix, q, expand, collect, &c);
        qsort(c.hits, c.n, sizeof *c.hits, cmp_size);
        /* exactly the geometries whose envelope comes within expand */
        size_t k = 0;
        for (size_t i = 0; i < 300; i++) {
            double x0, y0, x1, y1;
            GEOSGeom_getXMin_r(h, g[i], &x0);
            GEOSGeom_getYMin_r(h, g[i], &y0);
            GEOSGeom_getXMax_r(h, g[i], &x1);
            GEOSGeom_getYMax_r(h, g[i], &y1);
            int in = x0 <= 2500 + expand && x1 >= 2500 - expand && y0 <= 402500 + expand && y1 >= 402500 - expand;
            if (in) {
                if (k >= c.n || c.hits[k] != i) fail_msg("expand %g: geometry %zu missing", expand, i);
                k++;
            }
        }
        assert_int_equal(k, c.n);
    }
    /* the window: the envelope grown on every side */
    GEOSGeometry *line = GEOSGeomFromWKT_r(h, "LINESTRING(10 20, 30 5)");
    GEOSGeometry *w = bp_sindex_window(h, line, 7);
    double v;
    GEOSGeom_getXMin_r(h, w, &v);
    assert_float_equal(v, 3, 0);
    GEOSGeom_getYMin_r(h, w, &v);
    assert_float_equal(v, -2, 0);
    GEOSGeom_getXMax_r(h, w, &v);
    assert_float_equal(v, 37, 0);
    GEOSGeom_getYMax_r(h, w, &v);
    assert_float_equal(v, 27, 0);
    double a;
    GEOSArea_r(h, w, &a);
    assert_float_equal(a, 34 * 29, 1e-9);
    GEOSGeom_destroy_r(h, w);
    GEOSGeom_destroy_r(h, line);
    GEOSGeom_destroy_r(h, q);
    bp_sindex_free(ix);
    free_geoms(g, 300);
}

static void growing_window(void **state)
{
    (void)state;
    /* one facility 10 km away; a first window of 10 m, then of nothing */
    GEOSGeometry *g[2] = {GEOSGeom_createPointFromXY_r(h, 10000, 0), GEOSGeom_createPointFromXY_r(h, 0, 30000)};
    bp_sindex *ix = bp_sindex_new(h, g, 2);
    GEOSGeometry *q = GEOSGeom_createRectangle_r(h, -5, -5, 5, 5);
    double d;
    size_t nearest;
    int count;
    assert_int_equal(bp_sindex_proximity(ix, q, NULL, NULL, 10, &d, &nearest, &count), 0);
    assert_float_equal(d, 9995, 1e-9);
    assert_int_equal(nearest, 0);
    assert_int_equal(count, 0);
    /* radius 0 with no count: the nearest only, the window still grows */
    assert_int_equal(bp_sindex_proximity(ix, q, NULL, NULL, 0, &d, &nearest, NULL), 0);
    assert_float_equal(d, 9995, 1e-9);
    assert_int_equal(nearest, 0);
    /* a point query on one of them: 0 at once */
    GEOSGeometry *p = GEOSGeom_createPointFromXY_r(h, 0, 30000);
    assert_int_equal(bp_sindex_proximity(ix, p, NULL, NULL, 0, &d, &nearest, &count), 0);
    assert_float_equal(d, 0, 0);
    assert_int_equal(nearest, 1);
    assert_int_equal(count, 1);
    GEOSGeom_destroy_r(h, p);
    GEOSGeom_destroy_r(h, q);
    bp_sindex_free(ix);
    GEOSGeom_destroy_r(h, g[0]);
    GEOSGeom_destroy_r(h, g[1]);
}

static void ties_and_empty(void **state)
{
    (void)state;
    /* equally near: the lowest index */
    GEOSGeometry *g[4] = {GEOSGeom_createPointFromXY_r(h, 100, 0), GEOSGeom_createPointFromXY_r(h, 0, 50),
                          GEOSGeom_createPointFromXY_r(h, -50, 0), GEOSGeom_createPointFromXY_r(h, 0, -50)};
    bp_sindex *ix = bp_sindex_new(h, g, 4);
    GEOSGeometry *q = GEOSGeom_createPointFromXY_r(h, 0, 0);
    double d;
    size_t nearest;
    int count;
    assert_int_equal(bp_sindex_proximity(ix, q, NULL, NULL, 50, &d, &nearest, &count), 0);
    assert_float_equal(d, 50, 0);
    assert_int_equal(nearest, 1);
    assert_int_equal(count, 3); /* within the radius: on it counts */
    bp_sindex_free(ix);
    /* an empty index: nothing near, nothing counted, no callback */
    ix = bp_sindex_new(h, g, 0);
    assert_non_null(ix);
    count = 7;
    assert_int_equal(bp_sindex_proximity(ix, q, NULL, NULL, 500, &d, &nearest, &count), 0);
    assert_true(isnan(d));
    assert_int_equal(nearest, (size_t)-1);
    assert_int_equal(count, 0);
    hits c = {.n = 0};
    bp_sindex_query(ix, q, 1e9, collect, &c);
    assert_int_equal(c.n, 0);
    bp_sindex_free(ix);
    bp_sindex_free(NULL);
    GEOSGeom_destroy_r(h, q);
    for (int i = 0; i < 4; i++) GEOSGeom_destroy_r(h, g[i]);
}

static void covering_the_origin(void **state)
{
    (void)state;
    /* regression: an index whose geometries cover (0, 0), where the tree is
       built, once crashed; a query inside an area is at distance 0 */
    GEOSGeometry *g[2] = {GEOSGeom_createRectangle_r(h, -1000, -1000, 1000, 1000),
                          GEOSGeomFromWKT_r(h, "LINESTRING(-5 -5, 5 5)")};
    bp_sindex *ix = bp_sindex_new(h, g, 2);
    assert_non_null(ix);
    GEOSGeometry *q = GEOSGeom_createRectangle_r(h, 100, 100, 200, 200);
    const GEOSPreparedGeometry *pq = GEOSPrepare_r(h, q);
    double d;
    size_t nearest;
    int count;
    for (int prepared = 0; prepared < 2; prepared++) {
        assert_int_equal(bp_sindex_proximity(ix, q, prepared ? pq : NULL, NULL, 100, &d, &nearest, &count), 0);
        assert_float_equal(d, 0, 0);
        assert_int_equal(nearest, 0);
        assert_int_equal(count, 1); /* the line is 134.35 m away */
    }
    assert_int_equal(bp_sindex_proximity(ix, q, NULL, NULL, 150, &d, &nearest, &count), 0);
    assert_int_equal(count, 2);
    GEOSPreparedGeom_destroy_r(h, pq);
    GEOSGeom_destroy_r(h, q);
    bp_sindex_free(ix);
    GEOSGeom_destroy_r(h, g[0]);
    GEOSGeom_destroy_r(h, g[1]);
}

int main(void)
{
    alarm(20); /* a window that never grows would loop for ever */
    h = GEOS_init_r();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(against_brute_force), cmocka_unit_test(window_queries), cmocka_unit_test(growing_window),
        cmocka_unit_test(ties_and_empty),      cmocka_unit_test(covering_the_origin),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    GEOS_finish_r(h);
    return rc;
}
