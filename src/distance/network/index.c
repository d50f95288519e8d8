/*
 * index.c — the nearest passable edge to a plot or facility, without a
 * GEOS geometry per edge: a packed R-tree (edges in Hilbert order of their
 * midpoints, 16 to a node) that stores the boxes of its nodes only; an
 * edge's own box and its exact distance come from the vertex coordinates.
 * The query geometry is read once into plain coordinates (bp_shape), and
 * distances from it to a segment are computed here: 0 when they touch or
 * the segment starts inside a polygon, else the smallest distance between
 * the segment and the shape's points and segments.
 */
#include "distance/network/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define NODE_SIZE 16

/* ---- shapes -------------------------------------------------------------------- */

static int shape_add_part(bp_shape *s, GEOSContextHandle_t h, const GEOSGeometry *g, unsigned char kind)
{
    const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(h, g);
    unsigned int nc = 0;
    if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &nc)) return -1;
    if (nc == 0) return 0;
    if (s->n + nc > s->cap) {
        size_t c = s->cap ? s->cap : 64;
        while (c < s->n + nc) c *= 2;
        double *x = realloc(s->x, c * sizeof *x);
        if (!x) return -1;
        s->x = x;
        double *y = realloc(s->y, c * sizeof *y);
        if (!y) return -1;
        s->y = y;
        s->cap = c;
    }
    if (s->nparts == s->capparts) {
        size_t c = s->capparts ? s->capparts * 2 : 8;
        size_t *e = realloc(s->end, c * sizeof *e);
        if (!e) return -1;
        s->end = e;
        unsigned char *k = realloc(s->kind, c);
        if (!k) return -1;
        s->kind = k;
        s->capparts = c;
    }
    for (unsigned i = 0; i < nc; i++) {
        double x, y;
        GEOSCoordSeq_getXY_r(h, cs, i, &x, &y);
        s->x[s->n] = x, s->y[s->n] = y;
        s->n++;
        if (x < s->minx) s->minx = x;
        if (x > s->maxx) s->maxx = x;
        if (y < s->miny) s->miny = y;
        if (y > s->maxy) s->maxy = y;
    }
    s->kind[s->nparts] = kind;
    s->end[s->nparts++] = s->n;
    return 0;
}

static int shape_add(bp_shape *s, GEOSContextHandle_t h, const GEOSGeometry *g)
{
    switch (GEOSGeomTypeId_r(h, g)) {
    case GEOS_POINT: return GEOSisEmpty_r(h, g) ? 0 : shape_add_part(s, h, g, 0);
    case GEOS_LINESTRING:
    case GEOS_LINEARRING: return shape_add_part(s, h, g, 1);
    case GEOS_POLYGON: {
        if (GEOSisEmpty_r(h, g)) return 0;
        if (shape_add_part(s, h, GEOSGetExteriorRing_r(h, g), 2) < 0) return -1;
        for (int i = 0; i < GEOSGetNumInteriorRings_r(h, g); i++)
            if (shape_add_part(s, h, GEOSGetInteriorRingN_r(h, g, i), 2) < 0) return -1;
        return 0;
    }
    default:
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            if (shape_add(s, h, GEOSGetGeometryN_r(h, g, i)) < 0) return -1;
        return 0;
    }
}

int bp_shape_set(bp_shape *s, GEOSContextHandle_t h, const GEOSGeometry *geom)
{
    s->n = s->nparts = 0;
    s->minx = s->miny = INFINITY;
    s->maxx = s->maxy = -INFINITY;
    return shape_add(s, h, geom);
}

void bp_shape_free(bp_shape *s)
{
    free(s->x);
    free(s->y);
    free(s->end);
    free(s->kind);
    memset(s, 0, sizeof *s);
}

static double point_segment(double px, double py, double x0, double y0, double x1, double y1)
{
    double dx = x1 - x0, dy = y1 - y0, l2 = dx * dx + dy * dy;
    double t = l2 > 0 ? ((px - x0) * dx + (py - y0) * dy) / l2 : 0;
    t = t < 0 ? 0 : t > 1 ? 1 : t;
    return hypot(px - (x0 + t * dx), py - (y0 + t * dy));
}

static double orient(double ax, double ay, double bx, double by, double cx, double cy)
{
    return (bx - ax) * (cy - ay) - (by - ay) * (cx - ax);
}

static int on_segment(double ax, double ay, double bx, double by, double px, double py)
{
    return fmin(ax, bx) <= px && px <= fmax(ax, bx) && fmin(ay, by) <= py && py <= fmax(ay, by);
}

static int segments_cross(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy)
{
    double d1 = orient(cx, cy, dx, dy, ax, ay), d2 = orient(cx, cy, dx, dy, bx, by);
    double d3 = orient(ax, ay, bx, by, cx, cy), d4 = orient(ax, ay, bx, by, dx, dy);
    if (((d1 > 0 && d2 < 0) || (d1 < 0 && d2 > 0)) && ((d3 > 0 && d4 < 0) || (d3 < 0 && d4 > 0))) return 1;
    if (d1 == 0 && on_segment(cx, cy, dx, dy, ax, ay)) return 1;
    if (d2 == 0 && on_segment(cx, cy, dx, dy, bx, by)) return 1;
    if (d3 == 0 && on_segment(ax, ay, bx, by, cx, cy)) return 1;
    if (d4 == 0 && on_segment(ax, ay, bx, by, dx, dy)) return 1;
    return 0;
}

static double segment_segment(double ax, double ay, double bx, double by, double cx, double cy, double dx, double dy)
{
    if (segments_cross(ax, ay, bx, by, cx, cy, dx, dy)) return 0;
    double d = point_segment(ax, ay, cx, cy, dx, dy);
    d = fmin(d, point_segment(bx, by, cx, cy, dx, dy));
    d = fmin(d, point_segment(cx, cy, ax, ay, bx, by));
    return fmin(d, point_segment(dx, dy, ax, ay, bx, by));
}

/* Is (px, py) inside the shape's polygons (even-odd over all rings)? */
static int inside(const bp_shape *s, double px, double py)
{
    int in = 0;
    size_t start = 0;
    for (size_t p = 0; p < s->nparts; start = s->end[p++]) {
        if (s->kind[p] != 2) continue;
        for (size_t i = start, j = s->end[p] - 1; i < s->end[p]; j = i++)
            if ((s->y[i] > py) != (s->y[j] > py) &&
                px < (s->x[j] - s->x[i]) * (py - s->y[i]) / (s->y[j] - s->y[i]) + s->x[i])
                in = !in;
    }
    return in;
}

double bp_shape_segment_distance(const bp_shape *s, double x0, double y0, double x1, double y1)
{
    double best = INFINITY;
    int polygons = 0;
    size_t start = 0;
    for (size_t p = 0; p < s->nparts && best > 0; start = s->end[p++]) {
        size_t end = s->end[p];
        polygons |= s->kind[p] == 2;
        if (s->kind[p] == 0 || end - start == 1) {
            for (size_t i = start; i < end; i++) best = fmin(best, point_segment(s->x[i], s->y[i], x0, y0, x1, y1));
            continue;
        }
        for (size_t i = start; i + 1 < end && best > 0; i++)
            best = fmin(best, segment_segment(x0, y0, x1, y1, s->x[i], s->y[i], s->x[i + 1], s->y[i + 1]));
    }
    if (best > 0 && polygons && inside(s, x0, y0)) best = 0;
    return best;
}

/* ---- the packed R-tree ---------------------------------------------------------------- */

struct bp_segindex {
    uint32_t *items;       /* edges, Hilbert order */
    size_t nitems;
    double *box;           /* 4 per node, levels one after another */
    size_t lstart[16], lcount[16];
    int nlevels;
};

/* Position of (x, y) in [0, 65535]^2 on the Hilbert curve. */
static uint64_t hilbert(uint32_t x, uint32_t y)
{
    uint64_t d = 0;
    for (uint32_t s = 1u << 15; s > 0; s >>= 1) {
        uint32_t rx = (x & s) > 0, ry = (y & s) > 0;
        d += (uint64_t)s * s * ((3 * rx) ^ ry);
        if (ry == 0) {
            if (rx == 1) x = 65535 - x, y = 65535 - y;
            uint32_t t = x;
            x = y, y = t;
        }
    }
    return d;
}

static void edge_box(const bp_network *net, uint32_t e, double *b)
{
    double x0 = net->x[net->eu[e]], y0 = net->y[net->eu[e]], x1 = net->x[net->ev[e]], y1 = net->y[net->ev[e]];
    b[0] = fmin(x0, x1), b[1] = fmin(y0, y1), b[2] = fmax(x0, x1), b[3] = fmax(y0, y1);
}

bp_segindex *bp_segindex_new(const bp_network *net, const unsigned char *pass)
{
    bp_segindex *ix = calloc(1, sizeof *ix);
    if (!ix) return NULL;
    size_t n = 0;
    for (size_t e = 0; e < net->m; e++) n += pass[e] != 0;
    uint64_t *key = malloc((n ? n : 1) * sizeof *key);
    uint32_t *ord = malloc((n ? n : 1) * sizeof *ord);
    ix->items = malloc((n ? n : 1) * sizeof *ix->items);
    if (!ix->items || !key || !ord) goto fail;
    double minx = INFINITY, miny = INFINITY, maxx = -INFINITY, maxy = -INFINITY;
    for (size_t e = 0; e < net->m; e++)
        if (pass[e]) {
            ix->items[ix->nitems++] = (uint32_t)e;
            double b[4];
            edge_box(net, (uint32_t)e, b);
            minx = fmin(minx, b[0]), miny = fmin(miny, b[1]), maxx = fmax(maxx, b[2]), maxy = fmax(maxy, b[3]);
        }
    double sx = maxx > minx ? 65535 / (maxx - minx) : 0, sy = maxy > miny ? 65535 / (maxy - miny) : 0;
    for (size_t i = 0; i < n; i++) {
        uint32_t e = ix->items[i];
        double cx = (net->x[net->eu[e]] + net->x[net->ev[e]]) / 2, cy = (net->y[net->eu[e]] + net->y[net->ev[e]]) / 2;
        double hx = (cx - minx) * sx, hy = (cy - miny) * sy; /* NaN or out of range: 0 (order only) */
        key[i] = hilbert(hx >= 0 && hx <= 65535 ? (uint32_t)hx : 0, hy >= 0 && hy <= 65535 ? (uint32_t)hy : 0);
        ord[i] = (uint32_t)i;
    }
    if (bp_build_sort(key, ord, n) < 0) goto fail;
    for (size_t i = 0; i < n; i++) key[i] = ix->items[ord[i]]; /* reuse key as scratch */
    for (size_t i = 0; i < n; i++) ix->items[i] = (uint32_t)key[i];
    free(key);
    free(ord);
    key = NULL, ord = NULL;
    /* levels: 0 groups the edges, each next level groups the one below */
    size_t total = 0, cnt = n;
    do {
        cnt = (cnt + NODE_SIZE - 1) / NODE_SIZE;
        if (cnt == 0) cnt = 1;
        ix->lstart[ix->nlevels] = total;
        ix->lcount[ix->nlevels++] = cnt;
        total += cnt;
    } while (cnt > 1 && ix->nlevels < 16);
    ix->box = malloc(total * 4 * sizeof *ix->box);
    if (!ix->box) goto fail;
    for (int l = 0; l < ix->nlevels; l++)
        for (size_t i = 0; i < ix->lcount[l]; i++) {
            double *b = &ix->box[(ix->lstart[l] + i) * 4];
            b[0] = b[1] = INFINITY, b[2] = b[3] = -INFINITY;
            size_t below = l == 0 ? n : ix->lcount[l - 1];
            for (size_t c = i * NODE_SIZE; c < below && c < (i + 1) * NODE_SIZE; c++) {
                double cb[4];
                if (l == 0) edge_box(net, ix->items[c], cb);
                else memcpy(cb, &ix->box[(ix->lstart[l - 1] + c) * 4], sizeof cb);
                b[0] = fmin(b[0], cb[0]), b[1] = fmin(b[1], cb[1]), b[2] = fmax(b[2], cb[2]), b[3] = fmax(b[3], cb[3]);
            }
        }
    return ix;
fail:
    free(key);
    free(ord);
    bp_segindex_free(ix);
    return NULL;
}

void bp_segindex_free(bp_segindex *ix)
{
    if (!ix) return;
    free(ix->items);
    free(ix->box);
    free(ix);
}

typedef struct {
    double d;
    uint32_t node;
    int level;
} hitem;

static int hpush(bp_segindex_heap *hp, double d, uint32_t node, int level)
{
    hitem *a = hp->a;
    if (hp->n == hp->cap) {
        size_t nc = hp->cap ? hp->cap * 2 : 256;
        a = realloc(hp->a, nc * sizeof *a);
        if (!a) return -1;
        hp->a = a;
        hp->cap = nc;
    }
    size_t i = hp->n++;
    while (i > 0 && a[(i - 1) / 2].d > d) {
        a[i] = a[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    a[i] = (hitem){d, node, level};
    return 0;
}

static hitem hpop(bp_segindex_heap *hp)
{
    hitem *a = hp->a;
    hitem top = a[0], last = a[--hp->n];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= hp->n) break;
        if (c + 1 < hp->n && a[c + 1].d < a[c].d) c++;
        if (a[c].d >= last.d) break;
        a[i] = a[c];
        i = c;
    }
    if (hp->n) a[i] = last;
    return top;
}

static double box_dist(const bp_shape *s, const double *b)
{
    double dx = fmax(0, fmax(b[0] - s->maxx, s->minx - b[2]));
    double dy = fmax(0, fmax(b[1] - s->maxy, s->miny - b[3]));
    return hypot(dx, dy);
}

int bp_segindex_nearest(const bp_segindex *ix, const bp_network *net, const bp_shape *s, double maxdist,
                        int (*keep)(uint32_t edge, const void *ud), const void *ud, bp_segindex_heap *hp,
                        uint32_t *edge, double *dist)
{
    *edge = UINT32_MAX;
    *dist = INFINITY;
    if (ix->nitems == 0 || s->n == 0) return 0;
    double best = maxdist;
    uint32_t best_e = UINT32_MAX;
    hp->n = 0;
    int top = ix->nlevels - 1;
    if (hpush(hp, box_dist(s, &ix->box[ix->lstart[top] * 4]), 0, top) < 0) return -1;
    while (hp->n) {
        hitem it = hpop(hp);
        if (it.d > best) break;
        size_t below = it.level == 0 ? ix->nitems : ix->lcount[it.level - 1];
        for (size_t c = (size_t)it.node * NODE_SIZE; c < below && c < ((size_t)it.node + 1) * NODE_SIZE; c++) {
            if (it.level > 0) {
                double d = box_dist(s, &ix->box[(ix->lstart[it.level - 1] + c) * 4]);
                if (d <= best && hpush(hp, d, (uint32_t)c, it.level - 1) < 0) return -1;
                continue;
            }
            uint32_t e = ix->items[c];
            double b[4];
            edge_box(net, e, b);
            if (box_dist(s, b) > best) continue;
            if (keep && !keep(e, ud)) continue;
            double d = bp_shape_segment_distance(s, net->x[net->eu[e]], net->y[net->eu[e]], net->x[net->ev[e]],
                                                 net->y[net->ev[e]]);
            if (d < best || (d == best && e < best_e)) best = d, best_e = e;
        }
    }
    if (best_e != UINT32_MAX) *edge = best_e, *dist = best;
    return 0;
}
