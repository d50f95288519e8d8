/*
 * bp_internal.h — types and functions shared between the library's modules.
 * Not installed; the public interface is include/bodnaarplot.h.
 *
 * Module prefixes: bp_ctx_/bp_error (ctx.c), bp_config_ (config.c),
 * bp_yaml_ (yaml.c), bp_layer_/bp_source_ (layerio.c), bp_crs_ (crs.c),
 * bp_sindex_ (sindex.c), bp_proximity_ (proximity.c), bp_criteria_
 * (criteria.c), bp_filter_ (filter.c), bp_gap_ (gap.c), bp_layerdef_
 * (layerdef.c), bp_export_ (export.c), bp_qgis_ (qgis.c); bp_run lives in
 * run.c.
 */
#ifndef BP_INTERNAL_H
#define BP_INTERNAL_H

#include "bodnaarplot.h"

#include <stdarg.h>
#include <stdint.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <geos_c.h>

#if defined(__GNUC__)
#define BP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BP_PRINTF(a, b)
#endif

/* ---- ctx.c -------------------------------------------------------------- */

/* Records an error; only the first error since bp_ctx_clear() is kept, so
 * the message names the root cause.  Returns 'status' for tail calls. */
bp_status bp_error(bp_ctx *ctx, bp_status status, const char *fmt, ...) BP_PRINTF(3, 4);
/* Records a warning and passes it to the warning handler. */
void bp_warn(bp_ctx *ctx, const char *fmt, ...) BP_PRINTF(2, 3);
/* Logs the time since *last as a GDAL debug message (shown with
 * CPL_DEBUG=BODNAARPLOT) and sets *last to now. */
struct timespec;
void bp_debug_phase(const char *name, struct timespec *last);
/* Last message GDAL/OGR raised (CPLGetLastErrorMsg), or "unknown error". */
const char *bp_cpl_msg(void);

/* A GEOS context whose errors and notices go to a buffer, for one thread. */
typedef struct {
    GEOSContextHandle_t h;
    char msg[512];
} bp_geos;
/* Returns BP_OK or BP_ERR_NOMEM. */
bp_status bp_geos_init(bp_geos *g, bp_ctx *ctx);
void bp_geos_finish(bp_geos *g);

/* strdup that records BP_ERR_NOMEM in ctx (ctx may be NULL) on failure. */
char *bp_strdup(const char *s);
/* Formats into a new string; NULL when out of memory. */
char *bp_strfmt(const char *fmt, ...) BP_PRINTF(1, 2);

/* ---- config.c ----------------------------------------------------------- */

typedef enum { BP_DECAY_LINEAR = 0, BP_DECAY_LOGISTIC = 1 } bp_decay;

/* One facility category with its criterion. */
typedef struct {
    char *name;        /* category, e.g. "supermarkt" */
    char *source;      /* OGR source spec; NULL while only criteria were set */
    char *where;       /* optional OGR attribute filter on the source */
    char *name_field;  /* optional field holding the facility's name */
    double full_m;     /* score 100 up to this distance */
    double zero_m;     /* score 0 from this distance */
    double knockout_m; /* plot knocked out beyond it; 0 = no knock-out */
    bp_decay decay;
    double weight[BP_NTYPES]; /* weight per profile */
    char *osm_tags;    /* "key=value, ..." when taken from the OSM network */
    int from_osm;      /* the facilities come from the network's OSM file */
} bp_category;

struct bp_config {
    char *candidates, *id_field, *filter, *candidates_where;
    char *gemeenten, *code_field, *name_field;
    char *targets;
    bp_category *cats;
    size_t ncats;
    char *crs, *assume_crs;
    bp_type profile;
    double radius_m;
    double density;               /* homes per hectare */
    double min_homes[BP_NTYPES];  /* knock-out below this capacity */
    double gap_weight;            /* 0..1, see criteria.c */
    int threads;                  /* 0 = number of cores */
    char *network;                /* walking network source, or NULL */
    int rollator;                 /* walking profile: 0 walk, 1 rollator */
    double snap_tolerance_m;      /* farther from the network: no distance */
    int distance_network;         /* -1 auto (network when given), 0 euclidean, 1 network */
    int facilities_from_osm;      /* categories of layers/osm_facilities.yaml from the network */
    char *output;
    char *format;                 /* GDAL driver name, or NULL: from the output name */
    int overwrite;
};

/* bp_config_load_yaml() on text in memory; 'name' stands for the file in
 * messages and its folder part resolves relative paths. */
bp_status bp_config_load_yaml_text(bp_config *cfg, const char *text, size_t len, const char *name,
                                   bp_ctx *ctx);
/* Category by name, or NULL. */
const bp_category *bp_config_category(const bp_config *cfg, const char *name);

/* ---- yaml.c: a small YAML tree (no anchors/aliases), with line numbers --- */

typedef enum { BP_YAML_SCALAR, BP_YAML_MAP, BP_YAML_SEQ } bp_yaml_kind;
typedef struct bp_yaml bp_yaml;
struct bp_yaml {
    bp_yaml_kind kind;
    int line;          /* 1-based line of the node in the source */
    char *value;       /* scalar text */
    int plain;         /* scalar written without quotes */
    size_t n;          /* entries of a map or seq */
    char **keys;       /* map keys */
    int *key_lines;
    bp_yaml **items;   /* map values or seq items */
};
/* Parses YAML text; 'name' is used in messages.  Returns NULL on failure
 * with the error in ctx (BP_ERR_USAGE: the file is the user's input). */
bp_yaml *bp_yaml_parse(const char *text, size_t len, const char *name, bp_ctx *ctx);
bp_yaml *bp_yaml_parse_file(const char *path, bp_ctx *ctx);
void bp_yaml_free(bp_yaml *y);
/* Value of 'key' in a map, or NULL. */
const bp_yaml *bp_yaml_get(const bp_yaml *map, const char *key);

/* ---- crs.c -------------------------------------------------------------- */

typedef struct {
    OGRSpatialReferenceH target;  /* analysis CRS, projected, metres */
    OGRSpatialReferenceH assume;  /* for layers without CRS, or NULL */
    char *target_name;            /* e.g. "EPSG:28992" */
} bp_crs;

bp_status bp_crs_init(bp_crs *crs, const char *target, const char *assume, bp_ctx *ctx);
void bp_crs_clear(bp_crs *crs);
/* Transformation from 'src' (may be NULL: use the assumed CRS) to the
 * analysis CRS; *out is NULL when none is needed.  'what' names the layer
 * for messages. */
bp_status bp_crs_transform_for(const bp_crs *crs, OGRSpatialReferenceH src,
                               const char *what,
                               OGRCoordinateTransformationH *out, bp_ctx *ctx);

/* ---- layerio.c ---------------------------------------------------------- */

/* An OGR source spec "path|layername=NAME" split in its parts. */
typedef struct {
    char *path;
    char *layer; /* NULL: the only layer */
} bp_source;
bp_status bp_source_parse(const char *spec, bp_source *out, bp_ctx *ctx);
void bp_source_clear(bp_source *s);
/* Opens the source read-only. */
bp_status bp_source_open(const bp_source *s, GDALDatasetH *ds, OGRLayerH *lyr, bp_ctx *ctx);

/* Features of one layer in the analysis CRS. */
typedef struct {
    char *what;             /* "path, layer NAME" for messages */
    size_t n;
    GEOSGeometry **geom;    /* valid geometries, owned */
    OGRFeatureH *feat;      /* attributes without geometry, or NULL */
    OGRFeatureDefnH defn;   /* referenced; NULL when feat is NULL */
    char **names;           /* values of the name field, or NULL */
    int64_t *fid;
    size_t n_read, n_skipped, n_repaired;
    int max_dim;            /* 0 points, 1 lines, 2 polygons */
} bp_layer;

typedef struct {
    const char *where;      /* OGR attribute filter, or NULL */
    const char *name_field; /* field to keep in names[], or NULL */
    int guess_name;         /* use a field called name/naam when present */
    int keep_attrs;         /* keep feat[] and defn */
} bp_layer_opts;

/* Reads every feature, reprojects it to the analysis CRS, repairs invalid
 * geometries (GEOS MakeValid, structure method) and skips features without
 * geometry, counting both.  An empty result is BP_ERR_DATA.  On failure
 * 'out' is cleared. */
bp_status bp_layer_read(bp_layer *out, const char *spec, const bp_layer_opts *opts,
                        const bp_crs *crs, bp_geos *g,
                        GDALProgressFunc progress, void *pdata, bp_ctx *ctx);
void bp_layer_clear(bp_layer *l, bp_geos *g);

/* ---- sindex.c ----------------------------------------------------------- */

typedef struct bp_sindex bp_sindex;
/* An STRtree over geoms[0..n-1]; the array and geometries are borrowed and
 * must outlive the index.  The tree is built before return, so it can be
 * queried but is used by one thread only (one per GEOS context). */
bp_sindex *bp_sindex_new(GEOSContextHandle_t h, GEOSGeometry *const *geoms, size_t n);
void bp_sindex_free(bp_sindex *ix);
/* Calls fn(index, ud) for each geometry whose envelope comes within
 * 'expand' of the envelope of q. */
void bp_sindex_query(bp_sindex *ix, const GEOSGeometry *q, double expand,
                     void (*fn)(size_t idx, void *ud), void *ud);
/* Exact distance from q (prepared as pq, or NULL: unprepared) to the
 * nearest geometry, its index and the number of geometries within 'radius';
 * 'win' is bp_sindex_window(q, radius) or NULL; count may be NULL when
 * only the nearest is wanted (then 'radius' is just the first window).  Returns 0 on success, -1
 * when a GEOS call failed. */
int bp_sindex_proximity(bp_sindex *ix, const GEOSGeometry *q,
                        const GEOSPreparedGeometry *pq, const GEOSGeometry *win,
                        double radius, double *dist, size_t *nearest, int *count);
/* The rectangle of q's envelope grown by 'expand' (caller destroys), to
 * pass as 'win' above when one plot is queried against several indexes. */
GEOSGeometry *bp_sindex_window(GEOSContextHandle_t h, const GEOSGeometry *q, double expand);

/* ---- proximity.c -------------------------------------------------------- */

/* Straight-line proximity of every plot to every category: dist[i*ncat+c]
 * (metres, exact, 0 when touching) and count[i*ncat+c] (within radius).
 * Runs 'threads' threads (0 = cores), each with its own GEOS context. */
bp_status bp_proximity_euclidean(GEOSGeometry *const *plots, size_t nplots,
                                 const bp_layer *facilities, size_t ncat,
                                 double radius, int threads,
                                 double *dist, int *count,
                                 GDALProgressFunc progress, void *pdata, bp_ctx *ctx);

/* ---- network.c ----------------------------------------------------------- */

typedef struct bp_network bp_network;
/* Walkable for OSM tags (any may be NULL); *flags gets steps/rough bits. */
int bp_network_walkable(const char *highway, const char *foot, const char *access, const char *incline,
                        const char *surface, int *flags);
/* Builds the walking graph from an .osm/.osm.pbf file (readosm) or an OGR
 * line layer, in the analysis CRS, for the walk (rollator = 0) or rollator
 * profile.  On failure *out is NULL and the error is in ctx. */
bp_status bp_network_load(const char *src, int rollator, const bp_crs *crs, bp_geos *g, bp_network **out,
                          bp_ctx *ctx);
void bp_network_free(bp_network *net, bp_geos *g);
void bp_network_stats(const bp_network *net, size_t *nodes, size_t *edges, size_t *ways, size_t *steps,
                      size_t *rough);
/* Walking distance from each plot to the nearest facility of each category
 * (dist[i*ncat+c], NaN when unreachable or not attached); plot_attach[i] is
 * the plot's distance to the nearest passable way (attached when <= tol);
 * fac_unattached[c] counts facilities beyond tol.  Keeps the distance of
 * every vertex for bp_network_edge_dist(). */
bp_status bp_network_distances(bp_network *net, bp_geos *g, GEOSGeometry *const *plots, size_t nplots,
                               const bp_layer *fac, size_t ncat, double tol, int threads, double *dist,
                               double *plot_attach, size_t *fac_unattached, bp_ctx *ctx);
size_t bp_network_edge_count(const bp_network *net);
void bp_network_edge(const bp_network *net, size_t e, double *x0, double *y0, double *x1, double *y1,
                     double *len, double *cost, int *steps);
/* Walking distance from the nearer end of edge e to category c (NaN: none). */
double bp_network_edge_dist(const bp_network *net, size_t e, size_t c);
/* Facilities of every from_osm category of cfg, read from the OSM file
 * 'path' (nodes, and closed ways as polygons, with one of the category's
 * key=value tags), into fac[c] for those categories (others untouched). */
bp_status bp_osm_facilities(const char *path, const bp_config *cfg, const bp_crs *crs, bp_geos *g,
                            bp_layer *fac, bp_ctx *ctx);
/* Writes PREFIX_nodes.csv and PREFIX_edges.csv (passable edges, costs). */
bp_status bp_network_export_graph(const bp_network *net, const char *prefix, bp_ctx *ctx);

/* ---- criteria.c --------------------------------------------------------- */

/* Distance to a 0-100 score: 100 up to full, 0 from zero; linear or
 * logistic between.  A NaN distance (unreachable) scores 0. */
double bp_criteria_decay(double d, double full, double zero, bp_decay kind);
/* Weighted mean (0-100) of the category scores for profile t. */
double bp_criteria_suitability(const bp_config *cfg, bp_type t, const double *cat_scores);
/* Final score: suitability discounted by up to gap_weight where the
 * gemeente's gap share for the type is small.  NaN share = unknown (0.5). */
double bp_criteria_final(double suitability, double gap_share, double gap_weight);
/* Plot capacity in homes from its area (m²) at density homes/ha. */
double bp_criteria_capacity(double area_m2, double density);
/* Appends knock-out reasons (words, "; "-separated) for profile t to buf;
 * returns the number of reasons. */
int bp_criteria_knockouts(const bp_config *cfg, bp_type t, const double *dist,
                          double area_m2, int polygonal, char *buf, size_t bufsize);
/* Rounds a score to 2 decimals (what is written and ranked). */
double bp_criteria_round(double score);

/* ---- filter.c ----------------------------------------------------------- */

typedef struct {
    const bp_layer *plots;
    const char *id_field;
    size_t ncat;
    const bp_config *cfg;
    const double *dist;     /* nplots*ncat */
    const int *count;
    const double *area;
    const double *capacity;
    const char *const *gemeente_code;
} bp_filter_input;
/* Evaluates the user's SQL filter (an SQLite/SpatiaLite WHERE expression)
 * read-only on a table "candidates" with the plot attributes, geom and the
 * computed columns.  pass[i] = 1 when plot i satisfies it. */
bp_status bp_filter_eval(const char *filter, const bp_filter_input *in,
                         unsigned char *pass, bp_ctx *ctx);

/* ---- gap.c -------------------------------------------------------------- */

typedef struct {
    char *code;   /* normalised GMxxxx */
    char *name;
    GEOSGeometry *geom; /* union of the gemeente's polygons, valid */
    int has_target[BP_NTYPES];
    double opgave[BP_NTYPES], plannen[BP_NTYPES], gerealiseerd[BP_NTYPES]; /* NaN = missing */
} bp_gemeente;

typedef struct {
    bp_gemeente *g;
    size_t n;
} bp_gemeenten;

/* Normalises a gemeente code: "GM0193", "0193", "193" -> "GM0193" (other
 * codes are kept, trimmed).  Writes into buf. */
void bp_gap_normalise_code(const char *in, char *buf, size_t bufsize);
/* Parses a CSV count.  Returns 0 with *out set; 1 when missing (empty, or a
 * CBS sentinel <= -99999990, *sentinel set to 1); -1 when not a number or
 * negative. */
int bp_gap_parse_count(const char *s, double *out, int *sentinel);
/* gap = max(0, opgave - plannen - gerealiseerd); share = gap / opgave
 * (0 when opgave is 0).  Returns 0 when any input is missing (NaN): gap and
 * share are then NaN. */
int bp_gap_compute(double opgave, double plannen, double gerealiseerd,
                   double *gap, double *share);
/* Groups the gemeente layer by code field and unions each group. */
bp_status bp_gap_gemeenten(const bp_layer *layer, const char *code_field,
                           const char *name_field, bp_geos *g,
                           bp_gemeenten *out, bp_ctx *ctx);
/* Reads the targets CSV into the gemeenten. */
bp_status bp_gap_read_targets(bp_gemeenten *gm, const char *csv_path, bp_ctx *ctx);
/* For each plot the index of the gemeente it overlaps most. */
bp_status bp_gap_assign(const bp_gemeenten *gm, GEOSGeometry *const *plots,
                        size_t n, const char *const *plot_ids, bp_geos *g,
                        size_t *assign, bp_ctx *ctx);
void bp_gap_clear(bp_gemeenten *gm, bp_geos *g);

/* ---- layerdef.c: the declarative layer definitions of layers/ ----------- */

typedef enum { BP_FT_INTEGER, BP_FT_REAL, BP_FT_STRING, BP_FT_BOOLEAN, BP_FT_DATETIME } bp_ftype;

typedef struct {
    char *name;        /* may hold {category}, {radius}, {type} */
    bp_ftype type;
    char *per;         /* NULL, "category" or "type" */
    char *alias;       /* Dutch alias for QGIS */
    char *description; /* what the field holds, in English */
} bp_fielddef;

typedef struct {
    char *name, *title, *description;
    bp_fielddef *fields;
    size_t nfields;
} bp_layerdef;

/* The definition of an exported layer by name (parsed once from the files
 * in layers/, embedded at build time); NULL with an error in ctx when the
 * name is unknown or the definition is malformed. */
const bp_layerdef *bp_layerdef_get(const char *name, bp_ctx *ctx);
/* The same without an error: NULL when layers/ defines no such layer (as
 * for a layer another module adds).  Owned by the module, never freed. */
const bp_layerdef *bp_layerdef_find(const char *name);
/* The text of an embedded file of layers/ by name (without .yaml), or NULL. */
const char *bp_layerdef_text(const char *name);
/* Expands a templated field name into buf. */
void bp_layerdef_expand(const char *tmpl, const char *category, int radius,
                        const char *type, char *buf, size_t bufsize);

/* ---- export.c ----------------------------------------------------------- */

/* Everything the export needs, computed by run.c. */
typedef struct {
    const bp_config *cfg;
    const bp_layer *plots;
    size_t ncat;
    const bp_layer *facilities;     /* ncat layers */
    const double *dist;             /* nplots*ncat */
    const int *count;
    const double *cat_score;        /* nplots*ncat, chosen profile criteria */
    const double *score;            /* nplots*BP_NTYPES final scores */
    const double *suitability;      /* nplots, chosen profile */
    const double *capacity;         /* nplots, NaN for non-polygons */
    const double *area;
    const size_t *gemeente;         /* nplots -> index in gm */
    const bp_gemeenten *gm;
    const unsigned char *knocked;   /* nplots */
    char *const *reason;            /* nplots, NULL when none */
    const int *rank;                /* nplots, 0 when knocked out */
    const size_t *order;            /* write order */
    const bp_crs *crs;
    const char *const *ids;
    const bp_network *network;      /* or NULL: no walk_network layer */
    /* run_info rows */
    size_t ninfo;
    char *const *info_key;
    char *const *info_value;
} bp_export_input;

/* Writes the GeoPackage through a temporary file renamed into place. */
bp_status bp_export_gpkg(const bp_export_input *in, GDALProgressFunc progress,
                         void *pdata, bp_ctx *ctx);
/* Removes temporary files of earlier runs on 'output' whose process is gone. */
void bp_export_cleanup_stale(const char *output);

/* ---- formats.c: outputs other than the GeoPackage ---------------------- */

/* The GDAL driver name of a format name as -f takes it ("GPKG",
 * "FlatGeobuf", "GeoJSON", "CSV", "PostgreSQL"; case-insensitive; also
 * "pg", "fgb", "json"), or NULL when it is not one bodnaarplot writes. */
const char *bp_format_canonical(const char *name);
/* The output format of cfg: its format key, else from the output name
 * ("PG:..." is PostgreSQL; .fgb, .geojson/.json, .csv; else GPKG). */
const char *bp_format_of(const bp_config *cfg);
/* ".gpkg", ".fgb", ... for a file format; NULL for PostgreSQL. */
const char *bp_format_extension(const char *format);
/* Converts the complete result GeoPackage 'gpkg' to the format of cfg:
 * a file format into tmp_out (the caller renames it into place), or the
 * database cfg->output in one transaction (tmp_out unused), refusing to
 * replace existing tables unless cfg->overwrite.  Returns BP_OK,
 * BP_ERR_USAGE (database cannot be opened, tables exist) or BP_ERR_IO; on
 * failure tmp_out may hold a partial file (the caller removes it) and the
 * database is unchanged. */
bp_status bp_formats_write(const char *gpkg, const bp_config *cfg, const char *tmp_out, bp_ctx *ctx);

/* ---- qgis.c: QGIS styles and the QGIS project inside the GeoPackage ---- */

/* Name of the QGIS project stored in every output GeoPackage. */
#define BP_QGIS_PROJECT "bodnaarplot"

/*
 * The QGIS style (QML) of layer 'lyr', exported as 'name': layers/NAME.qml
 * with {profile} replaced by the chosen profile, the Dutch aliases of
 * layers/NAME.yaml for the fields the layer has, and, for a categorized
 * renderer on "category", one category for each facility category of cfg
 * (known ones keep their colour and marker; others get new, distinct ones).
 * Returns BP_OK with *qml a new string the caller frees with free(), or
 * with *qml NULL when layers/ holds no style for the layer;
 * BP_ERR_NOMEM (a malformed built-in style, or no memory) with *qml NULL.
 */
bp_status bp_qgis_style(const char *name, OGRLayerH lyr, const bp_config *cfg, char **qml, bp_ctx *ctx);

/*
 * Writes QGIS metadata into 'ds', a GeoPackage open for writing: the style
 * of every layer of ds that has one in layers/ as its default style (table
 * layer_styles), and a QGIS project named BP_QGIS_PROJECT (table
 * qgis_projects) showing every layer of ds in EPSG:28992 or the layer CRS,
 * zoomed to the candidates, with Dutch layer titles, aliases and field
 * descriptions.  Layer sources in the project are relative to the
 * GeoPackage: 'gpkg_name' is the file name the GeoPackage will finally have
 * (no folder).  'what' names the output in messages.  Returns BP_OK, or
 * BP_ERR_IO / BP_ERR_NOMEM with ds partly written (the caller discards it).
 */
bp_status bp_qgis_write(GDALDatasetH ds, const bp_config *cfg, const char *gpkg_name, const char *what,
                        bp_ctx *ctx);

#endif /* BP_INTERNAL_H */
