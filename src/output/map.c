/*
 * map.c — bp_map_render(): a PNG of the QGIS project inside a bodnaarplot
 * GeoPackage, rendered by QGIS itself (src/map.py, embedded at build time,
 * run with Debian's python3 and python3-qgis), so the handout looks as the
 * map does in QGIS.  The image is written to a temporary file beside the
 * output and renamed into place; the script's messages become the error.
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

/* Renders into the temporary file 'tmp'; see bp_map_render(). */
static bp_status render(const char *gpkg, const char *tmp, const char *png, int width, int height, bp_ctx *ctx)
{
    const char *script = bp_embedded_script("map");
    if (!script) return bp_error(ctx, BP_ERR_NOMEM, "the map script is not built in");
    char ws[16], hs[16];
    snprintf(ws, sizeof ws, "%d", width);
    snprintf(hs, sizeof hs, "%d", height);
    int err[2];
    if (pipe(err) != 0) return bp_error(ctx, BP_ERR_NOMEM, "cannot start python3: %s", strerror(errno));
    fflush(NULL);
    pid_t pid = fork();
    if (pid < 0) {
        close(err[0]);
        close(err[1]);
        return bp_error(ctx, BP_ERR_NOMEM, "cannot start python3: %s", strerror(errno));
    }
    if (pid == 0) {
        dup2(err[1], STDERR_FILENO);
        int devnull = open("/dev/null", O_WRONLY);
        if (devnull >= 0) dup2(devnull, STDOUT_FILENO);
        close(err[0]);
        char *args[] = {"python3", "-c", (char *)script, (char *)gpkg, (char *)tmp, ws, hs, NULL};
        execv("/usr/bin/python3", args);
        _exit(127);
    }
    close(err[1]);
    char msg[1024] = "";
    size_t len = 0;
    ssize_t got;
    char buf[512];
    while ((got = read(err[0], buf, sizeof buf)) > 0) { /* keep the last line */
        for (ssize_t i = 0; i < got; i++) {
            if (buf[i] == '\n') {
                if (len) msg[len] = '\0';
                len = 0;
                continue;
            }
            if (len + 1 < sizeof msg) {
                if (len == 0) msg[0] = '\0';
                msg[len++] = buf[i];
                msg[len] = '\0';
            }
        }
    }
    close(err[0]);
    int status = 0;
    if (waitpid(pid, &status, 0) < 0 || !WIFEXITED(status))
        return bp_error(ctx, BP_ERR_NOMEM, "%s: QGIS rendering stopped abnormally", png);
    int rc = WEXITSTATUS(status);
    bp_status st = BP_OK;
    if (rc == 127 || rc == 4)
        st = bp_error(ctx, BP_ERR_USAGE, "the map needs QGIS: apt-get install python3-qgis qgis-providers");
    else if (rc == 2)
        st = bp_error(ctx, BP_ERR_DATA, "%s", msg[0] ? msg : "not a bodnaarplot GeoPackage");
    else if (rc != 0)
        st = bp_error(ctx, BP_ERR_IO, "%s: %s", png, msg[0] ? msg : "rendering failed");
    return st;
}

bp_status bp_map_render(const char *gpkg, const char *png, int width, int height, int overwrite, bp_ctx *ctx)
{
    if (width < 200 || height < 200 || width > 10000 || height > 10000)
        return bp_error(ctx, BP_ERR_USAGE, "map size %dx%d: width and height must be 200 to 10000 pixels",
                        width, height);
    if (access(gpkg, R_OK) != 0) return bp_error(ctx, BP_ERR_USAGE, "%s: %s", gpkg, strerror(errno));
    /* the same rules as every output: never the input, never an existing
       file without overwrite */
    const char *in[] = {gpkg}, *what[] = {"the GeoPackage to render"};
    bp_status st = bp_write_check_inputs(png, in, what, 1, ctx);
    if (st != BP_OK) return st;
    struct stat sb;
    if (stat(png, &sb) == 0) {
        if (S_ISDIR(sb.st_mode)) return bp_error(ctx, BP_ERR_USAGE, "%s: is a directory", png);
        if (!overwrite) return bp_error(ctx, BP_ERR_USAGE, "%s: exists; pass --overwrite to replace it", png);
    }
    char final[PATH_MAX], tmp[PATH_MAX + 16];
    if (bp_tmpfile_resolve(png, final, sizeof final) < 0)
        return bp_error(ctx, BP_ERR_USAGE, "%s: the output path is too long", png);
    bp_tmpfile_cleanup_stale(final, NULL);
    bp_tmpfile tf;
    if ((st = bp_tmpfile_begin(&tf, final, NULL, ctx)) != BP_OK) return st;
    bp_tmpfile_path(&tf, ".png", tmp, sizeof tmp);
    st = render(gpkg, tmp, png, width, height, ctx);
    if (st == BP_OK) st = bp_tmpfile_commit(tmp, final, overwrite, ctx);
    if (st != BP_OK) unlink(tmp);
    bp_tmpfile_end(&tf, ctx);
    return st;
}
