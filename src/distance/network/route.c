/*
 * route.c — walking distances.
 *
 * Attachment: a plot or facility joins the network at the nearest point of
 * the nearest passable edge (the edge is split there: the part on each side
 * counts, plus the straight attachment length).  When that edge lies on an
 * island (a component that is not the largest and has less than
 * network.island_m of passable way: a courtyard path, a platform, a piece
 * cut off by the edge of the extract), it also joins the nearest edge of the
 * main network within the snap tolerance, and the shorter walk of the two
 * counts: so an island never strands a plot that can reach the main network,
 * and a facility on the same island is still reached across it.
 *
 * Dijkstra: one multi-source run per category from its facilities.  Ways
 * marked endpoint (private, customers) may be walked only at the start and
 * the end of a walk: the search runs over three states per vertex (still on
 * the endpoint ways it started on; on public ways; on endpoint ways again,
 * after which no public way may follow), so a walk leaves a private road
 * for the public network and enters one again only to reach its
 * destination.  A node the profile cannot pass (a raised kerb for the
 * rollator) may be where a walk starts or ends, never a point it passes.
 *
 * Counts over the network (network.counts: network): per facility a
 * Dijkstra bounded by the radius, counting the plots it reaches.
 * The edges around the candidates (walk_network: around): a Dijkstra from
 * every plot, bounded by around_m.
 */
#include "distance/network/network.h"

#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    uint32_t edge; /* UINT32_MAX: none */
    double t, attach;
} attachment;

#define NATT 2 /* attachments per plot or facility: the nearest edge, and the main network's when that one is an island */

/* ---- attachment ------------------------------------------------------------------- */

static int keep_big(uint32_t e, const void *ud)
{
    const bp_network *net = ud;
    return net->comp_big[net->comp[net->eu[e]]];
}

/* t of the point of edge e nearest to geom (GEOS, as the independent check
 * in the tests computes it). */
static int edge_t(const bp_network *net, GEOSContextHandle_t h, uint32_t e, const GEOSGeometry *geom, double *t)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 2, 2);
    if (!cs) return -1;
    double x0 = net->x[net->eu[e]], y0 = net->y[net->eu[e]];
    GEOSCoordSeq_setXY_r(h, cs, 0, x0, y0);
    GEOSCoordSeq_setXY_r(h, cs, 1, net->x[net->ev[e]], net->y[net->ev[e]]);
    GEOSGeometry *seg = GEOSGeom_createLineString_r(h, cs);
    if (!seg) return -1;
    GEOSCoordSequence *np = GEOSNearestPoints_r(h, seg, geom);
    GEOSGeom_destroy_r(h, seg);
    if (!np) return -1;
    double px, py;
    GEOSCoordSeq_getXY_r(h, np, 0, &px, &py);
    GEOSCoordSeq_destroy_r(h, np);
    double len = net->len[e];
    double v = len > 0 ? hypot(px - x0, py - y0) / len : 0;
    *t = v < 0 ? 0 : v > 1 ? 1 : v;
    return 0;
}

/* Attaches geom: a[0] the nearest passable edge within tol, a[1] the main
 * network's nearest when a[0] is on an island.  *nearest: metres to the
 * nearest passable edge (INFINITY: none).  Returns 1 when an island
 * attachment got a second one, 0 otherwise, -1 on failure. */
static int attach(const bp_network *net, GEOSContextHandle_t h, const GEOSGeometry *geom, bp_shape *sh,
                  bp_segindex_heap *hp, attachment *a, double *nearest)
{
    a[0].edge = a[1].edge = UINT32_MAX;
    a[0].t = a[1].t = 0;
    a[0].attach = a[1].attach = NAN;
    *nearest = INFINITY;
    if (bp_shape_set(sh, h, geom) < 0) return -1;
    uint32_t e;
    double d;
    if (bp_segindex_nearest(net->ix, net, sh, INFINITY, NULL, NULL, hp, &e, &d) < 0) return -1;
    if (e == UINT32_MAX) return 0;
    *nearest = d;
    if (d > net->tol) return 0;
    a[0].edge = e, a[0].attach = d;
    if (edge_t(net, h, e, geom, &a[0].t) < 0) return -1;
    if (net->comp_big[net->comp[net->eu[e]]]) return 0;
    if (bp_segindex_nearest(net->ix, net, sh, net->tol, keep_big, net, hp, &e, &d) < 0) return -1;
    if (e == UINT32_MAX) return 0;
    a[1].edge = e, a[1].attach = d;
    return edge_t(net, h, e, geom, &a[1].t) < 0 ? -1 : 1;
}

/* ---- Dijkstra with the endpoint rule ----------------------------------------------- */

/* State after walking an edge of the class (0 public, 1 endpoint) from a
 * state: 0 on the endpoint ways the walk started on, 1 public, 2 endpoint
 * ways after public ones; -1: not allowed. */
static const signed char next_state[2][3] = {{1, 1, -1}, {0, 2, 2}};

typedef struct {
    double d;
    uint32_t vs; /* vertex * ns + state */
} qitem;

typedef struct {
    const bp_network *net;
    int ns;                 /* states: 3 when there are endpoint ways, else 1 */
    double *D;              /* n * ns */
    unsigned char *open;    /* blocked vertices a source stands on (when the network has node flags) */
    uint32_t *touched;
    size_t ntouched, captouched;
    qitem *h;
    size_t nh, caph;
} dij;

static int dij_init(dij *d, const bp_network *net)
{
    memset(d, 0, sizeof *d);
    d->net = net;
    d->ns = net->has_endpoint ? 3 : 1;
    size_t nd = net->n * (size_t)d->ns;
    d->D = malloc((nd ? nd : 1) * sizeof *d->D);
    if (!d->D) return -1;
    for (size_t i = 0; i < net->n * (size_t)d->ns; i++) d->D[i] = INFINITY;
    if (net->vflags && !(d->open = calloc(net->n ? net->n : 1, 1))) return -1;
    return 0;
}

static void dij_free(dij *d)
{
    free(d->D);
    free(d->open);
    free(d->touched);
    free(d->h);
}

static void dij_reset(dij *d)
{
    for (size_t i = 0; i < d->ntouched; i++) {
        uint32_t v = d->touched[i];
        for (int s = 0; s < d->ns; s++) d->D[(size_t)v * d->ns + s] = INFINITY;
        if (d->open) d->open[v] = 0;
    }
    d->ntouched = 0;
    d->nh = 0;
}

static inline int touch(dij *d, uint32_t v)
{
    for (int s = 0; s < d->ns; s++)
        if (!isinf(d->D[(size_t)v * d->ns + s])) return 0;
    if (GROW(d->touched, d->ntouched, d->captouched) < 0) return d->ntouched = d->captouched = 0, -1;
    d->touched[d->ntouched++] = v;
    return 0;
}

static int push(dij *d, double dist, uint32_t vs)
{
    if (GROW(d->h, d->nh, d->caph) < 0) return d->nh = d->caph = 0, -1;
    size_t i = d->nh++;
    while (i > 0 && d->h[(i - 1) / 2].d > dist) {
        d->h[i] = d->h[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    d->h[i] = (qitem){dist, vs};
    return 0;
}

static qitem pop(dij *d)
{
    qitem top = d->h[0], last = d->h[--d->nh];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= d->nh) break;
        if (c + 1 < d->nh && d->h[c + 1].d < d->h[c].d) c++;
        if (d->h[c].d >= last.d) break;
        d->h[i] = d->h[c];
        i = c;
    }
    if (d->nh) d->h[i] = last;
    return top;
}

static inline int relax(dij *d, uint32_t v, int s, double dist)
{
    size_t k = (size_t)v * d->ns + s;
    if (!(dist < d->D[k])) return 0;
    if (touch(d, v) < 0) return -1;
    d->D[k] = dist;
    return push(d, dist, (uint32_t)k);
}

static int is_blocked(const dij *d, uint32_t v)
{
    const bp_network *net = d->net;
    return net->vflags && net->vblock[net->vflags[v]] && !d->open[v];
}

static int edge_class(const bp_network *net, uint32_t e) { return (net->attr[e] & BP_ATTR_ENDPOINT) != 0; }

/* Seeds the search with an attachment (a facility, or a plot). */
static int seed(dij *d, const attachment *a)
{
    if (a->edge == UINT32_MAX) return 0;
    const bp_network *net = d->net;
    double c = bp_edge_cost(net, a->edge);
    int s = d->ns == 1 ? 0 : edge_class(net, a->edge) ? 0 : 1;
    uint32_t u = net->eu[a->edge], v = net->ev[a->edge];
    if (relax(d, u, s, a->attach + a->t * c) < 0 || relax(d, v, s, a->attach + (1 - a->t) * c) < 0) return -1;
    /* standing on a blocked node: the walk starts there, so it may leave it */
    if (d->open && a->t == 0) d->open[u] = 1;
    if (d->open && a->t == 1) d->open[v] = 1;
    return 0;
}

/* Polled while a search runs: 0 to go on, 1 to stop. */
typedef struct {
    int (*fn)(void *ud);
    void *ud;
} poller;

/* Runs the search until every vertex within 'limit' is settled; asks the
 * poller (may be NULL) every 65536 settled vertices.  0, -1 out of memory,
 * 1 stopped. */
static int run(dij *d, double limit, const poller *poll)
{
    const bp_network *net = d->net;
    size_t settled = 0;
    if (d->ns == 1 && !net->vflags) { /* the usual case, kept tight */
        double *D = d->D;
        const double *cost = net->cost;
        const uint32_t *eu = net->eu, *ev = net->ev, *off = net->off, *adj = net->adj;
        while (d->nh) {
            qitem q = pop(d);
            if (q.d > D[q.vs]) continue;
            if (q.d > limit) break;
            if ((++settled & 0xffff) == 0 && poll && poll->fn(poll->ud)) return 1;
            uint32_t v = q.vs;
            for (uint32_t k = off[v]; k < off[v + 1]; k++) {
                uint32_t e = adj[k], w = eu[e] == v ? ev[e] : eu[e];
                double nd = q.d + cost[e];
                if (nd < D[w]) {
                    if (isinf(D[w])) {
                        if (GROW(d->touched, d->ntouched, d->captouched) < 0) return d->ntouched = d->captouched = 0, -1;
                        d->touched[d->ntouched++] = w;
                    }
                    D[w] = nd;
                    if (push(d, nd, w) < 0) return -1;
                }
            }
        }
        return 0;
    }
    while (d->nh) {
        qitem q = pop(d);
        if (q.d > d->D[q.vs]) continue;
        if (q.d > limit) break;
        if ((++settled & 0xffff) == 0 && poll && poll->fn(poll->ud)) return 1;
        uint32_t v = q.vs / (uint32_t)d->ns;
        int s = (int)(q.vs % (uint32_t)d->ns);
        if (is_blocked(d, v)) continue;
        for (uint32_t k = net->off[v]; k < net->off[v + 1]; k++) {
            uint32_t e = net->adj[k];
            int ns = d->ns == 1 ? 0 : next_state[edge_class(net, e)][s];
            if (ns < 0) continue;
            uint32_t w = net->eu[e] == v ? net->ev[e] : net->eu[e];
            if (relax(d, w, ns, q.d + bp_edge_cost(net, e)) < 0) return -1;
        }
    }
    return 0;
}

/* The walk from the sources to an attachment, over the vertices at the
 * ends of its edge (INFINITY: none). */
static double reach(const dij *d, const attachment *a)
{
    if (a->edge == UINT32_MAX) return INFINITY;
    const bp_network *net = d->net;
    double c = bp_edge_cost(net, a->edge);
    int cls = edge_class(net, a->edge);
    double best = INFINITY;
    for (int end = 0; end < 2; end++) {
        uint32_t v = end ? net->ev[a->edge] : net->eu[a->edge];
        double rest = end ? (1 - a->t) * c : a->t * c;
        int at = end ? a->t == 1 : a->t == 0; /* standing on the vertex itself */
        if (!at && is_blocked(d, v)) continue;
        for (int s = 0; s < d->ns; s++) {
            if (!at && d->ns > 1 && next_state[cls][s] < 0) continue;
            double x = d->D[(size_t)v * d->ns + s] + rest;
            if (x < best) best = x;
        }
    }
    return best + a->attach;
}

/* The walk between two attachments on the same edge, along it. */
static double along(const bp_network *net, const attachment *p, const attachment *f)
{
    return p->attach + f->attach + fabs(p->t - f->t) * bp_edge_cost(net, p->edge);
}

/* ---- the work per category ------------------------------------------------------------ */

/* Attachments of one category's facilities sorted by edge, for plots on
 * the same edge; ud is the category's attachments. */
static int cmp_att_edge(const void *a, const void *b, void *ud)
{
    const attachment *att = ud;
    const attachment *x = &att[*(const uint32_t *)a], *y = &att[*(const uint32_t *)b];
    return x->edge < y->edge ? -1 : x->edge > y->edge;
}

typedef struct {
    const bp_network *net;
    const attachment *plots;   /* NATT per plot */
    size_t nplots, ncat;
    attachment **fac;          /* per category, NATT per facility */
    size_t *nfac;
    double *dist;              /* nplots * ncat */
    int32_t *count;            /* nplots * ncat, or NULL: no counts over the network */
    double radius;
    const uint32_t *pe_off, *pe_att; /* plot attachments by edge (CSR), for the counts */
    double *vertex_dist;       /* ncat * n, or NULL */
    size_t next;
    pthread_mutex_t lock;
    atomic_int failed, stop, done;
    const bp_network_opts *o;  /* progress: called by the calling thread only */
} djob;

/* One thread's share of a djob. */
typedef struct {
    djob *j;
    int main;                  /* the calling thread: reports progress */
} wctx;

/* Progress of the categories, from the calling thread; sets stop when the
 * progress function says so.  Returns 1 to stop. */
static int job_poll(void *ud)
{
    djob *j = ud;
    if (!atomic_load(&j->stop) && j->o->progress &&
        !j->o->progress(0.3 + 0.65 * atomic_load(&j->done) / (double)(j->ncat ? j->ncat : 1), NULL, j->o->pdata))
        atomic_store(&j->stop, 1);
    return atomic_load(&j->stop) || atomic_load(&j->failed);
}

/* Stop asked by the calling thread, or a failure elsewhere. */
static int job_stopped(void *ud)
{
    djob *j = ud;
    return atomic_load(&j->stop) || atomic_load(&j->failed);
}

/* Distances from every plot to category c (and the vertex distances). */
static int category_distances(djob *j, const poller *poll, dij *d, size_t c, uint32_t *byedge)
{
    const bp_network *net = j->net;
    const attachment *fa = j->fac[c];
    size_t nf = j->nfac[c] * NATT, nb = 0;
    dij_reset(d);
    for (size_t k = 0; k < nf; k++) {
        if (seed(d, &fa[k]) < 0) return -1;
        if (fa[k].edge != UINT32_MAX) byedge[nb++] = (uint32_t)k;
    }
    int r = run(d, INFINITY, poll);
    if (r) return r;
    qsort_r(byedge, nb, sizeof *byedge, cmp_att_edge, (void *)fa);
    for (size_t i = 0; i < j->nplots; i++) {
        double best = INFINITY;
        for (int a = 0; a < NATT; a++) {
            const attachment *p = &j->plots[i * NATT + a];
            if (p->edge == UINT32_MAX) continue;
            best = fmin(best, reach(d, p));
            size_t lo = 0, hi = nb; /* facilities on the plot's own edge */
            while (lo < hi) {
                size_t mid = (lo + hi) / 2;
                if (fa[byedge[mid]].edge < p->edge) lo = mid + 1;
                else hi = mid;
            }
            for (; lo < nb && fa[byedge[lo]].edge == p->edge; lo++) best = fmin(best, along(net, p, &fa[byedge[lo]]));
        }
        j->dist[i * j->ncat + c] = isinf(best) ? NAN : best;
    }
    if (j->vertex_dist) {
        double *V = j->vertex_dist + c * net->n;
        for (size_t v = 0; v < net->n; v++) {
            double m = INFINITY;
            for (int s = 0; s < d->ns; s++) m = fmin(m, d->D[v * (size_t)d->ns + s]);
            V[v] = m;
        }
    }
    return 0;
}

/* Facilities of category c within the radius of each plot, over the
 * network: a bounded search from each facility. */
static int category_counts(djob *j, const poller *poll, dij *d, size_t c, uint32_t *stamp)
{
    const bp_network *net = j->net;
    const attachment *fa = j->fac[c];
    for (size_t i = 0; i < j->nplots; i++) stamp[i] = UINT32_MAX, j->count[i * j->ncat + c] = 0;
    for (size_t f = 0; f < j->nfac[c]; f++) {
        if ((f & 255) == 255 && poll->fn(poll->ud)) return 1;
        dij_reset(d);
        const attachment *fs = &fa[f * NATT];
        if (fs[0].edge == UINT32_MAX) continue;
        for (int a = 0; a < NATT; a++)
            if (seed(d, &fs[a]) < 0) return -1;
        int r = run(d, j->radius, poll);
        if (r) return r;
        for (size_t k = 0; k < d->ntouched; k++) {
            uint32_t v = d->touched[k];
            for (uint32_t q = net->off[v]; q < net->off[v + 1]; q++) {
                uint32_t e = net->adj[q];
                for (uint32_t pa = j->pe_off[e]; pa < j->pe_off[e + 1]; pa++) {
                    size_t i = j->pe_att[pa] / NATT;
                    if (stamp[i] == (uint32_t)f) continue;
                    double best = INFINITY;
                    for (int a = 0; a < NATT; a++) {
                        const attachment *p = &j->plots[i * NATT + a];
                        if (p->edge == UINT32_MAX) continue;
                        best = fmin(best, reach(d, p));
                        for (int b = 0; b < NATT; b++)
                            if (fs[b].edge == p->edge) best = fmin(best, along(net, p, &fs[b]));
                    }
                    if (best <= j->radius) {
                        stamp[i] = (uint32_t)f;
                        j->count[i * j->ncat + c]++;
                    }
                }
            }
        }
    }
    return 0;
}

static void *dworker(void *arg)
{
    wctx *w = arg;
    djob *j = w->j;
    poller poll = {w->main ? job_poll : job_stopped, j};
    dij d;
    size_t maxf = 1;
    for (size_t c = 0; c < j->ncat; c++)
        if (j->nfac[c] * NATT > maxf) maxf = j->nfac[c] * NATT;
    uint32_t *byedge = malloc(maxf * sizeof *byedge);
    uint32_t *stamp = j->count ? malloc((j->nplots ? j->nplots : 1) * sizeof *stamp) : NULL;
    if (dij_init(&d, j->net) < 0 || !byedge || (j->count && !stamp)) {
        atomic_store(&j->failed, 1);
        goto out;
    }
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t c = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (c >= j->ncat || atomic_load(&j->failed) || atomic_load(&j->stop)) break;
        int r = category_distances(j, &poll, &d, c, byedge);
        if (r == 0 && j->count) r = category_counts(j, &poll, &d, c, stamp);
        if (r < 0) atomic_store(&j->failed, 1);
        if (r) break;
        atomic_fetch_add(&j->done, 1);
    }
out:
    dij_free(&d);
    free(byedge);
    free(stamp);
    return NULL;
}

/* The edges within around_m of some plot (walking), into net->out_edges. */
static int around_edges(bp_network *net, const attachment *pa, size_t nplots, double around_m)
{
    dij d;
    if (dij_init(&d, net) < 0) {
        dij_free(&d);
        return -1;
    }
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < nplots * NATT; i++) rc = seed(&d, &pa[i]);
    if (rc == 0) rc = run(&d, around_m, NULL);
    net->n_out = 0;
    free(net->out_edges);
    net->out_edges = rc == 0 ? malloc((net->m ? net->m : 1) * sizeof *net->out_edges) : NULL;
    if (!net->out_edges) rc = -1;
    for (size_t e = 0; rc == 0 && e < net->m; e++) {
        double m = INFINITY;
        for (int s = 0; s < d.ns; s++)
            m = fmin(m, fmin(d.D[(size_t)net->eu[e] * d.ns + s], d.D[(size_t)net->ev[e] * d.ns + s]));
        if (m <= around_m) net->out_edges[net->n_out++] = (uint32_t)e;
    }
    dij_free(&d);
    return rc;
}

/* ---- the stage --------------------------------------------------------------------- */

static int poll_progress(const bp_network_opts *o, double f)
{
    return !o->progress || o->progress(f, NULL, o->pdata);
}

bp_status bp_network_distances(bp_network *net, const bp_network_opts *o, bp_geos *g, GEOSGeometry *const *plots,
                               size_t nplots, const bp_layer *fac, size_t ncat, double *dist, int32_t *count,
                               bp_network_out *out, bp_ctx *ctx)
{
    bp_status st = BP_OK;
    attachment *pa = malloc((nplots ? nplots : 1) * NATT * sizeof *pa);
    attachment **fa = calloc(ncat ? ncat : 1, sizeof *fa);
    size_t *nfac = calloc(ncat ? ncat : 1, sizeof *nfac);
    size_t nd = out->want_vertex_dist ? net->n * ncat : 0;
    double *vd = nd ? malloc(nd * sizeof *vd) : NULL;
    uint32_t *pe_off = NULL, *pe_att = NULL;
    bp_shape sh = {0};
    bp_segindex_heap hp = {0};
    out->vertex_dist = NULL;
    net->counts_network = count != NULL;
    net->att_plots_island = net->att_fac_island = net->plots_off = net->fac_off = 0;
    if (!pa || !fa || !nfac || (nd && !vd)) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto done;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    size_t total = nplots, att = 0;
    for (size_t c = 0; c < ncat; c++) total += fac[c].n;
    for (size_t i = 0; i < nplots && st == BP_OK; i++, att++) {
        double nearest;
        int r = attach(net, g->h, plots[i], &sh, &hp, &pa[i * NATT], &nearest);
        if (r < 0) st = bp_error(ctx, BP_ERR_NOMEM, "attaching the plots to the network: out of memory (%s)", g->msg);
        net->att_plots_island += r == 1;
        net->plots_off += nearest > net->tol;
        out->plot_attach[i] = nearest;
        if ((att & 1023) == 0 && !poll_progress(o, 0.3 * (double)att / (double)total))
            st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    }
    for (size_t c = 0; c < ncat && st == BP_OK; c++) {
        fa[c] = malloc((fac[c].n ? fac[c].n : 1) * NATT * sizeof *fa[c]);
        if (!fa[c]) {
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        nfac[c] = fac[c].n;
        out->fac_unattached[c] = 0;
        for (size_t k = 0; k < fac[c].n && st == BP_OK; k++, att++) {
            double nearest;
            int r = attach(net, g->h, fac[c].geom[k], &sh, &hp, &fa[c][k * NATT], &nearest);
            if (r < 0) st = bp_error(ctx, BP_ERR_NOMEM, "attaching the facilities to the network: out of memory (%s)", g->msg);
            net->att_fac_island += r == 1;
            if (fa[c][k * NATT].edge == UINT32_MAX) out->fac_unattached[c]++, net->fac_off++;
            if ((att & 1023) == 0 && !poll_progress(o, 0.3 * (double)att / (double)total))
                st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
        }
    }
    bp_debug_phase("  network attach", &t);
    if (st == BP_OK && count) { /* plot attachments by edge */
        pe_off = calloc(net->m + 1, sizeof *pe_off);
        pe_att = malloc((nplots ? nplots : 1) * NATT * sizeof *pe_att);
        if (!pe_off || !pe_att) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        for (size_t i = 0; st == BP_OK && i < nplots * NATT; i++)
            if (pa[i].edge != UINT32_MAX) pe_off[pa[i].edge + 1]++;
        for (size_t e = 0; st == BP_OK && e < net->m; e++) pe_off[e + 1] += pe_off[e];
        uint32_t *fill = st == BP_OK ? malloc((net->m ? net->m : 1) * sizeof *fill) : NULL;
        if (st == BP_OK && !fill) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (fill) {
            memcpy(fill, pe_off, net->m * sizeof *fill);
            for (size_t i = 0; i < nplots * NATT; i++)
                if (pa[i].edge != UINT32_MAX) pe_att[fill[pa[i].edge]++] = (uint32_t)i;
            free(fill);
        }
    }
    if (st == BP_OK) {
        djob j = {net, pa, nplots, ncat, fa, nfac, dist, count, o->radius_m, pe_off, pe_att, vd, 0,
                  PTHREAD_MUTEX_INITIALIZER, 0, 0, 0, o};
        int threads = bp_nthreads(net->threads);
        if ((size_t)threads > ncat) threads = (int)ncat;
        pthread_t tid[64];
        wctx w[64];
        int started = 0;
        for (int k = 1; k < threads && k < 64; k++) {
            w[k] = (wctx){&j, 0};
            if (pthread_create(&tid[k], NULL, dworker, &w[k]) == 0) started = k;
        }
        /* the calling thread works too, and reports progress (and passes
           Ctrl-C on) while it searches and while the others finish */
        w[0] = (wctx){&j, 1};
        dworker(&w[0]);
        for (int k = 1; k <= started; k++) {
            while (pthread_tryjoin_np(tid[k], NULL) != 0) {
                struct timespec ts = {0, 50 * 1000 * 1000};
                job_poll(&j);
                nanosleep(&ts, NULL);
            }
        }
        pthread_mutex_destroy(&j.lock);
        if (atomic_load(&j.failed)) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory in the network distances");
        else if (atomic_load(&j.stop) || !poll_progress(o, 0.95)) st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
        bp_debug_phase("  network dijkstra", &t);
    }
    free(net->out_edges);
    net->out_edges = NULL;
    net->n_out = 0;
    if (st == BP_OK && o->walk_network == BP_WALK_NETWORK_AROUND && around_edges(net, pa, nplots, o->around_m) < 0)
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
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
    free(pe_off);
    free(pe_att);
    bp_shape_free(&sh);
    free(hp.a);
    return st;
}
