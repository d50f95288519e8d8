/*
 * euclidean.c — straight-line distance from every plot to the nearest
 * facility of each category, and the count within the radius, on threads.
 *
 * Each thread has its own GEOS context, its own STRtrees and prepares the
 * plots it takes; geometries are only read across threads.  Plots are
 * handed out in chunks through an atomic counter; every plot's result
 * depends only on its own inputs, so results are identical for any thread
 * count.  The calling thread works too and alone reports progress.
 */
#include "distance/distance.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

#define CHUNK 256
#define PREPARE_ABOVE 64 /* vertices; measured on the benchmark (scripts/bench.sh) */

typedef struct {
    GEOSGeometry *const *plots;
    size_t nplots;
    const bp_layer *fac;
    size_t ncat;
    double radius;
    double *dist;
    int32_t *count;
    atomic_size_t next;
    atomic_size_t done;
    atomic_int stop;     /* 1 = aborted, 2 = failed */
    char failmsg[512];
    pthread_mutex_t lock;
} job;

static void fail(job *j, const char *msg)
{
    pthread_mutex_lock(&j->lock);
    if (!atomic_load(&j->stop)) {
        snprintf(j->failmsg, sizeof j->failmsg, "%s", msg);
        atomic_store(&j->stop, 2);
    }
    pthread_mutex_unlock(&j->lock);
}

typedef struct {
    job *j;
    GDALProgressFunc progress;
    void *pdata;
} worker_arg;

static void *worker(void *arg)
{
    worker_arg *wa = arg;
    job *j = wa->j;
    bp_geos g;
    if (bp_geos_init(&g, NULL) != BP_OK) {
        fail(j, "cannot create a GEOS context");
        return NULL;
    }
    bp_sindex **ix = calloc(j->ncat, sizeof *ix);
    if (!ix) {
        fail(j, "out of memory");
        bp_geos_finish(&g);
        return NULL;
    }
    for (size_t c = 0; c < j->ncat; c++) {
        ix[c] = bp_sindex_new(g.h, j->fac[c].geom, j->fac[c].n);
        if (!ix[c]) {
            fail(j, "cannot build a spatial index");
            goto out;
        }
    }
    while (!atomic_load(&j->stop)) {
        size_t start = atomic_fetch_add(&j->next, CHUNK);
        if (start >= j->nplots) break;
        size_t end = start + CHUNK < j->nplots ? start + CHUNK : j->nplots;
        for (size_t i = start; i < end; i++) {
            /* small plots (most) are faster unprepared, see sindex.c */
            const GEOSPreparedGeometry *pq = NULL;
            if (GEOSGetNumCoordinates_r(g.h, j->plots[i]) > PREPARE_ABOVE &&
                !(pq = GEOSPrepare_r(g.h, j->plots[i]))) {
                fail(j, g.msg[0] ? g.msg : "GEOSPrepare failed");
                goto out;
            }
            GEOSGeometry *win = bp_sindex_window(g.h, j->plots[i], j->radius);
            for (size_t c = 0; c < j->ncat; c++) {
                size_t nearest;
                int n = 0;
                int rc = bp_sindex_proximity(ix[c], j->plots[i], pq, win, j->radius, &j->dist[i * j->ncat + c],
                                             &nearest, &n);
                j->count[i * j->ncat + c] = n;
                if (rc < 0) {
                    if (pq) GEOSPreparedGeom_destroy_r(g.h, pq);
                    if (win) GEOSGeom_destroy_r(g.h, win);
                    fail(j, g.msg[0] ? g.msg : "GEOS distance failed");
                    goto out;
                }
            }
            if (pq) GEOSPreparedGeom_destroy_r(g.h, pq);
            if (win) GEOSGeom_destroy_r(g.h, win);
        }
        size_t done = atomic_fetch_add(&j->done, end - start) + (end - start);
        if (wa->progress && !wa->progress((double)done / (double)j->nplots, NULL, wa->pdata)) {
            pthread_mutex_lock(&j->lock);
            if (!atomic_load(&j->stop)) atomic_store(&j->stop, 1);
            pthread_mutex_unlock(&j->lock);
        }
    }
out:
    for (size_t c = 0; c < j->ncat; c++) bp_sindex_free(ix[c]);
    free(ix);
    bp_geos_finish(&g);
    return NULL;
}

bp_status bp_euclidean_distances(const bp_euclidean_opts *o, GEOSGeometry *const *plots, size_t nplots,
                                 const bp_layer *fac, size_t ncat, double *dist, int32_t *count,
                                 GDALProgressFunc progress, void *pdata, bp_ctx *ctx)
{
    job j = {.plots = plots, .nplots = nplots, .fac = fac, .ncat = ncat, .radius = o->radius_m,
             .dist = dist, .count = count};
    atomic_init(&j.next, 0);
    atomic_init(&j.done, 0);
    atomic_init(&j.stop, 0);
    pthread_mutex_init(&j.lock, NULL);
    /* GEOS computes a geometry's envelope on first use and caches it,
       unlocked: compute every facility's here, before the threads share
       them (else they race, and distances come out wrong) */
    bp_geos g0;
    if (bp_geos_init(&g0, ctx) != BP_OK) {
        pthread_mutex_destroy(&j.lock);
        return bp_ctx_status(ctx);
    }
    for (size_t c = 0; c < ncat; c++)
        for (size_t k = 0; k < fac[c].n; k++) {
            double x;
            GEOSGeom_getXMin_r(g0.h, fac[c].geom[k], &x);
        }
    bp_geos_finish(&g0);
    int threads = bp_nthreads(o->threads);
    size_t maxt = nplots / CHUNK + 1;
    if ((size_t)threads > maxt) threads = (int)maxt;
    pthread_t *tid = calloc((size_t)threads, sizeof *tid);
    worker_arg *args = calloc((size_t)threads, sizeof *args);
    if (!tid || !args) {
        free(tid);
        free(args);
        pthread_mutex_destroy(&j.lock);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    int started = 0;
    for (int t = 1; t < threads; t++) {
        args[t].j = &j;
        if (pthread_create(&tid[t], NULL, worker, &args[t]) != 0) break;
        started++;
    }
    args[0] = (worker_arg){&j, progress, pdata};
    worker(&args[0]);
    for (int t = 1; t <= started; t++) pthread_join(tid[t], NULL);
    free(tid);
    free(args);
    pthread_mutex_destroy(&j.lock);
    int stop = atomic_load(&j.stop);
    if (stop == 1) return bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    if (stop == 2) return bp_error(ctx, BP_ERR_NOMEM, "distance computation failed: %s", j.failmsg);
    return BP_OK;
}
