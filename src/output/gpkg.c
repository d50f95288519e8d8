/*
 * gpkg.c — the write stage: the result GeoPackage.  Layers (fields as
 * defined in layers/):
 *   candidates    the plots in rank order: geometry and input attributes
 *                 (from the plot reader), then every computed value;
 *   gemeente_gap  per gemeente with targets or plots: targets, gap, and the
 *                 suitable capacity for the ranked profile;
 *   facilities    every facility used, as points;
 *   walk_network  the walking network's edges with their distances;
 *   run_info      how the result was made;
 * plus the result's exact numbers (result/store.c) and the QGIS styles and
 * project (qgis.c).  Built as a temporary file and renamed into place
 * (tmpfile.c); other formats are converted from it (formats.c).
 */
#include "output/output.h"
#include "score/score.h"
#include "gap/gap.h"

#include <limits.h>
#include <math.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cpl_conv.h>
#include <cpl_error.h>

/* ---- field plans: which value goes to which OGR field ------------------- */

typedef enum {
    V_ATTR, V_PLOT_ID, V_RANK, V_SCORE, V_SUIT, V_SCORE_T, V_DIST_C, V_N_C, V_SCORE_C,
    V_GM_CODE, V_GM_NAAM, V_GAP_T, V_AREA, V_CAPACITY, V_KNOCKED, V_REASON,
    V_OPGAVE_T, V_PLANNEN_T, V_GEREAL_T, V_GAPSHARE_T, V_NSUIT, V_PROFILE, V_COVERS,
    V_CATEGORY, V_NAME, V_IS_AREA, V_SOURCE, V_SOURCE_FID, V_KEY, V_VALUE,
    V_EDGE_ID, V_LENGTH, V_COST, V_STEPS,
    V_BESLUIT, V_BTYPE, V_BHOMES, V_BTEXT, V_NONE,
    V_PROGRAMMED_T, V_REMAINING_T, V_PROGNOTE_T,
    V_P_TYPE, V_P_HOMES, V_P_CUM, V_P_SHARE, V_P_RESERVED, V_P_REASON
} vkind;

typedef struct {
    vkind kind;
    int arg;    /* category or type index; source field for V_ATTR */
    int field;  /* OGR field index in the output layer */
} plan;

static const struct {
    const char *tmpl;
    vkind kind;
} value_names[] = {
    {"plot_id", V_PLOT_ID}, {"rank", V_RANK}, {"score", V_SCORE}, {"suitability", V_SUIT},
    {"score_{type}", V_SCORE_T}, {"dist_{category}_m", V_DIST_C}, {"n_{category}_{radius}m", V_N_C},
    {"score_{category}", V_SCORE_C}, {"gemeente_code", V_GM_CODE}, {"gemeente_naam", V_GM_NAAM},
    {"gap_{type}", V_GAP_T}, {"area_m2", V_AREA}, {"capacity_homes", V_CAPACITY},
    {"knocked_out", V_KNOCKED}, {"reason", V_REASON}, {"opgave_{type}", V_OPGAVE_T},
    {"plannen_{type}", V_PLANNEN_T}, {"gerealiseerd_{type}", V_GEREAL_T},
    {"gap_share_{type}", V_GAPSHARE_T}, {"n_suitable", V_NSUIT}, {"profile", V_PROFILE},
    {"covers_gap", V_COVERS}, {"category", V_CATEGORY}, {"name", V_NAME}, {"is_area", V_IS_AREA},
    {"source", V_SOURCE}, {"source_fid", V_SOURCE_FID}, {"key", V_KEY}, {"value", V_VALUE},
    {"edge_id", V_EDGE_ID}, {"length_m", V_LENGTH}, {"cost_m", V_COST}, {"steps", V_STEPS},
    {"besluit", V_BESLUIT}, {"besluit_woningtype", V_BTYPE}, {"besluit_woningen", V_BHOMES},
    {"partner_corporatie", V_BTEXT}, {"partner_zorg", V_BTEXT}, {"opmerking", V_BTEXT},
    {"besluit_gewijzigd", V_BTEXT},
    /* tables filled with SQL after the writer (workshop/decisions.c) */
    {"tijd", V_NONE}, {"veld", V_NONE}, {"oud", V_NONE}, {"nieuw", V_NONE}, {"gewichten", V_NONE},
    {"door", V_NONE}, {"ongedaan", V_NONE}, {"vervallen", V_NONE},
    {"programmed_{type}", V_PROGRAMMED_T}, {"remaining_{type}", V_REMAINING_T}, {"programma_{type}", V_PROGNOTE_T},
    {"woningtype", V_P_TYPE}, {"woningen", V_P_HOMES}, {"cumulatief", V_P_CUM}, {"aandeel_gap", V_P_SHARE},
    {"gereserveerd", V_P_RESERVED}, {"reden", V_P_REASON},
};

static OGRFieldType ogr_type(bp_ftype t, OGRFieldSubType *sub)
{
    *sub = OFSTNone;
    switch (t) {
    case BP_FT_INTEGER: return OFTInteger64;
    case BP_FT_REAL: return OFTReal;
    case BP_FT_BOOLEAN: *sub = OFSTBoolean; return OFTInteger;
    case BP_FT_DATETIME: return OFTDateTime;
    default: return OFTString;
    }
}

static bp_status create_field(OGRLayerH lyr, const char *name, OGRFieldType type, OGRFieldSubType sub,
                              const char *alias, const char *what, bp_ctx *ctx)
{
    OGRFieldDefnH fd = OGR_Fld_Create(name, type);
    OGR_Fld_SetSubType(fd, sub);
    if (alias) OGR_Fld_SetAlternativeName(fd, alias);
    OGRErr e = OGR_L_CreateField(lyr, fd, TRUE);
    OGR_Fld_Destroy(fd);
    if (e != OGRERR_NONE)
        return bp_error(ctx, BP_ERR_IO, "%s: cannot create field %s: %s", what, name, bp_cpl_msg());
    return BP_OK;
}

/* Creates the fields of a layer definition, filling plans (room for
 * def->nfields * max(ncat, BP_NTYPES) entries) and *nplans. */
static bp_status create_def_fields(OGRLayerH lyr, const bp_layerdef *def, const bp_names *nm,
                                   plan *plans, size_t *nplans, const char *what, bp_ctx *ctx)
{
    char name[128], alias[256];
    for (size_t i = 0; i < def->nfields; i++) {
        const bp_fielddef *fd = &def->fields[i];
        vkind kind = V_ATTR;
        int found = 0;
        for (size_t k = 0; k < sizeof value_names / sizeof *value_names; k++)
            if (!strcmp(fd->name, value_names[k].tmpl)) kind = value_names[k].kind, found = 1;
        if (!found) return bp_error(ctx, BP_ERR_NOMEM, "layers/%s.yaml: no value for field %s", def->name, fd->name);
        int n = !fd->per ? 1 : !strcmp(fd->per, "category") ? (int)nm->ncat : BP_NTYPES;
        for (int a = 0; a < n; a++) {
            const char *cat = fd->per && !strcmp(fd->per, "category") ? nm->cat[a] : NULL;
            const char *typ = fd->per && !strcmp(fd->per, "type") ? bp_type_name((bp_type)a) : NULL;
            bp_layerdef_expand(fd->name, cat, nm->radius_m, typ, name, sizeof name);
            bp_layerdef_expand(fd->alias, cat, nm->radius_m, typ, alias, sizeof alias);
            OGRFieldSubType sub;
            OGRFieldType t = ogr_type(fd->type, &sub);
            bp_status st = create_field(lyr, name, t, sub, alias, what, ctx);
            if (st != BP_OK) return st;
            int arg = a;
            if (kind == V_BTEXT)
                arg = !strcmp(fd->name, "partner_corporatie") ? BP_DT_CORPORATIE
                      : !strcmp(fd->name, "partner_zorg")     ? BP_DT_ZORG
                      : !strcmp(fd->name, "opmerking")        ? BP_DT_OPMERKING
                                                              : BP_DT_GEWIJZIGD;
            plans[*nplans] = (plan){kind, arg, OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), name)};
            (*nplans)++;
        }
    }
    return BP_OK;
}

static void set_real(OGRFeatureH f, int field, double v, double scale)
{
    if (isnan(v)) OGR_F_SetFieldNull(f, field);
    else OGR_F_SetFieldDouble(f, field, round(v * scale) / scale);
}

/* A count as a 64-bit integer; empty when it is no number or does not fit
 * (converting such a double to an integer is undefined). */
static void set_count(OGRFeatureH f, int field, double v)
{
    if (!(fabs(v) < 9e18)) OGR_F_SetFieldNull(f, field);
    else OGR_F_SetFieldInteger64(f, field, (GIntBig)v);
}

/* ---- layers ------------------------------------------------------------- */

/* What the layer writers share. */
typedef struct {
    GDALDatasetH ds;
    const char *what;          /* the output, for messages */
    const bp_names *nm;
    const bp_write_input *in;
    OGRSpatialReferenceH srs;
    OGREnvelope extent;        /* of the candidates, tracked while writing */
    int have_extent;
    bp_geos g;                 /* for the facilities' geometries */
    GEOSWKBWriter *w;
    GDALProgressFunc progress; /* FALSE: stop (Ctrl-C) */
    void *pdata;
    int own_index;             /* GeoPackage: spatial indexes built by rtree.c after the close */
    struct {
        const char *table;
        bp_rtree boxes;
    } idx[8];                  /* the layers' boxes for their indexes */
    size_t nidx;
    bp_rtree *rt;              /* the boxes of the layer being written, or NULL */
} writer;

/* BP_ERR_ABORTED when the progress callback says stop: every layer and
 * step of the write asks, so an interrupt is honoured in each of them. */
static bp_status check_stop(const writer *wr, bp_ctx *ctx)
{
    if (wr->progress && !wr->progress(0.9, NULL, wr->pdata)) return bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    return BP_OK;
}

/* Creates a layer.  GDAL's own spatial index is never built: a GeoPackage
 * result gets a packed one (rtree.c) from the boxes write_feature collects,
 * a GeoPackage converted to another format needs none. */
static OGRLayerH create_layer(writer *wr, const bp_layerdef *def, OGRSpatialReferenceH srs, OGRwkbGeometryType gt,
                              bp_ctx *ctx)
{
    char ident[300], desc[1200];
    snprintf(ident, sizeof ident, "IDENTIFIER=%s", def->title);
    snprintf(desc, sizeof desc, "DESCRIPTION=%s", def->description);
    const char *opts[] = {"FID=fid", "GEOMETRY_NAME=geom", "SPATIAL_INDEX=NO", ident, desc, NULL};
    OGRLayerH lyr = GDALDatasetCreateLayer(wr->ds, def->name, gt == wkbNone ? NULL : srs, gt, (char **)opts);
    if (!lyr) bp_error(ctx, BP_ERR_IO, "%s: cannot create layer %s: %s", wr->what, def->name, bp_cpl_msg());
    wr->rt = NULL;
    if (lyr && gt != wkbNone && wr->own_index && wr->nidx < sizeof wr->idx / sizeof *wr->idx) {
        wr->idx[wr->nidx].table = def->name;
        wr->rt = &wr->idx[wr->nidx++].boxes;
        bp_rtree_init(wr->rt);
    }
    return lyr;
}

/* Writes feature f to the layer just created ('layer' names it in
 * messages), its box to the layer's index. */
static bp_status write_feature(writer *wr, OGRLayerH lyr, OGRFeatureH f, const char *layer, bp_ctx *ctx)
{
    if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
        return bp_error(ctx, BP_ERR_IO, "%s: writing layer %s failed: %s", wr->what, layer, bp_cpl_msg());
    bp_rtree *rt = wr->rt;
    OGRGeometryH g = rt ? OGR_F_GetGeometryRef(f) : NULL;
    if (g && !OGR_G_IsEmpty(g)) {
        OGREnvelope e;
        OGR_G_GetEnvelope(g, &e);
        if (bp_rtree_add(rt, OGR_F_GetFID(f), e.MinX, e.MaxX, e.MinY, e.MaxY) < 0)
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    return BP_OK;
}

/* Builds the spatial index of every layer written, in the closed
 * GeoPackage 'path'. */
static bp_status build_indexes(writer *wr, const char *path, bp_ctx *ctx)
{
#ifdef __GLIBC__
    /* what the write freed (features, GDAL's caches) goes back to the
       system before the index's sort arrays are taken: the peak of a
       large run is here */
    malloc_trim(0);
#endif
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        bp_status st = bp_error(ctx, BP_ERR_IO, "%s: cannot reopen the GeoPackage: %s", wr->what,
                                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    bp_status st = BP_OK;
    if (sqlite3_exec(db, "BEGIN", NULL, NULL, NULL) != SQLITE_OK)
        st = bp_error(ctx, BP_ERR_IO, "%s: %s", wr->what, sqlite3_errmsg(db));
    for (size_t k = 0; k < wr->nidx && st == BP_OK; k++) {
        st = bp_rtree_build(db, wr->idx[k].table, "geom", "fid", &wr->idx[k].boxes, wr->what, ctx);
        bp_rtree_clear(&wr->idx[k].boxes);
        if (st == BP_OK) st = check_stop(wr, ctx);
    }
    if (st == BP_OK && sqlite3_exec(db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing the spatial indexes failed: %s", wr->what, sqlite3_errmsg(db));
    if (sqlite3_close(db) != SQLITE_OK && st == BP_OK)
        st = bp_error(ctx, BP_ERR_IO, "%s: closing the GeoPackage failed", wr->what);
    return st;
}

/* Converts a GEOS geometry to OGR, forced to the layer's multi type. */
static OGRGeometryH to_ogr(writer *wr, const GEOSGeometry *geom, OGRwkbGeometryType layer_type)
{
    size_t len;
    unsigned char *wkb = GEOSWKBWriter_write_r(wr->g.h, wr->w, geom, &len);
    if (!wkb) return NULL;
    OGRGeometryH og = NULL;
    OGR_G_CreateFromWkb(wkb, NULL, &og, (int)len);
    GEOSFree_r(wr->g.h, wkb);
    return og;
}

static OGRGeometryH force_type(OGRGeometryH og, OGRwkbGeometryType layer_type)
{
    if (!og) return NULL;
    switch (wkbFlatten(layer_type)) {
    case wkbMultiPolygon: return OGR_G_ForceToMultiPolygon(og);
    case wkbMultiLineString: return OGR_G_ForceToMultiLineString(og);
    case wkbMultiPoint: return OGR_G_ForceToMultiPoint(og);
    default: return og;
    }
}

/* ---- candidates ---------------------------------------------------------- */

/* Creates the input attribute fields (a name clashing with a computed one
 * gets "_input"), filling plans. */
static bp_status create_attr_fields(writer *wr, OGRLayerH lyr, const bp_layerdef *def, plan *plans, size_t *np,
                                    bp_ctx *ctx)
{
    OGRFeatureDefnH src = wr->in->plots->defn;
    int nattr = src ? OGR_FD_GetFieldCount(src) : 0;
    char name[160];
    for (int a = 0; a < nattr; a++) {
        OGRFieldDefnH sf = OGR_FD_GetFieldDefn(src, a);
        if (bp_write_attr_name(wr->nm, def, OGR_Fld_GetNameRef(sf), name, sizeof name)) {
            bp_warn(ctx, "%s: input field %s is kept as %s (the output has a field of that name)", wr->in->plots->what,
                    OGR_Fld_GetNameRef(sf), name);
        }
        OGRFieldDefnH fd = OGR_Fld_Create(name, OGR_Fld_GetType(sf));
        OGR_Fld_SetSubType(fd, OGR_Fld_GetSubType(sf));
        OGR_Fld_SetWidth(fd, OGR_Fld_GetWidth(sf));
        OGR_Fld_SetPrecision(fd, OGR_Fld_GetPrecision(sf));
        OGRErr e = OGR_L_CreateField(lyr, fd, TRUE);
        OGR_Fld_Destroy(fd);
        if (e != OGRERR_NONE)
            return bp_error(ctx, BP_ERR_IO, "%s: cannot create field %s: %s", wr->what, name, bp_cpl_msg());
        plans[(*np)++] = (plan){V_ATTR, a, OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), name)};
    }
    return BP_OK;
}

/* Fills the fields of candidate plot i. */
static void fill_candidate(writer *wr, OGRFeatureH f, const plan *plans, size_t np, size_t i, OGRFeatureH attrs)
{
    const bp_result *r = wr->in->r;
    size_t ncat = r->ncat;
    bp_type prof = r->rank_opts.profile;
    const bp_gm *gm = r->gemeente[i] == BP_NO_GEMEENTE ? NULL : &r->gm[r->gemeente[i]];
    char reason[1024];
    for (size_t p = 0; p < np; p++) {
        const plan *q = &plans[p];
        int fi = q->field, a = q->arg;
        double gap, share;
        switch (q->kind) {
        case V_ATTR:
            if (attrs && OGR_F_IsFieldSetAndNotNull(attrs, a)) OGR_F_SetFieldRaw(f, fi, OGR_F_GetRawFieldRef(attrs, a));
            break;
        case V_PLOT_ID: OGR_F_SetFieldString(f, fi, bp_result_id(r, i)); break;
        case V_RANK:
            if (r->rank[i] > 0) OGR_F_SetFieldInteger64(f, fi, r->rank[i]);
            else OGR_F_SetFieldNull(f, fi);
            break;
        case V_SCORE: set_real(f, fi, r->score[i * BP_NTYPES + prof], 100); break;
        case V_SUIT: set_real(f, fi, r->suit[i * BP_NTYPES + prof], 100); break;
        case V_SCORE_T: set_real(f, fi, r->score[i * BP_NTYPES + (size_t)a], 100); break;
        case V_DIST_C: set_real(f, fi, r->dist[i * ncat + (size_t)a], 1000); break;
        case V_N_C: OGR_F_SetFieldInteger64(f, fi, r->count[i * ncat + (size_t)a]); break;
        case V_SCORE_C: set_real(f, fi, r->cat_score[i * ncat + (size_t)a], 100); break;
        case V_GM_CODE:
            if (gm) OGR_F_SetFieldString(f, fi, gm->code);
            else OGR_F_SetFieldNull(f, fi);
            break;
        case V_GM_NAAM:
            if (gm) OGR_F_SetFieldString(f, fi, gm->name);
            else OGR_F_SetFieldNull(f, fi);
            break;
        case V_GAP_T:
            if (gm) bp_gap_of(gm, a, &gap, &share);
            set_real(f, fi, gm ? gap : NAN, 100);
            break;
        case V_AREA: set_real(f, fi, r->area[i], 10); break;
        case V_CAPACITY: set_count(f, fi, r->capacity[i]); break;
        case V_KNOCKED: OGR_F_SetFieldInteger(f, fi, r->knock[i] ? 1 : 0); break;
        case V_REASON:
            if (bp_result_reason(r, i, reason, sizeof reason)) OGR_F_SetFieldString(f, fi, reason);
            else OGR_F_SetFieldNull(f, fi);
            break;
        case V_BESLUIT: OGR_F_SetFieldString(f, fi, bp_besluit_name(bp_result_besluit(r, i))); break;
        case V_BTYPE:
            if (bp_result_decision_type(r, i) >= 0)
                OGR_F_SetFieldString(f, fi, bp_type_name((bp_type)bp_result_decision_type(r, i)));
            else OGR_F_SetFieldNull(f, fi);
            break;
        case V_BHOMES: {
            double h = bp_result_decision_homes(r, i);
            if (isnan(h)) h = r->capacity[i]; /* the default: the capacity */
            if (isnan(h)) OGR_F_SetFieldNull(f, fi);
            else OGR_F_SetFieldInteger64(f, fi, (GIntBig)h);
            break;
        }
        case V_BTEXT:
            if (r->dtext && r->dtext[i * BP_NDTEXT + (size_t)a]) {
                if (a == BP_DT_GEWIJZIGD) { /* ISO text to an OGR date-time */
                    int y, mo, d, h, mi;
                    float se;
                    if (sscanf(r->dtext[i * BP_NDTEXT + (size_t)a], "%d-%d-%dT%d:%d:%f", &y, &mo, &d, &h, &mi, &se) == 6)
                        OGR_F_SetFieldDateTimeEx(f, fi, y, mo, d, h, mi, se, 100);
                } else {
                    OGR_F_SetFieldString(f, fi, r->dtext[i * BP_NDTEXT + (size_t)a]);
                }
            } else {
                OGR_F_SetFieldNull(f, fi);
            }
            break;
        default: break;
        }
    }
}

/* Asks the CPU for plot i's numbers ahead of need: in rank order the plots
 * lie anywhere in the result's arrays. */
static void prefetch_plot(const bp_result *r, size_t i)
{
    size_t nc = r->ncat;
    for (size_t c = 0; c < nc; c += 8) {
        __builtin_prefetch(&r->dist[i * nc + c]);
        __builtin_prefetch(&r->cat_score[i * nc + c]);
    }
    __builtin_prefetch(&r->count[i * nc]);
    __builtin_prefetch(&r->score[i * BP_NTYPES]);
    __builtin_prefetch(&r->suit[i * BP_NTYPES]);
    __builtin_prefetch(&r->capacity[i]);
    __builtin_prefetch(&r->area[i]);
    __builtin_prefetch(&r->gemeente[i]);
    __builtin_prefetch(&r->rank[i]);
    __builtin_prefetch(&r->knock[i]);
}

static bp_status write_candidates(writer *wr, GDALProgressFunc progress, void *pdata, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get(wr->nm->defs, "candidates", ctx);
    if (!def) return bp_ctx_status(ctx);
    const bp_result *r = wr->in->r;
    const bp_plot_reader *pr = wr->in->plots;
    OGRLayerH lyr = create_layer(wr, def, wr->srs, pr->geom_type, ctx);
    if (!lyr) return bp_ctx_status(ctx);
    int nattr = pr->defn ? OGR_FD_GetFieldCount(pr->defn) : 0;
    size_t maxplans = (size_t)nattr + def->nfields * (r->ncat > BP_NTYPES ? r->ncat : BP_NTYPES);
    plan *plans = calloc(maxplans ? maxplans : 1, sizeof *plans);
    if (!plans) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t np = 0;
    bp_status st = create_attr_fields(wr, lyr, def, plans, &np, ctx);
    if (st == BP_OK) st = create_def_fields(lyr, def, wr->nm, plans, &np, wr->what, ctx);
    if (st == BP_OK && wr->rt && bp_rtree_reserve(wr->rt, r->n) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    OGRFeatureDefnH odefn = OGR_L_GetLayerDefn(lyr);
    GDALDatasetStartTransaction(wr->ds, FALSE);
    for (size_t k = 0; k < r->n && st == BP_OK; k++) {
        size_t i = r->order[k];
        OGRFeatureH attrs = NULL;
        OGRGeometryH og = NULL;
        if ((st = pr->get(pr->ud, i, &attrs, &og, ctx)) != BP_OK) break;
        prefetch_plot(r, i);
        OGRFeatureH f = OGR_F_Create(odefn);
        fill_candidate(wr, f, plans, np, i, attrs);
        og = force_type(og, pr->geom_type);
        if (!og) st = bp_error(ctx, BP_ERR_NOMEM, "cannot convert the geometry of plot %s", bp_result_id(r, i));
        else {
            OGREnvelope e;
            OGR_G_GetEnvelope(og, &e);
            if (!wr->have_extent) wr->extent = e, wr->have_extent = 1;
            else {
                wr->extent.MinX = fmin(wr->extent.MinX, e.MinX);
                wr->extent.MinY = fmin(wr->extent.MinY, e.MinY);
                wr->extent.MaxX = fmax(wr->extent.MaxX, e.MaxX);
                wr->extent.MaxY = fmax(wr->extent.MaxY, e.MaxY);
            }
            OGR_F_SetGeometryDirectly(f, og);
            st = write_feature(wr, lyr, f, "candidates", ctx);
        }
        OGR_F_Destroy(f);
        if (progress && (k & 1023) == 0 && !progress((double)k / (double)r->n, NULL, pdata))
            st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(wr->ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer candidates failed: %s", wr->what, bp_cpl_msg());
    free(plans);
    return st;
}

/* ---- gemeente_gap -------------------------------------------------------- */

static void fill_gemeente(writer *wr, OGRFeatureH f, const plan *plans, size_t np, const bp_gm *g)
{
    bp_type prof = wr->in->r->gap_opts.profile;
    for (size_t p = 0; p < np; p++) {
        int fi = plans[p].field, a = plans[p].arg;
        double gap, share;
        int known = bp_gap_of(g, a, &gap, &share);
        switch (plans[p].kind) {
        case V_GM_CODE: OGR_F_SetFieldString(f, fi, g->code); break;
        case V_GM_NAAM: OGR_F_SetFieldString(f, fi, g->name); break;
        case V_OPGAVE_T: set_real(f, fi, g->opgave[a], 100); break;
        case V_PLANNEN_T: set_real(f, fi, g->plannen[a], 100); break;
        case V_GEREAL_T: set_real(f, fi, g->gerealiseerd[a], 100); break;
        case V_GAP_T: set_real(f, fi, gap, 100); break;
        case V_GAPSHARE_T: set_real(f, fi, share, 10000); break;
        case V_NSUIT: OGR_F_SetFieldInteger64(f, fi, (GIntBig)g->n_suitable); break;
        case V_CAPACITY: set_count(f, fi, g->capacity); break;
        case V_PROFILE: OGR_F_SetFieldString(f, fi, bp_type_name(prof)); break;
        case V_COVERS:
            known = bp_gap_of(g, prof, &gap, &share);
            if (known) OGR_F_SetFieldInteger(f, fi, g->capacity >= gap);
            else OGR_F_SetFieldNull(f, fi);
            break;
        case V_PROGRAMMED_T:
            if (wr->in->r->ptype) OGR_F_SetFieldDouble(f, fi, g->programmed[a]);
            else OGR_F_SetFieldNull(f, fi);
            break;
        case V_REMAINING_T:
            if (wr->in->r->ptype && known) OGR_F_SetFieldDouble(f, fi, gap > g->programmed[a] ? gap - g->programmed[a] : 0);
            else OGR_F_SetFieldNull(f, fi);
            break;
        case V_PROGNOTE_T:
            if (wr->in->r->ptype && g->program_note[a]) OGR_F_SetFieldString(f, fi, g->program_note[a]);
            else OGR_F_SetFieldNull(f, fi);
            break;
        default: break;
        }
    }
}

static bp_status write_gemeente_gap(writer *wr, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get(wr->nm->defs, "gemeente_gap", ctx);
    if (!def) return bp_ctx_status(ctx);
    const bp_result *r = wr->in->r;
    plan *plans = calloc(def->nfields * BP_NTYPES, sizeof *plans);
    if (!plans) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    OGRLayerH lyr = create_layer(wr, def, wr->srs, wkbMultiPolygon, ctx);
    size_t np = 0;
    bp_status st = lyr ? create_def_fields(lyr, def, wr->nm, plans, &np, wr->what, ctx) : bp_ctx_status(ctx);
    if (st == BP_OK) GDALDatasetStartTransaction(wr->ds, FALSE);
    for (size_t i = 0; i < r->ngm && st == BP_OK; i++) {
        const bp_gm *g = &r->gm[i];
        int any = g->n_plots > 0;
        for (int t = 0; t < BP_NTYPES; t++) any |= g->has_target[t];
        if (!any) continue;
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        fill_gemeente(wr, f, plans, np, g);
        OGRGeometryH og = NULL;
        if (g->wkb && OGR_G_CreateFromWkb(g->wkb, NULL, &og, (int)g->wkb_len) == OGRERR_NONE)
            OGR_F_SetGeometryDirectly(f, force_type(og, wkbMultiPolygon));
        st = write_feature(wr, lyr, f, "gemeente_gap", ctx);
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(wr->ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer gemeente_gap failed: %s", wr->what, bp_cpl_msg());
    free(plans);
    return st;
}

/* ---- programma ----------------------------------------------------------- */

/* Programme rows in order: gemeente, type, reserved first, then score. */
static int cmp_prow(const void *x, const void *y, void *ud)
{
    const bp_result *r = ud;
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    if (r->gemeente[a] != r->gemeente[b]) return r->gemeente[a] < r->gemeente[b] ? -1 : 1;
    if (r->ptype[a] != r->ptype[b]) return r->ptype[a] - r->ptype[b];
    if (r->preserved[a] != r->preserved[b]) return r->preserved[a] ? -1 : 1;
    double sa = r->score[a * BP_NTYPES + (size_t)r->ptype[a]], sb = r->score[b * BP_NTYPES + (size_t)r->ptype[b]];
    if (sa != sb) return sa > sb ? -1 : 1;
    return bp_result_cmp_id(r, a, b);
}

static bp_status write_programma(writer *wr, bp_ctx *ctx)
{
    const bp_result *r = wr->in->r;
    const bp_layerdef *def = bp_layerdef_get(wr->nm->defs, "programma", ctx);
    if (!def) return bp_ctx_status(ctx);
    size_t n = 0, *rows = malloc((r->n ? r->n : 1) * sizeof *rows);
    plan *plans = calloc(def->nfields, sizeof *plans);
    if (!rows || !plans) {
        free(rows);
        free(plans);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < r->n; i++)
        if (r->ptype[i] >= 0 && r->gemeente[i] != BP_NO_GEMEENTE) rows[n++] = i;
    qsort_r(rows, n, sizeof *rows, cmp_prow, (void *)r);
    const bp_plot_reader *pr = wr->in->plots;
    OGRLayerH lyr = create_layer(wr, def, wr->srs, pr->geom_type, ctx);
    size_t np = 0;
    bp_status st = lyr ? create_def_fields(lyr, def, wr->nm, plans, &np, wr->what, ctx) : bp_ctx_status(ctx);
    if (st == BP_OK) GDALDatasetStartTransaction(wr->ds, FALSE);
    double cum = 0;
    for (size_t k = 0; k < n && st == BP_OK; k++) {
        size_t i = rows[k];
        int t = r->ptype[i];
        if (k == 0 || r->gemeente[rows[k - 1]] != r->gemeente[i] || r->ptype[rows[k - 1]] != t) cum = 0;
        cum += r->phomes[i];
        const bp_gm *g = &r->gm[r->gemeente[i]];
        double gap, share;
        int known = bp_gap_of(g, t, &gap, &share);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        char why[512];
        for (size_t p = 0; p < np; p++) {
            int fi = plans[p].field;
            switch (plans[p].kind) {
            case V_PLOT_ID: OGR_F_SetFieldString(f, fi, bp_result_id(r, i)); break;
            case V_GM_CODE: OGR_F_SetFieldString(f, fi, g->code); break;
            case V_GM_NAAM: OGR_F_SetFieldString(f, fi, g->name); break;
            case V_P_TYPE: OGR_F_SetFieldString(f, fi, bp_type_name((bp_type)t)); break;
            case V_P_HOMES: OGR_F_SetFieldInteger64(f, fi, (GIntBig)r->phomes[i]); break;
            case V_P_CUM: OGR_F_SetFieldInteger64(f, fi, (GIntBig)cum); break;
            case V_P_SHARE:
                if (known && gap > 0) OGR_F_SetFieldDouble(f, fi, round(cum / gap * 10000) / 10000);
                else OGR_F_SetFieldNull(f, fi);
                break;
            case V_P_RESERVED: OGR_F_SetFieldInteger(f, fi, r->preserved[i]); break;
            case V_P_REASON:
                if (r->preserved[i]) {
                    const char *corp = r->dtext ? r->dtext[i * BP_NDTEXT + BP_DT_CORPORATIE] : NULL;
                    const char *zorg = r->dtext ? r->dtext[i * BP_NDTEXT + BP_DT_ZORG] : NULL;
                    snprintf(why, sizeof why, "gereserveerd in werksessie%s%.120s%s%.120s", corp ? "; corporatie: " : "",
                             corp ? corp : "", zorg ? "; zorg: " : "", zorg ? zorg : "");
                } else {
                    snprintf(why, sizeof why, "voorgesteld: score %.2f voor %s, %.0f woningen", 
                             r->score[i * BP_NTYPES + (size_t)t], bp_type_name((bp_type)t), r->phomes[i]);
                }
                OGR_F_SetFieldString(f, fi, why);
                break;
            default: break;
            }
        }
        OGRFeatureH attrs = NULL;
        OGRGeometryH og = NULL;
        st = pr->get(pr->ud, i, &attrs, &og, ctx);
        if (st == BP_OK) {
            OGR_F_SetGeometryDirectly(f, force_type(og, pr->geom_type));
            st = write_feature(wr, lyr, f, "programma", ctx);
        }
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(wr->ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer programma failed: %s", wr->what, bp_cpl_msg());
    free(rows);
    free(plans);
    return st;
}

/* ---- facilities ---------------------------------------------------------- */

static bp_status write_facilities(writer *wr, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get(wr->nm->defs, "facilities", ctx);
    if (!def) return bp_ctx_status(ctx);
    const bp_result *r = wr->in->r;
    plan *plans = calloc(def->nfields, sizeof *plans);
    if (!plans) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t np = 0;
    OGRLayerH lyr = create_layer(wr, def, wr->srs, wkbPoint, ctx);
    bp_status st = lyr ? create_def_fields(lyr, def, wr->nm, plans, &np, wr->what, ctx) : bp_ctx_status(ctx);
    if (st == BP_OK) GDALDatasetStartTransaction(wr->ds, FALSE);
    for (size_t c = 0; c < r->ncat && st == BP_OK; c++) {
        const bp_layer *fl = &wr->in->facilities[c];
        for (size_t i = 0; i < fl->n && st == BP_OK; i++) {
            int dim = GEOSGeom_getDimensions_r(wr->g.h, fl->geom[i]);
            OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
            for (size_t p = 0; p < np; p++) {
                int fi = plans[p].field;
                switch (plans[p].kind) {
                case V_CATEGORY: OGR_F_SetFieldString(f, fi, r->cat[c]); break;
                case V_NAME:
                    if (fl->names && fl->names[i]) OGR_F_SetFieldString(f, fi, fl->names[i]);
                    break;
                case V_IS_AREA: OGR_F_SetFieldInteger(f, fi, dim == 2); break;
                case V_SOURCE: OGR_F_SetFieldString(f, fi, wr->in->fac_sources[c]); break;
                case V_SOURCE_FID: OGR_F_SetFieldInteger64(f, fi, fl->fid[i]); break;
                default: break;
                }
            }
            GEOSGeometry *pt = GEOSGeomTypeId_r(wr->g.h, fl->geom[i]) == GEOS_POINT
                                   ? GEOSGeom_clone_r(wr->g.h, fl->geom[i])
                                   : GEOSPointOnSurface_r(wr->g.h, fl->geom[i]);
            OGRGeometryH og = pt ? to_ogr(wr, pt, wkbPoint) : NULL;
            if (pt) GEOSGeom_destroy_r(wr->g.h, pt);
            if (og) OGR_F_SetGeometryDirectly(f, og);
            st = write_feature(wr, lyr, f, "facilities", ctx);
            OGR_F_Destroy(f);
        }
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(wr->ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer facilities failed: %s", wr->what, bp_cpl_msg());
    free(plans);
    return st;
}

/* ---- walk_network -------------------------------------------------------- */

static bp_status write_walk_network(writer *wr, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get(wr->nm->defs, "walk_network", ctx);
    if (!def) return bp_ctx_status(ctx);
    size_t ncat = wr->in->r->ncat;
    const bp_network *net = wr->in->net;
    plan *plans = calloc(def->nfields * (ncat > 1 ? ncat : 1), sizeof *plans);
    if (!plans) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t np = 0;
    OGRLayerH lyr = create_layer(wr, def, wr->srs, wkbLineString, ctx);
    bp_status st = lyr ? create_def_fields(lyr, def, wr->nm, plans, &np, wr->what, ctx) : bp_ctx_status(ctx);
    if (st == BP_OK) GDALDatasetStartTransaction(wr->ds, FALSE);
    size_t m = bp_network_edge_count(net);
    if (st == BP_OK && wr->rt && bp_rtree_reserve(wr->rt, m) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    /* one feature and one line, refilled for every edge (every field is
       set each time): millions of edges, no allocation each */
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
    OGRGeometryH line = OGR_G_CreateGeometry(wkbLineString);
    OGR_G_SetPointCount(line, 2);
    OGR_F_SetGeometryDirectly(f, line);
    for (size_t e = 0; e < m && st == BP_OK; e++) {
        double x0, y0, x1, y1, len, cost;
        int steps;
        bp_network_edge(net, e, &x0, &y0, &x1, &y1, &len, &cost, &steps);
        for (size_t p = 0; p < np; p++) {
            int fi = plans[p].field;
            switch (plans[p].kind) {
            case V_EDGE_ID: OGR_F_SetFieldInteger64(f, fi, (GIntBig)bp_network_edge_id(net, e)); break;
            case V_LENGTH: set_real(f, fi, len, 100); break;
            case V_COST: set_real(f, fi, isinf(cost) ? NAN : cost, 100); break;
            case V_STEPS: OGR_F_SetFieldInteger(f, fi, steps); break;
            case V_DIST_C:
                set_real(f, fi, bp_network_edge_dist(net, wr->in->vertex_dist, e, (size_t)plans[p].arg), 100);
                break;
            default: break;
            }
        }
        OGR_G_SetPoint_2D(line, 0, x0, y0);
        OGR_G_SetPoint_2D(line, 1, x1, y1);
        OGR_F_SetFID(f, OGRNullFID); /* a new row each time */
        st = write_feature(wr, lyr, f, "walk_network", ctx);
        if (st == BP_OK && (e & 4095) == 4095) st = check_stop(wr, ctx);
    }
    OGR_F_Destroy(f);
    if (st == BP_OK && GDALDatasetCommitTransaction(wr->ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer walk_network failed: %s", wr->what, bp_cpl_msg());
    free(plans);
    return st;
}

/* ---- layers copied from an earlier output (rescore) ----------------------- */

static bp_status copy_layers(writer *wr, int all, bp_ctx *ctx)
{
    static const char *const names[] = {"facilities", "walk_network"};
    for (size_t k = 0; k < (all ? 2u : 1u); k++) {
        OGRLayerH src = GDALDatasetGetLayerByName(wr->in->copy_from, names[k]);
        if (!src) continue;
        const bp_layerdef *def = bp_layerdef_find(wr->nm->defs, names[k]);
        char ident[300], desc[1200];
        snprintf(ident, sizeof ident, "IDENTIFIER=%s", def ? def->title : names[k]);
        snprintf(desc, sizeof desc, "DESCRIPTION=%s", def ? def->description : "");
        const char *opts[] = {"FID=fid", "GEOMETRY_NAME=geom", ident, desc, NULL};
        CPLErrorReset();
        OGRLayerH dst = GDALDatasetCopyLayer(wr->ds, src, names[k], (char **)opts);
        if (!dst || CPLGetLastErrorType() >= CE_Failure)
            return bp_error(ctx, BP_ERR_IO, "%s: copying layer %s failed: %s", wr->what, names[k], bp_cpl_msg());
    }
    return BP_OK;
}

/* ---- run_info ------------------------------------------------------------ */

static bp_status write_run_info(writer *wr, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get(wr->nm->defs, "run_info", ctx);
    if (!def) return bp_ctx_status(ctx);
    const bp_kv *info = &wr->in->r->info;
    plan plans[8];
    size_t np = 0;
    OGRLayerH lyr = create_layer(wr, def, NULL, wkbNone, ctx);
    bp_status st = lyr ? create_def_fields(lyr, def, wr->nm, plans, &np, wr->what, ctx) : bp_ctx_status(ctx);
    if (st == BP_OK) GDALDatasetStartTransaction(wr->ds, FALSE);
    for (size_t r = 0; r < info->n && st == BP_OK; r++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (size_t p = 0; p < np; p++)
            OGR_F_SetFieldString(f, plans[p].field, plans[p].kind == V_KEY ? info->key[r] : info->value[r]);
        st = write_feature(wr, lyr, f, "run_info", ctx);
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(wr->ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing run_info failed: %s", wr->what, bp_cpl_msg());
    return st;
}

/* ---- besluiten_log, besluiten_vervallen: created here, filled with SQL ---- */

static bp_status create_table(writer *wr, const char *name, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get(wr->nm->defs, name, ctx);
    if (!def) return bp_ctx_status(ctx);
    plan *plans = calloc(def->nfields + 1, sizeof *plans);
    if (!plans) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t np = 0;
    OGRLayerH lyr = create_layer(wr, def, NULL, wkbNone, ctx);
    bp_status st = lyr ? create_def_fields(lyr, def, wr->nm, plans, &np, wr->what, ctx) : bp_ctx_status(ctx);
    free(plans);
    return st;
}

/* ---- the stage ----------------------------------------------------------- */

bp_status bp_write_check(const bp_write_opts *o, bp_ctx *ctx)
{
    const char *out = o->output;
    if (o->format == BP_FMT_POSTGRESQL) {
        if (strncasecmp(out, "PG:", 3) != 0)
            return bp_error(ctx, BP_ERR_USAGE, "%s: a PostgreSQL output is a connection string 'PG:...'", out);
        return BP_OK; /* existing tables are checked when the database is opened */
    }
    if (strncasecmp(out, "PG:", 3) == 0)
        return bp_error(ctx, BP_ERR_USAGE, "%.3s...: a PostgreSQL connection is written with -f PostgreSQL (or no -f), "
                        "not -f %s", out, bp_format_name(o->format));
    const char *ext = bp_format_extension(o->format);
    size_t len = strlen(out), el = strlen(ext);
    if (o->format == BP_FMT_GPKG && (len <= el || strcasecmp(out + len - el, ext) != 0))
        return bp_error(ctx, BP_ERR_USAGE, "%s: the output must be a GeoPackage ending in .gpkg", out);
    struct stat st;
    if (stat(out, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return bp_error(ctx, BP_ERR_USAGE, "%s: is a directory", out);
        if (!o->overwrite) return bp_error(ctx, BP_ERR_USAGE, "%s: exists; pass --overwrite to replace it", out);
    }
    char dir[4096];
    const char *slash = strrchr(out, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
    if (slash == out) strcpy(dir, "/");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return bp_error(ctx, BP_ERR_USAGE, "%s: folder %s does not exist", out, dir);
    return BP_OK;
}

/* Writes every layer and the QGIS metadata into the GeoPackage 'tmp'. */
static bp_status write_gpkg(writer *wr, const char *tmp, const char *final_name, int qgis, bp_ctx *ctx)
{
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    if (!drv) return bp_error(ctx, BP_ERR_NOMEM, "GDAL has no GPKG driver");
    /* the temporary file is flushed once at the end, then renamed: no need
       for SQLite to sync every transaction */
    CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF");
    CPLErrorReset();
    bp_cpl_push_quiet(ctx);
    bp_status st = BP_OK;
    wr->own_index = qgis;
    bp_debug_begin("write candidates");
    wr->ds = GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, NULL);
    if (!wr->ds) st = bp_error(ctx, BP_ERR_IO, "%s: cannot create: %s", wr->what, bp_cpl_msg());
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (st == BP_OK) {
        /* the rest, mostly GDAL's R-tree build, takes about half as long */
        void *sp = GDALCreateScaledProgress(0.0, 0.65, wr->progress, wr->pdata);
        st = write_candidates(wr, wr->progress ? GDALScaledProgress : NULL, sp, ctx);
        GDALDestroyScaledProgress(sp);
        bp_debug_phase("  write candidates", &t);
    }
    if (st == BP_OK && (st = check_stop(wr, ctx)) == BP_OK) {
        bp_debug_begin("write gemeente_gap");
        st = write_gemeente_gap(wr, ctx);
    }
    if (st == BP_OK && wr->in->r->ptype && qgis && (st = check_stop(wr, ctx)) == BP_OK) {
        bp_debug_begin("write programma");
        st = write_programma(wr, ctx);
    }
    if (st == BP_OK && wr->in->facilities && (st = check_stop(wr, ctx)) == BP_OK) {
        bp_debug_begin("write facilities");
        st = write_facilities(wr, ctx);
    }
    if (st == BP_OK && wr->in->net && qgis && (st = check_stop(wr, ctx)) == BP_OK) {
        bp_debug_begin("write walk_network");
        st = write_walk_network(wr, ctx);
    }
    if (st == BP_OK && wr->in->copy_from && (st = check_stop(wr, ctx)) == BP_OK) st = copy_layers(wr, qgis, ctx);
    if (st == BP_OK && (st = check_stop(wr, ctx)) == BP_OK) {
        bp_debug_begin("write run_info");
        st = write_run_info(wr, ctx);
    }
    if (st == BP_OK && qgis) st = create_table(wr, "besluiten_log", ctx);
    if (st == BP_OK && qgis) st = create_table(wr, "besluiten_vervallen", ctx);
    bp_debug_phase("  write others", &t);
    /* QGIS styles and project, inside the same temporary file */
    if (st == BP_OK && qgis && (st = check_stop(wr, ctx)) == BP_OK) {
        bp_debug_begin("write qgis");
        st = bp_qgis_write(wr->ds, wr->nm, wr->have_extent ? &wr->extent : NULL, final_name, wr->what, ctx);
    }
    bp_debug_phase("  write qgis", &t);
    if (wr->ds) {
        if (st == BP_OK) bp_debug_begin("write close");
        CPLErrorReset();
        GDALClose(wr->ds);
        wr->ds = NULL;
        if (st == BP_OK && CPLGetLastErrorType() >= CE_Failure)
            st = bp_error(ctx, BP_ERR_IO, "%s: finishing the GeoPackage failed: %s", wr->what, bp_cpl_msg());
        bp_debug_phase("  write close", &t);
    }
    if (st == BP_OK && wr->nidx && (st = check_stop(wr, ctx)) == BP_OK) {
        bp_debug_begin("write index");
        st = build_indexes(wr, tmp, ctx);
        bp_debug_phase("  write index", &t);
    }
    /* the exact numbers, for rescore and the live server; the decisions'
       history and its trigger */
    if (st == BP_OK && qgis && (st = check_stop(wr, ctx)) == BP_OK) {
        bp_debug_begin("write result");
        st = bp_result_store(wr->in->r, tmp, wr->what, ctx);
    }
    if (st == BP_OK && qgis) {
        char when[32];
        time_t now = time(NULL);
        struct tm tm;
        strftime(when, sizeof when, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&now, &tm));
        st = bp_decisions_finish(tmp, wr->in->previous, wr->in->gone, when, wr->what, ctx);
    }
    bp_debug_phase("  write result", &t);
    CPLPopErrorHandler();
    CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", NULL);
    return st;
}

bp_status bp_write(const bp_write_input *in, const bp_write_opts *o, GDALProgressFunc progress, void *pdata,
                   bp_ctx *ctx)
{
    const char *out = o->output;
    int is_gpkg = o->format == BP_FMT_GPKG, is_db = o->format == BP_FMT_POSTGRESQL;
    char final[PATH_MAX], tmp[PATH_MAX + 32], conv[PATH_MAX + 32] = "";
    /* a symbolic link keeps pointing at the result: its file is replaced */
    if (is_db) snprintf(final, sizeof final, "bodnaarplot-pg");
    else if (bp_tmpfile_resolve(out, final, sizeof final) < 0)
        return bp_error(ctx, BP_ERR_USAGE, "%s: the output path is too long", out);
    const char *slash = strrchr(out, '/');
    const char *base = is_db ? "bodnaarplot-pg" : slash ? slash + 1 : out;
    /* the GeoPackage a database is filled from goes to the temp folder */
    const char *td = getenv("TMPDIR");
    const char *tdir = is_db ? (td && *td ? td : "/tmp") : NULL;
    bp_tmpfile tf;
    bp_status st = bp_tmpfile_begin(&tf, final, tdir, ctx);
    if (st != BP_OK) return st;
    bp_tmpfile_path(&tf, ".gpkg", tmp, sizeof tmp);
    if (!is_gpkg && !is_db) bp_tmpfile_path(&tf, bp_format_extension(o->format), conv, sizeof conv);
    bp_tmpfile_remove(tmp);
    bp_ctx_track_tmp(ctx, tmp);
    if (conv[0]) {
        unlink(conv);
        bp_ctx_track_tmp(ctx, conv);
    }
    bp_layerdefs *defs = bp_layerdefs_load(ctx);
    const bp_result *r = in->r;
    bp_names nm = {r->rank_opts.profile, r->ncat, r->cat, r->radius_m, defs};
    writer wr = {.what = out, .nm = &nm, .in = in, .srs = o->srs, .progress = progress, .pdata = pdata};
    if (!defs) st = bp_ctx_status(ctx);
    if (st == BP_OK) st = bp_geos_init(&wr.g, ctx);
    if (st == BP_OK && !(wr.w = GEOSWKBWriter_create_r(wr.g.h))) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    if (st == BP_OK) st = write_gpkg(&wr, tmp, base, is_gpkg, ctx);
    if (wr.w) GEOSWKBWriter_destroy_r(wr.g.h, wr.w);
    for (size_t k = 0; k < wr.nidx; k++) bp_rtree_clear(&wr.idx[k].boxes);
    bp_geos_finish(&wr.g);
    bp_layerdefs_free(defs);
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    /* other formats are converted from the complete GeoPackage */
    if (st == BP_OK && !is_gpkg && (st = check_stop(&wr, ctx)) == BP_OK) {
        bp_debug_begin(is_db ? "write database" : "write convert");
        st = check_stop(&wr, ctx);
    }
    if (st == BP_OK && !is_gpkg) {
        void *sp = GDALCreateScaledProgress(0.9, 1.0, progress, pdata);
        st = bp_formats_write(tmp, o, conv, progress ? GDALScaledProgress : NULL, sp, ctx);
        GDALDestroyScaledProgress(sp);
        bp_tmpfile_remove(tmp);
        bp_debug_phase("  write convert", &t);
    }
    int retry = st == BP_OK && in->changed_meanwhile && in->changed_meanwhile(in->changed_ud);
    if (retry && in->again) *in->again = 1; /* the output changed since its decisions were read: start over */
    if (st == BP_OK && !is_db && !retry) {
        bp_debug_begin("write commit");
        /* the last moment an interrupt keeps the old output */
        if ((st = check_stop(&wr, ctx)) == BP_OK) st = bp_tmpfile_commit(is_gpkg ? tmp : conv, final, o->overwrite, ctx);
    }
    bp_debug_phase("  write commit", &t);
    if (st != BP_OK || retry) {
        bp_tmpfile_remove(tmp);
        if (conv[0]) unlink(conv);
    }
    bp_ctx_untrack_tmp(ctx, tmp);
    if (conv[0]) bp_ctx_untrack_tmp(ctx, conv);
    bp_tmpfile_end(&tf, ctx);
    if (st == BP_OK && progress) progress(1.0, NULL, pdata);
    return st;
}
