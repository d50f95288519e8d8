/* Unit tests of input/plots.c: the candidate plots into a result: ids from
 * a field or the feature id, numeric or string ordering, missing and
 * duplicate ids, area and the polygon flag. */
#include "unit.h"


static bp_crs crs;
static bp_geos g;
static const char *const cats[] = {"supermarkt", "zorg"};

static int setup(void **state)
{
    (void)state;
    unit_reading_begin(&crs, &g);
    GDALDatasetH ds = unit_gpkg_create("/vsimem/plots/kavels.gpkg");
    static const char *const rows[] = {
        "POLYGON((0 0,100 0,100 50,0 50,0 0));10;K-10;gemeente;1.5",
        "POINT(500 500);9;K-9;corporatie;2.5",
        "LINESTRING(0 0,30 40);100;K-100;particulier;3.5",
        "POLYGON((0 0,20 0,20 20,0 20,0 0));8;K-8;gemeente;4.5",
    };
    unit_layer(ds, "kavels", 28992, wkbUnknown, "nummer:i,code:s,eigendom:s,prijs:r", rows, 4);
    static const char *const dup[] = {
        "POINT(1 1);A;7", "POINT(2 2);B;8", "POINT(3 3);A;9",
    };
    unit_layer(ds, "dubbel", 28992, wkbPoint, "code:s,nummer:i", dup, 3);
    static const char *const missing[] = {"POINT(1 1);A", "POINT(2 2);", "POINT(3 3);C"};
    unit_layer(ds, "zonder", 28992, wkbPoint, "code:s", missing, 3);
    GDALClose(ds);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_reading_end(&crs, &g, "/vsimem/plots/kavels.gpkg");
    return 0;
}

static bp_status read_plots(const char *layer, const char *id_field, const char *where, bp_layer *l,
                            bp_result **r, bp_ctx *ctx)
{
    char spec[128];
    snprintf(spec, sizeof spec, "/vsimem/plots/kavels.gpkg|layername=%s", layer);
    bp_plots_opts o = {.source = spec, .id_field = id_field, .where = where};
    *r = bp_result_new();
    assert_int_equal(bp_result_set_categories(*r, (char *const *)cats, 2, 500, ctx), BP_OK);
    return bp_plots_read(&o, &crs, &g, NULL, NULL, l, *r, ctx);
}

static void feature_ids(void **state)
{
    (void)state;
    bp_layer l;
    bp_result *r;
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(read_plots("kavels", NULL, NULL, &l, &r, ctx), BP_OK);
    assert_int_equal(r->n, 4);
    assert_null(r->id_field);
    assert_non_null(r->id_num); /* feature ids are whole numbers */
    for (size_t i = 0; i < 4; i++) {
        char want[8];
        snprintf(want, sizeof want, "%zu", i + 1);
        assert_string_equal(bp_result_id(r, i), want);
        assert_int_equal(r->fid[i], (int64_t)i + 1);
        assert_int_equal(r->id_num[i], (int64_t)i + 1);
    }
    /* area and the polygon flag */
    assert_float_equal(r->area[0], 5000, 1e-9);
    assert_int_equal(r->flags[0], BP_PLOT_POLYGON);
    assert_float_equal(r->area[1], 0, 0);
    assert_int_equal(r->flags[1], 0);
    assert_float_equal(r->area[2], 0, 0); /* a line is no area */
    assert_int_equal(r->flags[2], 0);
    assert_float_equal(r->area[3], 400, 1e-9);
    /* the result is sized for the categories: distances unknown, counts 0 */
    assert_true(isnan(r->dist[3 * 2 + 1]));
    assert_int_equal(r->count[0], 0);
    assert_int_equal(r->gemeente[2], BP_NO_GEMEENTE);
    /* the plots keep their attributes */
    assert_int_equal(l.n, 4);
    assert_non_null(l.feat);
    assert_string_equal(OGR_F_GetFieldAsString(l.feat[1], 2), "corporatie");
    bp_layer_clear(&l, &g);
    bp_result_free(r);
    bp_ctx_free(ctx);
}

static void ids_from_fields(void **state)
{
    (void)state;
    bp_layer l;
    bp_result *r;
    bp_ctx *ctx = bp_ctx_new();
    /* an integer field: numeric ids, ordered as numbers (9 < 10 < 100) */
    assert_int_equal(read_plots("kavels", "nummer", NULL, &l, &r, ctx), BP_OK);
    assert_string_equal(r->id_field, "nummer");
    assert_non_null(r->id_num);
    assert_string_equal(bp_result_id(r, 2), "100");
    assert_true(bp_result_cmp_id(r, 1, 0) < 0);  /* 9 < 10 */
    assert_true(bp_result_cmp_id(r, 0, 2) < 0);  /* 10 < 100 */
    assert_true(bp_result_cmp_id(r, 3, 1) < 0);  /* 8 < 9 */
    assert_int_equal(bp_result_cmp_id(r, 2, 2), 0);
    bp_layer_clear(&l, &g);
    bp_result_free(r);
    /* a string field: ordered as text ("K-10" < "K-100" < "K-8" < "K-9") */
    assert_int_equal(read_plots("kavels", "code", NULL, &l, &r, ctx), BP_OK);
    assert_null(r->id_num);
    assert_string_equal(bp_result_id(r, 0), "K-10");
    assert_true(bp_result_cmp_id(r, 0, 2) < 0);
    assert_true(bp_result_cmp_id(r, 2, 3) < 0);
    assert_true(bp_result_cmp_id(r, 3, 1) < 0);
    bp_layer_clear(&l, &g);
    bp_result_free(r);
    /* a real field is text too */
    assert_int_equal(read_plots("kavels", "prijs", NULL, &l, &r, ctx), BP_OK);
    assert_null(r->id_num);
    assert_string_equal(bp_result_id(r, 0), "1.5");
    bp_layer_clear(&l, &g);
    bp_result_free(r);
    /* the where filter applies */
    assert_int_equal(read_plots("kavels", "code", "eigendom = 'gemeente'", &l, &r, ctx), BP_OK);
    assert_int_equal(r->n, 2);
    assert_string_equal(bp_result_id(r, 1), "K-8");
    assert_int_equal(r->fid[1], 4);
    bp_layer_clear(&l, &g);
    bp_result_free(r);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    bp_ctx_free(ctx);
}

static void bad_ids(void **state)
{
    (void)state;
    bp_layer l;
    bp_result *r;
    bp_ctx *ctx = bp_ctx_new();
    unit_expect_error(ctx, read_plots("kavels", "kavel_id", NULL, &l, &r, ctx), BP_ERR_USAGE,
                      "/vsimem/plots/kavels.gpkg, layer kavels: no field 'kavel_id' for --id-field "
                      "(fields: nummer, code, eigendom, prijs)");
    bp_layer_clear(&l, &g);
    bp_result_free(r);
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, read_plots("dubbel", "code", NULL, &l, &r, ctx), BP_ERR_DATA,
                      "/vsimem/plots/kavels.gpkg, layer dubbel: duplicate code 'A' (features 1 and 3)");
    bp_layer_clear(&l, &g);
    bp_result_free(r);
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, read_plots("zonder", "code", NULL, &l, &r, ctx), BP_ERR_DATA,
                      "/vsimem/plots/kavels.gpkg, layer zonder: feature 2 has no code");
    bp_layer_clear(&l, &g);
    bp_result_free(r);
    bp_ctx_clear(ctx);
    /* a layer that cannot be read leaves the result without plots */
    unit_expect_error(ctx, read_plots("percelen", NULL, NULL, &l, &r, ctx), BP_ERR_USAGE, "no layer 'percelen'");
    assert_int_equal(r->n, 0);
    bp_result_free(r);
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(feature_ids), cmocka_unit_test(ids_from_fields),
                                       cmocka_unit_test(bad_ids)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
