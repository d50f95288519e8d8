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

/* Is s (digits and separator c, nothing else) digits grouped by three:
 * "1.234", "12.345.678"? */
static int grouped_by_three(const char *s, size_t len, char c)
{
    size_t i = 0;
    while (i < len && s[i] != c) {
        if (!isdigit((unsigned char)s[i])) return 0;
        i++;
    }
    if (i == 0 || i > 3 || i == len) return 0;
    while (i < len) {
        if (s[i] != c || i + 4 > len) return 0;
        for (size_t k = 1; k <= 3; k++)
            if (!isdigit((unsigned char)s[i + k])) return 0;
        i += 4;
    }
    return 1;
}

int bp_targets_parse_count(const char *s, double *out, int *sentinel)
{
    *sentinel = 0;
    *out = NAN;
    while (*s && isspace((unsigned char)*s)) s++;
    size_t len = strlen(s);
    while (len && isspace((unsigned char)s[len - 1])) len--;
    if (!len) return 1;
    int neg = 0;
    if (*s == '-' || *s == '+') {
        neg = *s == '-';
        s++;
        len--;
    }
    /* digits and separators only: no hex (0x10), exponents (1e308), inf */
    size_t dots = 0, commas = 0;
    for (size_t i = 0; i < len; i++) {
        if (s[i] == '.') dots++;
        else if (s[i] == ',') commas++;
        else if (!isdigit((unsigned char)s[i])) return BP_COUNT_NOT_A_NUMBER;
    }
    if (!len || !isdigit((unsigned char)s[0])) return BP_COUNT_NOT_A_NUMBER;
    /* which separator groups thousands and which starts a fraction: with
       both, the last one is the decimal one ("1.234,5", "1,234.5"); with
       one kind, digits grouped by three are thousands ("1.234" as Dutch
       Excel writes 1234, "1,234" as English), else it is a fraction */
    char thousands = 0, decimal = 0;
    if (dots && commas) {
        const char *lastdot = memrchr(s, '.', len), *lastcomma = memrchr(s, ',', len);
        decimal = lastdot > lastcomma ? '.' : ',';
        thousands = decimal == '.' ? ',' : '.';
        if ((decimal == '.' ? dots : commas) != 1) return BP_COUNT_NOT_A_NUMBER;
    } else if (dots || commas) {
        char c = dots ? '.' : ',';
        if (grouped_by_three(s, len, c)) thousands = c;
        else if (dots + commas == 1) decimal = c;
        else return BP_COUNT_NOT_A_NUMBER;
    }
    size_t intlen = decimal ? (size_t)((const char *)memchr(s, decimal, len) - s) : len;
    if (thousands && !grouped_by_three(s, intlen, thousands) && memchr(s, thousands, intlen))
        return BP_COUNT_NOT_A_NUMBER;
    double v = 0;
    size_t digits = 0;
    for (size_t i = 0; i < intlen; i++)
        if (isdigit((unsigned char)s[i])) {
            v = v * 10 + (s[i] - '0');
            digits++;
        }
    for (size_t i = intlen + 1; decimal && i < len; i++)
        if (s[i] != '0') return BP_COUNT_FRACTION; /* homes are counted whole */
    if (neg && v >= -CBS_SENTINEL_MAX) {
        *sentinel = 1;
        return 1;
    }
    if (neg && v > 0) return BP_COUNT_NOT_A_NUMBER;
    if (digits > 15 || v > BP_COUNT_MAX) return BP_COUNT_TOO_LARGE;
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
    bp_cpl_push_quiet(ctx);
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
                st = bp_error(ctx, BP_ERR_DATA, "%s line %ld, column %s: '%s' is not a count of homes (%s)", path, line,
                              cols[i], v,
                              r == BP_COUNT_FRACTION    ? "a whole number; 1.234 and 1,234 are read as 1234"
                              : r == BP_COUNT_TOO_LARGE ? "more than 1,000,000,000"
                                                        : "a whole number >= 0");
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

