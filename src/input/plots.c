/*
 * plots.c — the candidate plots: read through OGR like every layer, then
 * the result is sized for them and given what the read stage knows of each
 * plot: its id (the --id-field, or the feature id), its feature id, a
 * point on it, its area and whether it is an area at all, and its own
 * capacity and storeys when asked.  bp_plots_stream() does the same chunk
 * by chunk, for runs that keep only the result's per-plot numbers.
 */
#include "input/input.h"

#include <inttypes.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <math.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
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

/* The fields of the plots' own numbers: --capacity-field and --levels-field
 * (-1: not asked for). */
typedef struct {
    int capacity, levels;
} num_fields;

static bp_status num_field_index(const bp_layer *pl, const char *field, const char *flag, int *fi, bp_ctx *ctx)
{
    *fi = -1;
    if (!field) return BP_OK;
    *fi = OGR_FD_GetFieldIndex(pl->defn, field);
    if (*fi >= 0) return BP_OK;
    char fields[400];
    field_list(pl->defn, fields, sizeof fields);
    return bp_error(ctx, BP_ERR_USAGE, "%s: no field '%s' for %s (fields: %s)", pl->what, field, flag,
                    fields[0] ? fields : "none");
}

/* Finds the fields and allocates their arrays in r (NaN: none). */
static bp_status num_fields_init(const bp_plots_opts *o, const bp_layer *pl, bp_result *r, num_fields *nf,
                                 bp_ctx *ctx)
{
    bp_status st = num_field_index(pl, o->capacity_field, "--capacity-field", &nf->capacity, ctx);
    if (st == BP_OK) st = num_field_index(pl, o->levels_field, "--levels-field", &nf->levels, ctx);
    if (st != BP_OK) return st;
    size_t m = r->n ? r->n : 1;
    if (nf->capacity >= 0 && !r->own_capacity && !(r->own_capacity = malloc(m * sizeof *r->own_capacity)))
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    if (nf->levels >= 0 && !r->levels && !(r->levels = malloc(m * sizeof *r->levels)))
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < r->n; i++) {
        if (r->own_capacity) r->own_capacity[i] = NAN;
        if (r->levels) r->levels[i] = NAN;
    }
    return bp_result_alloc_points(r, ctx);
}

/* A non-negative number from field fi of f, or NaN. */
static double num_value(OGRFeatureH f, int fi)
{
    if (!OGR_F_IsFieldSetAndNotNull(f, fi)) return NAN;
    const char *s = OGR_F_GetFieldAsString(f, fi);
    char *end;
    double v = strtod(s, &end);
    return end != s && !*end && isfinite(v) && v >= 0 ? v : NAN;
}

/* Plots pl[0..n-1] become plots first.. of r: id, feature id, a point on
 * the plot, area, the polygon flag, own capacity and storeys. */
static bp_status set_plots(const bp_plots_opts *o, const bp_layer *pl, int fi, const num_fields *nf, size_t first,
                           bp_geos *g, bp_result *r, bp_ctx *ctx)
{
    char buf[40];
    int real = fi >= 0 && OGR_Fld_GetType(OGR_FD_GetFieldDefn(pl->defn, fi)) == OFTReal;
    for (size_t k = 0; k < pl->n; k++) {
        size_t i = first + k;
        if (fi >= 0 && !OGR_F_IsFieldSetAndNotNull(pl->feat[k], fi))
            return bp_error(ctx, BP_ERR_DATA, "%s: feature %" PRId64 " has no %s", pl->what, pl->fid[k], o->id_field);
        const char *id = buf;
        if (real) { /* the shortest text that reads back as the same number:
                       1.5 and 1.5000000000000002 are two plots */
            double v = OGR_F_GetFieldAsDouble(pl->feat[k], fi);
            snprintf(buf, sizeof buf, "%.15g", v);
            if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
        } else if (fi >= 0) id = OGR_F_GetFieldAsString(pl->feat[k], fi);
        else snprintf(buf, sizeof buf, "%" PRId64, pl->fid[k]);
        bp_status st = bp_result_set_id(r, i, id, ctx);
        if (st != BP_OK) return st;
        r->fid[i] = pl->fid[k];
        if (pl->repaired && pl->repaired[k]) r->flags[i] |= BP_PLOT_REPAIRED;
        GEOSGeometry *pt = GEOSPointOnSurface_r(g->h, pl->geom[k]);
        if (pt) {
            GEOSGeomGetX_r(g->h, pt, &r->px[i]);
            GEOSGeomGetY_r(g->h, pt, &r->py[i]);
            GEOSGeom_destroy_r(g->h, pt);
        }
        if (GEOSGeom_getDimensions_r(g->h, pl->geom[k]) == 2) {
            r->flags[i] |= BP_PLOT_POLYGON;
            GEOSArea_r(g->h, pl->geom[k], &r->area[i]);
            /* larger than the Netherlands twice over: not a plot (wrong
               units or CRS), and its capacity would not fit any integer */
            if (!(r->area[i] <= BP_PLOT_MAX_AREA))
                return bp_error(ctx, BP_ERR_DATA,
                                "%s: plot %s has an area of %.3g m2, more than %.0f km2: not a building plot "
                                "(wrong CRS or units?)",
                                pl->what, bp_result_id(r, i), r->area[i], BP_PLOT_MAX_AREA / 1e6);
        }
        if (nf->capacity >= 0) r->own_capacity[i] = num_value(pl->feat[k], nf->capacity);
        if (nf->levels >= 0) r->levels[i] = num_value(pl->feat[k], nf->levels);
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
    num_fields nf;
    if ((st = id_field(o, plots, r, &fi, &numeric, ctx)) != BP_OK) return st;
    if ((st = num_fields_init(o, plots, r, &nf, ctx)) != BP_OK) return st;
    if ((st = set_plots(o, plots, fi, &nf, 0, g, r, ctx)) != BP_OK) return st;
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

int bp_plots_rereadable(const bp_plots_opts *o)
{
    bp_ctx *ctx = bp_ctx_new();
    bp_source src;
    GDALDatasetH ds = NULL;
    OGRLayerH lyr = NULL;
    int yes = 0;
    if (ctx && bp_source_parse(o->source, &src, ctx) == BP_OK) {
        if (bp_source_open(&src, &ds, &lyr, ctx) == BP_OK) {
            yes = OGR_L_TestCapability(lyr, OLCRandomRead) != 0;
            GDALClose(ds);
        }
        bp_source_clear(&src);
    }
    bp_ctx_free(ctx);
    return yes;
}

/* The next chunk, read in a helper thread while the current one is
 * measured: reading (OGR, GEOS, validity) is one core's work, and the
 * distances leave room beside it. */
typedef struct {
    bp_layer_stream *s;
    bp_layer *out;
    size_t max;
    GDALProgressFunc progress;
    void *pdata;
    int end;
    bp_status st;
    bp_ctx *ctx; /* the helper's (bp_ctx_new_helper) */
} ahead;

static void *read_ahead(void *arg)
{
    ahead *a = arg;
    a->st = bp_layer_stream_next(a->s, a->out, a->max, a->progress, a->pdata, &a->end, a->ctx);
    return NULL;
}

/* Adds what other counted to l. */
static void add_counts(bp_layer *l, const bp_layer *other)
{
    l->n_read += other->n_read;
    l->n_skipped += other->n_skipped;
    l->n_repaired += other->n_repaired;
    l->n_degenerate += other->n_degenerate;
    if (other->max_dim > l->max_dim) l->max_dim = other->max_dim;
}

bp_status bp_plots_stream(const bp_plots_opts *o, size_t chunk, const bp_crs *crs, bp_geos *g,
                          GDALProgressFunc progress, void *pdata, bp_plots_chunk_fn fn, void *ud, bp_layer *plots,
                          OGRwkbGeometryType *geom_type, bp_result *r, bp_ctx *ctx)
{
    /* the reader has its own GEOS context: it runs beside fn */
    bp_geos rg;
    bp_status st = bp_geos_init(&rg, ctx);
    if (st != BP_OK) return st;
    bp_layer_opts lo = {.where = o->where, .keep_attrs = 1};
    bp_layer_stream *s;
    st = bp_layer_stream_open(&s, plots, o->source, &lo, crs, &rg, progress, pdata, ctx);
    if (st != BP_OK) {
        bp_geos_finish(&rg);
        return st;
    }
    int fi, numeric, end = 0, dims = 0, all_points = 1;
    num_fields nf;
    st = id_field(o, plots, r, &fi, &numeric, ctx);
    if (st == BP_OK) st = bp_result_alloc_plots(r, 0, ctx);
    if (st == BP_OK) st = num_fields_init(o, plots, r, &nf, ctx);
    /* two halves of a chunk: one is measured while the other is read */
    size_t half = (chunk ? chunk : 65536) / 2;
    if (half == 0) half = 1;
    bp_layer other = {.what = plots->what, .defn = plots->defn}; /* borrowed */
    bp_layer *cur = plots, *nxt = &other;
    if (st == BP_OK) st = bp_layer_stream_next(s, cur, half, progress, pdata, &end, ctx);
    while (st == BP_OK && cur->n > 0) {
        size_t first = r->n;
        ahead a = {.s = s, .out = nxt, .max = half, .progress = progress, .pdata = pdata, .end = 1};
        pthread_t reader;
        int started = 0;
        if (!end) {
            if (!(a.ctx = bp_ctx_new_helper(ctx))) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            else if (pthread_create(&reader, NULL, read_ahead, &a) == 0) started = 1;
            else read_ahead(&a); /* no thread to be had: read it first, here */
        }
        if (st == BP_OK) {
            add_kinds(cur, g, &dims, &all_points);
            st = bp_result_grow_plots(r, first + cur->n, ctx);
        }
        if (st == BP_OK) st = set_plots(o, cur, fi, &nf, first, g, r, ctx);
        if (st == BP_OK) st = fn(ud, cur->geom, cur->n, first, ctx);
        if (started) pthread_join(reader, NULL);
        if (a.ctx) {
            bp_ctx_adopt(ctx, a.ctx); /* its warnings; its error when there is none here */
            bp_ctx_free(a.ctx);
            if (st == BP_OK) st = a.st;
        }
        if (end) break; /* that was the last chunk */
        end = a.end;
        bp_layer *t = cur; /* the chunk read ahead is next */
        cur = nxt;
        nxt = t;
    }
    /* every feature of the other buffer goes, its counts to plots */
    add_counts(plots, &other);
    bp_layer_drop_features(&other, &rg); /* what and defn are borrowed from plots */
    bp_layer_stream_close(s);
    /* the last chunk's features go; what, defn and the counts stay */
    if (st == BP_OK) {
        bp_layer_drop_features(plots, &rg);
        bp_layer_report(plots, ctx);
        *geom_type = bp_plots_geom_type(dims, all_points);
        st = bp_result_check_ids(r, numeric, plots->what, ctx);
    }
    bp_geos_finish(&rg);
#ifdef __GLIBC__
    /* the reader thread's chunks were freed in its own malloc arena, where
       the writer's allocations would not reuse them: given back now */
    malloc_trim(0);
#endif
    return st;
}
