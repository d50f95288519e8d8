/*
 * sindex.c — spatial index over a geometry array (GEOS STRtree) with exact
 * nearest-distance and within-radius queries.
 *
 * Proximity is answered in one pass where possible: the tree is queried
 * with the plot's envelope grown by the radius, exact distances are taken
 * to every hit (GEOSPreparedDistance: 0 when the facility lies on or in the
 * plot), which both counts the facilities within the radius and, when one
 * is within it, gives the exact nearest (any nearer facility must be a hit).
 * Only plots with nothing within the radius fall back to the tree's
 * branch-and-bound nearest search with exact distances.
 */
#include "bp_internal.h"

#include <math.h>
#include <stdlib.h>

struct bp_sindex {
    GEOSContextHandle_t h;
    GEOSSTRtree *tree;
    GEOSGeometry *const *geoms;
    size_t n;
    /* the query of the nearest-neighbour callback */
    const GEOSPreparedGeometry *pq;
    int failed;
};

bp_sindex *bp_sindex_new(GEOSContextHandle_t h, GEOSGeometry *const *geoms, size_t n)
{
    bp_sindex *ix = calloc(1, sizeof *ix);
    if (!ix) return NULL;
    ix->h = h;
    ix->geoms = geoms;
    ix->n = n;
    ix->tree = GEOSSTRtree_create_r(h, 10);
    if (!ix->tree) {
        free(ix);
        return NULL;
    }
    for (size_t i = 0; i < n; i++)
        GEOSSTRtree_insert_r(h, ix->tree, geoms[i], (void *)&geoms[i]);
    /* an empty query builds the tree now, not lazily in the first real one */
    if (n > 0) {
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, 0, 0);
        if (pt) {
            GEOSSTRtree_query_r(h, ix->tree, pt, NULL, NULL);
            GEOSGeom_destroy_r(h, pt);
        }
    }
    return ix;
}

void bp_sindex_free(bp_sindex *ix)
{
    if (!ix) return;
    GEOSSTRtree_destroy_r(ix->h, ix->tree);
    free(ix);
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

typedef struct {
    bp_sindex *ix;
    const GEOSPreparedGeometry *pq;
    double radius, best;
    size_t best_idx;
    int count, failed;
} prox_state;

static void prox_cb(size_t idx, void *ud)
{
    prox_state *s = ud;
    double d;
    if (!GEOSPreparedDistance_r(s->ix->h, s->pq, s->ix->geoms[idx], &d)) {
        s->failed = 1;
        return;
    }
    if (d <= s->radius) s->count++;
    if (d < s->best || (d == s->best && idx < s->best_idx)) {
        s->best = d;
        s->best_idx = idx;
    }
}

/* Distance callback of GEOSSTRtree_nearest_generic_r: one of the two items
 * is the query (the index itself is passed as its item). */
static int nearest_cb(const void *a, const void *b, double *dist, void *ud)
{
    bp_sindex *ix = ud;
    const void *item = (a == (const void *)ix) ? b : a;
    GEOSGeometry *const *slot = item;
    if (!GEOSPreparedDistance_r(ix->h, ix->pq, *slot, dist)) {
        ix->failed = 1;
        return 0;
    }
    return 1;
}

int bp_sindex_proximity(bp_sindex *ix, const GEOSGeometry *q, const GEOSPreparedGeometry *pq,
                        double radius, double *dist, size_t *nearest, int *count)
{
    *dist = NAN;
    *nearest = (size_t)-1;
    *count = 0;
    if (ix->n == 0) return 0;
    prox_state s = {ix, pq, radius, INFINITY, (size_t)-1, 0, 0};
    bp_sindex_query(ix, q, radius, prox_cb, &s);
    if (s.failed) return -1;
    *count = s.count;
    if (s.best <= radius) {
        *dist = s.best;
        *nearest = s.best_idx;
        return 0;
    }
    ix->pq = pq;
    ix->failed = 0;
    const void *hit = GEOSSTRtree_nearest_generic_r(ix->h, ix->tree, ix, q, nearest_cb, ix);
    if (!hit || ix->failed) return -1;
    GEOSGeometry *const *slot = hit;
    if (!GEOSPreparedDistance_r(ix->h, pq, *slot, dist)) return -1;
    *nearest = (size_t)(slot - ix->geoms);
    return 0;
}
