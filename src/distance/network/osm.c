/*
 * osm.c — the walking graph from an OpenStreetMap extract (.osm or
 * .osm.pbf, read with readosm): the nodes of every walkable way become
 * vertices, consecutive nodes of a way become edges.  Ways join where they
 * share a node.  Also the OSM node helpers osm_facilities.c shares.
 */
#include "distance/network/network.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

const char *bp_osm_tag(const readosm_tag *tags, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(tags[i].key, key)) return tags[i].value;
    return NULL;
}

int bp_osm_nodes_add(bp_osm_nodes *s, const readosm_node *node)
{
    if (s->nn == s->capn) {
        size_t c = s->capn ? s->capn * 2 : 1024;
        int64_t *nid = realloc(s->nid, c * sizeof *nid);
        if (!nid) return -1;
        s->nid = nid;
        double *lon = realloc(s->lon, c * sizeof *lon);
        if (!lon) return -1;
        s->lon = lon;
        double *lat = realloc(s->lat, c * sizeof *lat);
        if (!lat) return -1;
        s->lat = lat;
        s->capn = c;
    }
    if (s->nn == 0) s->sorted = 1;
    else if (node->id < s->nid[s->nn - 1]) s->sorted = 0;
    s->nid[s->nn] = node->id;
    s->lon[s->nn] = node->longitude;
    s->lat[s->nn] = node->latitude;
    s->nn++;
    return 0;
}

static int cmp_by_key(const void *a, const void *b, void *ud)
{
    const int64_t *keys = ud;
    int64_t x = keys[*(const size_t *)a], y = keys[*(const size_t *)b];
    return x < y ? -1 : x > y;
}

int bp_osm_nodes_sort(bp_osm_nodes *s)
{
    if (s->sorted || s->nn < 2) {
        s->sorted = 1;
        return 0;
    }
    size_t *perm = malloc(s->nn * sizeof *perm);
    int64_t *nid = malloc(s->nn * sizeof *nid);
    double *lon = malloc(s->nn * sizeof *lon), *lat = malloc(s->nn * sizeof *lat);
    if (!perm || !nid || !lon || !lat) {
        free(perm), free(nid), free(lon), free(lat);
        return -1;
    }
    for (size_t i = 0; i < s->nn; i++) perm[i] = i;
    qsort_r(perm, s->nn, sizeof *perm, cmp_by_key, s->nid);
    for (size_t i = 0; i < s->nn; i++) nid[i] = s->nid[perm[i]], lon[i] = s->lon[perm[i]], lat[i] = s->lat[perm[i]];
    free(perm), free(s->nid), free(s->lon), free(s->lat);
    s->nid = nid, s->lon = lon, s->lat = lat;
    s->sorted = 1;
    return 0;
}

size_t bp_osm_nodes_find(const bp_osm_nodes *s, int64_t id)
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

void bp_osm_nodes_free(bp_osm_nodes *s)
{
    free(s->nid);
    free(s->lon);
    free(s->lat);
    memset(s, 0, sizeof *s);
}

/* What the readosm callbacks collect: every node, and the node refs of the
 * walkable ways (way w spans refs[wstart[w]] .. refs[wstart[w+1]-1]). */
typedef struct {
    bp_osm_nodes nodes;
    int64_t *refs;
    size_t nrefs, caprefs;
    size_t *wstart;
    unsigned char *wflags;
    size_t nw, capw;
    int failed;
} osm_state;

static int osm_node(const void *ud, const readosm_node *node)
{
    osm_state *s = (osm_state *)ud;
    if (bp_osm_nodes_add(&s->nodes, node) < 0) return s->failed = 1, READOSM_ABORT;
    return READOSM_OK;
}

static int osm_way(const void *ud, const readosm_way *way)
{
    osm_state *s = (osm_state *)ud;
    int flags;
    const readosm_tag *t = way->tags;
    int n = way->tag_count;
    if (!bp_network_walkable(bp_osm_tag(t, n, "highway"), bp_osm_tag(t, n, "foot"), bp_osm_tag(t, n, "access"),
                             bp_osm_tag(t, n, "incline"), bp_osm_tag(t, n, "surface"), &flags) ||
        way->node_ref_count < 2)
        return READOSM_OK;
    if (s->nw + 1 >= s->capw) {
        size_t c = s->capw ? s->capw * 2 : 1024;
        size_t *ws = realloc(s->wstart, c * sizeof *ws);
        if (!ws) return s->failed = 1, READOSM_ABORT;
        s->wstart = ws;
        unsigned char *wf = realloc(s->wflags, c);
        if (!wf) return s->failed = 1, READOSM_ABORT;
        s->wflags = wf;
        s->capw = c;
    }
    size_t need = s->nrefs + (size_t)way->node_ref_count;
    if (need > s->caprefs) {
        size_t cr = s->caprefs ? s->caprefs : 4096;
        while (cr < need) cr *= 2;
        int64_t *r = realloc(s->refs, cr * sizeof *r);
        if (!r) return s->failed = 1, READOSM_ABORT;
        s->refs = r;
        s->caprefs = cr;
    }
    if (s->nw == 0) s->wstart[0] = 0;
    for (int i = 0; i < way->node_ref_count; i++) s->refs[s->nrefs++] = way->node_refs[i];
    s->wflags[s->nw] = (unsigned char)flags;
    s->nw++;
    s->wstart[s->nw] = s->nrefs;
    return READOSM_OK;
}

static void osm_free(osm_state *s)
{
    bp_osm_nodes_free(&s->nodes);
    free(s->refs);
    free(s->wstart);
    free(s->wflags);
}

bp_status bp_osm_parse(const char *path, void *state, readosm_node_callback nodes, readosm_way_callback ways,
                       const int *failed, bp_ctx *ctx)
{
    const void *h = NULL;
    int rc = readosm_open(path, &h);
    if (rc != READOSM_OK) {
        readosm_close(h);
        struct stat st;
        if (stat(path, &st) != 0) return bp_error(ctx, BP_ERR_USAGE, "%s: %s", path, strerror(errno));
        return bp_error(ctx, BP_ERR_DATA, "%s: not an OpenStreetMap file readosm can open (error %d)", path, rc);
    }
    rc = readosm_parse(h, state, nodes, ways, NULL);
    readosm_close(h);
    if (*failed) return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    if (rc != READOSM_OK)
        return bp_error(ctx, BP_ERR_DATA, "%s: damaged or truncated OpenStreetMap data (readosm error %d)", path, rc);
    return BP_OK;
}

/* Vertices: the nodes of walkable ways, numbered in node id order, in the
 * analysis CRS.  vid[k] is the vertex of sorted node k, or UINT32_MAX. */
static bp_status make_vertices(bp_network *net, const osm_state *s, uint32_t *vid, const char *path,
                               const bp_crs *crs, bp_ctx *ctx)
{
    for (size_t i = 0; i < s->nodes.nn; i++) vid[i] = UINT32_MAX;
    for (size_t r = 0; r < s->nrefs; r++) {
        size_t k = bp_osm_nodes_find(&s->nodes, s->refs[r]);
        if (k != (size_t)-1) vid[k] = 0;
    }
    for (size_t i = 0; i < s->nodes.nn; i++)
        if (vid[i] == 0) vid[i] = (uint32_t)net->n++;
    net->x = malloc((net->n ? net->n : 1) * sizeof *net->x);
    net->y = malloc((net->n ? net->n : 1) * sizeof *net->y);
    if (!net->x || !net->y) return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    for (size_t i = 0; i < s->nodes.nn; i++)
        if (vid[i] != UINT32_MAX) net->x[vid[i]] = s->nodes.lon[i], net->y[vid[i]] = s->nodes.lat[i];
    OGRCoordinateTransformationH ct = NULL;
    bp_status st = bp_crs_transform_from_wgs84(crs, path, &ct, ctx);
    if (st == BP_OK && ct && net->n && !OCTTransform(ct, (int)net->n, net->x, net->y, NULL))
        st = bp_error(ctx, BP_ERR_DATA, "%s: node coordinates cannot be transformed to %s", path, crs->target_name);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    return st;
}

bp_status bp_network_read_osm(bp_network *net, const char *path, const bp_crs *crs, bp_ctx *ctx)
{
    osm_state s = {0};
    bp_status st = bp_osm_parse(path, &s, osm_node, osm_way, &s.failed, ctx);
    if (st == BP_OK && bp_osm_nodes_sort(&s.nodes) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    uint32_t *vid = st == BP_OK ? malloc((s.nodes.nn ? s.nodes.nn : 1) * sizeof *vid) : NULL;
    if (st == BP_OK && !vid) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    if (st == BP_OK) st = make_vertices(net, &s, vid, path, crs, ctx);
    size_t cap = 0;
    for (size_t w = 0; st == BP_OK && w < s.nw; w++) {
        net->n_ways++;
        uint32_t prev = UINT32_MAX;
        for (size_t r = s.wstart[w]; r < s.wstart[w + 1]; r++) {
            size_t k = bp_osm_nodes_find(&s.nodes, s.refs[r]);
            uint32_t v = k == (size_t)-1 ? UINT32_MAX : vid[k]; /* outside the extract: a gap */
            if (prev != UINT32_MAX && v != UINT32_MAX && bp_network_add_edge(net, &cap, prev, v, s.wflags[w]) < 0) {
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
