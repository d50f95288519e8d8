/* Unit tests of input/targets.c: count parsing with CBS sentinels,
 * code normalisation and the targets CSV read through GDAL's CSV driver. */
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

#include "input/input.h"
#include "gap/gap.h"

static void parse_counts(void **state)
{
    (void)state;
    double v;
    int sentinel;
    assert_int_equal(bp_targets_parse_count("12", &v, &sentinel), 0);
    assert_float_equal(v, 12, 0);
    assert_int_equal(bp_targets_parse_count(" 7 ", &v, &sentinel), 0);
    assert_float_equal(v, 7, 0);
    /* homes are whole: a fraction is refused, thousands separators read
       (issue 10: '1.234' from Dutch Excel was read as 1.234 homes) */
    assert_int_equal(bp_targets_parse_count("12,5", &v, &sentinel), BP_COUNT_FRACTION);
    assert_int_equal(bp_targets_parse_count("1.5", &v, &sentinel), BP_COUNT_FRACTION);
    assert_int_equal(bp_targets_parse_count("12,0", &v, &sentinel), 0);
    assert_float_equal(v, 12, 0);
    assert_int_equal(bp_targets_parse_count("1.234", &v, &sentinel), 0);
    assert_float_equal(v, 1234, 0);
    assert_int_equal(bp_targets_parse_count("1,234", &v, &sentinel), 0);
    assert_float_equal(v, 1234, 0);
    assert_int_equal(bp_targets_parse_count("12.345.678", &v, &sentinel), 0);
    assert_float_equal(v, 12345678, 0);
    assert_int_equal(bp_targets_parse_count("1.234,0", &v, &sentinel), 0);
    assert_float_equal(v, 1234, 0);
    assert_int_equal(bp_targets_parse_count("1.234,5", &v, &sentinel), BP_COUNT_FRACTION);
    assert_int_equal(bp_targets_parse_count("1.23.4", &v, &sentinel), BP_COUNT_NOT_A_NUMBER);
    assert_int_equal(bp_targets_parse_count("0x10", &v, &sentinel), BP_COUNT_NOT_A_NUMBER);
    assert_int_equal(bp_targets_parse_count("1e3", &v, &sentinel), BP_COUNT_NOT_A_NUMBER);
    assert_int_equal(bp_targets_parse_count("1e308", &v, &sentinel), BP_COUNT_NOT_A_NUMBER);
    assert_int_equal(bp_targets_parse_count("2000000000", &v, &sentinel), BP_COUNT_TOO_LARGE);
    assert_int_equal(bp_targets_parse_count("99999999999999999999", &v, &sentinel), BP_COUNT_TOO_LARGE);
    assert_int_equal(bp_targets_parse_count("0", &v, &sentinel), 0);
    assert_int_equal(bp_targets_parse_count("", &v, &sentinel), 1);
    assert_int_equal(sentinel, 0);
    assert_true(isnan(v));
    assert_int_equal(bp_targets_parse_count("-99999999", &v, &sentinel), 1);
    assert_int_equal(sentinel, 1);
    assert_int_equal(bp_targets_parse_count("-99999997", &v, &sentinel), 1);
    assert_int_equal(sentinel, 1);
    assert_int_equal(bp_targets_parse_count("-5", &v, &sentinel), -1);
    assert_int_equal(bp_targets_parse_count("abc", &v, &sentinel), -1);
    assert_int_equal(bp_targets_parse_count("12abc", &v, &sentinel), -1);
    assert_int_equal(bp_targets_parse_count("1e400", &v, &sentinel), -1);
    assert_int_equal(bp_targets_parse_count("nan", &v, &sentinel), -1);
}

static void codes(void **state)
{
    (void)state;
    char b[32];
    bp_targets_normalise_code("GM0193", b, sizeof b);
    assert_string_equal(b, "GM0193");
    bp_targets_normalise_code("193", b, sizeof b);
    assert_string_equal(b, "GM0193");
    bp_targets_normalise_code(" 0193 ", b, sizeof b);
    assert_string_equal(b, "GM0193");
    bp_targets_normalise_code("gm0193", b, sizeof b);
    assert_string_equal(b, "GM0193");
    bp_targets_normalise_code("X12", b, sizeof b);
    assert_string_equal(b, "X12");
}

/* A result with two gemeenten (sorted by code, as bp_gemeenten_read
 * makes them). */
static bp_result *make_gemeenten(void)
{
    bp_result *r = bp_result_new();
    assert_non_null(r);
    assert_int_equal(bp_result_add_gemeente(r, "GM0166", "x", NULL, 0), 0);
    assert_int_equal(bp_result_add_gemeente(r, "GM0193", "x", NULL, 0), 1);
    return r;
}

static char path[256];

static bp_status read_csv(const char *text, bp_result **gm, bp_ctx *ctx)
{
    snprintf(path, sizeof path, "/tmp/bp_test_gap_%d.csv", (int)getpid());
    FILE *f = fopen(path, "wb");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
    *gm = make_gemeenten();
    bp_status st = bp_targets_read(path, *gm, ctx);
    unlink(path);
    return st;
}

static void csv_ok(void **state)
{
    (void)state;
    const char *variants[] = {
        "gemeente_code,woningtype,opgave,plannen,gerealiseerd\nGM0193,geclusterd,520,299,45\n"
        "0166,Zorggeschikte woningen,100,20,-99999999\n\n",
        /* semicolons, BOM, CRLF, extra column, columns in another order, spaces */
        "\xEF\xBB\xBF" "toelichting;Gemeente_Code ; woningtype;gerealiseerd;plannen;opgave\r\n"
        "x;GM0193;geclusterd;45;299;520\r\ny;GM0166;zorggeschikt;-99999999;20;100\r\n",
    };
    for (size_t v = 0; v < 2; v++) {
        bp_result *gm;
        bp_ctx *ctx = bp_ctx_new();
        assert_int_equal(read_csv(variants[v], &gm, ctx), BP_OK);
        assert_true(gm->gm[1].has_target[BP_GECLUSTERD]);
        assert_float_equal(gm->gm[1].opgave[BP_GECLUSTERD], 520, 0);
        assert_float_equal(gm->gm[1].plannen[BP_GECLUSTERD], 299, 0);
        assert_float_equal(gm->gm[1].gerealiseerd[BP_GECLUSTERD], 45, 0);
        assert_true(gm->gm[0].has_target[BP_ZORGGESCHIKT]);
        assert_true(isnan(gm->gm[0].gerealiseerd[BP_ZORGGESCHIKT]));
        assert_int_equal(bp_ctx_warning_count(ctx), 1); /* the sentinel, said once */
        assert_non_null(strstr(bp_ctx_warning(ctx, 0), "line 3"));
        assert_false(gm->gm[0].has_target[BP_NULTREDEN]);
        bp_result_free(gm);
        bp_ctx_free(ctx);
    }
}

static void csv_bad(void **state)
{
    (void)state;
    static const struct {
        const char *text, *expect;
    } cases[] = {
        {"gemeente_code,woningtype,opgave,plannen\nGM0193,geclusterd,1,2\n", "missing column(s) gerealiseerd"},
        {"gemeente_code,woningtype,opgave,plannen,gerealiseerd\nGM0193,geclusterd,1,2,3\nGM0193,nultreden,x,2,3\n",
         "line 3, column opgave: 'x' is not a count"},
        {"gemeente_code,woningtype,opgave,plannen,gerealiseerd\nGM0193,geclusterd,1,-2,3\n",
         "line 2, column plannen: '-2'"},
        {"gemeente_code,woningtype,opgave,plannen,gerealiseerd\nGM9999,geclusterd,1,2,3\n",
         "line 2: gemeente_code GM9999 has no polygon"},
        {"gemeente_code,woningtype,opgave,plannen,gerealiseerd\nGM0193,seniorenflat,1,2,3\n",
         "line 2: woningtype 'seniorenflat'"},
        {"gemeente_code,woningtype,opgave,plannen,gerealiseerd\nGM0193,geclusterd,1,2,3\nGM0193,geclusterd,1,2,3\n",
         "line 3: GM0193 geclusterd appears twice (also on line 2)"},
        {"gemeente_code,woningtype,opgave,plannen,gerealiseerd\n", "no rows"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_result *gm;
        bp_ctx *ctx = bp_ctx_new();
        assert_int_equal(read_csv(cases[i].text, &gm, ctx), BP_ERR_DATA);
        if (!strstr(bp_ctx_errmsg(ctx), cases[i].expect) || !strstr(bp_ctx_errmsg(ctx), path))
            fail_msg("case %zu: message '%s' lacks '%s' or the path", i, bp_ctx_errmsg(ctx), cases[i].expect);
        bp_result_free(gm);
        bp_ctx_free(ctx);
    }
    bp_result *gm;
    bp_ctx *ctx = bp_ctx_new();
    gm = make_gemeenten();
    assert_int_equal(bp_targets_read("/nonexistent/targets.csv", gm, ctx), BP_ERR_USAGE);
    assert_non_null(strstr(bp_ctx_errmsg(ctx), "/nonexistent/targets.csv"));
    bp_result_free(gm);
    bp_ctx_free(ctx);
}

int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(parse_counts), cmocka_unit_test(codes),
        cmocka_unit_test(csv_ok),       cmocka_unit_test(csv_bad),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
