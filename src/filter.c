/*
 * filter.c — the user's SQL filter on candidate plots, evaluated by SQLite
 * with SpatiaLite's functions on an in-memory table "candidates" holding
 * the plot attributes, its geometry (geom) and the computed columns.
 *
 * The filter comes from project files that travel between organisations,
 * so it runs read-only: an authorizer allows only reading and calling
 * functions, and refuses every function that touches files or extensions;
 * a progress handler stops runaway queries.
 */
#include "bp_internal.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sqlite3.h>
#include <spatialite.h>

#define FILTER_MAX_STEPS 2000000000LL /* VM steps before a filter is stopped */

/* Function names that read or write files, load code or change the
 * database; matched as case-insensitive substrings. */
static const char *const denied_functions[] = {
    "load_extension", "import", "export", "file", "blob", "xb_", "dxf", "shp", "dbf", "kml",
    "wfs", "xls", "zip", "store", "drop", "create", "recover", "register", "dump", "update",
    "insert", "delete", "vacuum", "sqlar", "readfile", "writefile", "edit", "gpkg", "init",
    "clone", "copy", "upgrade", "check", "invalidate", "disable", "enable", "discard", "rename",
    "set", "purge", "remove", "attach", "unregister", "geometrycolumn", "virtual", "spatialindex",
    "metadata", "statistics", "table", "column", "style", "raster", "topo", "network", "exec", "sql",
    "elementary", "sanitize", "populate", "diff", "cutter", "sqlproc", "stored", "coverage", "routing",
    "catalog", "se_", "rl2", "wms", "checkduplicate", "removeduplicate", "tempor"};

static int function_denied(const char *name)
{
    if (!name) return 1;
    char lower[128];
    size_t n = strlen(name);
    if (n >= sizeof lower) return 1;
    for (size_t i = 0; i <= n; i++) lower[i] = (char)tolower((unsigned char)name[i]);
    for (size_t i = 0; i < sizeof denied_functions / sizeof *denied_functions; i++) {
        char pat[32];
        size_t m = strlen(denied_functions[i]);
        for (size_t k = 0; k <= m && k < sizeof pat; k++) pat[k] = (char)tolower((unsigned char)denied_functions[i][k]);
        if (strstr(lower, pat)) return 1;
    }
    return 0;
}

typedef struct {
    char denied[160];
} auth_state;

static int authorizer(void *ud, int action, const char *a1, const char *a2, const char *db,
                      const char *trigger)
{
    (void)db;
    (void)trigger;
    auth_state *s = ud;
    switch (action) {
    case SQLITE_SELECT:
    case SQLITE_READ:
    case SQLITE_RECURSIVE:
        return SQLITE_OK;
    case SQLITE_FUNCTION:
        if (!function_denied(a2)) return SQLITE_OK;
        snprintf(s->denied, sizeof s->denied, "function %s is not allowed in a filter", a2);
        return SQLITE_DENY;
    default:
        snprintf(s->denied, sizeof s->denied,
                 "only reading is allowed in a filter (action %d%s%s)", action, a1 ? " on " : "", a1 ? a1 : "");
        return SQLITE_DENY;
    }
}

static int progress_stop(void *ud)
{
    long long *steps = ud;
    *steps += 10000;
    return *steps > FILTER_MAX_STEPS;
}

/* Appends an SQL identifier, quoted. */
static void quote_ident(char *buf, size_t size, const char *name)
{
    size_t o = strlen(buf);
    if (o + 2 >= size) return;
    buf[o++] = '"';
    for (const char *p = name; *p && o + 3 < size; p++) {
        if (*p == '"') buf[o++] = '"';
        buf[o++] = *p;
    }
    buf[o++] = '"';
    buf[o] = '\0';
}

static int name_taken(char **names, size_t n, const char *name)
{
    for (size_t i = 0; i < n; i++)
        if (!strcasecmp(names[i], name)) return 1;
    return 0;
}

bp_status bp_filter_eval(const char *filter, const bp_filter_input *in, unsigned char *pass, bp_ctx *ctx)
{
    const bp_layer *pl = in->plots;
    size_t ncat = in->ncat;
    sqlite3 *db = NULL;
    sqlite3_stmt *ins = NULL, *sel = NULL;
    void *cache = NULL;
    bp_status st = BP_OK;
    int nattr = pl->defn ? OGR_FD_GetFieldCount(pl->defn) : 0;
    /* computed columns first: they win over attributes with the same name */
    size_t ncomp = 4 + 2 * ncat, ncol = 0;
    char **cols = calloc(ncomp + (size_t)nattr, sizeof *cols);
    int *attr_of_col = calloc(ncomp + (size_t)nattr, sizeof *attr_of_col);
    char *create = malloc(65536), *insert = malloc(65536);
    GEOSWKBWriter *wkbw = NULL;
    bp_geos g = {0};
    if (!cols || !attr_of_col || !create || !insert) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    static const char *const fixed[] = {"plot_id", "area_m2", "capacity_homes", "gemeente_code"};
    for (size_t i = 0; i < 4; i++) cols[ncol] = bp_strdup(fixed[i]), attr_of_col[ncol++] = -1;
    for (size_t c = 0; c < ncat; c++) {
        cols[ncol] = bp_strfmt("dist_%s_m", in->cfg->cats[c].name), attr_of_col[ncol++] = -1;
        cols[ncol] = bp_strfmt("n_%s_%dm", in->cfg->cats[c].name, (int)in->cfg->radius_m), attr_of_col[ncol++] = -1;
    }
    for (int a = 0; a < nattr; a++) {
        const char *nm = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(pl->defn, a));
        if (name_taken(cols, ncol, nm) || !strcasecmp(nm, "geom")) continue;
        cols[ncol] = bp_strdup(nm), attr_of_col[ncol++] = a;
    }
    for (size_t i = 0; i < ncol; i++)
        if (!cols[i]) {
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            goto out;
        }
    strcpy(create, "CREATE TABLE candidates(");
    strcpy(insert, "INSERT INTO candidates VALUES(");
    for (size_t i = 0; i < ncol; i++) {
        quote_ident(create, 65536, cols[i]);
        const char *type = "TEXT";
        if (attr_of_col[i] < 0) type = (i == 0 || i == 3) ? "TEXT" : (i >= 4 && (i - 4) % 2 == 1) || i == 2 ? "INTEGER" : "REAL";
        else {
            OGRFieldType ft = OGR_Fld_GetType(OGR_FD_GetFieldDefn(pl->defn, attr_of_col[i]));
            type = (ft == OFTInteger || ft == OFTInteger64) ? "INTEGER" : ft == OFTReal ? "REAL" : "TEXT";
        }
        size_t o = strlen(create);
        snprintf(create + o, 65536 - o, " %s, ", type);
        o = strlen(insert);
        snprintf(insert + o, 65536 - o, "?, ");
    }
    strcat(create, "geom BLOB)");
    strcat(insert, "GeomFromWKB(?, ?))");
    if (strlen(create) > 65000) {
        st = bp_error(ctx, BP_ERR_DATA, "%s: too many fields for the filter table", pl->what);
        goto out;
    }

    if (sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
        st = bp_error(ctx, BP_ERR_NOMEM, "cannot open SQLite: %s", db ? sqlite3_errmsg(db) : "out of memory");
        goto out;
    }
    sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
    cache = spatialite_alloc_connection();
    spatialite_init_ex(db, cache, 0);
    if (sqlite3_exec(db, create, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, insert, -1, &ins, NULL) != SQLITE_OK) {
        st = bp_error(ctx, BP_ERR_DATA, "%s: cannot build the filter table: %s", pl->what, sqlite3_errmsg(db));
        goto out;
    }
    if ((st = bp_geos_init(&g, ctx)) != BP_OK) goto out;
    wkbw = GEOSWKBWriter_create_r(g.h);
    int srid = -1; /* geom is in the analysis CRS; SpatiaLite needs no SRID for measures */
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (size_t i = 0; i < pl->n && st == BP_OK; i++) {
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        int b = 1;
        char idbuf[32];
        const char *id = NULL;
        if (in->id_field) {
            int fi = OGR_FD_GetFieldIndex(pl->defn, in->id_field);
            id = fi >= 0 ? OGR_F_GetFieldAsString(pl->feat[i], fi) : NULL;
        } else {
            snprintf(idbuf, sizeof idbuf, "%lld", (long long)pl->fid[i]);
            id = idbuf;
        }
        sqlite3_bind_text(ins, b++, id, -1, SQLITE_TRANSIENT);
        sqlite3_bind_double(ins, b++, in->area[i]);
        if (isnan(in->capacity[i])) sqlite3_bind_null(ins, b++);
        else sqlite3_bind_int64(ins, b++, (sqlite3_int64)in->capacity[i]);
        sqlite3_bind_text(ins, b++, in->gemeente_code[i], -1, SQLITE_STATIC);
        for (size_t c = 0; c < ncat; c++) {
            double d = in->dist[i * ncat + c];
            if (isnan(d)) sqlite3_bind_null(ins, b++);
            else sqlite3_bind_double(ins, b++, d);
            sqlite3_bind_int(ins, b++, in->count[i * ncat + c]);
        }
        for (size_t k = 4 + 2 * ncat; k < ncol; k++) {
            int a = attr_of_col[k];
            OGRFeatureH f = pl->feat[i];
            if (!OGR_F_IsFieldSetAndNotNull(f, a)) {
                sqlite3_bind_null(ins, b++);
                continue;
            }
            OGRFieldType ft = OGR_Fld_GetType(OGR_FD_GetFieldDefn(pl->defn, a));
            if (ft == OFTInteger || ft == OFTInteger64) sqlite3_bind_int64(ins, b++, OGR_F_GetFieldAsInteger64(f, a));
            else if (ft == OFTReal) sqlite3_bind_double(ins, b++, OGR_F_GetFieldAsDouble(f, a));
            else sqlite3_bind_text(ins, b++, OGR_F_GetFieldAsString(f, a), -1, SQLITE_TRANSIENT);
        }
        size_t wkblen = 0;
        unsigned char *wkb = wkbw ? GEOSWKBWriter_write_r(g.h, wkbw, pl->geom[i], &wkblen) : NULL;
        if (wkb) sqlite3_bind_blob(ins, b++, wkb, (int)wkblen, SQLITE_TRANSIENT);
        else sqlite3_bind_null(ins, b++);
        sqlite3_bind_int(ins, b++, srid);
        if (sqlite3_step(ins) != SQLITE_DONE)
            st = bp_error(ctx, BP_ERR_DATA, "%s: cannot fill the filter table: %s", pl->what, sqlite3_errmsg(db));
        if (wkb) GEOSFree_r(g.h, wkb);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (st != BP_OK) goto out;

    /* from here on: read-only, twice over: SQLite refuses every write on
       this connection (also those SpatiaLite functions make internally), and
       the authorizer refuses everything but reading and harmless functions */
    sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);
    auth_state auth = {""};
    long long steps = 0;
    sqlite3_set_authorizer(db, authorizer, &auth);
    sqlite3_progress_handler(db, 10000, progress_stop, &steps);
    /* One expression: it must also stand as a select-list item.  Text that
       closes the WHERE clause and goes on (") UNION SELECT ...") cannot be
       valid in both places. */
    char *probe = bp_strfmt("SELECT (%s) FROM candidates LIMIT 0", filter);
    if (!probe) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    sqlite3_stmt *ps = NULL;
    const char *ptail = NULL;
    int prc = sqlite3_prepare_v2(db, probe, -1, &ps, &ptail);
    int ptrailing = 0;
    for (const char *p = ptail; prc == SQLITE_OK && p && *p; p++)
        if (!isspace((unsigned char)*p) && *p != ';') ptrailing = 1;
    sqlite3_finalize(ps);
    free(probe);
    char *sql = bp_strfmt("SELECT rowid FROM candidates WHERE (%s)", filter);
    if (sql && (prc != SQLITE_OK || ptrailing)) {
        /* valid as a WHERE clause but not as an expression: it escapes */
        int where_ok = sqlite3_prepare_v2(db, sql, -1, &ps, &ptail) == SQLITE_OK;
        sqlite3_finalize(ps);
        if (where_ok || ptrailing || auth.denied[0]) {
            st = bp_error(ctx, BP_ERR_USAGE, "candidates.filter '%s': %s", filter,
                          auth.denied[0] ? auth.denied : "only one expression is allowed");
            free(sql);
            goto out;
        }
    }
    if (!sql) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &sel, &tail);
    int extra = 0;
    if (rc == SQLITE_OK && tail) {
        for (const char *p = tail; *p; p++)
            if (!isspace((unsigned char)*p) && *p != ';') extra = 1;
    }
    if (rc != SQLITE_OK || extra) {
        st = bp_error(ctx, BP_ERR_USAGE, "candidates.filter '%s': %s", filter,
                      extra ? "only one expression is allowed" : auth.denied[0] ? auth.denied : sqlite3_errmsg(db));
        free(sql);
        goto out;
    }
    free(sql);
    memset(pass, 0, pl->n);
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        sqlite3_int64 rowid = sqlite3_column_int64(sel, 0);
        if (rowid >= 1 && (size_t)rowid <= pl->n) pass[rowid - 1] = 1;
    }
    if (rc == SQLITE_DONE && auth.denied[0]) /* refused inside a function: say so */
        st = bp_error(ctx, BP_ERR_USAGE, "candidates.filter '%s': %s", filter, auth.denied);
    else if (rc != SQLITE_DONE)
        st = bp_error(ctx, BP_ERR_USAGE, "candidates.filter '%s': %s", filter,
                      steps > FILTER_MAX_STEPS ? "stopped: the filter takes too long"
                      : auth.denied[0] ? auth.denied : sqlite3_errmsg(db));
out:
    if (wkbw) GEOSWKBWriter_destroy_r(g.h, wkbw);
    if (g.h) bp_geos_finish(&g);
    sqlite3_finalize(ins);
    sqlite3_finalize(sel);
    if (db) sqlite3_close(db);
    if (cache) spatialite_cleanup_ex(cache);
    for (size_t i = 0; cols && i < ncol; i++) free(cols[i]);
    free(cols);
    free(attr_of_col);
    free(create);
    free(insert);
    return st;
}
