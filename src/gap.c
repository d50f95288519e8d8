/*
 * gap.c — the housing gap: gemeente polygons grouped by code, the woondeal
 * targets CSV (read by GDAL's CSV driver), gap arithmetic with CBS's
 * missing-value sentinels, and the assignment of plots to the gemeente they
 * overlap most.
 */
#include "bp_internal.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cpl_error.h>
#include <cpl_vsi.h>

/* CBS marks secret or missing figures with large negative numbers
 * (-99999999, -99999997, ...). */
#define CBS_SENTINEL_MAX (-99999990.0)

void bp_gap_normalise_code(const char *in, char *buf, size_t size)
{
    while (*in && isspace((unsigned char)*in)) in++;
    size_t len = strlen(in);
    while (len && isspace((unsigned char)in[len - 1])) len--;
    int digits = len > 0 && len <= 4;
    for (size_t i = 0; i < len && digits; i++) digits = isdigit((unsigned char)in[i]);
    if (digits) {
        snprintf(buf, size, "GM%04d", atoi(in));
        return;
    }
    if (len > 2 && (in[0] == 'g' || in[0] == 'G') && (in[1] == 'm' || in[1] == 'M')) {
        snprintf(buf, size, "GM%.*s", (int)(len - 2), in + 2);
        return;
    }
    snprintf(buf, size, "%.*s", (int)len, in);
}

int bp_gap_parse_count(const char *s, double *out, int *sentinel)
{
    *sentinel = 0;
    *out = NAN;
    while (*s && isspace((unsigned char)*s)) s++;
    if (!*s) return 1;
    char tmp[64];
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (len >= sizeof tmp) return -1;
    memcpy(tmp, s, len);
    tmp[len] = '\0';
    if (!strchr(tmp, '.')) { /* a decimal comma, as Dutch spreadsheets write */
        char *comma = strchr(tmp, ',');
        if (comma && !strchr(comma + 1, ',')) *comma = '.';
    }
    char *end;
    errno = 0;
    double v = strtod(tmp, &end);
    if (*end || end == tmp || errno == ERANGE || !isfinite(v)) return -1;
    if (v <= CBS_SENTINEL_MAX) {
        *sentinel = 1;
        return 1;
    }
    if (v < 0) return -1;
    *out = v;
    return 0;
}

int bp_gap_compute(double opgave, double plannen, double gerealiseerd, double *gap, double *share)
{
    if (isnan(opgave) || isnan(plannen) || isnan(gerealiseerd)) {
        *gap = *share = NAN;
        return 0;
    }
    double g = opgave - plannen - gerealiseerd;
    *gap = g > 0 ? g : 0;
    *share = opgave > 0 ? *gap / opgave : 0.0;
    return 1;
}

void bp_gap_clear(bp_gemeenten *gm, bp_geos *g)
{
    if (!gm) return;
    for (size_t i = 0; i < gm->n; i++) {
        free(gm->g[i].code);
        free(gm->g[i].name);
        if (gm->g[i].geom) GEOSGeom_destroy_r(g->h, gm->g[i].geom);
    }
    free(gm->g);
    gm->g = NULL;
    gm->n = 0;
}

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

bp_status bp_gap_gemeenten(const bp_layer *layer, const char *code_field, const char *name_field,
                           bp_geos *g, bp_gemeenten *out, bp_ctx *ctx)
{
    memset(out, 0, sizeof *out);
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
        bp_gap_normalise_code(OGR_F_GetFieldAsString(f, ci), ord[i].code, sizeof ord[i].code);
        ord[i].idx = i;
    }
    qsort(ord, layer->n, sizeof *ord, cmp_code_idx);
    bp_status st = BP_OK;
    out->g = calloc(layer->n, sizeof *out->g);
    if (!out->g) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; st == BP_OK && i < layer->n;) {
        size_t j = i;
        while (j < layer->n && strcmp(ord[j].code, ord[i].code) == 0) j++;
        bp_gemeente *gm = &out->g[out->n++];
        for (int t = 0; t < BP_NTYPES; t++) gm->opgave[t] = gm->plannen[t] = gm->gerealiseerd[t] = NAN;
        gm->code = bp_strdup(ord[i].code);
        const char *nm = NULL;
        for (size_t k = i; k < j && ni >= 0 && !nm; k++)
            if (OGR_F_IsFieldSetAndNotNull(layer->feat[ord[k].idx], ni))
                nm = OGR_F_GetFieldAsString(layer->feat[ord[k].idx], ni);
        gm->name = bp_strdup(nm ? nm : "");
        if (j - i == 1) {
            gm->geom = GEOSGeom_clone_r(g->h, layer->geom[ord[i].idx]);
        } else {
            GEOSGeometry **parts = malloc((j - i) * sizeof *parts);
            if (parts) {
                for (size_t k = i; k < j; k++) parts[k - i] = GEOSGeom_clone_r(g->h, layer->geom[ord[k].idx]);
                GEOSGeometry *coll = GEOSGeom_createCollection_r(g->h, GEOS_GEOMETRYCOLLECTION, parts,
                                                                 (unsigned)(j - i));
                free(parts);
                if (coll) {
                    gm->geom = GEOSUnaryUnion_r(g->h, coll);
                    GEOSGeom_destroy_r(g->h, coll);
                }
            }
        }
        if (!gm->code || !gm->name || !gm->geom)
            st = bp_error(ctx, BP_ERR_DATA, "%s: cannot merge the polygons of gemeente %s: %s",
                          layer->what, ord[i].code, g->msg);
        i = j;
    }
    free(ord);
    if (st != BP_OK) bp_gap_clear(out, g);
    return st;
}

static bp_gemeente *find_gemeente(bp_gemeenten *gm, const char *code)
{
    size_t lo = 0, hi = gm->n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(gm->g[mid].code, code);
        if (c == 0) return &gm->g[mid];
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return NULL;
}

/* Index of a column by name, ignoring case and surrounding blanks. */
static int find_column(OGRFeatureDefnH defn, const char *name)
{
    int n = OGR_FD_GetFieldCount(defn);
    for (int i = 0; i < n; i++) {
        const char *f = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i));
        while (*f && isspace((unsigned char)*f)) f++;
        size_t len = strlen(f);
        while (len && isspace((unsigned char)f[len - 1])) len--;
        if (len == strlen(name) && strncasecmp(f, name, len) == 0) return i;
    }
    return -1;
}

/* woningtype values as written in practice: "nultreden", "Nultredenwoning",
 * "geclusterde woonvorm", "zorggeschikte woning". */
static int parse_woningtype(const char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    static const char *const stems[BP_NTYPES] = {"nultreden", "geclusterd", "zorggeschikt"};
    for (int t = 0; t < BP_NTYPES; t++)
        if (strncasecmp(s, stems[t], strlen(stems[t])) == 0) return t;
    return -1;
}

static int is_blank(const char *s)
{
    while (*s && isspace((unsigned char)*s)) s++;
    return !*s;
}

/* The line each CSV record starts on (records as GDAL's CSV driver counts
 * them: quoted values may span lines, empty lines are no records), so that
 * messages name the line a spreadsheet user sees.  lines[k] is the line of
 * record k (0 = the header); returns the count, 0 when unreadable. */
static size_t record_lines(const char *path, long **lines)
{
    *lines = NULL;
    VSILFILE *f = VSIFOpenL(path, "rb");
    if (!f) return 0;
    size_t n = 0, cap = 0;
    long line = 1, start = 1;
    int in_quotes = 0, content = 0;
    char buf[65536];
    size_t got;
    for (;;) {
        got = VSIFReadL(buf, 1, sizeof buf, f);
        for (size_t i = 0; i <= got; i++) {
            int end = i == got;
            if (end && got) break;
            char ch = end ? '\n' : buf[i];
            if (ch == '"') in_quotes = !in_quotes;
            if (ch == '\n' && (!in_quotes || end)) {
                if (content) {
                    if (n == cap) {
                        cap = cap ? cap * 2 : 256;
                        long *nl = realloc(*lines, cap * sizeof *nl);
                        if (!nl) {
                            VSIFCloseL(f);
                            return n;
                        }
                        *lines = nl;
                    }
                    (*lines)[n++] = start;
                }
                content = 0;
                if (!end) line++;
                start = line;
                continue;
            }
            if (ch == '\n') line++;
            if (!content && ch != '\r') content = 1; /* GDAL counts a line of blanks */
        }
        if (got == 0) break;
    }
    VSIFCloseL(f);
    return n;
}

bp_status bp_gap_read_targets(bp_gemeenten *gm, const char *path, bp_ctx *ctx)
{
    static const char *const cols[] = {"gemeente_code", "woningtype", "opgave", "plannen", "gerealiseerd"};
    const char *allowed[] = {"CSV", NULL};
    const char *oo[] = {"AUTODETECT_TYPE=NO", "HEADERS=YES", "EMPTY_STRING_AS_NULL=NO", NULL};
    CPLErrorReset();
    CPLPushErrorHandler(CPLQuietErrorHandler);
    char *csvpath = bp_strfmt("CSV:%s", path);
    GDALDatasetH ds = csvpath ? GDALOpenEx(csvpath, GDAL_OF_VECTOR | GDAL_OF_READONLY, allowed, oo, NULL) : NULL;
    free(csvpath);
    CPLPopErrorHandler();
    if (!ds) {
        FILE *f = fopen(path, "rb");
        if (!f) return bp_error(ctx, BP_ERR_USAGE, "%s: %s", path, strerror(errno));
        fclose(f);
        return bp_error(ctx, BP_ERR_DATA, "%s: not a CSV file GDAL can read (%s)", path, bp_cpl_msg());
    }
    OGRLayerH lyr = GDALDatasetGetLayer(ds, 0);
    OGRFeatureDefnH defn = OGR_L_GetLayerDefn(lyr);
    int idx[5];
    char missing[128] = "";
    for (int i = 0; i < 5; i++) {
        idx[i] = find_column(defn, cols[i]);
        if (idx[i] < 0) snprintf(missing + strlen(missing), sizeof missing - strlen(missing), "%s%s",
                                 missing[0] ? ", " : "", cols[i]);
    }
    if (missing[0]) {
        char found[256] = "";
        for (int i = 0; i < OGR_FD_GetFieldCount(defn); i++)
            snprintf(found + strlen(found), sizeof found - strlen(found), "%s%s", i ? ", " : "",
                     OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(defn, i)));
        GDALClose(ds);
        return bp_error(ctx, BP_ERR_DATA,
                        "%s: missing column(s) %s (found: %s); expected gemeente_code, woningtype, "
                        "opgave, plannen, gerealiseerd, separated by comma or semicolon",
                        path, missing, found[0] ? found : "none");
    }
    long *seen_line = calloc(gm->n * BP_NTYPES, sizeof *seen_line);
    if (!seen_line) {
        GDALClose(ds);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    bp_status st = BP_OK;
    size_t rows = 0;
    long *lines = NULL;
    size_t nlines = record_lines(path, &lines);
    OGRFeatureH f;
    OGR_L_ResetReading(lyr);
    while (st == BP_OK && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        long rec = (long)OGR_F_GetFID(f); /* FID 1 is the record after the header */
        long line = rec >= 0 && (size_t)rec < nlines ? lines[rec] : rec + 1;
        const char *code_s = OGR_F_IsFieldSetAndNotNull(f, idx[0]) ? OGR_F_GetFieldAsString(f, idx[0]) : "";
        const char *type_s = OGR_F_IsFieldSetAndNotNull(f, idx[1]) ? OGR_F_GetFieldAsString(f, idx[1]) : "";
        int blank = is_blank(code_s) && is_blank(type_s);
        for (int i = 2; i < 5 && blank; i++)
            blank = !OGR_F_IsFieldSetAndNotNull(f, idx[i]) || is_blank(OGR_F_GetFieldAsString(f, idx[i]));
        if (blank) { /* an empty line, as spreadsheets leave at the end */
            OGR_F_Destroy(f);
            continue;
        }
        rows++;
        char code[32];
        bp_gap_normalise_code(code_s, code, sizeof code);
        int t = parse_woningtype(type_s);
        bp_gemeente *g = NULL;
        if (!code[0])
            st = bp_error(ctx, BP_ERR_DATA, "%s line %ld: gemeente_code is empty", path, line);
        else if (t < 0)
            st = bp_error(ctx, BP_ERR_DATA,
                          "%s line %ld: woningtype '%s' is not nultreden, geclusterd or zorggeschikt",
                          path, line, type_s);
        else if (!(g = find_gemeente(gm, code)))
            st = bp_error(ctx, BP_ERR_DATA, "%s line %ld: gemeente_code %s has no polygon in the gemeenten layer",
                          path, line, code);
        else if (seen_line[(size_t)(g - gm->g) * BP_NTYPES + (size_t)t])
            st = bp_error(ctx, BP_ERR_DATA, "%s line %ld: %s %s appears twice (also on line %ld)", path,
                          line, code, bp_type_name((bp_type)t),
                          seen_line[(size_t)(g - gm->g) * BP_NTYPES + (size_t)t]);
        for (int i = 2; st == BP_OK && i < 5; i++) {
            const char *v = OGR_F_IsFieldSetAndNotNull(f, idx[i]) ? OGR_F_GetFieldAsString(f, idx[i]) : "";
            double num;
            int sentinel;
            int r = bp_gap_parse_count(v, &num, &sentinel);
            if (r < 0) {
                st = bp_error(ctx, BP_ERR_DATA, "%s line %ld, column %s: '%s' is not a count (a number >= 0)",
                              path, line, cols[i], v);
                break;
            }
            if (r == 1)
                bp_warn(ctx, "%s line %ld, column %s: %s; the %s gap of %s is unknown", path, line, cols[i],
                        sentinel ? "CBS marks the value as secret or missing" : "empty",
                        bp_type_name((bp_type)t), code);
            double *slot = i == 2 ? g->opgave : i == 3 ? g->plannen : g->gerealiseerd;
            slot[t] = num;
        }
        if (st == BP_OK) {
            g->has_target[t] = 1;
            seen_line[(size_t)(g - gm->g) * BP_NTYPES + (size_t)t] = line;
        }
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && rows == 0) st = bp_error(ctx, BP_ERR_DATA, "%s: no rows", path);
    free(lines);
    free(seen_line);
    GDALClose(ds);
    return st;
}

/* Gemeente hits of one plot; 64 is far more than can overlap one plot. */
typedef struct {
    size_t hits[64];
    size_t n;
} hit_list;

static void add_hit(size_t idx, void *ud)
{
    hit_list *acc = ud;
    if (acc->n < 64) acc->hits[acc->n++] = idx;
}

bp_status bp_gap_assign(const bp_gemeenten *gm, GEOSGeometry *const *plots, size_t n,
                        const char *const *ids, bp_geos *g, size_t *assign, bp_ctx *ctx)
{
    GEOSGeometry **geoms = malloc(gm->n * sizeof *geoms);
    const GEOSPreparedGeometry **prep = calloc(gm->n, sizeof *prep);
    bp_sindex *ix = NULL;
    bp_status st = BP_OK;
    if (!geoms || !prep) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < gm->n; i++) {
        geoms[i] = gm->g[i].geom;
        prep[i] = GEOSPrepare_r(g->h, geoms[i]);
        if (!prep[i]) {
            st = bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", g->msg);
            goto out;
        }
    }
    ix = bp_sindex_new(g->h, geoms, gm->n);
    if (!ix) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    hit_list acc;
    for (size_t i = 0; i < n && st == BP_OK; i++) {
        acc.n = 0;
        bp_sindex_query(ix, plots[i], 0, add_hit, &acc);
        size_t best = (size_t)-1;
        double best_area = -1;
        int dim = GEOSGeom_getDimensions_r(g->h, plots[i]);
        for (size_t k = 0; k < acc.n; k++) {
            size_t gi = acc.hits[k];
            if (dim == 2 && GEOSPreparedContains_r(g->h, prep[gi], plots[i]) == 1) {
                best = gi;
                break;
            }
            if (GEOSPreparedIntersects_r(g->h, prep[gi], plots[i]) != 1) continue;
            double a = 0;
            if (dim == 2) {
                GEOSGeometry *x = GEOSIntersection_r(g->h, geoms[gi], plots[i]);
                if (x) {
                    GEOSArea_r(g->h, x, &a);
                    GEOSGeom_destroy_r(g->h, x);
                }
            } else if (dim == 1) {
                GEOSGeometry *x = GEOSIntersection_r(g->h, geoms[gi], plots[i]);
                if (x) {
                    GEOSLength_r(g->h, x, &a);
                    GEOSGeom_destroy_r(g->h, x);
                }
            }
            if (a > best_area || (a == best_area && gi < best)) {
                best_area = a;
                best = gi;
            }
        }
        if (best == (size_t)-1)
            st = bp_error(ctx, BP_ERR_DATA,
                          "candidate plot %s lies outside every gemeente polygon (wrong CRS, or a "
                          "gemeente missing from the layer?)",
                          ids[i]);
        assign[i] = best;
    }
out:
    bp_sindex_free(ix);
    for (size_t i = 0; prep && i < gm->n; i++)
        if (prep[i]) GEOSPreparedGeom_destroy_r(g->h, prep[i]);
    free(prep);
    free(geoms);
    return st;
}

