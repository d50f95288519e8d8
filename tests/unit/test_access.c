/* Unit tests of result/access.c: the public read-only view of a result
 * (bodnaarplot.h) after the score, gap and rank stages, and of the
 * workshop's decisions, programme and gemeente figures. */
#include "unit.h"

#include "score/score.h"
#include "gap/gap.h"
#include "rank/rank.h"

static const char *const cats[] = {"supermarkt", "zorg"};

static void accessors(void **state)
{
    (void)state;
    static const char *const ids[] = {"K-9", "K-10", "K-11"};
    bp_result *r = unit_result(3, ids, 2, cats);
    /* K-9: 2500 m², supermarkt 750 (50), zorg 500 (100), in GM0193 (gap share 0.5)
       K-10: a point, supermarkt 0 (100), zorg unreachable (0)
       K-11: 1000 m²: too small for geclusterd */
    const double dist[] = {750, 500, 0, NAN, 100, 100};
    const int32_t count[] = {1, 2, 4, 0, 3, 1};
    memcpy(r->dist, dist, sizeof dist);
    memcpy(r->count, count, sizeof count);
    r->area[0] = 2500, r->flags[0] = BP_PLOT_POLYGON;
    r->area[2] = 1000, r->flags[2] = BP_PLOT_POLYGON;
    assert_int_equal(bp_result_add_gemeente(r, "GM0193", "Zwolle", NULL, 0), 0);
    for (int t = 0; t < BP_NTYPES; t++) {
        r->gm[0].has_target[t] = 1;
        r->gm[0].opgave[t] = 100, r->gm[0].plannen[t] = 50, r->gm[0].gerealiseerd[t] = 0;
    }
    r->gemeente[0] = 0;
    r->gemeente[2] = 0;
    bp_criterion crit[2] = {{500, 1000, 0, BP_DECAY_LINEAR, {4, 4, 3}}, {500, 1500, 0, BP_DECAY_LINEAR, {1, 2, 5}}};
    bp_score_opts so = {.ncat = 2, .crit = crit, .min_homes = {1, 12, 12}, .density = 60, .profile = BP_GECLUSTERD};
    bp_gap_opts go = {0.25, BP_GECLUSTERD};
    bp_rank_opts ro = {BP_GECLUSTERD};
    assert_int_equal(bp_score_apply(r, &so, NULL), BP_OK);
    assert_int_equal(bp_gap_apply(r, &go, NULL), BP_OK);
    assert_int_equal(bp_rank_apply(r, &ro, NULL), BP_OK);

    assert_int_equal(bp_result_count(r), 3);
    assert_int_equal(bp_result_ncategories(r), 2);
    assert_string_equal(bp_result_category_name(r, 1), "zorg");
    assert_null(bp_result_category_name(r, 2));
    assert_string_equal(bp_result_plot_id(r, 1), "K-10");
    assert_int_equal(bp_result_profile(r), BP_GECLUSTERD);
    /* suitability geclusterd: K-9 (4*50 + 2*100)/6, K-10 400/6, K-11 100;
       score x (1 - 0.25 x 0.5) where there is a gemeente, also for none */
    assert_float_equal(bp_result_suitability(r, 0, BP_GECLUSTERD), 400.0 / 6, 1e-12);
    assert_float_equal(bp_result_suitability(r, 1, BP_NULTREDEN), 80, 1e-12);
    assert_float_equal(bp_result_score(r, 0, BP_GECLUSTERD), 58.33, 1e-9);
    assert_float_equal(bp_result_score(r, 1, BP_GECLUSTERD), 58.33, 1e-9);
    assert_float_equal(bp_result_score(r, 2, BP_ZORGGESCHIKT), 87.5, 1e-9);
    /* equal scores: K-10 before K-9 (ids are text); K-11 knocked out */
    assert_int_equal(bp_result_rank(r, 1), 1);
    assert_int_equal(bp_result_rank(r, 0), 2);
    assert_int_equal(bp_result_rank(r, 2), 0);
    assert_int_equal(bp_result_at(r, 0), 1);
    assert_int_equal(bp_result_at(r, 1), 0);
    assert_int_equal(bp_result_at(r, 2), 2);
    assert_float_equal(bp_result_distance(r, 0, 0), 750, 0);
    assert_true(isnan(bp_result_distance(r, 1, 1)));
    assert_float_equal(bp_result_criterion_score(r, 0, 0), 50, 1e-12);
    assert_float_equal(bp_result_criterion_score(r, 1, 1), 0, 0);
    assert_int_equal(bp_result_facility_count(r, 1, 0), 4);
    assert_int_equal(bp_result_facility_count(r, 2, 1), 1);
    assert_float_equal(bp_result_capacity(r, 0), 15, 0);
    assert_true(isnan(bp_result_capacity(r, 1)));
    assert_float_equal(bp_result_capacity(r, 2), 6, 0);
    assert_string_equal(bp_result_gemeente(r, 0), "GM0193");
    assert_null(bp_result_gemeente(r, 1));
    assert_false(bp_result_knocked_out(r, 0));
    assert_true(bp_result_knocked_out(r, 2));
    char buf[256];
    assert_int_equal(bp_result_reason(r, 0, buf, sizeof buf), 0);
    assert_true(bp_result_reason(r, 2, buf, sizeof buf) > 0);
    assert_string_equal(buf, "too small for geclusterd: 1000 m² holds 6 homes at 60 homes/ha, 12 needed (2000 m²)");
    bp_result_free(r);
}

static void workshop_accessors(void **state)
{
    (void)state;
    bp_result *r = unit_result(2, NULL, 2, cats);
    assert_int_equal(bp_result_add_gemeente(r, "GM0193", "Zwolle", NULL, 0), 0);
    r->gm[0].opgave[BP_GECLUSTERD] = 100, r->gm[0].plannen[BP_GECLUSTERD] = 30, r->gm[0].gerealiseerd[BP_GECLUSTERD] = 10;
    r->gm[0].programmed[BP_GECLUSTERD] = 45;
    r->gm[0].opgave[BP_NULTREDEN] = 10, r->gm[0].plannen[BP_NULTREDEN] = 20, r->gm[0].gerealiseerd[BP_NULTREDEN] = 0;
    /* no decisions, no programme yet */
    assert_int_equal(bp_result_besluit(r, 0), BP_BESLUIT_OPEN);
    assert_int_equal(bp_result_decision_type(r, 0), -1);
    assert_true(isnan(bp_result_decision_homes(r, 1)));
    assert_null(bp_result_decision_text(r, 0, "opmerking"));
    assert_int_equal(bp_result_program_type(r, 0), -1);
    assert_float_equal(bp_result_program_homes(r, 0), 0, 0);
    assert_int_equal(bp_result_program_reserved(r, 0), 0);
    assert_int_equal(bp_result_alloc_decisions(r, NULL), BP_OK);
    r->besluit[1] = BP_BESLUIT_AFGEVALLEN;
    r->dtype[1] = BP_ZORGGESCHIKT;
    r->dhomes[1] = 14;
    assert_int_equal(bp_result_alloc_dtext(r, NULL), BP_OK);
    r->dtext[1 * BP_NDTEXT + BP_DT_ZORG] = bp_strdup("Icare");
    assert_int_equal(bp_result_besluit(r, 1), BP_BESLUIT_AFGEVALLEN);
    assert_int_equal(bp_result_decision_type(r, 1), BP_ZORGGESCHIKT);
    assert_float_equal(bp_result_decision_homes(r, 1), 14, 0);
    assert_string_equal(bp_result_decision_text(r, 1, "partner_zorg"), "Icare");
    assert_null(bp_result_decision_text(r, 1, "opmerking"));
    assert_null(bp_result_decision_text(r, 1, "bestaat_niet"));
    /* the gemeenten and their figures: gap 60, programmed 45, remaining 15 */
    assert_int_equal(bp_result_ngemeenten(r), 1);
    assert_string_equal(bp_result_gemeente_code(r, 0), "GM0193");
    assert_string_equal(bp_result_gemeente_name(r, 0), "Zwolle");
    assert_null(bp_result_gemeente_code(r, 1));
    assert_float_equal(bp_result_gemeente_figure(r, 0, BP_GECLUSTERD, "opgave"), 100, 0);
    assert_float_equal(bp_result_gemeente_figure(r, 0, BP_GECLUSTERD, "gap"), 60, 0);
    assert_float_equal(bp_result_gemeente_figure(r, 0, BP_GECLUSTERD, "programmed"), 45, 0);
    assert_float_equal(bp_result_gemeente_figure(r, 0, BP_GECLUSTERD, "remaining"), 15, 0);
    assert_float_equal(bp_result_gemeente_figure(r, 0, BP_NULTREDEN, "gap"), 0, 0); /* over-planned */
    assert_true(isnan(bp_result_gemeente_figure(r, 0, BP_ZORGGESCHIKT, "gap")));   /* unknown */
    assert_true(isnan(bp_result_gemeente_figure(r, 0, BP_ZORGGESCHIKT, "remaining")));
    assert_true(isnan(bp_result_gemeente_figure(r, 0, BP_GECLUSTERD, "tekort")));
    assert_true(isnan(bp_result_gemeente_figure(r, 1, BP_GECLUSTERD, "opgave")));
    bp_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(accessors), cmocka_unit_test(workshop_accessors)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
