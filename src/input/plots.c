/*
 * plots.c — the candidate plots: read through OGR like every layer, then
 * the result is sized for them and given what the read stage knows of each
 * plot: its id (the --id-field, or the feature id), its feature id, its
 * area and whether it is an area at all.
 */
#include "input/input.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* "a, b, c" of the layer's field names, into buf. */
static void field_list(OGRFeatureDefnH defn, char *buf, size_t size)
{
    buf[0] = '\0';
    for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++) {
        size_t len = strlen(buf);
        snprintf(buf + len, size - len, "%s%s", i ? ", " : "", OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
    }
}

/* The index of the id field (-1: feature ids) and whether the ids are
 * whole numbers (an integer field or feature ids); sets r->id_field. */
static bp_status id_field(const bp_plots_opts *o, const bp_layer *pl, bp_result *r, int *fi, int *numeric,
                          bp_ctx *ctx)
{
    *fi = -1;
    *numeric = 1;
    if (!o->id_field) return BP_OK;
    *fi = OGR_FD_GetFieldIndex(pl->defn, o->id_field);
    if (*fi < 0) {
        char fields[400];
        field_list(pl->defn, fields, sizeof fields);
        return bp_error(ctx, BP_ERR_USAGE, "%s: no field '%s' for --id-field (fields: %s)", pl->what, o->id_field,
                        fields[0] ? fields : "none");
    }
    OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(pl->defn, *fi));
    *numeric = t == OFTInteger || t == OFTInteger64;
    if (!(r->id_field = bp_strdup(o->id_field))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    return BP_OK;
}

/* Plots pl[0..n-1] become plots first.. of r: id, feature id, area, the
 * polygon flag. */
static bp_status set_plots(const bp_plots_opts *o, const bp_layer *pl, int fi, size_t first, bp_geos *g,
                           bp_result *r, bp_ctx *ctx)
{
    char buf[32];
    for (size_t k = 0; k < pl->n; k++) {
        size_t i = first + k;
        if (fi >= 0 && !OGR_F_IsFieldSetAndNotNull(pl->feat[k], fi))
            return bp_error(ctx, BP_ERR_DATA, "%s: feature %" PRId64 " has no %s", pl->what, pl->fid[k], o->id_field);
        const char *id = buf;
        if (fi >= 0) id = OGR_F_GetFieldAsString(pl->feat[k], fi);
        else snprintf(buf, sizeof buf, "%" PRId64, pl->fid[k]);
        bp_status st = bp_result_set_id(r, i, id, ctx);
        if (st != BP_OK) return st;
        r->fid[i] = pl->fid[k];
        if (GEOSGeom_getDimensions_r(g->h, pl->geom[k]) == 2) {
            r->flags[i] |= BP_PLOT_POLYGON;
            GEOSArea_r(g->h, pl->geom[k], &r->area[i]);
        }
    }
    return BP_OK;
}

bp_status bp_plots_read(const bp_plots_opts *o, const bp_crs *crs, bp_geos *g, GDALProgressFunc progress, void *pdata,
                        bp_layer *plots, bp_result *r, bp_ctx *ctx)
{
    bp_layer_opts lo = {.where = o->where, .keep_attrs = 1};
    bp_status st = bp_layer_read(plots, o->source, &lo, crs, g, progress, pdata, ctx);
    if (st != BP_OK) return st;
    bp_layer_report(plots, ctx);
    if ((st = bp_result_alloc_plots(r, plots->n, ctx)) != BP_OK) return st;
    int fi, numeric;
    if ((st = id_field(o, plots, r, &fi, &numeric, ctx)) != BP_OK) return st;
    if ((st = set_plots(o, plots, fi, 0, g, r, ctx)) != BP_OK) return st;
    return bp_result_check_ids(r, numeric, plots->what, ctx);
}

/* Accumulates the geometry kinds of plots for the candidates layer type. */
static void add_kinds(const bp_layer *pl, bp_geos *g, int *dims, int *all_points)
{
    for (size_t k = 0; k < pl->n; k++) {
        *dims |= 1 << GEOSGeom_getDimensions_r(g->h, pl->geom[k]);
        if (GEOSGeomTypeId_r(g->h, pl->geom[k]) != GEOS_POINT) *all_points = 0;
    }
}

OGRwkbGeometryType bp_plots_geom_type(int dims, int all_points)
{
    if (dims == 4) return wkbMultiPolygon;
    if (dims == 2) return wkbMultiLineString;
    if (dims == 1) return all_points ? wkbPoint : wkbMultiPoint;
    return wkbUnknown;
}

bp_status bp_plots_stream(const bp_plots_opts *o, size_t chunk, const bp_crs *crs, bp_geos *g,
                          GDALProgressFunc progress, void *pdata, bp_plots_chunk_fn fn, void *ud, bp_layer *plots,
                          OGRwkbGeometryType *geom_type, bp_result *r, bp_ctx *ctx)
{
    bp_layer_opts lo = {.where = o->where, .keep_attrs = 1};
    bp_layer_stream *s;
    bp_status st = bp_layer_stream_open(&s, plots, o->source, &lo, crs, g, ctx);
    if (st != BP_OK) return st;
    int fi, numeric, end = 0, dims = 0, all_points = 1;
    st = id_field(o, plots, r, &fi, &numeric, ctx);
    if (st == BP_OK) st = bp_result_alloc_plots(r, 0, ctx);
    while (st == BP_OK && !end) {
        size_t first = r->n;
        st = bp_layer_stream_next(s, plots, chunk ? chunk : 65536, progress, pdata, &end, ctx);
        if (st != BP_OK || plots->n == 0) break;
        add_kinds(plots, g, &dims, &all_points);
        st = bp_result_grow_plots(r, first + plots->n, ctx);
        if (st == BP_OK) st = set_plots(o, plots, fi, first, g, r, ctx);
        if (st == BP_OK) st = fn(ud, plots->geom, plots->n, first, ctx);
    }
    bp_layer_stream_close(s);
    /* the last chunk's features go; what, defn and the counts stay */
    if (st == BP_OK) {
        bp_layer last = *plots;
        last.what = NULL;
        last.defn = NULL;
        bp_layer_clear(&last, g);
        plots->n = 0;
        plots->geom = NULL;
        plots->feat = NULL;
        plots->names = NULL;
        plots->fid = NULL;
        bp_layer_report(plots, ctx);
        *geom_type = bp_plots_geom_type(dims, all_points);
        st = bp_result_check_ids(r, numeric, plots->what, ctx);
    }
    return st;
}
