/*
 * reader.c — plot readers: where the write stage gets each plot's
 * geometry and input attributes.  The memory reader serves the plots a
 * run holds (GEOS geometries converted to OGR through WKB).
 */
#include "output/output.h"

#include <stdlib.h>
#include <string.h>

typedef struct {
    const bp_layer *plots;
    bp_geos g;
    GEOSWKBWriter *w;
} memory_reader;

static bp_status memory_get(void *ud, size_t i, OGRFeatureH *attrs, OGRGeometryH *geom, bp_ctx *ctx)
{
    memory_reader *m = ud;
    *attrs = m->plots->feat ? m->plots->feat[i] : NULL;
    *geom = NULL;
    size_t len;
    unsigned char *wkb = GEOSWKBWriter_write_r(m->g.h, m->w, m->plots->geom[i], &len);
    if (!wkb) return bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", m->g.msg);
    OGR_G_CreateFromWkb(wkb, NULL, geom, (int)len);
    GEOSFree_r(m->g.h, wkb);
    return BP_OK;
}

/* The layer geometry type for the plots: multi-polygons, multi-lines,
 * points or multi-points, or unknown when mixed. */
static OGRwkbGeometryType geom_type(GEOSContextHandle_t h, GEOSGeometry *const *geoms, size_t n)
{
    int dims = 0, all_points = 1;
    for (size_t i = 0; i < n; i++) {
        dims |= 1 << GEOSGeom_getDimensions_r(h, geoms[i]);
        if (GEOSGeomTypeId_r(h, geoms[i]) != GEOS_POINT) all_points = 0;
    }
    if (dims == 4) return wkbMultiPolygon;
    if (dims == 2) return wkbMultiLineString;
    if (dims == 1) return all_points ? wkbPoint : wkbMultiPoint;
    return wkbUnknown;
}

bp_status bp_plot_reader_memory(bp_plot_reader *pr, const bp_layer *plots, bp_ctx *ctx)
{
    memory_reader *m = calloc(1, sizeof *m);
    if (!m) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    m->plots = plots;
    if (bp_geos_init(&m->g, ctx) != BP_OK || !(m->w = GEOSWKBWriter_create_r(m->g.h))) {
        bp_geos_finish(&m->g);
        free(m);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    pr->what = plots->what;
    pr->defn = plots->defn;
    pr->geom_type = geom_type(m->g.h, plots->geom, plots->n);
    pr->get = memory_get;
    pr->ud = m;
    return BP_OK;
}

void bp_plot_reader_memory_free(bp_plot_reader *pr)
{
    memory_reader *m = pr ? pr->ud : NULL;
    if (!m) return;
    GEOSWKBWriter_destroy_r(m->g.h, m->w);
    bp_geos_finish(&m->g);
    free(m);
    pr->ud = NULL;
}

/* ---- the candidates of an earlier output ----------------------------------- */

typedef struct {
    GDALDatasetH ds;
    OGRLayerH lyr;
    OGRFeatureDefnH defn;  /* the input attribute fields */
    int *src_field;        /* for each of them, its index in the old layer */
    int64_t *fid;          /* per plot of the result: its feature id in the old layer */
    OGRFeatureH cur;       /* attributes handed out, until the next call */
} gpkg_reader;

static bp_status gpkg_get(void *ud, size_t i, OGRFeatureH *attrs, OGRGeometryH *geom, bp_ctx *ctx)
{
    gpkg_reader *g = ud;
    OGRFeatureH f = OGR_L_GetFeature(g->lyr, (GIntBig)g->fid[i]);
    if (!f) return bp_error(ctx, BP_ERR_DATA, "candidates: feature %lld is gone", (long long)g->fid[i]);
    if (g->cur) OGR_F_Destroy(g->cur);
    g->cur = OGR_F_Create(g->defn);
    for (int k = 0; k < OGR_FD_GetFieldCount(g->defn); k++)
        if (OGR_F_IsFieldSetAndNotNull(f, g->src_field[k]))
            OGR_F_SetFieldRaw(g->cur, k, OGR_F_GetRawFieldRef(f, g->src_field[k]));
    *attrs = g->cur;
    *geom = OGR_F_StealGeometry(f);
    OGR_F_Destroy(f);
    return BP_OK;
}

/* Is 'name' a field the writer makes for r (not an input attribute)? */
static int computed(const bp_layerdef *def, const bp_result *r, const char *name)
{
    char buf[160];
    for (size_t i = 0; i < def->nfields; i++) {
        const bp_fielddef *fd = &def->fields[i];
        int n = !fd->per ? 1 : !strcmp(fd->per, "category") ? (int)r->ncat : BP_NTYPES;
        for (int a = 0; a < n; a++) {
            const char *cat = fd->per && !strcmp(fd->per, "category") ? r->cat[a] : NULL;
            const char *typ = fd->per && !strcmp(fd->per, "type") ? bp_type_name((bp_type)a) : NULL;
            bp_layerdef_expand(fd->name, cat, r->radius_m, typ, buf, sizeof buf);
            if (!strcmp(buf, name)) return 1;
        }
    }
    return 0;
}

void bp_plot_reader_gpkg_free(bp_plot_reader *pr)
{
    gpkg_reader *g = pr ? pr->ud : NULL;
    if (!g) return;
    if (g->cur) OGR_F_Destroy(g->cur);
    if (g->defn) OGR_FD_Release(g->defn);
    if (g->ds) GDALClose(g->ds);
    free(g->src_field);
    free(g->fid);
    free(g);
    pr->ud = NULL;
}

bp_status bp_plot_reader_gpkg(bp_plot_reader *pr, const char *gpkg, const bp_result *r, const bp_layerdefs *defs,
                              bp_ctx *ctx)
{
    memset(pr, 0, sizeof *pr);
    const bp_layerdef *def = bp_layerdef_get(defs, "candidates", ctx);
    gpkg_reader *g = calloc(1, sizeof *g);
    if (!def) {
        free(g);
        return bp_ctx_status(ctx);
    }
    if (!g) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    pr->ud = g;
    pr->get = gpkg_get;
    pr->what = gpkg;
    g->ds = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    g->lyr = g->ds ? GDALDatasetGetLayerByName(g->ds, "candidates") : NULL;
    if (!g->lyr) {
        bp_plot_reader_gpkg_free(pr);
        return bp_error(ctx, BP_ERR_USAGE, "%s: no candidates layer", gpkg);
    }
    OGRFeatureDefnH src = OGR_L_GetLayerDefn(g->lyr);
    int n = OGR_FD_GetFieldCount(src), pid = OGR_FD_GetFieldIndex(src, "plot_id");
    g->defn = OGR_FD_Create("candidates");
    OGR_FD_Reference(g->defn);
    OGR_FD_SetGeomType(g->defn, wkbNone);
    g->src_field = malloc((size_t)(n ? n : 1) * sizeof *g->src_field);
    g->fid = malloc((r->n ? r->n : 1) * sizeof *g->fid);
    if (!g->src_field || !g->fid || pid < 0) {
        bp_plot_reader_gpkg_free(pr);
        return pid < 0 ? bp_error(ctx, BP_ERR_USAGE, "%s: candidates has no plot_id", gpkg)
                       : bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    for (int k = 0; k < n; k++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(src, k);
        if (computed(def, r, OGR_Fld_GetNameRef(fd))) continue;
        g->src_field[OGR_FD_GetFieldCount(g->defn)] = k;
        OGR_FD_AddFieldDefn(g->defn, fd);
    }
    pr->defn = g->defn;
    pr->geom_type = OGR_L_GetGeomType(g->lyr);
    /* plot_id -> feature id */
    size_t *index = NULL, found = 0;
    for (size_t i = 0; i < r->n; i++) g->fid[i] = -1;
    OGR_L_ResetReading(g->lyr);
    OGR_L_SetIgnoredFields(g->lyr, NULL);
    OGRFeatureH f;
    bp_status st = BP_OK;
    while (st == BP_OK && (f = OGR_L_GetNextFeature(g->lyr)) != NULL) {
        long i = bp_result_find_id(r, OGR_F_GetFieldAsString(f, pid), &index);
        if (i < 0 && !index) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (i >= 0 && g->fid[i] < 0) {
            g->fid[i] = OGR_F_GetFID(f);
            found++;
        }
        OGR_F_Destroy(f);
    }
    free(index);
    if (st == BP_OK && found != r->n)
        st = bp_error(ctx, BP_ERR_DATA, "%s: %zu of %zu plots of the result are missing from candidates (deleted?); run "
                      "score again", gpkg, r->n - found, r->n);
    if (st != BP_OK) bp_plot_reader_gpkg_free(pr);
    return st;
}
