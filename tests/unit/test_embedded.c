/* Unit tests of core/embedded.c: every file of layers/ is built in,
 * byte for byte, and found by its name. */
#include "unit.h"

#include <glob.h>

/* The contents of a file of the checkout (BP_SOURCE_DIR), NUL-terminated;
 * free() it. */
static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *s = malloc((size_t)n + 1);
    assert_int_equal(fread(s, 1, (size_t)n, f), (size_t)n);
    s[n] = '\0';
    fclose(f);
    return s;
}

/* Checks every layers/ *.EXT file against what lookup() returns for its
 * name; returns how many there are. */
static size_t check_files(const char *ext, const char *(*lookup)(const char *))
{
    char pattern[4096];
    snprintf(pattern, sizeof pattern, "%s/layers/*.%s", BP_SOURCE_DIR, ext);
    glob_t gl;
    assert_int_equal(glob(pattern, 0, NULL, &gl), 0);
    for (size_t i = 0; i < gl.gl_pathc; i++) {
        const char *base = strrchr(gl.gl_pathv[i], '/') + 1;
        char name[256];
        snprintf(name, sizeof name, "%.*s", (int)(strlen(base) - strlen(ext) - 1), base);
        const char *text = lookup(name);
        if (!text) fail_msg("layers/%s.%s is not built in", name, ext);
        char *file = slurp(gl.gl_pathv[i]);
        if (strcmp(text, file)) fail_msg("layers/%s.%s differs from the built-in text", name, ext);
        free(file);
    }
    size_t n = gl.gl_pathc;
    globfree(&gl);
    return n;
}

static void layer_definitions(void **state)
{
    (void)state;
    size_t n = check_files("yaml", bp_embedded_text);
    assert_true(n >= 6);
    /* the list of names: every definition, in name order, NULL-terminated */
    const char *const *names = bp_embedded_names();
    size_t k = 0;
    for (; names[k]; k++) {
        assert_non_null(bp_embedded_text(names[k]));
        if (k) assert_true(strcmp(names[k - 1], names[k]) < 0);
    }
    assert_int_equal(k, n);
    static const char *const expected[] = {"candidates", "facilities",   "gemeente_gap",
                                           "osm_facilities", "run_info", "walk_network"};
    for (size_t i = 0; i < 6; i++) unit_assert_contains(bp_embedded_text(expected[i]), "\n");
    assert_null(bp_embedded_text("nonexistent"));
    assert_null(bp_embedded_text("candidates.yaml"));
    assert_null(bp_embedded_text(""));
}

static void styles_and_script(void **state)
{
    (void)state;
    size_t n = check_files("qml", bp_embedded_qml);
    assert_true(n >= 4);
    static const char *const styled[] = {"candidates", "facilities", "gemeente_gap", "walk_network"};
    for (size_t i = 0; i < 4; i++) unit_assert_contains(bp_embedded_qml(styled[i]), "<qgis");
    assert_null(bp_embedded_qml("run_info")); /* a table: no style */
    assert_null(bp_embedded_qml("osm_facilities"));
    const char *map = bp_embedded_script("map");
    unit_assert_contains(map, "qgis");
    char path[4096];
    snprintf(path, sizeof path, "%s/src/output/map.py", BP_SOURCE_DIR);
    char *file = slurp(path);
    assert_string_equal(map, file);
    free(file);
    assert_null(bp_embedded_script("cli"));
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(layer_definitions), cmocka_unit_test(styles_and_script)};
    return cmocka_run_group_tests(tests, NULL, NULL);
}
