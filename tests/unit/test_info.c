/* Unit tests of run/info.c: the run_info rows of a run (start time,
 * versions, the whole configuration), of its result and of its warnings. */
#include "unit.h"

#include "run/run.h"

static void add_row(const char *key, const char *value, void *ud)
{
    char k[300];
    snprintf(k, sizeof k, "config.%s", key);
    bp_kv_add(ud, k, value);
}

static void run_rows(void **state)
{
    (void)state;
    bp_config *c = bp_config_new();
    assert_int_equal(bp_config_set(c, "facilities.zorg", "z.gpkg", NULL, NULL), BP_OK);
    assert_int_equal(bp_config_set(c, "profile", "nultreden", NULL, NULL), BP_OK);
    bp_kv kv = {0};
    bp_info_run(&kv, c, (time_t)1700000000);
    assert_string_equal(kv.key[0], "run.started");
    assert_string_equal(kv.value[0], "2023-11-14T22:13:20Z");
    static const char *const libs[] = {"bodnaarplot", "GDAL", "GEOS", "PROJ", "SpatiaLite", "SQLite"};
    for (size_t i = 0; i < 6; i++) {
        char k[64];
        snprintf(k, sizeof k, "version.%s", libs[i]);
        assert_string_equal(kv.key[1 + i], k);
        assert_true(strlen(kv.value[1 + i]) > 0);
    }
    assert_string_equal(bp_kv_get(&kv, "version.bodnaarplot"), BP_VERSION);
    assert_string_equal(bp_kv_get(&kv, "version.GEOS"), GEOSversion());
    /* then the whole configuration, as listed */
    bp_kv want = {0};
    bp_config_foreach(c, add_row, &want);
    assert_int_equal(kv.n, 7 + want.n);
    for (size_t i = 0; i < want.n; i++) {
        assert_string_equal(kv.key[7 + i], want.key[i]);
        assert_string_equal(kv.value[7 + i], want.value[i]);
    }
    assert_string_equal(bp_kv_get(&kv, "config.profile"), "nultreden");
    assert_string_equal(bp_kv_get(&kv, "config.facilities.zorg.source"), "z.gpkg");
    assert_string_equal(bp_kv_get(&kv, "config.criteria.zorg.zero_m"), "1500");
    bp_kv_clear(&kv);
    bp_kv_clear(&want);
    bp_config_free(c);
}

static void result_rows(void **state)
{
    (void)state;
    bp_result *r = unit_result(5, NULL, 0, NULL);
    r->knock[1] = BP_KO_SIZE;
    r->knock[4] = BP_KO_FILTER | BP_KO_DISTANCE;
    r->rank_opts.profile = BP_ZORGGESCHIKT;
    bp_kv kv = {0};
    bp_kv_add(&kv, "config.profile", "zorggeschikt");
    bp_info_result(&kv, r);
    assert_int_equal(kv.n, 4);
    assert_string_equal(bp_kv_get(&kv, "result.profile"), "zorggeschikt");
    assert_string_equal(bp_kv_get(&kv, "result.knocked_out"), "2");
    assert_string_equal(bp_kv_get(&kv, "result.ranked"), "3");
    /* again after a re-rank: replaced, not added */
    r->knock[1] = 0;
    r->rank_opts.profile = BP_NULTREDEN;
    bp_info_result(&kv, r);
    assert_int_equal(kv.n, 4);
    assert_string_equal(bp_kv_get(&kv, "result.profile"), "nultreden");
    assert_string_equal(bp_kv_get(&kv, "result.knocked_out"), "1");
    assert_string_equal(bp_kv_get(&kv, "result.ranked"), "4");
    bp_kv_clear(&kv);
    bp_result_free(r);
}

static void warning_rows(void **state)
{
    (void)state;
    bp_ctx *ctx = bp_ctx_new();
    bp_kv kv = {0};
    bp_info_warnings(&kv, ctx);
    assert_int_equal(kv.n, 0);
    for (int i = 0; i < 12; i++) bp_warn(ctx, "warning %c", 'a' + i);
    bp_info_warnings(&kv, ctx);
    assert_int_equal(kv.n, 12);
    assert_string_equal(kv.key[0], "warning.1");
    assert_string_equal(kv.value[0], "warning a");
    assert_string_equal(kv.key[11], "warning.12");
    assert_string_equal(kv.value[11], "warning l");
    bp_kv_clear(&kv);
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(run_rows), cmocka_unit_test(result_rows),
                                       cmocka_unit_test(warning_rows)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
