/* Unit tests of score/filter.c, the SQL filter sandbox: good filters on
 * attributes, geometry and the computed columns set the flags; writes,
 * ATTACH, PRAGMA, load_extension and SpatiaLite's file functions, text that
 * escapes the expression, and runaway queries are refused with the flags
 * left as they were. */
#include "unit.h"

#include <sys/stat.h>
#include <time.h>

#include "score/score.h"

static bp_crs crs;
static bp_geos g;
static bp_layer plots;
static char dir[512];
static const char *const cats[] = {"supermarkt", "zorg"};

static int setup(void **state)
{
    (void)state;
    unit_reading_begin(&crs, &g);
    unit_tmpdir(dir, sizeof dir, "filter");
    /* an attribute called area_m2 (a computed column wins) and one called geom */
    char features[4096];
    snprintf(features, sizeof features,
             "{\"type\":\"Feature\",\"properties\":{\"eigendom\":\"gemeente\",\"bouwlagen\":3,\"prijs\":100.5,"
             "\"area_m2\":\"x\",\"geom\":\"y\"},\"geometry\":%s},"
             "{\"type\":\"Feature\",\"properties\":{\"eigendom\":\"particulier\",\"bouwlagen\":null,\"prijs\":20.0,"
             "\"area_m2\":\"x\",\"geom\":\"y\"},\"geometry\":%s},"
             "{\"type\":\"Feature\",\"properties\":{\"eigendom\":\"corporatie\",\"bouwlagen\":5,\"prijs\":30.0,"
             "\"area_m2\":\"x\",\"geom\":\"y\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[500,500]}},"
             "{\"type\":\"Feature\",\"properties\":{\"eigendom\":null,\"bouwlagen\":1,\"prijs\":40.0,"
             "\"area_m2\":\"x\",\"geom\":\"y\"},\"geometry\":%s}",
             unit_rect_json(0, 0, 100, 50), unit_rect_json(200, 0, 220, 20), unit_rect_json(1000, 0, 1050, 50));
    unit_geojson("/vsimem/filter/kavels.geojson", "EPSG:28992", features);
    bp_layer_opts lo = {.keep_attrs = 1};
    assert_int_equal(bp_layer_read(&plots, "/vsimem/filter/kavels.geojson", &lo, &crs, &g, NULL, NULL, NULL), BP_OK);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bp_layer_clear(&plots, &g);
    unit_reading_end(&crs, &g, "/vsimem/filter/kavels.geojson");
    unit_rmdir(dir);
    return 0;
}

/* The result of the four plots: ids 1-4, areas from the geometry, two
 * gemeenten, distances and counts (NaN: unreachable). */
static bp_result *result(void)
{
    bp_result *r = unit_result(4, NULL, 2, cats);
    static const double area[] = {5000, 400, 0, 2500};
    for (size_t i = 0; i < 4; i++) {
        r->area[i] = area[i];
        r->flags[i] = i == 2 ? 0 : BP_PLOT_POLYGON;
    }
    assert_int_equal(bp_result_add_gemeente(r, "GM0166", "Kampen", NULL, 0), 0);
    assert_int_equal(bp_result_add_gemeente(r, "GM0193", "Zwolle", NULL, 0), 1);
    const uint32_t gm[] = {1, 1, BP_NO_GEMEENTE, 0};
    memcpy(r->gemeente, gm, sizeof gm);
    const double dist[] = {100, 2000, 900, 50, NAN, 10, 700, NAN};
    const int32_t count[] = {3, 0, 0, 1, 0, 1, 1, 0};
    memcpy(r->dist, dist, sizeof dist);
    memcpy(r->count, count, sizeof count);
    return r;
}

/* Runs filter (stopped after max_steps SQLite steps; 0: the default);
 * returns the plots it keeps as a bit set (1 << i), or -1 when refused
 * (message in msg). */
static int run_steps(const char *filter, long long max_steps, char *msg, size_t size)
{
    bp_result *r = result();
    r->flags[0] |= BP_PLOT_FILTER_FAIL; /* from an earlier run: cleared when it passes */
    unsigned char before[4];
    memcpy(before, r->flags, 4);
    bp_ctx *ctx = bp_ctx_new();
    bp_score_opts so = {.density = 60};
    bp_filter_input in = {.plots = &plots, .r = r, .so = &so, .max_steps = max_steps};
    bp_status st = bp_filter_eval(filter, &in, r, ctx);
    int keep = 0;
    if (st == BP_OK) {
        for (int i = 0; i < 4; i++) {
            keep |= (r->flags[i] & BP_PLOT_FILTER_FAIL) ? 0 : 1 << i;
            assert_int_equal(r->flags[i] & BP_PLOT_POLYGON, before[i] & BP_PLOT_POLYGON);
        }
    } else {
        assert_int_equal(st, BP_ERR_USAGE);
        assert_memory_equal(r->flags, before, 4); /* unaltered */
        keep = -1;
    }
    if (msg) snprintf(msg, size, "%s", bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    bp_result_free(r);
    return keep;
}

static int run(const char *filter, char *msg, size_t size)
{
    return run_steps(filter, 0, msg, size);
}

static void good_filters(void **state)
{
    (void)state;
    static const struct {
        const char *filter;
        int keep;
    } cases[] = {
        {"eigendom IN ('gemeente','corporatie')", 1 | 4},
        {"eigendom <> 'particulier'", 1 | 4}, /* NULL fails */
        {"eigendom IS NULL", 8},
        {"bouwlagen >= 3", 1 | 4},
        {"prijs > 100", 1},
        {"1", 15},
        {"0", 0},
        /* the computed columns */
        {"plot_id = '3'", 4},
        {"area_m2 > 2500", 1}, /* the computed area, not the attribute "x" */
        {"capacity_homes >= 12", 1 | 8},
        {"capacity_homes IS NULL", 4}, /* a point has no capacity */
        {"gemeente_code = 'GM0193'", 1 | 2},
        {"gemeente_code IS NULL", 4},
        {"dist_supermarkt_m < 800 AND n_supermarkt_500m >= 1", 1 | 8},
        {"dist_zorg_m IS NULL", 8},
        {"dist_zorg_m < 100", 2 | 4},
        {"n_zorg_500m = 1", 2 | 4},
        /* the geometry, with SpatiaLite's functions */
        {"ST_Area(geom) > 2500", 1},
        {"GeometryType(geom) = 'POINT'", 4},
        {"ST_Within(geom, BuildMbr(-1, -1, 300, 100))", 1 | 2},
        {"ST_Distance(geom, MakePoint(0, 0)) < 250", 1 | 2},
        {"round(ST_X(ST_Centroid(geom))) = 1025", 8},
        /* ordinary SQL */
        {"lower(eigendom) LIKE 'g%' OR coalesce(bouwlagen, 0) = 0", 1 | 2},
        {"plot_id IN (SELECT plot_id FROM candidates WHERE prijs < 35)", 2 | 4},
        {"1) OR (0", 15}, /* still one expression */
        {"eigendom = 'gemeente' -- a comment\n", 1},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char msg[512];
        int keep = run(cases[i].filter, msg, sizeof msg);
        if (keep != cases[i].keep)
            fail_msg("'%s': kept %d, wanted %d (%s)", cases[i].filter, keep, cases[i].keep, msg);
    }
}

static void refused(void **state)
{
    (void)state;
    char attach[700], attach_sql[800], export_sql[800], blob_sql[800];
    snprintf(attach, sizeof attach, "%s/attached.db", dir);
    snprintf(attach_sql, sizeof attach_sql, "1) ; ATTACH DATABASE '%s' AS x; SELECT (1", attach);
    snprintf(export_sql, sizeof export_sql, "ExportGeoJSON2('candidates', 'geom', '%s/x.geojson') > 0", dir);
    snprintf(blob_sql, sizeof blob_sql, "BlobToFile(geom, '%s/blob.bin') = 1", dir);
    const struct {
        const char *filter, *message;
    } cases[] = {
        /* text that escapes the expression */
        {"1) UNION SELECT rowid FROM candidates WHERE (1", "only one expression is allowed"},
        {"1) GROUP BY (1", "only one expression is allowed"},
        {"1); DELETE FROM candidates; SELECT (1", "only one expression is allowed"},
        {attach_sql, "only one expression is allowed"},
        {"1) ; PRAGMA query_only = 0; SELECT (1", "only one expression is allowed"},
        /* writes are not expressions */
        {"(DELETE FROM candidates) IS NULL", "near \"DELETE\": syntax error"},
        {"(SELECT 1 FROM (INSERT INTO candidates(plot_id) VALUES ('x')))", "near \"INSERT\": syntax error"},
        /* reading only: no ATTACH, no PRAGMA, in any form */
        {"sqlite_compileoption_used('x') = 0 AND (SELECT count(*) FROM pragma_database_list) > 0",
         "only reading is allowed in a filter"},
        {"(SELECT count(*) FROM pragma_table_info('candidates')) > 0", "only reading is allowed in a filter"},
        /* functions that load code or touch files */
        {"load_extension('mod_spatialite') IS NULL", "function load_extension is not allowed in a filter"},
        {"load_extension('/tmp/evil.so', 'entry') IS NULL", "function load_extension is not allowed in a filter"},
        {"ImportSHP('/tmp/x', 'x', 'UTF-8') >= 0", "function importshp is not allowed in a filter"},
        {export_sql, "function exportgeojson2 is not allowed in a filter"},
        {blob_sql, "function blobtofile is not allowed in a filter"},
        {"BlobFromFile('/etc/passwd') IS NOT NULL", "function blobfromfile is not allowed in a filter"},
        {"CreateSpatialIndex('candidates', 'geom') = 1", "function createspatialindex is not allowed in a filter"},
        {"DropTable(NULL, 'candidates') = 1", "function droptable is not allowed in a filter"},
        {"XB_Create('<a/>') IS NULL", "function xb_create is not allowed in a filter"},
        {"ImportDXF('/tmp/x.dxf') = 0", "function importdxf is not allowed in a filter"},
        {"InitSpatialMetaData(1) = 1", "function initspatialmetadata is not allowed in a filter"},
        {"ST_Area(geom) > 0 AND readfile('/etc/passwd') IS NULL", "no such function: readfile"},
        /* plain mistakes, with SQLite's words */
        {"onbekend = 1", "no such column: onbekend"},
        {"eigendom = ", "syntax error"},
        {"eigendom = 'gemeente", "unrecognized token"},
        {"", "syntax error"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char msg[512];
        int keep = run(cases[i].filter, msg, sizeof msg);
        char want[1024];
        snprintf(want, sizeof want, "candidates.filter '%s': ", cases[i].filter);
        if (keep != -1 || strncmp(msg, want, strlen(want)) || !strstr(msg + strlen(want), cases[i].message))
            fail_msg("'%s': kept %d, '%s', wanted '%s%s'", cases[i].filter, keep, msg, want, cases[i].message);
    }
    /* nothing was written */
    struct stat st;
    assert_int_equal(stat(attach, &st), -1);
    assert_int_equal(unit_count_files(dir), 0);
}

static void runaway(void **state)
{
    (void)state;
    /* a recursive CTE that never ends is stopped */
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    char msg[512];
    const char *cte = "plot_id IN (WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) "
                      "SELECT x FROM c WHERE x < 0)";
    int keep = run_steps(cte, 20000000, msg, sizeof msg); /* 2e7 steps: a fraction of a second */
    clock_gettime(CLOCK_MONOTONIC, &t1);
    assert_int_equal(keep, -1);
    unit_assert_contains(msg, "': stopped: the filter takes too long");
    assert_true(bp_seconds(&t0, &t1) < 10);
    /* the same budget lets an ordinary filter through */
    assert_int_equal(run_steps("ST_Area(geom) > 2500 AND eigendom = 'gemeente'", 20000000, msg, sizeof msg), 1);
}

int main(void)
{
    /* SpatiaLite registers its file functions (BlobFromFile, ImportSHP,
       ExportGeoJSON2, ...) only when told to: tell it, so the sandbox must
       refuse them itself */
    setenv("SPATIALITE_SECURITY", "relaxed", 1);
    const struct CMUnitTest tests[] = {cmocka_unit_test(good_filters), cmocka_unit_test(refused),
                                       cmocka_unit_test(runaway)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
