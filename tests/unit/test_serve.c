/* Unit tests of serve/: the JSON reader and writer, and rank stability on a
 * hand-computed result. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <string.h>

#include "serve/serve.h"

static void json_reads(void **state)
{
    (void)state;
    const char *err;
    const char *t = "{\"profile\":\"zorggeschikt\",\"weights\":{\"zorg\":5.5,\"groen\":0},\"n\":[1,-2e3,true,null],"
                    "\"s\":\"a\\u00e9\\ud83d\\ude00\\n\"}";
    bp_json *j = bp_serve_json_parse(t, strlen(t), &err);
    assert_non_null(j);
    assert_string_equal(bp_serve_json_get(j, "profile")->str, "zorggeschikt");
    const bp_json *w = bp_serve_json_get(j, "weights");
    assert_int_equal(w->n, 2);
    assert_float_equal(bp_serve_json_get(w, "zorg")->num, 5.5, 0);
    const bp_json *n = bp_serve_json_get(j, "n");
    assert_int_equal(n->kind, BP_JSON_ARR);
    assert_float_equal(n->items[1]->num, -2000, 0);
    assert_int_equal(n->items[2]->kind, BP_JSON_BOOL);
    assert_int_equal(n->items[3]->kind, BP_JSON_NULL);
    assert_string_equal(bp_serve_json_get(j, "s")->str, "a\xc3\xa9\xf0\x9f\x98\x80\n");
    assert_null(bp_serve_json_get(j, "missing"));
    bp_serve_json_free(j);

    static const char *const bad[] = {"", "{", "{\"a\"}", "{\"a\":1,}", "[1 2]", "01", "1.", "-", "1e", "NaN",
                                      "\"\\u0000\"", "\"\\ud800\"", "\"\\x\"", "\"a", "{} {}", "tru", "\"\x01\"",
                                      "1e999"};
    for (size_t k = 0; k < sizeof bad / sizeof bad[0]; k++) {
        err = NULL;
        assert_null(bp_serve_json_parse(bad[k], strlen(bad[k]), &err));
        assert_non_null(err);
    }
    char deep[100];
    memset(deep, '[', sizeof deep);
    assert_null(bp_serve_json_parse(deep, sizeof deep, &err));
    assert_string_equal(err, "nested too deeply");
    /* NUL inside the length is refused, not cut */
    assert_null(bp_serve_json_parse("{}\0x", 4, &err));
}

static void json_writes(void **state)
{
    (void)state;
    bp_serve_buf b = {0};
    bp_serve_buf_json_str(&b, "<script>\"x\"&'\n\x01</script>");
    assert_string_equal(b.s, "\"\\u003cscript\\u003e\\\"x\\\"\\u0026\\u0027\\n\\u0001\\u003c/script\\u003e\"");
    b.len = 0;
    bp_serve_buf_json_str(&b, NULL);
    bp_serve_buf_puts(&b, " ");
    bp_serve_buf_num(&b, 12.50, 2);
    bp_serve_buf_puts(&b, " ");
    bp_serve_buf_num(&b, NAN, 2);
    bp_serve_buf_puts(&b, " ");
    bp_serve_buf_num(&b, -0.001, 2);
    bp_serve_buf_puts(&b, " ");
    bp_serve_buf_num(&b, INFINITY, 0);
    assert_string_equal(b.s, "null 12.5 null 0 null");
    bp_serve_buf_free(&b);
}

/* Three plots, two categories, no gemeente (gap share 0.5, gap weight 0):
 *   p0 (100, 0), p1 (0, 100), p2 (50, 50); weights (2, 1): 200, 100, 150. */
static bp_result *three(void)
{
    bp_result *r = bp_result_new();
    char *cats[] = {"supermarkt", "zorg"};
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_result_set_categories(r, cats, 2, 500, ctx), BP_OK);
    assert_int_equal(bp_result_alloc_plots(r, 3, ctx), BP_OK);
    static const double s[3][2] = {{100, 0}, {0, 100}, {50, 50}};
    static const int rank[3] = {1, 3, 2};
    for (size_t i = 0; i < 3; i++) {
        char id[8];
        snprintf(id, sizeof id, "p%zu", i);
        assert_int_equal(bp_result_set_id(r, i, id, ctx), BP_OK);
        r->cat_score[i * 2] = s[i][0];
        r->cat_score[i * 2 + 1] = s[i][1];
        r->knock[i] = 0;
        r->rank[i] = rank[i];
    }
    r->rank_opts.profile = BP_GECLUSTERD;
    bp_ctx_free(ctx);
    return r;
}

static void stability(void **state)
{
    (void)state;
    bp_result *r = three();
    const double w[2] = {2, 1};
    double lo, hi;
    /* p0 first while 100 w0 > 50 w0 + 50 and 100 w0 > 100: w0 > 1 */
    assert_int_equal(bp_serve_stability(r, 0, w, 0, 1, 0, &lo, &hi), 1);
    assert_float_equal(lo, 1, 1e-12);
    assert_true(isinf(hi));
    /* p0 first while 200 > 100 w1 and 200 > 100 + 50 w1: w1 < 2 */
    assert_int_equal(bp_serve_stability(r, 0, w, 0, 1, 1, &lo, &hi), 1);
    assert_float_equal(lo, 0, 0);
    assert_float_equal(hi, 2, 1e-12);
    /* p2 in the top 2 for every w0: p0 passes it above 1, p1 falls behind it above 1 */
    assert_int_equal(bp_serve_stability(r, 2, w, 0, 2, 0, &lo, &hi), 1);
    assert_float_equal(lo, 0, 0);
    assert_true(isinf(hi));
    /* p1 is not in the top 2; knocked out plots never are */
    assert_int_equal(bp_serve_stability(r, 1, w, 0, 2, 0, &lo, &hi), 0);
    r->knock[0] = 1;
    assert_int_equal(bp_serve_stability(r, 0, w, 0, 1, 0, &lo, &hi), 0);
    /* the gap weight: equal shares, so it moves nothing: [0, 1] */
    r->knock[0] = 0;
    assert_int_equal(bp_serve_stability(r, 0, w, 0.25, 1, 2, &lo, &hi), 1);
    assert_float_equal(lo, 0, 0);
    assert_float_equal(hi, 1, 0);
    assert_float_equal(bp_serve_value(r, 2, w, 0.5), 0.75 * 150, 1e-9);
    bp_result_free(r);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_reads),
        cmocka_unit_test(json_writes),
        cmocka_unit_test(stability),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
