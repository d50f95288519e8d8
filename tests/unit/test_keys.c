/* Unit tests of config/keys.c, the one table of keys: defaults, value
 * parsing and ranges, choices, messages for unknown keys, short forms,
 * categories and types in keys, the command line, --help, and the listing
 * behind --print-config and run_info. */
#include "unit.h"

#include "config/config.h"

/* ---- a listing as one text ------------------------------------------------- */

typedef struct {
    char *text;
    size_t len;
} listing;

static void list_row(const char *key, const char *value, void *ud)
{
    listing *l = ud;
    char *row = bp_strfmt("%s%s=%s", l->len ? "\n" : "", key, value);
    l->text = realloc(l->text, l->len + strlen(row) + 1);
    memcpy(l->text + l->len, row, strlen(row) + 1);
    l->len += strlen(row);
    free(row);
}

static char *list_config(const bp_config *c)
{
    listing l = {calloc(1, 1), 0};
    bp_config_foreach(c, list_row, &l);
    return l.text;
}

/* Sets key=value and expects success. */
static void set_ok(bp_config *c, const char *key, const char *value)
{
    bp_ctx *ctx = bp_ctx_new();
    bp_status st = bp_config_set(c, key, value, "test", ctx);
    if (st != BP_OK) fail_msg("%s=%s: %s", key, value, bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
}

/* Sets key=value and expects BP_ERR_USAGE with exactly 'message'. */
static void set_fails(const char *key, const char *value, const char *message)
{
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    char *before = list_config(c);
    bp_status st = bp_config_set(c, key, value, "p.yaml line 3", ctx);
    if (st != BP_ERR_USAGE || strcmp(bp_ctx_errmsg(ctx), message))
        fail_msg("%s=%s: status %d, message\n  '%s', wanted\n  '%s'", key, value, st, bp_ctx_errmsg(ctx), message);
    char *after = list_config(c); /* unaltered */
    assert_string_equal(before, after);
    free(before);
    free(after);
    bp_ctx_free(ctx);
    bp_config_free(c);
}

/* ---- defaults ---------------------------------------------------------------- */

static const char *const default_listing =
    "candidates.source=\ncandidates.id_field=\ncandidates.where=\ncandidates.capacity_field=\n"
    "candidates.levels_field=\ncandidates.chunk=65536\ngemeenten.source=\n"
    "gemeenten.code_field=gemeentecode\ngemeenten.name_field=gemeentenaam\ngemeenten.outside=warn\n"
    "targets.source=\nassume_crs=\nnetwork.source=\nnetwork.profile=walk\ndistance=euclidean\n"
    "facilities_from_osm=false\nnetwork.snap_tolerance_m=250\nnetwork.rules=\nnetwork.override=\n"
    "network.costs=\nnetwork.island_m=1000\nnetwork.counts=straight\nnetwork.walk_network=around\n"
    "profile=geclusterd\nradius_m=500\ndensity_homes_per_ha=60\nfloor_area_per_home_m2=85\n"
    "gap_weight=0.25\ncandidates.filter=\nprofiles.nultreden.min_homes=1\n"
    "profiles.geclusterd.min_homes=12\nprofiles.zorggeschikt.min_homes=12\ncrs=EPSG:28992\nthreads=0\n"
    "decisions=\nprogram=false\nprogram.min_spacing_m=\nprogram.min_spacing_m.nultreden=0\n"
    "program.min_spacing_m.geclusterd=400\nprogram.min_spacing_m.zorggeschikt=400\nprogram.solver=exact\n"
    "program.time_limit_s=10\nprogram.max_candidates=300\noutput=\nformat=GPKG\noverwrite=false";

static void defaults(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    char *l = list_config(c);
    assert_string_equal(l, default_listing);
    free(l);
    /* the struct behind it */
    assert_null(c->candidates);
    assert_null(c->id_field);
    assert_int_equal(c->rollator, 0);
    assert_int_equal(c->distance, BP_DIST_AUTO);
    assert_int_equal(c->format, BP_FMT_AUTO);
    assert_int_equal(c->threads, 0);
    assert_float_equal(c->snap_tolerance_m, 250, 0);
    assert_float_equal(c->min_homes[BP_NULTREDEN], bp_keys_min_homes_default(BP_NULTREDEN), 0);
    assert_float_equal(c->min_homes[BP_ZORGGESCHIKT], 12, 0);
    assert_int_equal(c->ncats, 0);
    bp_config_free(c);
    /* per-category defaults: the README table */
    static const struct {
        const char *cat;
        double full, zero, w[3];
    } table[] = {
        {"supermarkt", 500, 1000, {4, 4, 3}}, {"huisarts", 500, 1500, {2, 2, 4}},
        {"apotheek", 500, 1500, {2, 2, 3}},   {"ov_halte", 300, 800, {2, 2, 1}},
        {"ontmoeting", 500, 1000, {1, 3, 2}}, {"zorg", 500, 1500, {1, 2, 5}},
        {"groen", 300, 800, {1, 1, 1}},       {"fysiotherapie", 500, 1500, {1, 1, 1}},
        {"bakker", 500, 1000, {1, 1, 1}},
    };
    for (size_t i = 0; i < sizeof table / sizeof *table; i++) {
        bp_criterion k;
        memset(&k, 0x7f, sizeof k);
        bp_keys_category_defaults(table[i].cat, &k);
        assert_float_equal(k.full_m, table[i].full, 0);
        assert_float_equal(k.zero_m, table[i].zero, 0);
        assert_float_equal(k.knockout_m, 0, 0);
        assert_int_equal(k.decay, BP_DECAY_LINEAR);
        for (int t = 0; t < BP_NTYPES; t++) assert_float_equal(k.weight[t], table[i].w[t], 0);
    }
}

/* ---- values -------------------------------------------------------------------- */

static void numbers(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    set_ok(c, "radius_m", " 400 ");
    assert_float_equal(c->radius_m, 400, 0);
    set_ok(c, "radius_m", "+2.5e2");
    assert_float_equal(c->radius_m, 250, 0);
    set_ok(c, "gap_weight", ".5");
    assert_float_equal(c->gap_weight, 0.5, 0);
    set_ok(c, "gap_weight", "1.");
    assert_float_equal(c->gap_weight, 1, 0);
    set_ok(c, "threads", "3e0"); /* a whole number, however written */
    assert_int_equal(c->threads, 3);
    set_ok(c, "threads", "2.0");
    assert_int_equal(c->threads, 2);
    set_ok(c, "density_homes_per_ha", "0.1");
    set_ok(c, "density_homes_per_ha", "1000");
    set_ok(c, "network.snap_tolerance_m", "0");
    set_ok(c, "criteria.supermarkt.knockout_m", "0");
    bp_config_free(c);
}

static void number_errors(void **state)
{
    (void)state;
    /* ranges: every numeric key, just outside each end */
    set_fails("radius_m", "0", "p.yaml line 3: radius_m must be between 1 and 100000, not 0");
    set_fails("radius_m", "100001", "p.yaml line 3: radius_m must be between 1 and 100000, not 100001");
    set_fails("density_homes_per_ha", "0.05", "p.yaml line 3: density_homes_per_ha must be between 0.1 and 1000, not 0.05");
    set_fails("density_homes_per_ha", "1001", "p.yaml line 3: density_homes_per_ha must be between 0.1 and 1000, not 1001");
    set_fails("gap_weight", "-0.1", "p.yaml line 3: gap_weight must be between 0 and 1, not -0.1");
    set_fails("gap_weight", "1.01", "p.yaml line 3: gap_weight must be between 0 and 1, not 1.01");
    set_fails("threads", "257", "p.yaml line 3: threads must be between 0 and 256, not 257");
    set_fails("threads", "-1", "p.yaml line 3: threads must be between 0 and 256, not -1");
    set_fails("network.snap_tolerance_m", "-1",
              "p.yaml line 3: network.snap_tolerance_m must be between 0 and 100000, not -1");
    set_fails("criteria.zorg.full_m", "-5", "p.yaml line 3: criteria.zorg.full_m must be between 0 and 100000, not -5");
    set_fails("criteria.zorg.zero_m", "100000.5",
              "p.yaml line 3: criteria.zorg.zero_m must be between 0 and 100000, not 100000.5");
    set_fails("criteria.zorg.knockout_m", "1e6",
              "p.yaml line 3: criteria.zorg.knockout_m must be between 0 and 100000, not 1e6");
    set_fails("profiles.geclusterd.min_homes", "-1",
              "p.yaml line 3: profiles.geclusterd.min_homes must be between 0 and 100000, not -1");
    set_fails("profiles.geclusterd.weights.zorg", "1001",
              "p.yaml line 3: profiles.geclusterd.weights.zorg must be between 0 and 1000, not 1001");
    /* whole numbers */
    set_fails("threads", "2.5", "p.yaml line 3: threads must be a whole number, not '2.5'");
    /* not decimal numbers: hex, inf, nan, overflow, junk */
    static const char *const junk[] = {"0x10", "inf", "-inf", "Infinity", "nan", "NAN", "1e999", "", " ", "abc",
                                       "1,5", "1e", "e5", "5 m", "--5", "1.2.3", "."};
    for (size_t i = 0; i < sizeof junk / sizeof *junk; i++) {
        char want[128];
        snprintf(want, sizeof want, "p.yaml line 3: radius_m must be a number, not '%s'", junk[i]);
        set_fails("radius_m", junk[i], want);
    }
}

static void choices_and_bools(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    static const struct {
        const char *value;
        int f;
    } formats[] = {{"gpkg", BP_FMT_GPKG},          {"GeoPackage", BP_FMT_GPKG}, {"fgb", BP_FMT_FLATGEOBUF},
                   {"FlatGeobuf", BP_FMT_FLATGEOBUF}, {"json", BP_FMT_GEOJSON},  {"geojson", BP_FMT_GEOJSON},
                   {"csv", BP_FMT_CSV},            {"pg", BP_FMT_POSTGRESQL},    {"PostgreSQL", BP_FMT_POSTGRESQL},
                   {"auto", BP_FMT_AUTO}};
    for (size_t i = 0; i < sizeof formats / sizeof *formats; i++) {
        set_ok(c, "format", formats[i].value);
        assert_int_equal(c->format, formats[i].f);
    }
    set_ok(c, "profile", "ZORGGESCHIKT");
    assert_int_equal(c->profile, BP_ZORGGESCHIKT);
    set_ok(c, "profile", "nultreden");
    assert_int_equal(c->profile, BP_NULTREDEN);
    set_ok(c, "network.profile", "Rollator");
    assert_int_equal(c->rollator, 1);
    set_ok(c, "distance", "network");
    assert_int_equal(c->distance, BP_DIST_NETWORK);
    set_ok(c, "distance", "euclidean");
    assert_int_equal(c->distance, BP_DIST_EUCLIDEAN);
    set_ok(c, "criteria.zorg.decay", "LOGISTIC");
    assert_int_equal(bp_config_category(c, "zorg")->crit.decay, BP_DECAY_LOGISTIC);
    static const struct {
        const char *value;
        int b;
    } bools[] = {{"true", 1}, {"false", 0}, {"yes", 1}, {"no", 0}, {"on", 1},
                 {"off", 0},  {"1", 1},     {"0", 0},   {"TRUE", 1}, {"No", 0}};
    for (size_t i = 0; i < sizeof bools / sizeof *bools; i++) {
        set_ok(c, "overwrite", bools[i].value);
        assert_int_equal(c->overwrite, bools[i].b);
    }
    bp_config_free(c);
    set_fails("format", "shp",
              "p.yaml line 3: format must be auto, GPKG, FlatGeobuf, GeoJSON, CSV or PostgreSQL, not 'shp'");
    set_fails("profile", "senioren", "p.yaml line 3: profile must be nultreden, geclusterd or zorggeschikt, not 'senioren'");
    set_fails("network.profile", "fiets", "p.yaml line 3: network.profile must be walk or rollator, not 'fiets'");
    set_fails("distance", "manhattan", "p.yaml line 3: distance must be auto, network or euclidean, not 'manhattan'");
    set_fails("criteria.zorg.decay", "cubic", "p.yaml line 3: criteria.zorg.decay must be linear or logistic, not 'cubic'");
    set_fails("overwrite", "misschien", "p.yaml line 3: overwrite must be true or false, not 'misschien'");
    set_fails("facilities_from_osm", "2", "p.yaml line 3: facilities_from_osm must be true or false, not '2'");
}

static void strings_and_paths(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    set_ok(c, "candidates.where", "status <> 'vervallen'");
    assert_string_equal(c->candidates_where, "status <> 'vervallen'");
    set_ok(c, "candidates.where", ""); /* empty: unset */
    assert_null(c->candidates_where);
    set_ok(c, "gemeenten.code_field", "code");
    assert_string_equal(c->code_field, "code");
    /* values are taken as given: relative paths are the YAML loader's business */
    set_ok(c, "output", "sub/../x.gpkg");
    assert_string_equal(bp_config_output(c), "sub/../x.gpkg");
    assert_true(bp_keys_is_path("output"));
    assert_true(bp_keys_is_path("candidates.source"));
    assert_true(bp_keys_is_path("candidates")); /* the short form */
    assert_true(bp_keys_is_path("facilities.zorg"));
    assert_true(bp_keys_is_path("facilities.zorg.source"));
    assert_true(bp_keys_is_path("gemeenten.source"));
    assert_true(bp_keys_is_path("targets"));
    assert_true(bp_keys_is_path("network.source"));
    assert_false(bp_keys_is_path("facilities.zorg.where"));
    assert_false(bp_keys_is_path("candidates.id_field"));
    assert_false(bp_keys_is_path("crs"));
    assert_false(bp_keys_is_path("nonsense"));
    assert_false(bp_keys_is_path("a..b"));
    bp_config_free(c);
}

/* ---- keys -------------------------------------------------------------------- */

static void unknown_keys(void **state)
{
    (void)state;
    set_fails("colour", "red",
              "p.yaml line 3: unknown key 'colour' (known here: candidates, facilities, gemeenten, targets, "
              "assume_crs, network, distance, facilities_from_osm, osm_facilities, profile, radius_m, "
              "density_homes_per_ha, floor_area_per_home_m2, gap_weight, criteria, profiles, crs, "
              "threads, decisions, program, output, format, overwrite)");
    set_fails("candidates.sourse", "x",
              "p.yaml line 3: unknown key 'candidates.sourse' (known here: source, id_field, where, capacity_field, "
              "levels_field, chunk, filter)");
    set_fails("criteria.supermarkt.ful_m", "5",
              "p.yaml line 3: unknown key 'criteria.supermarkt.ful_m' (known here: full_m, zero_m, knockout_m, decay)");
    set_fails("facilities.zorg.bron", "x",
              "p.yaml line 3: unknown key 'facilities.zorg.bron' (known here: source, where, name_field)");
    set_fails("network.snap", "5",
              "p.yaml line 3: unknown key 'network.snap' (known here: source, profile, snap_tolerance_m, rules, override, costs, island_m, counts, walk_network)");
    /* the part that is wrong may come before the last */
    set_fails("profiles.geclusterd.weight.zorg", "3",
              "p.yaml line 3: unknown key 'profiles.geclusterd.weight.zorg' (known here: min_homes, weights)");
    set_fails("gemeenten.code.field", "x",
              "p.yaml line 3: unknown key 'gemeenten.code.field' (known here: source, code_field, name_field, outside)");
    /* a key that stops short names what may follow */
    set_fails("criteria.zorg", "500",
              "p.yaml line 3: unknown key 'criteria.zorg' (known here: full_m, zero_m, knockout_m, decay)");
    /* a key that goes on below a value */
    set_fails("gemeenten.code_field.x", "1",
              "p.yaml line 3: unknown key 'gemeenten.code_field.x' (gemeenten.code_field takes a value, not keys)");
    set_fails("facilities", "x.gpkg", "p.yaml line 3: facilities needs a category, e.g. facilities.supermarkt");
    set_fails("a..b", "1", "p.yaml line 3: malformed key 'a..b'");
    set_fails(".a", "1", "p.yaml line 3: malformed key '.a'");
    set_fails("a.b.c.d.e", "1", "p.yaml line 3: malformed key 'a.b.c.d.e'");
    /* without an origin the key names itself */
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    unit_expect_error(ctx, bp_config_set(c, "radius_m", "x", NULL, ctx), BP_ERR_USAGE,
                      "radius_m: radius_m must be a number, not 'x'");
    bp_ctx_free(ctx);
    bp_config_free(c);
}

static void short_forms(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    set_ok(c, "candidates", "kavels.gpkg|layername=kavels");
    assert_string_equal(c->candidates, "kavels.gpkg|layername=kavels");
    set_ok(c, "gemeenten", "gem.gpkg");
    assert_string_equal(c->gemeenten, "gem.gpkg");
    set_ok(c, "targets", "t.csv");
    assert_string_equal(c->targets, "t.csv");
    set_ok(c, "network", "n.osm.pbf");
    assert_string_equal(c->network, "n.osm.pbf");
    set_ok(c, "facilities.supermarkt", "pois.gpkg|layername=shops");
    const bp_category *k = bp_config_category(c, "supermarkt");
    assert_non_null(k);
    assert_string_equal(k->source, "pois.gpkg|layername=shops");
    assert_float_equal(k->crit.full_m, 500, 0); /* created with its defaults */
    bp_config_free(c);
}

static void categories_and_types(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    set_ok(c, "facilities.a23456789012345678901234", "x"); /* 24 characters */
    set_ok(c, "facilities.groen_2", "x");
    set_ok(c, "profiles.zorggeschikt.weights.zorg", "7");
    set_ok(c, "profiles.Nultreden.min_homes", "2"); /* types are case-insensitive */
    assert_float_equal(bp_config_category(c, "zorg")->crit.weight[BP_ZORGGESCHIKT], 7, 0);
    assert_float_equal(bp_config_category(c, "zorg")->crit.weight[BP_GECLUSTERD], 2, 0); /* default kept */
    assert_float_equal(c->min_homes[BP_NULTREDEN], 2, 0);
    /* criteria create the category, without a source */
    set_ok(c, "criteria.bakker.full_m", "200");
    assert_null(bp_config_category(c, "bakker")->source);
    assert_int_equal(c->ncats, 4);
    bp_config_free(c);
    const char *cat_msg = "(at most 24), starting with a letter";
    static const char *const bad[] = {"facilities.Supermarkt", "facilities.super-markt", "facilities.1abc",
                                      "facilities._a", "facilities.a234567890123456789012345",
                                      "criteria.A.full_m", "profiles.geclusterd.weights.Zorg",
                                      "osm_facilities.Groen", "facilities.café"};
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        bp_config *cc = bp_config_new();
        bp_ctx *ctx = bp_ctx_new();
        unit_expect_error(ctx, bp_config_set(cc, bad[i], "a=b", "here", ctx), BP_ERR_USAGE, cat_msg);
        unit_assert_contains(bp_ctx_errmsg(ctx), "here: category '");
        assert_int_equal(cc->ncats, 0);
        bp_ctx_free(ctx);
        bp_config_free(cc);
    }
    set_fails("profiles.senioren.min_homes", "3",
              "p.yaml line 3: profile 'senioren' must be nultreden, geclusterd or zorggeschikt");
    set_fails("profiles.senior.weights.zorg", "3",
              "p.yaml line 3: profile 'senior' must be nultreden, geclusterd or zorggeschikt");
    set_fails("osm_facilities.groen", "park",
              "p.yaml line 3: osm_facilities.groen takes \"key=value, key=value\", not 'park'");
}

static void osm_keys(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    set_ok(c, "facilities.supermarkt", "shops.gpkg");
    set_ok(c, "osm_facilities.groen", "leisure=park");
    const bp_category *g = bp_config_category(c, "groen");
    assert_string_equal(g->source, "osm");
    assert_int_equal(g->from_osm, 1);
    assert_string_equal(g->osm_tags, "leisure=park");
    /* tags for a category with a layer of its own: the layer wins */
    set_ok(c, "osm_facilities.supermarkt", "shop=supermarket");
    assert_int_equal(bp_config_category(c, "supermarkt")->from_osm, 0);
    assert_string_equal(bp_config_category(c, "supermarkt")->source, "shops.gpkg");
    /* a source of the user's own wins over OSM */
    set_ok(c, "facilities.groen", "parks.gpkg");
    assert_int_equal(bp_config_category(c, "groen")->from_osm, 0);
    /* facilities_from_osm registers the categories of layers/osm_facilities.yaml */
    set_ok(c, "facilities_from_osm", "true");
    assert_int_equal(c->facilities_from_osm, 1);
    const bp_category *h = bp_config_category(c, "huisarts");
    assert_non_null(h);
    assert_int_equal(h->from_osm, 1);
    assert_string_equal(h->osm_tags, "amenity=doctors, healthcare=doctor");
    assert_int_equal(bp_config_category(c, "groen")->from_osm, 0);
    assert_string_equal(bp_config_category(c, "groen")->source, "parks.gpkg");
    bp_config_free(c);
}

/* ---- the command line ------------------------------------------------------------- */

static bp_status parse(bp_config *c, bp_command cmd, unsigned *sw, bp_ctx *ctx, ...)
{
    char *argv[32];
    int argc = 0;
    va_list ap;
    va_start(ap, ctx);
    for (char *a; (a = va_arg(ap, char *)) != NULL;) argv[argc++] = a;
    va_end(ap);
    return bp_config_parse_args(c, cmd, argc, argv, sw, ctx);
}

static void args(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    unsigned sw = 99;
    assert_int_equal(parse(c, BP_CMD_SCORE, &sw, ctx, "--radius", "400", "--density=45", "-o", "out.csv", "-f", "fgb",
                           "--facility", "supermarkt=pois.gpkg|layername=shops", "--facility=zorg=z.gpkg",
                           "--overwrite", "-q", "--print-config", "--where", "a = 'b=c'", "--threads=2",
                           "--profile", "nultreden", "--candidates", "k.gpkg", NULL),
                     BP_OK);
    assert_int_equal(sw, BP_ARG_QUIET | BP_ARG_PRINT_CONFIG);
    assert_float_equal(c->radius_m, 400, 0);
    assert_float_equal(c->density, 45, 0);
    assert_string_equal(c->output, "out.csv");
    assert_int_equal(c->format, BP_FMT_FLATGEOBUF);
    assert_string_equal(bp_config_category(c, "supermarkt")->source, "pois.gpkg|layername=shops");
    assert_string_equal(bp_config_category(c, "zorg")->source, "z.gpkg");
    assert_int_equal(c->overwrite, 1);
    assert_string_equal(c->candidates_where, "a = 'b=c'");
    assert_int_equal(c->threads, 2);
    assert_int_equal(c->profile, BP_NULTREDEN);
    assert_string_equal(c->candidates, "k.gpkg");
    /* a switch with a value; a bool switch sets the OSM defaults */
    assert_int_equal(parse(c, BP_CMD_SCORE, &sw, ctx, "--overwrite=false", "--facilities-from-osm", "--quiet",
                           "--output=x.gpkg", NULL),
                     BP_OK);
    assert_int_equal(c->overwrite, 0);
    assert_int_equal(sw, BP_ARG_QUIET);
    assert_int_equal(c->facilities_from_osm, 1);
    assert_non_null(bp_config_category(c, "groen"));
    assert_string_equal(c->output, "x.gpkg");
    /* --help stops: what follows is not looked at */
    assert_int_equal(parse(c, BP_CMD_SCORE, &sw, ctx, "-q", "-h", "--bogus", NULL), BP_OK);
    assert_int_equal(sw, BP_ARG_QUIET | BP_ARG_HELP);
    assert_int_equal(parse(c, BP_CMD_RESCORE, &sw, ctx, "--help", NULL), BP_OK);
    assert_int_equal(sw, BP_ARG_HELP);
    /* rescore takes scoring and output flags */
    assert_int_equal(parse(c, BP_CMD_RESCORE, &sw, ctx, "--profile", "zorggeschikt", "--gap-weight", "0.5", "-o",
                           "r.gpkg", NULL),
                     BP_OK);
    assert_float_equal(c->gap_weight, 0.5, 0);
    assert_int_equal(parse(c, BP_CMD_SCORE, &sw, ctx, NULL), BP_OK); /* no flags at all */
    assert_int_equal(sw, 0);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    bp_ctx_free(ctx);
    bp_config_free(c);
}

static void arg_errors(void **state)
{
    (void)state;
    static const struct {
        bp_command cmd;
        const char *argv[4];
        const char *message;
    } cases[] = {
        {BP_CMD_SCORE, {"--radious", "5"}, "unknown flag '--radious' (see bodnaarplot score --help)"},
        {BP_CMD_SCORE, {"radius", "5"}, "unknown flag 'radius' (see bodnaarplot score --help)"},
        {BP_CMD_SCORE, {"-x"}, "unknown flag '-x' (see bodnaarplot score --help)"},
        {BP_CMD_RESCORE, {"--candidates", "k.gpkg"}, "unknown flag '--candidates' (see bodnaarplot rescore --help)"},
        {BP_CMD_RESCORE, {"--radius", "400"}, "unknown flag '--radius' (see bodnaarplot rescore --help)"},
        {BP_CMD_SCORE, {"--radius"}, "--radius needs a value (M)"},
        {BP_CMD_SCORE, {"-o"}, "--output needs a value (OUT)"},
        {BP_CMD_SCORE, {"--facility"}, "--facility needs a value (CAT=SRC)"},
        {BP_CMD_SCORE, {"--radius", "abc"}, "--radius: radius_m must be a number, not 'abc'"},
        {BP_CMD_SCORE, {"--radius=0"}, "--radius: radius_m must be between 1 and 100000, not 0"},
        {BP_CMD_SCORE, {"-f", "shp"}, "--format: format must be auto, GPKG, FlatGeobuf, GeoJSON, CSV or PostgreSQL, not 'shp'"},
        {BP_CMD_SCORE, {"--overwrite=maybe"}, "--overwrite: overwrite must be true or false, not 'maybe'"},
        {BP_CMD_SCORE, {"--facility", "=x.gpkg"}, "--facility takes CATEGORY=SOURCE, not '=x.gpkg'"},
        {BP_CMD_SCORE, {"--facility", "zorg="}, "--facility takes CATEGORY=SOURCE, not 'zorg='"},
        {BP_CMD_SCORE, {"--facility", "zorg.gpkg"}, "--facility takes CATEGORY=SOURCE, not 'zorg.gpkg'"},
        {BP_CMD_SCORE, {"--facility", "Zorg=z.gpkg"}, "--facility: category 'Zorg' must be lower-case letters"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_config *c = bp_config_new();
        bp_ctx *ctx = bp_ctx_new();
        unsigned sw;
        int argc = 0;
        while (argc < 4 && cases[i].argv[argc]) argc++;
        bp_status st = bp_config_parse_args(c, cases[i].cmd, argc, (char *const *)cases[i].argv, &sw, ctx);
        if (st != BP_ERR_USAGE || strncmp(bp_ctx_errmsg(ctx), cases[i].message, strlen(cases[i].message)))
            fail_msg("case %zu: status %d '%s', wanted '%s'", i, st, bp_ctx_errmsg(ctx), cases[i].message);
        bp_ctx_free(ctx);
        bp_config_free(c);
    }
    /* the flags before the faulty one are kept */
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    unsigned sw;
    assert_int_equal(parse(c, BP_CMD_SCORE, &sw, ctx, "--radius", "300", "-q", "--bogus", "--density", "9", NULL),
                     BP_ERR_USAGE);
    assert_float_equal(c->radius_m, 300, 0);
    assert_float_equal(c->density, 60, 0);
    assert_int_equal(sw, BP_ARG_QUIET);
    bp_ctx_free(ctx);
    bp_config_free(c);
}

/* ---- --help --------------------------------------------------------------------- */

/* Every flag line of the help ("  -o, --output OUT   text"): each is accepted
 * by the parser, with a value when it shows one.  Returns how many. */
static int check_help_flags(const char *help, bp_command cmd)
{
    int n = 0;
    for (const char *line = help; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
        if (strncmp(line, "  -", 3)) continue;
        char flag[64] = "", arg[64] = "";
        const char *p = line + 2;
        if (p[1] != '-') p = strstr(p, ", ") + 2; /* "-o, --output": the long form */
        sscanf(p, "%63s %63s", flag, arg);
        int has_arg = arg[0] >= 'A' && arg[0] <= 'Z' && strspn(arg, "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789=") == strlen(arg);
        if (!strcmp(flag, "--help")) {
            n++;
            continue;
        }
        const char *value = !has_arg ? NULL
                            : !strcmp(flag, "--facility") ? "supermarkt=s.gpkg"
                            : !strcmp(arg, "CAT=M") ? "supermarkt=300"
                            : !strcmp(arg, "CAT=W") ? "supermarkt=2"
                            : !strcmp(arg, "M2") || !strcmp(arg, "AREA") ? "90"
                            : !strcmp(arg, "WHAT") ? "warn"
                            : !strcmp(arg, "C") ? "network"
                            : !strcmp(flag, "--walk-network") ? "all"
                            : !strcmp(arg, "S") ? "greedy"
                            : !strcmp(arg, "FMT") ? "csv"
                            : !strcmp(arg, "TYPE") ? "nultreden"
                            : !strcmp(arg, "P") ? "rollator"
                            : !strcmp(arg, "D") ? "euclidean"
                            : !strcmp(arg, "W") ? "0.5"
                            : !strcmp(arg, "M") || !strcmp(arg, "N") ? "7"
                            : !strcmp(arg, "CRS") ? "EPSG:28992"
                                                  : "x.gpkg";
        char *argv[2] = {flag, (char *)value};
        bp_config *c = bp_config_new();
        bp_ctx *ctx = bp_ctx_new();
        unsigned sw;
        if (bp_config_parse_args(c, cmd, value ? 2 : 1, argv, &sw, ctx) != BP_OK)
            fail_msg("help lists %s %s, the parser says: %s", flag, arg, bp_ctx_errmsg(ctx));
        bp_ctx_free(ctx);
        bp_config_free(c);
        n++;
    }
    return n;
}

static void help(void **state)
{
    (void)state;
    char *h = bp_config_help(BP_CMD_SCORE);
    assert_non_null(h);
    /* every flag of README's "All options", under its heading, in order */
    static const char *const in_order[] = {
        "\nInputs:\n",
        "  --candidates SRC ",
        "  --id-field FIELD ",
        "  --where EXPR ",
        "  --capacity-field FIELD ",
        "  --levels-field FIELD ",
        "  --facility CAT=SRC ",
        "  --gemeenten SRC ",
        "  --gemeente-code-field FIELD ",
        "gemeente code field (default gemeentecode)\n",
        "  --gemeente-name-field FIELD ",
        "gemeente name field (default gemeentenaam)\n",
        "  --targets CSV ",
        "  --assume-crs CRS ",
        "\nWalking distances:\n",
        "  --network SRC ",
        "  --walk-profile P ",
        "(default walk)\n",
        "  --distance D ",
        "(default auto)\n",
        "  --facilities-from-osm ",
        "  --snap-tolerance M ",
        "(default 250)\n",
        "\nScoring:\n",
        "  --profile TYPE ",
        "(default geclusterd)\n",
        "  --radius M ",
        "(default 500)\n",
        "  --density N ",
        "(default 60)\n",
        "  --floor-area-per-home AREA ",
        "(default 85)\n",
        "  --gap-weight W ",
        "(default 0.25)\n",
        "  --filter SQL ",
        "  --full CAT=M ",
        "  --zero CAT=M ",
        "  --knockout CAT=M ",
        "  --weight CAT=W ",
        "  --min-homes N ",
        "  --crs CRS ",
        "(default EPSG:28992)\n",
        "  --threads N ",
        "(default 0)\n",
        "\nWorkshop:\n",
        "  --decisions GPKG ",
        "  --program ",
        "  --min-spacing M ",
        "  --program-solver S ",
        "(default exact)\n",
        "\nOutput:\n",
        "  -o, --output OUT ",
        "  -f, --format FMT ",
        "(default auto)\n",
        "  --overwrite ",
        "  -q, --quiet ",
        "  --print-config ",
        "  -h, --help ",
    };
    const char *p = h;
    for (size_t i = 0; i < sizeof in_order / sizeof *in_order; i++) {
        const char *q = strstr(p, in_order[i]);
        if (!q) fail_msg("'%s' missing from --help, or out of order", in_order[i]);
        p = q + strlen(in_order[i]);
    }
    /* switches show no default */
    const char *ow = strstr(h, "  --overwrite ");
    char line[256];
    snprintf(line, sizeof line, "%.*s", (int)(strchr(ow, '\n') - ow), ow);
    assert_null(strstr(line, "(default"));
    assert_int_equal(check_help_flags(h, BP_CMD_SCORE), 44);
    free(h);

    h = bp_config_help(BP_CMD_RESCORE);
    assert_null(strstr(h, "--candidates"));
    assert_null(strstr(h, "--radius"));
    assert_null(strstr(h, "--filter"));
    assert_null(strstr(h, "Inputs:"));
    unit_assert_contains(h, "  --profile TYPE ");
    unit_assert_contains(h, "  --density N ");
    unit_assert_contains(h, "  --gap-weight W ");
    unit_assert_contains(h, "  -o, --output OUT ");
    unit_assert_contains(h, "  --weight CAT=W ");
    assert_int_equal(check_help_flags(h, BP_CMD_RESCORE), 19);
    free(h);
}

/* ---- the listing ------------------------------------------------------------------ */

typedef struct {
    bp_config *c;
    bp_ctx *ctx;
} feed;

static void feed_row(const char *key, const char *value, void *ud)
{
    feed *f = ud;
    if (bp_config_set(f->c, key, value, "listing", f->ctx) != BP_OK)
        fail_msg("%s=%s from the listing is refused: %s", key, value, bp_ctx_errmsg(f->ctx));
}

/* Feeds the listing of c into a new configuration; checks that it lists
 * the same, and that the categories come back as they were. */
static void round_trip(const bp_config *c)
{
    feed f = {bp_config_new(), bp_ctx_new()};
    bp_config_foreach(c, feed_row, &f);
    char *a = list_config(c), *b = list_config(f.c);
    assert_string_equal(a, b);
    assert_int_equal(f.c->ncats, c->ncats);
    for (size_t i = 0; i < c->ncats; i++) {
        const bp_category *x = &c->cats[i], *y = bp_config_category(f.c, x->name);
        assert_non_null(y);
        assert_int_equal(y->from_osm, x->from_osm);
        assert_float_equal(y->crit.full_m, x->crit.full_m, 0);
        assert_float_equal(y->crit.zero_m, x->crit.zero_m, 0);
        assert_float_equal(y->crit.knockout_m, x->crit.knockout_m, 0);
        assert_int_equal(y->crit.decay, x->crit.decay);
        for (int t = 0; t < BP_NTYPES; t++) assert_float_equal(y->crit.weight[t], x->crit.weight[t], 0);
        if (x->source) assert_string_equal(y->source, x->source);
        if (x->osm_tags) assert_string_equal(y->osm_tags, x->osm_tags);
    }
    assert_int_equal(memcmp(f.c->min_homes, c->min_homes, sizeof c->min_homes), 0);
    free(a);
    free(b);
    bp_ctx_free(f.ctx);
    bp_config_free(f.c);
}

static void listing_round_trip(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    round_trip(c); /* the defaults */
    static const char *const kv[] = {
        "candidates", "k.gpkg|layername=kavels", "candidates.id_field", "kavel_id",
        "candidates.where", "status <> 'x'", "candidates.filter", "area_m2 > 2000",
        "gemeenten", "g.gpkg", "targets", "t.csv", "assume_crs", "EPSG:28992",
        "facilities.supermarkt", "s.gpkg", "facilities.supermarkt.where", "soort = 'super'",
        "facilities.supermarkt.name_field", "naam", "facilities.zorg", "PG:dbname=x|layername=zorg",
        "criteria.zorg.full_m", "300", "criteria.zorg.zero_m", "900.5", "criteria.zorg.decay", "logistic",
        "criteria.zorg.knockout_m", "2000", "profiles.zorggeschikt.weights.zorg", "7.25",
        "profiles.nultreden.min_homes", "3", "radius_m", "450", "density_homes_per_ha", "72.5",
        "gap_weight", "0.3", "profile", "zorggeschikt", "threads", "2", "output", "o.csv",
        "overwrite", "yes", "network", "n.osm.pbf", "network.profile", "rollator",
        "network.snap_tolerance_m", "100", "osm_facilities.groen", "leisure=park, leisure=garden",
        NULL};
    for (const char *const *p = kv; *p; p += 2) set_ok(c, p[0], p[1]);
    round_trip(c);
    /* every OSM default category, and an explicit format and distance */
    set_ok(c, "facilities_from_osm", "true");
    set_ok(c, "format", "geojson");
    set_ok(c, "distance", "euclidean");
    round_trip(c);
    char *l = list_config(c);
    unit_assert_contains(l, "\nfacilities.supermarkt.source=s.gpkg\nfacilities.supermarkt.where=soort = 'super'\n"
                            "facilities.supermarkt.name_field=naam\nfacilities.zorg.source=PG:dbname=x|layername=zorg\n");
    unit_assert_contains(l, "\ncriteria.zorg.full_m=300\ncriteria.zorg.zero_m=900.5\ncriteria.zorg.knockout_m=2000\n");
    unit_assert_contains(l, "\ncriteria.zorg.decay=logistic\n");
    unit_assert_contains(l, "\nprofiles.zorggeschikt.weights.zorg=7.25\n");
    unit_assert_contains(l, "\nosm_facilities.groen=leisure=park, leisure=garden\n");
    unit_assert_contains(l, "\nosm_facilities.huisarts=amenity=doctors, healthcare=doctor\n");
    unit_assert_contains(l, "\nformat=GeoJSON\n");
    unit_assert_contains(l, "\ndistance=euclidean\n");
    free(l);
    bp_config_free(c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(defaults),          cmocka_unit_test(numbers),
        cmocka_unit_test(number_errors),     cmocka_unit_test(choices_and_bools),
        cmocka_unit_test(strings_and_paths), cmocka_unit_test(unknown_keys),
        cmocka_unit_test(short_forms),       cmocka_unit_test(categories_and_types),
        cmocka_unit_test(osm_keys),          cmocka_unit_test(args),
        cmocka_unit_test(arg_errors),        cmocka_unit_test(help),
        cmocka_unit_test(listing_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
