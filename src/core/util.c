/*
 * util.c — small helpers: strings, the key/value list behind run_info,
 * thread counts and phase timing.
 */
#include "core/core.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <unistd.h>
#include <cpl_error.h>

char *bp_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

char *bp_strfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = malloc((size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

void bp_str_append(char *buf, size_t size, const char *text)
{
    size_t len = strlen(buf);
    if (len + 3 >= size) return;
    snprintf(buf + len, size - len, "%s%s", len ? "; " : "", text);
}

int bp_kv_add(bp_kv *kv, const char *key, const char *value)
{
    if (kv->n == kv->cap) {
        size_t cap = kv->cap ? kv->cap * 2 : 32;
        char **k = realloc(kv->key, cap * sizeof *k);
        if (!k) return -1;
        kv->key = k;
        char **v = realloc(kv->value, cap * sizeof *v);
        if (!v) return -1;
        kv->value = v;
        kv->cap = cap;
    }
    char *k = bp_strdup(key), *v = bp_strdup(value ? value : "");
    if (!k || !v) {
        free(k);
        free(v);
        return -1;
    }
    kv->key[kv->n] = k;
    kv->value[kv->n] = v;
    kv->n++;
    return 0;
}

int bp_kv_addf(bp_kv *kv, const char *key, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    char buf[2048];
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    return bp_kv_add(kv, key, buf);
}

int bp_kv_set(bp_kv *kv, const char *key, const char *value)
{
    for (size_t i = 0; i < kv->n; i++)
        if (!strcmp(kv->key[i], key)) {
            char *v = bp_strdup(value ? value : "");
            if (!v) return -1;
            free(kv->value[i]);
            kv->value[i] = v;
            return 0;
        }
    return bp_kv_add(kv, key, value);
}

const char *bp_kv_get(const bp_kv *kv, const char *key)
{
    for (size_t i = 0; i < kv->n; i++)
        if (!strcmp(kv->key[i], key)) return kv->value[i];
    return NULL;
}

void bp_kv_remove_prefix(bp_kv *kv, const char *prefix)
{
    size_t len = strlen(prefix), o = 0;
    for (size_t i = 0; i < kv->n; i++) {
        if (!strncmp(kv->key[i], prefix, len)) {
            free(kv->key[i]);
            free(kv->value[i]);
            continue;
        }
        kv->key[o] = kv->key[i];
        kv->value[o] = kv->value[i];
        o++;
    }
    kv->n = o;
}

int bp_kv_copy(bp_kv *dst, const bp_kv *src)
{
    bp_kv_clear(dst);
    for (size_t i = 0; i < src->n; i++)
        if (bp_kv_add(dst, src->key[i], src->value[i]) < 0) {
            bp_kv_clear(dst);
            return -1;
        }
    return 0;
}

void bp_kv_clear(bp_kv *kv)
{
    for (size_t i = 0; i < kv->n; i++) {
        free(kv->key[i]);
        free(kv->value[i]);
    }
    free(kv->key);
    free(kv->value);
    memset(kv, 0, sizeof *kv);
}

int bp_nthreads(int n)
{
    if (n > 0) return n;
    long nc = sysconf(_SC_NPROCESSORS_ONLN);
    return nc > 0 ? (int)nc : 1;
}

double bp_seconds(const struct timespec *from, const struct timespec *to)
{
    return (double)(to->tv_sec - from->tv_sec) + (double)(to->tv_nsec - from->tv_nsec) * 1e-9;
}

void bp_debug_phase(const char *name, struct timespec *last)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    struct rusage ru;
    long peak = getrusage(RUSAGE_SELF, &ru) == 0 ? ru.ru_maxrss / 1024 : -1; /* KiB on Linux */
    CPLDebug("BODNAARPLOT", "%-20s %.3f s  (peak so far %ld MiB)", name, bp_seconds(last, &now), peak);
    *last = now;
}

void bp_debug_begin(const char *name)
{
    CPLDebug("BODNAARPLOT", "begin %s", name);
    const char *hook = getenv("BODNAARPLOT_TEST_PAUSE");
    size_t len = strlen(name);
    if (!hook || strncmp(hook, name, len) != 0 || hook[len] != ':') return;
    long ms = strtol(hook + len + 1, NULL, 10);
    struct timespec rq = {ms / 1000, (ms % 1000) * 1000000L}, rm;
    while (ms > 0 && nanosleep(&rq, &rm) != 0) rq = rm; /* a signal does not cut the pause short */
}

void bp_sql_guard_init(bp_sql_guard *g, long long max_steps, GDALProgressFunc progress, void *pdata, double done)
{
    memset(g, 0, sizeof *g);
    g->max_steps = max_steps;
    g->progress = progress;
    g->pdata = pdata;
    g->done = done;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &g->last);
}

int bp_sql_guard_step(void *guard)
{
    bp_sql_guard *g = guard;
    g->steps += BP_SQL_GUARD_EVERY;
    if (g->steps > g->max_steps) return 1;
    if (!g->progress) return 0;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC_COARSE, &now);
    if (bp_seconds(&g->last, &now) < 0.05) return 0;
    g->last = now;
    if (!g->progress(g->done, NULL, g->pdata)) g->stopped = 1;
    return g->stopped;
}
