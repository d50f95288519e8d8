/* Unit tests of input/gemeenten.c: gemeente polygons grouped by their
 * normalised code, land and water parts unioned, names, and the messages
 * for missing fields and codes. */
#include "unit.h"


static bp_crs crs;
static bp_geos g;

static int setup(void **state)
{
    (void)state;
    unit_reading_begin(&crs, &g);
    GDALDatasetH ds = unit_gpkg_create("/vsimem/gem/gem.gpkg");
    static const char *const cbs[] = {
        "POLYGON((1000 0,1500 0,1500 1000,1000 1000,1000 0));193;",        /* water, no name */
        "POLYGON((0 0,1000 0,1000 1000,0 1000,0 0));GM0193;Zwolle",         /* land */
        "POLYGON((2000 0,3000 0,3000 1000,2000 1000,2000 0));0166;Kampen",
        "POLYGON((5000 0,5100 0,5100 100,5000 100,5000 0));gm0166;",        /* an island of Kampen */
        "POLYGON((0 2000,10 2000,10 2010,0 2000));GM0200;Apeldoorn",
    };
    unit_layer(ds, "gemeenten", 28992, wkbPolygon, "gemeentecode:s,gemeentenaam:s", cbs, 5);
    static const char *const nocode[] = {"POLYGON((0 0,1 0,1 1,0 0));GM0193", "POLYGON((0 0,1 0,1 1,0 0));"};
    unit_layer(ds, "zonder_code", 28992, wkbPolygon, "gemeentecode:s", nocode, 2);
    GDALClose(ds);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_reading_end(&crs, &g, "/vsimem/gem/gem.gpkg");
    return 0;
}

static double area(const GEOSGeometry *geom)
{
    double a = -1;
    assert_int_equal(GEOSArea_r(g.h, geom, &a), 1);
    return a;
}

static void grouped_and_unioned(void **state)
{
    (void)state;
    bp_result *r = bp_result_new();
    bp_ctx *ctx = bp_ctx_new();
    GEOSGeometry **geoms;
    bp_layer layer;
    bp_gemeenten_opts o = {"/vsimem/gem/gem.gpkg|layername=gemeenten", "gemeentecode", "gemeentenaam"};
    assert_int_equal(bp_gemeenten_read(&o, &crs, &g, r, &geoms, &layer, ctx), BP_OK);
    /* three gemeenten, sorted by normalised code */
    assert_int_equal(r->ngm, 3);
    assert_string_equal(r->gm[0].code, "GM0166");
    assert_string_equal(r->gm[1].code, "GM0193");
    assert_string_equal(r->gm[2].code, "GM0200");
    /* the name of the first part that has one */
    assert_string_equal(r->gm[0].name, "Kampen");
    assert_string_equal(r->gm[1].name, "Zwolle");
    assert_string_equal(r->gm[2].name, "Apeldoorn");
    /* land and water merged into one polygon; an island makes a multipolygon */
    assert_float_equal(area(geoms[1]), 1500000, 1e-6);
    assert_int_equal(GEOSGeomTypeId_r(g.h, geoms[1]), GEOS_POLYGON);
    assert_float_equal(area(geoms[0]), 1010000, 1e-6);
    assert_int_equal(GEOSGeomTypeId_r(g.h, geoms[0]), GEOS_MULTIPOLYGON);
    assert_float_equal(area(geoms[2]), 50, 1e-9);
    /* the result keeps each union as WKB */
    GEOSWKBReader *rd = GEOSWKBReader_create_r(g.h);
    GEOSGeometry *back = GEOSWKBReader_read_r(g.h, rd, r->gm[1].wkb, r->gm[1].wkb_len);
    assert_non_null(back);
    assert_int_equal(GEOSEquals_r(g.h, back, geoms[1]), 1);
    GEOSGeom_destroy_r(g.h, back);
    GEOSWKBReader_destroy_r(g.h, rd);
    /* no targets yet */
    for (size_t k = 0; k < 3; k++)
        for (int t = 0; t < BP_NTYPES; t++) {
            assert_false(r->gm[k].has_target[t]);
            assert_true(isnan(r->gm[k].opgave[t]));
        }
    /* the layer's counts stay for run_info; its features are freed */
    assert_int_equal(layer.n_read, 5);
    assert_int_equal(layer.n, 5);
    assert_null(layer.feat);
    assert_null(layer.geom);
    bp_kv kv = {0};
    bp_layer_info(&layer, "gemeenten", o.source, &kv);
    assert_string_equal(bp_kv_get(&kv, "input.gemeenten.features_used"), "5");
    bp_kv_clear(&kv);
    assert_int_equal(bp_ctx_warning_count(ctx), 0);
    bp_layer_clear(&layer, &g);
    bp_gemeenten_free(geoms, r->ngm, &g);
    bp_gemeenten_free(NULL, 0, &g);
    bp_result_free(r);
    bp_ctx_free(ctx);
}

static void without_layer_out(void **state)
{
    (void)state;
    /* the layer's counts are optional */
    bp_result *r = bp_result_new();
    bp_ctx *ctx = bp_ctx_new();
    GEOSGeometry **geoms;
    bp_gemeenten_opts o = {"/vsimem/gem/gem.gpkg|layername=gemeenten", "gemeentecode", "gemeentenaam"};
    assert_int_equal(bp_gemeenten_read(&o, &crs, &g, r, &geoms, NULL, ctx), BP_OK);
    assert_int_equal(r->ngm, 3);
    bp_gemeenten_free(geoms, r->ngm, &g);
    bp_result_free(r);
    bp_ctx_free(ctx);
}

static void fields(void **state)
{
    (void)state;
    bp_result *r = bp_result_new();
    bp_ctx *ctx = bp_ctx_new();
    GEOSGeometry **geoms = (GEOSGeometry **)1;
    bp_layer layer;
    /* no name field: a warning, names left empty */
    bp_gemeenten_opts o = {"/vsimem/gem/gem.gpkg|layername=gemeenten", "gemeentecode", "naam"};
    assert_int_equal(bp_gemeenten_read(&o, &crs, &g, r, &geoms, &layer, ctx), BP_OK);
    assert_int_equal(bp_ctx_warning_count(ctx), 1);
    assert_string_equal(bp_ctx_warning(ctx, 0), "/vsimem/gem/gem.gpkg, layer gemeenten: no field 'naam'; gemeente "
                                                "names are left empty");
    assert_string_equal(r->gm[1].name, "");
    bp_layer_clear(&layer, &g);
    bp_gemeenten_free(geoms, r->ngm, &g);
    bp_result_free(r);
    /* no code field: an error naming the field and the flag */
    r = bp_result_new();
    bp_gemeenten_opts c = {"/vsimem/gem/gem.gpkg|layername=gemeenten", "gemcode", "gemeentenaam"};
    unit_expect_error(ctx, bp_gemeenten_read(&c, &crs, &g, r, &geoms, &layer, ctx), BP_ERR_USAGE,
                      "/vsimem/gem/gem.gpkg, layer gemeenten: no field 'gemcode' (set it with --gemeente-code-field)");
    assert_null(geoms);
    assert_int_equal(r->ngm, 0);
    bp_layer_clear(&layer, &g);
    bp_result_free(r);
    bp_ctx_clear(ctx);
    /* a polygon without a code */
    r = bp_result_new();
    bp_gemeenten_opts e = {"/vsimem/gem/gem.gpkg|layername=zonder_code", "gemeentecode", NULL};
    unit_expect_error(ctx, bp_gemeenten_read(&e, &crs, &g, r, &geoms, &layer, ctx), BP_ERR_DATA,
                      "/vsimem/gem/gem.gpkg, layer zonder_code: feature 2 has no gemeentecode");
    assert_null(geoms);
    bp_layer_clear(&layer, &g);
    bp_result_free(r);
    bp_ctx_clear(ctx);
    /* no such layer */
    r = bp_result_new();
    bp_gemeenten_opts m = {"/vsimem/gem/weg.gpkg", "gemeentecode", NULL};
    assert_int_equal(bp_gemeenten_read(&m, &crs, &g, r, &geoms, &layer, ctx), BP_ERR_DATA);
    assert_null(geoms);
    bp_result_free(r);
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(grouped_and_unioned), cmocka_unit_test(without_layer_out),
                                       cmocka_unit_test(fields)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
