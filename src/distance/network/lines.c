/*
 * lines.c — the walking graph from an OGR line layer, with the same rules
 * as an OpenStreetMap file.  A feature's tags are its string and number
 * fields (highway, foot, access, surface, ... as columns) and, when the
 * layer has one, the HSTORE field other_tags of GDAL's OSM driver
 * ("key"=>"value",...), where that driver puts every tag it has no column
 * for; a column wins over other_tags.  When the layer's dataset is the OSM
 * driver's (an ogr2ogr copy of an OSM file: lines, multipolygons, points,
 * other_tags), its multipolygons layer gives the closed ways the driver
 * took for areas (outline, and walked across where an area rule says so)
 * and the pedestrian multipolygons, and its points layer the tagged nodes
 * (barriers, kerbs).  So an extract and its ogr2ogr copy make the same
 * graph.  A layer with neither a highway field nor other_tags is a plain
 * path network: every line is walkable.
 */
#include "distance/network/network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- HSTORE ------------------------------------------------------------------- */

/* Reads a quoted string at *p into *out (unescaped); 0 or -1. */
static int quoted(const char **p, char **out)
{
    const char *s = *p;
    if (*s != '"') return -1;
    s++;
    char *o = *out;
    while (*s && *s != '"') {
        if (*s == '\\') {
            s++;
            if (!*s) return -1;
        }
        *o++ = *s++;
    }
    if (*s != '"') return -1;
    *o++ = '\0';
    *p = s + 1;
    *out = o;
    return 0;
}

int bp_lines_hstore(const char *text, char *buf, bp_tag *tags, int max, int *ntags)
{
    const char *p = text;
    char *o = buf;
    *ntags = 0;
    for (;;) {
        while (*p == ' ') p++;
        if (!*p) return *ntags;
        char *key = o;
        if (quoted(&p, &o) < 0) return -1;
        while (*p == ' ') p++;
        if (p[0] != '=' || p[1] != '>') return -1;
        p += 2;
        while (*p == ' ') p++;
        char *val = NULL;
        if (!strncasecmp(p, "NULL", 4)) {
            p += 4;
        } else {
            val = o;
            if (quoted(&p, &o) < 0) return -1;
        }
        if (val && *ntags < max) tags[(*ntags)++] = (bp_tag){key, val};
        while (*p == ' ') p++;
        if (*p == ',') {
            p++;
            continue;
        }
        if (*p) return -1;
        return *ntags;
    }
}

/* ---- reading a layer ---------------------------------------------------------- */

enum { L_LINES, L_AREAS, L_POINTS };

typedef struct {
    const bp_rules *rules;
    bp_build *b;
    bp_read_stats *stats;
    GEOSContextHandle_t h;
    OGRCoordinateTransformationH ct;
    const char **vals;
    bp_tag *tags;
    size_t captags;
    char *buf;
    size_t capbuf;
    double *x, *y;
    size_t capxy;
    size_t highway_key;
    /* progress over all layers */
    GDALProgressFunc progress;
    void *pdata;
    double done, total;
} lstate;

typedef struct {
    OGRLayerH lyr;
    int kind;               /* L_* */
    int ruled;              /* the rules apply (a highway field or other_tags) */
    int other_tags;         /* field index, or -1 */
    int osm_way_id, osm_id; /* multipolygons: field indexes, or -1 */
    int *fields;            /* tag fields */
    int nfields;
    size_t features, used;
} layer;

static int grow_double(double **a, size_t n)
{
    double *p = realloc(*a, n * sizeof **a);
    if (!p) return -1;
    *a = p;
    return 0;
}

/* The keys for which GDAL's OSM driver takes a closed way for an area
 * (closed_ways_are_polygons in its default osmconf.ini), besides area=yes.
 * It drops the area tag itself, so a closed way of the multipolygons layer
 * that has none of these was tagged area=yes. */
static const char *const polygon_keys[] = {"aeroway", "amenity", "boundary", "building", "craft", "geological",
                                           "historic", "landuse", "leisure", "military", "natural", "office",
                                           "place", "shop", "sport", "tourism", NULL};

static int gdal_polygon_key(const bp_tag *tags, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        for (const char *const *k = polygon_keys; *k; k++)
            if (!strcmp(tags[i].key, *k)) return 1;
        if ((!strcmp(tags[i].key, "highway") || !strcmp(tags[i].key, "public_transport")) &&
            !strcmp(tags[i].value, "platform"))
            return 1;
    }
    return 0;
}

/* The feature's tags (fields, then other_tags), bound to the rules' keys;
 * a closed way of the multipolygons layer gets back the area=yes the OSM
 * driver dropped, where nothing else made it an area.  0, -1 out of
 * memory. */
static int feature_tags(lstate *s, const layer *L, OGRFeatureH f, size_t *ntags)
{
    const char *ot = L->other_tags >= 0 && OGR_F_IsFieldSetAndNotNull(f, L->other_tags)
                         ? OGR_F_GetFieldAsString(f, L->other_tags) : "";
    size_t otl = strlen(ot);
    size_t need = (size_t)L->nfields + otl / 6 + 2;
    if (need > s->captags) {
        bp_tag *t = realloc(s->tags, need * sizeof *t);
        if (!t) return -1;
        s->tags = t;
        s->captags = need;
    }
    size_t n = 0;
    OGRFeatureDefnH defn = OGR_F_GetDefnRef(f);
    /* field values are copied: OGR_F_GetFieldAsString reuses one buffer */
    size_t bufneed = otl + 1;
    for (int i = 0; i < L->nfields; i++)
        if (OGR_F_IsFieldSetAndNotNull(f, L->fields[i])) bufneed += strlen(OGR_F_GetFieldAsString(f, L->fields[i])) + 1;
    if (bufneed > s->capbuf) {
        char *nb = realloc(s->buf, bufneed);
        if (!nb) return -1;
        s->buf = nb;
        s->capbuf = bufneed;
    }
    char *o = s->buf + otl + 1;
    for (int i = 0; i < L->nfields; i++) {
        if (!OGR_F_IsFieldSetAndNotNull(f, L->fields[i])) continue;
        const char *v = OGR_F_GetFieldAsString(f, L->fields[i]);
        size_t vl = strlen(v);
        memcpy(o, v, vl + 1);
        s->tags[n++] = (bp_tag){OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, L->fields[i])), o};
        o += vl + 1;
    }
    int more = 0;
    if (otl && bp_lines_hstore(ot, s->buf, s->tags + n, (int)(s->captags - n), &more) < 0) {
        /* malformed: keep the pairs before the fault */
    }
    n += (size_t)more;
    if (L->kind == L_AREAS && L->osm_way_id >= 0 && OGR_F_IsFieldSetAndNotNull(f, L->osm_way_id) &&
        !gdal_polygon_key(s->tags, n))
        s->tags[n++] = (bp_tag){"area", "yes"};
    *ntags = n;
    bp_rules_bind(s->rules, s->tags, n, s->vals);
    return 0;
}

/* The points of a line geometry (transformed) into s->x/s->y; their
 * number, or -1 out of memory. */
static long line_points(lstate *s, OGRGeometryH g)
{
    int n = OGR_G_GetPointCount(g);
    if (n <= 0) return 0;
    if ((size_t)n > s->capxy) {
        size_t c = (size_t)n * 2;
        if (grow_double(&s->x, c) < 0 || grow_double(&s->y, c) < 0) return -1;
        s->capxy = c;
    }
    OGR_G_GetPoints(g, s->x, sizeof(double), s->y, sizeof(double), NULL, 0);
    if (s->ct) {
        int *ok = malloc((size_t)n * sizeof *ok);
        if (!ok) return -1;
        OCTTransformEx(s->ct, n, s->x, s->y, NULL, ok);
        for (int i = 0; i < n; i++)
            if (!ok[i]) s->x[i] = s->y[i] = NAN;
        free(ok);
    }
    return n;
}

/* Adds every line of g (lines of multi-geometries, rings of polygons) as
 * polylines; the number of edges added, -1 out of memory. */
static long add_lines(lstate *s, OGRGeometryH g, unsigned attr)
{
    OGRwkbGeometryType t = wkbFlatten(OGR_G_GetGeometryType(g));
    if (t == wkbLineString || t == wkbLinearRing) {
        long n = line_points(s, g);
        return n < 0 ? -1 : bp_build_polyline(s->b, s->x, s->y, (size_t)n, attr);
    }
    if (OGR_G_IsEmpty(g)) return 0;
    if (t == wkbPolygon || t == wkbMultiPolygon || t == wkbMultiLineString || t == wkbGeometryCollection) {
        long total = 0;
        for (int i = 0; i < OGR_G_GetGeometryCount(g); i++) {
            long r = add_lines(s, OGR_G_GetGeometryRef(g, i), attr);
            if (r < 0) return -1;
            total += r;
        }
        return total;
    }
    if (OGR_GT_IsNonLinear(t)) {
        OGRGeometryH lin = OGR_G_GetLinearGeometry(g, 0, NULL);
        long r = lin ? add_lines(s, lin, attr) : 0;
        if (lin) OGR_G_DestroyGeometry(lin);
        return r;
    }
    return 0;
}

/* g (polygonal) as a GEOS geometry in the analysis CRS, or NULL. */
static GEOSGeometry *to_geos(lstate *s, OGRGeometryH g)
{
    OGRGeometryH c = OGR_G_Clone(g);
    if (!c) return NULL;
    if (s->ct && OGR_G_Transform(c, s->ct) != OGRERR_NONE) {
        OGR_G_DestroyGeometry(c);
        return NULL;
    }
    int len = OGR_G_WkbSize(c);
    unsigned char *wkb = malloc((size_t)len);
    GEOSGeometry *out = NULL;
    if (wkb && OGR_G_ExportToWkb(c, wkbNDR, wkb) == OGRERR_NONE) out = GEOSGeomFromWKB_buf_r(s->h, wkb, (size_t)len);
    free(wkb);
    OGR_G_DestroyGeometry(c);
    return out;
}

/* Are all coordinates numbers within +-1e8 (beyond any projected CRS in
 * metres)?  NaN would otherwise become a vertex no distance can leave. */
static int coords_sane(OGRGeometryH g)
{
    for (int i = 0; i < OGR_G_GetGeometryCount(g); i++)
        if (!coords_sane(OGR_G_GetGeometryRef(g, i))) return 0;
    for (int i = 0; i < OGR_G_GetPointCount(g); i++)
        if (!(fabs(OGR_G_GetX(g, i)) <= 1e8) || !(fabs(OGR_G_GetY(g, i)) <= 1e8)) return 0;
    return 1;
}

static bp_status read_layer(lstate *s, layer *L, const char *what, bp_ctx *ctx)
{
    OGR_L_ResetReading(L->lyr);
    CPLErrorReset();
    OGRFeatureH f;
    bp_status st = BP_OK;
    while (st == BP_OK && (f = OGR_L_GetNextFeature(L->lyr)) != NULL) {
        L->features++;
        s->done++;
        if (s->progress && ((size_t)s->done & 1023) == 0 &&
            !s->progress(s->total > 0 ? fmin(0.95, s->done / s->total) : 0.5, NULL, s->pdata))
            st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
        OGRGeometryH g = OGR_F_GetGeometryRef(f);
        size_t ntags = 0;
        if (st == BP_OK && g && L->ruled && feature_tags(s, L, f, &ntags) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (st == BP_OK && g && !coords_sane(g))
            st = bp_error(ctx, BP_ERR_DATA,
                          "%s: feature %lld has coordinates that are not numbers or lie beyond 100,000 km (a wrong "
                          "CRS or damaged data)",
                          what, (long long)OGR_F_GetFID(f));
        if (st != BP_OK || !g) {
            OGR_F_Destroy(f);
            continue;
        }
        if (L->kind == L_POINTS) {
            unsigned flags = bp_rules_node(s->rules, s->vals);
            if (flags && wkbFlatten(OGR_G_GetGeometryType(g)) == wkbPoint && line_points(s, g) == 1) {
                if (bp_build_node(s->b, s->x[0], s->y[0], flags) < 0)
                    st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
                L->used++;
            }
            OGR_F_Destroy(f);
            continue;
        }
        unsigned attr = 0;
        int walk = BP_WALK_YES, area = 0, relation = 0;
        if (L->ruled) {
            size_t rule;
            walk = bp_rules_way(s->rules, s->vals, &attr, &rule);
            area = bp_rules_area(s->rules, s->vals);
            relation = L->kind == L_AREAS && L->osm_way_id >= 0 && !OGR_F_IsFieldSetAndNotNull(f, L->osm_way_id);
            if (!relation && s->highway_key != (size_t)-1 && s->vals[s->highway_key] && rule < bp_rules_nway(s->rules))
                s->stats->rule_ways[rule]++;
        }
        if (walk != BP_WALK_NO && L->kind == L_AREAS && relation) {
            /* a multipolygon relation: only a pedestrian area is walked,
               along its rings and across */
            if (area) {
                GEOSGeometry *poly = to_geos(s, g);
                if (poly && bp_build_area(s->b, s->h, poly, attr, 1) < 0)
                    st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
                if (poly) s->stats->relations++, L->used++;
            }
        } else if (walk != BP_WALK_NO) {
            long added = add_lines(s, g, attr);
            if (added < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
            if (added > 0) s->stats->ways++, L->used++;
            if (added > 0 && area && L->kind == L_AREAS) { /* a closed way walked across */
                GEOSGeometry *poly = to_geos(s, g);
                if (poly && bp_build_area(s->b, s->h, poly, attr, 0) < 0)
                    st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
            }
        }
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && CPLGetLastErrorType() >= CE_Failure)
        st = bp_error(ctx, BP_ERR_DATA, "%s: read error after %zu features: %s", what, L->features, bp_cpl_msg());
    return st;
}

/* Sets up L for layer lyr: the tag fields, other_tags, the OSM id fields. */
static int layer_setup(layer *L, OGRLayerH lyr, int kind)
{
    memset(L, 0, sizeof *L);
    L->lyr = lyr;
    L->kind = kind;
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(lyr);
    int nf = OGR_FD_GetFieldCount(d);
    L->fields = malloc((nf ? nf : 1) * sizeof *L->fields);
    if (!L->fields) return -1;
    L->other_tags = L->osm_way_id = L->osm_id = -1;
    int highway = 0;
    for (int i = 0; i < nf; i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(d, i);
        const char *name = OGR_Fld_GetNameRef(fd);
        OGRFieldType t = OGR_Fld_GetType(fd);
        if (!strcmp(name, "other_tags")) L->other_tags = i;
        else if (!strcmp(name, "osm_way_id")) L->osm_way_id = i;
        else if (!strcmp(name, "osm_id")) L->osm_id = i;
        else if (!strcmp(name, "z_order")) continue;
        else if (t == OFTString || t == OFTInteger || t == OFTInteger64 || t == OFTReal) {
            L->fields[L->nfields++] = i;
            highway |= !strcmp(name, "highway");
        }
    }
    L->ruled = highway || L->other_tags >= 0;
    return 0;
}

/* A sibling layer of the GDAL OSM driver's output, or NULL. */
static OGRLayerH osm_sibling(GDALDatasetH ds, OGRLayerH lines, const char *name)
{
    OGRLayerH l = GDALDatasetGetLayerByName(ds, name);
    if (!l || l == lines) return NULL;
    return OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), "other_tags") >= 0 ? l : NULL;
}

bp_status bp_lines_read(const char *spec, const bp_rules *rules, bp_build *b, bp_read_stats *stats,
                        const bp_crs *crs, bp_geos *g, char **layers_out, GDALProgressFunc progress, void *pdata,
                        bp_ctx *ctx)
{
    *layers_out = NULL;
    bp_source src;
    bp_status st = bp_source_parse(spec, &src, ctx);
    if (st != BP_OK) return st;
    GDALDatasetH ds;
    OGRLayerH lyr;
    st = bp_source_open(&src, &ds, &lyr, ctx);
    if (st != BP_OK) {
        bp_source_clear(&src);
        return st;
    }
    char what[1024];
    snprintf(what, sizeof what, "%s, layer %s", src.path, OGR_L_GetName(lyr));
    layer L[3];
    int nl = 0;
    memset(L, 0, sizeof L);
    lstate s = {.rules = rules, .b = b, .stats = stats, .h = g->h, .progress = progress, .pdata = pdata,
                .highway_key = bp_rules_key(rules, "highway")};
    size_t nk = bp_rules_nkeys(rules);
    s.vals = calloc(nk ? nk : 1, sizeof *s.vals);
    if (!s.vals || layer_setup(&L[nl++], lyr, L_LINES) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    OGRwkbGeometryType gt = wkbFlatten(OGR_L_GetGeomType(lyr));
    if (st == BP_OK && gt != wkbUnknown && gt != wkbLineString && gt != wkbMultiLineString &&
        gt != wkbGeometryCollection && !OGR_GT_IsCurve(gt) && !OGR_GT_IsNonLinear(gt))
        st = bp_error(ctx, BP_ERR_DATA, "%s: a network must be lines (or an .osm/.osm.pbf file)", what);
    if (st == BP_OK && L[0].other_tags >= 0) {
        OGRLayerH mp = osm_sibling(ds, lyr, "multipolygons"), pt = osm_sibling(ds, lyr, "points");
        if (mp && layer_setup(&L[nl++], mp, L_AREAS) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (st == BP_OK && pt && layer_setup(&L[nl++], pt, L_POINTS) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    if (st == BP_OK) st = bp_crs_transform_for(crs, OGR_L_GetSpatialRef(lyr), what, &s.ct, ctx);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    for (int i = 0; st == BP_OK && i < nl; i++) {
        GIntBig c = OGR_L_GetFeatureCount(L[i].lyr, FALSE);
        s.total += c > 0 ? (double)c : 0;
    }
    for (int i = 0; st == BP_OK && i < nl; i++) {
        char w[1100];
        snprintf(w, sizeof w, "%s, layer %s", src.path, OGR_L_GetName(L[i].lyr));
        /* the siblings share the CRS of the lines (one OSM file) */
        st = read_layer(&s, &L[i], w, ctx);
    }
    CPLPopErrorHandler();
    if (st == BP_OK) {
        char buf[1024] = "";
        for (int i = 0; i < nl; i++) {
            char one[256];
            snprintf(one, sizeof one, "%s (%zu features, %zu used)", OGR_L_GetName(L[i].lyr), L[i].features, L[i].used);
            bp_str_append(buf, sizeof buf, one);
        }
        if (!(*layers_out = bp_strfmt("%s: %s", src.path, buf))) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (st == BP_OK && L[0].features == 0) st = bp_error(ctx, BP_ERR_DATA, "%s: no features", what);
    }
    for (int i = 0; i < 3; i++) free(L[i].fields);
    if (s.ct) OCTDestroyCoordinateTransformation(s.ct);
    free(s.vals);
    free(s.tags);
    free(s.buf);
    free(s.x);
    free(s.y);
    GDALClose(ds);
    bp_source_clear(&src);
    if (st == BP_OK && progress) progress(1.0, NULL, pdata);
    return st;
}
