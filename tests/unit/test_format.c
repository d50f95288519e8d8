/* Unit tests of core/format.c: output formats by name, alias, extension and
 * output name. */
#include "unit.h"

static const bp_format all[] = {BP_FMT_GPKG, BP_FMT_FLATGEOBUF, BP_FMT_GEOJSON, BP_FMT_CSV, BP_FMT_POSTGRESQL};

static void parse(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        bp_format f;
    } cases[] = {
        {"GPKG", BP_FMT_GPKG},           {"gpkg", BP_FMT_GPKG},
        {"GeoPackage", BP_FMT_GPKG},     {"GEOPACKAGE", BP_FMT_GPKG},
        {"FlatGeobuf", BP_FMT_FLATGEOBUF}, {"flatgeobuf", BP_FMT_FLATGEOBUF},
        {"fgb", BP_FMT_FLATGEOBUF},      {"GeoJSON", BP_FMT_GEOJSON},
        {"json", BP_FMT_GEOJSON},        {"JSON", BP_FMT_GEOJSON},
        {"CSV", BP_FMT_CSV},             {"csv", BP_FMT_CSV},
        {"PostgreSQL", BP_FMT_POSTGRESQL}, {"postgresql", BP_FMT_POSTGRESQL},
        {"pg", BP_FMT_POSTGRESQL},       {"PG", BP_FMT_POSTGRESQL},
        {"ESRI Shapefile", BP_FMT_AUTO}, {"shp", BP_FMT_AUTO},
        {"", BP_FMT_AUTO},               {"gpkg ", BP_FMT_AUTO},
        {"auto", BP_FMT_AUTO},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (bp_format_parse(cases[i].name) != cases[i].f)
            fail_msg("'%s': %d, wanted %d", cases[i].name, bp_format_parse(cases[i].name), cases[i].f);
    assert_int_equal(bp_format_parse(NULL), BP_FMT_AUTO);
}

static void names_and_extensions(void **state)
{
    (void)state;
    assert_string_equal(bp_format_name(BP_FMT_GPKG), "GPKG");
    assert_string_equal(bp_format_name(BP_FMT_FLATGEOBUF), "FlatGeobuf");
    assert_string_equal(bp_format_name(BP_FMT_GEOJSON), "GeoJSON");
    assert_string_equal(bp_format_name(BP_FMT_CSV), "CSV");
    assert_string_equal(bp_format_name(BP_FMT_POSTGRESQL), "PostgreSQL");
    assert_string_equal(bp_format_name(BP_FMT_AUTO), "");
    assert_string_equal(bp_format_extension(BP_FMT_GPKG), ".gpkg");
    assert_string_equal(bp_format_extension(BP_FMT_FLATGEOBUF), ".fgb");
    assert_string_equal(bp_format_extension(BP_FMT_GEOJSON), ".geojson");
    assert_string_equal(bp_format_extension(BP_FMT_CSV), ".csv");
    assert_null(bp_format_extension(BP_FMT_POSTGRESQL));
    assert_null(bp_format_extension(BP_FMT_AUTO));
    /* every name parses back to its format, every extension names it */
    for (size_t i = 0; i < sizeof all / sizeof *all; i++) {
        assert_int_equal(bp_format_parse(bp_format_name(all[i])), all[i]);
        const char *ext = bp_format_extension(all[i]);
        if (!ext) continue;
        char out[64];
        snprintf(out, sizeof out, "dir/kandidaten%s", ext);
        assert_int_equal(bp_format_of_output(out), all[i]);
    }
}

static void of_output(void **state)
{
    (void)state;
    static const struct {
        const char *out;
        bp_format f;
    } cases[] = {
        {"out.gpkg", BP_FMT_GPKG},
        {"/data/OUT.GPKG", BP_FMT_GPKG},
        {"a/b.fgb", BP_FMT_FLATGEOBUF},
        {"a/b.FGB", BP_FMT_FLATGEOBUF},
        {"x.geojson", BP_FMT_GEOJSON},
        {"x.json", BP_FMT_GEOJSON},
        {"x.JSON", BP_FMT_GEOJSON},
        {"x.csv", BP_FMT_CSV},
        {"x.gpkg.csv", BP_FMT_CSV},
        {"x.csv.gpkg", BP_FMT_GPKG},
        {"PG:dbname=gis", BP_FMT_POSTGRESQL},
        {"pg:host=db dbname=x", BP_FMT_POSTGRESQL},
        {"PG:dbname=x.csv", BP_FMT_POSTGRESQL}, /* a connection string, whatever it ends in */
        {"kandidaten", BP_FMT_GPKG},            /* no extension: the default */
        {"x.shp", BP_FMT_GPKG},
        {"", BP_FMT_GPKG},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++)
        if (bp_format_of_output(cases[i].out) != cases[i].f)
            fail_msg("'%s': %d, wanted %d", cases[i].out, bp_format_of_output(cases[i].out), cases[i].f);
    assert_int_equal(bp_format_of_output(NULL), BP_FMT_GPKG);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(parse), cmocka_unit_test(names_and_extensions),
                                       cmocka_unit_test(of_output)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
