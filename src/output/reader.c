/*
 * reader.c — plot readers: where the write stage gets each plot's
 * geometry and input attributes.  The memory reader serves the plots a
 * run holds (GEOS geometries converted to OGR through WKB).  The source
 * reader reads each plot again from its source, by feature id, in the
 * order the writer asks (rank order): random access by fid, which GPKG
 * (the primary key), FlatGeobuf (its feature index) and Shapefile (.shx)
 * do without a scan; the geometry is processed exactly as on the first
 * read (input/layer.c), so the output is the same as from memory: a
 * geometry that needed no repair then is taken as OGR reads it, without
 * the round trip through GEOS.
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
    const unsigned char *flags; /* the result's plot flags */
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
 * geometry as an OGR geometry.  A geometry that was valid when first read
 * is taken as OGR made it; a repaired one is repaired again in GEOS. */
static bp_status read_plot(source_reader *m, size_t i, OGRFeatureH *attrs, OGRGeometryH *geom, bp_ctx *ctx)
{
    if (!(m->flags[i] & BP_PLOT_REPAIRED)) return bp_layer_stream_feature_ogr(m->s, m->fid[i], attrs, geom, ctx);
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
    m->window = (window ? window : 65536) / 2; /* half a chunk: the peak of the read, where two halves are held */
    if (m->window == 0) m->window = 1;
    m->feat = calloc(m->window, sizeof *m->feat);
    m->geom = calloc(m->window, sizeof *m->geom);
    m->sorted = malloc(m->window * sizeof *m->sorted);
    if (st == BP_OK && (!m->feat || !m->geom || !m->sorted || !(m->w = GEOSWKBWriter_create_r(m->g.h))))
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_layer_opts lo = {.where = where, .keep_attrs = 1};
    if (st == BP_OK) st = bp_layer_stream_open(&m->s, &m->info, spec, &lo, crs, &m->g, NULL, NULL, ctx);
    if (st != BP_OK) {
        bp_plot_reader_source_free(pr);
        return st;
    }
    m->fid = r->fid;
    m->flags = r->flags;
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
