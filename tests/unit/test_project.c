/* Unit tests of config/project.c: project files, their relative paths
 * resolved against the project's folder (and what is left alone), and
 * errors naming the file and line. */
#include "unit.h"

#include "config/config.h"

static bp_status load(bp_config *c, const char *name, const char *text, bp_ctx *ctx)
{
    return bp_config_load_yaml_text(c, text, strlen(text), name, ctx);
}

static const char *const project =
    "candidates:\n"
    "  source: kavels.gpkg|layername=kavels\n"
    "  where: \"pad = 'a/b'\"\n"
    "  id_field: data/id\n"
    "gemeenten: ../shared/gem.gpkg\n"
    "targets: {source: t.csv}\n"
    "network: {source: osm/region.osm.pbf}\n"
    "facilities:\n"
    "  supermarkt: pois.gpkg|layername=shops\n"
    "  zorg: {source: zorg/z.shp, where: \"map = 'x/y'\", name_field: a/b}\n"
    "  huisarts: PG:dbname=gis|layername=public.huisarts\n"
    "  apotheek: /vsizip/pois.zip/apotheek.shp\n"
    "  groen: /data/groen.gpkg\n"
    "  ov_halte: https://example.org/ov.fgb\n"
    "  ontmoeting: /vsimem/o.geojson\n"
    "crs: EPSG:28992\n"
    "output: out/result.gpkg\n";

static void relative_paths(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(load(c, "proj/sub/p.yaml", project, ctx), BP_OK);
    /* every path key, long and short form, against the folder */
    assert_string_equal(c->candidates, "proj/sub/kavels.gpkg|layername=kavels");
    assert_string_equal(c->gemeenten, "proj/sub/../shared/gem.gpkg");
    assert_string_equal(c->targets, "proj/sub/t.csv");
    assert_string_equal(c->network, "proj/sub/osm/region.osm.pbf");
    assert_string_equal(c->output, "proj/sub/out/result.gpkg");
    assert_string_equal(bp_config_category(c, "supermarkt")->source, "proj/sub/pois.gpkg|layername=shops");
    assert_string_equal(bp_config_category(c, "zorg")->source, "proj/sub/zorg/z.shp");
    /* connection strings, GDAL virtual files, absolute paths and URLs as given */
    assert_string_equal(bp_config_category(c, "huisarts")->source, "PG:dbname=gis|layername=public.huisarts");
    assert_string_equal(bp_config_category(c, "apotheek")->source, "/vsizip/pois.zip/apotheek.shp");
    assert_string_equal(bp_config_category(c, "groen")->source, "/data/groen.gpkg");
    assert_string_equal(bp_config_category(c, "ov_halte")->source, "https://example.org/ov.fgb");
    assert_string_equal(bp_config_category(c, "ontmoeting")->source, "/vsimem/o.geojson");
    /* values that are not paths, however they look */
    assert_string_equal(c->candidates_where, "pad = 'a/b'");
    assert_string_equal(c->id_field, "data/id");
    assert_string_equal(bp_config_category(c, "zorg")->where, "map = 'x/y'");
    assert_string_equal(bp_config_category(c, "zorg")->name_field, "a/b");
    assert_string_equal(c->crs, "EPSG:28992");
    bp_ctx_free(ctx);
    bp_config_free(c);
}

static void folders(void **state)
{
    (void)state;
    static const struct {
        const char *name, *want;
    } cases[] = {
        {"p.yaml", "kavels.gpkg"},           /* no folder: as given */
        {"./p.yaml", "./kavels.gpkg"},
        {"/p.yaml", "/kavels.gpkg"},          /* the root folder */
        {"/srv/proj/p.yaml", "/srv/proj/kavels.gpkg"},
        {"a//p.yaml", "a/kavels.gpkg"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_config *c = bp_config_new();
        bp_ctx *ctx = bp_ctx_new();
        assert_int_equal(load(c, cases[i].name, "candidates: kavels.gpkg\n", ctx), BP_OK);
        if (strcmp(c->candidates, cases[i].want))
            fail_msg("%s: '%s', wanted '%s'", cases[i].name, c->candidates, cases[i].want);
        bp_ctx_free(ctx);
        bp_config_free(c);
    }
    /* a quoted empty path is no path: it unsets, it does not name the folder */
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(load(c, "proj/p.yaml", "output: x.gpkg\n", ctx), BP_OK);
    assert_int_equal(load(c, "proj/p.yaml", "output: \"\"\n", ctx), BP_OK);
    assert_null(c->output);
    bp_ctx_free(ctx);
    bp_config_free(c);
}

static void on_top(void **state)
{
    (void)state;
    /* a project file sets what it names; what cfg holds otherwise stays */
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_config_set(c, "radius_m", "400", NULL, ctx), BP_OK);
    assert_int_equal(bp_config_set(c, "profile", "nultreden", NULL, ctx), BP_OK);
    assert_int_equal(load(c, "p.yaml", "profile: zorggeschikt\ncriteria: {zorg: {full_m: 200}}\n", ctx), BP_OK);
    assert_float_equal(c->radius_m, 400, 0);
    assert_int_equal(c->profile, BP_ZORGGESCHIKT);
    assert_float_equal(bp_config_category(c, "zorg")->crit.full_m, 200, 0);
    assert_float_equal(bp_config_category(c, "zorg")->crit.zero_m, 1500, 0);
    /* an empty file sets nothing */
    assert_int_equal(load(c, "p.yaml", "", ctx), BP_OK);
    assert_float_equal(c->radius_m, 400, 0);
    bp_ctx_free(ctx);
    bp_config_free(c);
}

static void errors(void **state)
{
    (void)state;
    char longkey[700] = "";
    for (int i = 0; i < 3; i++) {
        size_t o = strlen(longkey);
        snprintf(longkey + o, sizeof longkey - o, "%*s%.*s:\n", 2 * i, "", 200, /* 200 x k */
                 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk"
                 "kkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkkk");
    }
    strcat(longkey, "      x: 1\n");
    const struct {
        const char *text, *message;
    } cases[] = {
        {"profile: geclusterd\nradius: 400\n",
         "p.yaml line 2: unknown key 'radius' (known here: candidates, facilities"},
        {"\n\nradius_m: veel\n", "p.yaml line 3: radius_m must be a number, not 'veel'"},
        {"criteria:\n  zorg:\n    full_m: [1, 2]\n", "p.yaml line 3: criteria.zorg.full_m must not be a list"},
        {"facilities:\n  - a.gpkg\n", "p.yaml line 2: facilities must not be a list"},
        {"- a\n", "p.yaml line 1: the project file must be a mapping of keys"},
        {"hallo\n", "p.yaml line 1: the project file must be a mapping of keys"},
        {"output: ~\n", "p.yaml line 1: output has no value"},
        {"output: null\n", "p.yaml line 1: output has no value"},
        {"output:\n", "p.yaml line 1: output has no value"},
        {"profiles:\n  senioren:\n    min_homes: 3\n",
         "p.yaml line 3: profile 'senioren' must be nultreden, geclusterd or zorggeschikt"},
        {"facilities:\n  Zorg: z.gpkg\n", "p.yaml line 2: category 'Zorg' must be lower-case letters"},
        {"a: &x 1\n", "p.yaml line 1: YAML anchors and aliases are not supported"},
        {longkey, "p.yaml line 3: key path too long"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_config *c = bp_config_new();
        bp_ctx *ctx = bp_ctx_new();
        bp_status st = load(c, "p.yaml", cases[i].text, ctx);
        if (st != BP_ERR_USAGE || strncmp(bp_ctx_errmsg(ctx), cases[i].message, strlen(cases[i].message)))
            fail_msg("case %zu: status %d, '%s', wanted '%s'", i, st, bp_ctx_errmsg(ctx), cases[i].message);
        bp_ctx_free(ctx);
        bp_config_free(c);
    }
}

static void files(void **state)
{
    (void)state;
    char dir[512], path[600];
    unit_tmpdir(dir, sizeof dir, "project");
    snprintf(path, sizeof path, "%s/project.yaml", dir);
    unit_put(path, "candidates: k.gpkg\noutput: o.gpkg\n");
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_config_load_yaml(c, path, ctx), BP_OK);
    char want[700];
    snprintf(want, sizeof want, "%s/k.gpkg", dir);
    assert_string_equal(c->candidates, want);
    snprintf(want, sizeof want, "%s/o.gpkg", dir);
    assert_string_equal(bp_config_output(c), want);
    /* a file that is not there: its name and why */
    snprintf(path, sizeof path, "%s/missing.yaml", dir);
    unit_expect_error(ctx, bp_config_load_yaml(c, path, ctx), BP_ERR_USAGE, "missing.yaml: cannot open: No such file");
    bp_ctx_free(ctx);
    bp_config_free(c);
    unit_rmdir(dir);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(relative_paths), cmocka_unit_test(folders), cmocka_unit_test(on_top),
        cmocka_unit_test(errors),         cmocka_unit_test(files),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
