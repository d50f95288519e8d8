/*
 * core/ — what every stage of the library stands on: the error and warning
 * context (bp_ctx), GEOS contexts that report into a buffer, small string
 * helpers, a key/value list (the rows of run_info), thread counts, and the
 * phase timer behind CPL_DEBUG=BODNAARPLOT.
 *
 * Nothing here knows about plots, facilities or gemeenten.  Nothing here
 * holds mutable global state: every function works on what it is given.
 *
 * Module prefixes: bp_ctx_ / bp_error / bp_warn (ctx.c), bp_geos_ (geos.c),
 * bp_str* / bp_kv_ / bp_nthreads / bp_debug_phase (util.c).
 */
#ifndef BP_CORE_H
#define BP_CORE_H

#include "bodnaarplot.h"

#include <stdarg.h>
#include <stdint.h>
#include <time.h>
#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <geos_c.h>
#include <cpl_error.h>

#if defined(__GNUC__)
#define BP_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define BP_PRINTF(a, b)
#endif

/* ---- ctx.c: errors and warnings ------------------------------------------ */

/* Records an error; only the first error since bp_ctx_clear() is kept, so
 * the message names the root cause.  Returns 'status' for tail calls.
 * ctx may be NULL (the error is then dropped). */
bp_status bp_error(bp_ctx *ctx, bp_status status, const char *fmt, ...) BP_PRINTF(3, 4);
/* Replaces the recorded error by "PREFIX: <the error>", keeping its status;
 * for callers that add which input they were reading. */
void bp_error_prefix(bp_ctx *ctx, const char *fmt, ...) BP_PRINTF(2, 3);
/* Records a warning and passes it to the warning handler. */
void bp_warn(bp_ctx *ctx, const char *fmt, ...) BP_PRINTF(2, 3);
/* Last message GDAL/OGR raised on this thread (CPLGetLastErrorMsg), or
 * "unknown error". */
const char *bp_cpl_msg(void);
/* 1 when a message says a library ran out of memory ("out of memory",
 * "std::bad_alloc", ...).  bp_error() records such errors as BP_ERR_NOMEM
 * whatever status it was given. */
int bp_oom_text(const char *msg);
/* 1 when GDAL's last error on this thread is an allocation failure. */
int bp_cpl_oom(void);
/* A GDAL error handler that prints nothing but debug messages (CPL_DEBUG),
 * for code that checks CPLGetLastErrorType() itself; a fatal error (GDAL aborts next) goes to
 * bp_ctx_fatal() of the ctx pushed with it: bp_cpl_push_quiet(ctx). */
void CPL_STDCALL bp_cpl_quiet(CPLErr cls, CPLErrorNum num, const char *msg);
#define bp_cpl_push_quiet(ctx) CPLPushErrorHandlerEx(bp_cpl_quiet, (ctx))

/* Temporary files a run is writing, removed by bp_ctx_fatal() before a
 * library aborts the process.  Fixed slots (no allocation): track returns
 * 0, or -1 when the path is too long or all BP_CTX_MAX_TMP slots are used. */
#define BP_CTX_MAX_TMP 4
int bp_ctx_track_tmp(bp_ctx *ctx, const char *path);
void bp_ctx_untrack_tmp(bp_ctx *ctx, const char *path);
/* A library meets an error it cannot return from (GDAL aborts after a
 * CE_Fatal error): removes the tracked temporary files and calls the
 * fatal handler of ctx, if any. */
void bp_ctx_fatal(bp_ctx *ctx, const char *msg);
/* A context for a helper thread of a stage (a bp_ctx is never shared
 * between threads): the fatal handler and temporary files of parent, no
 * warning handler.  NULL when out of memory.  bp_ctx_adopt() then passes
 * its warnings and its error (when parent has none) to parent, on the
 * parent's thread, after the helper ended; free it with bp_ctx_free(). */
bp_ctx *bp_ctx_new_helper(const bp_ctx *parent);
void bp_ctx_adopt(bp_ctx *parent, const bp_ctx *helper);

/* ---- geos.c: one GEOS context per thread ---------------------------------- */

/* A GEOS context whose errors go to msg (notices are dropped: invalid input
 * is checked and counted instead).  One per thread; never shared. */
typedef struct {
    GEOSContextHandle_t h;
    char msg[512];
} bp_geos;
/* Returns BP_OK or BP_ERR_NOMEM (ctx may be NULL). */
bp_status bp_geos_init(bp_geos *g, bp_ctx *ctx);
/* Releases the context; safe on a zeroed or finished bp_geos. */
void bp_geos_finish(bp_geos *g);

/* ---- format.c: output formats -------------------------------------------- */

/* The formats bodnaarplot writes, as -f names them (GDAL driver names). */
typedef enum {
    BP_FMT_AUTO = 0,     /* from the output name */
    BP_FMT_GPKG,
    BP_FMT_FLATGEOBUF,
    BP_FMT_GEOJSON,
    BP_FMT_CSV,
    BP_FMT_POSTGRESQL
} bp_format;

/* The format of a name as -f takes it (GDAL driver names, case-insensitive;
 * also "geopackage", "fgb", "json", "pg"), or BP_FMT_AUTO when unknown. */
bp_format bp_format_parse(const char *name);
/* The GDAL driver name of a format ("GPKG", ...; "" for BP_FMT_AUTO). */
const char *bp_format_name(bp_format f);
/* ".gpkg", ".fgb", ".geojson", ".csv"; NULL for PostgreSQL and AUTO. */
const char *bp_format_extension(bp_format f);
/* The format an output name implies: "PG:..." PostgreSQL; .fgb,
 * .geojson/.json, .csv; else GPKG. */
bp_format bp_format_of_output(const char *output);

/* ---- embedded.c: files of layers/ built into the library ------------------ */

/* The text of layers/NAME.yaml as built in, or NULL. */
const char *bp_embedded_text(const char *name);
/* The text of layers/NAME.qml as built in, or NULL. */
const char *bp_embedded_qml(const char *name);
/* The text of the embedded script NAME (src/output/NAME.py), or NULL. */
const char *bp_embedded_script(const char *name);
/* Names of the built-in layer definitions (layers/NAME.yaml), in name
 * order, NULL-terminated. */
const char *const *bp_embedded_names(void);

/* ---- util.c --------------------------------------------------------------- */

/* strdup; NULL for NULL or when out of memory. */
char *bp_strdup(const char *s);
/* Formats into a new string; NULL when out of memory. */
char *bp_strfmt(const char *fmt, ...) BP_PRINTF(1, 2);
/* Appends "; TEXT" (or TEXT when buf is empty) to buf, truncating. */
void bp_str_append(char *buf, size_t size, const char *text);

/* A list of key/value string pairs in insertion order (run_info rows). */
typedef struct {
    char **key, **value;
    size_t n, cap;
} bp_kv;
/* Appends a copy of key and value (NULL value: ""); returns 0, or -1 when
 * out of memory (the list is unaltered). */
int bp_kv_add(bp_kv *kv, const char *key, const char *value);
int bp_kv_addf(bp_kv *kv, const char *key, const char *fmt, ...) BP_PRINTF(3, 4);
/* Sets key: replaces the value of the first row with that key, else
 * appends.  Returns 0 or -1 (out of memory, unaltered). */
int bp_kv_set(bp_kv *kv, const char *key, const char *value);
/* Value of the first row with that key, or NULL. */
const char *bp_kv_get(const bp_kv *kv, const char *key);
/* Removes every row whose key starts with prefix. */
void bp_kv_remove_prefix(bp_kv *kv, const char *prefix);
/* Deep copy into *dst (emptied first); returns 0 or -1. */
int bp_kv_copy(bp_kv *dst, const bp_kv *src);
void bp_kv_clear(bp_kv *kv);

/* Threads to use: n when n > 0, else the number of online processors. */
int bp_nthreads(int n);

/* Logs the time since *last as a GDAL debug message (shown with
 * CPL_DEBUG=BODNAARPLOT) and sets *last to now. */
void bp_debug_phase(const char *name, struct timespec *last);
/* Marks the start of phase 'name' ("begin NAME" with CPL_DEBUG=BODNAARPLOT).
 * A test hook: when BODNAARPLOT_TEST_PAUSE=NAME:MS is set in the
 * environment, the phase NAME waits MS milliseconds first, so a test can
 * send a signal while the run is in that phase. */
void bp_debug_begin(const char *name);

/* A guard for SQLite statements a user wrote (the --filter, a --where on a
 * GeoPackage): installed with sqlite3_progress_handler(db,
 * BP_SQL_GUARD_EVERY, bp_sql_guard_step, &guard), it stops the statement
 * after max_steps virtual machine steps (a recursive CTE runs for ever),
 * and when the run's progress callback, asked every 50 ms, says stop
 * (Ctrl-C between two heavy SpatiaLite calls). */
typedef struct {
    long long steps, max_steps;
    int stopped;                 /* the progress callback said stop */
    GDALProgressFunc progress;   /* may be NULL */
    void *pdata;
    double done;                 /* the fraction to report */
    struct timespec last;
} bp_sql_guard;
#define BP_SQL_GUARD_EVERY 16
void bp_sql_guard_init(bp_sql_guard *g, long long max_steps, GDALProgressFunc progress, void *pdata, double done);
/* The progress handler: non-zero stops the statement. */
int bp_sql_guard_step(void *guard);
/* Did the guard stop the statement for too many steps? */
#define bp_sql_guard_exhausted(g) ((g)->steps > (g)->max_steps)

/* Seconds between two CLOCK_MONOTONIC readings. */
double bp_seconds(const struct timespec *from, const struct timespec *to);

#endif /* BP_CORE_H */
