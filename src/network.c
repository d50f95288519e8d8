/*
 * network.c — walking distances over a path network: the graph from an
 * OpenStreetMap extract (readosm, which hands over each way's node ids) or
 * from any OGR line layer (joined where vertices coincide), two walking
 * profiles, attachment of plots and facilities to the nearest point of the
 * nearest edge (the edge is split there: the part of the edge on each side
 * counts), and one multi-source Dijkstra per category.
 *
 * Every OSM node of a walkable way becomes a vertex, so every edge is a
 * straight segment in the analysis CRS and its length is exact there.
 * Profiles: walk takes every walkable way; rollator makes steps impassable
 * and multiplies the length of ways with an incline or a rough surface by
 * BP_ROUGH_FACTOR, so distances are effort-weighted metres.
 */
#include "bp_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <readosm.h>
#include <cpl_error.h>

#define BP_ROUGH_FACTOR 1.5 /* rollator: incline or rough surface */


enum { E_STEPS = 1, E_ROUGH = 2 };

struct bp_network {
    size_t n, m;            /* vertices, edges */
    double *x, *y;
    uint32_t *eu, *ev;      /* edge ends */
    double *len, *cost;     /* metres; effort (INFINITY: impassable) */
    unsigned char *flags;
    uint32_t *off, *adj;    /* CSR: edges around each vertex */
    GEOSGeometry **seg;     /* passable edges as segments, for attaching */
    uint32_t *seg_edge;     /* edge of each segment */
    size_t nseg;
    bp_sindex *ix;          /* over seg, in the owner's GEOS context */
    size_t n_ways, n_steps, n_rough;
    double *node_dist;      /* ncat * n, filled by bp_network_distances */
    size_t ncat;
};

/* ---- growable arrays ------------------------------------------------------ */

#define GROW(arr, count, cap)                                                                      \
    ((count) < (cap) ? 0                                                                         \
                     : ((cap) = (cap) ? (cap) * 2 : 1024,                                         \
                        ((arr) = realloc_or_free((arr), (cap) * sizeof *(arr))) ? 0 : -1))

static void *realloc_or_free(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q) free(p);
    return q;
}

/* ---- OSM tags --------------------------------------------------------------- */

static const char *tag(const readosm_tag *tags, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(tags[i].key, key)) return tags[i].value;
    return NULL;
}

static int in_list(const char *v, const char *const *list)
{
    for (; v && *list; list++)
        if (!strcmp(v, *list)) return 1;
    return 0;
}

/* Walkable for the profile's purposes; *flags gets E_STEPS / E_ROUGH. */
int bp_network_walkable(const char *highway, const char *foot, const char *access, const char *incline,
                        const char *surface, int *flags)
{
    static const char *const walk[] = {"footway", "path", "pedestrian", "living_street", "residential",
                                       "service", "unclassified", "tertiary", "tertiary_link", "secondary",
                                       "secondary_link", "steps", "crossing", "track", "corridor", "road", NULL};
    static const char *const rough[] = {"unpaved", "gravel", "fine_gravel", "compacted", "dirt", "earth",
                                        "ground", "grass", "sand", "mud", "pebblestone", "cobblestone",
                                        "unhewn_cobblestone", "sett", "rock", "woodchips", NULL};
    static const char *const foot_yes[] = {"yes", "designated", "permissive", NULL};
    *flags = 0;
    if (!highway) return 0;
    if (foot && !strcmp(foot, "no")) return 0;
    int foot_ok = in_list(foot, foot_yes);
    if (!in_list(highway, walk) && !(foot_ok && (!strcmp(highway, "cycleway") || !strcmp(highway, "bridleway"))))
        return 0;
    if (access && (!strcmp(access, "private") || !strcmp(access, "no")) && !foot_ok) return 0;
    if (!strcmp(highway, "steps")) *flags |= E_STEPS;
    if (incline && strcmp(incline, "0") && strcmp(incline, "0%") && strcmp(incline, "no")) *flags |= E_ROUGH;
    if (in_list(surface, rough)) *flags |= E_ROUGH;
    return 1;
}

/* ---- building the graph ---------------------------------------------------------- */

typedef struct {
    /* OSM nodes */
    int64_t *nid;
    double *lon, *lat;
    size_t nn, capn;
    /* walkable ways: node refs, starts, flags */
    int64_t *refs;
    size_t nrefs, caprefs;
    size_t *wstart;
    unsigned char *wflags;
    size_t nw, capw, capwf;
    int sorted, failed;
} osm_state;

static int osm_node(const void *ud, const readosm_node *node)
{
    osm_state *s = (osm_state *)ud;
    size_t c = s->capn;
    if (GROW(s->nid, s->nn, c) < 0) return s->failed = 1, READOSM_ABORT;
    c = s->capn;
    if (GROW(s->lon, s->nn, c) < 0) return s->failed = 1, READOSM_ABORT;
    c = s->capn;
    if (GROW(s->lat, s->nn, c) < 0) return s->failed = 1, READOSM_ABORT;
    s->capn = c;
    if (s->nn && node->id < s->nid[s->nn - 1]) s->sorted = 0;
    s->nid[s->nn] = node->id;
    s->lon[s->nn] = node->longitude;
    s->lat[s->nn] = node->latitude;
    s->nn++;
    return READOSM_OK;
}

static int osm_way(const void *ud, const readosm_way *way)
{
    osm_state *s = (osm_state *)ud;
    int flags;
    const readosm_tag *t = way->tags;
    int n = way->tag_count;
    if (!bp_network_walkable(tag(t, n, "highway"), tag(t, n, "foot"), tag(t, n, "access"),
                             tag(t, n, "incline"), tag(t, n, "surface"), &flags) ||
        way->node_ref_count < 2)
        return READOSM_OK;
    size_t c = s->capw;
    if (GROW(s->wstart, s->nw + 1, c) < 0) return s->failed = 1, READOSM_ABORT;
    size_t c2 = s->capwf;
    if (GROW(s->wflags, s->nw, c2) < 0) return s->failed = 1, READOSM_ABORT;
    s->capw = c;
    s->capwf = c2;
    for (int i = 0; i < way->node_ref_count; i++) {
        size_t cr = s->caprefs;
        if (GROW(s->refs, s->nrefs, cr) < 0) return s->failed = 1, READOSM_ABORT;
        s->caprefs = cr;
        s->refs[s->nrefs++] = way->node_refs[i];
    }
    s->wflags[s->nw] = (unsigned char)flags;
    s->nw++;
    s->wstart[s->nw] = s->nrefs;
    return READOSM_OK;
}

static const int64_t *sort_keys;
static int cmp_by_key(const void *a, const void *b)
{
    int64_t x = sort_keys[*(const size_t *)a], y = sort_keys[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

static size_t find_node(const osm_state *s, int64_t id)
{
    size_t lo = 0, hi = s->nn;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        if (s->nid[mid] == id) return mid;
        if (s->nid[mid] < id) lo = mid + 1;
        else hi = mid;
    }
    return (size_t)-1;
}

static void osm_free(osm_state *s)
{
    free(s->nid);
    free(s->lon);
    free(s->lat);
    free(s->refs);
    free(s->wstart);
    free(s->wflags);
}

void bp_network_free(bp_network *net, bp_geos *g)
{
    if (!net) return;
    bp_sindex_free(net->ix);
    for (size_t i = 0; i < net->nseg; i++) GEOSGeom_destroy_r(g->h, net->seg[i]);
    free(net->seg);
    free(net->seg_edge);
    free(net->x);
    free(net->y);
    free(net->eu);
    free(net->ev);
    free(net->len);
    free(net->cost);
    free(net->flags);
    free(net->off);
    free(net->adj);
    free(net->node_dist);
    free(net);
}

/* Edge costs for the profile, CSR adjacency and the segment index. */
static bp_status finish_graph(bp_network *net, int rollator, bp_geos *g, const char *what, bp_ctx *ctx)
{
    if (net->m == 0)
        return bp_error(ctx, BP_ERR_DATA, "%s: no walkable ways (footway, path, residential, ...) in the network", what);
    net->cost = malloc(net->m * sizeof *net->cost);
    net->off = calloc(net->n + 1, sizeof *net->off);
    net->adj = malloc(2 * net->m * sizeof *net->adj);
    net->seg = malloc(net->m * sizeof *net->seg);
    net->seg_edge = malloc(net->m * sizeof *net->seg_edge);
    if (!net->cost || !net->off || !net->adj || !net->seg || !net->seg_edge)
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    for (size_t e = 0; e < net->m; e++) {
        double c = net->len[e];
        if (net->flags[e] & E_STEPS) net->n_steps++;
        if (net->flags[e] & E_ROUGH) net->n_rough++;
        if (rollator && (net->flags[e] & E_STEPS)) c = INFINITY;
        else if (rollator && (net->flags[e] & E_ROUGH)) c *= BP_ROUGH_FACTOR;
        net->cost[e] = c;
        if (isinf(c)) continue;
        net->off[net->eu[e] + 1]++;
        net->off[net->ev[e] + 1]++;
    }
    for (size_t i = 0; i < net->n; i++) net->off[i + 1] += net->off[i];
    uint32_t *fill = malloc(net->n * sizeof *fill);
    if (!fill) return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    memcpy(fill, net->off, net->n * sizeof *fill);
    for (size_t e = 0; e < net->m; e++) {
        if (isinf(net->cost[e])) continue;
        net->adj[fill[net->eu[e]]++] = (uint32_t)e;
        net->adj[fill[net->ev[e]]++] = (uint32_t)e;
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, 2, 2);
        if (!cs) {
            free(fill);
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        }
        GEOSCoordSeq_setXY_r(g->h, cs, 0, net->x[net->eu[e]], net->y[net->eu[e]]);
        GEOSCoordSeq_setXY_r(g->h, cs, 1, net->x[net->ev[e]], net->y[net->ev[e]]);
        GEOSGeometry *ls = GEOSGeom_createLineString_r(g->h, cs);
        if (!ls) {
            free(fill);
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        }
        net->seg[net->nseg] = ls;
        net->seg_edge[net->nseg++] = (uint32_t)e;
    }
    free(fill);
    if (net->nseg == 0)
        return bp_error(ctx, BP_ERR_DATA, "%s: no way is passable for the rollator profile (only steps)", what);
    net->ix = bp_sindex_new(g->h, net->seg, net->nseg);
    if (!net->ix) return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network index");
    return BP_OK;
}

static int add_edge(bp_network *net, size_t *cap, uint32_t u, uint32_t v, unsigned char flags)
{
    if (u == v) return 0;
    if (net->m == *cap) {
        size_t nc = *cap ? *cap * 2 : 4096;
        uint32_t *a = realloc(net->eu, nc * sizeof *a);
        if (!a) return -1;
        net->eu = a;
        uint32_t *b = realloc(net->ev, nc * sizeof *b);
        if (!b) return -1;
        net->ev = b;
        double *l = realloc(net->len, nc * sizeof *l);
        if (!l) return -1;
        net->len = l;
        unsigned char *f = realloc(net->flags, nc);
        if (!f) return -1;
        net->flags = f;
        *cap = nc;
    }
    net->eu[net->m] = u;
    net->ev[net->m] = v;
    net->len[net->m] = hypot(net->x[u] - net->x[v], net->y[u] - net->y[v]);
    net->flags[net->m] = flags;
    net->m++;
    return 0;
}

static bp_status load_osm(bp_network *net, const char *path, const bp_crs *crs, bp_ctx *ctx)
{
    osm_state s = {.sorted = 1};
    const void *h = NULL;
    int rc = readosm_open(path, &h);
    if (rc != READOSM_OK) {
        readosm_close(h);
        struct stat st;
        if (stat(path, &st) != 0) return bp_error(ctx, BP_ERR_USAGE, "%s: %s", path, strerror(errno));
        return bp_error(ctx, BP_ERR_DATA, "%s: not an OpenStreetMap file readosm can open (error %d)", path, rc);
    }
    rc = readosm_parse(h, &s, osm_node, osm_way, NULL);
    readosm_close(h);
    if (s.failed) {
        osm_free(&s);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    }
    if (rc != READOSM_OK) {
        osm_free(&s);
        return bp_error(ctx, BP_ERR_DATA, "%s: damaged or truncated OpenStreetMap data (readosm error %d)", path, rc);
    }
    if (!s.sorted) { /* sort nodes by id through a permutation */
        size_t *perm = malloc(s.nn * sizeof *perm);
        int64_t *nid = malloc(s.nn * sizeof *nid);
        double *lon = malloc(s.nn * sizeof *lon), *lat = malloc(s.nn * sizeof *lat);
        if (!perm || !nid || !lon || !lat) {
            free(perm), free(nid), free(lon), free(lat);
            osm_free(&s);
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
        }
        for (size_t i = 0; i < s.nn; i++) perm[i] = i;
        sort_keys = s.nid;
        qsort(perm, s.nn, sizeof *perm, cmp_by_key);
        for (size_t i = 0; i < s.nn; i++) nid[i] = s.nid[perm[i]], lon[i] = s.lon[perm[i]], lat[i] = s.lat[perm[i]];
        free(perm), free(s.nid), free(s.lon), free(s.lat);
        s.nid = nid, s.lon = lon, s.lat = lat;
    }
    /* vertices: the nodes of walkable ways, numbered in node order */
    uint32_t *vid = malloc((s.nn ? s.nn : 1) * sizeof *vid);
    if (!vid) {
        osm_free(&s);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    }
    for (size_t i = 0; i < s.nn; i++) vid[i] = UINT32_MAX;
    for (size_t r = 0; r < s.nrefs; r++) {
        size_t k = find_node(&s, s.refs[r]);
        if (k != (size_t)-1) vid[k] = 0;
    }
    for (size_t i = 0; i < s.nn; i++)
        if (vid[i] == 0) vid[i] = (uint32_t)net->n++;
    net->x = malloc((net->n ? net->n : 1) * sizeof *net->x);
    net->y = malloc((net->n ? net->n : 1) * sizeof *net->y);
    if (!net->x || !net->y) {
        free(vid);
        osm_free(&s);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    }
    for (size_t i = 0; i < s.nn; i++)
        if (vid[i] != UINT32_MAX) net->x[vid[i]] = s.lon[i], net->y[vid[i]] = s.lat[i];
    /* OSM is WGS84 longitude/latitude */
    bp_status st = BP_OK;
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    OSRImportFromEPSG(wgs, 4326);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    OGRCoordinateTransformationH ct = NULL;
    st = bp_crs_transform_for(crs, wgs, path, &ct, ctx);
    OSRDestroySpatialReference(wgs);
    if (st == BP_OK && ct && net->n && !OCTTransform(ct, (int)net->n, net->x, net->y, NULL))
        st = bp_error(ctx, BP_ERR_DATA, "%s: node coordinates cannot be transformed to %s", path, crs->target_name);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    size_t cap = 0;
    for (size_t w = 0; st == BP_OK && w < s.nw; w++) {
        net->n_ways++;
        uint32_t prev = UINT32_MAX;
        for (size_t r = s.wstart[w]; r < s.wstart[w + 1]; r++) {
            size_t k = find_node(&s, s.refs[r]);
            uint32_t v = k == (size_t)-1 ? UINT32_MAX : vid[k]; /* outside the extract: a gap */
            if (prev != UINT32_MAX && v != UINT32_MAX && add_edge(net, &cap, prev, v, s.wflags[w]) < 0) {
                st = bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
                break;
            }
            prev = v;
        }
    }
    free(vid);
    osm_free(&s);
    return st;
}

/* Vertices of a line layer, joined where they coincide (to the millimetre). */
typedef struct {
    int64_t *kx, *ky;
    uint32_t *val;
    size_t cap;
} vhash;

static uint32_t vertex(bp_network *net, vhash *vh, size_t *capv, double x, double y)
{
    int64_t kx = llround(x * 1000), ky = llround(y * 1000);
    size_t hsh = (size_t)((uint64_t)kx * 0x9E3779B97F4A7C15ull ^ (uint64_t)ky * 0xC2B2AE3D27D4EB4Full);
    for (size_t i = hsh & (vh->cap - 1);; i = (i + 1) & (vh->cap - 1)) {
        if (vh->val[i] == UINT32_MAX) {
            if (net->n == *capv) {
                size_t nc = *capv ? *capv * 2 : 4096;
                double *nx = realloc(net->x, nc * sizeof *nx);
                if (!nx) return UINT32_MAX;
                net->x = nx;
                double *ny = realloc(net->y, nc * sizeof *ny);
                if (!ny) return UINT32_MAX;
                net->y = ny;
                *capv = nc;
            }
            vh->kx[i] = kx, vh->ky[i] = ky, vh->val[i] = (uint32_t)net->n;
            net->x[net->n] = x, net->y[net->n] = y;
            return (uint32_t)net->n++;
        }
        if (vh->kx[i] == kx && vh->ky[i] == ky) return vh->val[i];
    }
}

static bp_status load_lines(bp_network *net, const char *spec, const bp_crs *crs, bp_geos *g, bp_ctx *ctx)
{
    bp_layer l;
    bp_layer_opts o = {.keep_attrs = 1};
    bp_status st = bp_layer_read(&l, spec, &o, crs, g, NULL, NULL, ctx);
    if (st != BP_OK) return st;
    if (l.max_dim != 1) {
        st = bp_error(ctx, BP_ERR_DATA, "%s: a network must be lines (or an .osm/.osm.pbf file)", l.what);
        bp_layer_clear(&l, g);
        return st;
    }
    int fh = OGR_FD_GetFieldIndex(l.defn, "highway"), ff = OGR_FD_GetFieldIndex(l.defn, "foot"),
        fa = OGR_FD_GetFieldIndex(l.defn, "access"), fi = OGR_FD_GetFieldIndex(l.defn, "incline"),
        fs = OGR_FD_GetFieldIndex(l.defn, "surface");
    size_t ncoords = 0;
    for (size_t i = 0; i < l.n; i++) ncoords += (size_t)GEOSGetNumCoordinates_r(g->h, l.geom[i]);
    vhash vh = {0};
    vh.cap = 1024;
    while (vh.cap < ncoords * 2) vh.cap *= 2;
    vh.kx = malloc(vh.cap * sizeof *vh.kx);
    vh.ky = malloc(vh.cap * sizeof *vh.ky);
    vh.val = malloc(vh.cap * sizeof *vh.val);
    if (!vh.kx || !vh.ky || !vh.val) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    for (size_t i = 0; st == BP_OK && i < vh.cap; i++) vh.val[i] = UINT32_MAX;
    size_t capv = 0, cape = 0;
#define FIELD(idx) ((idx) >= 0 && OGR_F_IsFieldSetAndNotNull(l.feat[i], idx) ? OGR_F_GetFieldAsString(l.feat[i], idx) : NULL)
    for (size_t i = 0; st == BP_OK && i < l.n; i++) {
        int flags = 0;
        if (fh >= 0 && !bp_network_walkable(FIELD(fh), FIELD(ff), FIELD(fa), FIELD(fi), FIELD(fs), &flags)) continue;
        net->n_ways++;
        int parts = GEOSGetNumGeometries_r(g->h, l.geom[i]);
        for (int p = 0; st == BP_OK && p < parts; p++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(g->h, l.geom[i], p);
            if (GEOSGeomTypeId_r(g->h, part) != GEOS_LINESTRING && GEOSGeomTypeId_r(g->h, part) != GEOS_LINEARRING)
                continue;
            const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(g->h, part);
            unsigned int nc = 0;
            GEOSCoordSeq_getSize_r(g->h, cs, &nc);
            uint32_t prev = UINT32_MAX;
            for (unsigned int k = 0; k < nc; k++) {
                double x, y;
                GEOSCoordSeq_getXY_r(g->h, cs, k, &x, &y);
                uint32_t v = vertex(net, &vh, &capv, x, y);
                if (v == UINT32_MAX || (prev != UINT32_MAX && add_edge(net, &cape, prev, v, (unsigned char)flags) < 0)) {
                    st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
                    break;
                }
                prev = v;
            }
        }
    }
#undef FIELD
    free(vh.kx);
    free(vh.ky);
    free(vh.val);
    bp_layer_clear(&l, g);
    return st;
}

static int is_osm(const char *path)
{
    size_t n = strlen(path);
    return (n > 4 && !strcasecmp(path + n - 4, ".osm")) || (n > 4 && !strcasecmp(path + n - 4, ".pbf"));
}

bp_status bp_network_load(const char *src, int rollator, const bp_crs *crs, bp_geos *g, bp_network **out,
                          bp_ctx *ctx)
{
    *out = NULL;
    bp_network *net = calloc(1, sizeof *net);
    if (!net) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    bp_status st = is_osm(src) ? load_osm(net, src, crs, ctx) : load_lines(net, src, crs, g, ctx);
    bp_debug_phase("  network read", &t);
    if (st == BP_OK) st = finish_graph(net, rollator, g, src, ctx);
    bp_debug_phase("  network graph", &t);
    if (st != BP_OK) {
        bp_network_free(net, g);
        return st;
    }
    *out = net;
    return BP_OK;
}

void bp_network_stats(const bp_network *net, size_t *nodes, size_t *edges, size_t *ways, size_t *steps,
                      size_t *rough)
{
    *nodes = net->n, *edges = net->m, *ways = net->n_ways, *steps = net->n_steps, *rough = net->n_rough;
}

/* ---- attaching ----------------------------------------------------------------- */

/* Where a geometry meets the network: edge, fraction along it from eu, and
 * the straight attachment length; edge = UINT32_MAX when beyond tolerance. */
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

/* Facilities of one category sorted by edge, for plots on the same edge. */
static const attachment *sort_att;
static int cmp_att_edge(const void *a, const void *b)
{
    const attachment *x = &sort_att[*(const uint32_t *)a], *y = &sort_att[*(const uint32_t *)b];
    return x->edge < y->edge ? -1 : x->edge > y->edge;
}

typedef struct {
    const bp_network *net;
    const attachment *plots;
    size_t nplots, ncat;
    attachment **fac;  /* per category */
    size_t *nfac;
    double *dist;      /* nplots * ncat */
    double *node_dist; /* ncat * n */
    size_t next;
    pthread_mutex_t lock;
    int failed;
} djob;

static void *dworker(void *arg)
{
    djob *j = arg;
    for (;;) {
        pthread_mutex_lock(&j->lock);
        size_t c = j->next++;
        pthread_mutex_unlock(&j->lock);
        if (c >= j->ncat || j->failed) break;
        const bp_network *net = j->net;
        double *D = j->node_dist + c * net->n;
        const attachment *fa = j->fac[c];
        size_t nf = j->nfac[c];
        uint32_t *byedge = malloc((nf ? nf : 1) * sizeof *byedge);
        if (!byedge || dijkstra(net, fa, nf, D) < 0) {
            free(byedge);
            j->failed = 1;
            break;
        }
        size_t nb = 0;
        for (size_t k = 0; k < nf; k++)
            if (fa[k].edge != UINT32_MAX) byedge[nb++] = (uint32_t)k;
        pthread_mutex_lock(&j->lock); /* the comparator reads a global */
        sort_att = fa;
        qsort(byedge, nb, sizeof *byedge, cmp_att_edge);
        pthread_mutex_unlock(&j->lock);
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
                               const bp_layer *fac, size_t ncat, double tol, int threads, double *dist,
                               double *plot_attach, size_t *fac_unattached, bp_ctx *ctx)
{
    bp_status st = BP_OK;
    attachment *pa = malloc((nplots ? nplots : 1) * sizeof *pa);
    attachment **fa = calloc(ncat, sizeof *fa);
    size_t *nfac = calloc(ncat, sizeof *nfac);
    free(net->node_dist);
    size_t nd = net->n * ncat;
    net->node_dist = malloc((nd ? nd : 1) * sizeof *net->node_dist);
    net->ncat = ncat;
    if (!pa || !fa || !nfac || !net->node_dist) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    for (size_t i = 0; i < nplots && st == BP_OK; i++) {
        if (attach(net, g, plots[i], tol, &pa[i]) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", g->msg);
        plot_attach[i] = isnan(pa[i].attach) ? INFINITY : pa[i].attach;
    }
    for (size_t c = 0; c < ncat && st == BP_OK; c++) {
        fa[c] = malloc((fac[c].n ? fac[c].n : 1) * sizeof *fa[c]);
        if (!fa[c]) {
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        nfac[c] = fac[c].n;
        fac_unattached[c] = 0;
        for (size_t k = 0; k < fac[c].n && st == BP_OK; k++) {
            if (attach(net, g, fac[c].geom[k], tol, &fa[c][k]) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", g->msg);
            if (fa[c][k].edge == UINT32_MAX) fac_unattached[c]++;
        }
    }
    bp_debug_phase("  network attach", &t);
    if (st == BP_OK) {
        djob j = {net, pa, nplots, ncat, fa, nfac, dist, net->node_dist, 0, PTHREAD_MUTEX_INITIALIZER, 0};
        if (threads <= 0) {
            long nc = sysconf(_SC_NPROCESSORS_ONLN);
            threads = nc > 0 ? (int)nc : 1;
        }
        if ((size_t)threads > ncat) threads = (int)ncat;
        pthread_t tid[64];
        int started = 0;
        for (int t = 1; t < threads && t < 64; t++)
            if (pthread_create(&tid[t], NULL, dworker, &j) == 0) started = t;
        dworker(&j);
        for (int t = 1; t <= started; t++) pthread_join(tid[t], NULL);
        if (j.failed) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory in the network distances");
        bp_debug_phase("  network dijkstra", &t);
    }
out:
    for (size_t c = 0; fa && c < ncat; c++) free(fa[c]);
    free(fa);
    free(nfac);
    free(pa);
    return st;
}

/* ---- facilities from OpenStreetMap ----------------------------------------- */

typedef struct {
    const bp_config *cfg;
    char ***want;        /* per category: NULL-terminated "key=value" strings */
    osm_state nodes;     /* every node, for the rings of ways */
    /* matches: object kind (0 node, 1 way), its node index or refs, category, name */
    struct match {
        int way;
        size_t first, count; /* node index (node) or range in refs (way) */
        size_t cat;
        char *name;
    } *m;
    size_t nm, capm;
    int64_t *refs;
    size_t nrefs, caprefs;
    int failed;
} fac_state;

static int tags_match(char **want, const readosm_tag *tags, int n)
{
    for (; want && *want; want++) {
        const char *eq = strchr(*want, '=');
        size_t klen = (size_t)(eq - *want);
        for (int i = 0; i < n; i++)
            if (strlen(tags[i].key) == klen && !strncmp(tags[i].key, *want, klen) && !strcmp(tags[i].value, eq + 1))
                return 1;
    }
    return 0;
}

static int add_match(fac_state *s, int way, size_t first, size_t count, size_t cat, const char *name)
{
    if (s->nm == s->capm) {
        size_t nc = s->capm ? s->capm * 2 : 256;
        struct match *nm = realloc(s->m, nc * sizeof *nm);
        if (!nm) return -1;
        s->m = nm;
        s->capm = nc;
    }
    s->m[s->nm++] = (struct match){way, first, count, cat, name ? bp_strdup(name) : NULL};
    return 0;
}

static int fac_node(const void *ud, const readosm_node *node)
{
    fac_state *s = (fac_state *)ud;
    if (osm_node(&s->nodes, node) != READOSM_OK) return s->failed = 1, READOSM_ABORT;
    for (size_t c = 0; node->tag_count && c < s->cfg->ncats; c++)
        if (s->want[c] && tags_match(s->want[c], node->tags, node->tag_count) &&
            add_match(s, 0, s->nodes.nn - 1, 1, c, tag(node->tags, node->tag_count, "name")) < 0)
            return s->failed = 1, READOSM_ABORT;
    return READOSM_OK;
}

static int fac_way(const void *ud, const readosm_way *way)
{
    fac_state *s = (fac_state *)ud;
    int n = way->node_ref_count;
    if (n < 4 || way->node_refs[0] != way->node_refs[n - 1]) return READOSM_OK; /* areas only */
    for (size_t c = 0; c < s->cfg->ncats; c++) {
        if (!s->want[c] || !tags_match(s->want[c], way->tags, way->tag_count)) continue;
        size_t first = s->nrefs;
        for (int i = 0; i < n; i++) {
            size_t cap = s->caprefs;
            if (GROW(s->refs, s->nrefs, cap) < 0) return s->failed = 1, READOSM_ABORT;
            s->caprefs = cap;
            s->refs[s->nrefs++] = way->node_refs[i];
        }
        if (add_match(s, 1, first, (size_t)n, c, tag(way->tags, way->tag_count, "name")) < 0)
            return s->failed = 1, READOSM_ABORT;
    }
    return READOSM_OK;
}

bp_status bp_osm_facilities(const char *path, const bp_config *cfg, const bp_crs *crs, bp_geos *g,
                            bp_layer *fac, bp_ctx *ctx)
{
    fac_state s = {.cfg = cfg};
    s.nodes.sorted = 1;
    bp_status st = BP_OK;
    s.want = calloc(cfg->ncats, sizeof *s.want);
    if (!s.want) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < cfg->ncats && st == BP_OK; c++) {
        const bp_category *k = &cfg->cats[c];
        if (!k->from_osm || !k->osm_tags) continue;
        /* "key=value, key=value" -> array */
        size_t n = 1;
        for (const char *p = k->osm_tags; *p; p++) n += *p == ',';
        s.want[c] = calloc(n + 1, sizeof *s.want[c]);
        if (!s.want[c]) {
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        size_t w = 0;
        for (const char *p = k->osm_tags; *p;) {
            while (*p == ' ' || *p == ',') p++;
            const char *e = p;
            while (*e && *e != ',') e++;
            const char *t = e;
            while (t > p && t[-1] == ' ') t--;
            if (t > p) {
                s.want[c][w] = malloc((size_t)(t - p) + 1);
                if (!s.want[c][w]) {
                    st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
                    break;
                }
                memcpy(s.want[c][w], p, (size_t)(t - p));
                s.want[c][w][t - p] = '\0';
                if (!strchr(s.want[c][w], '='))
                    st = bp_error(ctx, BP_ERR_USAGE, "osm_facilities.%s: '%s' is not key=value", k->name, s.want[c][w]);
                w++;
            }
            p = e;
        }
    }
    const void *h = NULL;
    if (st == BP_OK) {
        int rc = readosm_open(path, &h);
        if (rc == READOSM_OK) rc = readosm_parse(h, &s, fac_node, fac_way, NULL);
        readosm_close(h);
        if (s.failed) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
        else if (rc != READOSM_OK)
            st = bp_error(ctx, BP_ERR_DATA, "%s: damaged or truncated OpenStreetMap data (readosm error %d)", path, rc);
    }
    /* node ids of the ways' rings -> coordinates: nodes sorted by id */
    size_t *rank = NULL;
    if (st == BP_OK) {
        size_t nn = s.nodes.nn;
        rank = malloc((nn ? nn : 1) * sizeof *rank);
        size_t *perm = malloc((nn ? nn : 1) * sizeof *perm);
        int64_t *sid = malloc((nn ? nn : 1) * sizeof *sid);
        if (!rank || !perm || !sid) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        for (size_t i = 0; st == BP_OK && i < nn; i++) perm[i] = i;
        if (st == BP_OK && !s.nodes.sorted) {
            sort_keys = s.nodes.nid;
            qsort(perm, nn, sizeof *perm, cmp_by_key);
        }
        for (size_t i = 0; st == BP_OK && i < nn; i++) sid[i] = s.nodes.nid[perm[i]];
        /* rank[] maps the sorted position back to the stored node */
        for (size_t i = 0; st == BP_OK && i < nn; i++) rank[i] = perm[i];
        if (st == BP_OK) {
            free(s.nodes.nid);
            s.nodes.nid = sid; /* sorted ids; coordinates through rank[] */
            sid = NULL;
        }
        free(perm);
        free(sid);
    }
    OGRCoordinateTransformationH ct = NULL;
    if (st == BP_OK) {
        OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
        OSRImportFromEPSG(wgs, 4326);
        OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
        st = bp_crs_transform_for(crs, wgs, path, &ct, ctx);
        OSRDestroySpatialReference(wgs);
    }
    size_t *cap = calloc(cfg->ncats, sizeof *cap);
    if (!cap && st == BP_OK) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < cfg->ncats && st == BP_OK; c++)
        if (cfg->cats[c].from_osm) {
            memset(&fac[c], 0, sizeof fac[c]);
            fac[c].what = bp_strfmt("%s (OpenStreetMap %s)", path, cfg->cats[c].name);
        }
    for (size_t i = 0; i < s.nm && st == BP_OK; i++) {
        struct match *mt = &s.m[i];
        size_t n = mt->way ? mt->count : 1;
        double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
        int ok = x && y;
        for (size_t k = 0; ok && k < n; k++) {
            size_t idx = mt->first;
            if (mt->way) {
                size_t lo = 0, hi = s.nodes.nn;
                int64_t id = s.refs[mt->first + k];
                while (lo < hi) {
                    size_t mid = (lo + hi) / 2;
                    if (s.nodes.nid[mid] < id) lo = mid + 1;
                    else hi = mid;
                }
                if (lo == s.nodes.nn || s.nodes.nid[lo] != id) ok = 0; /* ring leaves the extract */
                else idx = rank[lo];
            }
            if (ok) x[k] = s.nodes.lon[idx], y[k] = s.nodes.lat[idx];
        }
        if (ok && ct && !OCTTransform(ct, (int)n, x, y, NULL)) ok = 0;
        GEOSGeometry *geom = NULL;
        if (ok && n == 1) geom = GEOSGeom_createPointFromXY_r(g->h, x[0], y[0]);
        else if (ok) {
            GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, (unsigned)n, 2);
            for (size_t k = 0; cs && k < n; k++) GEOSCoordSeq_setXY_r(g->h, cs, (unsigned)k, x[k], y[k]);
            GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(g->h, cs) : NULL;
            geom = ring ? GEOSGeom_createPolygon_r(g->h, ring, NULL, 0) : NULL;
            if (geom && GEOSisValid_r(g->h, geom) != 1) {
                GEOSGeometry *fixed = GEOSMakeValid_r(g->h, geom);
                GEOSGeom_destroy_r(g->h, geom);
                geom = fixed;
                fac[mt->cat].n_repaired++;
            }
        }
        free(x);
        free(y);
        bp_layer *l = &fac[mt->cat];
        l->n_read++;
        if (!geom) {
            l->n_skipped++;
            continue;
        }
        if (l->n == cap[mt->cat]) {
            size_t nc = cap[mt->cat] ? cap[mt->cat] * 2 : 64;
            GEOSGeometry **ng = realloc(l->geom, nc * sizeof *ng);
            char **nn2 = ng ? realloc(l->names, nc * sizeof *nn2) : NULL;
            int64_t *nf = nn2 ? realloc(l->fid, nc * sizeof *nf) : NULL;
            if (ng) l->geom = ng;
            if (nn2) l->names = nn2;
            if (nf) l->fid = nf;
            if (!ng || !nn2 || !nf) {
                GEOSGeom_destroy_r(g->h, geom);
                st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
                break;
            }
            cap[mt->cat] = nc;
        }
        int dim = GEOSGeom_getDimensions_r(g->h, geom);
        if (dim > l->max_dim) l->max_dim = dim;
        l->geom[l->n] = geom;
        l->names[l->n] = mt->name;
        mt->name = NULL;
        l->fid[l->n] = (int64_t)i;
        l->n++;
    }
    for (size_t c = 0; c < cfg->ncats && st == BP_OK; c++)
        if (cfg->cats[c].from_osm && fac[c].n == 0)
            bp_warn(ctx, "%s: no OpenStreetMap object tagged %s: category %s has no facilities, so its "
                    "distances are empty and it scores 0 for every plot", path,
                    cfg->cats[c].osm_tags ? cfg->cats[c].osm_tags : "(no tags)", cfg->cats[c].name);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    free(cap);
    free(rank);
    for (size_t i = 0; i < s.nm; i++) free(s.m[i].name);
    free(s.m);
    free(s.refs);
    osm_free(&s.nodes);
    for (size_t c = 0; c < cfg->ncats; c++) {
        for (size_t w = 0; s.want[c] && s.want[c][w]; w++) free(s.want[c][w]);
        free(s.want[c]);
    }
    free(s.want);
    return st;
}

/* ---- output ---------------------------------------------------------------------- */

size_t bp_network_edge_count(const bp_network *net) { return net->m; }

void bp_network_edge(const bp_network *net, size_t e, double *x0, double *y0, double *x1, double *y1,
                     double *len, double *cost, int *steps)
{
    *x0 = net->x[net->eu[e]], *y0 = net->y[net->eu[e]];
    *x1 = net->x[net->ev[e]], *y1 = net->y[net->ev[e]];
    *len = net->len[e];
    *cost = net->cost[e];
    *steps = (net->flags[e] & E_STEPS) != 0;
}

double bp_network_edge_dist(const bp_network *net, size_t e, size_t c)
{
    if (!net->node_dist || c >= net->ncat) return NAN;
    const double *D = net->node_dist + c * net->n;
    double d = fmin(D[net->eu[e]], D[net->ev[e]]);
    return isinf(d) ? NAN : d;
}

bp_status bp_network_export_graph(const bp_network *net, const char *prefix, bp_ctx *ctx)
{
    char path[4096];
    snprintf(path, sizeof path, "%s_nodes.csv", prefix);
    FILE *f = fopen(path, "w");
    if (!f) return bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "id,x,y\n");
    for (size_t v = 0; v < net->n; v++) fprintf(f, "%zu,%.17g,%.17g\n", v, net->x[v], net->y[v]);
    int bad = fclose(f) != 0;
    snprintf(path, sizeof path, "%s_edges.csv", prefix);
    f = bad ? NULL : fopen(path, "w");
    if (!f) return bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "u,v,length,cost\n");
    for (size_t e = 0; e < net->m; e++)
        if (!isinf(net->cost[e])) fprintf(f, "%u,%u,%.17g,%.17g\n", net->eu[e], net->ev[e], net->len[e], net->cost[e]);
    if (fclose(f) != 0) return bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
    return BP_OK;
}
