/*
 * serve/ — `bodnaarplot serve`: the live workshop map.  A small web server
 * (libmicrohttpd) over one result GeoPackage: it serves one page (web/,
 * embedded at build time), Debian's Leaflet (read from disk at start), the
 * GeoPackage's layers as GeoJSON in WGS84, and a JSON API that re-ranks the
 * in-memory result, explains a plot, records decisions, and computes the
 * parties' consensus and a plot's rank stability.
 *
 * Owns: the daemon and its routes (serve.c), a JSON reader and writer
 * (json.c), the geometry read once at start (geo.c), consensus and rank
 * stability (stability.c).  Holds no global state: everything lives in one
 * bp_serve_state per bp_serve() call; the in-memory results are a pool,
 * each behind its own mutex, so concurrent re-ranks never share one.
 *
 * Module prefix: bp_serve_.
 */
#ifndef BP_SERVE_H
#define BP_SERVE_H

#include "core/core.h"
#include "result/result.h"

/* ---- json.c: a growing text buffer and a small JSON reader ------------- */

typedef struct {
    char *s;
    size_t len, cap;
    int oom;  /* an append failed: the text is incomplete */
} bp_serve_buf;

/* Appends; on failure sets b->oom and leaves the text as it was. */
void bp_serve_buf_add(bp_serve_buf *b, const char *s, size_t n);
void bp_serve_buf_puts(bp_serve_buf *b, const char *s);
void bp_serve_buf_printf(bp_serve_buf *b, const char *fmt, ...) BP_PRINTF(2, 3);
/* Appends s as a JSON string literal (quotes, escapes; < > & as \u escapes
 * so the text is safe inside HTML too); NULL gives null. */
void bp_serve_buf_json_str(bp_serve_buf *b, const char *s);
/* Appends a number: finite with up to 'dec' decimals, trailing zeros
 * dropped; NaN and infinities give null. */
void bp_serve_buf_num(bp_serve_buf *b, double v, int dec);
void bp_serve_buf_free(bp_serve_buf *b);

typedef enum { BP_JSON_NULL, BP_JSON_BOOL, BP_JSON_NUM, BP_JSON_STR, BP_JSON_ARR, BP_JSON_OBJ } bp_json_kind;
typedef struct bp_json bp_json;
struct bp_json {
    bp_json_kind kind;
    double num;        /* NUM, BOOL (0/1) */
    char *str;         /* STR (UTF-8, NUL-free) */
    size_t n;          /* ARR, OBJ entries */
    char **keys;       /* OBJ keys */
    bp_json **items;
};
/* Parses JSON text of 'len' bytes (depth <= 16, <= 100000 values, strings
 * without NUL).  Returns a new tree the caller frees with
 * bp_serve_json_free(), or NULL when the text is not such JSON (or memory
 * ran out); 'err' (may be NULL) then gets a short reason. */
bp_json *bp_serve_json_parse(const char *text, size_t len, const char **err);
void bp_serve_json_free(bp_json *j);
/* The value of 'key' in an object, or NULL (also when j is no object). */
const bp_json *bp_serve_json_get(const bp_json *j, const char *key);

/* ---- geo.c: the GeoPackage's geometry, read once, in WGS84 ------------- */

typedef struct {
    char *plots;       /* JSON: ids, points and ring offsets, see geo.c */
    size_t plots_len;
    char *layer_json[3];  /* GeoJSON of gemeente_gap, facilities, walk_network (NULL: absent) */
    size_t layer_len[3];
    double bbox[4];    /* lon/lat of the candidates */
    int64_t *fid;      /* per plot its feature id in candidates (-1: none) */
} bp_serve_geo;

/* The optional layers, in the order of layer_json. */
extern const char *const bp_serve_geo_layers[3];

/* Reads the candidates (in the order of r's plots, matched by plot_id) and
 * the optional layers of 'gpkg', transformed to WGS84 and simplified to
 * 'tolerance_m'.  BP_OK, or BP_ERR_USAGE/BP_ERR_DATA/BP_ERR_NOMEM with g
 * emptied.  Free with bp_serve_geo_free(). */
bp_status bp_serve_geo_read(bp_serve_geo *g, const char *gpkg, const bp_result *r, double tolerance_m,
                            bp_ctx *ctx);
void bp_serve_geo_free(bp_serve_geo *g);
/* Appends the attributes of candidate feature 'fid' of 'gpkg' as a JSON
 * object of strings (every set field) to b, opening the file for this call
 * only (so it sees decisions saved since).  BP_ERR_USAGE when there is no
 * such feature, BP_ERR_IO when the file cannot be opened. */
bp_status bp_serve_geo_attributes(const char *gpkg, int64_t fid, bp_serve_buf *b, bp_ctx *ctx);

/* ---- stability.c: consensus and rank stability -------------------------- */

/* The value that ranks plot i for 'w' (ncat weights) and gap weight g,
 * up to a factor common to all plots: mult_i * sum_c w_c s_ic, with
 * mult_i = 1 - g (1 - share_i).  Exposed for the tests. */
double bp_serve_value(const bp_result *r, size_t i, const double *w, double g);

/* How far weight k (k < ncat) or the gap weight (k == ncat) can move,
 * the others fixed, while plot p stays among the first 'topn' of the plots
 * not knocked out, for the profile r is ranked for with weights w and gap
 * weight g: [*lo, *hi] (hi INFINITY: no upper limit; the gap weight within
 * [0, 1]).  Returns 1, or 0 when p is not in the top N (or knocked out)
 * at the given weights; -1 when out of memory. */
int bp_serve_stability(const bp_result *r, size_t p, const double *w, double g, size_t topn, size_t k,
                       double *lo, double *hi);

#endif /* BP_SERVE_H */
