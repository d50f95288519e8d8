/*
 * osm_facilities.c — facilities straight from an OpenStreetMap file: every
 * node, and every closed way as an area, that carries one of a category's
 * key=value tags (layers/osm_facilities.yaml holds the defaults).  Names
 * come from the name tag.  Rings that leave the extract are skipped and
 * counted; invalid rings are repaired.
 */
#include "distance/network/network.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* One tagged object: a node (its coordinates) or a closed way (its refs). */
typedef struct {
    int way;
    double lon, lat;       /* a node */
    size_t first, count;   /* a way: range in refs */
    size_t cat;
    char *name;
} match;

typedef struct {
    char ***want;          /* per category: NULL-terminated "key=value", or NULL */
    size_t ncat;
    bp_osm_nodes nodes;    /* every node, for the rings of ways */
    match *m;
    size_t nm, capm;
    int64_t *refs;
    size_t nrefs, caprefs;
    int failed;
} fac_state;

static int tags_match(char **want, const readosm_tag *tags, int n)
{
    for (; want && *want; want++) {
        const char *eq = strchr(*want, '=');
        size_t klen = (size_t)(eq - *want);
        for (int i = 0; i < n; i++)
            if (strlen(tags[i].key) == klen && !strncmp(tags[i].key, *want, klen) && !strcmp(tags[i].value, eq + 1))
                return 1;
    }
    return 0;
}

static int add_match(fac_state *s, match m, const char *name)
{
    if (s->nm == s->capm) {
        size_t nc = s->capm ? s->capm * 2 : 256;
        match *nm = realloc(s->m, nc * sizeof *nm);
        if (!nm) return -1;
        s->m = nm;
        s->capm = nc;
    }
    m.name = name ? bp_strdup(name) : NULL;
    if (name && !m.name) return -1;
    s->m[s->nm++] = m;
    return 0;
}

static int fac_node(const void *ud, const readosm_node *node)
{
    fac_state *s = (fac_state *)ud;
    if (bp_osm_nodes_add(&s->nodes, node) < 0) return s->failed = 1, READOSM_ABORT;
    for (size_t c = 0; node->tag_count && c < s->ncat; c++)
        if (s->want[c] && tags_match(s->want[c], node->tags, node->tag_count)) {
            match m = {.way = 0, .lon = node->longitude, .lat = node->latitude, .count = 1, .cat = c};
            if (add_match(s, m, bp_osm_tag(node->tags, node->tag_count, "name")) < 0)
                return s->failed = 1, READOSM_ABORT;
        }
    return READOSM_OK;
}

static int fac_way(const void *ud, const readosm_way *way)
{
    fac_state *s = (fac_state *)ud;
    int n = way->node_ref_count;
    if (n < 4 || way->node_refs[0] != way->node_refs[n - 1]) return READOSM_OK; /* areas only */
    for (size_t c = 0; c < s->ncat; c++) {
        if (!s->want[c] || !tags_match(s->want[c], way->tags, way->tag_count)) continue;
        if (s->nrefs + (size_t)n > s->caprefs) {
            size_t cap = s->caprefs ? s->caprefs : 1024;
            while (cap < s->nrefs + (size_t)n) cap *= 2;
            int64_t *r = realloc(s->refs, cap * sizeof *r);
            if (!r) return s->failed = 1, READOSM_ABORT;
            s->refs = r;
            s->caprefs = cap;
        }
        match m = {.way = 1, .first = s->nrefs, .count = (size_t)n, .cat = c};
        for (int i = 0; i < n; i++) s->refs[s->nrefs++] = way->node_refs[i];
        if (add_match(s, m, bp_osm_tag(way->tags, way->tag_count, "name")) < 0) return s->failed = 1, READOSM_ABORT;
    }
    return READOSM_OK;
}

/* "key=value, key=value" -> a NULL-terminated array in *out. */
static bp_status parse_tags(const char *text, const char *cat, char ***out, bp_ctx *ctx)
{
    size_t n = 1;
    for (const char *p = text; *p; p++) n += *p == ',';
    char **w = calloc(n + 1, sizeof *w);
    if (!w) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    *out = w;
    size_t k = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == ',') p++;
        const char *e = p;
        while (*e && *e != ',') e++;
        const char *t = e;
        while (t > p && t[-1] == ' ') t--;
        if (t > p) {
            if (!(w[k] = malloc((size_t)(t - p) + 1))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            memcpy(w[k], p, (size_t)(t - p));
            w[k][t - p] = '\0';
            if (!strchr(w[k], '='))
                return bp_error(ctx, BP_ERR_USAGE, "osm_facilities.%s: '%s' is not key=value", cat, w[k]);
            k++;
        }
        p = e;
    }
    return BP_OK;
}

/* The geometry of match m in the analysis CRS: a point, or the way's ring
 * as a polygon (repaired when invalid: *repaired set); NULL when the ring
 * leaves the extract or cannot be built. */
static GEOSGeometry *match_geometry(const fac_state *s, const match *mt, OGRCoordinateTransformationH ct, bp_geos *g,
                                    int *repaired)
{
    size_t n = mt->count;
    double *x = malloc(n * sizeof *x), *y = malloc(n * sizeof *y);
    int ok = x && y;
    for (size_t k = 0; ok && k < n; k++) {
        if (!mt->way) {
            x[k] = mt->lon, y[k] = mt->lat;
            continue;
        }
        size_t idx = bp_osm_nodes_find(&s->nodes, s->refs[mt->first + k]);
        if (idx == (size_t)-1) ok = 0; /* the ring leaves the extract */
        else x[k] = s->nodes.lon[idx], y[k] = s->nodes.lat[idx];
    }
    if (ok && ct && !OCTTransform(ct, (int)n, x, y, NULL)) ok = 0;
    GEOSGeometry *geom = NULL;
    if (ok && !mt->way) geom = GEOSGeom_createPointFromXY_r(g->h, x[0], y[0]);
    else if (ok) {
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, (unsigned)n, 2);
        for (size_t k = 0; cs && k < n; k++) GEOSCoordSeq_setXY_r(g->h, cs, (unsigned)k, x[k], y[k]);
        GEOSGeometry *ring = cs ? GEOSGeom_createLinearRing_r(g->h, cs) : NULL;
        geom = ring ? GEOSGeom_createPolygon_r(g->h, ring, NULL, 0) : NULL;
        if (geom && GEOSisValid_r(g->h, geom) != 1) {
            GEOSGeometry *fixed = GEOSMakeValid_r(g->h, geom);
            GEOSGeom_destroy_r(g->h, geom);
            geom = fixed;
            *repaired = 1;
        }
    }
    free(x);
    free(y);
    return geom;
}

/* Appends a facility to layer l (*cap its capacity); takes geom and name. */
static int layer_append(bp_layer *l, size_t *cap, GEOSGeometry *geom, char *name, int64_t fid, bp_geos *g)
{
    if (l->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        GEOSGeometry **ng = realloc(l->geom, nc * sizeof *ng);
        if (ng) l->geom = ng;
        char **nn = ng ? realloc(l->names, nc * sizeof *nn) : NULL;
        if (nn) l->names = nn;
        int64_t *nf = nn ? realloc(l->fid, nc * sizeof *nf) : NULL;
        if (nf) l->fid = nf;
        if (!nf) return -1;
        *cap = nc;
    }
    int dim = GEOSGeom_getDimensions_r(g->h, geom);
    if (dim > l->max_dim) l->max_dim = dim;
    l->geom[l->n] = geom;
    l->names[l->n] = name;
    l->fid[l->n] = fid;
    l->n++;
    return 0;
}

static void state_free(fac_state *s)
{
    for (size_t i = 0; i < s->nm; i++) free(s->m[i].name);
    free(s->m);
    free(s->refs);
    bp_osm_nodes_free(&s->nodes);
    for (size_t c = 0; s->want && c < s->ncat; c++) {
        for (size_t w = 0; s->want[c] && s->want[c][w]; w++) free(s->want[c][w]);
        free(s->want[c]);
    }
    free(s->want);
}

bp_status bp_osm_facilities(const char *path, char *const *tags, char *const *names, size_t ncat, const bp_crs *crs,
                            bp_geos *g, bp_layer *fac, bp_ctx *ctx)
{
    fac_state s = {.ncat = ncat};
    bp_status st = BP_OK;
    s.want = calloc(ncat ? ncat : 1, sizeof *s.want);
    size_t *cap = calloc(ncat ? ncat : 1, sizeof *cap);
    if (!s.want || !cap) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t c = 0; c < ncat && st == BP_OK; c++)
        if (tags[c]) st = parse_tags(tags[c], names[c], &s.want[c], ctx);
    if (st == BP_OK) st = bp_osm_parse(path, &s, fac_node, fac_way, &s.failed, ctx);
    if (st == BP_OK && bp_osm_nodes_sort(&s.nodes) < 0) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    OGRCoordinateTransformationH ct = NULL;
    if (st == BP_OK) st = bp_crs_transform_from_wgs84(crs, path, &ct, ctx);
    for (size_t c = 0; c < ncat && st == BP_OK; c++)
        if (tags[c]) {
            memset(&fac[c], 0, sizeof fac[c]);
            fac[c].what = bp_strfmt("%s (OpenStreetMap %s)", path, names[c]);
        }
    for (size_t i = 0; i < s.nm && st == BP_OK; i++) {
        match *mt = &s.m[i];
        bp_layer *l = &fac[mt->cat];
        int repaired = 0;
        GEOSGeometry *geom = match_geometry(&s, mt, ct, g, &repaired);
        l->n_read++;
        l->n_repaired += (size_t)repaired;
        if (!geom) {
            l->n_skipped++;
            continue;
        }
        if (layer_append(l, &cap[mt->cat], geom, mt->name, (int64_t)i, g) < 0) {
            GEOSGeom_destroy_r(g->h, geom);
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        mt->name = NULL;
    }
    for (size_t c = 0; c < ncat && st == BP_OK; c++)
        if (tags[c] && fac[c].n == 0)
            bp_warn(ctx,
                    "%s: no OpenStreetMap object tagged %s: category %s has no facilities, so its "
                    "distances are empty and it scores 0 for every plot",
                    path, tags[c], names[c]);
    if (ct) OCTDestroyCoordinateTransformation(ct);
    free(cap);
    state_free(&s);
    return st;
}
