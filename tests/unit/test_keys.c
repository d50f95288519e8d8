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

static void unknown_keys(void **state)
{
    (void)state;
    set_fails("colour", "red",
              "p.yaml line 3: unknown key 'colour' (known here: candidates, facilities, gemeenten, targets, "
              "assume_crs, network, distance, facilities_from_osm, osm_facilities, profile, radius_m, "
              "density_homes_per_ha, gap_weight, criteria, profiles, crs, threads, output, format, overwrite)");
    set_fails("candidates.sourse", "x", "p.yaml line 3: unknown key 'candidates.sourse' (known here: source, id_field, where, filter)");
    set_fails("criteria.supermarkt.ful_m", "5",
              "p.yaml line 3: unknown key 'criteria.supermarkt.ful_m' (known here: full_m, zero_m, knockout_m, decay)");
    set_fails("facilities.zorg.bron", "x",
              "p.yaml line 3: unknown key 'facilities.zorg.bron' (known here: source, where, name_field)");
    set_fails("network.snap", "5",
              "p.yaml line 3: unknown key 'network.snap' (known here: source, profile, snap_tolerance_m)");
    /* the part that is wrong may come before the last */
    set_fails("profiles.geclusterd.weight.zorg", "3",
              "p.yaml line 3: unknown key 'profiles.geclusterd.weight.zorg' (known here: min_homes, weights)");
    set_fails("gemeenten.code.field", "x",
              "p.yaml line 3: unknown key 'gemeenten.code.field' (known here: source, code_field, name_field)");
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
    unit_assert_contains(l, "\ncriteria.zorg.full_m=300\ncriteria.zorg.zero_m=900.5\ncriteria.zorg.knockout_m=2000\n"
                            "criteria.zorg.decay=logistic\n");
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
        cmocka_unit_test(number_errors),
        cmocka_unit_test(choices_and_bools),
        cmocka_unit_test(unknown_keys),
        cmocka_unit_test(listing_round_trip),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
