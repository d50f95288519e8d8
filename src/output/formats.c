/*
 * formats.c — outputs other than the GeoPackage, selected like ogr2ogr's -f:
 *   FlatGeobuf  the candidates layer, in the analysis CRS, spatial index;
 *   GeoJSON     the candidates layer in WGS84 (RFC 7946), for web maps;
 *   CSV         the ranked list: every field of candidates and x_rd, y_rd,
 *               a point on the plot's surface in the analysis CRS;
 *   PostgreSQL  every layer (candidates, gemeente_gap, facilities,
 *               run_info) into a PG: database in one transaction.
 * Each is converted with GDALVectorTranslate from the complete GeoPackage
 * the export builds first, so every format holds the same values.
 *
 * Files are written to a temporary file beside the output, read back (GDAL
 * 3.6's GeoJSON and CSV writers ignore failed writes: a full disk would
 * leave a truncated file and no error), and renamed into place by the
 * caller.  The database is written in one transaction: it must have
 * PostGIS, a schema given as active_schema must exist, existing tables are
 * refused unless overwrite, and tables that views or foreign keys depend on
 * are never dropped.  While another session holds a lock on the tables the
 * write waits, looking at the progress callback (Ctrl-C) every 100 ms;
 * lock waits inside the write time out after half a second and the write
 * is tried again.
 */
#include "output/output.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_utils.h>

static const char *const db_layers[] = {"candidates", "gemeente_gap", "facilities", "run_info"};
#define N_DB_LAYERS 4

/* ogr2ogr arguments for a format; NULL-terminated, static. */
static const char *const *translate_args(bp_format format, int overwrite)
{
    static const char *const fgb[] = {"-f", "FlatGeobuf", "-lco", "SPATIAL_INDEX=YES", "candidates", NULL};
    static const char *const geojson[] = {"-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco", "RFC7946=YES",
                                          "-lco", "WRITE_NAME=NO", "candidates", NULL};
    static const char *const csv[] = {
        "-f", "CSV", "-nln", "candidates", "-sql",
        "SELECT *, round(ST_X(ST_PointOnSurface(geom)), 2) AS x_rd, "
        "round(ST_Y(ST_PointOnSurface(geom)), 2) AS y_rd FROM candidates ORDER BY fid",
        "-lco", "STRING_QUOTING=IF_NEEDED", NULL};
    static const char *const pg[] = {"-gt", "unlimited", "-ds_transaction", "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid",
                                     "-lco", "SPATIAL_INDEX=GIST", "candidates", "gemeente_gap", "facilities",
                                     "run_info", NULL};
    static const char *const pg_over[] = {"-gt", "unlimited", "-ds_transaction", "-overwrite", "-lco", "GEOMETRY_NAME=geom",
                                          "-lco", "FID=fid", "-lco", "SPATIAL_INDEX=GIST", "candidates",
                                          "gemeente_gap", "facilities", "run_info", NULL};
    switch (format) {
    case BP_FMT_FLATGEOBUF: return fgb;
    case BP_FMT_GEOJSON: return geojson;
    case BP_FMT_CSV: return csv;
    case BP_FMT_POSTGRESQL: return overwrite ? pg_over : pg;
    default: return NULL;
    }
}

/* ---- files -------------------------------------------------------------------- */

/* The last byte of a file, or -1. */
static int last_byte(const char *path)
{
    int fd = open(path, O_RDONLY | O_CLOEXEC);
    if (fd < 0) return -1;
    unsigned char c;
    off_t end = lseek(fd, 0, SEEK_END);
    int r = end > 0 && pread(fd, &c, 1, end - 1) == 1 ? c : -1;
    close(fd);
    return r;
}

/* Reads the converted file back: every candidate must be there, and a text
 * file must end where its writer ends it.  A file cut short by a full disk
 * or a file size limit fails here even when GDAL reported nothing. */
static bp_status verify_file(const char *path, const bp_write_opts *o, GIntBig expect, bp_ctx *ctx)
{
    const char *allowed[] = {bp_format_name(o->format), NULL};
    const char *what = o->output;
    CPLErrorReset();
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, allowed, NULL, NULL);
    if (!ds) return bp_error(ctx, BP_ERR_IO, "%s: the %s written cannot be read back (disk full?): %s", what,
                             bp_format_name(o->format), bp_cpl_msg());
    OGRLayerH lyr = GDALDatasetGetLayerCount(ds) == 1 ? GDALDatasetGetLayer(ds, 0) : NULL;
    GIntBig n = 0;
    OGRFeatureH f;
    while (lyr && (f = OGR_L_GetNextFeature(lyr)) != NULL) {
        n++;
        OGR_F_Destroy(f);
    }
    int failed = CPLGetLastErrorType() >= CE_Failure;
    GDALClose(ds);
    int last = last_byte(path);
    int ends_right = o->format == BP_FMT_CSV ? last == '\n' : o->format == BP_FMT_GEOJSON ? last == '\n' || last == '}' : 1;
    if (!lyr || failed || n != expect || !ends_right)
        return bp_error(ctx, BP_ERR_IO, "%s: the %s written is incomplete (%lld of %lld candidates read back; disk full?)",
                        what, bp_format_name(o->format), (long long)n, (long long)expect);
    return BP_OK;
}

static bp_status to_file(GDALDatasetH src, const bp_write_opts *o, const char *tmp_out, GDALProgressFunc progress,
                         void *pdata, bp_ctx *ctx)
{
    OGRLayerH cl = GDALDatasetGetLayerByName(src, "candidates");
    GIntBig expect = cl ? OGR_L_GetFeatureCount(cl, TRUE) : -1;
    GDALVectorTranslateOptions *vt = GDALVectorTranslateOptionsNew((char **)translate_args(o->format, 0), NULL);
    if (!vt) return bp_error(ctx, BP_ERR_NOMEM, "%s: cannot set up the conversion: %s", o->output, bp_cpl_msg());
    GDALVectorTranslateOptionsSetProgress(vt, progress, pdata);
    int usage_error = 0;
    CPLErrorReset();
    GDALDatasetH r = GDALVectorTranslate(tmp_out, NULL, 1, &src, vt, &usage_error);
    GDALVectorTranslateOptionsFree(vt);
    int stopped = progress && !r && !progress(1.0, NULL, pdata);
    if (r) GDALClose(r);
    if (stopped) return bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    if (!r || CPLGetLastErrorType() >= CE_Failure)
        return bp_error(ctx, BP_ERR_IO, "%s: writing %s failed: %s", o->output, bp_format_name(o->format),
                        bp_cpl_msg());
    return verify_file(tmp_out, o, expect, ctx);
}

/* ---- PostgreSQL ------------------------------------------------------------- */

/* The first value of an SQL query on the database, into buf ("" when no
 * row or NULL); returns 0, or -1 when the query failed. */
static int sql_value(GDALDatasetH db, const char *sql, char *buf, size_t size)
{
    buf[0] = '\0';
    CPLErrorReset();
    OGRLayerH res = GDALDatasetExecuteSQL(db, sql, NULL, NULL);
    if (!res) return CPLGetLastErrorType() >= CE_Failure ? -1 : 0;
    OGRFeatureH f = OGR_L_GetNextFeature(res);
    if (f && OGR_F_IsFieldSetAndNotNull(f, 0)) snprintf(buf, size, "%s", OGR_F_GetFieldAsString(f, 0));
    if (f) OGR_F_Destroy(f);
    GDALDatasetReleaseResultSet(db, res);
    return 0;
}

/* The value of option 'key' ("active_schema") in a PG: connection string,
 * into buf as an SQL string literal body (quotes doubled); "" when absent. */
static void conn_option(const char *conn, const char *key, char *buf, size_t size)
{
    buf[0] = '\0';
    size_t klen = strlen(key);
    for (const char *p = conn; (p = strcasestr(p, key)) != NULL; p += klen) {
        if (p > conn && !isspace((unsigned char)p[-1]) && p[-1] != ':') continue;
        const char *v = p + klen;
        while (isspace((unsigned char)*v)) v++;
        if (*v++ != '=') continue;
        while (isspace((unsigned char)*v)) v++;
        char quote = (*v == '\'' || *v == '"') ? *v++ : 0;
        size_t o = 0;
        for (; *v && o + 3 < size; v++) {
            if (quote ? *v == quote : (isspace((unsigned char)*v) || *v == ',')) break;
            if (*v == '\'') buf[o++] = '\'';
            buf[o++] = *v;
        }
        buf[o] = '\0';
        return;
    }
}

/* Checks the database before writing: PostGIS, the schema, existing tables
 * and what depends on them. */
static bp_status check_database(GDALDatasetH dst, const bp_write_opts *o, const char *schema, bp_ctx *ctx)
{
    const char *out = o->output;
    char buf[2048], sql[4096];
    if (sql_value(dst, "SELECT extversion FROM pg_extension WHERE extname = 'postgis'", buf, sizeof buf) < 0)
        return bp_error(ctx, BP_ERR_USAGE, "%s: cannot query the database: %s", out, bp_cpl_msg());
    if (!buf[0])
        return bp_error(ctx, BP_ERR_USAGE,
                        "%s: the database has no PostGIS; run CREATE EXTENSION postgis in it first (the "
                        "geometries would otherwise be stored as plain bytes, without index)",
                        out);
    if (schema[0]) {
        snprintf(sql, sizeof sql, "SELECT nspname FROM pg_namespace WHERE nspname = '%s'", schema);
        if (sql_value(dst, sql, buf, sizeof buf) < 0 || !buf[0])
            return bp_error(ctx, BP_ERR_USAGE,
                            "%s: schema '%s' (active_schema) does not exist; create it (CREATE SCHEMA) or correct "
                            "the name",
                            out, schema);
    }
    for (size_t i = 0; i < N_DB_LAYERS && !o->overwrite; i++)
        if (GDALDatasetGetLayerByName(dst, db_layers[i]))
            return bp_error(ctx, BP_ERR_USAGE, "%s: table %s exists; pass --overwrite to replace it", out,
                            db_layers[i]);
    /* --overwrite drops the tables (GDAL: DROP TABLE ... CASCADE): never
       take a user's views or foreign keys with them */
    snprintf(sql, sizeof sql,
             "SELECT string_agg(DISTINCT d, ', ') FROM ("
             " SELECT vn.nspname || '.' || v.relname || ' (view on ' || t.relname || ')' AS d"
             " FROM pg_depend dp JOIN pg_rewrite rw ON rw.oid = dp.objid JOIN pg_class v ON v.oid = rw.ev_class"
             " JOIN pg_namespace vn ON vn.oid = v.relnamespace JOIN pg_class t ON t.oid = dp.refobjid"
             " JOIN pg_namespace tn ON tn.oid = t.relnamespace"
             " WHERE dp.classid = 'pg_rewrite'::regclass AND dp.refclassid = 'pg_class'::regclass AND v.oid <> t.oid"
             " AND tn.nspname = COALESCE(NULLIF('%s', ''), current_schema())"
             " AND t.relname IN ('candidates', 'gemeente_gap', 'facilities', 'run_info')"
             " UNION SELECT c.conrelid::regclass::text || ' (foreign key ' || c.conname || ' to ' || t.relname || ')'"
             " FROM pg_constraint c JOIN pg_class t ON t.oid = c.confrelid JOIN pg_namespace tn ON tn.oid = t.relnamespace"
             " WHERE c.contype = 'f' AND c.conrelid <> c.confrelid"
             " AND tn.nspname = COALESCE(NULLIF('%s', ''), current_schema())"
             " AND t.relname IN ('candidates', 'gemeente_gap', 'facilities', 'run_info')) x",
             schema, schema);
    if (o->overwrite && sql_value(dst, sql, buf, sizeof buf) == 0 && buf[0])
        return bp_error(ctx, BP_ERR_USAGE,
                        "%s: --overwrite would drop objects that depend on the tables: %s; drop or change them "
                        "first, or write to another schema (active_schema=...)",
                        out, buf);
    return BP_OK;
}

/* What GDAL said while the layers were written: its first error (the
 * cause; the last is often "Terminating translation prematurely") and
 * whether a lock wait timed out. */
typedef struct {
    bp_ctx *ctx;
    int lock_timeout;
    char first[1024];
} db_errors;

static void CPL_STDCALL db_error(CPLErr cls, CPLErrorNum num, const char *msg)
{
    db_errors *e = CPLGetErrorHandlerUserData();
    if (cls == CE_Fatal) bp_ctx_fatal(e->ctx, msg);
    if (cls == CE_Debug) CPLDefaultErrorHandler(cls, num, msg);
    if (cls < CE_Failure) return;
    if (strstr(msg, "lock timeout")) e->lock_timeout = 1;
    if (!e->first[0]) snprintf(e->first, sizeof e->first, "%s", msg);
}

/* Does another session hold a lock on one of the tables (an open
 * transaction that read them, QGIS editing)?  Then dropping them would
 * wait: better wait here, where Ctrl-C is looked at. */
static int tables_locked(GDALDatasetH dst, const char *schema)
{
    char sql[1024], buf[32];
    snprintf(sql, sizeof sql,
             "SELECT count(*) FROM pg_locks l JOIN pg_class c ON c.oid = l.relation"
             " JOIN pg_namespace n ON n.oid = c.relnamespace"
             " WHERE l.pid <> pg_backend_pid() AND n.nspname = COALESCE(NULLIF('%s', ''), current_schema())"
             " AND c.relname IN ('candidates', 'gemeente_gap', 'facilities', 'run_info')",
             schema);
    return sql_value(dst, sql, buf, sizeof buf) == 0 && atoi(buf) > 0;
}

static bp_status to_database(GDALDatasetH src, const bp_write_opts *o, GDALProgressFunc progress, void *pdata,
                             bp_ctx *ctx)
{
    const char *out = o->output;
    char schema[256];
    conn_option(out, "active_schema", schema, sizeof schema);
    for (;;) {
        CPLErrorReset();
        GDALDatasetH dst = GDALOpenEx(out, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
        if (!dst) return bp_error(ctx, BP_ERR_USAGE, "%s: cannot open the database: %s", out, bp_cpl_msg());
        bp_status st = check_database(dst, o, schema, ctx);
        if (st == BP_OK && o->overwrite && tables_locked(dst, schema)) {
            st = progress && !progress(0.0, NULL, pdata) ? bp_error(ctx, BP_ERR_ABORTED, "interrupted")
                                                         : BP_ERR_ABORTED; /* look again */
        } else if (st == BP_OK) {
            /* a lock wait (a user's open transaction on a table, another
               run creating the same tables) gives up after half a second,
               so that Ctrl-C is looked at; then the write is tried again */
            GDALDatasetReleaseResultSet(dst, GDALDatasetExecuteSQL(dst, "SET lock_timeout = 500", NULL, NULL));
            /* PostgreSQL has dataset transactions, so GDALVectorTranslate
               writes all layers in one (-gt unlimited: no intermediate
               commits) and rolls it back when a layer fails or progress
               says stop */
            GDALVectorTranslateOptions *vt =
                GDALVectorTranslateOptionsNew((char **)translate_args(BP_FMT_POSTGRESQL, o->overwrite), NULL);
            if (vt) GDALVectorTranslateOptionsSetProgress(vt, progress, pdata);
            int usage_error = 0;
            db_errors errs = {ctx, 0, ""};
            CPLErrorReset();
            CPLPushErrorHandlerEx(db_error, &errs);
            GDALDatasetH r = vt ? GDALVectorTranslate(NULL, dst, 1, &src, vt, &usage_error) : NULL;
            CPLPopErrorHandler();
            GDALVectorTranslateOptionsFree(vt);
            int failed = !r || errs.first[0];
            if (progress && failed && !progress(1.0, NULL, pdata)) st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
            else if (failed && errs.lock_timeout) st = BP_ERR_ABORTED; /* try again */
            else if (failed)
                st = bp_error(ctx, BP_ERR_IO, "%s: writing the layers failed: %s", out,
                              errs.first[0] ? errs.first : bp_cpl_msg());
        }
        GDALClose(dst);
        if (st != BP_ERR_ABORTED || bp_ctx_status(ctx) != BP_OK) return st;
        struct timespec pause = {0, 100000000L};
        nanosleep(&pause, NULL);
    }
}

bp_status bp_formats_write(const char *gpkg, const bp_write_opts *o, const char *tmp_out, GDALProgressFunc progress,
                           void *pdata, bp_ctx *ctx)
{
    if (!translate_args(o->format, o->overwrite))
        return bp_error(ctx, BP_ERR_USAGE, "%s: no conversion to format %s", o->output, bp_format_name(o->format));
    CPLErrorReset();
    GDALDatasetH src = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!src) return bp_error(ctx, BP_ERR_IO, "%s: cannot reopen the result: %s", o->output, bp_cpl_msg());
    bp_status st = o->format == BP_FMT_POSTGRESQL ? to_database(src, o, progress, pdata, ctx)
                                                   : to_file(src, o, tmp_out, progress, pdata, ctx);
    GDALClose(src);
    return st;
}
