/* The walkability rules engine (network/rules.c) and GDAL's HSTORE text
 * (network/lines.c): the built-in Dutch rules on the tag combinations the
 * README promises, the rollator's costs, a project's own rules file that
 * extends the built-in one, network.override and network.costs, and errors
 * that name the file and line or the key. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "distance/network/network.h"

static bp_rules *load(const char *path, const char *override, const char *costs, const char *profile)
{
    bp_ctx *ctx = bp_ctx_new();
    bp_rules *r = NULL;
    bp_rules_opts o = {path, override, costs, profile};
    if (bp_rules_load(&o, &r, ctx) != BP_OK) fail_msg("rules: %s", bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return r;
}

/* The error of loading, or NULL when it loads. */
static char *load_error(const char *path, const char *override, const char *costs, bp_status *status)
{
    bp_ctx *ctx = bp_ctx_new();
    bp_rules *r = NULL;
    bp_rules_opts o = {path, override, costs, "walk"};
    *status = bp_rules_load(&o, &r, ctx);
    char *msg = *status == BP_OK ? NULL : bp_strdup(bp_ctx_errmsg(ctx));
    assert_true((*status == BP_OK) == (r != NULL));
    bp_rules_free(r);
    bp_ctx_free(ctx);
    return msg;
}

/* Tags from "k=v;k=v" into t (strings in buf). */
static size_t parse(const char *text, char *buf, bp_tag *t)
{
    strcpy(buf, text);
    size_t n = 0;
    for (char *save = NULL, *kv = strtok_r(buf, ";", &save); kv; kv = strtok_r(NULL, ";", &save)) {
        char *eq = strchr(kv, '=');
        *eq = '\0';
        t[n++] = (bp_tag){kv, eq + 1};
    }
    return n;
}

static int way(const bp_rules *r, const char *tags, unsigned *attr, const char **rule)
{
    char buf[512];
    bp_tag t[16];
    size_t n = parse(tags, buf, t);
    const char **vals = calloc(bp_rules_nkeys(r) + 1, sizeof *vals);
    bp_rules_bind(r, t, n, vals);
    size_t idx;
    int w = bp_rules_way(r, vals, attr, &idx);
    *rule = idx < bp_rules_nway(r) ? bp_rules_way_id(r, idx) : "(none)";
    free(vals);
    return w;
}

static unsigned flag(const bp_rules *r, const char *name)
{
    for (int i = 0; i < bp_rules_nflags(r); i++)
        if (!strcmp(bp_rules_flag_name(r, i), name)) return 1u << i;
    fail_msg("no flag %s", name);
    return 0;
}

static void builtin_ways(void **state)
{
    (void)state;
    bp_rules *r = load(NULL, NULL, NULL, "walk");
    static const struct {
        const char *tags;
        int walk;
        const char *flag; /* or NULL: none */
    } cases[] = {
        {"highway=cycleway", BP_WALK_YES, NULL},                 /* RVV 1990 art. 4: the fietspad */
        {"highway=cycleway;moped=no;segregated=no", BP_WALK_YES, NULL},
        {"highway=cycleway;foot=no", BP_WALK_NO, NULL},
        {"highway=primary", BP_WALK_YES, NULL},
        {"highway=primary_link", BP_WALK_YES, NULL},
        {"highway=primary;foot=use_sidepath", BP_WALK_NO, NULL},
        {"highway=primary;motorroad=yes", BP_WALK_NO, NULL},
        {"highway=trunk", BP_WALK_NO, NULL},
        {"highway=trunk;sidewalk=both", BP_WALK_YES, NULL},
        {"highway=trunk;sidewalk:right=yes", BP_WALK_YES, NULL},
        {"highway=trunk;sidewalk=separate", BP_WALK_NO, NULL},   /* the sidewalk is a way of its own */
        {"highway=trunk;foot=designated", BP_WALK_YES, NULL},
        {"highway=motorway;sidewalk=both", BP_WALK_NO, NULL},
        {"highway=motorway;foot=yes", BP_WALK_YES, NULL},        /* the foot tag decides first */
        {"highway=service;access=private", BP_WALK_ENDPOINT, NULL},
        {"highway=service;access=private;foot=yes", BP_WALK_YES, NULL},
        {"highway=footway;foot=private", BP_WALK_ENDPOINT, NULL},
        {"highway=service;access=customers", BP_WALK_YES, NULL},
        {"highway=service;access=destination", BP_WALK_YES, NULL},
        {"highway=footway;access=no", BP_WALK_NO, NULL},
        {"highway=path;access=no;foot=designated", BP_WALK_YES, NULL},
        {"highway=construction", BP_WALK_NO, NULL},
        {"highway=proposed", BP_WALK_NO, NULL},
        {"highway=busway", BP_WALK_NO, NULL},
        {"highway=bridleway;foot=yes", BP_WALK_YES, NULL},
        {"public_transport=platform", BP_WALK_YES, NULL},
        {"building=yes", BP_WALK_NO, NULL},
        {"highway=steps", BP_WALK_YES, "steps"},
        {"highway=steps;ramp:wheelchair=yes", BP_WALK_YES, "rough"},
        {"highway=steps;ramp=yes", BP_WALK_YES, "steps"},        /* a bicycle gutter */
        {"highway=footway;incline=up", BP_WALK_YES, "rough"},
        {"highway=footway;incline=0%", BP_WALK_YES, NULL},
        {"highway=residential;surface=sett", BP_WALK_YES, "rough"},
        {"highway=residential;surface=asphalt", BP_WALK_YES, NULL},
        {"highway=track;tracktype=grade4", BP_WALK_YES, "rough"},
        {"highway=footway;wheelchair=no", BP_WALK_YES, "barrier"},
        {"highway=footway;kerb=raised", BP_WALK_YES, "barrier"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        unsigned attr;
        const char *rule;
        int w = way(r, cases[i].tags, &attr, &rule);
        if (w != cases[i].walk) fail_msg("%s: walk %d by rule %s, expected %d", cases[i].tags, w, rule, cases[i].walk);
        unsigned want = cases[i].flag ? flag(r, cases[i].flag) : 0;
        if ((attr & BP_ATTR_FLAGS) != want) fail_msg("%s: flags %#x, expected %#x", cases[i].tags, attr, want);
        assert_int_equal((attr & BP_ATTR_ENDPOINT) != 0, w == BP_WALK_ENDPOINT);
    }
    bp_rules_free(r);
}

static void builtin_nodes_and_areas(void **state)
{
    (void)state;
    bp_rules *r = load(NULL, NULL, NULL, "rollator");
    const char **vals = calloc(bp_rules_nkeys(r) + 1, sizeof *vals);
    char buf[256];
    bp_tag t[8];
    size_t n = parse("barrier=kerb;kerb=raised", buf, t);
    bp_rules_bind(r, t, n, vals);
    unsigned f = bp_rules_node(r, vals);
    assert_true(f == flag(r, "barrier") && bp_rules_blocks(r, f));
    n = parse("barrier=kerb;kerb=lowered", buf, t);
    bp_rules_bind(r, t, n, vals);
    assert_int_equal(bp_rules_node(r, vals), 0);
    n = parse("barrier=gate", buf, t); /* gates open */
    bp_rules_bind(r, t, n, vals);
    assert_int_equal(bp_rules_node(r, vals), 0);
    n = parse("barrier=wall", buf, t);
    bp_rules_bind(r, t, n, vals);
    assert_true(bp_rules_node(r, vals) == flag(r, "block"));
    n = parse("highway=pedestrian;area=yes", buf, t);
    bp_rules_bind(r, t, n, vals);
    assert_true(bp_rules_area(r, vals));
    n = parse("highway=pedestrian", buf, t); /* a closed way without area=yes is a loop */
    bp_rules_bind(r, t, n, vals);
    assert_false(bp_rules_area(r, vals));
    n = parse("type=multipolygon;highway=pedestrian", buf, t);
    bp_rules_bind(r, t, n, vals);
    assert_true(bp_rules_area(r, vals));
    free(vals);
    /* rollator: steps and barriers impassable, rough 1.5; walk: all 1 */
    assert_true(isinf(bp_rules_factor(r, flag(r, "steps"))));
    assert_true(isinf(bp_rules_factor(r, flag(r, "barrier"))));
    assert_float_equal(bp_rules_factor(r, flag(r, "rough")), 1.5, 1e-12);
    assert_float_equal(bp_rules_factor(r, 0), 1, 1e-12);
    bp_rules_free(r);
    r = load(NULL, NULL, NULL, "walk");
    assert_float_equal(bp_rules_factor(r, flag(r, "steps") | flag(r, "rough")), 1, 1e-12);
    assert_true(isinf(bp_rules_factor(r, flag(r, "block"))));
    assert_false(bp_rules_blocks(r, flag(r, "barrier")));
    bp_rules_free(r);
}

static char *write_tmp(const char *text)
{
    char *path = bp_strdup("/tmp/bp_rules_XXXXXX.yaml");
    int fd = mkstemps(path, 5);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

static void own_rules_extend(void **state)
{
    (void)state;
    char *path = write_tmp("extends: builtin\n"
                           "way_rules:\n"
                           "  - id: busway_walkable\n"
                           "    if: {highway: busway}\n"
                           "    walk: \"yes\"\n"
                           "  - id: private_access\n" /* replaces the built-in rule in its place */
                           "    if: {access: [private, permit]}\n"
                           "    walk: \"no\"\n"
                           "flag_rules:\n"
                           "  - id: cobbles\n"
                           "    if: {surface: paving_stones}\n"
                           "    flags: [bumpy]\n"
                           "profiles:\n"
                           "  rollator: {rough: 2, bumpy: 1.2}\n");
    bp_rules *r = load(path, NULL, NULL, "rollator");
    unsigned attr;
    const char *rule;
    assert_int_equal(way(r, "highway=busway", &attr, &rule), BP_WALK_YES);
    assert_string_equal(rule, "busway_walkable");
    assert_int_equal(way(r, "highway=service;access=private", &attr, &rule), BP_WALK_NO);
    assert_string_equal(rule, "private_access");
    /* foot=yes still comes first: the replaced rule kept its place */
    assert_int_equal(way(r, "highway=service;access=private;foot=yes", &attr, &rule), BP_WALK_YES);
    assert_int_equal(way(r, "highway=footway;surface=paving_stones", &attr, &rule), BP_WALK_YES);
    assert_float_equal(bp_rules_factor(r, attr), 1.2, 1e-12);
    assert_float_equal(bp_rules_factor(r, flag(r, "rough")), 2, 1e-12);
    assert_true(isinf(bp_rules_factor(r, flag(r, "steps")))); /* not named: as built in */
    bp_rules_free(r);
    unlink(path);
    free(path);
    /* without extends the file replaces the built-in rules */
    path = write_tmp("way_rules:\n  - id: all\n    walk: \"yes\"\nprofiles:\n  walk: {}\n");
    r = load(path, NULL, NULL, "walk");
    assert_int_equal(way(r, "highway=motorway", &attr, &rule), BP_WALK_YES);
    assert_int_equal(bp_rules_nway(r), 1);
    bp_rules_free(r);
    unlink(path);
    free(path);
}

static void override_and_costs(void **state)
{
    (void)state;
    bp_rules *r = load(NULL, "private_access=yes, foot_use_sidepath = endpoint, raised_kerb=off", "rough=2, steps=no",
                       "walk");
    unsigned attr;
    const char *rule;
    assert_int_equal(way(r, "highway=service;access=private", &attr, &rule), BP_WALK_YES);
    assert_int_equal(way(r, "highway=primary;foot=use_sidepath", &attr, &rule), BP_WALK_ENDPOINT);
    assert_float_equal(bp_rules_factor(r, flag(r, "rough")), 2, 1e-12);
    assert_true(isinf(bp_rules_factor(r, flag(r, "steps"))));
    const char **vals = calloc(bp_rules_nkeys(r) + 1, sizeof *vals);
    bp_tag t = {"kerb", "raised"};
    bp_rules_bind(r, &t, 1, vals);
    assert_int_equal(bp_rules_node(r, vals), 0); /* switched off */
    free(vals);
    bp_rules_free(r);
}

static void errors(void **state)
{
    (void)state;
    static const struct {
        const char *file, *override, *costs, *pattern;
    } cases[] = {
        {NULL, "privat_access=yes", NULL, "network.override: no rule with id 'privat_access'"},
        {NULL, "raised_kerb=yes", NULL, "network.override: raised_kerb is a node rule: it can only be switched off"},
        {NULL, "private_access=maybe", NULL, "network.override: private_access=maybe: a way rule is set to yes"},
        {NULL, "private_access", NULL, "network.override: 'private_access' is not name=value"},
        {NULL, NULL, "ruff=2", "network.costs: no rule sets flag 'ruff' (flags: steps; rough"},
        {NULL, NULL, "rough=0", "network.costs: rough=0: a factor above 0, or no"},
        {"way_rules:\n  - id: a\n    walk: maybe\n", NULL, NULL, "line 3: walk must be \"yes\", \"no\" or endpoint, not 'maybe'"},
        {"way_rules:\n  - id: a\n    walk: \"no\"\n  - id: a\n    walk: \"yes\"\n", NULL, NULL, "line 4: two rules with id a"},
        {"way_rules:\n  - walk: \"no\"\n", NULL, NULL, "line 2: a way rule needs an id"},
        {"way_rules:\n  - id: a\n    walk: \"no\"\n    iff: {highway: x}\n", NULL, NULL, "line 4: a way rule has no key 'iff'"},
        {"way_rules:\n  - id: a\n    if: {highway: *x}\n    walk: \"no\"\n", NULL, NULL, "line 3"},
        {"wayrules: []\n", NULL, NULL, "line 1: unknown key 'wayrules'"},
        {"extends: mine\nway_rules: []\n", NULL, NULL, "line 1: extends: builtin is the only choice"},
        {"way_rules:\n  - id: a\n    walk: \"yes\"\n", NULL, NULL, "no profile 'walk' under profiles"},
        {"way_rules:\n  - id: a\n    walk: \"yes\"\nprofiles:\n  walk: {stairs: no}\n", NULL, NULL,
         "profile walk: no rule sets flag 'stairs'"},
        {"way_rules:\n  - id: a\n    walk: \"yes\"\nprofiles:\n  walk: {}\n  rollator:\n    steps: -1\n", NULL, NULL,
         "line 7: profile rollator: a factor above 0"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char *path = cases[i].file ? write_tmp(cases[i].file) : NULL;
        bp_status st;
        char *msg = load_error(path, cases[i].override, cases[i].costs, &st);
        if (!msg || !strstr(msg, cases[i].pattern))
            fail_msg("case %zu: '%s', expected '%s'", i, msg ? msg : "(loaded)", cases[i].pattern);
        assert_int_equal(st, BP_ERR_USAGE);
        if (path && cases[i].file && !strstr(msg, path) && !strstr(msg, "network."))
            fail_msg("case %zu: '%s' does not name the file", i, msg);
        free(msg);
        if (path) unlink(path);
        free(path);
    }
}

static void hstore(void **state)
{
    (void)state;
    bp_tag t[8];
    int n;
    const char *text = "\"description\"=>\"say \\\"hi\\\" \\\\ to =>, the \\\"ducks\\\"\",\"wheelchair\"=>\"yes\", "
                       "\"note\"=>NULL,\"k\"=>\"\"";
    char *buf = malloc(strlen(text) + 1);
    assert_int_equal(bp_lines_hstore(text, buf, t, 8, &n), 3);
    assert_string_equal(t[0].key, "description");
    assert_string_equal(t[0].value, "say \"hi\" \\ to =>, the \"ducks\"");
    assert_string_equal(t[1].key, "wheelchair");
    assert_string_equal(t[1].value, "yes");
    assert_string_equal(t[2].key, "k");
    assert_string_equal(t[2].value, "");
    assert_int_equal(bp_lines_hstore("", buf, t, 8, &n), 0);
    assert_int_equal(bp_lines_hstore("\"a\"=>\"b\"", buf, t, 0, &n), 0); /* no room: nothing kept */
    /* malformed: the pairs before the fault are kept */
    assert_int_equal(bp_lines_hstore("\"a\"=>\"b\",\"c\"=\"d\"", buf, t, 8, &n), -1);
    assert_int_equal(n, 1);
    assert_int_equal(bp_lines_hstore("\"a\"=>\"b", buf, t, 8, &n), -1);
    assert_int_equal(bp_lines_hstore("\"a\"=>\"b\" x", buf, t, 8, &n), -1);
    assert_int_equal(bp_lines_hstore("\"a\\", buf, t, 8, &n), -1);
    free(buf);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(builtin_ways),     cmocka_unit_test(builtin_nodes_and_areas),
        cmocka_unit_test(own_rules_extend), cmocka_unit_test(override_and_costs),
        cmocka_unit_test(errors),           cmocka_unit_test(hstore),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
