/*
 * build.c — the graph builder both readers (osm.c, lines.c) feed.
 * Vertices are joined where they coincide to the millimetre, whatever the
 * source: an OpenStreetMap file and its ogr2ogr copy give the same graph.
 * bp_build_finish() makes the graph canonical (vertices in coordinate
 * order, edges u < v sorted, duplicates dropped), so the numbering does not
 * depend on the order the source was read in, and meshes the pedestrian
 * areas: straight edges across an area between the points where ways join
 * its outline and the corners a shortest path bends round (reflex corners
 * of the outer ring, convex corners of holes), where the segment lies
 * inside the area (GEOS prepared covers).  As OSRM's area mesher, but
 * without pruning the mesh to the entries' shortest paths.
 */
#include "distance/network/network.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MESH_MAX_POINTS 200 /* an area with more entries and corners: entries only */

typedef struct {
    GEOSGeometry *poly;
    unsigned attr;
} area;

typedef struct {
    int64_t kx, ky;
    unsigned flags;
} tnode;

struct bp_build {
    /* vertex hash on millimetre keys */
    int64_t *hkx, *hky;
    uint32_t *hval;
    size_t hcap;
    /* vertices */
    double *x, *y;
    size_t n, capv;
    /* edges */
    uint32_t *eu, *ev;
    uint16_t *attr;
    size_t m, cape;
    area *areas;
    size_t na, capa;
    tnode *nodes;
    size_t nn, capn;
};

bp_build *bp_build_new(void) { return calloc(1, sizeof(bp_build)); }

static void free_hash(bp_build *b)
{
    free(b->hkx);
    free(b->hky);
    free(b->hval);
    b->hkx = b->hky = NULL;
    b->hval = NULL;
    b->hcap = 0;
}

void bp_build_free(bp_build *b, GEOSContextHandle_t h)
{
    if (!b) return;
    free_hash(b);
    free(b->x);
    free(b->y);
    free(b->eu);
    free(b->ev);
    free(b->attr);
    for (size_t i = 0; i < b->na; i++) GEOSGeom_destroy_r(h, b->areas[i].poly);
    free(b->areas);
    free(b->nodes);
    free(b);
}

/* ---- vertices ---------------------------------------------------------------- */

static size_t hash_slot(int64_t kx, int64_t ky, size_t cap)
{
    uint64_t h = (uint64_t)kx * 0x9E3779B97F4A7C15ull ^ (uint64_t)ky * 0xC2B2AE3D27D4EB4Full;
    return (size_t)(h ^ (h >> 29)) & (cap - 1);
}

static int rehash(bp_build *b, size_t cap)
{
    int64_t *kx = malloc(cap * sizeof *kx), *ky = malloc(cap * sizeof *ky);
    uint32_t *val = malloc(cap * sizeof *val);
    if (!kx || !ky || !val) {
        free(kx), free(ky), free(val);
        return -1;
    }
    for (size_t i = 0; i < cap; i++) val[i] = UINT32_MAX;
    for (size_t i = 0; i < b->hcap; i++) {
        if (b->hval[i] == UINT32_MAX) continue;
        size_t s = hash_slot(b->hkx[i], b->hky[i], cap);
        while (val[s] != UINT32_MAX) s = (s + 1) & (cap - 1);
        kx[s] = b->hkx[i], ky[s] = b->hky[i], val[s] = b->hval[i];
    }
    free_hash(b);
    b->hkx = kx, b->hky = ky, b->hval = val, b->hcap = cap;
    return 0;
}

static void mm_key(double x, double y, int64_t *kx, int64_t *ky)
{
    *kx = llround(x * 1000);
    *ky = llround(y * 1000);
}

/* The vertex at (x, y), or UINT32_MAX. */
static uint32_t find_vertex(const bp_build *b, int64_t kx, int64_t ky)
{
    if (!b->hcap) return UINT32_MAX;
    for (size_t s = hash_slot(kx, ky, b->hcap);; s = (s + 1) & (b->hcap - 1)) {
        if (b->hval[s] == UINT32_MAX) return UINT32_MAX;
        if (b->hkx[s] == kx && b->hky[s] == ky) return b->hval[s];
    }
}

/* The vertex at (x, y), made when new; UINT32_MAX when out of memory. */
static uint32_t vertex(bp_build *b, double x, double y)
{
    int64_t kx, ky;
    mm_key(x, y, &kx, &ky);
    if ((b->n + 1) * 2 > b->hcap && rehash(b, b->hcap ? b->hcap * 2 : 4096) < 0) return UINT32_MAX;
    size_t s = hash_slot(kx, ky, b->hcap);
    for (; b->hval[s] != UINT32_MAX; s = (s + 1) & (b->hcap - 1))
        if (b->hkx[s] == kx && b->hky[s] == ky) return b->hval[s];
    if (b->n >= UINT32_MAX - 1) return UINT32_MAX;
    if (b->n == b->capv) {
        size_t nc = b->capv ? b->capv * 2 : 4096;
        double *nx = realloc(b->x, nc * sizeof *nx);
        if (!nx) return UINT32_MAX;
        b->x = nx;
        double *ny = realloc(b->y, nc * sizeof *ny);
        if (!ny) return UINT32_MAX;
        b->y = ny;
        b->capv = nc;
    }
    b->hkx[s] = kx, b->hky[s] = ky, b->hval[s] = (uint32_t)b->n;
    b->x[b->n] = x, b->y[b->n] = y;
    return (uint32_t)b->n++;
}

/* ---- edges -------------------------------------------------------------------------- */

static int add_edge(bp_build *b, uint32_t u, uint32_t v, unsigned attr)
{
    if (u == v) return 0;
    if (b->m == b->cape) {
        size_t nc = b->cape ? b->cape * 2 : 4096;
        uint32_t *a = realloc(b->eu, nc * sizeof *a);
        if (!a) return -1;
        b->eu = a;
        uint32_t *c = realloc(b->ev, nc * sizeof *c);
        if (!c) return -1;
        b->ev = c;
        uint16_t *t = realloc(b->attr, nc * sizeof *t);
        if (!t) return -1;
        b->attr = t;
        b->cape = nc;
    }
    b->eu[b->m] = u < v ? u : v;
    b->ev[b->m] = u < v ? v : u;
    b->attr[b->m] = (uint16_t)attr;
    b->m++;
    return 1;
}

long bp_build_polyline(bp_build *b, const double *x, const double *y, size_t n, unsigned attr)
{
    long added = 0;
    uint32_t prev = UINT32_MAX;
    for (size_t i = 0; i < n; i++) {
        if (isnan(x[i]) || isnan(y[i])) {
            prev = UINT32_MAX;
            continue;
        }
        uint32_t v = vertex(b, x[i], y[i]);
        if (v == UINT32_MAX) return -1;
        if (prev != UINT32_MAX) {
            int r = add_edge(b, prev, v, attr);
            if (r < 0) return -1;
            added += r;
        }
        prev = v;
    }
    return added;
}

/* Adds the rings of a polygon (or of every polygon of a collection). */
static int add_rings(bp_build *b, GEOSContextHandle_t h, const GEOSGeometry *g, unsigned attr)
{
    int type = GEOSGeomTypeId_r(h, g);
    if (type == GEOS_MULTIPOLYGON || type == GEOS_GEOMETRYCOLLECTION) {
        for (int i = 0; i < GEOSGetNumGeometries_r(h, g); i++)
            if (add_rings(b, h, GEOSGetGeometryN_r(h, g, i), attr) < 0) return -1;
        return 0;
    }
    if (type != GEOS_POLYGON) return 0;
    int nr = GEOSGetNumInteriorRings_r(h, g);
    for (int r = -1; r < nr; r++) {
        const GEOSGeometry *ring = r < 0 ? GEOSGetExteriorRing_r(h, g) : GEOSGetInteriorRingN_r(h, g, r);
        const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
        unsigned int nc = 0;
        if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &nc) || nc < 2) continue;
        double *x = malloc(nc * sizeof *x), *y = malloc(nc * sizeof *y);
        int ok = x && y;
        for (unsigned k = 0; ok && k < nc; k++) GEOSCoordSeq_getXY_r(h, cs, k, &x[k], &y[k]);
        long added = ok ? bp_build_polyline(b, x, y, nc, attr) : -1;
        free(x);
        free(y);
        if (added < 0) return -1;
    }
    return 0;
}

int bp_build_area(bp_build *b, GEOSContextHandle_t h, GEOSGeometry *poly, unsigned attr, int rings)
{
    if (rings && add_rings(b, h, poly, attr) < 0) {
        GEOSGeom_destroy_r(h, poly);
        return -1;
    }
    if (GROW(b->areas, b->na, b->capa) < 0) {
        b->na = b->capa = 0;
        GEOSGeom_destroy_r(h, poly);
        return -1;
    }
    b->areas[b->na++] = (area){poly, attr};
    return 0;
}

int bp_build_node(bp_build *b, double x, double y, unsigned flags)
{
    if (!flags) return 0;
    if (GROW(b->nodes, b->nn, b->capn) < 0) {
        b->nn = b->capn = 0;
        return -1;
    }
    tnode *t = &b->nodes[b->nn++];
    mm_key(x, y, &t->kx, &t->ky);
    t->flags = flags;
    return 0;
}

/* ---- sorting ------------------------------------------------------------------------ */

/* A stable LSD radix sort, 16 bits a pass, only as many passes as the
 * largest key needs. */
int bp_build_sort(const uint64_t *key, uint32_t *idx, size_t n)
{
    uint64_t max = 0;
    for (size_t i = 0; i < n; i++)
        if (key[i] > max) max = key[i];
    uint32_t *tmp = malloc((n ? n : 1) * sizeof *tmp);
    size_t *count = malloc(65537 * sizeof *count);
    if (!tmp || !count) {
        free(tmp);
        free(count);
        return -1;
    }
    for (int shift = 0; shift < 64 && (shift == 0 || (max >> shift)); shift += 16) {
        memset(count, 0, 65537 * sizeof *count);
        for (size_t i = 0; i < n; i++) count[((key[idx[i]] >> shift) & 0xffff) + 1]++;
        for (size_t d = 0; d < 65536; d++) count[d + 1] += count[d];
        for (size_t i = 0; i < n; i++) tmp[count[(key[idx[i]] >> shift) & 0xffff]++] = idx[i];
        memcpy(idx, tmp, n * sizeof *idx);
    }
    free(tmp);
    free(count);
    return 0;
}

/* Sorts the edges by (u, v) and drops duplicates, keeping the smallest
 * attr of each.  0 or -1. */
static int sort_edges(bp_build *b)
{
    size_t m = b->m;
    if (m == 0) return 0;
    uint64_t *key = malloc((m ? m : 1) * sizeof *key);
    uint32_t *idx = malloc((m ? m : 1) * sizeof *idx);
    if (!key || !idx) {
        free(key);
        free(idx);
        return -1;
    }
    for (size_t e = 0; e < m; e++) key[e] = (uint64_t)b->eu[e] << 32 | b->ev[e], idx[e] = (uint32_t)e;
    if (bp_build_sort(key, idx, m) < 0) {
        free(key);
        free(idx);
        return -1;
    }
    free(key);
    /* permute in place through one scratch array per field */
    uint32_t *nu = malloc((m ? m : 1) * sizeof *nu);
    if (!nu) {
        free(idx);
        return -1;
    }
    size_t out = 0;
    for (size_t i = 0; i < m; i++) {
        uint32_t e = idx[i];
        if (out && b->eu[idx[out - 1]] == b->eu[e] && b->ev[idx[out - 1]] == b->ev[e]) {
            if (b->attr[e] < b->attr[idx[out - 1]]) idx[out - 1] = e;
            continue;
        }
        idx[out++] = e;
    }
    uint16_t *na = (uint16_t *)malloc((out ? out : 1) * sizeof *na);
    if (!na) {
        free(nu);
        free(idx);
        return -1;
    }
    for (size_t i = 0; i < out; i++) nu[i] = b->eu[idx[i]];
    memcpy(b->eu, nu, out * sizeof *nu);
    for (size_t i = 0; i < out; i++) nu[i] = b->ev[idx[i]];
    memcpy(b->ev, nu, out * sizeof *nu);
    for (size_t i = 0; i < out; i++) na[i] = b->attr[idx[i]];
    memcpy(b->attr, na, out * sizeof *na);
    free(na);
    free(nu);
    free(idx);
    b->m = out;
    return 0;
}

/* Renumbers the vertices in coordinate order (x, then y, on the
 * millimetre keys); newid[old] gets each one's number.  0 or -1. */
static int sort_vertices(bp_build *b, uint32_t *newid)
{
    size_t n = b->n;
    if (n == 0) return 0;
    int64_t minx = INT64_MAX, miny = INT64_MAX;
    for (size_t i = 0; i < n; i++) {
        int64_t kx, ky;
        mm_key(b->x[i], b->y[i], &kx, &ky);
        if (kx < minx) minx = kx;
        if (ky < miny) miny = ky;
    }
    uint64_t *key = malloc((n ? n : 1) * sizeof *key);
    uint32_t *idx = malloc((n ? n : 1) * sizeof *idx);
    double *t = malloc((n ? n : 1) * sizeof *t);
    int ok = key && idx && t;
    /* by y, then (stable) by x: lexicographic on the millimetre keys */
    for (size_t i = 0; ok && i < n; i++) {
        int64_t kx, ky;
        mm_key(b->x[i], b->y[i], &kx, &ky);
        key[i] = (uint64_t)(ky - miny);
        idx[i] = (uint32_t)i;
    }
    if (ok && bp_build_sort(key, idx, n) < 0) ok = 0;
    for (size_t i = 0; ok && i < n; i++) {
        int64_t kx, ky;
        mm_key(b->x[i], b->y[i], &kx, &ky);
        key[i] = (uint64_t)(kx - minx);
    }
    if (ok && bp_build_sort(key, idx, n) < 0) ok = 0;
    if (ok) {
        for (size_t i = 0; i < n; i++) newid[idx[i]] = (uint32_t)i;
        for (size_t i = 0; i < n; i++) t[i] = b->x[idx[i]];
        memcpy(b->x, t, n * sizeof *t);
        for (size_t i = 0; i < n; i++) t[i] = b->y[idx[i]];
        memcpy(b->y, t, n * sizeof *t);
        for (size_t e = 0; e < b->m; e++) {
            uint32_t u = newid[b->eu[e]], v = newid[b->ev[e]];
            b->eu[e] = u < v ? u : v;
            b->ev[e] = u < v ? v : u;
        }
    }
    free(key);
    free(idx);
    free(t);
    return ok ? 0 : -1;
}

/* ---- mesh -------------------------------------------------------------------------- */

typedef struct {
    uint32_t *v;        /* mesh point vertices */
    size_t n, cap;
} pointset;

static int pointset_add(pointset *p, uint32_t v)
{
    for (size_t i = 0; i < p->n; i++)
        if (p->v[i] == v) return 0;
    if (GROW(p->v, p->n, p->cap) < 0) {
        p->n = p->cap = 0;
        return -1;
    }
    p->v[p->n++] = v;
    return 0;
}

/* The vertex at (x, y) after renumbering: a binary search on the sorted
 * millimetre keys. */
static uint32_t lookup_sorted(const bp_build *b, double x, double y)
{
    int64_t kx, ky;
    mm_key(x, y, &kx, &ky);
    size_t lo = 0, hi = b->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int64_t mx, my;
        mm_key(b->x[mid], b->y[mid], &mx, &my);
        if (mx == kx && my == ky) return (uint32_t)mid;
        if (mx < kx || (mx == kx && my < ky)) lo = mid + 1;
        else hi = mid;
    }
    return UINT32_MAX;
}

/* Collects the entries (vertices with edges besides the ring's two) and,
 * with corners set, the bend points of one polygon's rings, as vertices
 * (looked up by coordinates in the renumbered vertices). */
static int collect_points(const bp_build *b, GEOSContextHandle_t h, const GEOSGeometry *poly, const uint32_t *deg,
                          int corners, pointset *p)
{
    int nr = GEOSGetNumInteriorRings_r(h, poly);
    for (int r = -1; r < nr; r++) {
        const GEOSGeometry *ring = r < 0 ? GEOSGetExteriorRing_r(h, poly) : GEOSGetInteriorRingN_r(h, poly, r);
        const GEOSCoordSequence *cs = ring ? GEOSGeom_getCoordSeq_r(h, ring) : NULL;
        unsigned int nc = 0;
        if (!cs || !GEOSCoordSeq_getSize_r(h, cs, &nc) || nc < 4) continue;
        unsigned n = nc - 1; /* closed: the last repeats the first */
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        if (!x || !y) {
            free(x), free(y);
            return -1;
        }
        double a2 = 0;
        for (unsigned k = 0; k < n; k++) GEOSCoordSeq_getXY_r(h, cs, k, &x[k], &y[k]);
        for (unsigned k = 0; k < n; k++) a2 += x[k] * y[(k + 1) % n] - x[(k + 1) % n] * y[k];
        double orient = a2 > 0 ? 1 : -1;
        int rc = 0;
        for (unsigned k = 0; k < n && rc == 0; k++) {
            uint32_t v = lookup_sorted(b, x[k], y[k]);
            if (v == UINT32_MAX) continue;
            int take = deg[v] > 2;
            if (!take && corners) {
                unsigned pk = (k + n - 1) % n, nk = (k + 1) % n;
                double cross = (x[k] - x[pk]) * (y[nk] - y[k]) - (y[k] - y[pk]) * (x[nk] - x[k]);
                /* exterior: reflex corners; holes: their convex corners */
                take = r < 0 ? cross * orient < 0 : cross * orient > 0;
            }
            if (take) rc = pointset_add(p, v);
        }
        free(x);
        free(y);
        if (rc < 0) return -1;
    }
    return 0;
}

/* Mesh edges across one polygon. */
static int mesh_polygon(bp_build *b, GEOSContextHandle_t h, const GEOSGeometry *poly, unsigned attr, const uint32_t *deg,
                        size_t *skipped)
{
    pointset p = {0};
    if (collect_points(b, h, poly, deg, 1, &p) < 0) return -1;
    if (p.n > MESH_MAX_POINTS) {
        p.n = 0;
        if (collect_points(b, h, poly, deg, 0, &p) < 0) return -1;
    }
    if (p.n > MESH_MAX_POINTS) {
        (*skipped)++;
        free(p.v);
        return 0;
    }
    const GEOSPreparedGeometry *prep = p.n > 1 ? GEOSPrepare_r(h, poly) : NULL;
    int rc = 0;
    for (size_t i = 0; prep && rc == 0 && i < p.n; i++)
        for (size_t j = i + 1; rc == 0 && j < p.n; j++) {
            uint32_t u = p.v[i], v = p.v[j];
            GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 2, 2);
            if (!cs) {
                rc = -1;
                break;
            }
            GEOSCoordSeq_setXY_r(h, cs, 0, b->x[u], b->y[u]);
            GEOSCoordSeq_setXY_r(h, cs, 1, b->x[v], b->y[v]);
            GEOSGeometry *seg = GEOSGeom_createLineString_r(h, cs);
            if (!seg) {
                rc = -1;
                break;
            }
            char in = GEOSPreparedCovers_r(h, prep, seg);
            GEOSGeom_destroy_r(h, seg);
            if (in == 1 && add_edge(b, u, v, attr | BP_ATTR_MESH) < 0) rc = -1;
        }
    if (prep) GEOSPreparedGeom_destroy_r(h, prep);
    free(p.v);
    return rc;
}

static int mesh_areas(bp_build *b, GEOSContextHandle_t h, size_t *skipped)
{
    uint32_t *deg = calloc(b->n ? b->n : 1, sizeof *deg);
    if (!deg) return -1;
    for (size_t e = 0; e < b->m; e++) deg[b->eu[e]]++, deg[b->ev[e]]++;
    int rc = 0;
    for (size_t a = 0; rc == 0 && a < b->na; a++) {
        GEOSGeometry *g = b->areas[a].poly;
        if (GEOSisValid_r(h, g) != 1) {
            GEOSGeometry *fixed = GEOSMakeValid_r(h, g);
            if (fixed) {
                GEOSGeom_destroy_r(h, g);
                b->areas[a].poly = g = fixed;
            }
        }
        int type = GEOSGeomTypeId_r(h, g);
        int parts = type == GEOS_POLYGON ? 1 : GEOSGetNumGeometries_r(h, g);
        for (int i = 0; rc == 0 && i < parts; i++) {
            const GEOSGeometry *pg = type == GEOS_POLYGON ? g : GEOSGetGeometryN_r(h, g, i);
            if (GEOSGeomTypeId_r(h, pg) == GEOS_POLYGON) rc = mesh_polygon(b, h, pg, b->areas[a].attr, deg, skipped);
        }
    }
    free(deg);
    return rc;
}

/* ---- finish -------------------------------------------------------------------------- */

bp_status bp_build_finish(bp_build *b, GEOSContextHandle_t h, bp_network *net, bp_ctx *ctx)
{
    /* tagged nodes onto the vertices they fall on */
    unsigned char *vflags = NULL;
    for (size_t i = 0; i < b->nn; i++) {
        uint32_t v = find_vertex(b, b->nodes[i].kx, b->nodes[i].ky);
        if (v == UINT32_MAX) continue;
        if (!vflags && !(vflags = calloc(b->n ? b->n : 1, 1))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        vflags[v] |= (unsigned char)b->nodes[i].flags;
    }
    free(b->nodes);
    b->nodes = NULL;
    b->nn = b->capn = 0;
    free_hash(b);
    uint32_t *newid = malloc((b->n ? b->n : 1) * sizeof *newid);
    if (!newid || sort_vertices(b, newid) < 0) {
        free(newid);
        free(vflags);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    }
    if (vflags) {
        unsigned char *nf = calloc(b->n ? b->n : 1, 1);
        if (!nf) {
            free(newid);
            free(vflags);
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        }
        for (size_t i = 0; i < b->n; i++) nf[newid[i]] = vflags[i];
        free(vflags);
        vflags = nf;
    }
    free(newid);
    if (sort_edges(b) < 0) {
        free(vflags);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    }
    size_t m_before = b->m, skipped = 0;
    if (b->na && mesh_areas(b, h, &skipped) < 0) {
        free(vflags);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory meshing the pedestrian areas");
    }
    if (b->m > m_before && sort_edges(b) < 0) {
        free(vflags);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    }
    net->n = b->n;
    net->m = b->m;
    net->x = b->x, net->y = b->y;
    net->eu = b->eu, net->ev = b->ev;
    net->attr = b->attr;
    net->vflags = vflags;
    net->n_areas = b->na;
    net->n_mesh_skipped = skipped;
    b->x = b->y = NULL;
    b->eu = b->ev = NULL;
    b->attr = NULL;
    b->n = b->m = b->capv = b->cape = 0;
    net->len = malloc((net->m ? net->m : 1) * sizeof *net->len);
    if (!net->len) return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    net->m_mesh = 0;
    for (size_t e = 0; e < net->m; e++) {
        net->len[e] = hypot(net->x[net->eu[e]] - net->x[net->ev[e]], net->y[net->eu[e]] - net->y[net->ev[e]]);
        net->m_mesh += (net->attr[e] & BP_ATTR_MESH) != 0;
    }
    return BP_OK;
}
