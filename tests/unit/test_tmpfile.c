/* Unit tests of output/tmpfile.c: hidden temporary names beside the
 * output, removal with SQLite's sidecars, the commit (flush and rename),
 * and the clean-up of files left by dead processes only. */
#include "unit.h"

#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include "output/output.h"

static char dir[512];

static int setup(void **state)
{
    (void)state;
    unit_tmpdir(dir, sizeof dir, "tmpfile");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_rmdir(dir);
    return 0;
}

static int exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

static void names(void **state)
{
    (void)state;
    char buf[1200], want[1200], out[600];
    long pid = (long)getpid(), tid = (long)gettid();
    bp_ctx *ctx = bp_ctx_new();
    bp_tmpfile t;
    snprintf(out, sizeof out, "%s/kandidaten.gpkg", dir);
    assert_int_equal(bp_tmpfile_begin(&t, out, NULL, ctx), BP_OK);
    assert_int_equal(bp_tmpfile_path(&t, ".gpkg", buf, sizeof buf), 0);
    snprintf(want, sizeof want, "%s/.kandidaten.gpkg.bodnaarplot-tmp-%ld-%ld.gpkg", dir, pid, tid);
    assert_string_equal(buf, want);
    /* the lock file exists while the run writes, and goes with it */
    snprintf(want, sizeof want, "%s/.kandidaten.gpkg.bodnaarplot-tmp-%ld-%ld.lock", dir, pid, tid);
    assert_true(exists(want));
    /* too long for the buffer */
    assert_int_equal(bp_tmpfile_path(&t, ".gpkg", buf, 20), -1);
    bp_tmpfile_end(&t, ctx);
    assert_false(exists(want));
    assert_int_equal(unit_count_files(dir), 0);
    /* another folder (a database output's GeoPackage goes to the temp folder) */
    assert_int_equal(bp_tmpfile_begin(&t, "bodnaarplot-pg", dir, ctx), BP_OK);
    assert_int_equal(bp_tmpfile_path(&t, ".gpkg", buf, sizeof buf), 0);
    snprintf(want, sizeof want, "%s/.bodnaarplot-pg.bodnaarplot-tmp-%ld-%ld.gpkg", dir, pid, tid);
    assert_string_equal(buf, want);
    bp_tmpfile_end(&t, ctx);
    /* a folder that cannot be written */
    snprintf(out, sizeof out, "%s/weg/kandidaten.gpkg", dir);
    unit_expect_error(ctx, bp_tmpfile_begin(&t, out, NULL, ctx), BP_ERR_IO, "cannot create a temporary file in folder");
    bp_ctx_free(ctx);
}

static void remove_and_commit(void **state)
{
    (void)state;
    char tmp[700], out[700], side[800], other[700];
    snprintf(tmp, sizeof tmp, "%s/.out.gpkg.bodnaarplot-tmp-1-1.gpkg", dir);
    snprintf(out, sizeof out, "%s/out.gpkg", dir);
    static const char *const sidecars[] = {"", "-journal", "-wal", "-shm"};
    for (int i = 0; i < 4; i++) {
        snprintf(side, sizeof side, "%s%s", tmp, sidecars[i]);
        unit_put(side, "x");
    }
    snprintf(other, sizeof other, "%s/.out.gpkg.bodnaarplot-tmp-1-1.gpkg-other", dir);
    unit_put(other, "x");
    bp_tmpfile_remove(tmp);
    assert_int_equal(unit_count_files(dir), 1); /* only the file that is no sidecar */
    unlink(other);
    bp_tmpfile_remove(tmp); /* nothing there: fine */

    /* commit: the temporary file becomes the output, replacing an old one */
    bp_ctx *ctx = bp_ctx_new();
    unit_put(out, "old");
    unit_put(tmp, "new result");
    /* without overwrite an existing output is kept */
    unit_expect_error(ctx, bp_tmpfile_commit(tmp, out, 0, ctx), BP_ERR_USAGE, "out.gpkg: exists");
    bp_ctx_clear(ctx);
    assert_true(exists(tmp));
    assert_int_equal(bp_tmpfile_commit(tmp, out, 1, ctx), BP_OK);
    assert_false(exists(tmp));
    VSILFILE *f = VSIFOpenL(out, "rb");
    char text[32] = "";
    VSIFReadL(text, 1, sizeof text - 1, f);
    VSIFCloseL(f);
    assert_string_equal(text, "new result");
    /* nothing to commit */
    unit_expect_error(ctx, bp_tmpfile_commit(tmp, out, 1, ctx), BP_ERR_IO, "out.gpkg: cannot flush to disk: No such file");
    bp_ctx_clear(ctx);
    /* no folder to move it into: the temporary file stays for the caller */
    unit_put(tmp, "x");
    snprintf(out, sizeof out, "%s/weg/out.gpkg", dir);
    unit_expect_error(ctx, bp_tmpfile_commit(tmp, out, 1, ctx), BP_ERR_IO, "weg/out.gpkg: cannot move the result into place: ");
    assert_true(exists(tmp));
    unlink(tmp);
    snprintf(out, sizeof out, "%s/out.gpkg", dir);
    unlink(out);
    bp_ctx_free(ctx);
}

/* The id of a process that has ended. */
static pid_t dead_pid(void)
{
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) _exit(0);
    waitpid(pid, NULL, 0);
    assert_int_equal(kill(pid, 0), -1);
    return pid;
}

static void cleanup_stale(void **state)
{
    (void)state;
    char path[2048], out[700];
    snprintf(out, sizeof out, "%s/kandidaten.gpkg", dir);
    pid_t dead = dead_pid();
    struct {
        char name[200];
        int stays;
    } files[] = {
        {"", 0}, /* a dead run's file and its journal */
        {"", 0},
        {"", 1}, /* a live run's: its lock is held */
        {"", 0}, /* a run whose lock file is gone */
        {"", 1}, /* a dead run's, but on another output */
        {"kandidaten.gpkg", 1},
        {"", 0}, /* no process id at all */
    };
    snprintf(files[0].name, sizeof files[0].name, ".kandidaten.gpkg.bodnaarplot-tmp-%ld-%ld.gpkg", (long)dead, (long)dead);
    snprintf(files[1].name, sizeof files[1].name, "%.180s-journal", files[0].name);
    bp_ctx *ctx = bp_ctx_new();
    bp_tmpfile live;
    assert_int_equal(bp_tmpfile_begin(&live, out, NULL, ctx), BP_OK);
    snprintf(files[2].name, sizeof files[2].name, ".kandidaten.gpkg.bodnaarplot-tmp-%ld-%ld.gpkg", (long)getpid(),
             (long)gettid());
    snprintf(files[3].name, sizeof files[3].name, ".kandidaten.gpkg.bodnaarplot-tmp-1-1.gpkg");
    snprintf(files[4].name, sizeof files[4].name, ".ander.gpkg.bodnaarplot-tmp-%ld-1.gpkg", (long)dead);
    snprintf(files[6].name, sizeof files[6].name, ".kandidaten.gpkg.bodnaarplot-tmp-x.gpkg");
    size_t n = sizeof files / sizeof *files;
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        unit_put(path, "x");
    }
    bp_tmpfile_cleanup_stale(out, NULL);
    for (size_t i = 0; i < n; i++) {
        snprintf(path, sizeof path, "%s/%s", dir, files[i].name);
        if (exists(path) != files[i].stays) fail_msg("%s: %s", files[i].name, files[i].stays ? "removed" : "left");
        unlink(path);
    }
    bp_tmpfile_end(&live, ctx);
    bp_ctx_free(ctx);
    /* a folder that is not there: nothing to do */
    snprintf(out, sizeof out, "%s/weg/kandidaten.gpkg", dir);
    bp_tmpfile_cleanup_stale(out, NULL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(names), cmocka_unit_test(remove_and_commit),
                                       cmocka_unit_test(cleanup_stale)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
