/*
 * reader.c — plot readers: where the write stage gets each plot's
 * geometry and input attributes.  The memory reader serves the plots a
 * run holds (GEOS geometries converted to OGR through WKB).  The source
 * reader reads each plot again from its source, by feature id, in the
 * order the writer asks (rank order): random access by fid, which GPKG
 * (the primary key), FlatGeobuf (its feature index) and Shapefile (.shx)
 * do without a scan; the geometry is processed exactly as on the first
 * read (input/layer.c), so the output is the same as from memory.
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

/* The layer geometry type for the plots (bp_plots_geom_type). */
static OGRwkbGeometryType geom_type(GEOSContextHandle_t h, GEOSGeometry *const *geoms, size_t n)
{
    int dims = 0, all_points = 1;
    for (size_t i = 0; i < n; i++) {
        dims |= 1 << GEOSGeom_getDimensions_r(h, geoms[i]);
        if (GEOSGeomTypeId_r(h, geoms[i]) != GEOS_POINT) all_points = 0;
    }
    return bp_plots_geom_type(dims, all_points);
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

/* ---- the source reader ------------------------------------------------------ */

/* Plots read ahead: the next window of the rank order, read in feature id
 * order (ascending fids keep the source's pages in the cache and let the OS
 * read ahead: about three times faster than in rank order on a GeoPackage). */

typedef struct {
    int64_t fid;
    size_t slot;
} fid_slot;

static int cmp_fid(const void *a, const void *b)
{
    const fid_slot *x = a, *y = b;
    return x->fid < y->fid ? -1 : x->fid > y->fid;
}

typedef struct {
    bp_geos g;
    bp_layer_stream *s;
    bp_layer info;          /* what and defn of the stream */
    const int64_t *fid;     /* the result's feature ids */
    const uint32_t *order;  /* the order the writer asks in, n of them */
    size_t n, next;         /* position in order */
    size_t window, win_start, win_n;
    OGRFeatureH *feat;      /* window attributes (no geometry) */
    OGRGeometryH *geom;     /* window geometries, handed out */
    fid_slot *sorted;
    GEOSWKBWriter *w;
    OGRFeatureH last;       /* the attributes handed out last */
} source_reader;

/* Reads plot i from the source: its attributes (without geometry) and its
 * geometry as an OGR geometry. */
static bp_status read_plot(source_reader *m, size_t i, OGRFeatureH *attrs, OGRGeometryH *geom, bp_ctx *ctx)
{
    OGRFeatureH f;
    GEOSGeometry *gg;
    bp_status st = bp_layer_stream_feature(m->s, m->fid[i], &f, &gg, ctx);
    if (st != BP_OK) return st;
    size_t len;
    unsigned char *wkb = GEOSWKBWriter_write_r(m->g.h, m->w, gg, &len);
    GEOSGeom_destroy_r(m->g.h, gg);
    if (!wkb) {
        OGR_F_Destroy(f);
        return bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", m->g.msg);
    }
    OGR_G_CreateFromWkb(wkb, NULL, geom, (int)len);
    GEOSFree_r(m->g.h, wkb);
    OGR_G_DestroyGeometry(OGR_F_StealGeometry(f));
    *attrs = f;
    return BP_OK;
}

static void drop_window(source_reader *m)
{
    for (size_t j = 0; j < m->win_n; j++) {
        if (m->feat[j]) OGR_F_Destroy(m->feat[j]);
        if (m->geom[j]) OGR_G_DestroyGeometry(m->geom[j]);
        m->feat[j] = NULL;
        m->geom[j] = NULL;
    }
    m->win_n = 0;
}

/* Reads order[m->next ..] ahead, up to m->window plots, in fid order. */
static bp_status fill_window(source_reader *m, bp_ctx *ctx)
{
    drop_window(m);
    m->win_start = m->next;
    size_t k = m->n - m->next < m->window ? m->n - m->next : m->window;
    for (size_t j = 0; j < k; j++) m->sorted[j] = (fid_slot){m->fid[m->order[m->win_start + j]], j};
    qsort(m->sorted, k, sizeof *m->sorted, cmp_fid);
    m->win_n = k;
    for (size_t j = 0; j < k; j++) {
        size_t slot = m->sorted[j].slot;
        bp_status st = read_plot(m, m->order[m->win_start + slot], &m->feat[slot], &m->geom[slot], ctx);
        if (st != BP_OK) return st;
    }
    return BP_OK;
}

static bp_status source_get(void *ud, size_t i, OGRFeatureH *attrs, OGRGeometryH *geom, bp_ctx *ctx)
{
    source_reader *m = ud;
    *attrs = NULL;
    *geom = NULL;
    if (m->last) OGR_F_Destroy(m->last);
    m->last = NULL;
    if (m->next < m->n && m->order[m->next] == i) {
        if (m->next >= m->win_start + m->win_n) {
            bp_status st = fill_window(m, ctx);
            if (st != BP_OK) return st;
        }
        size_t slot = m->next - m->win_start;
        m->last = *attrs = m->feat[slot];
        *geom = m->geom[slot];
        m->feat[slot] = NULL;
        m->geom[slot] = NULL;
        m->next++;
        return BP_OK;
    }
    /* not in the announced order: one at a time */
    bp_status st = read_plot(m, i, attrs, geom, ctx);
    if (st == BP_OK) m->last = *attrs;
    return st;
}

bp_status bp_plot_reader_source(bp_plot_reader *pr, const char *spec, const char *where, const bp_crs *crs,
                                const bp_result *r, OGRwkbGeometryType type, size_t window, bp_ctx *ctx)
{
    source_reader *m = calloc(1, sizeof *m);
    if (!m) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    pr->ud = m;
    bp_status st = bp_geos_init(&m->g, ctx);
    m->window = window ? window : 65536;
    m->feat = calloc(m->window, sizeof *m->feat);
    m->geom = calloc(m->window, sizeof *m->geom);
    m->sorted = malloc(m->window * sizeof *m->sorted);
    if (st == BP_OK && (!m->feat || !m->geom || !m->sorted || !(m->w = GEOSWKBWriter_create_r(m->g.h))))
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_layer_opts lo = {.where = where, .keep_attrs = 1};
    if (st == BP_OK) st = bp_layer_stream_open(&m->s, &m->info, spec, &lo, crs, &m->g, ctx);
    if (st != BP_OK) {
        bp_plot_reader_source_free(pr);
        return st;
    }
    m->fid = r->fid;
    m->order = r->order;
    m->n = r->n;
    pr->what = m->info.what;
    pr->defn = m->info.defn;
    pr->geom_type = type;
    pr->get = source_get;
    return BP_OK;
}

void bp_plot_reader_source_free(bp_plot_reader *pr)
{
    source_reader *m = pr ? pr->ud : NULL;
    if (!m) return;
    if (m->last) OGR_F_Destroy(m->last);
    if (m->feat && m->geom) drop_window(m);
    free(m->feat);
    free(m->geom);
    free(m->sorted);
    bp_layer_stream_close(m->s);
    bp_layer_clear(&m->info, &m->g);
    if (m->w) GEOSWKBWriter_destroy_r(m->g.h, m->w);
    bp_geos_finish(&m->g);
    free(m);
    pr->ud = NULL;
}
