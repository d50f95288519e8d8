/*
 * layer.c — reads input layers through OGR: source specs in QGIS style
 * ("file.gpkg|layername=NAME"), reprojection to the analysis CRS, repair of
 * invalid geometries with GEOS MakeValid, counts of what was repaired and
 * skipped.
 */
#include "input/input.h"

#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <stdio.h>
#include <sys/stat.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <sqlite3.h>

bp_status bp_source_parse(const char *spec, bp_source *out, bp_ctx *ctx)
{
    memset(out, 0, sizeof *out);
    if (!spec || !*spec) return bp_error(ctx, BP_ERR_USAGE, "empty data source name");
    const char *bar = strchr(spec, '|');
    size_t plen = bar ? (size_t)(bar - spec) : strlen(spec);
    out->path = malloc(plen + 1);
    if (!out->path) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    memcpy(out->path, spec, plen);
    out->path[plen] = '\0';
    while (bar) {
        const char *opt = bar + 1;
        bar = strchr(opt, '|');
        size_t olen = bar ? (size_t)(bar - opt) : strlen(opt);
        if (olen > 10 && strncasecmp(opt, "layername=", 10) == 0) {
            free(out->layer);
            out->layer = malloc(olen - 10 + 1);
            if (!out->layer) {
                bp_source_clear(out);
                return bp_error(ctx, BP_ERR_USAGE, "out of memory");
            }
            memcpy(out->layer, opt + 10, olen - 10);
            out->layer[olen - 10] = '\0';
        } else {
            bp_error(ctx, BP_ERR_USAGE, "%s: unknown option '%.*s' after '|' (use |layername=NAME)",
                     out->path, (int)olen, opt);
            bp_source_clear(out);
            return BP_ERR_USAGE;
        }
    }
    return BP_OK;
}

void bp_source_clear(bp_source *s)
{
    if (!s) return;
    free(s->path);
    free(s->layer);
    s->path = s->layer = NULL;
}

/* "a, b, c" of the dataset's layer names, into buf. */
static void layer_list(GDALDatasetH ds, char *buf, size_t size)
{
    buf[0] = '\0';
    int n = GDALDatasetGetLayerCount(ds);
    for (int i = 0; i < n; i++) {
        const char *name = OGR_L_GetName(GDALDatasetGetLayer(ds, i));
        size_t len = strlen(buf);
        if (len + strlen(name) + 8 >= size) {
            if (len + 4 < size) strcat(buf, ", …");
            break;
        }
        snprintf(buf + len, size - len, "%s%s", i ? ", " : "", name);
    }
}

bp_status bp_source_open(const bp_source *s, GDALDatasetH *ds_out, OGRLayerH *lyr_out, bp_ctx *ctx)
{
    *ds_out = NULL;
    *lyr_out = NULL;
    CPLErrorReset();
    bp_cpl_push_quiet(ctx);
    GDALDatasetH ds = GDALOpenEx(s->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    CPLPopErrorHandler();
    if (!ds) {
        struct stat st;
        if (strncmp(s->path, "PG:", 3) != 0 && strncmp(s->path, "/vsi", 4) != 0 &&
            stat(s->path, &st) != 0)
            return bp_error(ctx, BP_ERR_USAGE, "%s: %s", s->path, strerror(errno));
        /* it exists, so its contents are at fault (or a PG:/vsi source is unreachable) */
        return bp_error(ctx, BP_ERR_DATA, "%s: not a vector data source GDAL can read (%s)", s->path,
                        bp_cpl_msg());
    }
    char names[512];
    OGRLayerH lyr = NULL;
    if (s->layer) {
        lyr = GDALDatasetGetLayerByName(ds, s->layer);
        if (!lyr) {
            layer_list(ds, names, sizeof names);
            bp_error(ctx, BP_ERR_USAGE, "%s: no layer '%s' (layers: %s)", s->path, s->layer,
                     names[0] ? names : "none");
        }
    } else {
        int n = GDALDatasetGetLayerCount(ds);
        if (n == 1) lyr = GDALDatasetGetLayer(ds, 0);
        else if (n == 0)
            bp_error(ctx, BP_ERR_DATA, "%s: has no layers", s->path);
        else {
            layer_list(ds, names, sizeof names);
            bp_error(ctx, BP_ERR_USAGE, "%s: has %d layers (%s); pick one with '%s|layername=NAME'",
                     s->path, n, names, s->path);
        }
    }
    if (!lyr) {
        GDALClose(ds);
        return bp_ctx_status(ctx);
    }
    *ds_out = ds;
    *lyr_out = lyr;
    return BP_OK;
}

void bp_layer_clear(bp_layer *l, bp_geos *g)
{
    if (!l) return;
    for (size_t i = 0; i < l->n; i++) {
        if (l->geom && l->geom[i]) GEOSGeom_destroy_r(g->h, l->geom[i]);
        if (l->feat && l->feat[i]) OGR_F_Destroy(l->feat[i]);
        if (l->names) free(l->names[i]);
    }
    free(l->geom);
    free(l->feat);
    free(l->names);
    free(l->fid);
    free(l->repaired);
    free(l->what);
    if (l->defn) OGR_FD_Release(l->defn);
    memset(l, 0, sizeof *l);
}

void bp_layer_drop_features(bp_layer *l, bp_geos *g)
{
    bp_layer kept = *l;
    l->what = NULL;
    l->defn = NULL;
    bp_layer_clear(l, g);
    l->what = kept.what;
    l->defn = kept.defn;
    l->n_read = kept.n_read;
    l->n_skipped = kept.n_skipped;
    l->n_repaired = kept.n_repaired;
    l->n_degenerate = kept.n_degenerate;
    l->max_dim = kept.max_dim;
}

static int grow(bp_layer *l, size_t *cap, int keep_attrs, int names)
{
    size_t nc = *cap ? *cap * 2 : 1024;
    GEOSGeometry **g = realloc(l->geom, nc * sizeof *g);
    if (!g) return -1;
    l->geom = g;
    int64_t *f = realloc(l->fid, nc * sizeof *f);
    if (!f) return -1;
    l->fid = f;
    unsigned char *rp = realloc(l->repaired, nc);
    if (!rp) return -1;
    l->repaired = rp;
    if (keep_attrs) {
        OGRFeatureH *ft = realloc(l->feat, nc * sizeof *ft);
        if (!ft) return -1;
        l->feat = ft;
    }
    if (names) {
        char **nm = realloc(l->names, nc * sizeof *nm);
        if (!nm) return -1;
        l->names = nm;
    }
    *cap = nc;
    return 0;
}

/* Repairs g in place when invalid; returns 1 when repaired, 0 when valid,
 * -1 on GEOS failure. */
static int repair(bp_geos *g, GEOSGeometry **geom)
{
    char v = GEOSisValid_r(g->h, *geom);
    if (v == 1) return 0;
    if (v != 0) return -1;
    GEOSMakeValidParams *p = GEOSMakeValidParams_create_r(g->h);
    if (!p) return -1;
    GEOSMakeValidParams_setMethod_r(g->h, p, GEOS_MAKE_VALID_STRUCTURE);
    GEOSMakeValidParams_setKeepCollapsed_r(g->h, p, 0);
    int dim = GEOSGeom_getDimensions_r(g->h, *geom);
    GEOSGeometry *fixed = dim == 2 ? GEOSMakeValidWithParams_r(g->h, *geom, p)
                                   : GEOSMakeValid_r(g->h, *geom);
    GEOSMakeValidParams_destroy_r(g->h, p);
    if (!fixed) return -1;
    GEOSGeom_destroy_r(g->h, *geom);
    *geom = fixed;
    return 1;
}

/* The index of the field holding a feature's name, or -1. */
static bp_status name_field_index(OGRFeatureDefnH defn, const bp_layer_opts *opts, const char *what, int *idx,
                                  bp_ctx *ctx)
{
    *idx = -1;
    if (opts->name_field) {
        *idx = OGR_FD_GetFieldIndex(defn, opts->name_field);
        if (*idx < 0) return bp_error(ctx, BP_ERR_USAGE, "%s: no field '%s'", what, opts->name_field);
    } else if (opts->guess_name) {
        static const char *const guesses[] = {"naam", "name", "NAAM", "NAME", "Naam", "Name"};
        for (size_t i = 0; i < sizeof guesses / sizeof *guesses && *idx < 0; i++)
            *idx = OGR_FD_GetFieldIndex(defn, guesses[i]);
    }
    return BP_OK;
}

/* A where filter on a GeoPackage or SQLite source runs in SQLite, where
 * text like a recursive CTE can run for ever: it is guarded (steps, and
 * the run's progress callback). */
#define WHERE_MAX_STEPS 500000000LL

/* The SQLite connection of a GeoPackage or SQLite dataset, or NULL. */
static sqlite3 *sqlite_of(GDALDatasetH ds)
{
    GDALDriverH drv = GDALGetDatasetDriver(ds);
    const char *name = drv ? GDALGetDriverShortName(drv) : "";
    if (strcmp(name, "GPKG") && strcmp(name, "SQLite")) return NULL;
    return (sqlite3 *)GDALGetInternalHandle(ds, "SQLITE_HANDLE");
}

/* The error of a where filter that was stopped, or BP_OK. */
static bp_status where_stopped(const bp_sql_guard *w, const char *what, const char *where, bp_ctx *ctx)
{
    if (w->stopped) return bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    if (bp_sql_guard_exhausted(w))
        return bp_error(ctx, BP_ERR_USAGE, "%s: where filter '%s' stopped: it takes too long", what, where);
    return BP_OK;
}

/* Sets the OGR attribute filter; some drivers check it only when they run
 * it, so it is run once (a count). */
static bp_status set_where(OGRLayerH lyr, const char *where, const char *what, const bp_sql_guard *w, bp_ctx *ctx)
{
    if (!where || !*where) return BP_OK;
    CPLErrorReset();
    bp_cpl_push_quiet(ctx);
    OGRErr e = OGR_L_SetAttributeFilter(lyr, where);
    if (e == OGRERR_NONE) {
        OGR_L_GetFeatureCount(lyr, TRUE);
        if (CPLGetLastErrorType() >= CE_Failure) e = OGRERR_FAILURE;
    }
    CPLPopErrorHandler();
    bp_status st = where_stopped(w, what, where, ctx);
    if (st != BP_OK) return st;
    if (e != OGRERR_NONE)
        return bp_error(ctx, BP_ERR_USAGE, "%s: bad where filter '%s': %s", what, where, bp_cpl_msg());
    return BP_OK;
}

/* Are all coordinates of og finite and within +-1e8 (100,000 km, more than
 * any projected CRS in metres reaches)?  NaN, infinite or astronomic
 * coordinates would otherwise reach the distances, capacities and the
 * output (a plot of 1e30 m2, INT64_MIN homes). */
static int coords_sane(OGRGeometryH og)
{
    int ng = OGR_G_GetGeometryCount(og);
    for (int i = 0; i < ng; i++)
        if (!coords_sane(OGR_G_GetGeometryRef(og, i))) return 0;
    int np = OGR_G_GetPointCount(og);
    for (int i = 0; i < np; i++) {
        double x = OGR_G_GetX(og, i), y = OGR_G_GetY(og, i);
        if (!(fabs(x) <= 1e8) || !(fabs(y) <= 1e8)) return 0;
    }
    return 1;
}

/* A geometry GEOS refuses as degenerate: a ring of fewer than four points
 * or not closed, or a line of one point (real OpenStreetMap has such
 * buildings). */
static int degenerate(const char *geos_msg)
{
    return strstr(geos_msg, "Invalid number of points") || strstr(geos_msg, "must contain 0 or >1 elements") ||
           strstr(geos_msg, "do not form a closed linestring");
}

/* Scratch of one layer read: the WKB buffer and reader. */
typedef struct {
    GEOSWKBReader *reader;
    unsigned char *wkb;
    size_t cap;
} wkb_scratch;

/* Feature f's geometry made ready in OGR, in place: curves linearised, 2D,
 * reprojected, checked for sane coordinates; *out NULL when it has none. */
static bp_status feature_ogr(OGRFeatureH f, OGRCoordinateTransformationH ct, const bp_crs *crs, const char *what,
                             OGRGeometryH *out, bp_ctx *ctx)
{
    *out = NULL;
    OGRGeometryH og = OGR_F_GetGeometryRef(f);
    if (!og || OGR_G_IsEmpty(og)) return BP_OK;
    if (OGR_GT_IsNonLinear(OGR_G_GetGeometryType(og))) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(og, 0, NULL);
        if (lin) {
            OGR_F_SetGeometryDirectly(f, lin);
            og = lin;
        }
    }
    OGR_G_FlattenTo2D(og);
    if (ct && OGR_G_Transform(og, ct) != OGRERR_NONE)
        return bp_error(ctx, BP_ERR_DATA,
                        "%s: feature %lld cannot be transformed to %s (coordinates outside the "
                        "CRS's area, or the layer's CRS is wrong)",
                        what, (long long)OGR_F_GetFID(f), crs->target_name);
    if (!coords_sane(og))
        return bp_error(ctx, BP_ERR_DATA,
                        "%s: feature %lld has coordinates that are not numbers or lie beyond 100,000 km in %s "
                        "(a wrong CRS or damaged data)",
                        what, (long long)OGR_F_GetFID(f), crs->target_name);
    *out = og;
    return BP_OK;
}

/* The geometry of feature f as a valid GEOS geometry in the analysis CRS:
 * feature_ogr, then repaired.  Returns BP_OK with *out NULL when the
 * feature has no geometry (or it collapsed in the repair, or *degen: it is
 * degenerate); *repaired is set when it was invalid. */
static bp_status feature_geometry(OGRFeatureH f, OGRCoordinateTransformationH ct, wkb_scratch *ws, bp_geos *g,
                                  const bp_crs *crs, const char *what, GEOSGeometry **out, int *repaired,
                                  int *degen, bp_ctx *ctx)
{
    *out = NULL;
    *repaired = 0;
    *degen = 0;
    OGRGeometryH og;
    bp_status st = feature_ogr(f, ct, crs, what, &og, ctx);
    if (st != BP_OK || !og) return st;
    size_t sz = (size_t)OGR_G_WkbSize(og);
    if (sz > ws->cap) {
        unsigned char *nw = realloc(ws->wkb, sz);
        if (!nw) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        ws->wkb = nw;
        ws->cap = sz;
    }
    OGR_G_ExportToIsoWkb(og, wkbNDR, ws->wkb);
    g->msg[0] = '\0';
    GEOSGeometry *geom = GEOSWKBReader_read_r(g->h, ws->reader, ws->wkb, sz);
    if (!geom && degenerate(g->msg)) {
        *degen = 1;
        return BP_OK;
    }
    if (!geom)
        return bp_error(ctx, BP_ERR_DATA, "%s: feature %lld: geometry GEOS cannot read: %s", what,
                        (long long)OGR_F_GetFID(f), g->msg);
    int r = repair(g, &geom);
    if (r < 0) {
        GEOSGeom_destroy_r(g->h, geom);
        return bp_error(ctx, BP_ERR_DATA, "%s: feature %lld: invalid geometry that cannot be repaired: %s", what,
                        (long long)OGR_F_GetFID(f), g->msg);
    }
    if (GEOSisEmpty_r(g->h, geom)) { /* collapsed to nothing in the repair */
        GEOSGeom_destroy_r(g->h, geom);
        return BP_OK;
    }
    *repaired = r;
    *out = geom;
    return BP_OK;
}

/* Appends geometry and feature f to the layer (which takes both). */
static bp_status keep_feature(bp_layer *out, size_t *cap, const bp_layer_opts *opts, int name_idx, OGRFeatureH f,
                              GEOSGeometry *geom, int repaired, bp_ctx *ctx)
{
    if (out->n == *cap && grow(out, cap, opts->keep_attrs, name_idx >= 0) < 0)
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    out->geom[out->n] = geom;
    out->fid[out->n] = (int64_t)OGR_F_GetFID(f);
    out->repaired[out->n] = (unsigned char)repaired;
    if (name_idx >= 0) {
        const char *nm = OGR_F_IsFieldSetAndNotNull(f, name_idx) ? OGR_F_GetFieldAsString(f, name_idx) : NULL;
        out->names[out->n] = nm ? bp_strdup(nm) : NULL;
    }
    if (opts->keep_attrs) {
        OGR_G_DestroyGeometry(OGR_F_StealGeometry(f));
        out->feat[out->n] = f;
    } else {
        OGR_F_Destroy(f);
    }
    out->n++;
    return BP_OK;
}

/* A layer read in chunks (bp_layer_read is one chunk of everything). */
struct bp_layer_stream {
    bp_source src;
    GDALDatasetH ds;
    OGRLayerH lyr;
    OGRCoordinateTransformationH ct;
    wkb_scratch ws;
    bp_geos *g;
    const bp_crs *crs;
    bp_layer_opts opts;
    const char *what;    /* the layer's what (owned by it) */
    int name_idx;
    GIntBig total;       /* features, or -1 when the driver cannot tell cheaply */
    size_t n_kept;       /* over all chunks */
    size_t n_read;       /* over all chunks (for progress) */
    int end;
    bp_sql_guard wg;     /* of the where filter, when it runs in SQLite */
    sqlite3 *db;         /* that SQLite connection, or NULL */
    int read_tx;         /* a read transaction is open for reads by fid */
};

void bp_layer_stream_close(bp_layer_stream *s)
{
    if (!s) return;
    if (s->db) sqlite3_progress_handler(s->db, 0, NULL, NULL);
    if (s->read_tx) GDALDatasetRollbackTransaction(s->ds);
    free(s->ws.wkb);
    if (s->ws.reader) GEOSWKBReader_destroy_r(s->g->h, s->ws.reader);
    if (s->ct) OCTDestroyCoordinateTransformation(s->ct);
    if (s->ds) GDALClose(s->ds);
    bp_source_clear(&s->src);
    free(s);
}

bp_status bp_layer_stream_open(bp_layer_stream **sp, bp_layer *out, const char *spec, const bp_layer_opts *opts,
                               const bp_crs *crs, bp_geos *g, GDALProgressFunc progress, void *pdata, bp_ctx *ctx)
{
    *sp = NULL;
    memset(out, 0, sizeof *out);
    bp_layer_stream *s = calloc(1, sizeof *s);
    if (!s) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    s->g = g;
    s->crs = crs;
    s->opts = *opts;
    s->name_idx = -1;
    bp_status st = bp_source_parse(spec, &s->src, ctx);
    if (st == BP_OK) st = bp_source_open(&s->src, &s->ds, &s->lyr, ctx);
    if (st != BP_OK) {
        bp_layer_stream_close(s);
        return st;
    }
    out->what = bp_strfmt("%s, layer %s", s->src.path, OGR_L_GetName(s->lyr));
    s->what = out->what;
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(s->lyr);
    s->ws.reader = GEOSWKBReader_create_r(g->h);
    if (!out->what || !s->ws.reader) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_sql_guard_init(&s->wg, WHERE_MAX_STEPS, progress, pdata, 0.0);
    s->db = opts->where && *opts->where ? sqlite_of(s->ds) : NULL;
    if (s->db) sqlite3_progress_handler(s->db, BP_SQL_GUARD_EVERY, bp_sql_guard_step, &s->wg);
    if (st == BP_OK) st = name_field_index(defn, opts, out->what, &s->name_idx, ctx);
    if (st == BP_OK) st = set_where(s->lyr, opts->where, out->what, &s->wg, ctx);
    if (st == BP_OK) st = bp_crs_transform_for(crs, OGR_L_GetSpatialRef(s->lyr), out->what, &s->ct, ctx);
    if (st == BP_OK && opts->keep_attrs) {
        out->defn = defn;
        OGR_FD_Reference(defn);
    }
    if (st != BP_OK) {
        bp_layer_stream_close(s);
        bp_layer_clear(out, g);
        return st;
    }
    bp_cpl_push_quiet(ctx);
    s->total = OGR_L_GetFeatureCount(s->lyr, FALSE);
    OGR_L_ResetReading(s->lyr);
    CPLPopErrorHandler();
    *sp = s;
    return BP_OK;
}

/* Frees the features of the last chunk; keeps the arrays and the counts. */
static void clear_chunk(bp_layer *l, bp_geos *g)
{
    for (size_t i = 0; i < l->n; i++) {
        if (l->geom && l->geom[i]) GEOSGeom_destroy_r(g->h, l->geom[i]);
        if (l->feat && l->feat[i]) OGR_F_Destroy(l->feat[i]);
        if (l->names) free(l->names[i]);
    }
    l->n = 0;
}

bp_status bp_layer_stream_next(bp_layer_stream *s, bp_layer *out, size_t max, GDALProgressFunc progress,
                               void *pdata, int *end, bp_ctx *ctx)
{
    bp_status st = BP_OK;
    clear_chunk(out, s->g);
    *end = s->end;
    if (s->end) return BP_OK;
    CPLErrorReset();
    bp_cpl_push_quiet(ctx);
    s->wg.progress = progress;
    s->wg.pdata = pdata;
    OGRFeatureH f = NULL;
    while (st == BP_OK && out->n < max && (f = OGR_L_GetNextFeature(s->lyr)) != NULL) {
        out->n_read++;
        s->n_read++;
        if (progress && s->total > 0 && (s->n_read & 1023) == 0 &&
            !progress((double)s->n_read / (double)s->total, NULL, pdata)) {
            OGR_F_Destroy(f);
            st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
            break;
        }
        GEOSGeometry *geom;
        int repaired, degen;
        st = feature_geometry(f, s->ct, &s->ws, s->g, s->crs, s->what, &geom, &repaired, &degen, ctx);
        if (st != BP_OK || !geom) {
            if (st == BP_OK && degen) out->n_degenerate++;
            else if (st == BP_OK) out->n_skipped++;
            OGR_F_Destroy(f);
            continue;
        }
        out->n_repaired += (size_t)repaired;
        int dim = GEOSGeom_getDimensions_r(s->g->h, geom);
        if (dim > out->max_dim) out->max_dim = dim;
        if ((st = keep_feature(out, &out->cap, &s->opts, s->name_idx, f, geom, repaired, ctx)) != BP_OK) {
            GEOSGeom_destroy_r(s->g->h, geom);
            OGR_F_Destroy(f);
        }
    }
    CPLPopErrorHandler();
    if (st == BP_OK) st = where_stopped(&s->wg, s->what, s->opts.where, ctx);
    s->wg.progress = NULL;
    if (st == BP_OK && CPLGetLastErrorType() >= CE_Failure)
        st = bp_error(ctx, BP_ERR_DATA, "%s: read error after %zu features: %s", s->what, s->n_read,
                      bp_cpl_msg());
    s->n_kept += out->n;
    if (st == BP_OK && !f) {
        s->end = *end = 1;
        if (s->n_kept == 0)
            st = bp_error(ctx, BP_ERR_DATA, "%s: no features with geometry%s", s->what,
                          s->opts.where && *s->opts.where ? " match the where filter" : "");
        else if (progress)
            progress(1.0, NULL, pdata);
    }
    return st;
}

/* Feature fid read again, or an error naming it. */
static bp_status read_again(bp_layer_stream *s, int64_t fid, OGRFeatureH *feat, bp_ctx *ctx)
{
    CPLErrorReset();
    bp_cpl_push_quiet(ctx);
    /* A GeoPackage or SQLite source is read in one read transaction: each
       read by fid outside one takes and drops SQLite's file lock and looks
       for a hot journal (five times slower), and the plots are read from
       one snapshot of the file. */
    if (!s->read_tx && sqlite_of(s->ds) && GDALDatasetStartTransaction(s->ds, FALSE) == OGRERR_NONE) s->read_tx = 1;
    *feat = OGR_L_GetFeature(s->lyr, (GIntBig)fid);
    CPLPopErrorHandler();
    if (!*feat)
        return bp_error(ctx, BP_ERR_DATA, "%s: feature %lld cannot be read again (the source changed during the "
                        "run?)%s%s", s->what, (long long)fid, CPLGetLastErrorMsg()[0] ? ": " : "", bp_cpl_msg());
    return BP_OK;
}

static bp_status gone(const bp_layer_stream *s, int64_t fid, bp_ctx *ctx)
{
    return bp_error(ctx, BP_ERR_DATA, "%s: feature %lld has no geometry any more (the source changed during the run?)",
                    s->what, (long long)fid);
}

bp_status bp_layer_stream_feature(bp_layer_stream *s, int64_t fid, OGRFeatureH *feat, GEOSGeometry **geom,
                                  bp_ctx *ctx)
{
    *feat = NULL;
    *geom = NULL;
    OGRFeatureH f;
    bp_status st = read_again(s, fid, &f, ctx);
    if (st != BP_OK) return st;
    int repaired, degen;
    st = feature_geometry(f, s->ct, &s->ws, s->g, s->crs, s->what, geom, &repaired, &degen, ctx);
    if (st == BP_OK && !*geom) st = gone(s, fid, ctx);
    if (st != BP_OK) {
        OGR_F_Destroy(f);
        return st;
    }
    *feat = f;
    return BP_OK;
}

bp_status bp_layer_stream_feature_ogr(bp_layer_stream *s, int64_t fid, OGRFeatureH *feat, OGRGeometryH *geom,
                                      bp_ctx *ctx)
{
    *feat = NULL;
    *geom = NULL;
    OGRFeatureH f;
    bp_status st = read_again(s, fid, &f, ctx);
    if (st != BP_OK) return st;
    OGRGeometryH og;
    st = feature_ogr(f, s->ct, s->crs, s->what, &og, ctx);
    if (st == BP_OK && !og) st = gone(s, fid, ctx);
    if (st != BP_OK) {
        OGR_F_Destroy(f);
        return st;
    }
    *geom = OGR_F_StealGeometry(f);
    *feat = f;
    return BP_OK;
}

OGRFeatureDefnH bp_layer_stream_defn(const bp_layer_stream *s)
{
    return OGR_L_GetLayerDefn(s->lyr);
}

bp_status bp_layer_read(bp_layer *out, const char *spec, const bp_layer_opts *opts, const bp_crs *crs, bp_geos *g,
                        GDALProgressFunc progress, void *pdata, bp_ctx *ctx)
{
    bp_layer_stream *s;
    bp_status st = bp_layer_stream_open(&s, out, spec, opts, crs, g, progress, pdata, ctx);
    if (st != BP_OK) return st;
    int end;
    st = bp_layer_stream_next(s, out, SIZE_MAX, progress, pdata, &end, ctx);
    bp_layer_stream_close(s);
    if (st != BP_OK) bp_layer_clear(out, g);
    return st;
}

void bp_layer_report(const bp_layer *l, bp_ctx *ctx)
{
    if (l->n_repaired || l->n_skipped)
        bp_warn(ctx, "%s: %zu invalid geometr%s repaired, %zu feature%s without geometry skipped", l->what,
                l->n_repaired, l->n_repaired == 1 ? "y" : "ies", l->n_skipped, l->n_skipped == 1 ? "" : "s");
    if (l->n_degenerate)
        bp_warn(ctx, "%s: %zu feature%s with a degenerate geometry (a ring of fewer than 4 points, a line of one "
                "point) skipped", l->what, l->n_degenerate, l->n_degenerate == 1 ? "" : "s");
}

void bp_layer_info(const bp_layer *l, const char *prefix, const char *source, bp_kv *kv)
{
    char k[300];
    snprintf(k, sizeof k, "input.%s.source", prefix);
    bp_kv_add(kv, k, source);
    const struct {
        const char *name;
        size_t value;
    } counts[] = {{"features_read", l->n_read},
                  {"features_used", l->n},
                  {"repaired", l->n_repaired},
                  {"skipped_without_geometry", l->n_skipped},
                  {"skipped_degenerate", l->n_degenerate}};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        snprintf(k, sizeof k, "input.%s.%s", prefix, counts[i].name);
        bp_kv_addf(kv, k, "%zu", counts[i].value);
    }
}
