/*
 * tmpfile.c — outputs are never half-written: each is built as hidden
 * temporary files beside its final place (".NAME.bodnaarplot-tmp-PID-TID"
 * plus an extension), flushed to disk and moved onto the output only when
 * complete.  Without overwrite the move is atomic and never replaces a file
 * (renameat2 RENAME_NOREPLACE, else link()): of two runs racing for one new
 * output exactly one wins, and a file that appears at the output during a
 * run is kept.
 *
 * A run holds an flock() on its ".lock" file for as long as it writes.  A
 * later run removes temporary files whose lock is free (their run is gone),
 * and leaves those of live runs alone, also when the live run is in another
 * PID namespace (a container sharing the folder), where its PID means
 * nothing.
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
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#define TMP_TAG ".bodnaarplot-tmp-"
/* Bytes of the output's name kept in a temporary name, so that the hidden
 * name with tag, PID, TID and the longest suffix (".gpkg-journal") stays
 * within NAME_MAX (255) even for a 255-byte output name. */
#define BASE_KEEP 190

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

/* How many bytes of base a temporary name keeps (whole UTF-8 characters). */
static int base_keep(const char *base)
{
    size_t n = strlen(base);
    if (n <= BASE_KEEP) return (int)n;
    n = BASE_KEEP;
    while (n > 0 && ((unsigned char)base[n] & 0xC0) == 0x80) n--;
    return (int)n;
}

int bp_tmpfile_resolve(const char *output, char *buf, size_t size)
{
    struct stat st;
    int n;
    if (lstat(output, &st) != 0 || !S_ISLNK(st.st_mode)) {
        n = snprintf(buf, size, "%s", output);
        return n < 0 || (size_t)n >= size ? -1 : 0;
    }
    char real[PATH_MAX];
    if (realpath(output, real)) {
        n = snprintf(buf, size, "%s", real);
        return n < 0 || (size_t)n >= size ? -1 : 0;
    }
    /* a dangling link: the file it names is the output */
    char target[PATH_MAX];
    ssize_t len = readlink(output, target, sizeof target - 1);
    if (len < 0) return -1;
    target[len] = '\0';
    if (target[0] == '/') {
        n = snprintf(buf, size, "%s", target);
    } else {
        char dir[PATH_MAX];
        const char *base;
        split_path(output, dir, sizeof dir, &base);
        n = snprintf(buf, size, "%s/%s", dir, target);
    }
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

bp_status bp_tmpfile_begin(bp_tmpfile *t, const char *output, const char *dir, bp_ctx *ctx)
{
    char d[PATH_MAX], lock[PATH_MAX + 8];
    const char *base;
    t->lock_fd = -1;
    split_path(output, d, sizeof d, &base);
    /* the process and the thread: two runs in one process (a server) never
       share a temporary file */
    int n = snprintf(t->stem, sizeof t->stem, "%s/.%.*s" TMP_TAG "%ld-%ld", dir ? dir : d, base_keep(base), base,
                     (long)getpid(), (long)gettid());
    if (n < 0 || (size_t)n + 16 >= sizeof t->stem)
        return bp_error(ctx, BP_ERR_USAGE, "%s: the output path is too long", output);
    snprintf(lock, sizeof lock, "%s.lock", t->stem);
    for (int tries = 0; tries < 10; tries++) {
        int fd = open(lock, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
        if (fd < 0)
            return bp_error(ctx, BP_ERR_IO, "%s: cannot create a temporary file in folder %s: %s", output,
                            dir ? dir : d, strerror(errno));
        struct stat a, b;
        /* a cleanup by another run may have removed the file between open
           and flock: then take a new one */
        if (flock(fd, LOCK_EX) == 0 && fstat(fd, &a) == 0 && stat(lock, &b) == 0 && a.st_ino == b.st_ino &&
            a.st_dev == b.st_dev) {
            t->lock_fd = fd;
            bp_ctx_track_tmp(ctx, lock);
            return BP_OK;
        }
        close(fd);
    }
    return bp_error(ctx, BP_ERR_IO, "%s: cannot lock a temporary file in folder %s", output, dir ? dir : d);
}

int bp_tmpfile_path(const bp_tmpfile *t, const char *ext, char *buf, size_t size)
{
    int n = snprintf(buf, size, "%s%s", t->stem, ext ? ext : "");
    return n < 0 || (size_t)n >= size ? -1 : 0;
}

void bp_tmpfile_end(bp_tmpfile *t, bp_ctx *ctx)
{
    if (t->lock_fd < 0) return;
    char lock[PATH_MAX + 8];
    snprintf(lock, sizeof lock, "%s.lock", t->stem);
    unlink(lock); /* still locked: no cleanup takes it for stale meanwhile */
    bp_ctx_untrack_tmp(ctx, lock);
    close(t->lock_fd);
    t->lock_fd = -1;
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

bp_status bp_tmpfile_commit(const char *tmp, const char *output, int overwrite, bp_ctx *ctx)
{
    int fd = open(tmp, O_RDONLY | O_CLOEXEC);
    if (fd < 0 || fsync(fd) != 0) {
        int e = errno;
        if (fd >= 0) close(fd);
        return bp_error(ctx, BP_ERR_IO, "%s: cannot flush to disk: %s", output, strerror(e));
    }
    close(fd);
    int rc;
    if (overwrite) {
        rc = rename(tmp, output);
    } else {
        rc = renameat2(AT_FDCWD, tmp, AT_FDCWD, output, RENAME_NOREPLACE);
        if (rc != 0 && (errno == EINVAL || errno == ENOSYS || errno == ENOTSUP)) {
            /* a file system without RENAME_NOREPLACE: link() fails just the
               same when the output exists */
            rc = link(tmp, output);
            if (rc == 0) unlink(tmp);
            else if (errno != EEXIST) { /* no hard links either (FAT): check, then move */
                struct stat st;
                if (lstat(output, &st) == 0) errno = EEXIST, rc = -1;
                else rc = rename(tmp, output);
            }
        }
        if (rc != 0 && errno == EEXIST)
            return bp_error(ctx, BP_ERR_USAGE,
                            "%s: exists (it was made while this run was writing); pass --overwrite to replace it",
                            output);
    }
    if (rc != 0)
        return bp_error(ctx, BP_ERR_IO, "%s: cannot move the result into place: %s", output, strerror(errno));
    char dir[PATH_MAX];
    const char *base;
    split_path(output, dir, sizeof dir, &base);
    int dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (dfd >= 0) {
        fsync(dfd);
        close(dfd);
    }
    return BP_OK;
}

/* Is the run that left temporary file NAME (after the prefix: "PID-TID...")
 * gone?  Its lock file is free or missing; files of older versions without
 * a lock ("PID.ext") are judged by their PID. */
static int is_stale(const char *dir, const char *prefix, const char *rest)
{
    char *end;
    long pid = strtol(rest, &end, 10);
    if (pid <= 0) return 1;
    if (*end != '-') return kill((pid_t)pid, 0) == -1 && errno == ESRCH;
    long tid = strtol(end + 1, &end, 10);
    char lock[PATH_MAX * 2 + 64];
    snprintf(lock, sizeof lock, "%s/%s%ld-%ld.lock", dir, prefix, pid, tid);
    int fd = open(lock, O_RDWR | O_CLOEXEC);
    if (fd < 0) return errno == ENOENT;
    int stale = flock(fd, LOCK_EX | LOCK_NB) == 0;
    close(fd);
    return stale;
}

void bp_tmpfile_cleanup_stale(const char *output, const char *in_dir)
{
    char dir[PATH_MAX], prefix[PATH_MAX];
    const char *base;
    split_path(output, dir, sizeof dir, &base);
    if (in_dir) snprintf(dir, sizeof dir, "%s", in_dir);
    snprintf(prefix, sizeof prefix, ".%.*s" TMP_TAG, base_keep(base), base);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    size_t plen = strlen(prefix);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0 || !is_stale(dir, prefix, e->d_name + plen)) continue;
        char full[PATH_MAX * 2];
        snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
        unlink(full);
    }
    closedir(d);
}
