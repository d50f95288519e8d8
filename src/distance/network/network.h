/*
 * network/ — walking distances over a path network.
 *
 *   rules.c    walkability rules (layers/walkability.yaml, or the project's
 *              own file): which ways and nodes are walkable, their flags,
 *              what each flag costs per walking profile; evaluated on the
 *              tags of a way, node or area whatever the source
 *   osm.c      one pass over an OpenStreetMap extract (.osm.pbf with readosm,
 *              .osm with osmxml.c, on expat): ways, closed ways and
 *              multipolygon relations for
 *              the graph, tagged nodes, and the facilities of the categories
 *              taken from OpenStreetMap
 *   lines.c    the same from an OGR line layer: plain columns and the GDAL
 *              OSM driver's HSTORE field other_tags read as tags; the
 *              driver's multipolygons and points layers beside it
 *   build.c    the graph builder both readers feed: vertices joined where
 *              they coincide to the millimetre, edges, pedestrian areas
 *              (outline and a mesh across), tagged nodes; then one canonical
 *              graph (vertices in coordinate order, edges sorted, duplicates
 *              dropped)
 *   index.c    a packed R-tree over the passable edges (boxes of the inner
 *              nodes only: no geometry per edge), nearest-edge search
 *   graph.c    loading, the profile's costs, adjacency, components (islands),
 *              run_info, the edges of the walk_network layer, the export
 *   route.c    attachment (with islands), Dijkstra with the endpoint rule
 *              and blocked nodes, distances, counts within a radius, the
 *              edges around the candidates
 *
 * Every way node becomes a vertex, so every edge is a straight segment in
 * the analysis CRS and its length is exact there.
 *
 * This header is internal to network/; the stage's interface is in
 * distance/distance.h.
 */
#ifndef BP_NETWORK_H
#define BP_NETWORK_H

#include "distance/distance.h"

#include <readosm.h>

/* ---- growable arrays ------------------------------------------------------ */

/* Grows arr (count elements used, cap allocated) so one more fits: 0, or
 * -1 when out of memory (arr is then freed and NULL). */
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

/* ---- rules.c: walkability rules ------------------------------------------- */

/* A tag of a way, node or relation; both strings borrowed. */
typedef struct {
    const char *key, *value;
} bp_tag;

/* What a way rule decides. */
enum { BP_WALK_NO = 0, BP_WALK_YES = 1, BP_WALK_ENDPOINT = 2 };

/* An edge's attributes: the flags of its rules (bits 0-7), and: */
enum {
    BP_ATTR_FLAGS = 0xff,
    BP_ATTR_ENDPOINT = 0x100, /* walkable only where a walk starts or ends */
    BP_ATTR_MESH = 0x200,     /* across a pedestrian area, not along a way */
};
#define BP_MAX_FLAGS 8

typedef struct bp_rules bp_rules;

typedef struct {
    const char *path;     /* a rules file; NULL: the built-in layers/walkability.yaml */
    const char *override; /* "id=yes|no|endpoint|off, ..." or NULL */
    const char *costs;    /* "flag=FACTOR|no, ..." for the profile, or NULL */
    const char *profile;  /* "walk", "rollator" */
} bp_rules_opts;

/* Reads and compiles the rules, applies the overrides and picks the
 * profile.  On failure *out is NULL and ctx names the file and line (or the
 * key network.override / network.costs): BP_ERR_USAGE for the user's
 * file or keys, BP_ERR_NOMEM. */
bp_status bp_rules_load(const bp_rules_opts *o, bp_rules **out, bp_ctx *ctx);
void bp_rules_free(bp_rules *r);
/* Number of distinct tag keys the rules look at: the size of the vals
 * array of bp_rules_bind(). */
size_t bp_rules_nkeys(const bp_rules *r);
/* The index of a key in vals, or (size_t)-1 when no rule reads it. */
size_t bp_rules_key(const bp_rules *r, const char *key);
/* Fills vals[0..nkeys-1] with the values of tags for the keys the rules
 * read (NULL: absent); the first of duplicate keys wins.  vals borrows from
 * tags. */
void bp_rules_bind(const bp_rules *r, const bp_tag *tags, size_t n, const char **vals);
/* The way rules on bound tags: BP_WALK_*, with the flags of the deciding
 * rule and of every flag rule in *attr (BP_ATTR_ENDPOINT for endpoint) and
 * the index of the deciding way rule in *rule. */
int bp_rules_way(const bp_rules *r, const char *const *vals, unsigned *attr, size_t *rule);
/* Flags of every node rule that matches. */
unsigned bp_rules_node(const bp_rules *r, const char *const *vals);
/* Does an area rule match (a closed way or multipolygon walked across)? */
int bp_rules_area(const bp_rules *r, const char *const *vals);
/* The profile's factor on the length of an edge with these flags (the
 * largest of its flags'; INFINITY: impassable). */
double bp_rules_factor(const bp_rules *r, unsigned flags);
/* Do these node flags make the node impassable (a walk may end there, not
 * pass) for the profile? */
int bp_rules_blocks(const bp_rules *r, unsigned flags);
/* Flag names (bit i), way rules by index (id and decision), for run_info. */
int bp_rules_nflags(const bp_rules *r);
const char *bp_rules_flag_name(const bp_rules *r, int bit);
size_t bp_rules_nway(const bp_rules *r);
const char *bp_rules_way_id(const bp_rules *r, size_t i);
int bp_rules_way_walk(const bp_rules *r, size_t i);
/* The bit of flag "steps" (the walk_network layer's steps field), or -1. */
int bp_rules_steps_bit(const bp_rules *r);
/* A one-line description of the rules used, for run_info. */
const char *bp_rules_source(const bp_rules *r);

/* ---- build.c: the graph builder ------------------------------------------ */

typedef struct bp_build bp_build;

/* An empty builder; NULL when out of memory. */
bp_build *bp_build_new(void);
void bp_build_free(bp_build *b, GEOSContextHandle_t h);
/* Adds the n-1 segments of a polyline as edges (a NaN coordinate splits it:
 * a node outside the extract); vertices are joined where they coincide to
 * the millimetre.  Returns the number of edges added, -1 out of memory. */
long bp_build_polyline(bp_build *b, const double *x, const double *y, size_t n, unsigned attr);
/* A pedestrian area to walk across: the rings of poly (a polygon or
 * multipolygon in the analysis CRS; ownership taken) get edges like a
 * polyline (when 'rings' is set; a closed way's outline was added as a way
 * already) and, at bp_build_finish(), mesh edges across.  0 or -1 (out of
 * memory; poly destroyed). */
int bp_build_area(bp_build *b, GEOSContextHandle_t h, GEOSGeometry *poly, unsigned attr, int rings);
/* Node flags at a coordinate; they apply to a vertex there (if any) at
 * bp_build_finish().  0 or -1. */
int bp_build_node(bp_build *b, double x, double y, unsigned flags);
/* The canonical graph into net (x, y, eu, ev, len, attr, vflags, n, m,
 * m_mesh, n_areas, n_mesh_skipped): vertices sorted by coordinates, edges
 * (u < v) sorted, duplicates dropped (the smaller attr kept).  The builder
 * is emptied.  BP_ERR_NOMEM or BP_ERR_DATA (GEOS failed on an area). */
bp_status bp_build_finish(bp_build *b, GEOSContextHandle_t h, bp_network *net, bp_ctx *ctx);

/* Sorts idx[0..n-1] by key[idx[i]], stably.  0, or -1 when out of memory
 * (idx unaltered). */
int bp_build_sort(const uint64_t *key, uint32_t *idx, size_t n);

/* ---- index.c: nearest passable edge --------------------------------------- */

/* A geometry as plain coordinates, for exact distances to segments. */
typedef struct {
    double *x, *y;
    size_t n, cap;
    size_t *end;            /* end of each part in x/y */
    unsigned char *kind;    /* per part: 0 point(s), 1 line, 2 polygon ring */
    size_t nparts, capparts;
    double minx, miny, maxx, maxy;
} bp_shape;

/* Reads geom's coordinates into s (its arrays reused); 0 or -1. */
int bp_shape_set(bp_shape *s, GEOSContextHandle_t h, const GEOSGeometry *geom);
void bp_shape_free(bp_shape *s);
/* Exact distance between segment (x0,y0)-(x1,y1) and the shape (0 when it
 * touches or lies inside a polygon). */
double bp_shape_segment_distance(const bp_shape *s, double x0, double y0, double x1, double y1);

typedef struct bp_segindex bp_segindex;
/* Index over the passable edges of net (edge e passable when pass[e]);
 * borrows net's coordinates.  NULL when out of memory. */
bp_segindex *bp_segindex_new(const bp_network *net, const unsigned char *pass);
void bp_segindex_free(bp_segindex *ix);
/* Scratch of one thread's searches. */
typedef struct {
    void *a;
    size_t n, cap;
} bp_segindex_heap;
/* Nearest indexed edge to s, among those 'keep' accepts (NULL: all), at
 * most maxdist away (INFINITY: no bound); ties: the lowest edge number.
 * *edge UINT32_MAX when none.  0, or -1 when out of memory. */
int bp_segindex_nearest(const bp_segindex *ix, const bp_network *net, const bp_shape *s, double maxdist,
                        int (*keep)(uint32_t edge, const void *ud), const void *ud, bp_segindex_heap *heap,
                        uint32_t *edge, double *dist);

/* ---- the network ------------------------------------------------------------ */

struct bp_network {
    size_t n, m;            /* vertices, edges (mesh edges included) */
    double *x, *y;
    uint32_t *eu, *ev;      /* edge ends, eu < ev */
    double *len;            /* metres */
    uint16_t *attr;         /* BP_ATTR_* and flags */
    double *cost;           /* len * the profile's factor (INFINITY: impassable) */
    unsigned char *vflags;  /* node flags per vertex, or NULL (none) */
    double factor[256];     /* the profile's factor per flag set (INFINITY: impassable) */
    unsigned char vblock[256]; /* node flag sets that block */
    int has_endpoint;       /* some passable edge is BP_ATTR_ENDPOINT */
    uint32_t *off, *adj;    /* CSR: passable edges around each vertex */
    uint32_t *comp;         /* component of each vertex (over passable edges) */
    unsigned char *comp_big;/* per component: not an island */
    size_t ncomp, nbig;
    bp_segindex *ix;        /* over the passable edges */
    /* what was built, for run_info */
    size_t m_mesh, n_areas, n_mesh_skipped, n_ways, n_relations, n_vblocked;
    size_t n_endpoint, n_enclosed; /* passable endpoint edges; public ones among them */
    size_t *rule_ways;      /* ways decided per way rule */
    size_t n_flag[BP_MAX_FLAGS];
    double big_len, island_len;
    size_t island_edges, islands;
    char *rules_info, *layers_info;
    int steps_bit;
    char *flag_names[BP_MAX_FLAGS];
    int nflags;
    /* per run (bp_network_distances) */
    uint32_t *out_edges;    /* the edges of the walk_network layer */
    size_t n_out;
    size_t att_plots_island, att_fac_island, plots_off, fac_off;
    int counts_network;
    double island_m;
    int rollator;
    double tol;             /* snap tolerance, metres */
    int threads;            /* for the Dijkstras; 0: one per core */
    char *source;
};

/* Cost of edge e for the profile (INFINITY: impassable). */
static inline double bp_edge_cost(const bp_network *net, size_t e)
{
    return net->cost[e];
}

/* ---- osm.c / lines.c: the readers -------------------------------------------- */

/* What a reader counted. */
typedef struct {
    size_t ways, relations;
    size_t *rule_ways;      /* per way rule, bp_rules_nway() entries */
} bp_read_stats;

/* One pass over an OSM file: with rules and b, the walkable ways, areas and
 * tagged nodes into b; with req, the facilities.  Progress from 0 to 1
 * (NULL: none; FALSE from it: BP_ERR_ABORTED).  BP_ERR_USAGE: no such
 * file; BP_ERR_DATA: not OSM data or damaged. */
bp_status bp_osm_read(const char *path, const bp_rules *rules, bp_build *b, bp_read_stats *stats,
                      const bp_osm_request *req, const bp_crs *crs, bp_geos *g, GDALProgressFunc progress,
                      void *pdata, bp_ctx *ctx);

/* osmxml.c: an OpenStreetMap XML file through readosm's callbacks (ud is
 * passed on); a callback that returns other than READOSM_OK stops the
 * parse with *stopped set.  BP_ERR_USAGE: no such file; BP_ERR_DATA: not
 * well-formed, or a node, tag, nd or member lacks what it needs (the
 * message names the line); BP_ERR_NOMEM. */
bp_status bp_osmxml_parse(const char *path, void *ud, readosm_node_callback nodes, readosm_way_callback ways,
                          readosm_relation_callback relations, int *stopped, bp_ctx *ctx);

/* An OGR line layer (spec "path|layername=NAME") into b; when the dataset
 * is the GDAL OSM driver's (other_tags), also its multipolygons (closed
 * ways, pedestrian areas) and points (tagged nodes) layers.  *layers gets a
 * description of what was read (caller frees). */
bp_status bp_lines_read(const char *spec, const bp_rules *rules, bp_build *b, bp_read_stats *stats,
                        const bp_crs *crs, bp_geos *g, char **layers, GDALProgressFunc progress, void *pdata,
                        bp_ctx *ctx);
/* Parses GDAL's HSTORE text ("k"=>"v","k2"=>NULL, with \" and \\
 * escapes) into at most max tags, unescaped into buf (size at least
 * strlen(text)+1); NULL values are left out.  Returns the number of tags,
 * or -1 when the text is malformed (tags before the fault are kept in
 * *ntags). */
int bp_lines_hstore(const char *text, char *buf, bp_tag *tags, int max, int *ntags);

#endif /* BP_NETWORK_H */
