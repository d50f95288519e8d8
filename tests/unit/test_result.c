/* Unit tests of result/result.c: allocation and its defaults, plot ids,
 * their check (numeric or not, duplicates named), the parameters and
 * gemeenten a result keeps. */
#include "unit.h"

static const char *const cats[] = {"supermarkt", "zorg", "groen"};

static void alloc(void **state)
{
    (void)state;
    bp_result *r = bp_result_new();
    assert_non_null(r);
    assert_int_equal(r->n, 0);
    assert_null(r->dist);
    assert_int_equal(bp_result_set_categories(r, (char *const *)cats, 3, 400, NULL), BP_OK);
    assert_ptr_not_equal(r->cat[0], cats[0]); /* copies */
    assert_string_equal(r->cat[2], "groen");
    assert_int_equal(r->radius_m, 400);
    assert_int_equal(bp_result_category(r, "zorg"), 1);
    assert_int_equal(bp_result_category(r, "bakker"), -1);
    assert_int_equal(bp_result_alloc_plots(r, 4, NULL), BP_OK);
    assert_int_equal(r->n, 4);
    for (size_t i = 0; i < 4; i++) {
        for (size_t c = 0; c < 3; c++) {
            assert_true(isnan(r->dist[i * 3 + c]));
            assert_int_equal(r->count[i * 3 + c], 0);
            assert_float_equal(r->cat_score[i * 3 + c], 0, 0);
        }
        assert_int_equal(r->flags[i], 0);
        assert_int_equal(r->gemeente[i], BP_NO_GEMEENTE);
        assert_int_equal(r->order[i], i);
        assert_int_equal(r->rank[i], 0);
        assert_int_equal(r->knock[i], 0);
        assert_float_equal(r->area[i], 0, 0);
    }
    assert_null(r->attach);
    assert_int_equal(bp_result_alloc_attach(r, NULL), BP_OK);
    for (size_t i = 0; i < 4; i++) assert_true(isinf(r->attach[i]));
    /* sizing again starts afresh */
    assert_int_equal(bp_result_set_id(r, 0, "x", NULL), BP_OK);
    assert_int_equal(bp_result_alloc_plots(r, 2, NULL), BP_OK);
    assert_int_equal(r->n, 2);
    assert_null(r->attach);
    assert_int_equal(r->id_len, 0);
    assert_int_equal(bp_result_alloc_plots(r, 0, NULL), BP_OK);
    assert_int_equal(r->n, 0);
    bp_result_free(r);
    bp_result_free(NULL);
}

static void ids(void **state)
{
    (void)state;
    /* many ids, past the first buffer */
    enum { N = 3000 };
    bp_result *r = unit_result(0, NULL, 3, cats);
    assert_int_equal(bp_result_alloc_plots(r, N, NULL), BP_OK);
    for (size_t i = 0; i < N; i++) {
        char id[32];
        snprintf(id, sizeof id, "perceel-%06zu", N - i);
        assert_int_equal(bp_result_set_id(r, i, id, NULL), BP_OK);
        r->fid[i] = (int64_t)i;
    }
    assert_true(r->id_len > 4096);
    assert_string_equal(bp_result_id(r, 0), "perceel-003000");
    assert_string_equal(bp_result_id(r, N - 1), "perceel-000001");
    assert_int_equal(bp_result_check_ids(r, 0, "kavels", NULL), BP_OK);
    assert_null(r->id_num);
    assert_true(bp_result_cmp_id(r, 0, 1) > 0);
    bp_result_free(r);
    /* an empty result's id */
    r = bp_result_new();
    assert_string_equal(bp_result_id(r, 0), "");
    bp_result_free(r);
}

static void check_ids(void **state)
{
    (void)state;
    /* numeric: as numbers, so "7" and "07" are the same plot */
    static const char *const num[] = {"7", "12", "-3", "07"};
    bp_result *r = unit_result(4, num, 0, NULL);
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_result_check_ids(r, 0, "kavels.gpkg, layer kavels", ctx), BP_OK); /* as text: all differ */
    r->id_field = bp_strdup("kavel_id");
    r->fid[0] = 11, r->fid[3] = 14;
    unit_expect_error(ctx, bp_result_check_ids(r, 1, "kavels.gpkg, layer kavels", ctx), BP_ERR_DATA,
                      "kavels.gpkg, layer kavels: duplicate kavel_id '7' (features 11 and 14)");
    assert_non_null(r->id_num);
    assert_int_equal(r->id_num[2], -3);
    assert_true(bp_result_cmp_id(r, 2, 1) < 0);
    assert_int_equal(bp_result_cmp_id(r, 0, 3), 0);
    bp_result_free(r);
    /* feature ids: 'id' names them */
    static const char *const dup[] = {"a", "b", "a"};
    r = bp_result_new();
    assert_int_equal(bp_result_alloc_plots(r, 3, NULL), BP_OK);
    for (size_t i = 0; i < 3; i++) {
        assert_int_equal(bp_result_set_id(r, i, dup[i], NULL), BP_OK);
        r->fid[i] = (int64_t)i + 1;
    }
    bp_ctx_clear(ctx);
    unit_expect_error(ctx, bp_result_check_ids(r, 0, "kavels", ctx), BP_ERR_DATA, "kavels: duplicate id 'a' (features 1 and 3)");
    /* back to text ids: id_num goes */
    static const char *const ok[] = {"a", "b", "c"};
    bp_result_free(r);
    r = unit_result(3, ok, 0, NULL);
    assert_null(r->id_num);
    bp_result_free(r);
    bp_ctx_free(ctx);
}

static void params(void **state)
{
    (void)state;
    bp_result *r = unit_result(1, NULL, 2, cats);
    bp_criterion crit[2] = {{500, 1000, 0, BP_DECAY_LINEAR, {4, 4, 3}}, {300, 900, 2000, BP_DECAY_LOGISTIC, {1, 2, 5}}};
    bp_score_opts so = {.ncat = 2, .crit = crit, .min_homes = {1, 12, 12}, .density = 60, .profile = BP_ZORGGESCHIKT};
    bp_gap_opts go = {0.4, BP_ZORGGESCHIKT};
    bp_rank_opts ro = {BP_ZORGGESCHIKT};
    assert_int_equal(bp_result_set_params(r, &so, &go, &ro, "eigendom = 'x'", NULL), BP_OK);
    crit[1].zero_m = 1; /* copies, not references */
    assert_ptr_equal(r->score_opts.crit, r->crit);
    assert_float_equal(r->crit[1].zero_m, 900, 0);
    assert_int_equal(r->crit[1].decay, BP_DECAY_LOGISTIC);
    assert_float_equal(r->score_opts.min_homes[1], 12, 0);
    assert_float_equal(r->gap_opts.gap_weight, 0.4, 0);
    assert_int_equal(r->rank_opts.profile, BP_ZORGGESCHIKT);
    assert_string_equal(r->filter, "eigendom = 'x'");
    /* replaced; an empty filter is none */
    assert_int_equal(bp_result_set_params(r, &so, &go, &ro, "", NULL), BP_OK);
    assert_null(r->filter);
    assert_int_equal(bp_result_set_params(r, &so, &go, &ro, NULL, NULL), BP_OK);
    assert_null(r->filter);
    assert_float_equal(r->crit[1].zero_m, 1, 0);
    bp_result_free(r);
}

static void gemeenten(void **state)
{
    (void)state;
    bp_result *r = bp_result_new();
    const unsigned char wkb[] = {1, 2, 3, 4, 5};
    assert_int_equal(bp_result_add_gemeente(r, "GM0193", "Zwolle", wkb, sizeof wkb), 0);
    assert_int_equal(bp_result_add_gemeente(r, "GM0166", NULL, NULL, 0), 1);
    assert_int_equal(r->ngm, 2);
    assert_string_equal(r->gm[0].code, "GM0193");
    assert_string_equal(r->gm[0].name, "Zwolle");
    assert_int_equal(r->gm[0].wkb_len, 5);
    assert_memory_equal(r->gm[0].wkb, wkb, 5);
    assert_ptr_not_equal(r->gm[0].wkb, wkb);
    assert_string_equal(r->gm[1].name, "");
    assert_null(r->gm[1].wkb);
    for (int t = 0; t < BP_NTYPES; t++) {
        assert_false(r->gm[1].has_target[t]);
        assert_true(isnan(r->gm[1].opgave[t]) && isnan(r->gm[1].plannen[t]) && isnan(r->gm[1].gerealiseerd[t]));
    }
    assert_int_equal(r->gm[1].n_plots, 0);
    bp_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(alloc), cmocka_unit_test(ids), cmocka_unit_test(check_ids),
                                       cmocka_unit_test(params), cmocka_unit_test(gemeenten)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
