/* Unit tests of config/config.c: defaults, the key setter shared by flags
 * and project files, YAML loading with relative paths, validation within
 * and across keys, the OpenStreetMap categories, the effective format and
 * distance mode. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "config/config.h"

static void defaults(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    assert_int_equal(c->profile, BP_GECLUSTERD);
    assert_string_equal(c->crs, "EPSG:28992");
    assert_string_equal(c->code_field, "gemeentecode");
    assert_float_equal(c->radius_m, 500, 0);
    assert_float_equal(c->density, 60, 0);
    assert_float_equal(c->gap_weight, 0.25, 0);
    assert_float_equal(c->min_homes[BP_GECLUSTERD], 12, 0);
    /* known categories get their documented criteria */
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_config_set(c, "facilities.ov_halte", "x.gpkg", NULL, ctx), BP_OK);
    assert_int_equal(bp_config_set(c, "facilities.bakker", "y.gpkg", NULL, ctx), BP_OK);
    const bp_category *k = bp_config_category(c, "ov_halte");
    assert_float_equal(k->crit.full_m, 300, 0);
    assert_float_equal(k->crit.zero_m, 800, 0);
    k = bp_config_category(c, "bakker"); /* unknown: generic */
    assert_float_equal(k->crit.full_m, 500, 0);
    assert_float_equal(k->crit.weight[BP_NULTREDEN], 1, 0);
    bp_ctx_free(ctx);
    bp_config_free(c);
    bp_config_free(NULL);
}

static void setter_errors(void **state)
{
    (void)state;
    static const struct {
        const char *key, *value, *expect;
    } cases[] = {
        {"profile", "senioren", "profile must be nultreden, geclusterd or zorggeschikt"},
        {"radius_m", "abc", "radius_m must be a number"},
        {"radius_m", "-5", "between 1 and 100000"},
        {"radius_m", "1e999", "must be a number"},
        {"gap_weight", "1.5", "between 0 and 1"},
        {"overwrite", "misschien", "true or false"},
        {"criteria.supermarkt.decay", "cubic", "linear or logistic"},
        {"criteria.supermarkt.ful_m", "5", "unknown key 'criteria.supermarkt.ful_m'"},
        {"facilities.Super-Markt", "x", "lower-case letters"},
        {"profiles.senioren.min_homes", "3", "profile 'senioren'"},
        {"colour", "red", "unknown key 'colour'"},
        {"a..b", "1", "malformed key"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_config *c = bp_config_new();
        bp_ctx *ctx = bp_ctx_new();
        assert_int_equal(bp_config_set(c, cases[i].key, cases[i].value, "here", ctx), BP_ERR_USAGE);
        if (!strstr(bp_ctx_errmsg(ctx), cases[i].expect) || strncmp(bp_ctx_errmsg(ctx), "here: ", 6))
            fail_msg("case %zu: '%s' lacks '%s'", i, bp_ctx_errmsg(ctx), cases[i].expect);
        bp_ctx_free(ctx);
        bp_config_free(c);
    }
}

static char dir[128];

static const char *write_file(const char *name, const char *text)
{
    static char p[256];
    snprintf(p, sizeof p, "%s/%s", dir, name);
    FILE *f = fopen(p, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    return p;
}

static void yaml_project(void **state)
{
    (void)state;
    snprintf(dir, sizeof dir, "/tmp/bp_test_config_%d", (int)getpid());
    mkdir(dir, 0700);
    const char *p = write_file("p.yaml",
                               "profile: zorggeschikt\n"
                               "candidates:\n  source: kavels.gpkg|layername=kavels\n  id_field: id\n"
                               "gemeenten: /abs/gem.gpkg\n"
                               "targets: t.csv\n"
                               "facilities:\n  supermarkt: PG:dbname=x\n  zorg:\n    source: sub/z.gpkg\n    where: \"soort = 'verpleeghuis'\"\n"
                               "criteria:\n  zorg: {full_m: 300, zero_m: 900, decay: logistic, knockout_m: 2000}\n"
                               "profiles:\n  zorggeschikt:\n    weights: {zorg: 7}\n    min_homes: 20\n"
                               "output: out.gpkg\n");
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_config_load_yaml(c, p, ctx), BP_OK);
    char want[256];
    snprintf(want, sizeof want, "%s/kavels.gpkg|layername=kavels", dir);
    assert_string_equal(c->candidates, want);
    assert_string_equal(c->gemeenten, "/abs/gem.gpkg");
    snprintf(want, sizeof want, "%s/out.gpkg", dir);
    assert_string_equal(c->output, want);
    assert_int_equal(c->profile, BP_ZORGGESCHIKT);
    const bp_category *z = bp_config_category(c, "zorg");
    snprintf(want, sizeof want, "%s/sub/z.gpkg", dir);
    assert_string_equal(z->source, want);
    assert_string_equal(z->where, "soort = 'verpleeghuis'");
    assert_int_equal(z->crit.decay, BP_DECAY_LOGISTIC);
    assert_float_equal(z->crit.knockout_m, 2000, 0);
    assert_float_equal(z->crit.weight[BP_ZORGGESCHIKT], 7, 0);
    assert_float_equal(c->min_homes[BP_ZORGGESCHIKT], 20, 0);
    assert_string_equal(bp_config_category(c, "supermarkt")->source, "PG:dbname=x");
    assert_int_equal(bp_config_validate(c, ctx), BP_OK);
    bp_ctx_free(ctx);
    bp_config_free(c);

    static const struct {
        const char *text, *expect;
    } bad[] = {
        {"profile: geclusterd\nradius: 400\n", "p.yaml line 2: unknown key 'radius'"},
        {"radius_m: [1, 2]\n", "line 1: radius_m must not be a list"},
        {"criteria:\n  supermarkt:\n    full_m: veel\n", "line 3: criteria.supermarkt.full_m must be a number"},
        {"- a\n- b\n", "must be a mapping"},
        {"output:\n", "output has no value"},
        {"a: &x 1\n", "anchors and aliases"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        p = write_file("p.yaml", bad[i].text);
        c = bp_config_new();
        ctx = bp_ctx_new();
        assert_int_equal(bp_config_load_yaml(c, p, ctx), BP_ERR_USAGE);
        if (!strstr(bp_ctx_errmsg(ctx), bad[i].expect))
            fail_msg("case %zu: '%s' lacks '%s'", i, bp_ctx_errmsg(ctx), bad[i].expect);
        bp_ctx_free(ctx);
        bp_config_free(c);
    }
    unlink(p);
    rmdir(dir);
}

static void validation(void **state)
{
    (void)state;
    static const struct {
        const char *const kv[16];
        const char *expect;
    } cases[] = {
        {{"gemeenten", "g", "targets", "t", "output", "o.gpkg", "facilities.a", "x", NULL}, "no candidate plots"},
        {{"candidates", "c", "targets", "t", "output", "o.gpkg", "facilities.a", "x", NULL}, "no gemeente"},
        {{"candidates", "c", "gemeenten", "g", "output", "o.gpkg", "facilities.a", "x", NULL}, "no targets"},
        {{"candidates", "c", "gemeenten", "g", "targets", "t", "facilities.a", "x", NULL}, "no output"},
        {{"candidates", "c", "gemeenten", "g", "targets", "t", "output", "o.gpkg", NULL}, "no facility"},
        {{"candidates", "c", "gemeenten", "g", "targets", "t", "output", "o.gpkg", "criteria.zorg.full_m", "5", NULL},
         "no facility layer is given for it"},
        {{"candidates", "c", "gemeenten", "g", "targets", "t", "output", "o.gpkg", "facilities.a", "x",
          "criteria.a.full_m", "2000", NULL},
         "full_m (2000) must be smaller than zero_m (1000)"},
        {{"candidates", "c", "gemeenten", "g", "targets", "t", "output", "o.gpkg", "facilities.a", "x",
          "profiles.nultreden.weights.a", "0", NULL},
         "profiles.nultreden: the weights"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_config *c = bp_config_new();
        bp_ctx *ctx = bp_ctx_new();
        for (const char *const *kv = cases[i].kv; kv[0]; kv += 2)
            assert_int_equal(bp_config_set(c, kv[0], kv[1], NULL, ctx), BP_OK);
        assert_int_equal(bp_config_validate(c, ctx), BP_ERR_USAGE);
        if (!strstr(bp_ctx_errmsg(ctx), cases[i].expect))
            fail_msg("case %zu: '%s' lacks '%s'", i, bp_ctx_errmsg(ctx), cases[i].expect);
        bp_ctx_free(ctx);
        bp_config_free(c);
    }
}

/* The inputs every valid configuration has, then kv pairs. */
static bp_config *complete(const char *const *kv)
{
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    static const char *const base[] = {"candidates", "c.gpkg", "gemeenten", "g.gpkg", "targets", "t.csv",
                                       "output", "o.gpkg", NULL};
    for (const char *const *p = base; *p; p += 2) assert_int_equal(bp_config_set(c, p[0], p[1], NULL, ctx), BP_OK);
    for (const char *const *p = kv; p && *p; p += 2)
        if (bp_config_set(c, p[0], p[1], NULL, ctx) != BP_OK) fail_msg("%s: %s", p[0], bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return c;
}

static void validation_across_keys(void **state)
{
    (void)state;
    static const struct {
        const char *const kv[12];
        const char *expect; /* NULL: valid */
    } cases[] = {
        {{"facilities.a", "x", NULL}, NULL},
        {{"facilities.a", "x", "distance", "network", NULL},
         "distance: network needs a walking network (--network SRC or network:)"},
        {{"facilities.a", "x", "distance", "network", "network", "n.gpkg", NULL}, NULL},
        {{"facilities.a", "x", "osm_facilities.groen", "leisure=park", NULL},
         "facility category groen is taken from OpenStreetMap: that needs an .osm or .osm.pbf network (--network)"},
        {{"facilities.a", "x", "osm_facilities.groen", "leisure=park", "network", "paden.gpkg", NULL},
         "facility category groen is taken from OpenStreetMap"},
        {{"facilities.a", "x", "osm_facilities.groen", "leisure=park", "network", "r.osm.pbf", NULL}, NULL},
        {{"facilities.a", "x", "osm_facilities.groen", "leisure=park", "network", "r.osm", NULL}, NULL},
        {{"facilities.a", "x", "criteria.a.full_m", "1000", NULL},
         "criteria.a: full_m (1000) must be smaller than zero_m (1000)"},
        {{"facilities.a", "x", "criteria.a.zero_m", "400", "criteria.a.full_m", "300", NULL}, NULL},
        {{"facilities.a", "x", "profiles.zorggeschikt.weights.a", "0", NULL},
         "profiles.zorggeschikt: the weights of the categories sum to 0"},
        {{"facilities.a", "x", "facilities.b", "y", "profiles.zorggeschikt.weights.a", "0", NULL}, NULL},
        {{"facilities.a", "x", "profiles.nultreden.weights.b", "2", NULL},
         "criteria or weights are set for category 'b', but no facility layer is given for it (--facility b=SRC or "
         "facilities.b)"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_config *c = complete(cases[i].kv);
        bp_ctx *ctx = bp_ctx_new();
        bp_status st = bp_config_validate(c, ctx);
        if (!cases[i].expect ? st != BP_OK : st != BP_ERR_USAGE || !strstr(bp_ctx_errmsg(ctx), cases[i].expect))
            fail_msg("case %zu: status %d '%s', wanted '%s'", i, st, bp_ctx_errmsg(ctx),
                     cases[i].expect ? cases[i].expect : "valid");
        bp_ctx_free(ctx);
        bp_config_free(c);
    }
}

static void osm_defaults(void **state)
{
    (void)state;
    static const char *const kv[] = {"facilities.supermarkt", "winkels.gpkg", "osm_facilities.zorg",
                                     "amenity=hospital", "facilities.bakker", "b.gpkg", NULL};
    bp_config *c = complete(kv);
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_config_osm_defaults(c, ctx), BP_OK);
    /* every category of layers/osm_facilities.yaml */
    static const struct {
        const char *cat, *tags;
    } osm[] = {{"huisarts", "amenity=doctors, healthcare=doctor"},
               {"apotheek", "amenity=pharmacy, healthcare=pharmacy"},
               {"ov_halte", "highway=bus_stop, public_transport=platform, railway=tram_stop, railway=station, railway=halt"},
               {"groen", "leisure=park, leisure=garden"},
               {"zorg", "amenity=hospital"}}; /* the user's tags win */
    for (size_t i = 0; i < sizeof osm / sizeof *osm; i++) {
        const bp_category *k = bp_config_category(c, osm[i].cat);
        assert_non_null(k);
        assert_int_equal(k->from_osm, 1);
        assert_string_equal(k->source, "osm");
        assert_string_equal(k->osm_tags, osm[i].tags);
    }
    assert_non_null(bp_config_category(c, "ontmoeting"));
    /* a category with a layer of its own keeps it */
    const bp_category *s = bp_config_category(c, "supermarkt");
    assert_int_equal(s->from_osm, 0);
    assert_string_equal(s->source, "winkels.gpkg");
    assert_null(s->osm_tags);
    assert_int_equal(bp_config_category(c, "bakker")->from_osm, 0);
    /* twice changes nothing */
    size_t n = c->ncats;
    assert_int_equal(bp_config_osm_defaults(c, ctx), BP_OK);
    assert_int_equal(c->ncats, n);
    assert_int_equal(n, 8); /* supermarkt, zorg, bakker + huisarts, apotheek, ov_halte, ontmoeting, groen */
    bp_ctx_free(ctx);
    bp_config_free(c);
}

static void categories_format_distance(void **state)
{
    (void)state;
    assert_true(bp_config_valid_category("a"));
    assert_true(bp_config_valid_category("ov_halte2"));
    assert_true(bp_config_valid_category("abcdefghijklmnopqrstuvwx")); /* 24 */
    assert_false(bp_config_valid_category("abcdefghijklmnopqrstuvwxy"));
    assert_false(bp_config_valid_category(""));
    assert_false(bp_config_valid_category("Ov"));
    assert_false(bp_config_valid_category("2ov"));
    assert_false(bp_config_valid_category("_ov"));
    assert_false(bp_config_valid_category("ov-halte"));
    assert_false(bp_config_valid_category("ov halte"));
    bp_config *c = bp_config_new();
    bp_category *k = bp_config_category_get(c, "bakker");
    assert_non_null(k);
    assert_ptr_equal(bp_config_category_get(c, "bakker"), k);
    assert_ptr_equal(bp_config_category(c, "bakker"), k);
    assert_null(bp_config_category(c, "slager"));
    assert_null(k->source);
    assert_float_equal(k->crit.zero_m, 1000, 0);
    assert_int_equal(c->ncats, 1);
    /* the format: explicit, else from the output's name */
    assert_null(bp_config_output(c));
    assert_null(bp_config_output(NULL));
    assert_int_equal(bp_config_format(c), BP_FMT_GPKG);
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_config_set(c, "output", "x.csv", NULL, ctx), BP_OK);
    assert_int_equal(bp_config_format(c), BP_FMT_CSV);
    assert_int_equal(bp_config_set(c, "format", "fgb", NULL, ctx), BP_OK);
    assert_int_equal(bp_config_format(c), BP_FMT_FLATGEOBUF);
    /* distances: network when one is given, unless told otherwise */
    assert_false(bp_config_use_network(c));
    assert_int_equal(bp_config_set(c, "network", "n.osm", NULL, ctx), BP_OK);
    assert_true(bp_config_use_network(c));
    assert_int_equal(bp_config_set(c, "distance", "euclidean", NULL, ctx), BP_OK);
    assert_false(bp_config_use_network(c));
    assert_int_equal(bp_config_set(c, "distance", "network", NULL, ctx), BP_OK);
    assert_true(bp_config_use_network(c));
    bp_ctx_free(ctx);
    bp_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults), cmocka_unit_test(setter_errors), cmocka_unit_test(yaml_project),
        cmocka_unit_test(validation), cmocka_unit_test(validation_across_keys), cmocka_unit_test(osm_defaults),
        cmocka_unit_test(categories_format_distance),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
