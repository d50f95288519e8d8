/*
 * concurrency_test.c — the library holds no mutable global state, so two
 * runs in one process (a server) give exactly what each gives alone.
 *
 * Runs the Zwolle example (straight-line distances, all plots in memory),
 * Zwolle streamed (no SQL filter, chunks of 50 plots: the plots read ahead
 * in a helper thread and read again by fid when writing) and the Monaco
 * example (walking network, rollator) once each alone, then all three at
 * the same time, twice over, plus a thread that loads a result and
 * re-ranks it in memory with changed weights; the candidates, gemeente_gap
 * and facilities tables of the concurrent runs must equal those of the
 * lone runs row by row, and the re-ranks must equal each other.  CI also
 * runs this under ThreadSanitizer (scripts/test.sh, build-tsan/).
 *
 *   concurrency_test SOURCE_DIR WORK_DIR
 */
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gdal.h>
#include <ogr_api.h>
#include <cpl_conv.h>

#include "bodnaarplot.h"

static int failures;

#define CHECK(cond, ...)                                                                                              \
    do {                                                                                                              \
        if (cond) break;                                                                                              \
        fprintf(stderr, "not ok - " __VA_ARGS__);                                                                     \
        fputc('\n', stderr);                                                                                          \
        failures++;                                                                                                   \
    } while (0)

typedef struct {
    char project[1024];
    char output[1024];
    const char *extra_key, *extra_value;   /* one more setting, or NULL */
    const char *extra_key2, *extra_value2; /* and another */
    bp_status st;
    char err[2048];
} job;

static void *run_job(void *arg)
{
    job *j = arg;
    bp_ctx *ctx = bp_ctx_new();
    bp_config *cfg = bp_config_new();
    j->st = bp_config_load_yaml(cfg, j->project, ctx);
    if (j->st == BP_OK) j->st = bp_config_set(cfg, "output", j->output, NULL, ctx);
    if (j->st == BP_OK) j->st = bp_config_set(cfg, "overwrite", "true", NULL, ctx);
    if (j->st == BP_OK && j->extra_key) j->st = bp_config_set(cfg, j->extra_key, j->extra_value, NULL, ctx);
    if (j->st == BP_OK && j->extra_key2) j->st = bp_config_set(cfg, j->extra_key2, j->extra_value2, NULL, ctx);
    if (j->st == BP_OK) j->st = bp_run(cfg, NULL, NULL, NULL, ctx);
    snprintf(j->err, sizeof j->err, "%s", bp_ctx_errmsg(ctx));
    bp_config_free(cfg);
    bp_ctx_free(ctx);
    return NULL;
}

/* A re-rank in memory: load a result, change a weight, re-rank; the ids
 * of the top plots as one string. */
typedef struct {
    char gpkg[1024];
    char top[4096];
    bp_status st;
    char err[2048];
} rerank_job;

static void *run_rerank(void *arg)
{
    rerank_job *j = arg;
    bp_ctx *ctx = bp_ctx_new();
    bp_result *r = NULL;
    j->top[0] = '\0';
    j->st = bp_result_load(j->gpkg, &r, ctx);
    for (int round = 0; j->st == BP_OK && round < 20; round++) {
        bp_config *cfg = bp_result_config(r);
        char w[16];
        snprintf(w, sizeof w, "%d", 1 + round % 5);
        j->st = cfg ? bp_config_set(cfg, "profiles.geclusterd.weights.zorg", w, NULL, ctx) : BP_ERR_NOMEM;
        if (j->st == BP_OK) j->st = bp_result_rerank(r, cfg, ctx);
        bp_config_free(cfg);
    }
    for (size_t k = 0; j->st == BP_OK && k < 25 && k < bp_result_count(r); k++) {
        size_t len = strlen(j->top);
        snprintf(j->top + len, sizeof j->top - len, "%s:%.2f ", bp_result_plot_id(r, bp_result_at(r, k)),
                 bp_result_score(r, bp_result_at(r, k), BP_GECLUSTERD));
    }
    snprintf(j->err, sizeof j->err, "%s", bp_ctx_errmsg(ctx));
    bp_result_free(r);
    bp_ctx_free(ctx);
    return NULL;
}

/* Compares one layer of two GeoPackages row by row: every field as text
 * (reals exactly, via %.17g) and the geometry as WKT. */
static void compare_layer(const char *a, const char *b, const char *layer)
{
    GDALDatasetH da = GDALOpenEx(a, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    GDALDatasetH db = GDALOpenEx(b, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    CHECK(da && db, "%s / %s: cannot open", a, b);
    if (!da || !db) {
        if (da) GDALClose(da);
        if (db) GDALClose(db);
        return;
    }
    OGRLayerH la = GDALDatasetGetLayerByName(da, layer), lb = GDALDatasetGetLayerByName(db, layer);
    CHECK(la && lb, "%s: layer %s missing", b, layer);
    if (la && lb) {
        GIntBig na = OGR_L_GetFeatureCount(la, TRUE), nb = OGR_L_GetFeatureCount(lb, TRUE);
        CHECK(na == nb && na > 0, "%s.%s: %lld rows against %lld alone", b, layer, (long long)nb, (long long)na);
        OGR_L_ResetReading(la);
        OGR_L_ResetReading(lb);
        OGRFeatureH fa, fb;
        int diffs = 0;
        while ((fa = OGR_L_GetNextFeature(la)) && (fb = OGR_L_GetNextFeature(lb))) {
            int n = OGR_F_GetFieldCount(fa);
            if (n != OGR_F_GetFieldCount(fb)) diffs++;
            for (int i = 0; i < n && i < OGR_F_GetFieldCount(fb); i++) {
                int sa = OGR_F_IsFieldSetAndNotNull(fa, i), sb = OGR_F_IsFieldSetAndNotNull(fb, i);
                char va[512] = "", vb[512] = "";
                if (sa) {
                    if (OGR_Fld_GetType(OGR_F_GetFieldDefnRef(fa, i)) == OFTReal)
                        snprintf(va, sizeof va, "%.17g", OGR_F_GetFieldAsDouble(fa, i));
                    else
                        snprintf(va, sizeof va, "%s", OGR_F_GetFieldAsString(fa, i));
                }
                if (sb) {
                    if (OGR_Fld_GetType(OGR_F_GetFieldDefnRef(fb, i)) == OFTReal)
                        snprintf(vb, sizeof vb, "%.17g", OGR_F_GetFieldAsDouble(fb, i));
                    else
                        snprintf(vb, sizeof vb, "%s", OGR_F_GetFieldAsString(fb, i));
                }
                if (sa != sb || strcmp(va, vb)) {
                    if (diffs++ < 3)
                        fprintf(stderr, "# %s.%s fid %lld field %s: '%s' alone, '%s' concurrently\n", b, layer,
                                (long long)OGR_F_GetFID(fb), OGR_Fld_GetNameRef(OGR_F_GetFieldDefnRef(fa, i)), va, vb);
                }
            }
            char *wa = NULL, *wb = NULL;
            OGRGeometryH ga = OGR_F_GetGeometryRef(fa), gb = OGR_F_GetGeometryRef(fb);
            if (ga) OGR_G_ExportToWkt(ga, &wa);
            if (gb) OGR_G_ExportToWkt(gb, &wb);
            if ((wa == NULL) != (wb == NULL) || (wa && strcmp(wa, wb))) diffs++;
            CPLFree(wa);
            CPLFree(wb);
            OGR_F_Destroy(fa);
            OGR_F_Destroy(fb);
        }
        CHECK(diffs == 0, "%s.%s: %d differences against the lone run", b, layer, diffs);
    }
    GDALClose(da);
    GDALClose(db);
}

static void compare(const char *a, const char *b)
{
    compare_layer(a, b, "candidates");
    compare_layer(a, b, "gemeente_gap");
    compare_layer(a, b, "facilities");
}

int main(int argc, char **argv)
{
    if (argc != 3) {
        fprintf(stderr, "usage: concurrency_test SOURCE_DIR WORK_DIR\n");
        return 2;
    }
    const char *src = argv[1], *work = argv[2];
    GDALAllRegister();
    job straight = {0}, network = {0}, streamed = {0};
    snprintf(straight.project, sizeof straight.project, "%s/examples/zwolle/project.yaml", src);
    snprintf(network.project, sizeof network.project, "%s/examples/monaco/project.yaml", src);
    /* streamed: no SQL filter, chunks of 50 plots: the next half-chunk is
       read in a helper thread, the plots read again when writing */
    snprintf(streamed.project, sizeof streamed.project, "%s/examples/zwolle/project.yaml", src);
    streamed.extra_key = "candidates.filter", streamed.extra_value = "";
    streamed.extra_key2 = "candidates.chunk", streamed.extra_value2 = "50";

    /* alone */
    snprintf(straight.output, sizeof straight.output, "%s/straight_alone.gpkg", work);
    snprintf(network.output, sizeof network.output, "%s/network_alone.gpkg", work);
    run_job(&straight);
    CHECK(straight.st == BP_OK, "zwolle alone: %s", straight.err);
    run_job(&network);
    CHECK(network.st == BP_OK, "monaco alone: %s", network.err);
    snprintf(streamed.output, sizeof streamed.output, "%s/streamed_alone.gpkg", work);
    run_job(&streamed);
    CHECK(streamed.st == BP_OK, "zwolle streamed alone: %s", streamed.err);
    if (failures) return 1;

    /* together, twice, with a re-ranking thread beside them */
    for (int round = 0; round < 2; round++) {
        job s = straight, n = network, m = streamed;
        snprintf(s.output, sizeof s.output, "%s/straight_%d.gpkg", work, round);
        snprintf(n.output, sizeof n.output, "%s/network_%d.gpkg", work, round);
        snprintf(m.output, sizeof m.output, "%s/streamed_%d.gpkg", work, round);
        rerank_job r1 = {0}, r2 = {0};
        snprintf(r1.gpkg, sizeof r1.gpkg, "%s", straight.output);
        snprintf(r2.gpkg, sizeof r2.gpkg, "%s", straight.output);
        pthread_t ts, tn, tm, tr;
        pthread_create(&ts, NULL, run_job, &s);
        pthread_create(&tn, NULL, run_job, &n);
        pthread_create(&tm, NULL, run_job, &m);
        pthread_create(&tr, NULL, run_rerank, &r1);
        pthread_join(ts, NULL);
        pthread_join(tn, NULL);
        pthread_join(tm, NULL);
        pthread_join(tr, NULL);
        run_rerank(&r2); /* the same re-ranking, alone */
        CHECK(s.st == BP_OK, "zwolle concurrently (round %d): %s", round, s.err);
        CHECK(n.st == BP_OK, "monaco concurrently (round %d): %s", round, n.err);
        CHECK(m.st == BP_OK, "zwolle streamed concurrently (round %d): %s", round, m.err);
        CHECK(r1.st == BP_OK && r2.st == BP_OK, "re-rank: %s %s", r1.err, r2.err);
        CHECK(!strcmp(r1.top, r2.top) && r1.top[0], "re-rank concurrently gives other ranks:\n  %s\n  %s", r1.top,
              r2.top);
        if (s.st == BP_OK) compare(straight.output, s.output);
        if (n.st == BP_OK) compare(network.output, n.output);
        if (m.st == BP_OK) compare(streamed.output, m.output);
    }
    /* the same pipeline twice at once, into two outputs */
    job a = straight, b = straight;
    snprintf(a.output, sizeof a.output, "%s/same_a.gpkg", work);
    snprintf(b.output, sizeof b.output, "%s/same_b.gpkg", work);
    a.extra_key = b.extra_key = "profile";
    a.extra_value = b.extra_value = "zorggeschikt";
    pthread_t ta, tb;
    pthread_create(&ta, NULL, run_job, &a);
    pthread_create(&tb, NULL, run_job, &b);
    pthread_join(ta, NULL);
    pthread_join(tb, NULL);
    CHECK(a.st == BP_OK && b.st == BP_OK, "the same run twice at once: %s %s", a.err, b.err);
    if (a.st == BP_OK && b.st == BP_OK) compare(a.output, b.output);

    if (failures) {
        fprintf(stderr, "%d failure(s)\n", failures);
        return 1;
    }
    printf("ok - three pipelines (straight, streamed and network) and a re-rank at once equal the lone runs\n");
    return 0;
}
