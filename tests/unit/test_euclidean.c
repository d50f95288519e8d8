/* Unit tests of distance/euclidean.c: nearest distances and counts against
 * brute force (GEOSDistance to every facility) on random plots and
 * facilities of every kind, for several thread counts; containment, a
 * category without facilities, progress and its abort. */
#include "unit.h"

#include "distance/distance.h"

static GEOSContextHandle_t h;
static uint64_t rng = 88172645463325252ull;

static void fill(bp_layer *l, size_t n, int kind, double extent, double x0)
{
    memset(l, 0, sizeof *l);
    l->n = n;
    l->geom = calloc(n, sizeof *l->geom);
    for (size_t i = 0; i < n; i++) l->geom[i] = unit_random_geom(h, &rng, kind, x0, 400000, extent);
}

static void clear(bp_layer *l)
{
    for (size_t i = 0; i < l->n; i++) GEOSGeom_destroy_r(h, l->geom[i]);
    free(l->geom);
}

/* Every exact distance from each plot to each facility, category after
 * category: all[i * total + off[c] + k]. */
static double *brute_force(const bp_layer *plots, const bp_layer *fac, size_t ncat, size_t *off, size_t *total)
{
    *total = 0;
    for (size_t c = 0; c < ncat; c++) off[c] = *total, *total += fac[c].n;
    double *all = malloc(plots->n * *total * sizeof *all);
    for (size_t i = 0; i < plots->n; i++)
        for (size_t c = 0; c < ncat; c++)
            for (size_t k = 0; k < fac[c].n; k++)
                assert_int_equal(GEOSDistance_r(h, plots->geom[i], fac[c].geom[k], &all[i * *total + off[c] + k]), 1);
    return all;
}

static void check_against_brute_force(bp_layer *plots, bp_layer *fac, size_t ncat, const double *all,
                                      const size_t *off, size_t total, double radius)
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
                double best = INFINITY;
                int cnt = 0;
                for (size_t k = 0; k < fac[c].n; k++) {
                    double d = all[i * total + off[c] + k];
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
    size_t off[5], total;
    double *all = brute_force(&plots, fac, 5, off, &total);
    check_against_brute_force(&plots, fac, 5, all, off, total, 500);
    check_against_brute_force(&plots, fac, 5, all, off, total, 50);
    free(all);
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

/* A category without facilities: NaN and no count, for every plot. */
static void empty_category(void **state)
{
    (void)state;
    bp_layer plots, fac[2];
    fill(&plots, 10, -1, 1000, 0);
    fill(&fac[0], 0, 0, 1000, 0);
    fill(&fac[1], 5, 0, 1000, 0);
    double dist[20];
    int32_t count[20];
    for (int i = 0; i < 20; i++) count[i] = -1;
    bp_ctx *ctx = bp_ctx_new();
    bp_euclidean_opts eo = {500, 2};
    assert_int_equal(bp_euclidean_distances(&eo, plots.geom, 10, fac, 2, dist, count, NULL, NULL, ctx), BP_OK);
    for (int i = 0; i < 10; i++) {
        assert_true(isnan(dist[2 * i]));
        assert_int_equal(count[2 * i], 0);
        assert_false(isnan(dist[2 * i + 1]));
    }
    bp_ctx_free(ctx);
    clear(&plots);
    clear(&fac[0]);
    clear(&fac[1]);
}

typedef struct {
    int calls, stop_at;
    double last;
} progress_state;

static int CPL_STDCALL progress(double done, const char *msg, void *ud)
{
    (void)msg;
    progress_state *p = ud;
    p->calls++;
    p->last = done;
    return p->calls != p->stop_at;
}

static void progress_and_abort(void **state)
{
    (void)state;
    bp_layer plots, fac;
    fill(&plots, 1000, 0, 5000, 0); /* 4 chunks of 256 plots */
    fill(&fac, 20, 0, 5000, 0);
    double *dist = malloc(1000 * sizeof *dist);
    int32_t *count = malloc(1000 * sizeof *count);
    bp_ctx *ctx = bp_ctx_new();
    bp_euclidean_opts one = {500, 1};
    progress_state p = {0, -1, 0};
    assert_int_equal(bp_euclidean_distances(&one, plots.geom, 1000, &fac, 1, dist, count, progress, &p, ctx), BP_OK);
    assert_int_equal(p.calls, 4);
    assert_float_equal(p.last, 1.0, 0);
    /* stop after the first chunk */
    progress_state stop = {0, 1, 0};
    unit_expect_error(ctx, bp_euclidean_distances(&one, plots.geom, 1000, &fac, 1, dist, count, progress, &stop, ctx),
                      BP_ERR_ABORTED, "interrupted");
    assert_int_equal(stop.calls, 1);
    bp_ctx_free(ctx);
    free(dist);
    free(count);
    clear(&plots);
    clear(&fac);
}

int main(void)
{
    h = GEOS_init_r();
    const struct CMUnitTest tests[] = {cmocka_unit_test(random_layers),  cmocka_unit_test(containment_is_zero),
                                       cmocka_unit_test(index_over_origin), cmocka_unit_test(empty_category),
                                       cmocka_unit_test(progress_and_abort)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    GEOS_finish_r(h);
    return rc;
}
