/*
 * route.c — walking distances: plots and facilities attach at the nearest
 * point of the nearest passable edge (the edge is split there: the part on
 * each side counts, plus the straight attachment length); a facility on
 * the plot's own edge is reached along that edge; one multi-source
 * Dijkstra per category, the categories spread over threads.
 */
#include "distance/network/network.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t edge;
    double t, attach;
} attachment;

static int attach(bp_network *net, bp_geos *g, const GEOSGeometry *geom, double tol, attachment *a)
{
    double d;
    size_t nearest;
    a->edge = UINT32_MAX;
    a->attach = NAN;
    a->t = 0;
    if (bp_sindex_proximity(net->ix, geom, NULL, NULL, fmin(tol, 50), &d, &nearest, NULL) < 0) return -1;
    if (nearest == (size_t)-1) return 0;
    a->attach = d;
    if (d > tol) return 0;
    GEOSCoordSequence *cs = GEOSNearestPoints_r(g->h, net->seg[nearest], geom);
    if (!cs) return -1;
    double px, py;
    GEOSCoordSeq_getXY_r(g->h, cs, 0, &px, &py);
    GEOSCoordSeq_destroy_r(g->h, cs);
    uint32_t e = net->seg_edge[nearest];
    double len = net->len[e];
    double t = len > 0 ? hypot(px - net->x[net->eu[e]], py - net->y[net->eu[e]]) / len : 0;
    a->edge = e;
    a->t = t < 0 ? 0 : t > 1 ? 1 : t;
    return 0;
}

/* ---- Dijkstra -------------------------------------------------------------------- */

typedef struct {
    double d;
    uint32_t v;
} qitem;

typedef struct {
    qitem *a;
    size_t n, cap;
} heap;

static int heap_push(heap *h, double d, uint32_t v)
{
    if (h->n == h->cap) {
        size_t nc = h->cap ? h->cap * 2 : 1024;
        qitem *na = realloc(h->a, nc * sizeof *na);
        if (!na) return -1;
        h->a = na;
        h->cap = nc;
    }
    size_t i = h->n++;
    while (i > 0 && h->a[(i - 1) / 2].d > d) {
        h->a[i] = h->a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->a[i] = (qitem){d, v};
    return 0;
}

static qitem heap_pop(heap *h)
{
    qitem top = h->a[0], last = h->a[--h->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n) break;
        if (c + 1 < h->n && h->a[c + 1].d < h->a[c].d) c++;
        if (h->a[c].d >= last.d) break;
        h->a[i] = h->a[c];
        i = c;
    }
    if (h->n) h->a[i] = last;
    return top;
}

/* Multi-source Dijkstra from the facilities' attachments into D. */
static int dijkstra(const bp_network *net, const attachment *src, size_t nsrc, double *D)
{
    heap h = {0};
    for (size_t v = 0; v < net->n; v++) D[v] = INFINITY;
    for (size_t k = 0; k < nsrc; k++) {
        const attachment *a = &src[k];
        if (a->edge == UINT32_MAX) continue;
        double c = net->cost[a->edge];
        uint32_t u = net->eu[a->edge], v = net->ev[a->edge];
        double du = a->attach + a->t * c, dv = a->attach + (1 - a->t) * c;
        if (du < D[u] && (D[u] = du, heap_push(&h, du, u) < 0)) goto fail;
        if (dv < D[v] && (D[v] = dv, heap_push(&h, dv, v) < 0)) goto fail;
    }
    while (h.n) {
        qitem q = heap_pop(&h);
        if (q.d > D[q.v]) continue;
        for (uint32_t k = net->off[q.v]; k < net->off[q.v + 1]; k++) {
            uint32_t e = net->adj[k];
            uint32_t w = net->eu[e] == q.v ? net->ev[e] : net->eu[e];
            double nd = q.d + net->cost[e];
            if (nd < D[w]) {
                D[w] = nd;
                if (heap_push(&h, nd, w) < 0) goto fail;
            }
        }
    }
    free(h.a);
    return 0;
fail:
    free(h.a);
    return -1;
}

/* Facilities of one category sorted by edge, for plots on the same edge;
 * ud is the category's attachments. */
static int cmp_att_edge(const void *a, const void *b, void *ud)
{
    const attachment *att = ud;
    const attachment *x = &att[*(const uint32_t *)a], *y = &att[*(const uint32_t *)b];
    return x->edge < y->edge ? -1 : x->edge > y->edge;
}

typedef struct {
    const bp_network *net;
    const attachment *plots;
    size_t nplots, ncat;
    attachment **fac;  /* per category */
    size_t *nfac;
    double *dist;      /* nplots * ncat */
    double *vertex_dist; /* ncat * n */
    size_t next;
    pthread_mutex_t lock;
    atomic_int failed;
} djob;

static void *dworker(void *arg)
{
    djob *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t c = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (c >= j->ncat || atomic_load(&j->failed)) break;
        const bp_network *net = j->net;
        double *D = j->vertex_dist + c * net->n;
        const attachment *fa = j->fac[c];
        size_t nf = j->nfac[c];
        uint32_t *byedge = malloc((nf ? nf : 1) * sizeof *byedge);
        if (!byedge || dijkstra(net, fa, nf, D) < 0) {
            free(byedge);
            atomic_store(&j->failed, 1);
            break;
        }
        size_t nb = 0;
        for (size_t k = 0; k < nf; k++)
            if (fa[k].edge != UINT32_MAX) byedge[nb++] = (uint32_t)k;
        qsort_r(byedge, nb, sizeof *byedge, cmp_att_edge, (void *)fa);
        for (size_t i = 0; i < j->nplots; i++) {
            const attachment *p = &j->plots[i];
            double best = INFINITY;
            if (p->edge != UINT32_MAX) {
                double cst = net->cost[p->edge];
                double du = D[net->eu[p->edge]], dv = D[net->ev[p->edge]];
                best = fmin(du + p->t * cst, dv + (1 - p->t) * cst) + p->attach;
                /* facilities on the plot's own edge: along the edge between them */
                size_t lo = 0, hi = nb;
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (fa[byedge[mid]].edge < p->edge) lo = mid + 1;
                    else hi = mid;
                }
                for (; lo < nb && fa[byedge[lo]].edge == p->edge; lo++) {
                    const attachment *f = &fa[byedge[lo]];
                    double d = p->attach + f->attach + fabs(p->t - f->t) * cst;
                    if (d < best) best = d;
                }
            }
            j->dist[i * j->ncat + c] = isinf(best) ? NAN : best;
        }
        free(byedge);
    }
    return NULL;
}

bp_status bp_network_distances(bp_network *net, bp_geos *g, GEOSGeometry *const *plots, size_t nplots,
                               const bp_layer *fac, size_t ncat, double *dist, bp_network_out *out,
                               bp_ctx *ctx)
{
    bp_status st = BP_OK;
    double tol = net->tol;
    attachment *pa = malloc((nplots ? nplots : 1) * sizeof *pa);
    attachment **fa = calloc(ncat ? ncat : 1, sizeof *fa);
    size_t *nfac = calloc(ncat ? ncat : 1, sizeof *nfac);
    size_t nd = net->n * ncat;
    double *vd = malloc((nd ? nd : 1) * sizeof *vd);
    out->vertex_dist = NULL;
    if (!pa || !fa || !nfac || !vd) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto done;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    for (size_t i = 0; i < nplots && st == BP_OK; i++) {
        if (attach(net, g, plots[i], tol, &pa[i]) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", g->msg);
        out->plot_attach[i] = isnan(pa[i].attach) ? INFINITY : pa[i].attach;
    }
    for (size_t c = 0; c < ncat && st == BP_OK; c++) {
        fa[c] = malloc((fac[c].n ? fac[c].n : 1) * sizeof *fa[c]);
        if (!fa[c]) {
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        nfac[c] = fac[c].n;
        out->fac_unattached[c] = 0;
        for (size_t k = 0; k < fac[c].n && st == BP_OK; k++) {
            if (attach(net, g, fac[c].geom[k], tol, &fa[c][k]) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", g->msg);
            if (fa[c][k].edge == UINT32_MAX) out->fac_unattached[c]++;
        }
    }
    bp_debug_phase("  network attach", &t);
    if (st == BP_OK) {
        djob j = {net, pa, nplots, ncat, fa, nfac, dist, vd, 0, PTHREAD_MUTEX_INITIALIZER, 0};
        int threads = bp_nthreads(net->threads);
        if ((size_t)threads > ncat) threads = (int)ncat;
        pthread_t tid[64];
        int started = 0;
        for (int k = 1; k < threads && k < 64; k++)
            if (pthread_create(&tid[k], NULL, dworker, &j) == 0) started = k;
        dworker(&j);
        for (int k = 1; k <= started; k++) pthread_join(tid[k], NULL);
        pthread_mutex_destroy(&j.lock);
        if (atomic_load(&j.failed)) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory in the network distances");
        bp_debug_phase("  network dijkstra", &t);
    }
    if (st == BP_OK && out->want_vertex_dist) {
        out->vertex_dist = vd;
        vd = NULL;
    }
done:
    for (size_t c = 0; fa && c < ncat; c++) free(fa[c]);
    free(fa);
    free(nfac);
    free(pa);
    free(vd);
    return st;
}
