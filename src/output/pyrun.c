/*
 * pyrun.c — runs one of the embedded QGIS scripts (map.py, report.py, each
 * after qgis_common.py; scripts/embed.cmake) with Debian's python3 and
 * python3-qgis, in a child process: the library itself never links QGIS.
 * The script writes a hidden temporary file beside the output, which is
 * renamed into place only when the script succeeded (one left by a killed
 * run is removed by the next); its last line on stderr becomes the error.  Exit codes of the scripts: 0 done, 2 not a
 * bodnaarplot GeoPackage (or nothing to show), 3 cannot write, 4 no QGIS.
 */
#include "output/output.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

bp_status bp_pyrun_check(const char *gpkg, const char *out, int overwrite, bp_ctx *ctx)
{
    struct stat in, o;
    if (stat(gpkg, &in) != 0) return bp_error(ctx, BP_ERR_USAGE, "%s: %s", gpkg, strerror(errno));
    if (access(gpkg, R_OK) != 0) return bp_error(ctx, BP_ERR_USAGE, "%s: %s", gpkg, strerror(errno));
    /* the same rule as every output: never an input */
    const char *inputs[] = {gpkg}, *what[] = {"the GeoPackage to render"};
    bp_status st = bp_write_check_inputs(out, inputs, what, 1, ctx);
    if (st != BP_OK) return st;
    if (stat(out, &o) == 0) {
        if (S_ISDIR(o.st_mode)) return bp_error(ctx, BP_ERR_USAGE, "%s: is a directory", out);
        if (!overwrite) return bp_error(ctx, BP_ERR_USAGE, "%s: exists; pass --overwrite to replace it", out);
    }
    return BP_OK;
}

/* Reads the child's stderr to its end, keeping the last non-empty line. */
static void last_line(int fd, char *msg, size_t size)
{
    size_t len = 0;
    ssize_t got;
    char buf[512];
    msg[0] = '\0';
    while ((got = read(fd, buf, sizeof buf)) > 0) {
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] == '\n') {
                len = 0;
                continue;
            }
            if (len + 1 < size) {
                if (len == 0) msg[0] = '\0';
                msg[len++] = buf[i];
                msg[len] = '\0';
            }
        }
    }
}

static bp_status run_script(const char *common, const char *body, const char *gpkg, const char *out,
                            const char *tmp, char *const *args, int overwrite, bp_ctx *ctx);

bp_status bp_pyrun(const char *name, const char *gpkg, const char *out, const char *ext, char *const *args,
                   int overwrite, bp_ctx *ctx)
{
    const char *common = bp_embedded_script("qgis_common"), *body = bp_embedded_script(name);
    if (!common || !body) return bp_error(ctx, BP_ERR_NOMEM, "the %s script is not built in", name);
    char tmp[PATH_MAX];
    bp_tmpfile_cleanup_stale(out, NULL); /* left by a killed run */
    bp_tmpfile tf;
    bp_status bst = bp_tmpfile_begin(&tf, out, NULL, ctx);
    if (bst != BP_OK) return bst;
    if (bp_tmpfile_path(&tf, ext, tmp, sizeof tmp) != 0) {
        bp_tmpfile_end(&tf, ctx);
        return bp_error(ctx, BP_ERR_USAGE, "%s: path too long", out);
    }
    bst = run_script(common, body, gpkg, out, tmp, args, overwrite, ctx);
    bp_tmpfile_end(&tf, ctx);
    return bst;
}

static bp_status run_script(const char *common, const char *body, const char *gpkg, const char *out,
                            const char *tmp, char *const *args, int overwrite, bp_ctx *ctx)
{
    char *program = bp_strfmt("%s\n%s", common, body);
    if (!program) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t nargs = 0;
    while (args && args[nargs]) nargs++;
    char **argv = calloc(nargs + 6, sizeof *argv);
    if (!argv) {
        free(program);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    argv[0] = "python3";
    argv[1] = "-c";
    argv[2] = program;
    argv[3] = (char *)gpkg;
    argv[4] = (char *)tmp;
    for (size_t i = 0; i < nargs; i++) argv[5 + i] = args[i];
    int err[2];
    if (pipe(err) != 0) {
        free(argv);
        free(program);
        return bp_error(ctx, BP_ERR_NOMEM, "cannot start python3: %s", strerror(errno));
    }
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        dup2(err[1], STDERR_FILENO);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
        close(err[0]);
        execv("/usr/bin/python3", argv);
        _exit(127);
    }
    free(argv);
    free(program);
    close(err[1]);
    if (pid < 0) {
        close(err[0]);
        return bp_error(ctx, BP_ERR_NOMEM, "cannot start python3: %s", strerror(errno));
    }
    char msg[1024];
    last_line(err[0], msg, sizeof msg);
    close(err[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status)) {
        bp_tmpfile_remove(tmp);
        return bp_error(ctx, BP_ERR_NOMEM, "%s: QGIS rendering stopped abnormally", out);
    }
    int rc = WEXITSTATUS(status);
    bp_status st = BP_OK;
    if (rc == 127 || rc == 4)
        st = bp_error(ctx, BP_ERR_USAGE, "%s: QGIS is needed: apt-get install python3-qgis qgis-providers", out);
    else if (rc == 2)
        st = bp_error(ctx, BP_ERR_DATA, "%s", msg[0] ? msg : "not a bodnaarplot GeoPackage");
    else if (rc != 0)
        st = bp_error(ctx, BP_ERR_IO, "%s: %s", out, msg[0] ? msg : "rendering failed");
    else
        st = bp_tmpfile_commit(tmp, out, overwrite, ctx);
    if (st != BP_OK) bp_tmpfile_remove(tmp);
    return st;
}
