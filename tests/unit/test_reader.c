/* Unit tests of output/reader.c: the memory plot reader, its layer
 * geometry type and the plots it hands to the writer; the reader over the
 * candidates of an earlier output (rescore). */
#include "unit.h"

#include "output/output.h"

static bp_geos g;

static bp_layer layer_of(const char *const *wkts, size_t n)
{
    bp_layer l;
    memset(&l, 0, sizeof l);
    l.n = n;
    l.what = bp_strdup("kavels");
    l.geom = calloc(n, sizeof *l.geom);
    for (size_t i = 0; i < n; i++) l.geom[i] = GEOSGeomFromWKT_r(g.h, wkts[i]);
    return l;
}

static void geometry_types(void **state)
{
    (void)state;
    static const struct {
        const char *wkt[3];
        size_t n;
        OGRwkbGeometryType type;
    } cases[] = {
        {{"POLYGON((0 0,1 0,1 1,0 0))", "MULTIPOLYGON(((0 0,1 0,1 1,0 0)))"}, 2, wkbMultiPolygon},
        {{"LINESTRING(0 0,1 1)", "MULTILINESTRING((0 0,1 1))"}, 2, wkbMultiLineString},
        {{"POINT(0 0)", "POINT(1 1)"}, 2, wkbPoint},
        {{"POINT(0 0)", "MULTIPOINT((1 1),(2 2))"}, 2, wkbMultiPoint},
        {{"POINT(0 0)", "POLYGON((0 0,1 0,1 1,0 0))"}, 2, wkbUnknown},
        {{"LINESTRING(0 0,1 1)", "POLYGON((0 0,1 0,1 1,0 0))", "POINT(3 3)"}, 3, wkbUnknown},
    };
    for (size_t k = 0; k < sizeof cases / sizeof *cases; k++) {
        bp_layer l = layer_of(cases[k].wkt, cases[k].n);
        bp_plot_reader pr;
        assert_int_equal(bp_plot_reader_memory(&pr, &l, NULL), BP_OK);
        if (pr.geom_type != cases[k].type) fail_msg("case %zu: %d, wanted %d", k, pr.geom_type, cases[k].type);
        assert_string_equal(pr.what, "kavels");
        assert_null(pr.defn);
        bp_plot_reader_memory_free(&pr);
        bp_plot_reader_memory_free(&pr); /* twice */
        bp_layer_clear(&l, &g);
    }
}

static void plots(void **state)
{
    (void)state;
    /* plots with attributes, as the read stage keeps them */
    bp_crs crs;
    GDALAllRegister();
    assert_int_equal(bp_crs_init(&crs, NULL, NULL, NULL), BP_OK);
    char features[1024];
    snprintf(features, sizeof features,
             "{\"type\":\"Feature\",\"properties\":{\"naam\":\"a\"},\"geometry\":%s},"
             "{\"type\":\"Feature\",\"properties\":{\"naam\":\"b\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[7,8]}}",
             unit_rect_json(0, 0, 10, 5));
    unit_geojson("/vsimem/reader/k.geojson", "EPSG:28992", features);
    bp_layer l;
    bp_layer_opts lo = {.keep_attrs = 1};
    assert_int_equal(bp_layer_read(&l, "/vsimem/reader/k.geojson", &lo, &crs, &g, NULL, NULL, NULL), BP_OK);
    bp_plot_reader pr;
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_plot_reader_memory(&pr, &l, ctx), BP_OK);
    assert_ptr_equal(pr.defn, l.defn);
    for (size_t i = 0; i < 2; i++) {
        OGRFeatureH attrs = NULL;
        OGRGeometryH geom = NULL;
        assert_int_equal(pr.get(pr.ud, i, &attrs, &geom, ctx), BP_OK);
        assert_ptr_equal(attrs, l.feat[i]); /* borrowed */
        assert_string_equal(OGR_F_GetFieldAsString(attrs, 0), i ? "b" : "a");
        assert_non_null(geom);
        char *wkt = NULL;
        OGR_G_ExportToWkt(geom, &wkt);
        assert_string_equal(wkt, i ? "POINT (7 8)" : "POLYGON ((0 0,10 0,10 5,0 5,0 0))");
        CPLFree(wkt);
        OGR_G_DestroyGeometry(geom); /* the caller's */
    }
    bp_plot_reader_memory_free(&pr);
    bp_layer_clear(&l, &g);
    bp_ctx_free(ctx);
    bp_crs_clear(&crs);
    VSIUnlink("/vsimem/reader/k.geojson");
}

static void earlier_output(void **state)
{
    (void)state;
    /* the candidates of an earlier output, in rank order: plot ids, computed
       fields and input attributes (one renamed when it clashed) */
    GDALAllRegister();
    GDALDatasetH ds = unit_gpkg_create("/vsimem/reader/out.gpkg");
    static const char *const rows[] = {"POINT(1 1);c;10.5;particulier;3", "POLYGON((0 0,10 0,10 5,0 0));a;90;gemeente;1",
                                       "LINESTRING(0 0,5 5);b;50;;2"};
    unit_layer(ds, "candidates", 28992, wkbUnknown, "plot_id:s,score:r,eigendom:s,rank_input:i", rows, 3);
    unit_layer(ds, "facilities", 28992, wkbPoint, "category:s", NULL, 0);
    GDALClose(ds);
    static const char *const ids[] = {"a", "b", "c"};
    bp_result *r = unit_result(3, ids, 0, NULL);
    bp_ctx *ctx = bp_ctx_new();
    bp_layerdefs *defs = bp_layerdefs_load(ctx);
    bp_plot_reader pr;
    assert_int_equal(bp_plot_reader_gpkg(&pr, "/vsimem/reader/out.gpkg", r, defs, ctx), BP_OK);
    assert_string_equal(pr.what, "/vsimem/reader/out.gpkg");
    assert_int_equal(OGR_FD_GetFieldCount(pr.defn), 2); /* the input attributes only */
    assert_string_equal(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(pr.defn, 0)), "eigendom");
    assert_string_equal(OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(pr.defn, 1)), "rank_input");
    static const char *const eigendom[] = {"gemeente", NULL, "particulier"};
    static const OGRwkbGeometryType types[] = {wkbPolygon, wkbLineString, wkbPoint};
    for (size_t i = 0; i < 3; i++) {
        OGRFeatureH attrs = NULL;
        OGRGeometryH geom = NULL;
        assert_int_equal(pr.get(pr.ud, i, &attrs, &geom, ctx), BP_OK);
        if (eigendom[i]) assert_string_equal(OGR_F_GetFieldAsString(attrs, 0), eigendom[i]);
        else assert_false(OGR_F_IsFieldSetAndNotNull(attrs, 0));
        assert_int_equal(OGR_F_GetFieldAsInteger(attrs, 1), (int)i + 1);
        assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(geom)), types[i]);
        OGR_G_DestroyGeometry(geom);
    }
    bp_plot_reader_gpkg_free(&pr);
    bp_plot_reader_gpkg_free(&pr);
    /* a plot the output does not have */
    static const char *const more[] = {"a", "b", "c", "d"};
    bp_result *r4 = unit_result(4, more, 0, NULL);
    unit_expect_error(ctx, bp_plot_reader_gpkg(&pr, "/vsimem/reader/out.gpkg", r4, defs, ctx), BP_ERR_DATA,
                      "/vsimem/reader/out.gpkg: 1 of 4 plots of the result are missing from candidates");
    bp_ctx_clear(ctx);
    /* no candidates, no plot_id */
    unit_expect_error(ctx, bp_plot_reader_gpkg(&pr, "/vsimem/reader/weg.gpkg", r, defs, ctx), BP_ERR_USAGE,
                      "/vsimem/reader/weg.gpkg: no candidates layer");
    bp_ctx_clear(ctx);
    ds = unit_gpkg_create("/vsimem/reader/noid.gpkg");
    unit_layer(ds, "candidates", 28992, wkbPoint, "kavel:s", NULL, 0);
    GDALClose(ds);
    unit_expect_error(ctx, bp_plot_reader_gpkg(&pr, "/vsimem/reader/noid.gpkg", r, defs, ctx), BP_ERR_USAGE,
                      "/vsimem/reader/noid.gpkg: candidates has no plot_id");
    VSIUnlink("/vsimem/reader/out.gpkg");
    VSIUnlink("/vsimem/reader/noid.gpkg");
    bp_layerdefs_free(defs);
    bp_result_free(r);
    bp_result_free(r4);
    bp_ctx_free(ctx);
}

int main(void)
{
    if (bp_geos_init(&g, NULL) != BP_OK) return 1;
    const struct CMUnitTest tests[] = {cmocka_unit_test(geometry_types), cmocka_unit_test(plots),
                                       cmocka_unit_test(earlier_output)};
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    bp_geos_finish(&g);
    return rc;
}
