/*
 * failmalloc.c — an LD_PRELOAD wrapper for fault injection, in SQLite's
 * style (test/malloc*.test): the same run again and again, each time with
 * the allocator failing from a later point on.
 *
 *   BP_FAIL_AFTER=N      after N successful allocations every allocation
 *                        fails (NULL, errno ENOMEM), as when memory runs out
 *   BP_FAIL_COUNT=FILE   at exit, the number of allocations made is written
 *                        to FILE (to size the sweep)
 *   BP_FAIL_WRITE=SUFFIX:BYTES
 *                        writes (fwrite, write) to a file whose name ends in
 *                        SUFFIX fail with ENOSPC once BYTES bytes are in it:
 *                        a disk that fills up during one output
 *
 * Works under AddressSanitizer with ASAN_OPTIONS=verify_asan_link_order=0:
 * the real functions are the next ones (ASan's), found with dlsym.  Before
 * dlsym has answered, allocations come from a small static arena.
 */
#define _GNU_SOURCE
#include <dlfcn.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void *(*real_malloc)(size_t);
static void *(*real_calloc)(size_t, size_t);
static void *(*real_realloc)(void *, size_t);
static void (*real_free)(void *);
static int (*real_posix_memalign)(void **, size_t, size_t);
static void *(*real_aligned_alloc)(size_t, size_t);
static void *(*real_memalign)(size_t, size_t);
static size_t (*real_fwrite)(const void *, size_t, size_t, FILE *);
static ssize_t (*real_write)(int, const void *, size_t);
static ssize_t (*real_pwrite64)(int, const void *, size_t, off_t);

static _Alignas(16) char arena[65536];
static size_t arena_used;
static atomic_long count;
static long fail_after = -1;
static int ready, resolving;
static char write_suffix[64];
static long write_limit = -1;

static void resolve(void)
{
    if (ready || resolving) return;
    resolving = 1;
    real_malloc = dlsym(RTLD_NEXT, "malloc");
    real_calloc = dlsym(RTLD_NEXT, "calloc");
    real_realloc = dlsym(RTLD_NEXT, "realloc");
    real_free = dlsym(RTLD_NEXT, "free");
    real_posix_memalign = dlsym(RTLD_NEXT, "posix_memalign");
    real_aligned_alloc = dlsym(RTLD_NEXT, "aligned_alloc");
    real_memalign = dlsym(RTLD_NEXT, "memalign");
    real_fwrite = dlsym(RTLD_NEXT, "fwrite");
    real_write = dlsym(RTLD_NEXT, "write");
    real_pwrite64 = dlsym(RTLD_NEXT, "pwrite64");
    resolving = 0;
    ready = 1;
}

/* The settings, read once the environment is there (the first allocations
 * can come before it, under AddressSanitizer). */
__attribute__((constructor(101))) static void settings(void)
{
    resolve();
    const char *a = getenv("BP_FAIL_AFTER");
    if (a && *a) fail_after = strtol(a, NULL, 10);
    const char *w = getenv("BP_FAIL_WRITE");
    const char *colon = w ? strrchr(w, ':') : NULL;
    if (colon && (size_t)(colon - w) < sizeof write_suffix) {
        memcpy(write_suffix, w, (size_t)(colon - w));
        write_limit = strtol(colon + 1, NULL, 10);
    }
}

static void *from_arena(size_t n)
{
    n = (n + 15) & ~(size_t)15;
    if (arena_used + n > sizeof arena) return NULL;
    void *p = arena + arena_used;
    arena_used += n;
    return p;
}

static int in_arena(const void *p)
{
    return (const char *)p >= arena && (const char *)p < arena + sizeof arena;
}

/* 1 when this allocation must fail. */
static int fail_now(void)
{
    long n = atomic_fetch_add(&count, 1) + 1;
    if (fail_after >= 0 && n > fail_after) {
        errno = ENOMEM;
        return 1;
    }
    return 0;
}

void *malloc(size_t n)
{
    if (!ready) {
        resolve();
        if (!ready) return from_arena(n);
    }
    return fail_now() ? NULL : real_malloc(n);
}

void *calloc(size_t a, size_t b)
{
    if (!ready) {
        resolve();
        if (!ready) {
            void *p = b && a > SIZE_MAX / b ? NULL : from_arena(a * b);
            return p; /* the arena is zeroed */
        }
    }
    return fail_now() ? NULL : real_calloc(a, b);
}

void *realloc(void *p, size_t n)
{
    if (!ready) resolve();
    if (in_arena(p)) {
        void *q = malloc(n);
        if (q) memcpy(q, p, n < 4096 ? n : 4096);
        return q;
    }
    if (n && fail_now()) return NULL;
    return real_realloc(p, n);
}

void free(void *p)
{
    if (!p || in_arena(p)) return;
    if (!ready) resolve();
    real_free(p);
}

int posix_memalign(void **out, size_t align, size_t n)
{
    if (!ready) resolve();
    if (fail_now()) return ENOMEM;
    return real_posix_memalign(out, align, n);
}

void *aligned_alloc(size_t align, size_t n)
{
    if (!ready) resolve();
    return fail_now() ? NULL : real_aligned_alloc(align, n);
}

void *memalign(size_t align, size_t n)
{
    if (!ready) resolve();
    return fail_now() ? NULL : real_memalign(align, n);
}

/* ---- a disk filling up under one output ---------------------------------- */

/* Would writing n more bytes to fd (at offset 'at', or at its end when
 * at < 0) pass the limit?  Then how many fit. */
static size_t room_at(int fd, size_t n, long at, int *limited)
{
    *limited = 0;
    if (write_limit < 0 || fd < 0) return n;
    char link[64], path[PATH_MAX];
    snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    ssize_t len = readlink(link, path, sizeof path - 1);
    if (len <= 0) return n;
    path[len] = '\0';
    size_t sl = strlen(write_suffix);
    if ((size_t)len < sl || strcmp(path + len - sl, write_suffix)) return n;
    struct stat st;
    if (fstat(fd, &st) != 0) return n;
    *limited = 1;
    long have = at >= 0 ? at : (long)st.st_size;
    return have >= write_limit ? 0 : (size_t)(write_limit - have) < n ? (size_t)(write_limit - have) : n;
}

static size_t room(int fd, size_t n, int *limited)
{
    return room_at(fd, n, -1, limited);
}

ssize_t pwrite64(int fd, const void *buf, size_t n, off_t at)
{
    if (!ready) resolve();
    int limited;
    size_t fit = room_at(fd, n, (long)at, &limited);
    if (limited && fit < n) {
        if (fit) return real_pwrite64(fd, buf, fit, at);
        errno = ENOSPC;
        return -1;
    }
    return real_pwrite64(fd, buf, n, at);
}

ssize_t pwrite(int fd, const void *buf, size_t n, off_t at)
{
    return pwrite64(fd, buf, n, at);
}

size_t fwrite(const void *buf, size_t size, size_t nmemb, FILE *f)
{
    if (!ready) resolve();
    int limited;
    size_t want = size * nmemb;
    if (write_limit >= 0 && want) {
        fflush(f);
        size_t fit = room(fileno(f), want, &limited);
        if (limited && fit < want) {
            if (fit) real_fwrite(buf, 1, fit, f);
            fflush(f);
            errno = ENOSPC;
            return size ? fit / size : 0;
        }
    }
    return real_fwrite(buf, size, nmemb, f);
}

ssize_t write(int fd, const void *buf, size_t n)
{
    if (!ready) resolve();
    int limited;
    size_t fit = room(fd, n, &limited);
    if (limited && fit < n) {
        if (fit) return real_write(fd, buf, fit);
        errno = ENOSPC;
        return -1;
    }
    return real_write(fd, buf, n);
}

__attribute__((destructor)) static void report(void)
{
    const char *path = getenv("BP_FAIL_COUNT");
    if (!path || !*path) return;
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) return;
    char buf[32];
    int len = snprintf(buf, sizeof buf, "%ld\n", (long)atomic_load(&count));
    if (real_write) real_write(fd, buf, (size_t)len);
    close(fd);
}
