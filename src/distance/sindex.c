/*
 * sindex.c — spatial index over a geometry array (GEOS STRtree) with exact
 * nearest-distance and within-radius queries.
 *
 * Proximity is answered from window queries: the tree is queried with the
 * plot's envelope grown by the radius; each hit gets a lower bound (the
 * distance between envelopes) and an upper bound (from a plot vertex to the
 * far corner of the hit's envelope).  Exact GEOS distances (0 when the
 * facility lies on or in the plot) are taken only where the bounds cannot
 * decide the count within the radius or the nearest.  When the nearest is
 * not within the window, the window grows fourfold until it is: any nearer
 * geometry has a lower bound below the best distance, so it is a hit.
 */
#include "distance/distance.h"

#include <math.h>
#include <stdlib.h>

#define MAXV 32 /* query vertices used for the upper bounds */

typedef struct {
    double x0, y0, x1, y1;
} envelope;

struct bp_sindex {
    GEOSContextHandle_t h;
    GEOSSTRtree *tree;
    GEOSGeometry *const *geoms;
    envelope *env; /* of each geometry */
    size_t n;
    envelope qenv; /* of the current query */
    envelope all;  /* of all geometries */
    struct hit_s *hits; /* scratch: hits of a window query */
    size_t nhits, caphits;

};

/* Exact distance between the query and a geometry: prepared when the query
 * is large, plain GEOS (DistanceOp, 0 when one contains the other) when it
 * is small, as most plots are, where preparing costs more than it saves. */
static int exact_distance(GEOSContextHandle_t h, const GEOSPreparedGeometry *pq, const GEOSGeometry *q,
                          const GEOSGeometry *g, double *d)
{
    return pq ? GEOSPreparedDistance_r(h, pq, g, d) : GEOSDistance_r(h, q, g, d);
}

static void ignore_item(void *item, void *ud)
{
    (void)item;
    (void)ud;
}

bp_sindex *bp_sindex_new(GEOSContextHandle_t h, GEOSGeometry *const *geoms, size_t n)
{
    bp_sindex *ix = calloc(1, sizeof *ix);
    if (!ix) return NULL;
    ix->h = h;
    ix->geoms = geoms;
    ix->n = n;
    ix->tree = GEOSSTRtree_create_r(h, 10);
    ix->env = malloc((n ? n : 1) * sizeof *ix->env);
    if (!ix->tree || !ix->env) {
        if (ix->tree) GEOSSTRtree_destroy_r(h, ix->tree);
        free(ix->env);
        free(ix);
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        envelope *e = &ix->env[i];
        GEOSGeom_getXMin_r(h, geoms[i], &e->x0);
        GEOSGeom_getYMin_r(h, geoms[i], &e->y0);
        GEOSGeom_getXMax_r(h, geoms[i], &e->x1);
        GEOSGeom_getYMax_r(h, geoms[i], &e->y1);
        GEOSSTRtree_insert_r(h, ix->tree, geoms[i], (void *)&geoms[i]);
        if (i == 0) ix->all = *e;
        ix->all.x0 = fmin(ix->all.x0, e->x0);
        ix->all.y0 = fmin(ix->all.y0, e->y0);
        ix->all.x1 = fmax(ix->all.x1, e->x1);
        ix->all.y1 = fmax(ix->all.y1, e->y1);
    }
    /* an empty query builds the tree now, not lazily in the first real one */
    if (n > 0) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, 0, 0);
        if (pt) {
            GEOSSTRtree_query_r(h, ix->tree, pt, ignore_item, NULL);
            GEOSGeom_destroy_r(h, pt);
        }
    }
    return ix;
}

void bp_sindex_free(bp_sindex *ix)
{
    if (!ix) return;
    GEOSSTRtree_destroy_r(ix->h, ix->tree);
    free(ix->env);
    free(ix->hits);
    free(ix);
}

/* Distance between two envelopes: a lower bound of the exact distance
 * between their geometries. */
static double envelope_distance(const envelope *a, const envelope *b)
{
    double dx = a->x0 > b->x1 ? a->x0 - b->x1 : b->x0 > a->x1 ? b->x0 - a->x1 : 0;
    double dy = a->y0 > b->y1 ? a->y0 - b->y1 : b->y0 > a->y1 ? b->y0 - a->y1 : 0;
    return sqrt(dx * dx + dy * dy);
}

typedef struct {
    bp_sindex *ix;
    void (*fn)(size_t, void *);
    void *ud;
} query_state;

static void query_cb(void *item, void *ud)
{
    query_state *q = ud;
    GEOSGeometry *const *slot = item;
    q->fn((size_t)(slot - q->ix->geoms), q->ud);
}

/* A rectangle covering q's envelope grown by 'expand'; NULL on failure. */
static GEOSGeometry *window(GEOSContextHandle_t h, const GEOSGeometry *q, double expand)
{
    double x0, y0, x1, y1;
    if (!GEOSGeom_getXMin_r(h, q, &x0) || !GEOSGeom_getYMin_r(h, q, &y0) ||
        !GEOSGeom_getXMax_r(h, q, &x1) || !GEOSGeom_getYMax_r(h, q, &y1))
        return NULL;
    return GEOSGeom_createRectangle_r(h, x0 - expand, y0 - expand, x1 + expand, y1 + expand);
}

void bp_sindex_query(bp_sindex *ix, const GEOSGeometry *q, double expand,
                     void (*fn)(size_t idx, void *ud), void *ud)
{
    if (ix->n == 0) return;
    GEOSGeometry *w = window(ix->h, q, expand);
    if (!w) return;
    query_state s = {ix, fn, ud};
    GEOSSTRtree_query_r(ix->h, ix->tree, w, query_cb, &s);
    GEOSGeom_destroy_r(ix->h, w);
}

GEOSGeometry *bp_sindex_window(GEOSContextHandle_t h, const GEOSGeometry *q, double expand)
{
    return window(h, q, expand);
}

/* A window hit with bounds of its exact distance to the query. */
typedef struct hit_s {
    double lb, ub;
    size_t idx;
} hit;

typedef struct {
    bp_sindex *ix;
    double xy[2 * MAXV]; /* vertices of the query: d(query, g) <= d(vertex, g) */
    int nv, failed;
} prox_state;

/* Largest distance from (x, y) to a corner of e: an upper bound of the
 * distance from the point to anything inside e. */
static double far_corner(double x, double y, const envelope *e)
{
    double dx = fmax(fabs(x - e->x0), fabs(x - e->x1));
    double dy = fmax(fabs(y - e->y0), fabs(y - e->y1));
    return sqrt(dx * dx + dy * dy);
}

static void prox_cb(size_t idx, void *ud)
{
    prox_state *s = ud;
    bp_sindex *ix = s->ix;
    if (ix->nhits == ix->caphits) {
        size_t cap = ix->caphits ? ix->caphits * 2 : 64;
        hit *h = realloc(ix->hits, cap * sizeof *h);
        if (!h) {
            s->failed = 1;
            return;
        }
        ix->hits = h;
        ix->caphits = cap;
    }
    hit *h = &ix->hits[ix->nhits++];
    h->lb = envelope_distance(&ix->env[idx], &ix->qenv);
    h->ub = INFINITY;
    for (int v = 0; v < s->nv; v++) {
        double u = far_corner(s->xy[2 * v], s->xy[2 * v + 1], &ix->env[idx]);
        if (u < h->ub) h->ub = u;
    }
    h->idx = idx;
}

static int cmp_hit(const void *a, const void *b)
{
    const hit *x = a, *y = b;
    if (x->lb != y->lb) return x->lb < y->lb ? -1 : 1;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Collects up to MAXV vertices of g (of its first polygon's shell, line or
 * points) for the upper bounds; returns how many. */
static int vertices(GEOSContextHandle_t h, const GEOSGeometry *g, double *xy)
{
    while (g && (GEOSGetNumGeometries_r(h, g) > 1 || GEOSGeomTypeId_r(h, g) >= GEOS_MULTIPOINT))
        g = GEOSGetGeometryN_r(h, g, 0);
    if (g && GEOSGeomTypeId_r(h, g) == GEOS_POLYGON) g = GEOSGetExteriorRing_r(h, g);
    const GEOSCoordSequence *cs = g ? GEOSGeom_getCoordSeq_r(h, g) : NULL;
    unsigned int n = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &n)) return 0;
    if (n > MAXV) n = MAXV;
    for (unsigned int i = 0; i < n; i++)
        if (!GEOSCoordSeq_getXY_r(h, cs, i, &xy[2 * i], &xy[2 * i + 1])) return (int)i;
    return (int)n;
}

/* Processes the hits of one window query (ix->hits): the nearest exact
 * distance among them and, when count is not NULL, the number within
 * radius.  Exact distances are taken only where the bounds cannot decide:
 * for the count when lb <= radius < ub, for the nearest while lb < best. */
static int process_hits(bp_sindex *ix, const GEOSGeometry *q, const GEOSPreparedGeometry *pq,
                        double radius, int *count, double *best, size_t *best_idx)
{
    if (ix->nhits > 24) {
        qsort(ix->hits, ix->nhits, sizeof *ix->hits, cmp_hit);
    } else { /* the usual handful: insertion sort beats qsort's calls */
        for (size_t i = 1; i < ix->nhits; i++) {
            hit x = ix->hits[i];
            size_t j = i;
            for (; j > 0 && cmp_hit(&x, &ix->hits[j - 1]) < 0; j--) ix->hits[j] = ix->hits[j - 1];
            ix->hits[j] = x;
        }
    }
    int n = 0;
    for (size_t k = 0; k < ix->nhits; k++) {
        const hit *h = &ix->hits[k];
        int inside = count && h->ub <= radius;
        int for_count = count && h->lb <= radius && !inside;
        int for_nearest = h->lb <= *best;
        if (!for_nearest && (!count || h->lb > radius)) break; /* sorted by lb */
        n += inside;
        if (!for_count && !for_nearest) continue;
        double d;
        if (!exact_distance(ix->h, pq, q, ix->geoms[h->idx], &d)) return -1;
        if (for_count && d <= radius) n++;
        if (d < *best || (d == *best && h->idx < *best_idx)) { /* ties: the lowest index */
            *best = d;
            *best_idx = h->idx;
        }
    }
    if (count) *count = n;
    return 0;
}

int bp_sindex_proximity(bp_sindex *ix, const GEOSGeometry *q, const GEOSPreparedGeometry *pq,
                        const GEOSGeometry *win, double radius, double *dist, size_t *nearest,
                        int *count)
{
    *dist = NAN;
    *nearest = (size_t)-1;
    if (count) *count = 0;
    if (ix->n == 0) return 0;
    GEOSGeom_getXMin_r(ix->h, q, &ix->qenv.x0);
    GEOSGeom_getYMin_r(ix->h, q, &ix->qenv.y0);
    GEOSGeom_getXMax_r(ix->h, q, &ix->qenv.x1);
    GEOSGeom_getYMax_r(ix->h, q, &ix->qenv.y1);
    prox_state s;
    s.ix = ix;
    s.failed = 0;
    s.nv = vertices(ix->h, q, s.xy);
    /* Beyond this window size every geometry is a hit. */
    double reach = envelope_distance(&ix->qenv, &ix->all) + far_corner(ix->qenv.x0, ix->qenv.y0, &ix->all) +
                   (ix->qenv.x1 - ix->qenv.x0) + (ix->qenv.y1 - ix->qenv.y0);
    double best = INFINITY, w = radius;
    size_t best_idx = (size_t)-1;
    for (int first = 1;; first = 0) {
        ix->nhits = 0;
        if (first && win) {
            query_state qs = {ix, prox_cb, &s};
            GEOSSTRtree_query_r(ix->h, ix->tree, win, query_cb, &qs);
        } else {
            bp_sindex_query(ix, q, w, prox_cb, &s);
        }
        if (s.failed) return -1;
        if (process_hits(ix, q, pq, radius, first ? count : NULL, &best, &best_idx) < 0)
            return -1;
        /* any geometry nearer than best has lb < best, so it was a hit */
        if (best <= w || w >= reach) break;
        /* a first window of nothing (radius 0) grows from the distance to
           the nearest envelope there can be */
        w = w > 0 ? 4 * w : fmax(envelope_distance(&ix->qenv, &ix->all), 1.0);
    }
    if (best_idx != (size_t)-1) {
        *dist = best;
        *nearest = best_idx;
    }
    return 0;
}
