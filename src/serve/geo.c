/*
 * geo.c — the geometry the page draws, read once at start from the result
 * GeoPackage with OGR and transformed to WGS84 (traditional lon/lat order):
 *
 *   plots: one compact JSON text, in the order of the result's plots,
 *     {"n":N, "ids":[...], "pt":[lon,lat,...], "off":[...], "ring":[...]}
 *     pt: a point on each plot's surface in millionths of a degree
 *     (about 0.1 m); ring: the outer ring of the plot's largest polygon,
 *     simplified to the tolerance, as offsets from its point in millionths
 *     of a degree, plot i's vertices from off[i] to off[i+1] (pairs);
 *     integers parse fast and keep 100,000 plots near 9 MB.
 *   gemeente_gap, facilities, walk_network: GeoJSON FeatureCollections
 *     (six decimals), when the GeoPackage has them.
 */
#include "serve/serve.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <gdal.h>
#include <cpl_conv.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>

const char *const bp_serve_geo_layers[3] = {"gemeente_gap", "facilities", "walk_network"};

typedef struct {
    const char *id;
    size_t i;
} id_ix;

static int cmp_id(const void *a, const void *b) { return strcmp(((const id_ix *)a)->id, ((const id_ix *)b)->id); }

void bp_serve_geo_free(bp_serve_geo *g)
{
    if (!g) return;
    free(g->plots);
    free(g->fid);
    for (int k = 0; k < 3; k++) free(g->layer_json[k]);
    memset(g, 0, sizeof *g);
}

static OGRCoordinateTransformationH to_wgs84(OGRLayerH lyr)
{
    OGRSpatialReferenceH src = OGR_L_GetSpatialRef(lyr);
    if (!src) return NULL;
    OGRSpatialReferenceH dst = OSRNewSpatialReference(NULL);
    OGRCoordinateTransformationH ct = NULL;
    if (dst && OSRImportFromEPSG(dst, 4326) == OGRERR_NONE) {
        OSRSetAxisMappingStrategy(dst, OAMS_TRADITIONAL_GIS_ORDER);
        ct = OCTNewCoordinateTransformation(src, dst);
    }
    if (dst) OSRDestroySpatialReference(dst);
    return ct;
}

/* The largest polygon part's outer ring of g (a polygon or multipolygon),
 * or NULL (borrowed from g). */
static OGRGeometryH outer_ring(OGRGeometryH g)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbPolygon) return OGR_G_GetGeometryCount(g) > 0 ? OGR_G_GetGeometryRef(g, 0) : NULL;
    if (t != wkbMultiPolygon && t != wkbGeometryCollection) return NULL;
    OGRGeometryH best = NULL;
    double best_area = -1;
    for (int k = 0; k < OGR_G_GetGeometryCount(g); k++) {
        OGRGeometryH part = OGR_G_GetGeometryRef(g, k);
        if (wkbFlatten(OGR_G_GetGeometryType(part)) != wkbPolygon) continue;
        double a = OGR_G_Area(part);
        if (a > best_area && OGR_G_GetGeometryCount(part) > 0) {
            best_area = a;
            best = OGR_G_GetGeometryRef(part, 0);
        }
    }
    return best;
}

static long long e6(double v) { return llround(v * 1e6); }

/* A FeatureCollection of layer 'name' (properties: its fields), or NULL in
 * *out when the layer is absent. */
static bp_status layer_geojson(GDALDatasetH ds, const char *name, double tol, char **out, size_t *len,
                               bp_ctx *ctx)
{
    *out = NULL;
    *len = 0;
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, name);
    if (!lyr) return BP_OK;
    OGRCoordinateTransformationH ct = to_wgs84(lyr);
    if (!ct) return bp_error(ctx, BP_ERR_DATA, "layer %s: no CRS to transform to WGS84", name);
    bp_serve_buf b = {0};
    bp_serve_buf_puts(&b, "{\"type\":\"FeatureCollection\",\"features\":[");
    char *opts[] = {"COORDINATE_PRECISION=6", NULL};
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int nf = OGR_FD_GetFieldCount(defn), first = 1;
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while ((f = OGR_L_GetNextFeature(lyr)) != NULL && !b.oom) {
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        if (g) {
            OGRGeometryH s = tol > 0 ? OGR_G_SimplifyPreserveTopology(g, tol) : OGR_G_Clone(g);
            char *js = NULL;
            if (s && OGR_G_Transform(s, ct) == OGRERR_NONE) js = OGR_G_ExportToJsonEx(s, opts);
            if (js) {
                bp_serve_buf_puts(&b, first ? "{\"type\":\"Feature\",\"geometry\":" : ",{\"type\":\"Feature\",\"geometry\":");
                first = 0;
                bp_serve_buf_puts(&b, js);
                bp_serve_buf_puts(&b, ",\"properties\":{");
                for (int k = 0; k < nf; k++) {
                    OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, k);
                    if (k) bp_serve_buf_puts(&b, ",");
                    bp_serve_buf_json_str(&b, OGR_Fld_GetNameRef(fd));
                    bp_serve_buf_puts(&b, ":");
                    OGRFieldType ft = OGR_Fld_GetType(fd);
                    if (!OGR_F_IsFieldSetAndNotNull(f, k)) bp_serve_buf_puts(&b, "null");
                    else if (ft == OFTInteger || ft == OFTInteger64)
                        bp_serve_buf_printf(&b, "%lld", (long long)OGR_F_GetFieldAsInteger64(f, k));
                    else if (ft == OFTReal) bp_serve_buf_num(&b, OGR_F_GetFieldAsDouble(f, k), 4);
                    else bp_serve_buf_json_str(&b, OGR_F_GetFieldAsString(f, k));
                }
                bp_serve_buf_puts(&b, "}}");
                CPLFree(js);
            }
            if (s) OGR_G_DestroyGeometry(s);
        }
        OGR_F_Destroy(f);
    }
    OCTDestroyCoordinateTransformation(ct);
    bp_serve_buf_puts(&b, "]}");
    if (b.oom) {
        bp_serve_buf_free(&b);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading layer %s", name);
    }
    *out = b.s;
    *len = b.len;
    return BP_OK;
}

static bp_status geo_read(bp_serve_geo *g, const char *gpkg, const bp_result *r, double tolerance_m, bp_ctx *ctx);
static bp_status attributes(const char *gpkg, int64_t fid, bp_serve_buf *b, bp_ctx *ctx);

bp_status bp_serve_geo_read(bp_serve_geo *g, const char *gpkg, const bp_result *r, double tolerance_m,
                            bp_ctx *ctx)
{
    CPLPushErrorHandler(CPLQuietErrorHandler);
    bp_status st = geo_read(g, gpkg, r, tolerance_m, ctx);
    CPLPopErrorHandler();
    return st;
}

static bp_status geo_read(bp_serve_geo *g, const char *gpkg, const bp_result *r, double tolerance_m, bp_ctx *ctx)
{
    memset(g, 0, sizeof *g);
    size_t n = bp_result_count(r);
    GDALAllRegister(); /* idempotent and thread-safe */
    GDALDatasetH ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return bp_error(ctx, BP_ERR_USAGE, "%s: cannot open as a GeoPackage", gpkg);
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "candidates");
    OGRCoordinateTransformationH ct = lyr ? to_wgs84(lyr) : NULL;
    int fi = lyr ? OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), "plot_id") : -1;
    id_ix *ix = malloc((n ? n : 1) * sizeof *ix);
    long long *pt = malloc((n ? n : 1) * 2 * sizeof *pt);
    bp_serve_buf *rings = calloc(n ? n : 1, sizeof *rings); /* per plot, its ring text */
    g->fid = malloc((n ? n : 1) * sizeof *g->fid);
    bp_status st = BP_OK;
    if (!lyr || fi < 0) st = bp_error(ctx, BP_ERR_USAGE, "%s: no candidates layer with plot_id", gpkg);
    else if (!ct) st = bp_error(ctx, BP_ERR_DATA, "%s: candidates have no CRS", gpkg);
    else if (!ix || !pt || !rings || !g->fid) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    if (st == BP_OK) {
        for (size_t i = 0; i < n; i++) {
            ix[i].id = bp_result_plot_id(r, i);
            ix[i].i = i;
            pt[2 * i] = pt[2 * i + 1] = 0;
            g->fid[i] = -1;
        }
        qsort(ix, n, sizeof *ix, cmp_id);
        double b0 = INFINITY, b1 = INFINITY, b2 = -INFINITY, b3 = -INFINITY;
        OGRFeatureH f;
        OGR_L_ResetReading(lyr);
        while (st == BP_OK && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
            id_ix key = {OGR_F_GetFieldAsString(f, fi), 0};
            id_ix *hit = bsearch(&key, ix, n, sizeof *ix, cmp_id);
            OGRGeometryH geom = OGR_F_GetGeometryRef(f);
            if (hit && geom && !OGR_G_IsEmpty(geom)) {
                size_t i = hit->i;
                g->fid[i] = OGR_F_GetFID(f);
                OGRGeometryH p = OGR_G_PointOnSurface(geom);
                if (p && OGR_G_Transform(p, ct) == OGRERR_NONE) {
                    double x = OGR_G_GetX(p, 0), y = OGR_G_GetY(p, 0);
                    pt[2 * i] = e6(x);
                    pt[2 * i + 1] = e6(y);
                    if (x < b0) b0 = x;
                    if (y < b1) b1 = y;
                    if (x > b2) b2 = x;
                    if (y > b3) b3 = y;
                }
                if (p) OGR_G_DestroyGeometry(p);
                OGRGeometryH s = OGR_G_SimplifyPreserveTopology(geom, tolerance_m);
                OGRGeometryH ring = s ? outer_ring(s) : NULL;
                if (ring && OGR_G_Transform(s, ct) == OGRERR_NONE) {
                    ring = outer_ring(s);
                    int np = OGR_G_GetPointCount(ring);
                    for (int k = 0; k + 1 < np; k++) /* the closing vertex is implied */
                        bp_serve_buf_printf(&rings[i], "%s%lld,%lld", rings[i].len ? "," : "",
                                            e6(OGR_G_GetX(ring, k)) - pt[2 * i],
                                            e6(OGR_G_GetY(ring, k)) - pt[2 * i + 1]);
                    if (rings[i].oom) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
                }
                if (s) OGR_G_DestroyGeometry(s);
            }
            OGR_F_Destroy(f);
        }
        g->bbox[0] = b0, g->bbox[1] = b1, g->bbox[2] = b2, g->bbox[3] = b3;
    }
    if (st == BP_OK) {
        bp_serve_buf b = {0};
        bp_serve_buf_printf(&b, "{\"n\":%zu,\"ids\":[", n);
        for (size_t i = 0; i < n; i++) {
            if (i) bp_serve_buf_puts(&b, ",");
            bp_serve_buf_json_str(&b, bp_result_plot_id(r, i));
        }
        bp_serve_buf_puts(&b, "],\"pt\":[");
        for (size_t i = 0; i < n; i++) bp_serve_buf_printf(&b, i ? ",%lld,%lld" : "%lld,%lld", pt[2 * i], pt[2 * i + 1]);
        bp_serve_buf_puts(&b, "],\"off\":[0");
        size_t off = 0;
        for (size_t i = 0; i < n; i++) {
            /* vertices = commas + 1, pairs = vertices / 2 */
            size_t nv = 0;
            if (rings[i].len) {
                nv = 1;
                for (size_t k = 0; k < rings[i].len; k++) nv += rings[i].s[k] == ',';
            }
            off += nv / 2;
            bp_serve_buf_printf(&b, ",%zu", off);
        }
        bp_serve_buf_puts(&b, "],\"ring\":[");
        int first = 1;
        for (size_t i = 0; i < n; i++) {
            if (!rings[i].len) continue;
            if (!first) bp_serve_buf_puts(&b, ",");
            first = 0;
            bp_serve_buf_add(&b, rings[i].s, rings[i].len);
        }
        bp_serve_buf_puts(&b, "]}");
        if (b.oom) {
            bp_serve_buf_free(&b);
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        } else {
            g->plots = b.s;
            g->plots_len = b.len;
        }
    }
    for (size_t i = 0; rings && i < n; i++) bp_serve_buf_free(&rings[i]);
    free(rings);
    free(ix);
    free(pt);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    static const double tol[3] = {20.0, 0.0, 1.0};
    for (int k = 0; st == BP_OK && k < 3; k++)
        st = layer_geojson(ds, bp_serve_geo_layers[k], tol[k], &g->layer_json[k], &g->layer_len[k], ctx);
    GDALClose(ds);
    if (st != BP_OK) {
        free(g->fid);
        g->fid = NULL;
        bp_serve_geo_free(g);
    }
    return st;
}

bp_status bp_serve_geo_attributes(const char *gpkg, int64_t fid, bp_serve_buf *b, bp_ctx *ctx)
{
    CPLPushErrorHandler(CPLQuietErrorHandler); /* per thread; GDAL's notices are not ours to print */
    bp_status st = attributes(gpkg, fid, b, ctx);
    CPLPopErrorHandler();
    return st;
}

static bp_status attributes(const char *gpkg, int64_t fid, bp_serve_buf *b, bp_ctx *ctx)
{
    GDALDatasetH ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!ds) return bp_error(ctx, BP_ERR_IO, "%s: cannot open", gpkg);
    OGRLayerH lyr = GDALDatasetGetLayerByName(ds, "candidates");
    OGRFeatureH f = lyr && fid >= 0 ? OGR_L_GetFeature(lyr, (GIntBig)fid) : NULL;
    if (!f) {
        GDALClose(ds);
        return bp_error(ctx, BP_ERR_USAGE, "no such plot");
    }
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    bp_serve_buf_puts(b, "{");
    for (int k = 0, first = 1; k < OGR_FD_GetFieldCount(defn); k++) {
        if (!OGR_F_IsFieldSetAndNotNull(f, k)) continue;
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, k);
        if (!first) bp_serve_buf_puts(b, ",");
        first = 0;
        bp_serve_buf_json_str(b, OGR_Fld_GetNameRef(fd));
        bp_serve_buf_puts(b, ":");
        bp_serve_buf_json_str(b, OGR_F_GetFieldAsString(f, k));
    }
    bp_serve_buf_puts(b, "}");
    OGR_F_Destroy(f);
    GDALClose(ds);
    return b->oom ? bp_error(ctx, BP_ERR_NOMEM, "out of memory") : BP_OK;
}
