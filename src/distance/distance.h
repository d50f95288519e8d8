/*
 * distance/ — the distance stage: from every plot to the nearest facility
 * of each category, and the number of facilities within the count radius.
 * Straight-line distances (euclidean.c, on a GEOS STRtree index, sindex.c)
 * or walking distances over a path network (network/: OpenStreetMap or OGR
 * line layers, walking profiles, attachment, Dijkstra).
 *
 * Every function here takes plain arrays (geometries in, numbers out) and
 * its own options: nothing of the configuration, nothing of the result.
 *
 * Module prefixes: bp_sindex_ (sindex.c), bp_euclidean_ (euclidean.c),
 * bp_network_ / bp_osm_ (network/).
 */
#ifndef BP_DISTANCE_H
#define BP_DISTANCE_H

#include "core/core.h"
#include "input/input.h"

/* ---- sindex.c ------------------------------------------------------------ */

typedef struct bp_sindex bp_sindex;
/* An STRtree over geoms[0..n-1]; the array and geometries are borrowed and
 * must outlive the index.  The tree is built before return, so it can be
 * queried, but by one thread only (the one owning the GEOS context h).
 * NULL when out of memory. */
bp_sindex *bp_sindex_new(GEOSContextHandle_t h, GEOSGeometry *const *geoms, size_t n);
void bp_sindex_free(bp_sindex *ix);
/* Calls fn(index, ud) for each geometry whose envelope comes within
 * 'expand' of the envelope of q. */
void bp_sindex_query(bp_sindex *ix, const GEOSGeometry *q, double expand, void (*fn)(size_t idx, void *ud),
                     void *ud);
/* Exact distance from q (prepared as pq, or NULL: unprepared) to the
 * nearest geometry, its index and the number of geometries within 'radius';
 * 'win' is bp_sindex_window(q, radius) or NULL; count may be NULL when
 * only the nearest is wanted (then 'radius' is just the first window).
 * Returns 0 on success, -1 when a GEOS call failed. */
int bp_sindex_proximity(bp_sindex *ix, const GEOSGeometry *q, const GEOSPreparedGeometry *pq,
                        const GEOSGeometry *win, double radius, double *dist, size_t *nearest, int *count);
/* The rectangle of q's envelope grown by 'expand' (caller destroys), to
 * pass as 'win' above when one plot is queried against several indexes. */
GEOSGeometry *bp_sindex_window(GEOSContextHandle_t h, const GEOSGeometry *q, double expand);

/* ---- euclidean.c --------------------------------------------------------- */

typedef struct {
    double radius_m;  /* radius of the counts */
    int threads;      /* 0: one per core */
} bp_euclidean_opts;

/* Straight-line proximity of every plot to every category: dist[i*ncat+c]
 * (metres, exact, 0 when touching; NaN when the category has no
 * facilities) and count[i*ncat+c] (within the radius).  Each thread has its
 * own GEOS context and indexes; results do not depend on the thread count.
 * BP_ERR_ABORTED when progress says stop. */
bp_status bp_euclidean_distances(const bp_euclidean_opts *o, GEOSGeometry *const *plots, size_t nplots,
                                 const bp_layer *facilities, size_t ncat, double *dist, int32_t *count,
                                 GDALProgressFunc progress, void *pdata, bp_ctx *ctx);

/* ---- network/: walking distances ----------------------------------------- */

typedef struct bp_network bp_network;

typedef struct {
    const char *source;       /* .osm / .osm.pbf (readosm) or any OGR line layer */
    int rollator;             /* 0: walk, 1: rollator profile */
    double snap_tolerance_m;  /* farther from a passable way: not attached */
    int threads;              /* 0: one per core */
} bp_network_opts;

/* Builds the walking graph in the analysis CRS for the options' profile.
 * On failure *out is NULL and the error is in ctx. */
bp_status bp_network_load(const bp_network_opts *o, const bp_crs *crs, bp_geos *g, bp_network **out,
                          bp_ctx *ctx);
/* Frees the network (g: the context it was built in); NULL is a no-op. */
void bp_network_free(bp_network *net, bp_geos *g);
/* Adds the network.* rows of run_info (source, profile, graph counts). */
void bp_network_info(const bp_network *net, bp_kv *kv);

/* What a network distance run returns besides the per-plot distances. */
typedef struct {
    double *plot_attach;      /* per plot: metres to the nearest passable
                                 way (INFINITY: none); given by the caller */
    size_t *fac_unattached;   /* per category: facilities beyond the snap
                                 tolerance; given by the caller */
    double *vertex_dist;      /* ncat * vertices: walking distance from each
                                 vertex to each category (INFINITY: none);
                                 allocated when wanted (want_vertex_dist),
                                 freed by the caller with free() */
    int want_vertex_dist;
} bp_network_out;

/* Walking distance from each plot to the nearest facility of each category
 * (dist[i*ncat+c], NaN when unreachable or not attached).  Plots and
 * facilities attach at the nearest point of the nearest passable edge
 * within the snap tolerance.  One multi-source Dijkstra per category, the
 * categories spread over threads. */
bp_status bp_network_distances(bp_network *net, bp_geos *g, GEOSGeometry *const *plots, size_t nplots,
                               const bp_layer *fac, size_t ncat, double *dist, bp_network_out *out,
                               bp_ctx *ctx);

/* The edges, for the walk_network layer. */
size_t bp_network_edge_count(const bp_network *net);
void bp_network_edge(const bp_network *net, size_t e, double *x0, double *y0, double *x1, double *y1,
                     double *len, double *cost, int *steps);
/* Walking distance from the nearer end of edge e to category c, from the
 * vertex distances of bp_network_distances() (NaN: none). */
double bp_network_edge_dist(const bp_network *net, const double *vertex_dist, size_t e, size_t c);
/* Writes PREFIX_nodes.csv and PREFIX_edges.csv (passable edges with their
 * costs), for the independent check in the tests. */
bp_status bp_network_export_graph(const bp_network *net, const char *prefix, bp_ctx *ctx);

/* Walkable for OSM tags (any may be NULL); *flags gets BP_EDGE_* bits. */
enum { BP_EDGE_STEPS = 1, BP_EDGE_ROUGH = 2 };
int bp_network_walkable(const char *highway, const char *foot, const char *access, const char *incline,
                        const char *surface, int *flags);

/* ---- network/osm_facilities.c -------------------------------------------- */

/* Facilities of several categories from an OpenStreetMap file: for each
 * category c with tags[c] not NULL ("key=value, key=value"), every node,
 * and every closed way as a polygon, carrying one of those tags, into
 * fac[c] (cleared first; names from the name tag).  Categories with
 * tags[c] NULL are left untouched.  'names' names the categories in
 * messages. */
bp_status bp_osm_facilities(const char *path, char *const *tags, char *const *names, size_t ncat,
                            const bp_crs *crs, bp_geos *g, bp_layer *fac, bp_ctx *ctx);

#endif /* BP_DISTANCE_H */
