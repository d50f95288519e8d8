/* Unit tests of core/ctx.c: the first error wins, prefixes keep the status
 * and one line, warnings and their handler, type names, versions. */
#include "unit.h"

#include <cpl_error.h>

static void first_error_wins(void **state)
{
    (void)state;
    bp_ctx *ctx = bp_ctx_new();
    assert_non_null(ctx);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    assert_string_equal(bp_ctx_errmsg(ctx), "");
    assert_int_equal(bp_error(ctx, BP_ERR_DATA, "kavels.gpkg: feature %d has no id", 7), BP_ERR_DATA);
    /* a later error leaves the first one, and returns its status */
    assert_int_equal(bp_error(ctx, BP_ERR_IO, "disk full"), BP_ERR_DATA);
    assert_int_equal(bp_ctx_status(ctx), BP_ERR_DATA);
    assert_string_equal(bp_ctx_errmsg(ctx), "kavels.gpkg: feature 7 has no id");
    bp_ctx_clear(ctx);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    assert_string_equal(bp_ctx_errmsg(ctx), "");
    assert_int_equal(bp_error(ctx, BP_ERR_USAGE, "second"), BP_ERR_USAGE);
    assert_string_equal(bp_ctx_errmsg(ctx), "second");
    bp_ctx_free(ctx);
}

static void one_line(void **state)
{
    (void)state;
    bp_ctx *ctx = bp_ctx_new();
    bp_error(ctx, BP_ERR_DATA, "GDAL said:\nline two\r\nline three");
    assert_string_equal(bp_ctx_errmsg(ctx), "GDAL said: line two  line three");
    /* a message longer than the buffer is cut, not overrun */
    char big[5000];
    memset(big, 'x', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bp_ctx_clear(ctx);
    bp_error(ctx, BP_ERR_DATA, "%s", big);
    assert_int_equal(strlen(bp_ctx_errmsg(ctx)), 2047);
    bp_ctx_free(ctx);
}

static void null_context(void **state)
{
    (void)state;
    assert_int_equal(bp_error(NULL, BP_ERR_IO, "dropped"), BP_ERR_IO);
    bp_error_prefix(NULL, "x");
    bp_warn(NULL, "dropped");
    bp_ctx_clear(NULL);
    bp_ctx_set_warning_handler(NULL, NULL, NULL);
    assert_string_equal(bp_ctx_errmsg(NULL), "");
    assert_int_equal(bp_ctx_status(NULL), BP_OK);
    assert_int_equal(bp_ctx_warning_count(NULL), 0);
    assert_null(bp_ctx_warning(NULL, 0));
    bp_ctx_free(NULL);
}

static void prefix(void **state)
{
    (void)state;
    bp_ctx *ctx = bp_ctx_new();
    /* no error: nothing to prefix */
    bp_error_prefix(ctx, "facility category %s", "zorg");
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    assert_string_equal(bp_ctx_errmsg(ctx), "");
    bp_error(ctx, BP_ERR_USAGE, "zorg.gpkg: No such file or directory");
    bp_error_prefix(ctx, "facility category %s", "zorg");
    assert_int_equal(bp_ctx_status(ctx), BP_ERR_USAGE);
    assert_string_equal(bp_ctx_errmsg(ctx), "facility category zorg: zorg.gpkg: No such file or directory");
    /* twice, and a prefix with a newline stays one line */
    bp_error_prefix(ctx, "run\nA");
    assert_string_equal(bp_ctx_errmsg(ctx), "run A: facility category zorg: zorg.gpkg: No such file or directory");
    /* a long prefix or message is cut at the buffer, NUL-terminated */
    char big[3000];
    memset(big, 'p', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bp_error_prefix(ctx, "%s", big);
    assert_int_equal(strlen(bp_ctx_errmsg(ctx)), 2047);
    assert_int_equal(bp_ctx_status(ctx), BP_ERR_USAGE);
    bp_ctx_clear(ctx);
    memset(big, 'm', 2040);
    big[2040] = '\0';
    bp_error(ctx, BP_ERR_IO, "%s", big);
    bp_error_prefix(ctx, "out.gpkg");
    const char *m = bp_ctx_errmsg(ctx);
    assert_int_equal(strlen(m), 2047);
    assert_int_equal(strncmp(m, "out.gpkg: mmm", 13), 0);
    assert_int_equal(bp_ctx_status(ctx), BP_ERR_IO);
    bp_ctx_free(ctx);
}

static void warnings(void **state)
{
    (void)state;
    bp_ctx *ctx = bp_ctx_new();
    unit_warnings w = {0};
    bp_warn(ctx, "before the handler");
    bp_ctx_set_warning_handler(ctx, unit_warning_handler, &w);
    for (int i = 0; i < 100; i++) bp_warn(ctx, "warning %d", i);
    assert_int_equal(w.n, 100);
    assert_string_equal(w.last, "warning 99");
    assert_int_equal(bp_ctx_warning_count(ctx), 101);
    assert_string_equal(bp_ctx_warning(ctx, 0), "before the handler");
    assert_string_equal(bp_ctx_warning(ctx, 51), "warning 50");
    assert_null(bp_ctx_warning(ctx, 101));
    /* removing the handler: still collected, no longer passed on */
    bp_ctx_set_warning_handler(ctx, NULL, NULL);
    bp_warn(ctx, "quiet");
    assert_int_equal(w.n, 100);
    assert_int_equal(bp_ctx_warning_count(ctx), 102);
    /* warnings are not errors: clearing the error keeps them */
    bp_error(ctx, BP_ERR_DATA, "e");
    bp_ctx_clear(ctx);
    assert_int_equal(bp_ctx_warning_count(ctx), 102);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    /* a long warning is cut at 1023 characters */
    char big[3000];
    memset(big, 'w', sizeof big - 1);
    big[sizeof big - 1] = '\0';
    bp_warn(ctx, "%s", big);
    assert_int_equal(strlen(bp_ctx_warning(ctx, 102)), 1023);
    bp_ctx_free(ctx);
}

static void type_names(void **state)
{
    (void)state;
    assert_string_equal(bp_type_name(BP_NULTREDEN), "nultreden");
    assert_string_equal(bp_type_name(BP_GECLUSTERD), "geclusterd");
    assert_string_equal(bp_type_name(BP_ZORGGESCHIKT), "zorggeschikt");
    assert_null(bp_type_name((bp_type)3));
    assert_null(bp_type_name((bp_type)-1));
    assert_int_equal(bp_type_parse("nultreden"), BP_NULTREDEN);
    assert_int_equal(bp_type_parse("Geclusterd"), BP_GECLUSTERD);
    assert_int_equal(bp_type_parse("ZORGGESCHIKT"), BP_ZORGGESCHIKT);
    assert_int_equal(bp_type_parse("zorg"), -1);
    assert_int_equal(bp_type_parse(""), -1);
    assert_int_equal(bp_type_parse(NULL), -1);
}

static void versions(void **state)
{
    (void)state;
    char buf[512];
    size_t n = bp_versions(buf, sizeof buf);
    assert_int_equal(n, strlen(buf));
    assert_int_equal(strncmp(buf, "bodnaarplot " BP_VERSION "\nGDAL ", 17 + strlen(BP_VERSION)), 0);
    const char *names[] = {"\nGDAL ", "\nGEOS ", "\nPROJ ", "\nSpatiaLite ", "\nSQLite "};
    for (size_t i = 0; i < 5; i++) unit_assert_contains(buf, names[i]);
    unit_assert_contains(buf, GEOSversion());
    assert_int_equal(buf[n - 1], '\n');
    /* six lines of "name version" */
    int lines = 0;
    for (const char *p = buf; *p; p++) lines += *p == '\n';
    assert_int_equal(lines, 6);
    /* a short buffer: cut and terminated, and the length the text needs */
    char small[10];
    assert_int_equal(bp_versions(small, sizeof small), n);
    assert_string_equal(small, "bodnaarpl");
}

static void cpl_message(void **state)
{
    (void)state;
    CPLErrorReset();
    assert_string_equal(bp_cpl_msg(), "unknown error");
    CPLPushErrorHandler(CPLQuietErrorHandler);
    CPLError(CE_Failure, CPLE_AppDefined, "boom at %d", 3);
    CPLPopErrorHandler();
    assert_string_equal(bp_cpl_msg(), "boom at 3");
    CPLErrorReset();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(first_error_wins), cmocka_unit_test(one_line), cmocka_unit_test(null_context),
        cmocka_unit_test(prefix),           cmocka_unit_test(warnings), cmocka_unit_test(type_names),
        cmocka_unit_test(versions),         cmocka_unit_test(cpl_message),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
