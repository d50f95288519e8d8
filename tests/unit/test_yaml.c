/* Unit tests of yaml.c: the tree, line numbers, and the refusals (aliases,
 * duplicate keys, depth, several documents). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <string.h>

#include "config/config.h"

static bp_yaml *parse(const char *text, bp_ctx *ctx)
{
    return bp_yaml_parse(text, strlen(text), "p.yaml", ctx);
}

static void tree(void **state)
{
    (void)state;
    bp_ctx *ctx = bp_ctx_new();
    bp_yaml *y = parse("a: 1\nb:\n  c: 'x y'\n  d: [1, 2]\n", ctx);
    assert_non_null(y);
    assert_int_equal(y->kind, BP_YAML_MAP);
    assert_string_equal(bp_yaml_get(y, "a")->value, "1");
    const bp_yaml *b = bp_yaml_get(y, "b");
    assert_int_equal(b->line, 3);
    assert_string_equal(bp_yaml_get(b, "c")->value, "x y");
    assert_false(bp_yaml_get(b, "c")->plain);
    assert_int_equal(bp_yaml_get(b, "d")->kind, BP_YAML_SEQ);
    assert_int_equal(bp_yaml_get(b, "d")->n, 2);
    assert_null(bp_yaml_get(y, "zz"));
    bp_yaml_free(y);
    y = parse("", ctx); /* empty file: empty mapping */
    assert_non_null(y);
    assert_int_equal(y->n, 0);
    bp_yaml_free(y);
    bp_ctx_free(ctx);
}

static void refusals(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"a: &x 1\nb: *x\n", "line 1: YAML anchors and aliases"},
        {"a: [&x [1,2], *x, *x]\n", "anchors and aliases"},
        {"a: 1\nb: 2\na: 3\n", "line 3: key 'a' appears twice (first on line 1)"},
        {"a: [1, 2\n", "YAML syntax error"},
        {"a: 1\n---\nb: 2\n", "only one YAML document"},
        {"a: [[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[1]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]]\n", "deeper than"},
        {"? [a, b]\n: 1\n", "a key must be plain text"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_ctx *ctx = bp_ctx_new();
        bp_yaml *y = parse(cases[i].text, ctx);
        if (y) fail_msg("case %zu parsed", i);
        assert_int_equal(bp_ctx_status(ctx), BP_ERR_USAGE);
        if (!strstr(bp_ctx_errmsg(ctx), cases[i].expect) || !strstr(bp_ctx_errmsg(ctx), "p.yaml"))
            fail_msg("case %zu: '%s' lacks '%s'", i, bp_ctx_errmsg(ctx), cases[i].expect);
        bp_ctx_free(ctx);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(tree), cmocka_unit_test(refusals)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
