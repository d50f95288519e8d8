/*
 * rerank.c — benchmark of the in-memory re-rank the live server and
 * rescore use: loads a result once, then re-ranks it with a changed weight
 * (alternating) and prints the time of each re-rank; the median is what
 * scripts/bench_rescore.sh reports.  Not a test: timings vary.
 *
 *   bench_rerank OUT.gpkg [ROUNDS]
 */
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "bodnaarplot.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + (double)t.tv_nsec * 1e-9;
}

static int cmp(const void *a, const void *b)
{
    double x = *(const double *)a, y = *(const double *)b;
    return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: bench_rerank OUT.gpkg [ROUNDS]\n");
        return 2;
    }
    int rounds = argc > 2 ? atoi(argv[2]) : 9;
    if (rounds < 1 || rounds > 1000) rounds = 9;
    bp_ctx *ctx = bp_ctx_new();
    bp_result *r = NULL;
    double t0 = now();
    if (bp_result_load(argv[1], &r, ctx) != BP_OK) {
        fprintf(stderr, "bench_rerank: %s\n", bp_ctx_errmsg(ctx));
        return 1;
    }
    double load = now() - t0;
    bp_config *cfg = bp_result_config(r);
    const char *cat = bp_result_category_name(r, 0);
    char key[128];
    snprintf(key, sizeof key, "profiles.%s.weights.%s", "geclusterd", cat);
    double *ms = malloc((size_t)rounds * sizeof *ms);
    for (int k = 0; k < rounds; k++) {
        bp_config_set(cfg, key, k % 2 ? "4" : "9", NULL, ctx);
        double t = now();
        if (bp_result_rerank(r, cfg, ctx) != BP_OK) {
            fprintf(stderr, "bench_rerank: %s\n", bp_ctx_errmsg(ctx));
            return 1;
        }
        ms[k] = (now() - t) * 1000;
    }
    qsort(ms, (size_t)rounds, sizeof *ms, cmp);
    printf("plots %zu  load %.2f s  re-rank: min %.0f ms, median %.0f ms, max %.0f ms (%d rounds)\n",
           bp_result_count(r), load, ms[0], ms[rounds / 2], ms[rounds - 1], rounds);
    free(ms);
    bp_config_free(cfg);
    bp_result_free(r);
    bp_ctx_free(ctx);
    return 0;
}
