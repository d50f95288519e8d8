/*
 * export.c — writes the result GeoPackage: candidates, gemeente_gap,
 * facilities and run_info, with fields as defined in layers/.
 *
 * Nothing is ever half-written: the GeoPackage is built as a hidden
 * temporary file beside the output (".NAME.bodnaarplot-tmp-PID.gpkg"),
 * flushed to disk and renamed over the output only when complete.  A
 * failed run removes its temporary file; one left by a killed run is
 * removed by the next run on the same output.
 */
#include "bp_internal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cpl_conv.h>
#include <cpl_error.h>

#define TMP_TAG ".bodnaarplot-tmp-"


/* Splits output into dir (".", when none) and base name. */
static void split_path(const char *path, char *dir, size_t dsize, const char **base)
{
    const char *slash = strrchr(path, '/');
    if (!slash) {
        snprintf(dir, dsize, ".");
        *base = path;
    } else if (slash == path) {
        snprintf(dir, dsize, "/");
        *base = slash + 1;
    } else {
        snprintf(dir, dsize, "%.*s", (int)(slash - path), path);
        *base = slash + 1;
    }
}

static void unlink_with_sidecars(const char *path)
{
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    char buf[PATH_MAX * 2 + 16];
    for (size_t i = 0; i < 4; i++) {
        snprintf(buf, sizeof buf, "%s%s", path, suffixes[i]);
        unlink(buf);
    }
}

void bp_export_cleanup_stale(const char *output)
{
    char dir[PATH_MAX], prefix[PATH_MAX];
    const char *base;
    split_path(output, dir, sizeof dir, &base);
    snprintf(prefix, sizeof prefix, ".%s" TMP_TAG, base);
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    size_t plen = strlen(prefix);
    while ((e = readdir(d)) != NULL) {
        if (strncmp(e->d_name, prefix, plen) != 0) continue;
        long pid = strtol(e->d_name + plen, NULL, 10);
        if (pid <= 0 || (kill((pid_t)pid, 0) == -1 && errno == ESRCH) || pid == (long)getpid()) {
            char full[PATH_MAX * 2];
            snprintf(full, sizeof full, "%s/%s", dir, e->d_name);
            if (!strstr(e->d_name, "-journal") && !strstr(e->d_name, "-wal") && !strstr(e->d_name, "-shm"))
                unlink_with_sidecars(full);
        }
    }
    closedir(d);
}

/* ---- field plans: which value goes to which OGR field ------------------- */

typedef enum {
    V_ATTR, V_PLOT_ID, V_RANK, V_SCORE, V_SUIT, V_SCORE_T, V_DIST_C, V_N_C, V_SCORE_C,
    V_GM_CODE, V_GM_NAAM, V_GAP_T, V_AREA, V_CAPACITY, V_KNOCKED, V_REASON,
    V_OPGAVE_T, V_PLANNEN_T, V_GEREAL_T, V_GAPSHARE_T, V_NSUIT, V_PROFILE, V_COVERS,
    V_CATEGORY, V_NAME, V_IS_AREA, V_SOURCE, V_SOURCE_FID, V_KEY, V_VALUE,
    V_EDGE_ID, V_LENGTH, V_COST, V_STEPS
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
static bp_status create_def_fields(OGRLayerH lyr, const bp_layerdef *def, const bp_config *cfg,
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
        int n = !fd->per ? 1 : !strcmp(fd->per, "category") ? (int)cfg->ncats : BP_NTYPES;
        for (int a = 0; a < n; a++) {
            const char *cat = fd->per && !strcmp(fd->per, "category") ? cfg->cats[a].name : NULL;
            const char *typ = fd->per && !strcmp(fd->per, "type") ? bp_type_name((bp_type)a) : NULL;
            bp_layerdef_expand(fd->name, cat, (int)cfg->radius_m, typ, name, sizeof name);
            bp_layerdef_expand(fd->alias, cat, (int)cfg->radius_m, typ, alias, sizeof alias);
            OGRFieldSubType sub;
            OGRFieldType t = ogr_type(fd->type, &sub);
            bp_status st = create_field(lyr, name, t, sub, alias, what, ctx);
            if (st != BP_OK) return st;
            plans[*nplans] = (plan){kind, a, OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), name)};
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

/* ---- geometry conversion ------------------------------------------------ */

typedef struct {
    bp_geos g;
    GEOSWKBWriter *w;
} geo_out;

static OGRGeometryH to_ogr(geo_out *go, const GEOSGeometry *geom, OGRwkbGeometryType layer_type)
{
    size_t len;
    unsigned char *wkb = GEOSWKBWriter_write_r(go->g.h, go->w, geom, &len);
    if (!wkb) return NULL;
    OGRGeometryH og = NULL;
    OGR_G_CreateFromWkb(wkb, NULL, &og, (int)len);
    GEOSFree_r(go->g.h, wkb);
    if (!og) return NULL;
    switch (wkbFlatten(layer_type)) {
    case wkbMultiPolygon: return OGR_G_ForceToMultiPolygon(og);
    case wkbMultiLineString: return OGR_G_ForceToMultiLineString(og);
    case wkbMultiPoint: return OGR_G_ForceToMultiPoint(og);
    default: return og;
    }
}

/* Layer geometry type for a set of geometries of one layer. */
static OGRwkbGeometryType layer_geom_type(geo_out *go, GEOSGeometry *const *geoms, size_t n)
{
    int dims = 0, all_points = 1;
    for (size_t i = 0; i < n; i++) {
        int d = GEOSGeom_getDimensions_r(go->g.h, geoms[i]);
        dims |= 1 << d;
        if (GEOSGeomTypeId_r(go->g.h, geoms[i]) != GEOS_POINT) all_points = 0;
    }
    if (dims == 4) return wkbMultiPolygon;
    if (dims == 2) return wkbMultiLineString;
    if (dims == 1) return all_points ? wkbPoint : wkbMultiPoint;
    return wkbUnknown;
}

/* ---- layers ------------------------------------------------------------- */

static OGRLayerH create_layer(GDALDatasetH ds, const bp_layerdef *def, OGRSpatialReferenceH srs,
                              OGRwkbGeometryType gt, const char *what, bp_ctx *ctx)
{
    char ident[300], desc[1200];
    snprintf(ident, sizeof ident, "IDENTIFIER=%s", def->title);
    snprintf(desc, sizeof desc, "DESCRIPTION=%s", def->description);
    const char *opts[] = {"FID=fid", "GEOMETRY_NAME=geom", ident, desc, NULL};
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, def->name, gt == wkbNone ? NULL : srs, gt, (char **)opts);
    if (!lyr) bp_error(ctx, BP_ERR_IO, "%s: cannot create layer %s: %s", what, def->name, bp_cpl_msg());
    return lyr;
}

static bp_status write_feature(OGRLayerH lyr, OGRFeatureH f, const char *what, const char *layer, bp_ctx *ctx)
{
    if (OGR_L_CreateFeature(lyr, f) != OGRERR_NONE)
        return bp_error(ctx, BP_ERR_IO, "%s: writing layer %s failed: %s", what, layer, bp_cpl_msg());
    return BP_OK;
}

static int computed_name_clash(const bp_export_input *in, const bp_layerdef *def, const char *nm)
{
    char name[128];
    for (size_t i = 0; i < def->nfields; i++) {
        const bp_fielddef *fd = &def->fields[i];
        int n = !fd->per ? 1 : !strcmp(fd->per, "category") ? (int)in->cfg->ncats : BP_NTYPES;
        for (int a = 0; a < n; a++) {
            const char *cat = fd->per && !strcmp(fd->per, "category") ? in->cfg->cats[a].name : NULL;
            const char *typ = fd->per && !strcmp(fd->per, "type") ? bp_type_name((bp_type)a) : NULL;
            bp_layerdef_expand(fd->name, cat, (int)in->cfg->radius_m, typ, name, sizeof name);
            if (!strcasecmp(name, nm)) return 1;
        }
    }
    return !strcasecmp(nm, "fid") || !strcasecmp(nm, "geom");
}

static bp_status write_candidates(GDALDatasetH ds, const bp_export_input *in, geo_out *go,
                                  GDALProgressFunc progress, void *pdata, const char *what, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get("candidates", ctx);
    if (!def) return bp_ctx_status(ctx);
    const bp_layer *pl = in->plots;
    OGRwkbGeometryType gt = layer_geom_type(go, pl->geom, pl->n);
    OGRLayerH lyr = create_layer(ds, def, in->crs->target, gt, what, ctx);
    if (!lyr) return bp_ctx_status(ctx);
    size_t ncat = in->ncat;
    int nattr = OGR_FD_GetFieldCount(pl->defn);
    size_t maxplans = (size_t)nattr + def->nfields * (ncat > BP_NTYPES ? ncat : BP_NTYPES);
    plan *plans = calloc(maxplans, sizeof *plans);
    if (!plans) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t np = 0;
    bp_status st = BP_OK;
    /* original attributes first, as the user knows them */
    char name[160];
    for (int a = 0; a < nattr && st == BP_OK; a++) {
        OGRFieldDefnH src = OGR_FD_GetFieldDefn(pl->defn, a);
        /* an input field with the name of a computed one is kept as <name>_input */
        snprintf(name, sizeof name, "%s", OGR_Fld_GetNameRef(src));
        if (computed_name_clash(in, def, name)) {
            size_t len = strlen(name);
            snprintf(name + len, sizeof name - len, "_input");
            bp_warn(ctx, "%s: input field %s is kept as %s (the output has a field of that name)",
                    pl->what, OGR_Fld_GetNameRef(src), name);
        }
        OGRFieldDefnH fd = OGR_Fld_Create(name, OGR_Fld_GetType(src));
        OGR_Fld_SetSubType(fd, OGR_Fld_GetSubType(src));
        OGR_Fld_SetWidth(fd, OGR_Fld_GetWidth(src));
        OGR_Fld_SetPrecision(fd, OGR_Fld_GetPrecision(src));
        if (OGR_L_CreateField(lyr, fd, TRUE) != OGRERR_NONE)
            st = bp_error(ctx, BP_ERR_IO, "%s: cannot create field %s: %s", what, name, bp_cpl_msg());
        OGR_Fld_Destroy(fd);
        plans[np++] = (plan){V_ATTR, a, OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(lyr), name)};
    }
    if (st == BP_OK) st = create_def_fields(lyr, def, in->cfg, plans, &np, what, ctx);
    if (st != BP_OK) {
        free(plans);
        return st;
    }
    OGRFeatureDefnH odefn = OGR_L_GetLayerDefn(lyr);
    bp_type prof = in->cfg->profile;
    GDALDatasetStartTransaction(ds, FALSE);
    for (size_t k = 0; k < pl->n && st == BP_OK; k++) {
        size_t i = in->order[k];
        OGRFeatureH f = OGR_F_Create(odefn);
        const bp_gemeente *gm = &in->gm->g[in->gemeente[i]];
        for (size_t p = 0; p < np; p++) {
            const plan *q = &plans[p];
            int fi = q->field, a = q->arg;
            double gap, share;
            switch (q->kind) {
            case V_ATTR:
                if (OGR_F_IsFieldSetAndNotNull(pl->feat[i], a)) {
                    OGRField *raw = OGR_F_GetRawFieldRef(pl->feat[i], a);
                    OGR_F_SetFieldRaw(f, fi, raw);
                }
                break;
            case V_PLOT_ID: OGR_F_SetFieldString(f, fi, in->ids[i]); break;
            case V_RANK:
                if (in->rank[i] > 0) OGR_F_SetFieldInteger64(f, fi, in->rank[i]);
                else OGR_F_SetFieldNull(f, fi);
                break;
            case V_SCORE: set_real(f, fi, in->score[i * BP_NTYPES + prof], 100); break;
            case V_SUIT: set_real(f, fi, in->suitability[i], 100); break;
            case V_SCORE_T: set_real(f, fi, in->score[i * BP_NTYPES + (size_t)a], 100); break;
            case V_DIST_C: set_real(f, fi, in->dist[i * ncat + (size_t)a], 1000); break;
            case V_N_C: OGR_F_SetFieldInteger64(f, fi, in->count[i * ncat + (size_t)a]); break;
            case V_SCORE_C: set_real(f, fi, in->cat_score[i * ncat + (size_t)a], 100); break;
            case V_GM_CODE: OGR_F_SetFieldString(f, fi, gm->code); break;
            case V_GM_NAAM: OGR_F_SetFieldString(f, fi, gm->name); break;
            case V_GAP_T:
                bp_gap_compute(gm->opgave[a], gm->plannen[a], gm->gerealiseerd[a], &gap, &share);
                set_real(f, fi, gap, 100);
                break;
            case V_AREA: set_real(f, fi, in->area[i], 10); break;
            case V_CAPACITY:
                if (isnan(in->capacity[i])) OGR_F_SetFieldNull(f, fi);
                else OGR_F_SetFieldInteger64(f, fi, (GIntBig)in->capacity[i]);
                break;
            case V_KNOCKED: OGR_F_SetFieldInteger(f, fi, in->knocked[i] ? 1 : 0); break;
            case V_REASON:
                if (in->reason[i]) OGR_F_SetFieldString(f, fi, in->reason[i]);
                else OGR_F_SetFieldNull(f, fi);
                break;
            default: break;
            }
        }
        OGRGeometryH og = to_ogr(go, pl->geom[i], gt);
        if (!og) st = bp_error(ctx, BP_ERR_NOMEM, "cannot convert the geometry of plot %s", in->ids[i]);
        else {
            OGR_F_SetGeometryDirectly(f, og);
            st = write_feature(lyr, f, what, "candidates", ctx);
        }
        OGR_F_Destroy(f);
        if (progress && (k & 1023) == 0 && !progress((double)k / (double)pl->n, NULL, pdata))
            st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer candidates failed: %s", what, bp_cpl_msg());
    free(plans);
    return st;
}

static bp_status write_gemeente_gap(GDALDatasetH ds, const bp_export_input *in, geo_out *go,
                                    const char *what, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get("gemeente_gap", ctx);
    if (!def) return bp_ctx_status(ctx);
    const bp_gemeenten *gm = in->gm;
    size_t *nsuit = calloc(gm->n, sizeof *nsuit);
    double *cap = calloc(gm->n, sizeof *cap);
    unsigned char *has_plots = calloc(gm->n, 1);
    plan *plans = calloc(def->nfields * BP_NTYPES, sizeof *plans);
    bp_status st = BP_OK;
    if (!nsuit || !cap || !has_plots || !plans) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < in->plots->n; i++) {
        size_t g = in->gemeente[i];
        has_plots[g] = 1;
        if (in->knocked[i]) continue;
        nsuit[g]++;
        if (!isnan(in->capacity[i])) cap[g] += in->capacity[i];
    }
    OGRLayerH lyr = create_layer(ds, def, in->crs->target, wkbMultiPolygon, what, ctx);
    size_t np = 0;
    if (!lyr || (st = create_def_fields(lyr, def, in->cfg, plans, &np, what, ctx)) != BP_OK) {
        st = bp_ctx_status(ctx);
        goto out;
    }
    bp_type prof = in->cfg->profile;
    GDALDatasetStartTransaction(ds, FALSE);
    for (size_t i = 0; i < gm->n && st == BP_OK; i++) {
        const bp_gemeente *g = &gm->g[i];
        int any = has_plots[i];
        for (int t = 0; t < BP_NTYPES; t++) any |= g->has_target[t];
        if (!any) continue;
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (size_t p = 0; p < np; p++) {
            int fi = plans[p].field, a = plans[p].arg;
            double gap, share;
            int known = bp_gap_compute(g->opgave[a], g->plannen[a], g->gerealiseerd[a], &gap, &share);
            switch (plans[p].kind) {
            case V_GM_CODE: OGR_F_SetFieldString(f, fi, g->code); break;
            case V_GM_NAAM: OGR_F_SetFieldString(f, fi, g->name); break;
            case V_OPGAVE_T: set_real(f, fi, g->opgave[a], 100); break;
            case V_PLANNEN_T: set_real(f, fi, g->plannen[a], 100); break;
            case V_GEREAL_T: set_real(f, fi, g->gerealiseerd[a], 100); break;
            case V_GAP_T: set_real(f, fi, gap, 100); break;
            case V_GAPSHARE_T: set_real(f, fi, share, 10000); break;
            case V_NSUIT: OGR_F_SetFieldInteger64(f, fi, (GIntBig)nsuit[i]); break;
            case V_CAPACITY: OGR_F_SetFieldInteger64(f, fi, (GIntBig)cap[i]); break;
            case V_PROFILE: OGR_F_SetFieldString(f, fi, bp_type_name(prof)); break;
            case V_COVERS:
                known = bp_gap_compute(g->opgave[prof], g->plannen[prof], g->gerealiseerd[prof], &gap, &share);
                if (known) OGR_F_SetFieldInteger(f, fi, cap[i] >= gap);
                else OGR_F_SetFieldNull(f, fi);
                break;
            default: break;
            }
        }
        OGRGeometryH og = to_ogr(go, g->geom, wkbMultiPolygon);
        if (og) OGR_F_SetGeometryDirectly(f, og);
        st = write_feature(lyr, f, what, "gemeente_gap", ctx);
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer gemeente_gap failed: %s", what, bp_cpl_msg());
out:
    free(nsuit);
    free(cap);
    free(has_plots);
    free(plans);
    return st;
}

static bp_status write_facilities(GDALDatasetH ds, const bp_export_input *in, geo_out *go,
                                  const char *what, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get("facilities", ctx);
    if (!def) return bp_ctx_status(ctx);
    plan *plans = calloc(def->nfields, sizeof *plans);
    if (!plans) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t np = 0;
    bp_status st = BP_OK;
    OGRLayerH lyr = create_layer(ds, def, in->crs->target, wkbPoint, what, ctx);
    if (!lyr || create_def_fields(lyr, def, in->cfg, plans, &np, what, ctx) != BP_OK) {
        free(plans);
        return bp_ctx_status(ctx);
    }
    GDALDatasetStartTransaction(ds, FALSE);
    for (size_t c = 0; c < in->ncat && st == BP_OK; c++) {
        const bp_layer *fl = &in->facilities[c];
        for (size_t i = 0; i < fl->n && st == BP_OK; i++) {
            int dim = GEOSGeom_getDimensions_r(go->g.h, fl->geom[i]);
            OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
            for (size_t p = 0; p < np; p++) {
                int fi = plans[p].field;
                switch (plans[p].kind) {
                case V_CATEGORY: OGR_F_SetFieldString(f, fi, in->cfg->cats[c].name); break;
                case V_NAME:
                    if (fl->names && fl->names[i]) OGR_F_SetFieldString(f, fi, fl->names[i]);
                    break;
                case V_IS_AREA: OGR_F_SetFieldInteger(f, fi, dim == 2); break;
                case V_SOURCE: OGR_F_SetFieldString(f, fi, in->cfg->cats[c].source); break;
                case V_SOURCE_FID: OGR_F_SetFieldInteger64(f, fi, fl->fid[i]); break;
                default: break;
                }
            }
            GEOSGeometry *pt = GEOSGeomTypeId_r(go->g.h, fl->geom[i]) == GEOS_POINT
                                   ? GEOSGeom_clone_r(go->g.h, fl->geom[i])
                                   : GEOSPointOnSurface_r(go->g.h, fl->geom[i]);
            OGRGeometryH og = pt ? to_ogr(go, pt, wkbPoint) : NULL;
            if (pt) GEOSGeom_destroy_r(go->g.h, pt);
            if (og) OGR_F_SetGeometryDirectly(f, og);
            st = write_feature(lyr, f, what, "facilities", ctx);
            OGR_F_Destroy(f);
        }
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer facilities failed: %s", what, bp_cpl_msg());
    free(plans);
    return st;
}

static bp_status write_walk_network(GDALDatasetH ds, const bp_export_input *in, const char *what,
                                    bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get("walk_network", ctx);
    if (!def) return bp_ctx_status(ctx);
    size_t ncat = in->ncat;
    plan *plans = calloc(def->nfields * (ncat > 1 ? ncat : 1), sizeof *plans);
    if (!plans) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t np = 0;
    bp_status st = BP_OK;
    OGRLayerH lyr = create_layer(ds, def, in->crs->target, wkbLineString, what, ctx);
    if (!lyr || create_def_fields(lyr, def, in->cfg, plans, &np, what, ctx) != BP_OK) {
        free(plans);
        return bp_ctx_status(ctx);
    }
    GDALDatasetStartTransaction(ds, FALSE);
    size_t m = bp_network_edge_count(in->network);
    for (size_t e = 0; e < m && st == BP_OK; e++) {
        double x0, y0, x1, y1, len, cost;
        int steps;
        bp_network_edge(in->network, e, &x0, &y0, &x1, &y1, &len, &cost, &steps);
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (size_t p = 0; p < np; p++) {
            int fi = plans[p].field;
            switch (plans[p].kind) {
            case V_EDGE_ID: OGR_F_SetFieldInteger64(f, fi, (GIntBig)e); break;
            case V_LENGTH: set_real(f, fi, len, 100); break;
            case V_COST: set_real(f, fi, isinf(cost) ? NAN : cost, 100); break;
            case V_STEPS: OGR_F_SetFieldInteger(f, fi, steps); break;
            case V_DIST_C: set_real(f, fi, bp_network_edge_dist(in->network, e, (size_t)plans[p].arg), 100); break;
            default: break;
            }
        }
        OGRGeometryH line = OGR_G_CreateGeometry(wkbLineString);
        OGR_G_AddPoint_2D(line, x0, y0);
        OGR_G_AddPoint_2D(line, x1, y1);
        OGR_F_SetGeometryDirectly(f, line);
        st = write_feature(lyr, f, what, "walk_network", ctx);
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing layer walk_network failed: %s", what, bp_cpl_msg());
    free(plans);
    return st;
}

static bp_status write_run_info(GDALDatasetH ds, const bp_export_input *in, const char *what, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get("run_info", ctx);
    if (!def) return bp_ctx_status(ctx);
    plan plans[8];
    size_t np = 0;
    OGRLayerH lyr = create_layer(ds, def, NULL, wkbNone, what, ctx);
    if (!lyr || create_def_fields(lyr, def, in->cfg, plans, &np, what, ctx) != BP_OK) return bp_ctx_status(ctx);
    bp_status st = BP_OK;
    GDALDatasetStartTransaction(ds, FALSE);
    for (size_t r = 0; r < in->ninfo && st == BP_OK; r++) {
        OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        for (size_t p = 0; p < np; p++)
            OGR_F_SetFieldString(f, plans[p].field, plans[p].kind == V_KEY ? in->info_key[r] : in->info_value[r]);
        st = write_feature(lyr, f, what, "run_info", ctx);
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing run_info failed: %s", what, bp_cpl_msg());
    return st;
}

bp_status bp_export_gpkg(const bp_export_input *in, GDALProgressFunc progress, void *pdata, bp_ctx *ctx)
{
    const char *out = in->cfg->output;
    char dir[PATH_MAX], tmp[PATH_MAX * 2];
    const char *base;
    const char *format = bp_format_of(in->cfg);
    int is_gpkg = !strcmp(format, "GPKG"), is_db = !strcmp(format, "PostgreSQL");
    split_path(out, dir, sizeof dir, &base);
    if (is_db) { /* the GeoPackage the database is filled from goes to the temp folder */
        const char *td = getenv("TMPDIR");
        snprintf(dir, sizeof dir, "%s", td && *td ? td : "/tmp");
        base = "bodnaarplot-pg";
    }
    snprintf(tmp, sizeof tmp, "%s/.%s" TMP_TAG "%ld.gpkg", dir, base, (long)getpid());
    unlink_with_sidecars(tmp);

    GDALDriverH drv = GDALGetDriverByName("GPKG");
    if (!drv) return bp_error(ctx, BP_ERR_NOMEM, "GDAL has no GPKG driver");
    geo_out go = {0};
    bp_status st = bp_geos_init(&go.g, ctx);
    if (st != BP_OK) return st;
    go.w = GEOSWKBWriter_create_r(go.g.h);
    /* the temporary file is flushed once at the end, then renamed: no need
       for SQLite to sync every transaction */
    CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", "OFF");
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    GDALDatasetH ds = GDALCreate(drv, tmp, 0, 0, 0, GDT_Unknown, NULL);
    if (!ds) st = bp_error(ctx, BP_ERR_IO, "%s: cannot create: %s", out, bp_cpl_msg());
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    if (st == BP_OK) {
        void *sp = GDALCreateScaledProgress(0.0, 0.9, progress, pdata);
        st = write_candidates(ds, in, &go, progress ? GDALScaledProgress : NULL, sp, out, ctx);
        GDALDestroyScaledProgress(sp);
        bp_debug_phase("  write candidates", &t);
    }
    if (st == BP_OK) st = write_gemeente_gap(ds, in, &go, out, ctx);
    if (st == BP_OK) st = write_facilities(ds, in, &go, out, ctx);
    if (st == BP_OK && in->network && is_gpkg) st = write_walk_network(ds, in, out, ctx);
    if (st == BP_OK) st = write_run_info(ds, in, out, ctx);
    bp_debug_phase("  write others", &t);
    /* QGIS styles and project, inside the same temporary file */
    if (st == BP_OK && is_gpkg) st = bp_qgis_write(ds, in->cfg, base, out, ctx);
    bp_debug_phase("  write qgis", &t);
    if (ds) {
        CPLErrorReset();
        GDALClose(ds); /* builds the spatial indexes */
        if (st == BP_OK && CPLGetLastErrorType() >= CE_Failure)
            st = bp_error(ctx, BP_ERR_IO, "%s: finishing the GeoPackage failed: %s", out, bp_cpl_msg());
        bp_debug_phase("  write close", &t);
    }
    CPLPopErrorHandler();
    CPLSetThreadLocalConfigOption("OGR_SQLITE_SYNCHRONOUS", NULL);
    if (go.w) GEOSWKBWriter_destroy_r(go.g.h, go.w);
    bp_geos_finish(&go.g);
    /* other formats are converted from the complete GeoPackage */
    char conv[PATH_MAX * 2 + 16] = "";
    if (st == BP_OK && !is_gpkg) {
        if (!is_db) {
            snprintf(conv, sizeof conv, "%s/.%s" TMP_TAG "%ld%s", dir, base, (long)getpid(),
                     bp_format_extension(format));
            unlink(conv);
        }
        st = bp_formats_write(tmp, in->cfg, conv, ctx);
        unlink_with_sidecars(tmp);
        bp_debug_phase("  write convert", &t);
    }
    const char *done = is_gpkg ? tmp : conv;
    if (st == BP_OK && !is_db) {
        int fd = open(done, O_RDONLY);
        if (fd < 0 || fsync(fd) != 0)
            st = bp_error(ctx, BP_ERR_IO, "%s: cannot flush to disk: %s", out, strerror(errno));
        if (fd >= 0) close(fd);
    }
    bp_debug_phase("  write fsync", &t);
    if (st == BP_OK && !is_db && rename(done, out) != 0)
        st = bp_error(ctx, BP_ERR_IO, "%s: cannot move the result into place: %s", out, strerror(errno));
    if (st == BP_OK && is_db) {
        if (progress) progress(1.0, NULL, pdata);
        return st;
    }
    if (st == BP_OK) {
        int dfd = open(dir, O_RDONLY | O_DIRECTORY);
        if (dfd >= 0) {
            fsync(dfd);
            close(dfd);
        }
        if (progress) progress(1.0, NULL, pdata);
    } else {
        unlink_with_sidecars(tmp);
        if (conv[0]) unlink(conv);
    }
    return st;
}
