/*
 * targets.c — the woondeal targets CSV (read by GDAL's CSV driver):
 * comma or semicolon separated, columns in any order and case, gemeente
 * codes in any of the usual spellings, CBS's missing-value sentinels, and
 * messages that name the line a spreadsheet user sees.
 */
#include "input/input.h"

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

void bp_targets_normalise_code(const char *in, char *buf, size_t size)
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

int bp_targets_parse_count(const char *s, double *out, int *sentinel)
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

static bp_gm *find_gemeente(bp_result *r, const char *code)
{
    size_t lo = 0, hi = r->ngm;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(r->gm[mid].code, code);
        if (c == 0) return &r->gm[mid];
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

bp_status bp_targets_read(const char *path, bp_result *r, bp_ctx *ctx)
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
    long *seen_line = calloc((r->ngm ? r->ngm : 1) * BP_NTYPES, sizeof *seen_line);
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
        bp_targets_normalise_code(code_s, code, sizeof code);
        int t = parse_woningtype(type_s);
        bp_gm *g = NULL;
        if (!code[0])
            st = bp_error(ctx, BP_ERR_DATA, "%s line %ld: gemeente_code is empty", path, line);
        else if (t < 0)
            st = bp_error(ctx, BP_ERR_DATA,
                          "%s line %ld: woningtype '%s' is not nultreden, geclusterd or zorggeschikt",
                          path, line, type_s);
        else if (!(g = find_gemeente(r, code)))
            st = bp_error(ctx, BP_ERR_DATA, "%s line %ld: gemeente_code %s has no polygon in the gemeenten layer",
                          path, line, code);
        else if (seen_line[(size_t)(g - r->gm) * BP_NTYPES + (size_t)t])
            st = bp_error(ctx, BP_ERR_DATA, "%s line %ld: %s %s appears twice (also on line %ld)", path,
                          line, code, bp_type_name((bp_type)t),
                          seen_line[(size_t)(g - r->gm) * BP_NTYPES + (size_t)t]);
        for (int i = 2; st == BP_OK && i < 5; i++) {
            const char *v = OGR_F_IsFieldSetAndNotNull(f, idx[i]) ? OGR_F_GetFieldAsString(f, idx[i]) : "";
            double num;
            int sentinel;
            int r = bp_targets_parse_count(v, &num, &sentinel);
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
            seen_line[(size_t)(g - r->gm) * BP_NTYPES + (size_t)t] = line;
        }
        OGR_F_Destroy(f);
    }
    if (st == BP_OK && rows == 0) st = bp_error(ctx, BP_ERR_DATA, "%s: no rows", path);
    free(lines);
    free(seen_line);
    GDALClose(ds);
    return st;
}

