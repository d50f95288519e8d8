/*
 * rescore.c — re-rank a finished result without its inputs: load its
 * exact numbers (bp_result_load), re-run score -> gap -> rank with the
 * changed parameters, and rewrite the GeoPackage atomically: candidates
 * (geometry and input attributes read back from the old file, in the new
 * rank order), gemeente_gap, facilities and walk_network (copied), the
 * decisions and their history (carried over), run_info (with what changed).
 * The candidates table equals that of a full run with the same parameters.
 */
#include "run/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <cpl_error.h>

bp_config *bp_rescore_config(const char *gpkg, bp_ctx *ctx)
{
    bp_result *r = NULL;
    if (bp_result_load(gpkg, &r, ctx) != BP_OK) return NULL;
    bp_config *c = bp_result_config(r);
    bp_result_free(r);
    if (!c) {
        bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    if (bp_config_set(c, "output", gpkg, NULL, ctx) != BP_OK) {
        bp_config_free(c);
        return NULL;
    }
    return c;
}

/* The scoring keys of run_info that a rescore may change: rows
 * config.<key> are set to the new values; each change is recorded as
 * rescore.changed.<key> = "old -> new". */
typedef struct {
    bp_kv *info;
    size_t changed;
} info_update;

static void update_row(const char *key, const char *value, void *ud)
{
    info_update *u = ud;
    static const char *const prefixes[] = {"profile", "density_homes_per_ha", "floor_area_per_home_m2", "gap_weight",
                                           "criteria.", "profiles."};
    int scoring = 0;
    for (size_t k = 0; k < sizeof prefixes / sizeof *prefixes; k++)
        scoring |= !strncmp(key, prefixes[k], strlen(prefixes[k]));
    if (!scoring) return;
    char full[300], note[300];
    snprintf(full, sizeof full, "config.%s", key);
    const char *old = bp_kv_get(u->info, full);
    if (old && !strcmp(old, value)) return;
    snprintf(note, sizeof note, "%s -> %s", old ? old : "(none)", value);
    char ck[320];
    snprintf(ck, sizeof ck, "rescore.changed.%s", key);
    bp_kv_set(u->info, ck, note);
    bp_kv_set(u->info, full, value);
    u->changed++;
}

bp_status bp_rescore(const char *gpkg, const bp_config *cfg, GDALProgressFunc progress, void *pdata,
                     bp_summary *summary, bp_ctx *ctx)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    GDALAllRegister();
    bp_result *r = NULL;
    bp_status st = bp_result_load(gpkg, &r, ctx);
    if (st != BP_OK) return st;
    int32_t *old_rank = malloc((r->n ? r->n : 1) * sizeof *old_rank);
    if (!old_rank) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    else memcpy(old_rank, r->rank, r->n * sizeof *old_rank);
    if (st == BP_OK) st = bp_result_rerank(r, cfg, ctx);
    if (st == BP_OK && cfg->program) st = bp_result_program(r, cfg, ctx);

    /* run_info: what changed */
    if (st == BP_OK) {
        bp_kv_remove_prefix(&r->info, "rescore.");
        info_update u = {&r->info, 0};
        bp_config_foreach(cfg, update_row, &u);
        size_t moved = 0;
        for (size_t i = 0; i < r->n; i++) moved += r->rank[i] != old_rank[i];
        char ts[32], v[32];
        time_t now = time(NULL);
        struct tm tm;
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        bp_kv_set(&r->info, "rescore.at", ts);
        snprintf(v, sizeof v, "%zu", moved);
        bp_kv_set(&r->info, "rescore.plots_with_another_rank", v);
        bp_info_result(&r->info, r);
    }

    /* write: everything the result does not hold comes from the old file */
    bp_options o = {0};
    bp_crs crs = {0};
    bp_layerdefs *defs = NULL;
    bp_plot_reader pr = {0};
    GDALDatasetH old = NULL;
    if (st == BP_OK) st = bp_options_make(cfg, &o, ctx);
    if (st == BP_OK && strcmp(o.write.output, gpkg) != 0) st = bp_write_check(&o.write, ctx);
    if (st == BP_OK) {
        o.write.overwrite = 1; /* in place, or checked above */
        old = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
        OGRLayerH cand = old ? GDALDatasetGetLayerByName(old, "candidates") : NULL;
        OGRSpatialReferenceH srs = cand ? OGR_L_GetSpatialRef(cand) : NULL;
        if (!srs) st = bp_error(ctx, BP_ERR_USAGE, "%s: no candidates layer with a CRS", gpkg);
        else {
            crs.target = OSRClone(srs);
            o.write.srs = crs.target;
        }
    }
    if (st == BP_OK && !(defs = bp_layerdefs_load(ctx))) st = bp_ctx_status(ctx);
    if (st == BP_OK) st = bp_plot_reader_gpkg(&pr, gpkg, r, defs, ctx);
    if (st == BP_OK) {
        bp_write_input in = {.r = r, .plots = &pr, .previous = gpkg, .copy_from = old};
        st = bp_write(&in, &o.write, progress, pdata, ctx);
    }
    bp_plot_reader_gpkg_free(&pr);
    bp_layerdefs_free(defs);
    if (old) GDALClose(old);
    if (crs.target) OSRDestroySpatialReference(crs.target);
    if (st == BP_OK && summary) {
        memset(summary, 0, sizeof *summary);
        summary->n_candidates = r->n;
        for (size_t i = 0; i < r->n; i++) summary->n_knocked_out += r->knock[i] != 0;
        summary->n_gemeenten = r->ngm;
        clock_gettime(CLOCK_MONOTONIC, &t1);
        summary->seconds = bp_seconds(&t0, &t1);
    }
    bp_options_clear(&o);
    free(old_rank);
    bp_result_free(r);
    return st;
}
