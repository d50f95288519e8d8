/*
 * serve_rank_helper.c — an independent re-rank for the serve tests: loads
 * a result GeoPackage afresh, sets the profile, gap weight and weights
 * given, re-ranks with the library (bp_result_rerank) and prints "rank
 * plot_id" for the first N plots.
 *   serve_rank_helper OUT.gpkg PROFILE GAP_WEIGHT N [CATEGORY=WEIGHT...]
 */
#include "bodnaarplot.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int main(int argc, char **argv)
{
    if (argc < 5) {
        fprintf(stderr, "usage: serve_rank_helper OUT.gpkg PROFILE GAP_WEIGHT N [CATEGORY=WEIGHT...]\n");
        return 2;
    }
    bp_ctx *ctx = bp_ctx_new();
    bp_result *r = NULL;
    bp_status st = bp_result_load(argv[1], &r, ctx);
    bp_config *cfg = st == BP_OK ? bp_result_config(r) : NULL;
    if (st == BP_OK && !cfg) st = BP_ERR_NOMEM;
    if (st == BP_OK) st = bp_config_set(cfg, "profile", argv[2], NULL, ctx);
    if (st == BP_OK) st = bp_config_set(cfg, "gap_weight", argv[3], NULL, ctx);
    for (int a = 5; st == BP_OK && a < argc; a++) {
        char key[256];
        const char *eq = strchr(argv[a], '=');
        if (!eq) {
            fprintf(stderr, "serve_rank_helper: '%s' is not CATEGORY=WEIGHT\n", argv[a]);
            return 2;
        }
        snprintf(key, sizeof key, "profiles.%s.weights.%.*s", argv[2], (int)(eq - argv[a]), argv[a]);
        st = bp_config_set(cfg, key, eq + 1, NULL, ctx);
    }
    if (st == BP_OK) st = bp_result_rerank(r, cfg, ctx);
    if (st != BP_OK) {
        fprintf(stderr, "serve_rank_helper: %s\n", bp_ctx_errmsg(ctx));
        return 1;
    }
    size_t n = (size_t)atol(argv[4]);
    for (size_t k = 0; k < n && k < bp_result_count(r); k++) {
        size_t i = bp_result_at(r, k);
        if (bp_result_rank(r, i) == 0) break;
        printf("%d %s\n", bp_result_rank(r, i), bp_result_plot_id(r, i));
    }
    bp_config_free(cfg);
    bp_result_free(r);
    bp_ctx_free(ctx);
    return 0;
}
