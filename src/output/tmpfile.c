/*
 * tmpfile.c — outputs are never half-written: each is built as a hidden
 * temporary file beside its final place (".NAME.bodnaarplot-tmp-PID-TID"),
 * flushed to disk and renamed over the output only when complete.  A
 * failed run removes its temporary file; one left by a killed run is
 * removed by the next run on the same output.
 */
#include "output/output.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#define TMP_TAG ".bodnaarplot-tmp-"

/* Splits a path into its folder (".", when none) and base name. */
static void split_path(const char *path, char *dir, size_t dsize, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dsize, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dsize, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dsize, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

int bp_tmpfile_name(const char *output, const char *dir, const char *ext, char *buf, size_t size)
{
    char d[PATH_MAX];
    const char *base;
    split_path(output, d, sizeof d, &base);
    /* the process and the thread: two runs in one process (a server) never
       share a temporary file */
    int n = snprintf(buf, size, "%s/.%s" TMP_TAG "%ld-%ld%s", dir ? dir : d, base, (long)getpid(), (long)gettid(),
                     ext ? ext : "");
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

void bp_tmpfile_remove(const char *path)
{
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    char buf[PATH_MAX * 2 + 16];
    for (size_t i = 0; i < 4; i++) {
        snprintf(buf, sizeof buf, "%s%s", path, suffixes[i]);
        unlink(buf);
    }
}

bp_status bp_tmpfile_commit(const char *tmp, const char *output, bp_ctx *ctx)
{
    int fd = open(tmp, O_RDONLY);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        return bp_error(ctx, BP_ERR_IO, "%s: cannot flush to disk: %s", output, strerror(e));
    }
    close(fd);
    if (rename(tmp, output) != 0)
        return bp_error(ctx, BP_ERR_IO, "%s: cannot move the result into place: %s", output, strerror(errno));
    char dir[PATH_MAX];
    const char *base;
    split_path(output, dir, sizeof dir, &base);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return BP_OK;
}

void bp_tmpfile_cleanup_stale(const char *output)
{
    char dir[PATH_MAX], prefix[PATH_MAX];
    const char *base;
    split_path(output, dir, sizeof dir, &base);
    snprintf(prefix, sizeof prefix, ".%s" TMP_TAG, base);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    size_t plen = strlen(prefix);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0) continue;
        long pid = strtol(e->d_name + plen, NULL, 10);
        if (pid <= 0 || (kill((pid_t)pid, 0) == -1 && errno == ESRCH)) {
            char full[PATH_MAX * 2];
            snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
            if (!strstr(e->d_name, "-journal") && !strstr(e->d_name, "-wal") && !strstr(e->d_name, "-shm"))
                bp_tmpfile_remove(full);
        }
    }
    closedir(d);
}
