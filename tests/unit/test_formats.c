/* Unit tests of output/formats.c: the result GeoPackage converted to
 * FlatGeobuf, GeoJSON (WGS84) and CSV (with x_rd, y_rd): fields, rows,
 * coordinates; errors for a database that cannot be opened, a format
 * without conversion and a missing GeoPackage. */
#include "unit.h"

#include <cpl_error.h>

#include "output/output.h"

static char dir[512], gpkg[700];
static bp_crs crs;

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    assert_int_equal(bp_crs_init(&crs, NULL, NULL, NULL), BP_OK);
    unit_tmpdir(dir, sizeof dir, "formats");
    snprintf(gpkg, sizeof gpkg, "%s/result.gpkg", dir);
    GDALDatasetH ds = unit_gpkg_create(gpkg);
    /* three plots near the RD origin, in rank order */
    static const char *const cand[] = {
        "POLYGON((155000 463000,155100 463000,155100 463050,155000 463050,155000 463000));12;1;92.5;gemeente",
        "POLYGON((156000 463000,156010 463000,156010 463010,156000 463000));7;2;80.25;",
        "POLYGON((157000 464000,157020 464000,157020 464020,157000 464020,157000 464000));3;;10;corporatie, \"b\"",
    };
    unit_layer(ds, "candidates", 28992, wkbPolygon, "plot_id:s,rank:i,score:r,eigendom:s", cand, 3);
    static const char *const gm[] = {"POLYGON((150000 460000,160000 460000,160000 470000,150000 460000));GM0193"};
    unit_layer(ds, "gemeente_gap", 28992, wkbPolygon, "gemeente_code:s", gm, 1);
    static const char *const fac[] = {"POINT(155010 463010);supermarkt"};
    unit_layer(ds, "facilities", 28992, wkbPoint, "category:s", fac, 1);
    static const char *const info[] = {";profile;geclusterd"};
    unit_layer(ds, "run_info", 0, wkbNone, "key:s,value:s", info, 1);
    GDALClose(ds);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bp_crs_clear(&crs);
    unit_rmdir(dir);
    return 0;
}

/* Converts the GeoPackage into dir/NAME; opens the result. */
static GDALDatasetH convert(bp_format format, const char *name)
{
    char out[800];
    snprintf(out, sizeof out, "%s/%s", dir, name);
    bp_write_opts o = {out, format, 0, crs.target};
    bp_ctx *ctx = bp_ctx_new();
    if (bp_formats_write(gpkg, &o, out, NULL, NULL, ctx) != BP_OK) fail_msg("%s: %s", name, bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    GDALDatasetH ds = GDALOpenEx(out, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    assert_non_null(ds);
    assert_int_equal(GDALDatasetGetLayerCount(ds), 1);
    return ds;
}

static void field_names(OGRLayerH l, char *buf, size_t size)
{
    buf[0] = '\0';
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(l);
    for (int i = 0; i < OGR_FD_GetFieldCount(d); i++) {
        size_t o = strlen(buf);
        snprintf(buf + o, size - o, "%s%s", i ? "," : "", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(d, i)));
    }
}

static void flatgeobuf(void **state)
{
    (void)state;
    GDALDatasetH ds = convert(BP_FMT_FLATGEOBUF, "out.fgb");
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    char buf[512];
    assert_string_equal(OGR_L_GetName(l), "candidates");
    field_names(l, buf, sizeof buf);
    assert_string_equal(buf, "plot_id,rank,score,eigendom");
    assert_int_equal(OGR_L_GetFeatureCount(l, TRUE), 3);
    assert_string_equal(OSRGetAuthorityCode(OGR_L_GetSpatialRef(l), NULL), "28992");
    /* the spatial index puts the features in spatial order, not rank order */
    OGRFeatureH f;
    int found = 0;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        if (!strcmp(OGR_F_GetFieldAsString(f, 0), "12")) {
            assert_int_equal(OGR_F_GetFieldAsInteger(f, 1), 1);
            assert_float_equal(OGR_G_Area(OGR_F_GetGeometryRef(f)), 5000, 1e-6);
            found++;
        }
        OGR_F_Destroy(f);
    }
    assert_int_equal(found, 1);
    /* with its spatial index: a spatial filter finds the second plot only */
    OGR_L_SetSpatialFilterRect(l, 155990, 462990, 156020, 463020);
    assert_int_equal(OGR_L_GetFeatureCount(l, TRUE), 1);
    GDALClose(ds);
}

static void geojson(void **state)
{
    (void)state;
    GDALDatasetH ds = convert(BP_FMT_GEOJSON, "out.geojson");
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    char buf[512];
    field_names(l, buf, sizeof buf);
    assert_string_equal(buf, "plot_id,rank,score,eigendom");
    assert_int_equal(OGR_L_GetFeatureCount(l, TRUE), 3);
    /* RFC 7946: WGS84 longitude, latitude */
    OGRFeatureH f = OGR_L_GetNextFeature(l);
    OGREnvelope e;
    OGR_G_GetEnvelope(OGR_F_GetGeometryRef(f), &e);
    assert_float_equal(e.MinX, 5.387206, 2e-5);
    assert_float_equal(e.MinY, 52.155174, 2e-5);
    assert_float_equal(OGR_F_GetFieldAsDouble(f, 2), 92.5, 0);
    OGR_F_Destroy(f);
    GDALClose(ds);
    char path[800];
    snprintf(path, sizeof path, "%s/out.geojson", dir);
    VSILFILE *fp = VSIFOpenL(path, "rb");
    char head[200] = "";
    VSIFReadL(head, 1, sizeof head - 1, fp);
    VSIFCloseL(fp);
    assert_null(strstr(head, "\"crs\""));
    assert_null(strstr(head, "\"name\"")); /* WRITE_NAME=NO */
}

static void csv(void **state)
{
    (void)state;
    GDALDatasetH ds = convert(BP_FMT_CSV, "out.csv");
    OGRLayerH l = GDALDatasetGetLayer(ds, 0);
    char buf[512];
    field_names(l, buf, sizeof buf);
    assert_string_equal(buf, "plot_id,rank,score,eigendom,x_rd,y_rd");
    assert_int_equal(OGR_L_GetFeatureCount(l, TRUE), 3);
    static const double box[3][4] = {{155000, 463000, 155100, 463050}, {156000, 463000, 156010, 463010},
                                     {157000, 464000, 157020, 464020}};
    static const char *const ids[] = {"12", "7", "3"};
    OGR_L_ResetReading(l);
    for (int k = 0; k < 3; k++) {
        OGRFeatureH f = OGR_L_GetNextFeature(l);
        assert_string_equal(OGR_F_GetFieldAsString(f, 0), ids[k]); /* in rank order */
        double x = OGR_F_GetFieldAsDouble(f, 4), y = OGR_F_GetFieldAsDouble(f, 5);
        assert_true(x > box[k][0] && x < box[k][2] && y > box[k][1] && y < box[k][3]); /* on the plot */
        assert_float_equal(x * 100, round(x * 100), 1e-6);                               /* to the cm */
        if (k == 2) assert_string_equal(OGR_F_GetFieldAsString(f, 3), "corporatie, \"b\"");
        if (k == 1) assert_string_equal(OGR_F_GetFieldAsString(f, 3), "");
        OGR_F_Destroy(f);
    }
    GDALClose(ds);
    /* the ranked list as text: a header and three lines, no geometry column */
    char path[800];
    snprintf(path, sizeof path, "%s/out.csv", dir);
    VSILFILE *fp = VSIFOpenL(path, "rb");
    char text[1024] = "";
    VSIFReadL(text, 1, sizeof text - 1, fp);
    VSIFCloseL(fp);
    assert_int_equal(strncmp(text, "plot_id,rank,score,eigendom,x_rd,y_rd\n", 38), 0);
    assert_null(strstr(text, "POLYGON"));
}

static void errors(void **state)
{
    (void)state;
    bp_ctx *ctx = bp_ctx_new();
    char out[800];
    snprintf(out, sizeof out, "%s/x.gpkg", dir);
    bp_write_opts o = {out, BP_FMT_GPKG, 0, crs.target};
    unit_expect_error(ctx, bp_formats_write(gpkg, &o, out, NULL, NULL, ctx), BP_ERR_USAGE, "x.gpkg: no conversion to format GPKG");
    bp_ctx_clear(ctx);
    o.format = BP_FMT_CSV;
    char missing[800];
    snprintf(missing, sizeof missing, "%s/weg.gpkg", dir);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    unit_expect_error(ctx, bp_formats_write(missing, &o, out, NULL, NULL, ctx), BP_ERR_IO, "x.gpkg: cannot reopen the result");
    bp_ctx_clear(ctx);
    /* a database that is not there */
    bp_write_opts pg = {"PG:host=/nonexistent/socket dbname=bodnaarplot_unit", BP_FMT_POSTGRESQL, 0, crs.target};
    unit_expect_error(ctx, bp_formats_write(gpkg, &pg, NULL, NULL, NULL, ctx), BP_ERR_USAGE,
                      "PG:host=/nonexistent/socket dbname=bodnaarplot_unit: cannot open the database");
    CPLPopErrorHandler();
    assert_int_equal(unit_count_files(dir), 4); /* result.gpkg and the three conversions */
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(flatgeobuf), cmocka_unit_test(geojson), cmocka_unit_test(csv),
                                       cmocka_unit_test(errors)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
