/* Unit tests of rank/rank.c: order by score, knocked-out plots last with
 * rank 0, ties by plot id (numerically for numeric ids, as text
 * otherwise), the same ranking whatever order the plots come in. */
#include "unit.h"

#include "rank/rank.h"

/* A result with the given ids (numeric or not), scores for geclusterd
 * (and 100 - score for nultreden) and knock-outs. */
static bp_result *ranked(size_t n, const char *const *ids, int numeric, const double *score, const int *knock)
{
    bp_result *r = bp_result_new();
    assert_int_equal(bp_result_alloc_plots(r, n, NULL), BP_OK);
    for (size_t i = 0; i < n; i++) {
        assert_int_equal(bp_result_set_id(r, i, ids[i], NULL), BP_OK);
        r->fid[i] = (int64_t)i;
        r->score[i * BP_NTYPES + BP_GECLUSTERD] = score[i];
        r->score[i * BP_NTYPES + BP_NULTREDEN] = 100 - score[i];
        r->knock[i] = (unsigned char)(knock ? knock[i] : 0);
    }
    assert_int_equal(bp_result_check_ids(r, numeric, "plots", NULL), BP_OK);
    bp_rank_opts o = {BP_GECLUSTERD};
    assert_int_equal(bp_rank_apply(r, &o, NULL), BP_OK);
    return r;
}

/* The ids in rank order, joined by spaces. */
static const char *order(const bp_result *r)
{
    static char buf[512];
    buf[0] = '\0';
    for (size_t k = 0; k < r->n; k++) {
        size_t o = strlen(buf);
        snprintf(buf + o, sizeof buf - o, "%s%s", k ? " " : "", bp_result_id(r, r->order[k]));
    }
    return buf;
}

static void by_score(void **state)
{
    (void)state;
    static const char *const ids[] = {"a", "b", "c", "d", "e"};
    const double score[] = {50, 70.5, 12.25, 99.99, 70.49};
    bp_result *r = ranked(5, ids, 0, score, NULL);
    assert_string_equal(order(r), "d b e a c");
    const int32_t rank[] = {4, 2, 5, 1, 3};
    for (size_t i = 0; i < 5; i++) assert_int_equal(r->rank[i], rank[i]);
    assert_int_equal(r->rank_opts.profile, BP_GECLUSTERD);
    /* another profile ranks by its own score */
    bp_rank_opts o = {BP_NULTREDEN};
    assert_int_equal(bp_rank_apply(r, &o, NULL), BP_OK);
    assert_string_equal(order(r), "c a e b d");
    assert_int_equal(r->rank_opts.profile, BP_NULTREDEN);
    bp_result_free(r);
}

static void knocked_out_last(void **state)
{
    (void)state;
    static const char *const ids[] = {"1", "2", "3", "4", "5", "6"};
    const double score[] = {90, 80, 95, 10, 60, 95};
    const int knock[] = {0, BP_KO_SIZE, BP_KO_FILTER, 0, BP_KO_DISTANCE | BP_KO_SIZE, 0};
    bp_result *r = ranked(6, ids, 1, score, knock);
    /* the plots that stand first, then the knocked-out ones, each by score */
    assert_string_equal(order(r), "6 1 4 3 2 5");
    const int32_t rank[] = {2, 0, 0, 3, 0, 1};
    for (size_t i = 0; i < 6; i++) assert_int_equal(r->rank[i], rank[i]);
    bp_result_free(r);
    /* all knocked out: no ranks, still an order */
    const int all[] = {1, 1, 1, 1, 1, 1};
    r = ranked(6, ids, 1, score, all);
    assert_string_equal(order(r), "3 6 1 2 5 4");
    for (size_t i = 0; i < 6; i++) assert_int_equal(r->rank[i], 0);
    bp_result_free(r);
}

static void ties_by_id(void **state)
{
    (void)state;
    static const char *const ids[] = {"10", "9", "100", "2", "010x"};
    const double same[] = {42, 42, 42, 42, 42};
    /* numeric ids: as numbers */
    bp_result *r = ranked(4, ids, 1, same, NULL);
    assert_string_equal(order(r), "2 9 10 100");
    bp_result_free(r);
    /* text ids: as text */
    r = ranked(5, ids, 0, same, NULL);
    assert_string_equal(order(r), "010x 10 100 2 9");
    bp_result_free(r);
    /* negative and large feature ids */
    static const char *const big[] = {"9007199254740993", "-5", "9007199254740992", "0"};
    r = ranked(4, big, 1, same, NULL);
    assert_string_equal(order(r), "-5 0 9007199254740992 9007199254740993");
    bp_result_free(r);
}

static void same_whatever_the_input_order(void **state)
{
    (void)state;
    /* 200 plots, many equal scores; the same plots in another order rank the same */
    enum { N = 200 };
    char idbuf[N][8];
    const char *ids[N], *shuffled_ids[N];
    double score[N], shuffled[N];
    int knock[N], shuffled_knock[N];
    size_t perm[N];
    uint64_t rng = 7;
    for (size_t i = 0; i < N; i++) {
        snprintf(idbuf[i], sizeof idbuf[i], "%zu", i * 7 % 1000);
        ids[i] = idbuf[i];
        score[i] = (double)(int)(unit_rnd(&rng) * 5) * 10; /* 0, 10, ..., 40 */
        knock[i] = unit_rnd(&rng) < 0.2;
        perm[i] = i;
    }
    for (size_t i = N - 1; i > 0; i--) {
        size_t j = (size_t)(unit_rnd(&rng) * (double)(i + 1)), t = perm[i];
        perm[i] = perm[j];
        perm[j] = t;
    }
    for (size_t i = 0; i < N; i++) {
        shuffled_ids[i] = ids[perm[i]];
        shuffled[i] = score[perm[i]];
        shuffled_knock[i] = knock[perm[i]];
    }
    for (int numeric = 0; numeric < 2; numeric++) {
        bp_result *a = ranked(N, ids, numeric, score, knock);
        bp_result *b = ranked(N, shuffled_ids, numeric, shuffled, shuffled_knock);
        char oa[4096];
        snprintf(oa, sizeof oa, "%s", order(a)); /* order() has room for the first ~100 */
        assert_string_equal(oa, order(b));
        for (size_t k = 0; k < N; k++) {
            assert_string_equal(bp_result_id(a, a->order[k]), bp_result_id(b, b->order[k]));
            size_t ia = a->order[k], ib = b->order[k];
            assert_int_equal(a->rank[ia], b->rank[ib]);
            if (k > 0) { /* sorted: eligible first, then score down, then id up */
                size_t p = a->order[k - 1];
                int kp = a->knock[p] != 0, kc = a->knock[ia] != 0;
                assert_true(kp <= kc);
                if (kp == kc) {
                    double sp = a->score[p * BP_NTYPES + BP_GECLUSTERD], sc = a->score[ia * BP_NTYPES + BP_GECLUSTERD];
                    assert_true(sp >= sc);
                    if (sp == sc) assert_true(bp_result_cmp_id(a, p, ia) < 0);
                }
            }
        }
        /* ranks 1..eligible, once each */
        size_t eligible = 0;
        for (size_t i = 0; i < N; i++) eligible += !knock[i];
        for (size_t k = 0; k < N; k++) assert_int_equal(a->rank[a->order[k]], k < eligible ? (int32_t)k + 1 : 0);
        /* ranking twice gives the same */
        bp_rank_opts o = {BP_GECLUSTERD};
        assert_int_equal(bp_rank_apply(a, &o, NULL), BP_OK);
        for (size_t k = 0; k < N; k++) assert_string_equal(bp_result_id(a, a->order[k]), bp_result_id(b, b->order[k]));
        bp_result_free(a);
        bp_result_free(b);
    }
    /* no plots */
    bp_result *r = ranked(0, NULL, 1, NULL, NULL);
    assert_int_equal(r->n, 0);
    bp_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(by_score), cmocka_unit_test(knocked_out_last),
                                       cmocka_unit_test(ties_by_id), cmocka_unit_test(same_whatever_the_input_order)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
