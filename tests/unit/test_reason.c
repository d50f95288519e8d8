/* Unit tests of result/reason.c: every reason in words, in its order, with
 * its separators; the area a profile needs; a short buffer. */
#include "unit.h"

#include "score/score.h"

static const char *const cats[] = {"supermarkt", "zorg"};
static bp_criterion crit[2] = {{500, 1000, 1500, BP_DECAY_LINEAR, {4, 4, 3}},
                               {500, 1500, 2000, BP_DECAY_LINEAR, {1, 2, 5}}};

/* Plots that each give one kind of reason (see the table below). */
static bp_result *plots(int network)
{
    bp_result *r = unit_result(8, NULL, 2, cats);
    bp_score_opts so = {.ncat = 2, .crit = crit, .min_homes = {1, 12, 12}, .density = 60, .profile = BP_GECLUSTERD};
    bp_gap_opts go = {0.25, BP_GECLUSTERD};
    bp_rank_opts ro = {BP_GECLUSTERD};
    assert_int_equal(bp_result_set_params(r, &so, &go, &ro, "eigendom = 'gemeente'", NULL), BP_OK);
    const double dist[] = {1830.2, 500, NAN, 2500, 100, 100, 100, 100, 1830.2, 100, 100, 100, 100, NAN, 100, 100};
    memcpy(r->dist, dist, sizeof dist);
    r->area[2] = 1500, r->capacity[2] = 9, r->knock[2] = BP_KO_SIZE;
    r->knock[3] = BP_KO_FILTER;
    r->area[4] = 1999, r->capacity[4] = 11, r->knock[4] = BP_KO_DISTANCE | BP_KO_SIZE | BP_KO_FILTER;
    if (network) {
        assert_int_equal(bp_result_alloc_attach(r, NULL), BP_OK);
        r->snap_tolerance_m = 250;
        const double attach[] = {0, 0, 0, 0, 312.4, INFINITY, 10, 250};
        memcpy(r->attach, attach, sizeof attach);
    }
    return r;
}

static void reasons(void **state)
{
    (void)state;
    static const char *const straight[] = {
        "supermarkt at 1830 m, beyond the knock-out distance of 1500 m",
        "no supermarkt reachable (knock-out beyond 1500 m); zorg at 2500 m, beyond the knock-out distance of 2000 m",
        "too small for geclusterd: 1500 m² holds 9 homes at 60 homes/ha, 12 needed (2000 m²)",
        "does not meet the filter: eigendom = 'gemeente'",
        "supermarkt at 1830 m, beyond the knock-out distance of 1500 m; too small for geclusterd: 1999 m² holds 11 "
        "homes at 60 homes/ha, 12 needed (2000 m²); does not meet the filter: eigendom = 'gemeente'",
        "",
        "no zorg reachable (knock-out beyond 2000 m)",
        "",
    };
    static const char *const walking[] = {
        NULL,
        "no supermarkt reachable (knock-out beyond 1500 m); zorg at 2500 m, beyond the knock-out distance of 2000 m; "
        "no supermarkt reachable over the walking network",
        NULL, NULL,
        "supermarkt at 1830 m, beyond the knock-out distance of 1500 m; too small for geclusterd: 1999 m² holds 11 "
        "homes at 60 homes/ha, 12 needed (2000 m²); does not meet the filter: eigendom = 'gemeente'; no walking "
        "distances: 312 m from the nearest walkable way (snap tolerance 250 m)",
        "no walking distances: no walkable way",
        "no zorg reachable (knock-out beyond 2000 m); no zorg reachable over the walking network",
        "", /* at the snap tolerance: attached */
    };
    for (int network = 0; network < 2; network++) {
        bp_result *r = plots(network);
        for (size_t i = 0; i < 8; i++) {
            const char *want = network && walking[i] ? walking[i] : straight[i];
            char buf[1024];
            memset(buf, 'x', sizeof buf);
            size_t n = bp_result_reason(r, i, buf, sizeof buf);
            if (strcmp(buf, want)) fail_msg("plot %zu%s:\n  '%s'\nwanted\n  '%s'", i, network ? " (network)" : "", buf, want);
            assert_int_equal(n, strlen(want));
        }
        bp_result_free(r);
    }
}

/* A category without any facility in the data (run_info: 0 used) is said
 * to be missing from the data, not unreachable, and only once. */
static void no_facilities_in_the_data(void **state)
{
    (void)state;
    for (int network = 0; network < 2; network++) {
        bp_result *r = plots(network);
        assert_int_equal(bp_kv_add(&r->info, "input.facilities.zorg.features_used", "0"), 0);
        assert_int_equal(bp_kv_add(&r->info, "input.facilities.supermarkt.features_used", "12"), 0);
        char buf[512];
        bp_result_reason(r, 6, buf, sizeof buf);
        assert_string_equal(buf, "no zorg in the facilities data (knock-out beyond 2000 m)");
        /* supermarkt has facilities: still unreachable */
        bp_result_reason(r, 1, buf, sizeof buf);
        assert_string_equal(buf, network ? "no supermarkt reachable (knock-out beyond 1500 m); zorg at 2500 m, beyond "
                                           "the knock-out distance of 2000 m; no supermarkt reachable over the walking "
                                           "network"
                                         : "no supermarkt reachable (knock-out beyond 1500 m); zorg at 2500 m, beyond "
                                           "the knock-out distance of 2000 m");
        /* without a knock-out distance the network part says it */
        r->crit[1].knockout_m = 0;
        bp_result_reason(r, 6, buf, sizeof buf);
        assert_string_equal(buf, network ? "no zorg in the facilities data" : "");
        bp_result_free(r);
    }
}

static void no_knockout_distances(void **state)
{
    (void)state;
    bp_result *r = plots(0);
    r->crit[0].knockout_m = 0;
    r->crit[1].knockout_m = 0;
    char buf[256];
    assert_int_equal(bp_result_reason(r, 0, buf, sizeof buf), 0);
    assert_string_equal(buf, "");
    assert_int_equal(bp_result_reason(r, 1, buf, sizeof buf), 0);
    /* a filter plot of a result without a filter still says which */
    free(r->filter);
    r->filter = NULL;
    bp_result_reason(r, 3, buf, sizeof buf);
    assert_string_equal(buf, "does not meet the filter: ");
    bp_result_free(r);
}

static void needed_area(void **state)
{
    (void)state;
    /* the area a profile needs is the least whole m² whose capacity is enough */
    static const double densities[] = {0.1, 1, 7, 30, 35, 45, 60, 70, 90, 120, 333.3, 999.9, 1000};
    for (size_t d = 0; d < sizeof densities / sizeof *densities; d++)
        for (int need = 1; need <= 60; need++) {
            bp_result *r = unit_result(1, NULL, 0, NULL);
            bp_criterion none[1];
            bp_score_opts so = {.ncat = 0, .crit = none, .min_homes = {need, need, need}, .density = densities[d], .profile = BP_NULTREDEN};
            bp_gap_opts go = {0.25, BP_NULTREDEN};
            bp_rank_opts ro = {BP_NULTREDEN};
            assert_int_equal(bp_result_set_params(r, &so, &go, &ro, NULL, NULL), BP_OK);
            r->knock[0] = BP_KO_SIZE;
            char buf[256];
            bp_result_reason(r, 0, buf, sizeof buf);
            const char *p = strrchr(buf, '(');
            assert_non_null(p);
            double area = strtod(p + 1, NULL);
            if (bp_criteria_capacity(area, densities[d]) < need || bp_criteria_capacity(area - 1, densities[d]) >= need)
                fail_msg("density %g, %d homes: '%s': %g m² holds %g", densities[d], need, buf, area,
                         bp_criteria_capacity(area, densities[d]));
            bp_result_free(r);
        }
}

static void short_buffer(void **state)
{
    (void)state;
    bp_result *r = plots(1);
    for (size_t size = 1; size < 80; size += 7) {
        char buf[80];
        memset(buf, 'x', sizeof buf);
        size_t n = bp_result_reason(r, 4, buf, size);
        assert_true(n < size);
        assert_int_equal(n, strlen(buf));
        assert_int_equal(buf[size], 'x'); /* nothing written past it */
    }
    bp_result_free(r);
}

static void buildings_and_workshop(void **state)
{
    (void)state;
    /* the size reason of a building's own estimate and of storeys; a plot
       the workshop dropped, with and without a note; in that order, before
       the filter */
    bp_result *r = plots(0);
    r->own_capacity = malloc(8 * sizeof *r->own_capacity);
    r->levels = malloc(8 * sizeof *r->levels);
    for (size_t i = 0; i < 8; i++) r->own_capacity[i] = r->levels[i] = NAN;
    r->score_opts.floor_area_per_home = 85;
    r->own_capacity[2] = 5, r->capacity[2] = 5;
    r->levels[4] = 2, r->area[4] = 300, r->capacity[4] = 7;
    assert_int_equal(bp_result_alloc_decisions(r, NULL), BP_OK);
    r->knock[4] |= BP_KO_AFGEVALLEN;
    r->knock[5] = BP_KO_AFGEVALLEN;
    assert_int_equal(bp_result_alloc_dtext(r, NULL), BP_OK);
    r->dtext[4 * BP_NDTEXT + BP_DT_OPMERKING] = bp_strdup("te duur");
    char buf[1024];
    bp_result_reason(r, 2, buf, sizeof buf);
    assert_string_equal(buf, "too small for geclusterd: the plot's own estimate is 5 homes, 12 needed");
    bp_result_reason(r, 4, buf, sizeof buf);
    assert_string_equal(buf, "supermarkt at 1830 m, beyond the knock-out distance of 1500 m; too small for geclusterd: "
                             "300 m² in 2 storeys holds 7 homes at 85 m² per home, 12 needed; afgevallen in "
                             "werksessie: te duur; does not meet the filter: eigendom = 'gemeente'");
    bp_result_reason(r, 5, buf, sizeof buf);
    assert_string_equal(buf, "afgevallen in werksessie");
    bp_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(reasons), cmocka_unit_test(no_facilities_in_the_data),
                                       cmocka_unit_test(no_knockout_distances), cmocka_unit_test(needed_area), cmocka_unit_test(short_buffer),
                                       cmocka_unit_test(buildings_and_workshop)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
