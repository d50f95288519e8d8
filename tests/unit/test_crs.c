/* Unit tests of input/crs.c: the analysis CRS (projected, metres), the CRS
 * assumed for layers without one, and transformations into the analysis
 * CRS with x/easting first. */
#include "unit.h"

#include "input/input.h"

/* The RD New origin near Amersfoort in WGS84, and in RD (PROJ's standard
 * transformation: about a metre; cs2cs gives 155000.17, 463000.19). */
#define AMERSFOORT_LON 5.387206
#define AMERSFOORT_LAT 52.155174

static void analysis_crs(void **state)
{
    (void)state;
    bp_crs crs;
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_crs_init(&crs, NULL, NULL, ctx), BP_OK);
    assert_string_equal(crs.target_name, "EPSG:28992");
    assert_true(OSRIsProjected(crs.target));
    assert_string_equal(OSRGetAuthorityCode(crs.target, NULL), "28992");
    assert_null(crs.assume);
    bp_crs_clear(&crs);
    assert_null(crs.target);
    bp_crs_clear(&crs); /* twice */
    bp_crs_clear(NULL);
    static const char *const ok[] = {"EPSG:28992", "EPSG:25831", "EPSG:3857", "epsg:32631",
                                     "+proj=utm +zone=31 +datum=WGS84 +units=m"};
    for (size_t i = 0; i < sizeof ok / sizeof *ok; i++) {
        if (bp_crs_init(&crs, ok[i], "EPSG:4326", ctx) != BP_OK) fail_msg("%s: %s", ok[i], bp_ctx_errmsg(ctx));
        assert_string_equal(crs.target_name, ok[i]);
        assert_non_null(crs.assume);
        bp_crs_clear(&crs);
    }
    bp_ctx_free(ctx);
}

static void refused(void **state)
{
    (void)state;
    static const struct {
        const char *target, *assume, *message;
    } cases[] = {
        {"EPSG:999999", NULL, "--crs: 'EPSG:999999' is not a CRS GDAL/PROJ knows (try EPSG:28992)"},
        {"RD New", NULL, "--crs: 'RD New' is not a CRS GDAL/PROJ knows"},
        {"", NULL, "--crs: '' is not a CRS GDAL/PROJ knows"},
        {"EPSG:4326", NULL, "--crs: EPSG:4326 is not a projected CRS in metres; distances need one (e.g. EPSG:28992)"},
        {"EPSG:4258", NULL, "--crs: EPSG:4258 is not a projected CRS in metres"},
        {"EPSG:2227", NULL, "--crs: EPSG:2227 is not a projected CRS in metres"}, /* US survey feet */
        {"EPSG:28992", "EPSG:0", "--assume-crs: 'EPSG:0' is not a CRS GDAL/PROJ knows"},
        {"EPSG:28992", "onbekend", "--assume-crs: 'onbekend' is not a CRS GDAL/PROJ knows"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_crs crs;
        bp_ctx *ctx = bp_ctx_new();
        bp_status st = bp_crs_init(&crs, cases[i].target, cases[i].assume, ctx);
        if (st != BP_ERR_USAGE || strncmp(bp_ctx_errmsg(ctx), cases[i].message, strlen(cases[i].message)))
            fail_msg("case %zu: status %d '%s', wanted '%s'", i, st, bp_ctx_errmsg(ctx), cases[i].message);
        /* cleared on failure */
        assert_null(crs.target);
        assert_null(crs.assume);
        assert_null(crs.target_name);
        bp_ctx_free(ctx);
    }
}

/* Transforms (x, y) with ct, or keeps it when ct is NULL. */
static void apply(OGRCoordinateTransformationH ct, double *x, double *y)
{
    if (ct) assert_true(OCTTransform(ct, 1, x, y, NULL));
}

static void transforms(void **state)
{
    (void)state;
    bp_crs crs;
    bp_ctx *ctx = bp_ctx_new();
    OGRCoordinateTransformationH ct = (OGRCoordinateTransformationH)1;
    assert_int_equal(bp_crs_init(&crs, "EPSG:28992", NULL, ctx), BP_OK);
    /* the analysis CRS itself: no transformation */
    OGRSpatialReferenceH rd = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(rd, 28992);
    assert_int_equal(bp_crs_transform_for(&crs, rd, "same", &ct, ctx), BP_OK);
    assert_null(ct);
    /* no CRS and none assumed: refused, naming the layer */
    ct = (OGRCoordinateTransformationH)1;
    unit_expect_error(ctx, bp_crs_transform_for(&crs, NULL, "kavels.csv, layer kavels", &ct, ctx), BP_ERR_USAGE,
                      "kavels.csv, layer kavels: the layer has no CRS; give it one, or pass --assume-crs EPSG:n");
    assert_null(ct);
    bp_ctx_clear(ctx);
    /* WGS84 with its authority axis order (lat, lon) as OSR imports it: data
       still come as lon/lat (x first) */
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs, 4326);
    OSRSetAxisMappingStrategy(wgs, OAMS_AUTHORITY_COMPLIANT);
    assert_int_equal(bp_crs_transform_for(&crs, wgs, "pois", &ct, ctx), BP_OK);
    assert_non_null(ct);
    double x = AMERSFOORT_LON, y = AMERSFOORT_LAT;
    apply(ct, &x, &y);
    assert_float_equal(x, 155000, 1.5);
    assert_float_equal(y, 463000, 1.5);
    OCTDestroyCoordinateTransformation(ct);
    /* the same through bp_crs_transform_from_wgs84 */
    assert_int_equal(bp_crs_transform_from_wgs84(&crs, "osm", &ct, ctx), BP_OK);
    x = AMERSFOORT_LON, y = AMERSFOORT_LAT;
    apply(ct, &x, &y);
    assert_float_equal(x, 155000, 1.5);
    assert_float_equal(y, 463000, 1.5);
    OCTDestroyCoordinateTransformation(ct);
    /* the caller's CRS is not changed */
    assert_int_equal(OSRGetAxisMappingStrategy(wgs), OAMS_AUTHORITY_COMPLIANT);
    bp_crs_clear(&crs);

    /* a CRS assumed for layers without one */
    assert_int_equal(bp_crs_init(&crs, "EPSG:28992", "EPSG:28992", ctx), BP_OK);
    ct = (OGRCoordinateTransformationH)1;
    assert_int_equal(bp_crs_transform_for(&crs, NULL, "kavels", &ct, ctx), BP_OK);
    assert_null(ct);
    bp_crs_clear(&crs);
    assert_int_equal(bp_crs_init(&crs, "EPSG:28992", "EPSG:4326", ctx), BP_OK);
    assert_int_equal(bp_crs_transform_for(&crs, NULL, "kavels", &ct, ctx), BP_OK);
    assert_non_null(ct);
    x = AMERSFOORT_LON, y = AMERSFOORT_LAT;
    apply(ct, &x, &y);
    assert_float_equal(x, 155000, 1.5);
    OCTDestroyCoordinateTransformation(ct);
    /* a layer with a CRS of its own ignores the assumed one */
    assert_int_equal(bp_crs_transform_for(&crs, rd, "kavels", &ct, ctx), BP_OK);
    assert_null(ct);
    bp_crs_clear(&crs);

    /* another analysis CRS: RD into UTM 31N */
    assert_int_equal(bp_crs_init(&crs, "EPSG:32631", NULL, ctx), BP_OK);
    assert_int_equal(bp_crs_transform_for(&crs, rd, "rd", &ct, ctx), BP_OK);
    assert_non_null(ct);
    x = 155000, y = 463000;
    apply(ct, &x, &y);
    assert_true(x > 600000 && x < 700000); /* 5.39 E lies east of 31N's central meridian (3 E) */
    assert_true(y > 5770000 && y < 5790000);
    OCTDestroyCoordinateTransformation(ct);
    bp_crs_clear(&crs);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    OSRDestroySpatialReference(rd);
    OSRDestroySpatialReference(wgs);
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(analysis_crs), cmocka_unit_test(refused),
                                       cmocka_unit_test(transforms)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
