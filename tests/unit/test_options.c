/* Unit tests of run/options.c: the configuration cut into each stage's
 * options, every value where it belongs; and the options a result is
 * re-ranked with. */
#include "unit.h"

#include "run/run.h"

static bp_config *configured(void)
{
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    static const char *const kv[] = {
        "candidates", "k.gpkg|layername=kavels", "candidates.id_field", "kavel_id", "candidates.where", "status = 1",
        "candidates.filter", "area_m2 > 100", "gemeenten", "g.gpkg", "gemeenten.code_field", "code",
        "gemeenten.name_field", "naam", "targets", "t.csv", "crs", "EPSG:25831", "assume_crs", "EPSG:4326",
        "facilities.supermarkt", "s.gpkg", "facilities.supermarkt.where", "soort = 1",
        "facilities.supermarkt.name_field", "titel", "facilities.zorg", "z.gpkg", "criteria.zorg.knockout_m", "900",
        "osm_facilities.groen", "leisure=park", "network", "n.osm.pbf", "network.profile", "rollator",
        "network.snap_tolerance_m", "75", "threads", "3", "profile", "zorggeschikt", "radius_m", "450",
        "density_homes_per_ha", "72.5", "gap_weight", "0.3", "profiles.zorggeschikt.min_homes", "20",
        "output", "out.csv", "overwrite", "true", NULL};
    for (const char *const *p = kv; *p; p += 2)
        if (bp_config_set(c, p[0], p[1], NULL, ctx) != BP_OK) fail_msg("%s", bp_ctx_errmsg(ctx));
    assert_int_equal(bp_config_validate(c, ctx), BP_OK);
    bp_ctx_free(ctx);
    return c;
}

static void stage_options(void **state)
{
    (void)state;
    bp_config *c = configured();
    bp_options o;
    assert_int_equal(bp_options_make(c, &o, NULL), BP_OK);
    /* read */
    assert_string_equal(o.plots.source, "k.gpkg|layername=kavels");
    assert_ptr_equal(o.plots.source, c->candidates); /* borrowed */
    assert_string_equal(o.plots.id_field, "kavel_id");
    assert_string_equal(o.plots.where, "status = 1");
    assert_string_equal(o.gemeenten.source, "g.gpkg");
    assert_string_equal(o.gemeenten.code_field, "code");
    assert_string_equal(o.gemeenten.name_field, "naam");
    assert_string_equal(o.targets, "t.csv");
    assert_string_equal(o.crs, "EPSG:25831");
    assert_string_equal(o.assume_crs, "EPSG:4326");
    /* the categories, in configuration order */
    assert_int_equal(o.ncat, 3);
    static const char *const names[] = {"supermarkt", "zorg", "groen"};
    for (size_t i = 0; i < 3; i++) assert_string_equal(o.cat[i], names[i]);
    assert_string_equal(o.fac_source[0], "s.gpkg");
    assert_string_equal(o.fac_where[0], "soort = 1");
    assert_string_equal(o.fac_name_field[0], "titel");
    assert_null(o.fac_where[1]);
    assert_string_equal(o.fac_source[2], "osm");
    assert_null(o.osm_tags[0]);
    assert_null(o.osm_tags[1]);
    assert_string_equal(o.osm_tags[2], "leisure=park");
    assert_true(o.any_osm);
    /* distances */
    assert_int_equal(o.radius_m, 450);
    assert_float_equal(o.euclidean.radius_m, 450, 0);
    assert_int_equal(o.euclidean.threads, 3);
    assert_true(o.use_network);
    assert_string_equal(o.network.source, "n.osm.pbf");
    assert_int_equal(o.network.rollator, 1);
    assert_float_equal(o.network.snap_tolerance_m, 75, 0);
    assert_int_equal(o.network.threads, 3);
    /* score, gap, rank: copies of the criteria */
    assert_int_equal(o.score.ncat, 3);
    assert_ptr_equal(o.score.crit, o.crit);
    assert_float_equal(o.crit[1].knockout_m, 900, 0);
    assert_float_equal(o.crit[1].weight[BP_ZORGGESCHIKT], 5, 0);
    assert_float_equal(o.crit[2].full_m, 300, 0);
    c->cats[1].crit.knockout_m = 1;
    assert_float_equal(o.crit[1].knockout_m, 900, 0);
    assert_float_equal(o.score.min_homes[BP_NULTREDEN], 1, 0);
    assert_float_equal(o.score.min_homes[BP_ZORGGESCHIKT], 20, 0);
    assert_float_equal(o.score.density, 72.5, 0);
    assert_int_equal(o.score.profile, BP_ZORGGESCHIKT);
    assert_float_equal(o.gap.gap_weight, 0.3, 0);
    assert_int_equal(o.gap.profile, BP_ZORGGESCHIKT);
    assert_int_equal(o.rank.profile, BP_ZORGGESCHIKT);
    assert_string_equal(o.filter, "area_m2 > 100");
    /* write: the format resolved from the output's name */
    assert_string_equal(o.write.output, "out.csv");
    assert_int_equal(o.write.format, BP_FMT_CSV);
    assert_true(o.write.overwrite);
    assert_null(o.write.srs);
    bp_options_clear(&o);
    assert_null(o.cat);
    assert_int_equal(o.ncat, 0);
    /* straight distances when told */
    assert_int_equal(bp_config_set(c, "distance", "euclidean", NULL, NULL), BP_OK);
    assert_int_equal(bp_options_make(c, &o, NULL), BP_OK);
    assert_false(o.use_network);
    bp_options_clear(&o);
    bp_config_free(c);
}

static void for_result(void **state)
{
    (void)state;
    /* a result ranked with its own criteria; the configuration names two
       of its three categories and one it does not have */
    static const char *const cats[] = {"supermarkt", "zorg", "groen"};
    bp_result *r = unit_result(1, NULL, 3, cats);
    bp_criterion rc[3] = {{100, 200, 0, BP_DECAY_LINEAR, {1, 1, 1}}, {110, 210, 0, BP_DECAY_LINEAR, {2, 2, 2}},
                          {120, 220, 0, BP_DECAY_LOGISTIC, {3, 3, 3}}};
    bp_score_opts so0 = {.ncat = 3, .crit = rc, .min_homes = {1, 1, 1}, .density = 10, .profile = BP_NULTREDEN};
    bp_gap_opts go0 = {0.9, BP_NULTREDEN};
    bp_rank_opts ro0 = {BP_NULTREDEN};
    assert_int_equal(bp_result_set_params(r, &so0, &go0, &ro0, NULL, NULL), BP_OK);
    bp_config *c = bp_config_new();
    assert_int_equal(bp_config_set(c, "criteria.zorg.full_m", "333", NULL, NULL), BP_OK);
    assert_int_equal(bp_config_set(c, "profiles.geclusterd.weights.supermarkt", "9", NULL, NULL), BP_OK);
    assert_int_equal(bp_config_set(c, "criteria.bakker.full_m", "50", NULL, NULL), BP_OK);
    assert_int_equal(bp_config_set(c, "density_homes_per_ha", "45", NULL, NULL), BP_OK);
    assert_int_equal(bp_config_set(c, "gap_weight", "0.5", NULL, NULL), BP_OK);
    bp_criterion crit[3];
    bp_score_opts so;
    bp_gap_opts go;
    bp_rank_opts ro;
    bp_options_for_result(c, r, crit, &so, &go, &ro);
    /* the configuration's criteria (whole, with its defaults) where it has the category */
    assert_float_equal(crit[0].full_m, 500, 0);
    assert_float_equal(crit[0].weight[BP_GECLUSTERD], 9, 0);
    assert_float_equal(crit[0].weight[BP_NULTREDEN], 4, 0);
    assert_float_equal(crit[1].full_m, 333, 0);
    assert_float_equal(crit[1].zero_m, 1500, 0);
    /* the result's own otherwise */
    assert_float_equal(crit[2].full_m, 120, 0);
    assert_int_equal(crit[2].decay, BP_DECAY_LOGISTIC);
    assert_int_equal(so.ncat, 3);
    assert_ptr_equal(so.crit, crit);
    assert_float_equal(so.density, 45, 0);
    assert_float_equal(so.min_homes[BP_GECLUSTERD], 12, 0);
    assert_int_equal(so.profile, BP_GECLUSTERD);
    assert_float_equal(go.gap_weight, 0.5, 0);
    assert_int_equal(go.profile, BP_GECLUSTERD);
    assert_int_equal(ro.profile, BP_GECLUSTERD);
    bp_config_free(c);
    bp_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(stage_options), cmocka_unit_test(for_result)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
