/*
 * network/ — walking distances over a path network.
 *
 *   osm.c             the graph from an OpenStreetMap extract (readosm, which
 *                     hands over each way's node ids, so ways join where they
 *                     share nodes)
 *   lines.c           the graph from any OGR line layer (joined where
 *                     vertices coincide to the millimetre)
 *   graph.c           walkability of OSM tags, edges, profiles (costs),
 *                     adjacency, the segment index; loading; the edges for
 *                     the walk_network layer
 *   route.c           attachment of plots and facilities to the nearest
 *                     point of the nearest passable edge, multi-source
 *                     Dijkstra per category on threads
 *   osm_facilities.c  facilities tagged in an OpenStreetMap file
 *
 * Every OSM node of a walkable way becomes a vertex, so every edge is a
 * straight segment in the analysis CRS and its length is exact there.
 * Profiles: walk takes every walkable way; rollator makes steps impassable
 * and multiplies the length of ways with an incline or a rough surface by
 * BP_ROUGH_FACTOR, so distances are effort-weighted metres.
 *
 * This header is internal to network/; the stage's interface is in
 * distance/distance.h.
 */
#ifndef BP_NETWORK_H
#define BP_NETWORK_H

#include "distance/distance.h"

#define BP_ROUGH_FACTOR 1.5 /* rollator: incline or rough surface */

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
    int rollator;           /* the profile the costs are for */
    double tol;             /* snap tolerance, metres */
    int threads;            /* for the Dijkstras; 0: one per core */
    char *source;
};

/* ---- growable arrays ------------------------------------------------------ */

/* ---- growable arrays ------------------------------------------------------ */

#define GROW(arr, count, cap)                                                                      \
    ((count) < (cap) ? 0                                                                         \
                     : ((cap) = (cap) ? (cap) * 2 : 1024,                                         \
                        ((arr) = realloc_or_free((arr), (cap) * sizeof *(arr))) ? 0 : -1))

static inline void *realloc_or_free(void *p, size_t size)
{
    void *q = realloc(p, size);
    if (!q) free(p);
    return q;
}


/* Appends edge u-v (not when u == v) with its length from the vertex
 * coordinates; *cap is the capacity of the edge arrays.  0, or -1 when out
 * of memory. */
int bp_network_add_edge(bp_network *net, size_t *cap, uint32_t u, uint32_t v, unsigned char flags);

/* osm.c: reads the walkable ways of an OSM file into net (vertices, edges). */
bp_status bp_network_read_osm(bp_network *net, const char *path, const bp_crs *crs, bp_ctx *ctx);
/* lines.c: reads an OGR line layer into net (vertices, edges). */
bp_status bp_network_read_lines(bp_network *net, const char *spec, const bp_crs *crs, bp_geos *g, bp_ctx *ctx);

/* ---- OSM helpers shared by osm.c and osm_facilities.c --------------------- */

#include <readosm.h>

/* OSM nodes as read, in file order or sorted by id. */
typedef struct {
    int64_t *nid;
    double *lon, *lat;
    size_t nn, capn;
    int sorted;              /* ids ascending as read */
} bp_osm_nodes;

/* Value of tag 'key', or NULL. */
const char *bp_osm_tag(const readosm_tag *tags, int n, const char *key);
/* Appends a node; 0 or -1 when out of memory. */
int bp_osm_nodes_add(bp_osm_nodes *s, const readosm_node *node);
/* Sorts the nodes by id (when not sorted as read); 0 or -1 (out of memory,
 * left as they were). */
int bp_osm_nodes_sort(bp_osm_nodes *s);
/* Index of node id in sorted nodes, or (size_t)-1. */
size_t bp_osm_nodes_find(const bp_osm_nodes *s, int64_t id);
void bp_osm_nodes_free(bp_osm_nodes *s);
/* Opens and parses an OSM file with the given callbacks and their state;
 * *failed is the state's out-of-memory flag.  BP_ERR_USAGE: no such file;
 * BP_ERR_DATA: not OSM data, or damaged. */
bp_status bp_osm_parse(const char *path, void *state, readosm_node_callback nodes, readosm_way_callback ways,
                       const int *failed, bp_ctx *ctx);

#endif /* BP_NETWORK_H */
