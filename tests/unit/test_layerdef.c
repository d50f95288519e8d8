/* Unit tests of output/layerdef.c: every built-in layer definition parses,
 * with names, types, aliases and descriptions; templated field names
 * expand (and are cut, not garbled, when they do not fit). */
#include "unit.h"

#include "output/output.h"

static bp_layerdefs *defs;

static int setup(void **state)
{
    (void)state;
    bp_ctx *ctx = bp_ctx_new();
    defs = bp_layerdefs_load(ctx);
    if (!defs) fail_msg("%s", bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bp_layerdefs_free(defs);
    bp_layerdefs_free(NULL);
    return 0;
}

static void every_definition(void **state)
{
    (void)state;
    static const struct {
        const char *layer;
        size_t nfields;
        const char *first, *last;
    } layers[] = {
        {"candidates", 22, "plot_id", "besluit_gewijzigd"},
        {"gemeente_gap", 14, "gemeente_code", "programma_{type}"},
        {"facilities", 5, "category", "source_fid"},
        {"walk_network", 5, "edge_id", "dist_{category}_m"},
        {"run_info", 2, "key", "value"},
        {"besluiten_log", 8, "tijd", "ongedaan"},
        {"besluiten_vervallen", 9, "plot_id", "vervallen"},
        {"programma", 9, "plot_id", "reden"},
    };
    for (size_t l = 0; l < sizeof layers / sizeof *layers; l++) {
        const bp_layerdef *d = bp_layerdef_find(defs, layers[l].layer);
        if (!d) fail_msg("no definition of %s", layers[l].layer);
        assert_string_equal(d->name, layers[l].layer);
        assert_true(strlen(d->title) > 0);
        assert_true(strlen(d->description) > 20);
        assert_int_equal(d->nfields, layers[l].nfields);
        assert_string_equal(d->fields[0].name, layers[l].first);
        assert_string_equal(d->fields[d->nfields - 1].name, layers[l].last);
        for (size_t i = 0; i < d->nfields; i++) {
            const bp_fielddef *f = &d->fields[i];
            /* each field says what it holds, in Dutch and in English */
            if (!strcmp(f->alias, f->name) || strlen(f->description) < 5)
                fail_msg("%s.%s has no alias or description of its own", d->name, f->name);
            /* a field per category or type names it; others have no template but the radius */
            int has_cat = strstr(f->name, "{category}") != NULL, has_type = strstr(f->name, "{type}") != NULL;
            if (!f->per) assert_false(has_cat || has_type);
            else if (!strcmp(f->per, "category")) assert_true(has_cat && strstr(f->alias, "{category}"));
            else if (!strcmp(f->per, "type")) assert_true(has_type && strstr(f->alias, "{type}"));
            else fail_msg("%s.%s: per '%s'", d->name, f->name, f->per);
            assert_true(f->type >= BP_FT_INTEGER && f->type <= BP_FT_DATETIME);
        }
    }
    /* a few fields in detail */
    const bp_layerdef *c = bp_layerdef_find(defs, "candidates");
    assert_int_equal(c->fields[0].type, BP_FT_STRING);
    assert_string_equal(c->fields[0].alias, "Kavel");
    assert_string_equal(c->fields[1].name, "rank");
    assert_int_equal(c->fields[1].type, BP_FT_INTEGER);
    assert_string_equal(c->fields[6].name, "n_{category}_{radius}m");
    assert_string_equal(c->fields[6].per, "category");
    assert_string_equal(c->fields[13].name, "knocked_out");
    assert_int_equal(c->fields[13].type, BP_FT_BOOLEAN);
    assert_string_equal(c->fields[11].name, "area_m2");
    assert_int_equal(c->fields[11].type, BP_FT_REAL);
    /* osm_facilities.yaml is no layer */
    assert_null(bp_layerdef_find(defs, "osm_facilities"));
    assert_null(bp_layerdef_find(defs, "kavels"));
    assert_null(bp_layerdef_find(NULL, "candidates"));
    bp_ctx *ctx = bp_ctx_new();
    assert_ptr_equal(bp_layerdef_get(defs, "candidates", ctx), c);
    assert_null(bp_layerdef_get(defs, "osm_facilities", ctx));
    unit_assert_contains(bp_ctx_errmsg(ctx), "no layer definition 'osm_facilities' in layers/");
    bp_ctx_free(ctx);
}

static void expand(void **state)
{
    (void)state;
    char buf[128];
    bp_layerdef_expand("dist_{category}_m", "supermarkt", 500, NULL, buf, sizeof buf);
    assert_string_equal(buf, "dist_supermarkt_m");
    bp_layerdef_expand("n_{category}_{radius}m", "ov_halte", 750, NULL, buf, sizeof buf);
    assert_string_equal(buf, "n_ov_halte_750m");
    bp_layerdef_expand("Score {type}", NULL, 500, "zorggeschikt", buf, sizeof buf);
    assert_string_equal(buf, "Score zorggeschikt");
    bp_layerdef_expand("{type}/{type}", NULL, 0, "a", buf, sizeof buf);
    assert_string_equal(buf, "a/a");
    bp_layerdef_expand("gap_{type}", NULL, 0, NULL, buf, sizeof buf); /* nothing to fill in */
    assert_string_equal(buf, "gap_");
    bp_layerdef_expand("{categor}", "x", 0, NULL, buf, sizeof buf); /* not a template */
    assert_string_equal(buf, "{categor}");
    bp_layerdef_expand("", "x", 0, NULL, buf, sizeof buf);
    assert_string_equal(buf, "");
    /* too long: cut at the end of the buffer, never garbled */
    bp_layerdef_expand("dist_{category}_m", "supermarkt", 500, NULL, buf, 8);
    assert_string_equal(buf, "dist_su");
    bp_layerdef_expand("n_{category}_{radius}m", "zorg", 123456, NULL, buf, 12);
    assert_string_equal(buf, "n_zorg_1234");
    bp_layerdef_expand("abcdef", NULL, 0, NULL, buf, 4);
    assert_string_equal(buf, "abc");
    bp_layerdef_expand("{category}", "supermarkt", 0, NULL, buf, 1);
    assert_string_equal(buf, "");
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(every_definition), cmocka_unit_test(expand)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
