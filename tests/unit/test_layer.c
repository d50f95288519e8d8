/* Unit tests of input/layer.c: source specs, opening (missing files,
 * layers and fields named with what exists), reading with reprojection,
 * repair, skipped features, curves, where filters and names, counts and
 * run_info rows. */
#include "unit.h"

#include <cpl_error.h>


static bp_crs crs;
static bp_geos g;

static int setup(void **state)
{
    (void)state;
    unit_reading_begin(&crs, &g);
    /* a GeoPackage with two layers */
    GDALDatasetH ds = unit_gpkg_create("/vsimem/layer/multi.gpkg");
    static const char *const a[] = {
        "POLYGON((0 0,100 0,100 50,0 50,0 0));gemeente;Eerste;1",
        "POLYGON((0 0,10 10,10 0,0 10,0 0));gemeente;Strik;2",     /* a bowtie: invalid */
        ";corporatie;Zonder geometrie;3",                            /* no geometry */
        "POLYGON EMPTY;particulier;Leeg;4",                          /* an empty one */
        "CURVEPOLYGON(CIRCULARSTRING(-10 200,10 200,-10 200));gemeente;Rond;5", /* a circle, r = 10 */
        "POLYGON((0 0,10 0,10 10,0 10,0 0));particulier;;6",         /* no name */
    };
    unit_layer(ds, "kavels", 28992, wkbUnknown, "eigendom:s,naam:s,nummer:i", a, 6);
    static const char *const b[] = {"POINT(1 2);x"};
    unit_layer(ds, "punten", 28992, wkbPoint, "Name:s", b, 1);
    static const char *const c[] = {"POINT(5.387206 52.155174);a", "POINT(95 95);b"};
    unit_layer(ds, "wgs84", 4326, wkbPoint, "NAAM:s", c, 2);
    unit_layer(ds, "leeg", 28992, wkbPoint, "x:s", NULL, 0);
    GDALClose(ds);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_reading_end(&crs, &g, "/vsimem/layer/multi.gpkg");
    return 0;
}

static void source_specs(void **state)
{
    (void)state;
    bp_source s;
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_source_parse("kavels.gpkg", &s, ctx), BP_OK);
    assert_string_equal(s.path, "kavels.gpkg");
    assert_null(s.layer);
    bp_source_clear(&s);
    assert_int_equal(bp_source_parse("a b.gpkg|layername=Kavels 2024", &s, ctx), BP_OK);
    assert_string_equal(s.path, "a b.gpkg");
    assert_string_equal(s.layer, "Kavels 2024");
    bp_source_clear(&s);
    assert_int_equal(bp_source_parse("x.gpkg|LayerName=a|layername=b", &s, ctx), BP_OK);
    assert_string_equal(s.layer, "b"); /* the last one */
    bp_source_clear(&s);
    assert_int_equal(bp_source_parse("PG:dbname=gis host=db|layername=public.kavels", &s, ctx), BP_OK);
    assert_string_equal(s.path, "PG:dbname=gis host=db");
    assert_string_equal(s.layer, "public.kavels");
    bp_source_clear(&s);
    bp_source_clear(&s); /* twice */
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    unit_expect_error(ctx, bp_source_parse("x.gpkg|geometrytype=Polygon", &s, ctx), BP_ERR_USAGE,
                      "x.gpkg: unknown option 'geometrytype=Polygon' after '|' (use |layername=NAME)");
    assert_null(s.path);
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, bp_source_parse("x.gpkg|layername=", &s, ctx), BP_ERR_USAGE, "unknown option 'layername='");
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, bp_source_parse("", &s, ctx), BP_ERR_USAGE, "empty data source name");
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, bp_source_parse(NULL, &s, ctx), BP_ERR_USAGE, "empty data source name");
    bp_ctx_free(ctx);
}

static bp_status open_spec(const char *spec, bp_ctx *ctx)
{
    bp_source s;
    GDALDatasetH ds = (GDALDatasetH)1;
    OGRLayerH l = (OGRLayerH)1;
    bp_status st = bp_source_parse(spec, &s, ctx);
    if (st == BP_OK) st = bp_source_open(&s, &ds, &l, ctx);
    if (st == BP_OK) {
        assert_non_null(ds);
        GDALClose(ds);
    } else {
        assert_null(ds);
        assert_null(l);
    }
    bp_source_clear(&s);
    return st;
}

static void opening(void **state)
{
    (void)state;
    char dir[512], path[600], spec[700];
    unit_tmpdir(dir, sizeof dir, "layer");
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(open_spec("/vsimem/layer/multi.gpkg|layername=punten", ctx), BP_OK);
    /* several layers and none picked: the names, and how to pick */
    unit_expect_error(ctx, open_spec("/vsimem/layer/multi.gpkg", ctx), BP_ERR_USAGE,
                      "/vsimem/layer/multi.gpkg: has 4 layers (kavels, punten, wgs84, leeg); pick one with "
                      "'/vsimem/layer/multi.gpkg|layername=NAME'");
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, open_spec("/vsimem/layer/multi.gpkg|layername=percelen", ctx), BP_ERR_USAGE,
                      "/vsimem/layer/multi.gpkg: no layer 'percelen' (layers: kavels, punten, wgs84, leeg)");
    bp_ctx_clear(ctx);
    /* a file that is not there */
    snprintf(path, sizeof path, "%s/weg.gpkg", dir);
    unit_expect_error(ctx, open_spec(path, ctx), BP_ERR_USAGE, "weg.gpkg: No such file or directory");
    bp_ctx_clear(ctx);
    /* a file that is there but no data: its contents are at fault */
    snprintf(path, sizeof path, "%s/tekst.gpkg", dir);
    unit_put(path, "dit is geen GeoPackage\n");
    unit_expect_error(ctx, open_spec(path, ctx), BP_ERR_DATA, "tekst.gpkg: not a vector data source GDAL can read");
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, open_spec("/vsimem/layer/nothing.geojson", ctx), BP_ERR_DATA,
                      "/vsimem/layer/nothing.geojson: not a vector data source GDAL can read");
    bp_ctx_clear(ctx);
    /* a data source without layers */
    snprintf(path, sizeof path, "%s/leeg.gpkg", dir);
    GDALClose(unit_gpkg_create(path));
    snprintf(spec, sizeof spec, "%s", path);
    bp_status st = open_spec(spec, ctx);
    assert_true(st == BP_ERR_DATA);
    unit_assert_contains(bp_ctx_errmsg(ctx), "leeg.gpkg");
    bp_ctx_free(ctx);
    unit_rmdir(dir);
}

static double area(const GEOSGeometry *geom)
{
    double a = -1;
    assert_int_equal(GEOSArea_r(g.h, geom, &a), 1);
    return a;
}

static void reading(void **state)
{
    (void)state;
    bp_layer l;
    bp_ctx *ctx = bp_ctx_new();
    bp_layer_opts o = {.guess_name = 1, .keep_attrs = 1};
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=kavels", &o, &crs, &g, NULL, NULL, ctx),
                     BP_OK);
    assert_string_equal(l.what, "/vsimem/layer/multi.gpkg, layer kavels");
    /* 6 read; the one without geometry and the empty one skipped */
    assert_int_equal(l.n_read, 6);
    assert_int_equal(l.n, 4);
    assert_int_equal(l.n_skipped, 2);
    assert_int_equal(l.n_repaired, 1);
    assert_int_equal(l.max_dim, 2);
    int64_t fids[] = {1, 2, 5, 6};
    for (size_t i = 0; i < 4; i++) {
        assert_int_equal(l.fid[i], fids[i]);
        assert_int_equal(GEOSisValid_r(g.h, l.geom[i]), 1);
        assert_int_equal(GEOSGeom_getDimensions_r(g.h, l.geom[i]), 2);
    }
    assert_float_equal(area(l.geom[0]), 5000, 1e-9);
    /* the bowtie, repaired into its two triangles, still an area */
    assert_float_equal(area(l.geom[1]), 50, 1e-9);
    assert_int_equal(GEOSGeomTypeId_r(g.h, l.geom[1]), GEOS_MULTIPOLYGON);
    /* the circle, linearised */
    assert_int_equal(GEOSGeomTypeId_r(g.h, l.geom[2]), GEOS_POLYGON);
    assert_float_equal(area(l.geom[2]), M_PI * 100, M_PI * 100 * 0.01);
    assert_true(GEOSGetNumCoordinates_r(g.h, l.geom[2]) > 16);
    /* names guessed from 'naam'; a NULL name stays NULL */
    assert_non_null(l.names);
    assert_string_equal(l.names[0], "Eerste");
    assert_string_equal(l.names[2], "Rond");
    assert_null(l.names[3]);
    /* attributes kept, without their geometry */
    assert_non_null(l.feat);
    assert_non_null(l.defn);
    assert_int_equal(OGR_FD_GetFieldCount(l.defn), 3);
    assert_string_equal(OGR_F_GetFieldAsString(l.feat[1], 0), "gemeente");
    assert_int_equal(OGR_F_GetFieldAsInteger(l.feat[3], 2), 6);
    assert_null(OGR_F_GetGeometryRef(l.feat[0]));
    /* run_info rows and the warning */
    bp_kv kv = {0};
    bp_layer_info(&l, "candidates", "kavels.gpkg", &kv);
    assert_int_equal(kv.n, 6);
    assert_string_equal(bp_kv_get(&kv, "input.candidates.source"), "kavels.gpkg");
    assert_string_equal(bp_kv_get(&kv, "input.candidates.skipped_degenerate"), "0");
    assert_string_equal(bp_kv_get(&kv, "input.candidates.features_read"), "6");
    assert_string_equal(bp_kv_get(&kv, "input.candidates.features_used"), "4");
    assert_string_equal(bp_kv_get(&kv, "input.candidates.repaired"), "1");
    assert_string_equal(bp_kv_get(&kv, "input.candidates.skipped_without_geometry"), "2");
    bp_kv_clear(&kv);
    bp_layer_report(&l, ctx);
    assert_int_equal(bp_ctx_warning_count(ctx), 1);
    assert_string_equal(bp_ctx_warning(ctx, 0), "/vsimem/layer/multi.gpkg, layer kavels: 1 invalid geometry repaired, "
                                                "2 features without geometry skipped");
    l.n_repaired = 3, l.n_skipped = 1;
    bp_layer_report(&l, ctx);
    unit_assert_contains(bp_ctx_warning(ctx, 1), ": 3 invalid geometries repaired, 1 feature without geometry skipped");
    l.n_repaired = 0, l.n_skipped = 0;
    bp_layer_report(&l, ctx);
    assert_int_equal(bp_ctx_warning_count(ctx), 2); /* nothing to say */
    bp_layer_clear(&l, &g);
    assert_null(l.geom);
    assert_int_equal(l.n, 0);
    bp_layer_clear(&l, &g); /* twice */
    /* without attributes or names */
    bp_layer_opts plain = {0};
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=kavels", &plain, &crs, &g, NULL, NULL, ctx),
                     BP_OK);
    assert_null(l.feat);
    assert_null(l.defn);
    assert_null(l.names);
    bp_layer_clear(&l, &g);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    bp_ctx_free(ctx);
}

static void names(void **state)
{
    (void)state;
    bp_layer l;
    bp_ctx *ctx = bp_ctx_new();
    /* other spellings of name/naam */
    bp_layer_opts o = {.guess_name = 1};
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=punten", &o, &crs, &g, NULL, NULL, ctx), BP_OK);
    assert_string_equal(l.names[0], "x");
    assert_int_equal(l.max_dim, 0);
    bp_layer_clear(&l, &g);
    /* an explicit field */
    bp_layer_opts e = {.name_field = "eigendom"};
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=kavels", &e, &crs, &g, NULL, NULL, ctx), BP_OK);
    assert_string_equal(l.names[3], "particulier");
    bp_layer_clear(&l, &g);
    /* no such field: named, with the layer */
    bp_layer_opts m = {.name_field = "naam2", .guess_name = 1};
    unit_expect_error(ctx, bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=kavels", &m, &crs, &g, NULL, NULL, ctx),
                      BP_ERR_USAGE, "/vsimem/layer/multi.gpkg, layer kavels: no field 'naam2'");
    assert_null(l.geom);
    assert_null(l.what);
    bp_ctx_clear(ctx);
    /* nothing to guess from */
    unit_geojson("/vsimem/layer/nonames.geojson", "EPSG:28992",
                 "{\"type\":\"Feature\",\"properties\":{\"soort\":\"a\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1,2]}}");
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/nonames.geojson", &o, &crs, &g, NULL, NULL, ctx), BP_OK);
    assert_null(l.names);
    bp_layer_clear(&l, &g);
    VSIUnlink("/vsimem/layer/nonames.geojson");
    bp_ctx_free(ctx);
}

static void where_filters(void **state)
{
    (void)state;
    bp_layer l;
    bp_ctx *ctx = bp_ctx_new();
    bp_layer_opts o = {.where = "eigendom = 'gemeente'"};
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=kavels", &o, &crs, &g, NULL, NULL, ctx), BP_OK);
    assert_int_equal(l.n_read, 3);
    assert_int_equal(l.n, 3);
    assert_int_equal(l.fid[2], 5);
    bp_layer_clear(&l, &g);
    bp_layer_opts none = {.where = "nummer > 100"};
    unit_expect_error(ctx, bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=kavels", &none, &crs, &g, NULL, NULL, ctx),
                      BP_ERR_DATA, "/vsimem/layer/multi.gpkg, layer kavels: no features with geometry match the where filter");
    bp_ctx_clear(ctx);
    static const char *const bad[] = {"onbekend = 1", "eigendom = ", "eigendom = 'a"};
    for (size_t i = 0; i < 3; i++) {
        bp_layer_opts b = {.where = bad[i]};
        char want[200];
        snprintf(want, sizeof want, "/vsimem/layer/multi.gpkg, layer kavels: bad where filter '%s': ", bad[i]);
        unit_expect_error(ctx, bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=kavels", &b, &crs, &g, NULL, NULL, ctx),
                          BP_ERR_USAGE, want);
        assert_true(strlen(bp_ctx_errmsg(ctx)) > strlen(want)); /* with GDAL's reason */
        bp_ctx_clear(ctx);
    }
    /* an empty where is no filter */
    bp_layer_opts empty = {.where = ""};
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=kavels", &empty, &crs, &g, NULL, NULL, ctx), BP_OK);
    assert_int_equal(l.n, 4);
    bp_layer_clear(&l, &g);
    bp_ctx_free(ctx);
}

static void reprojection(void **state)
{
    (void)state;
    bp_layer l;
    bp_ctx *ctx = bp_ctx_new();
    bp_layer_opts o = {0};
    /* GeoJSON is WGS84, lon/lat, and 3D here: the point comes out in RD, 2D */
    unit_geojson("/vsimem/layer/wgs.geojson", NULL,
                 "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[5.387206,52.155174,12.5]}}");
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/wgs.geojson", &o, &crs, &g, NULL, NULL, ctx), BP_OK);
    double x, y;
    GEOSGeomGetX_r(g.h, l.geom[0], &x);
    GEOSGeomGetY_r(g.h, l.geom[0], &y);
    assert_float_equal(x, 155000, 1.5);
    assert_float_equal(y, 463000, 1.5);
    assert_int_equal(GEOSHasZ_r(g.h, l.geom[0]), 0);
    bp_layer_clear(&l, &g);
    VSIUnlink("/vsimem/layer/wgs.geojson");
    /* a point outside the CRS's area cannot be transformed: named */
    unit_expect_error(ctx, bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=wgs84", &o, &crs, &g, NULL, NULL, ctx),
                      BP_ERR_DATA, "/vsimem/layer/multi.gpkg, layer wgs84: feature 2 cannot be transformed to EPSG:28992");
    bp_ctx_clear(ctx);
    /* a layer without a CRS: refused, unless one is assumed */
    unit_put("/vsimem/layer/nocrs.csv", "id,WKT\n1,\"POINT (155000 463000)\"\n");
    unit_expect_error(ctx, bp_layer_read(&l, "/vsimem/layer/nocrs.csv", &o, &crs, &g, NULL, NULL, ctx), BP_ERR_USAGE,
                      "/vsimem/layer/nocrs.csv, layer nocrs: the layer has no CRS; give it one, or pass --assume-crs EPSG:n");
    bp_ctx_clear(ctx);
    bp_crs assumed;
    assert_int_equal(bp_crs_init(&assumed, NULL, "EPSG:28992", ctx), BP_OK);
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/nocrs.csv", &o, &assumed, &g, NULL, NULL, ctx), BP_OK);
    GEOSGeomGetX_r(g.h, l.geom[0], &x);
    assert_float_equal(x, 155000, 0);
    bp_layer_clear(&l, &g);
    bp_crs_clear(&assumed);
    VSIUnlink("/vsimem/layer/nocrs.csv");
    bp_ctx_free(ctx);
}

static void empty_layers(void **state)
{
    (void)state;
    bp_layer l;
    bp_ctx *ctx = bp_ctx_new();
    bp_layer_opts o = {0};
    unit_expect_error(ctx, bp_layer_read(&l, "/vsimem/layer/multi.gpkg|layername=leeg", &o, &crs, &g, NULL, NULL, ctx),
                      BP_ERR_DATA, "/vsimem/layer/multi.gpkg, layer leeg: no features with geometry");
    assert_null(l.what);
    bp_ctx_clear(ctx);
    /* features, none with geometry */
    unit_geojson("/vsimem/layer/nogeom.geojson", "EPSG:28992",
                 "{\"type\":\"Feature\",\"properties\":{\"a\":1},\"geometry\":null}");
    unit_expect_error(ctx, bp_layer_read(&l, "/vsimem/layer/nogeom.geojson", &o, &crs, &g, NULL, NULL, ctx), BP_ERR_DATA,
                      "no features with geometry");
    VSIUnlink("/vsimem/layer/nogeom.geojson");
    bp_ctx_free(ctx);
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
    /* 2100 points: progress every 1024 features and at the end */
    size_t cap = 2100 * 100;
    char *features = malloc(cap);
    features[0] = '\0';
    for (int i = 0; i < 2100; i++) {
        size_t o = strlen(features);
        snprintf(features + o, cap - o, "%s{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\","
                                        "\"coordinates\":[%d,%d]}}", i ? "," : "", 1000 + i, 2000 + i);
    }
    unit_geojson("/vsimem/layer/many.geojson", "EPSG:28992", features);
    free(features);
    bp_layer l;
    bp_ctx *ctx = bp_ctx_new();
    bp_layer_opts o = {0};
    progress_state p = {0, -1, 0};
    assert_int_equal(bp_layer_read(&l, "/vsimem/layer/many.geojson", &o, &crs, &g, progress, &p, ctx), BP_OK);
    assert_int_equal(l.n, 2100);
    assert_int_equal(p.calls, 3);
    assert_float_equal(p.last, 1.0, 0);
    bp_layer_clear(&l, &g);
    /* a progress function that says stop */
    progress_state stop = {0, 2, 0};
    unit_expect_error(ctx, bp_layer_read(&l, "/vsimem/layer/many.geojson", &o, &crs, &g, progress, &stop, ctx),
                      BP_ERR_ABORTED, "interrupted");
    assert_int_equal(stop.calls, 2);
    assert_float_equal(stop.last, 2048.0 / 2100.0, 1e-12);
    assert_null(l.geom);
    assert_int_equal(l.n, 0);
    VSIUnlink("/vsimem/layer/many.geojson");
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(source_specs), cmocka_unit_test(opening),      cmocka_unit_test(reading),
        cmocka_unit_test(names),        cmocka_unit_test(where_filters), cmocka_unit_test(reprojection),
        cmocka_unit_test(empty_layers), cmocka_unit_test(progress_and_abort),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
