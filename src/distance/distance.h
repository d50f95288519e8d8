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

/* Which edges the walk_network layer gets. */
enum { BP_WALK_NETWORK_NONE = 0, BP_WALK_NETWORK_AROUND = 1, BP_WALK_NETWORK_ALL = 2 };

typedef struct {
    const char *source;       /* .osm / .osm.pbf (readosm) or any OGR line layer */
    int rollator;             /* 0: walk, 1: rollator profile */
    double snap_tolerance_m;  /* farther from a passable way: not attached */
    int threads;              /* 0: one per core */
    const char *rules;        /* walkability rules file; NULL: layers/walkability.yaml */
    const char *override;     /* "rule_id=yes|no|endpoint|off, ..." or NULL */
    const char *costs;        /* "flag=FACTOR|no, ..." for the profile, or NULL */
    double island_m;          /* a component with less passable way is an island */
    int counts;               /* 1: count facilities within radius_m over the network */
    double radius_m;          /* of the counts */
    int walk_network;         /* BP_WALK_NETWORK_* */
    double around_m;          /* 'around': edges within this walk of a candidate */
    GDALProgressFunc progress;/* of the call it is passed to (NULL: none);
                                 FALSE from it: BP_ERR_ABORTED */
    void *pdata;
} bp_network_opts;

/* Facilities taken from the network's OpenStreetMap file in the same pass
 * (network/network.h); NULL when none are. */
typedef struct bp_osm_request bp_osm_request;
struct bp_osm_request {
    char *const *tags;        /* per category "key=value, ..." or NULL (not from OSM) */
    char *const *names;       /* category names, for messages */
    size_t ncat;
    bp_layer *fac;            /* ncat layers; those with tags are filled (cleared first) */
};

/* Reads the network (and, with req, the facilities of an OSM file in the
 * same pass) and builds the walking graph in the analysis CRS for the
 * options' profile and rules.  On failure *out is NULL and the error is in
 * ctx (a rules file or override names its line or key). */
bp_status bp_network_load(const bp_network_opts *o, const bp_crs *crs, bp_geos *g, const bp_osm_request *req,
                          bp_network **out, bp_ctx *ctx);
/* Frees the network; NULL is a no-op (g is not used). */
void bp_network_free(bp_network *net, bp_geos *g);
/* Adds the distance and network.* rows of run_info: graph counts, the rules
 * and the ways each decided, islands, attachments. */
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
 * (dist[i*ncat+c], NaN when unreachable or not attached) and, when count is
 * not NULL, the number of facilities within o->radius_m over the network
 * (count[i*ncat+c]).  Plots and facilities attach at the nearest point of
 * the nearest passable edge within the snap tolerance (and of the main
 * network too when that edge is on an island).  One multi-source Dijkstra
 * per category, the categories spread over threads.  Also chooses the
 * edges of the walk_network layer (o->walk_network).  Progress from 0 to 1
 * through o->progress; BP_ERR_ABORTED when it says stop. */
bp_status bp_network_distances(bp_network *net, const bp_network_opts *o, bp_geos *g, GEOSGeometry *const *plots,
                               size_t nplots, const bp_layer *fac, size_t ncat, double *dist, int32_t *count,
                               bp_network_out *out, bp_ctx *ctx);

/* The edges of the walk_network layer (every edge, or those chosen by the
 * last bp_network_distances()): k from 0 to bp_network_edge_count()-1. */
size_t bp_network_edge_count(const bp_network *net);
/* The edge's number in the graph. */
size_t bp_network_edge_id(const bp_network *net, size_t k);
void bp_network_edge(const bp_network *net, size_t k, double *x0, double *y0, double *x1, double *y1,
                     double *len, double *cost, int *steps);
/* Walking distance from the nearer end of edge k to category c, from the
 * vertex distances of bp_network_distances() (NaN: none). */
double bp_network_edge_dist(const bp_network *net, const double *vertex_dist, size_t k, size_t c);
/* Writes PREFIX_nodes.csv (with the nodes the profile cannot pass) and
 * PREFIX_edges.csv (every edge with its cost, "inf" where the profile
 * cannot pass, and its endpoint and mesh marks), for the independent check
 * in the tests. */
bp_status bp_network_export_graph(const bp_network *net, const char *prefix, bp_ctx *ctx);

/* Facilities of several categories from an OpenStreetMap file, without the
 * graph: for each category c with tags[c] not NULL ("key=value, ..."),
 * every node, closed way and multipolygon relation carrying one of those
 * tags, into fac[c] (cleared first; names from the name tag; areas as
 * polygons, repaired when invalid).  Categories with tags[c] NULL are left
 * untouched.  'names' names the categories in messages. */
bp_status bp_osm_facilities(const char *path, char *const *tags, char *const *names, size_t ncat,
                            const bp_crs *crs, bp_geos *g, bp_layer *fac, bp_ctx *ctx);

#endif /* BP_DISTANCE_H */
