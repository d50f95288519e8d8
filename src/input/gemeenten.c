/*
 * gemeenten.c — the gemeente polygons: read through OGR, grouped by their
 * normalised code and unioned per group (CBS splits a gemeente in land and
 * water parts), into the result's gemeente table, sorted by code.
 */
#include "input/input.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

typedef struct {
    char code[32];
    size_t idx;
} code_idx;

static int cmp_code_idx(const void *a, const void *b)
{
    const code_idx *x = a, *y = b;
    int c = strcmp(x->code, y->code);
    return c ? c : (x->idx < y->idx ? -1 : x->idx > y->idx);
}

/* Groups the layer's features by code and adds one gemeente per code to
 * the result, with the union of its polygons in geoms (grown as needed). */
static bp_status group(const bp_layer *layer, const char *code_field, const char *name_field, bp_geos *g,
                       bp_result *r, GEOSGeometry ***geoms_out, bp_ctx *ctx)
{
    int ci = OGR_FD_GetFieldIndex(layer->defn, code_field);
    if (ci < 0)
        return bp_error(ctx, BP_ERR_USAGE, "%s: no field '%s' (set it with --gemeente-code-field)",
                        layer->what, code_field);
    int ni = name_field ? OGR_FD_GetFieldIndex(layer->defn, name_field) : -1;
    if (name_field && ni < 0)
        bp_warn(ctx, "%s: no field '%s'; gemeente names are left empty", layer->what, name_field);
    code_idx *ord = malloc(layer->n * sizeof *ord);
    if (!ord) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < layer->n; i++) {
        OGRFeatureH f = layer->feat[i];
        if (!OGR_F_IsFieldSetAndNotNull(f, ci) || !*OGR_F_GetFieldAsString(f, ci)) {
            free(ord);
            return bp_error(ctx, BP_ERR_DATA, "%s: feature %lld has no %s", layer->what,
                            (long long)layer->fid[i], code_field);
        }
        bp_targets_normalise_code(OGR_F_GetFieldAsString(f, ci), ord[i].code, sizeof ord[i].code);
        ord[i].idx = i;
    }
    qsort(ord, layer->n, sizeof *ord, cmp_code_idx);
    bp_status st = BP_OK;
    GEOSGeometry **geoms = calloc(layer->n, sizeof *geoms);
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(g->h);
    if (!geoms || !w) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == BP_OK && i < layer->n;) {
        size_t j = i;
        while (j < layer->n && strcmp(ord[j].code, ord[i].code) == 0) j++;
        const char *nm = NULL;
        for (size_t k = i; k < j && ni >= 0 && !nm; k++)
            if (OGR_F_IsFieldSetAndNotNull(layer->feat[ord[k].idx], ni))
                nm = OGR_F_GetFieldAsString(layer->feat[ord[k].idx], ni);
        GEOSGeometry *geom = NULL;
        if (j - i == 1) {
            geom = GEOSGeom_clone_r(g->h, layer->geom[ord[i].idx]);
        } else {
            GEOSGeometry **parts = malloc((j - i) * sizeof *parts);
            if (parts) {
                for (size_t k = i; k < j; k++) parts[k - i] = GEOSGeom_clone_r(g->h, layer->geom[ord[k].idx]);
                GEOSGeometry *coll = GEOSGeom_createCollection_r(g->h, GEOS_GEOMETRYCOLLECTION, parts,
                                                                 (unsigned)(j - i));
                free(parts);
                if (coll) {
                    geom = GEOSUnaryUnion_r(g->h, coll);
                    GEOSGeom_destroy_r(g->h, coll);
                }
            }
        }
        if (!geom) {
            st = bp_error(ctx, BP_ERR_DATA, "%s: cannot merge the polygons of gemeente %s: %s", layer->what,
                          ord[i].code, g->msg);
            break;
        }
        size_t len = 0;
        unsigned char *wkb = GEOSWKBWriter_write_r(g->h, w, geom, &len);
        long gi = wkb ? bp_result_add_gemeente(r, ord[i].code, nm, wkb, len) : -1;
        if (wkb) GEOSFree_r(g->h, wkb);
        if (gi < 0) {
            GEOSGeom_destroy_r(g->h, geom);
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        geoms[gi] = geom;
        i = j;
    }
    free(ord);
    if (w) GEOSWKBWriter_destroy_r(g->h, w);
    if (st != BP_OK) {
        bp_gemeenten_free(geoms, r->ngm, g);
        geoms = NULL;
    }
    *geoms_out = geoms;
    return st;
}


bp_status bp_gemeenten_read(const bp_gemeenten_opts *o, const bp_crs *crs, bp_geos *g, bp_result *r,
                            GEOSGeometry ***geoms, bp_layer *layer_out, bp_ctx *ctx)
{
    *geoms = NULL;
    bp_layer own, *layer = layer_out ? layer_out : &own;
    bp_layer_opts lo = {.keep_attrs = 1};
    bp_status st = bp_layer_read(layer, o->source, &lo, crs, g, NULL, NULL, ctx);
    if (st != BP_OK) return st;
    bp_layer_report(layer, ctx);
    st = group(layer, o->code_field, o->name_field, g, r, geoms, ctx);
    /* the unions are what the run needs; the parts only count */
    size_t n = layer->n; /* the count stays for run_info */
    bp_layer_drop_features(layer, g);
    layer->n = n;
    if (!layer_out) bp_layer_clear(layer, g);
    return st;
}

void bp_gemeenten_free(GEOSGeometry **geoms, size_t n, bp_geos *g)
{
    for (size_t i = 0; geoms && i < n; i++)
        if (geoms[i]) GEOSGeom_destroy_r(g->h, geoms[i]);
    free(geoms);
}
