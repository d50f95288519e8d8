/*
 * reader.c — plot readers: where the write stage gets each plot's
 * geometry and input attributes.  The memory reader serves the plots a
 * run holds (GEOS geometries converted to OGR through WKB).
 */
#include "output/output.h"

#include <stdlib.h>

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
