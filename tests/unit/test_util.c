/* Unit tests of core/util.c: strings, the key/value list behind run_info,
 * thread counts and phase timing. */
#include "unit.h"

static void strings(void **state)
{
    (void)state;
    assert_null(bp_strdup(NULL));
    const char *s = "kavel";
    char *d = bp_strdup(s);
    assert_string_equal(d, s);
    assert_ptr_not_equal(d, s);
    free(d);
    char *f = bp_strfmt("%s-%04d-%.2f", "GM", 193, 0.125);
    assert_string_equal(f, "GM-0193-0.12");
    free(f);
    char big[10001];
    memset(big, 'z', 10000);
    big[10000] = '\0';
    f = bp_strfmt("<%s>", big);
    assert_int_equal(strlen(f), 10002);
    assert_int_equal(f[10001], '>');
    free(f);
}

static void str_append(void **state)
{
    (void)state;
    char buf[32] = "";
    bp_str_append(buf, sizeof buf, "too far");
    assert_string_equal(buf, "too far");
    bp_str_append(buf, sizeof buf, "too small");
    assert_string_equal(buf, "too far; too small");
    /* what does not fit is cut, and the buffer stays terminated */
    char small[12] = "";
    bp_str_append(small, sizeof small, "abc");
    bp_str_append(small, sizeof small, "defghijk");
    assert_string_equal(small, "abc; defghi");
    bp_str_append(small, sizeof small, "more");
    assert_string_equal(small, "abc; defghi");
    /* an exact fit */
    char exact[7] = "abc";
    bp_str_append(exact, sizeof exact, "x");
    assert_string_equal(exact, "abc; x");
    /* no room for the separator: unchanged */
    char none[6] = "abc";
    bp_str_append(none, sizeof none, "x");
    assert_string_equal(none, "abc");
}

static void kv_basics(void **state)
{
    (void)state;
    bp_kv kv = {0};
    assert_int_equal(bp_kv_add(&kv, "config.profile", "geclusterd"), 0);
    assert_int_equal(bp_kv_add(&kv, "empty", NULL), 0);
    assert_int_equal(bp_kv_addf(&kv, "input.candidates.features_read", "%zu", (size_t)400), 0);
    assert_int_equal(bp_kv_add(&kv, "config.profile", "second"), 0); /* duplicate keys are kept */
    assert_int_equal(kv.n, 4);
    assert_string_equal(bp_kv_get(&kv, "empty"), "");
    assert_string_equal(bp_kv_get(&kv, "input.candidates.features_read"), "400");
    assert_string_equal(bp_kv_get(&kv, "config.profile"), "geclusterd"); /* the first */
    assert_null(bp_kv_get(&kv, "config"));
    /* set replaces the first row with the key, in place */
    assert_int_equal(bp_kv_set(&kv, "config.profile", "nultreden"), 0);
    assert_int_equal(kv.n, 4);
    assert_string_equal(kv.key[0], "config.profile");
    assert_string_equal(kv.value[0], "nultreden");
    assert_string_equal(kv.value[3], "second");
    assert_int_equal(bp_kv_set(&kv, "result.ranked", "12"), 0); /* else appends */
    assert_int_equal(kv.n, 5);
    assert_string_equal(kv.key[4], "result.ranked");
    assert_int_equal(bp_kv_set(&kv, "empty", NULL), 0);
    assert_string_equal(bp_kv_get(&kv, "empty"), "");
    bp_kv_clear(&kv);
    assert_int_equal(kv.n, 0);
    assert_int_equal(kv.cap, 0);
    assert_null(kv.key);
    bp_kv_clear(&kv); /* twice: still fine */
}

static void kv_grow_remove_copy(void **state)
{
    (void)state;
    bp_kv kv = {0};
    for (int i = 0; i < 100; i++) {
        char k[32];
        snprintf(k, sizeof k, "%s.%d", i % 3 == 0 ? "config" : i % 3 == 1 ? "input" : "configx", i);
        assert_int_equal(bp_kv_addf(&kv, k, "v%d", i), 0);
    }
    assert_int_equal(kv.n, 100);
    assert_true(kv.cap >= 100);
    assert_string_equal(bp_kv_get(&kv, "input.97"), "v97");
    /* a prefix is a prefix of the text: "config" takes "configx.*" too */
    bp_kv copy = {0};
    assert_int_equal(bp_kv_add(&copy, "stale", "row"), 0);
    assert_int_equal(bp_kv_copy(&copy, &kv), 0);
    assert_null(bp_kv_get(&copy, "stale")); /* emptied first */
    bp_kv_remove_prefix(&kv, "config.");
    assert_int_equal(kv.n, 66);
    assert_null(bp_kv_get(&kv, "config.0"));
    assert_string_equal(bp_kv_get(&kv, "configx.2"), "v2");
    /* the others keep their order */
    assert_string_equal(kv.key[0], "input.1");
    assert_string_equal(kv.key[1], "configx.2");
    assert_string_equal(kv.key[65], "configx.98");
    bp_kv_remove_prefix(&kv, "config");
    assert_int_equal(kv.n, 33);
    for (size_t i = 0; i < kv.n; i++) assert_int_equal(strncmp(kv.key[i], "input.", 6), 0);
    bp_kv_remove_prefix(&kv, "nothing");
    assert_int_equal(kv.n, 33);
    /* the copy is deep and whole */
    assert_int_equal(copy.n, 100);
    assert_string_equal(bp_kv_get(&copy, "config.0"), "v0");
    assert_ptr_not_equal(copy.key[1], kv.key[0]);
    bp_kv_remove_prefix(&kv, "");
    assert_int_equal(kv.n, 0);
    bp_kv_clear(&kv);
    bp_kv_clear(&copy);
}

static void threads(void **state)
{
    (void)state;
    assert_int_equal(bp_nthreads(3), 3);
    assert_int_equal(bp_nthreads(1), 1);
    long cores = sysconf(_SC_NPROCESSORS_ONLN);
    assert_int_equal(bp_nthreads(0), cores > 0 ? cores : 1);
    assert_int_equal(bp_nthreads(-4), bp_nthreads(0));
}

static void timing(void **state)
{
    (void)state;
    struct timespec a = {1, 500000000}, b = {3, 250000000};
    assert_float_equal(bp_seconds(&a, &b), 1.75, 1e-12);
    assert_float_equal(bp_seconds(&b, &a), -1.75, 1e-12);
    struct timespec last = {0, 0}, now;
    bp_debug_phase("test", &last);
    clock_gettime(CLOCK_MONOTONIC, &now);
    assert_true(bp_seconds(&last, &now) >= 0);
    assert_true(last.tv_sec > 0 || last.tv_nsec > 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(strings), cmocka_unit_test(str_append), cmocka_unit_test(kv_basics),
        cmocka_unit_test(kv_grow_remove_copy), cmocka_unit_test(threads), cmocka_unit_test(timing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
