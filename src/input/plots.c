/*
 * plots.c — the candidate plots: read through OGR like every layer, then
 * the result is sized for them and given what the read stage knows of each
 * plot: its id (the --id-field, or the feature id), its feature id, its
 * area and whether it is an area at all.
 */
#include "input/input.h"

#include <inttypes.h>
#include <math.h>
#include <stdlib.h>
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

/* Sets the id of every plot; *numeric tells whether they are whole numbers
 * (an integer field or feature ids). */
static bp_status set_ids(const bp_plots_opts *o, const bp_layer *pl, bp_result *r, int *numeric, bp_ctx *ctx)
{
    int fi = -1;
    *numeric = 1;
    if (o->id_field) {
        fi = OGR_FD_GetFieldIndex(pl->defn, o->id_field);
        if (fi < 0) {
            char fields[400];
            field_list(pl->defn, fields, sizeof fields);
            return bp_error(ctx, BP_ERR_USAGE, "%s: no field '%s' for --id-field (fields: %s)", pl->what, o->id_field,
                            fields[0] ? fields : "none");
        }
        OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(pl->defn, fi));
        *numeric = t == OFTInteger || t == OFTInteger64;
        if (!(r->id_field = bp_strdup(o->id_field))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    char buf[40];
    int real = fi >= 0 && OGR_Fld_GetType(OGR_FD_GetFieldDefn(pl->defn, fi)) == OFTReal;
    for (size_t i = 0; i < pl->n; i++) {
        if (fi >= 0 && !OGR_F_IsFieldSetAndNotNull(pl->feat[i], fi))
            return bp_error(ctx, BP_ERR_DATA, "%s: feature %" PRId64 " has no %s", pl->what, pl->fid[i], o->id_field);
        const char *id = buf;
        if (real) { /* the shortest text that reads back as the same number:
                       1.5 and 1.5000000000000002 are two plots */
            double v = OGR_F_GetFieldAsDouble(pl->feat[i], fi);
            snprintf(buf, sizeof buf, "%.15g", v);
            if (strtod(buf, NULL) != v) snprintf(buf, sizeof buf, "%.17g", v);
        } else if (fi >= 0) id = OGR_F_GetFieldAsString(pl->feat[i], fi);
        else snprintf(buf, sizeof buf, "%" PRId64, pl->fid[i]);
        bp_status st = bp_result_set_id(r, i, id, ctx);
        if (st != BP_OK) return st;
    }
    return BP_OK;
}

/* A numeric field for every plot into *out (NaN where empty or not a
 * number >= 0); BP_ERR_USAGE when the layer has no such field. */
static bp_status numeric_field(const bp_layer *pl, const char *field, const char *flag, double **out, bp_ctx *ctx)
{
    int fi = OGR_FD_GetFieldIndex(pl->defn, field);
    if (fi < 0) {
        char fields[400];
        field_list(pl->defn, fields, sizeof fields);
        return bp_error(ctx, BP_ERR_USAGE, "%s: no field '%s' for %s (fields: %s)", pl->what, field, flag,
                        fields[0] ? fields : "none");
    }
    *out = malloc((pl->n ? pl->n : 1) * sizeof **out);
    if (!*out) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < pl->n; i++) {
        (*out)[i] = NAN;
        if (!OGR_F_IsFieldSetAndNotNull(pl->feat[i], fi)) continue;
        const char *s = OGR_F_GetFieldAsString(pl->feat[i], fi);
        char *end;
        double v = strtod(s, &end);
        if (end != s && !*end && isfinite(v) && v >= 0) (*out)[i] = v;
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
    int numeric;
    if ((st = set_ids(o, plots, r, &numeric, ctx)) != BP_OK) return st;
    if ((st = bp_result_alloc_points(r, ctx)) != BP_OK) return st;
    for (size_t i = 0; i < plots->n; i++) {
        r->fid[i] = plots->fid[i];
        GEOSGeometry *pt = GEOSPointOnSurface_r(g->h, plots->geom[i]);
        if (pt) {
            GEOSGeomGetX_r(g->h, pt, &r->px[i]);
            GEOSGeomGetY_r(g->h, pt, &r->py[i]);
            GEOSGeom_destroy_r(g->h, pt);
        }
        if (GEOSGeom_getDimensions_r(g->h, plots->geom[i]) == 2) {
            r->flags[i] |= BP_PLOT_POLYGON;
            GEOSArea_r(g->h, plots->geom[i], &r->area[i]);
            /* larger than the Netherlands twice over: not a plot (wrong
               units or CRS), and its capacity would not fit any integer */
            if (!(r->area[i] <= BP_PLOT_MAX_AREA))
                return bp_error(ctx, BP_ERR_DATA,
                                "%s: plot %s has an area of %.3g m2, more than %.0f km2: not a building plot "
                                "(wrong CRS or units?)",
                                plots->what, bp_result_id(r, i), r->area[i], BP_PLOT_MAX_AREA / 1e6);
        }
    }
    if (o->capacity_field && (st = numeric_field(plots, o->capacity_field, "--capacity-field", &r->own_capacity, ctx)) != BP_OK)
        return st;
    if (o->levels_field && (st = numeric_field(plots, o->levels_field, "--levels-field", &r->levels, ctx)) != BP_OK)
        return st;
    return bp_result_check_ids(r, numeric, plots->what, ctx);
}
