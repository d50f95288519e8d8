/* Unit tests of output/rtree.c, the packed GeoPackage spatial index: for
 * layers of 0, 1, 51, 52, 2,601 and 2,602 boxes (a root that is a leaf, one
 * and two levels above the leaves) SQLite's rtreecheck() accepts the tree,
 * window queries on it return exactly what a scan returns, GDAL sees and
 * uses the index, edits through GDAL keep it right (the triggers), and the
 * triggers and gpkg_extensions row are the ones GDAL writes itself. */
#include "unit.h"

#include <sqlite3.h>

#include "output/output.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    unit_tmpdir(dir, sizeof dir, "rtree");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_rmdir(dir);
    return 0;
}

/* Box k of a layer: random, on a 0.5 m grid (exact in floats), some of
 * them points, over 100 km. */
static void box_of(uint64_t *rng, double *b)
{
    double x = floor(unit_rnd(rng) * 200000) / 2, y = 300000 + floor(unit_rnd(rng) * 200000) / 2;
    double w = unit_rnd(rng) < 0.2 ? 0 : floor(unit_rnd(rng) * 400) / 2;
    double h = w == 0 ? 0 : floor(unit_rnd(rng) * 400) / 2;
    b[0] = x, b[1] = x + w, b[2] = y, b[3] = y + h;
}

static OGRGeometryH geometry_of(const double *b)
{
    OGRGeometryH g;
    if (b[0] == b[1]) {
        g = OGR_G_CreateGeometry(wkbPoint);
        OGR_G_SetPoint_2D(g, 0, b[0], b[2]);
        return g;
    }
    g = OGR_G_CreateGeometry(wkbPolygon);
    OGRGeometryH ring = OGR_G_CreateGeometry(wkbLinearRing);
    OGR_G_AddPoint_2D(ring, b[0], b[2]);
    OGR_G_AddPoint_2D(ring, b[1], b[2]);
    OGR_G_AddPoint_2D(ring, b[1], b[3]);
    OGR_G_AddPoint_2D(ring, b[0], b[3]);
    OGR_G_AddPoint_2D(ring, b[0], b[2]);
    OGR_G_AddGeometryDirectly(g, ring);
    return g;
}

/* Writes a GeoPackage of n features (every 7th without geometry) in layer
 * "kavels"; own = 1: without GDAL's index, then the packed one built;
 * else GDAL's index.  boxes gets each feature's box (NaN without one). */
static void make_layer(const char *path, size_t n, int own, double *boxes)
{
    GDALDatasetH ds = unit_gpkg_create(path);
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(srs, 28992);
    const char *opts[] = {"FID=fid", "GEOMETRY_NAME=geom", own ? "SPATIAL_INDEX=NO" : "SPATIAL_INDEX=YES", NULL};
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, "kavels", srs, wkbUnknown, (char **)opts);
    assert_non_null(lyr);
    OSRDestroySpatialReference(srs);
    bp_rtree t;
    bp_rtree_init(&t);
    uint64_t rng = 0x9e3779b97f4a7c15ull + n;
    GDALDatasetStartTransaction(ds, FALSE);
    for (size_t k = 0; k < n; k++) {
        double *b = boxes + 4 * k;
        box_of(&rng, b);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        if (k % 7 == 3) {
            b[0] = b[1] = b[2] = b[3] = NAN;
        } else {
            OGR_F_SetGeometryDirectly(f, geometry_of(b));
        }
        assert_int_equal(OGR_L_CreateFeature(lyr, f), OGRERR_NONE);
        if (own && k % 7 != 3) assert_int_equal(bp_rtree_add(&t, OGR_F_GetFID(f), b[0], b[1], b[2], b[3]), 0);
        OGR_F_Destroy(f);
    }
    assert_int_equal(GDALDatasetCommitTransaction(ds), OGRERR_NONE);
    GDALClose(ds);
    if (own) {
        sqlite3 *db;
        assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
        assert_int_equal(sqlite3_exec(db, "BEGIN", NULL, NULL, NULL), SQLITE_OK);
        bp_ctx *ctx = bp_ctx_new();
        bp_status st = bp_rtree_build(db, "kavels", "geom", "fid", &t, path, ctx);
        if (st != BP_OK) fprintf(stderr, "%s\n", bp_ctx_errmsg(ctx));
        assert_int_equal(st, BP_OK);
        bp_ctx_free(ctx);
        assert_int_equal(sqlite3_exec(db, "COMMIT", NULL, NULL, NULL), SQLITE_OK);
        sqlite3_close(db);
    }
    bp_rtree_clear(&t);
}

static char *text_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    while (sqlite3_step(s) == SQLITE_ROW)
        for (int c = 0; c < sqlite3_column_count(s); c++)
            fprintf(m, "%s%s", sqlite3_column_text(s, c) ? (const char *)sqlite3_column_text(s, c) : "NULL",
                    c + 1 < sqlite3_column_count(s) ? "|" : "\n");
    sqlite3_finalize(s);
    fclose(m);
    return out;
}

static int64_t int_of(sqlite3 *db, const char *sql)
{
    sqlite3_stmt *s;
    assert_int_equal(sqlite3_prepare_v2(db, sql, -1, &s, NULL), SQLITE_OK);
    assert_int_equal(sqlite3_step(s), SQLITE_ROW);
    int64_t v = sqlite3_column_int64(s, 0);
    sqlite3_finalize(s);
    return v;
}

/* The tree is sound and answers window queries exactly as a scan does. */
static void check_tree(const char *path, size_t n, const double *boxes)
{
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *ok = text_of(db, "SELECT rtreecheck('rtree_kavels_geom')");
    assert_string_equal(ok, "ok\n");
    free(ok);
    size_t with = 0;
    for (size_t k = 0; k < n; k++) with += !isnan(boxes[4 * k]);
    assert_int_equal(int_of(db, "SELECT count(*) FROM rtree_kavels_geom"), (int64_t)with);
    /* depth of the root: 0 up to 51 boxes, 1 up to 51², then 2 */
    int64_t root_is_leaf = int_of(db, "SELECT hex(substr(data, 1, 2)) = '0000' FROM rtree_kavels_geom_node WHERE nodeno = 1");
    if (with <= 51) assert_true(root_is_leaf == 1);
    else assert_true(root_is_leaf == 0);
    sqlite3_stmt *q;
    assert_int_equal(sqlite3_prepare_v2(db,
                                        "SELECT id FROM rtree_kavels_geom WHERE minx <= ?2 AND maxx >= ?1 AND "
                                        "miny <= ?4 AND maxy >= ?3 ORDER BY id",
                                        -1, &q, NULL),
                     SQLITE_OK);
    uint64_t rng = 42;
    for (int w = 0; w < 60; w++) {
        double x0 = floor(unit_rnd(&rng) * 200000) / 2 + 0.25, y0 = 300000 + floor(unit_rnd(&rng) * 200000) / 2 + 0.25;
        double size = w < 30 ? 5000 : 500;
        sqlite3_bind_double(q, 1, x0);
        sqlite3_bind_double(q, 2, x0 + size);
        sqlite3_bind_double(q, 3, y0);
        sqlite3_bind_double(q, 4, y0 + size);
        size_t k = 0, got = 0, want = 0;
        int rc;
        while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
            int64_t id = sqlite3_column_int64(q, 0);
            got++;
            /* the scan's next hit must be this id (fids are 1..n) */
            for (; k < n; k++) {
                const double *b = boxes + 4 * k;
                if (!isnan(b[0]) && b[0] <= x0 + size && b[1] >= x0 && b[2] <= y0 + size && b[3] >= y0) break;
            }
            assert_true(k < n);
            assert_int_equal(id, (int64_t)k + 1);
            k++;
        }
        assert_int_equal(rc, SQLITE_DONE);
        for (size_t j = 0; j < n; j++) {
            const double *b = boxes + 4 * j;
            want += !isnan(b[0]) && b[0] <= x0 + size && b[1] >= x0 && b[2] <= y0 + size && b[3] >= y0;
        }
        assert_int_equal(got, want);
        sqlite3_reset(q);
    }
    sqlite3_finalize(q);
    sqlite3_close(db);
}

static void test_sizes(void **state)
{
    (void)state;
    static const size_t sizes[] = {0, 1, 51, 52, 2601, 2602, 20000};
    for (size_t s = 0; s < sizeof sizes / sizeof *sizes; s++) {
        char path[600];
        snprintf(path, sizeof path, "%s/own_%zu.gpkg", dir, sizes[s]);
        size_t n = sizes[s] + sizes[s] / 6; /* every 7th has no geometry */
        double *boxes = malloc((n ? n : 1) * 4 * sizeof *boxes);
        make_layer(path, n, 1, boxes);
        check_tree(path, n, boxes);
        free(boxes);
    }
}

/* GDAL sees the index, uses it for a spatial filter, and keeps it right
 * through edits (inserts, moves, deletes run the triggers). */
static void test_gdal_uses_and_keeps_it(void **state)
{
    (void)state;
    char path[600];
    snprintf(path, sizeof path, "%s/edit.gpkg", dir);
    size_t n = 3000;
    double *boxes = malloc(n * 4 * sizeof *boxes);
    make_layer(path, n, 1, boxes);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
    assert_non_null(ds);
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "kavels");
    assert_true(OGR_L_TestCapability(lyr, OLCFastSpatialFilter));
    OGR_L_SetSpatialFilterRect(lyr, 0, 300000, 20000, 320000);
    GIntBig want = 0;
    for (size_t k = 0; k < n; k++) {
        const double *b = boxes + 4 * k;
        want += !isnan(b[0]) && b[0] <= 20000 && b[1] >= 0 && b[2] <= 320000 && b[3] >= 300000;
    }
    assert_true(want > 0);
    assert_int_equal(OGR_L_GetFeatureCount(lyr, TRUE), want);
    OGR_L_SetSpatialFilter(lyr, NULL);
    /* move feature 1 far away, delete feature 2, add one */
    OGRFeatureH f = OGR_L_GetFeature(lyr, 1);
    double far[4] = {250000, 250010, 600000, 600010};
    OGR_F_SetGeometryDirectly(f, geometry_of(far));
    assert_int_equal(OGR_L_SetFeature(lyr, f), OGRERR_NONE);
    OGR_F_Destroy(f);
    assert_int_equal(OGR_L_DeleteFeature(lyr, 2), OGRERR_NONE);
    f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
    double added[4] = {-1000, -990, 200000, 200010};
    OGR_F_SetGeometryDirectly(f, geometry_of(added));
    assert_int_equal(OGR_L_CreateFeature(lyr, f), OGRERR_NONE);
    GIntBig new_fid = OGR_F_GetFID(f);
    OGR_F_Destroy(f);
    GDALClose(ds);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *ok = text_of(db, "SELECT rtreecheck('rtree_kavels_geom')");
    assert_string_equal(ok, "ok\n");
    free(ok);
    assert_int_equal(int_of(db, "SELECT count(*) FROM rtree_kavels_geom WHERE id = 2"), 0);
    assert_int_equal(int_of(db, "SELECT count(*) FROM rtree_kavels_geom WHERE minx >= 249999 AND id = 1"), 1);
    char sql[200];
    snprintf(sql, sizeof sql, "SELECT count(*) FROM rtree_kavels_geom WHERE maxx <= -989 AND id = %lld",
             (long long)new_fid);
    assert_int_equal(int_of(db, sql), 1);
    sqlite3_close(db);
    free(boxes);
}

/* The triggers and the extension row are GDAL's own, word for word. */
static void test_same_as_gdal(void **state)
{
    (void)state;
    char own[600], gdal[600];
    snprintf(own, sizeof own, "%s/same_own.gpkg", dir);
    snprintf(gdal, sizeof gdal, "%s/same_gdal.gpkg", dir);
    double boxes[4 * 10];
    make_layer(own, 10, 1, boxes);
    make_layer(gdal, 10, 0, boxes);
    const char *sql[] = {
        "SELECT type, name, tbl_name, sql FROM sqlite_master WHERE name LIKE 'rtree%' ORDER BY name",
        "SELECT * FROM gpkg_extensions ORDER BY table_name, extension_name",
        "SELECT * FROM rtree_kavels_geom ORDER BY id",
    };
    for (size_t k = 0; k < sizeof sql / sizeof *sql; k++) {
        sqlite3 *a, *b;
        assert_int_equal(sqlite3_open(own, &a), SQLITE_OK);
        assert_int_equal(sqlite3_open(gdal, &b), SQLITE_OK);
        char *ta = text_of(a, sql[k]), *tb = text_of(b, sql[k]);
        assert_string_equal(ta, tb);
        assert_true(strlen(ta) > 0);
        free(ta);
        free(tb);
        sqlite3_close(a);
        sqlite3_close(b);
    }
}

/* Boxes are rounded outwards to floats. */
static void test_rounding(void **state)
{
    (void)state;
    bp_rtree t;
    bp_rtree_init(&t);
    assert_int_equal(bp_rtree_add(&t, 1, 155000.1, 155000.3, 463000.7, 463000.9), 0);
    assert_true((double)t.box[0] <= 155000.1 && (double)t.box[1] >= 155000.3);
    assert_true((double)t.box[2] <= 463000.7 && (double)t.box[3] >= 463000.9);
    assert_true(155000.1 - t.box[0] < 0.02 && t.box[1] - 155000.3 < 0.02);
    /* empty and NaN boxes are left out */
    assert_int_equal(bp_rtree_add(&t, 2, 1, 0, 0, 1), 0);
    assert_int_equal(bp_rtree_add(&t, 3, NAN, 1, 0, 1), 0);
    assert_int_equal(t.n, 1);
    bp_rtree_clear(&t);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_sizes),
        cmocka_unit_test(test_gdal_uses_and_keeps_it),
        cmocka_unit_test(test_same_as_gdal),
        cmocka_unit_test(test_rounding),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
