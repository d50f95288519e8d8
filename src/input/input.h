/*
 * input/ — the read stage: every input goes through OGR here.  Source specs
 * in QGIS style ("file.gpkg|layername=NAME"), the analysis CRS and
 * transformations into it (PROJ through OGR), layers read, reprojected and
 * repaired (GEOS MakeValid), the candidate plots with their ids, the
 * gemeente polygons grouped by code, and the woondeal targets CSV.
 *
 * Module prefixes: bp_source_ / bp_layer_ (layer.c), bp_crs_ (crs.c),
 * bp_plots_ (plots.c), bp_gemeenten_ (gemeenten.c), bp_targets_
 * (targets.c).
 */
#ifndef BP_INPUT_H
#define BP_INPUT_H

#include "core/core.h"
#include "result/result.h"

/* ---- crs.c --------------------------------------------------------------- */

typedef struct {
    OGRSpatialReferenceH target;  /* analysis CRS, projected, metres */
    OGRSpatialReferenceH assume;  /* for layers without CRS, or NULL */
    char *target_name;            /* e.g. "EPSG:28992" */
} bp_crs;

/* Parses the analysis CRS (NULL: EPSG:28992) and the CRS assumed for layers
 * that declare none (may be NULL).  BP_ERR_USAGE for an unknown CRS or one
 * that is not projected in metres; *crs is then cleared. */
bp_status bp_crs_init(bp_crs *crs, const char *target, const char *assume, bp_ctx *ctx);
void bp_crs_clear(bp_crs *crs);
/* Transformation from 'src' (NULL: the assumed CRS) to the analysis CRS;
 * *out is NULL when none is needed (the caller destroys it otherwise).
 * 'what' names the layer in messages. */
bp_status bp_crs_transform_for(const bp_crs *crs, OGRSpatialReferenceH src, const char *what,
                               OGRCoordinateTransformationH *out, bp_ctx *ctx);
/* The scale of the analysis CRS at point (x, y) of it: projected length
 * over true length of a short step north-south and east-west, the one
 * farther from 1 (1.64 for EPSG:3857 in the Netherlands); 1.0 when it
 * cannot be computed. */
double bp_crs_scale_at(const bp_crs *crs, double x, double y);
/* The same for data in WGS84 longitude/latitude (OpenStreetMap). */
bp_status bp_crs_transform_from_wgs84(const bp_crs *crs, const char *what, OGRCoordinateTransformationH *out,
                                      bp_ctx *ctx);

/* ---- layer.c ------------------------------------------------------------- */

/* An OGR source spec "path|layername=NAME" split in its parts. */
typedef struct {
    char *path;
    char *layer; /* NULL: the only layer */
} bp_source;
/* BP_ERR_USAGE for an empty spec or an unknown option after '|'. */
bp_status bp_source_parse(const char *spec, bp_source *out, bp_ctx *ctx);
void bp_source_clear(bp_source *s);
/* Opens the source read-only and picks its layer; on failure nothing is
 * left open.  BP_ERR_USAGE: missing file or layer; BP_ERR_DATA: not data
 * GDAL can read. */
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
    unsigned char *repaired; /* 1: the geometry was invalid and is repaired */
    size_t cap;             /* of the arrays */
    size_t n_read, n_skipped, n_repaired;
    size_t n_degenerate;    /* skipped: a ring of < 4 points, a line of 1 */
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
 * geometry or with a degenerate one (a two-point ring), counting them.
 * Non-finite coordinates or coordinates beyond 1e8 are BP_ERR_DATA.  An
 * empty result is BP_ERR_DATA.  On failure
 * 'out' is cleared. */
bp_status bp_layer_read(bp_layer *out, const char *spec, const bp_layer_opts *opts, const bp_crs *crs, bp_geos *g,
                        GDALProgressFunc progress, void *pdata, bp_ctx *ctx);
/* A layer read in chunks, and read again feature by feature: the plots of
 * a large run (plots.c) and the writer's source reader (output/reader.c).
 * Holds the source open; borrows crs and g (one thread at a time). */
typedef struct bp_layer_stream bp_layer_stream;
/* Opens the layer as bp_layer_read does; 'out' gets what, defn (keep_attrs)
 * and no features yet.  'progress' (may be NULL) is asked while a where
 * filter runs in SQLite, so Ctrl-C stops it.  On failure nothing is left
 * open, out is cleared. */
bp_status bp_layer_stream_open(bp_layer_stream **s, bp_layer *out, const char *spec, const bp_layer_opts *opts,
                               const bp_crs *crs, bp_geos *g, GDALProgressFunc progress, void *pdata, bp_ctx *ctx);
/* Frees the features of the previous chunk in 'out', then reads up to max
 * features with geometry into it (processed as bp_layer_read does: curves
 * linearised, 2D, reprojected, repaired); the counts (n_read, n_skipped,
 * n_repaired, max_dim) add up over the chunks.  *end is set after the
 * last feature; a layer without any feature with geometry is then
 * BP_ERR_DATA.  progress: fraction of the layer's features read. */
bp_status bp_layer_stream_next(bp_layer_stream *s, bp_layer *out, size_t max, GDALProgressFunc progress,
                               void *pdata, int *end, bp_ctx *ctx);
/* Feature fid read again (random access: GPKG, FlatGeobuf and most drivers
 * do this by index) with its geometry processed exactly as in a chunk:
 * *feat is the feature (the caller destroys it; its own geometry is the
 * reprojected OGR one) and *geom the repaired GEOS geometry in g (the
 * caller destroys it).  BP_ERR_DATA when the feature is gone. */
bp_status bp_layer_stream_feature(bp_layer_stream *s, int64_t fid, OGRFeatureH *feat, GEOSGeometry **geom,
                                  bp_ctx *ctx);
/* The same for a feature that needed no repair when it was read in its
 * chunk: *feat as above, with *geom its OGR geometry (curves linearised,
 * 2D, reprojected; the caller destroys it), without the round trip through
 * GEOS and its validity check, which leave a valid geometry as it is. */
bp_status bp_layer_stream_feature_ogr(bp_layer_stream *s, int64_t fid, OGRFeatureH *feat, OGRGeometryH *geom,
                                      bp_ctx *ctx);
/* The layer's attribute fields (owned by the stream). */
OGRFeatureDefnH bp_layer_stream_defn(const bp_layer_stream *s);
void bp_layer_stream_close(bp_layer_stream *s);
/* Frees what the layer holds (g: the context its geometries were made in). */
void bp_layer_clear(bp_layer *l, bp_geos *g);
/* Frees its features (n becomes 0) and keeps what, defn and the counts,
 * for the report and run_info; bp_layer_clear() still frees the rest. */
void bp_layer_drop_features(bp_layer *l, bp_geos *g);
/* Warns when features were repaired or skipped. */
void bp_layer_report(const bp_layer *l, bp_ctx *ctx);
/* Adds input.PREFIX.* rows (source, features read, used, repaired,
 * skipped) to kv. */
void bp_layer_info(const bp_layer *l, const char *prefix, const char *source, bp_kv *kv);

/* ---- plots.c: the candidate plots ---------------------------------------- */

typedef struct {
    const char *source;     /* OGR source spec */
    const char *id_field;   /* NULL: the feature id */
    const char *where;      /* OGR attribute filter, or NULL */
    const char *capacity_field; /* the plot's own estimate of homes, or NULL */
    const char *levels_field;   /* a building's storeys, or NULL */
} bp_plots_opts;

/* Largest plot area accepted, m2 (twice the area of the Netherlands). */
#define BP_PLOT_MAX_AREA 1e11
/* Reads the candidate plots into 'plots' (attributes kept) and sizes the
 * result for them: ids (refusing missing and duplicate ids), feature ids,
 * area and the polygon flag.  A plot larger than BP_PLOT_MAX_AREA is
 * BP_ERR_DATA.  The result's categories must be set. */
bp_status bp_plots_read(const bp_plots_opts *o, const bp_crs *crs, bp_geos *g, GDALProgressFunc progress,
                        void *pdata, bp_layer *plots, bp_result *r, bp_ctx *ctx);

/* Can the candidates be read again by feature id, cheaply (OGR's
 * OLCRandomRead: GeoPackage, Shapefile, FlatGeobuf, GeoJSON)?  The OSM and
 * CSV drivers read their whole file again for each feature: such sources
 * are read into memory, not streamed.  0 also when the source cannot be
 * opened (the read that follows says why). */
int bp_plots_rereadable(const bp_plots_opts *o);
/* What bp_plots_stream does with each chunk: plots[0..n-1] are plots
 * first..first+n-1 of the result (ids, fid, area, flags set); the
 * geometries are freed after the call. */
typedef bp_status (*bp_plots_chunk_fn)(void *ud, GEOSGeometry *const *plots, size_t n, size_t first, bp_ctx *ctx);
/* The same as bp_plots_read, in chunks of 'chunk' plots (0: 65536), for
 * runs too large to hold every plot's geometry and attributes: the result
 * grows chunk by chunk and fn works on each chunk while its geometries are
 * in memory.  'plots' ends without features: its what, defn and counts
 * for the report and run_info; *geom_type is the candidates layer type
 * (bp_plots_geom_type).  On failure the result may hold some plots. */
bp_status bp_plots_stream(const bp_plots_opts *o, size_t chunk, const bp_crs *crs, bp_geos *g,
                          GDALProgressFunc progress, void *pdata, bp_plots_chunk_fn fn, void *ud, bp_layer *plots,
                          OGRwkbGeometryType *geom_type, bp_result *r, bp_ctx *ctx);
/* The candidates layer type for plots of dimensions 'dims' (bit 1 << dim
 * per plot) that are all single points or not: multi-polygons, multi-lines,
 * points or multi-points, unknown when mixed. */
OGRwkbGeometryType bp_plots_geom_type(int dims, int all_points);

/* ---- gemeenten.c --------------------------------------------------------- */

typedef struct {
    const char *source;     /* OGR source spec of the polygons */
    const char *code_field; /* gemeente code, normalised to GMxxxx */
    const char *name_field; /* gemeente name (missing: a warning) */
} bp_gemeenten_opts;

/* Reads the gemeente polygons, groups them by code and unions each group
 * (CBS splits land and water) into the result's gemeente table, sorted by
 * code.  *geoms gets the unions (r->ngm of them, owned by the caller, made
 * in g; free with bp_gemeenten_free).  *layer_out, when not NULL, receives
 * the layer's counts for run_info (its features freed). */
bp_status bp_gemeenten_read(const bp_gemeenten_opts *o, const bp_crs *crs, bp_geos *g, bp_result *r,
                            GEOSGeometry ***geoms, bp_layer *layer_out, bp_ctx *ctx);
void bp_gemeenten_free(GEOSGeometry **geoms, size_t n, bp_geos *g);

/* ---- targets.c: the woondeal targets CSV --------------------------------- */

/* Normalises a gemeente code: "GM0193", "0193", "193" -> "GM0193" (other
 * codes are kept, trimmed).  Writes into buf. */
void bp_targets_normalise_code(const char *in, char *buf, size_t bufsize);
/* Parses a CSV count of homes: a whole number, digits grouped in thousands
 * by dots or commas allowed ("1.234" = "1,234" = 1234, as Dutch and English
 * spreadsheets write it), a fraction of zeros allowed ("12,0").  Returns 0
 * with *out set; 1 when missing (empty, or a CBS sentinel <= -99999990,
 * *sentinel set to 1); BP_COUNT_NOT_A_NUMBER (also negative, hex, exponent),
 * BP_COUNT_FRACTION ("12,5": never a silent fraction of a home) or
 * BP_COUNT_TOO_LARGE (above BP_COUNT_MAX). */
enum { BP_COUNT_NOT_A_NUMBER = -1, BP_COUNT_FRACTION = -2, BP_COUNT_TOO_LARGE = -3 };
#define BP_COUNT_MAX 1e9
int bp_targets_parse_count(const char *s, double *out, int *sentinel);
/* Reads the targets CSV into the result's gemeente table (sorted by code):
 * opgave, plannen, gerealiseerd per type.  Errors name the line. */
bp_status bp_targets_read(const char *csv_path, bp_result *r, bp_ctx *ctx);

#endif /* BP_INPUT_H */
