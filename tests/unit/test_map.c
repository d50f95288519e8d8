/* Unit tests of output/map.c: what bp_map_render checks before it starts
 * QGIS (rendering itself is tests/qgis_test.py's, with QGIS installed). */
#include "unit.h"

#include "output/output.h"

static void checks_first(void **state)
{
    (void)state;
    char dir[512], gpkg[600], png[600];
    unit_tmpdir(dir, sizeof dir, "map");
    snprintf(gpkg, sizeof gpkg, "%s/weg.gpkg", dir);
    snprintf(png, sizeof png, "%s/kaart.png", dir);
    static const int sizes[][2] = {{199, 1000}, {1600, 199}, {10001, 1000}, {1600, 10001}, {0, 0}, {-5, 800}};
    for (size_t i = 0; i < sizeof sizes / sizeof *sizes; i++) {
        bp_ctx *ctx = bp_ctx_new();
        char want[128];
        snprintf(want, sizeof want, "map size %dx%d: width and height must be 200 to 10000 pixels", sizes[i][0],
                 sizes[i][1]);
        unit_expect_error(ctx, bp_map_render(gpkg, png, sizes[i][0], sizes[i][1], 0, ctx), BP_ERR_USAGE, want);
        bp_ctx_free(ctx);
    }
    bp_ctx *ctx = bp_ctx_new();
    unit_expect_error(ctx, bp_map_render(gpkg, png, 200, 10000, 0, ctx), BP_ERR_USAGE, "weg.gpkg: No such file or directory");
    assert_int_equal(unit_count_files(dir), 0); /* no image, no temporary file */
    bp_ctx_free(ctx);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(checks_first)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
