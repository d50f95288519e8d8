/*
 * filter.c — the user's SQL filter on candidate plots, evaluated by SQLite
 * with SpatiaLite's functions on an in-memory table "candidates" holding
 * the plot attributes, its geometry (geom) and the computed columns.
 *
 * The filter comes from project files that travel between organisations,
 * so it runs read-only: an authorizer allows only reading and calling
 * functions, and refuses every function that touches files or extensions;
 * a progress handler (bp_sql_guard) stops runaway queries, and stops at
 * Ctrl-C between two heavy calls.
 */
#include "score/score.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sqlite3.h>
#include <spatialite.h>

#define FILTER_MAX_STEPS 2000000000LL /* VM steps before a filter is stopped, by default */

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

/* The columns of the filter table: the computed ones first (they win over
 * attributes of the same name), then the plot attributes, then geom. */
typedef struct {
    char **name;
    int *attr;       /* attribute index, or -1 for a computed column */
    size_t n, ncomp;
} columns;

static void columns_free(columns *c)
{
    for (size_t i = 0; c->name && i < c->n; i++) free(c->name[i]);
    free(c->name);
    free(c->attr);
}

static bp_status make_columns(const bp_filter_input *in, columns *cols, bp_ctx *ctx)
{
    const bp_result *r = in->r;
    const bp_layer *pl = in->plots;
    int nattr = pl->defn ? OGR_FD_GetFieldCount(pl->defn) : 0;
    cols->ncomp = 4 + 2 * r->ncat;
    cols->name = calloc(cols->ncomp + (size_t)nattr, sizeof *cols->name);
    cols->attr = calloc(cols->ncomp + (size_t)nattr, sizeof *cols->attr);
    if (!cols->name || !cols->attr) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    static const char *const fixed[] = {"plot_id", "area_m2", "capacity_homes", "gemeente_code"};
    for (size_t i = 0; i < 4; i++) cols->name[cols->n] = bp_strdup(fixed[i]), cols->attr[cols->n++] = -1;
    for (size_t c = 0; c < r->ncat; c++) {
        cols->name[cols->n] = bp_strfmt("dist_%s_m", r->cat[c]), cols->attr[cols->n++] = -1;
        cols->name[cols->n] = bp_strfmt("n_%s_%dm", r->cat[c], r->radius_m), cols->attr[cols->n++] = -1;
    }
    for (int a = 0; a < nattr; a++) {
        const char *nm = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(pl->defn, a));
        if (name_taken(cols->name, cols->n, nm) || !strcasecmp(nm, "geom")) continue;
        cols->name[cols->n] = bp_strdup(nm), cols->attr[cols->n++] = a;
    }
    for (size_t i = 0; i < cols->n; i++)
        if (!cols->name[i]) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    return BP_OK;
}

/* CREATE TABLE and INSERT statements for the columns, into create and
 * insert (SQL_MAX bytes each). */
#define SQL_MAX 65536
static bp_status make_statements(const bp_filter_input *in, const columns *cols, char *create, char *insert,
                                 bp_ctx *ctx)
{
    const bp_layer *pl = in->plots;
    strcpy(create, "CREATE TABLE candidates(");
    strcpy(insert, "INSERT INTO candidates VALUES(");
    for (size_t i = 0; i < cols->n; i++) {
        quote_ident(create, SQL_MAX, cols->name[i]);
        const char *type = "TEXT";
        if (cols->attr[i] < 0)
            type = (i == 0 || i == 3) ? "TEXT" : (i >= 4 && (i - 4) % 2 == 1) || i == 2 ? "INTEGER" : "REAL";
        else {
            OGRFieldType ft = OGR_Fld_GetType(OGR_FD_GetFieldDefn(pl->defn, cols->attr[i]));
            type = (ft == OFTInteger || ft == OFTInteger64) ? "INTEGER" : ft == OFTReal ? "REAL" : "TEXT";
        }
        size_t o = strlen(create);
        snprintf(create + o, SQL_MAX - o, " %s, ", type);
        o = strlen(insert);
        snprintf(insert + o, SQL_MAX - o, "?, ");
    }
    strcat(create, "geom BLOB)");
    strcat(insert, "GeomFromWKB(?, ?))");
    if (strlen(create) > SQL_MAX - 500)
        return bp_error(ctx, BP_ERR_DATA, "%s: too many fields for the filter table", pl->what);
    return BP_OK;
}

/* Binds the values of plot i to the INSERT statement. */
static void bind_plot(sqlite3_stmt *ins, const bp_filter_input *in, const columns *cols, size_t i,
                      const unsigned char *wkb, size_t wkblen)
{
    const bp_result *r = in->r;
    const bp_layer *pl = in->plots;
    int b = 1;
    sqlite3_bind_text(ins, b++, bp_result_id(r, i), -1, SQLITE_TRANSIENT);
    sqlite3_bind_double(ins, b++, r->area[i]);
    double cap = bp_score_capacity(r, in->so, i);
    if (isnan(cap)) sqlite3_bind_null(ins, b++);
    else sqlite3_bind_int64(ins, b++, (sqlite3_int64)cap);
    if (r->gemeente[i] == BP_NO_GEMEENTE) sqlite3_bind_null(ins, b++);
    else sqlite3_bind_text(ins, b++, r->gm[r->gemeente[i]].code, -1, SQLITE_STATIC);
    for (size_t c = 0; c < r->ncat; c++) {
        double d = r->dist[i * r->ncat + c];
        if (isnan(d)) sqlite3_bind_null(ins, b++);
        else sqlite3_bind_double(ins, b++, d);
        sqlite3_bind_int(ins, b++, r->count[i * r->ncat + c]);
    }
    for (size_t k = cols->ncomp; k < cols->n; k++) {
        int a = cols->attr[k];
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
    if (wkb) sqlite3_bind_blob(ins, b++, wkb, (int)wkblen, SQLITE_TRANSIENT);
    else sqlite3_bind_null(ins, b++);
    sqlite3_bind_int(ins, b++, -1); /* geom is in the analysis CRS; SpatiaLite needs no SRID for measures */
}

/* Fills the in-memory table with every plot. */
static bp_status fill_table(sqlite3 *db, const bp_filter_input *in, const columns *cols, const char *create,
                            const char *insert, bp_ctx *ctx)
{
    const bp_layer *pl = in->plots;
    sqlite3_stmt *ins = NULL;
    if (sqlite3_exec(db, create, NULL, NULL, NULL) != SQLITE_OK ||
        sqlite3_prepare_v2(db, insert, -1, &ins, NULL) != SQLITE_OK) {
        sqlite3_finalize(ins);
        return bp_error(ctx, BP_ERR_DATA, "%s: cannot build the filter table: %s", pl->what, sqlite3_errmsg(db));
    }
    bp_geos g = {0};
    bp_status st = bp_geos_init(&g, ctx);
    GEOSWKBWriter *wkbw = st == BP_OK ? GEOSWKBWriter_create_r(g.h) : NULL;
    sqlite3_exec(db, "BEGIN", NULL, NULL, NULL);
    for (size_t i = 0; i < pl->n && st == BP_OK; i++) {
        sqlite3_reset(ins);
        sqlite3_clear_bindings(ins);
        size_t wkblen = 0;
        unsigned char *wkb = wkbw ? GEOSWKBWriter_write_r(g.h, wkbw, pl->geom[i], &wkblen) : NULL;
        bind_plot(ins, in, cols, i, wkb, wkblen);
        if (sqlite3_step(ins) != SQLITE_DONE)
            st = bp_error(ctx, BP_ERR_DATA, "%s: cannot fill the filter table: %s", pl->what, sqlite3_errmsg(db));
        if (wkb) GEOSFree_r(g.h, wkb);
    }
    sqlite3_exec(db, "COMMIT", NULL, NULL, NULL);
    if (wkbw) GEOSWKBWriter_destroy_r(g.h, wkbw);
    bp_geos_finish(&g);
    sqlite3_finalize(ins);
    return st;
}

/* Refuses text that is not one expression: it must also stand as a
 * select-list item, so text that closes the WHERE clause and goes on
 * (") UNION SELECT ...") cannot be valid in both places. */
static bp_status check_one_expression(sqlite3 *db, const char *filter, const auth_state *auth, bp_ctx *ctx)
{
    char *probe = bp_strfmt("SELECT (%s) FROM candidates LIMIT 0", filter);
    char *sql = bp_strfmt("SELECT rowid FROM candidates WHERE (%s)", filter);
    if (!probe || !sql) {
        free(probe);
        free(sql);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    sqlite3_stmt *ps = NULL;
    const char *ptail = NULL;
    int prc = sqlite3_prepare_v2(db, probe, -1, &ps, &ptail);
    int ptrailing = 0;
    for (const char *p = ptail; prc == SQLITE_OK && p && *p; p++)
        if (!isspace((unsigned char)*p) && *p != ';') ptrailing = 1;
    sqlite3_finalize(ps);
    bp_status st = BP_OK;
    if (prc != SQLITE_OK || ptrailing) {
        /* valid as a WHERE clause but not as an expression: it escapes */
        ps = NULL;
        int where_ok = sqlite3_prepare_v2(db, sql, -1, &ps, &ptail) == SQLITE_OK;
        sqlite3_finalize(ps);
        if (where_ok || ptrailing || auth->denied[0])
            st = bp_error(ctx, BP_ERR_USAGE, "candidates.filter '%s': %s", filter,
                          auth->denied[0] ? auth->denied : "only one expression is allowed");
    }
    free(probe);
    free(sql);
    return st;
}

/* Runs the filter; pass[i] = 1 for the plots it selects. */
static bp_status run_select(sqlite3 *db, const char *filter, const auth_state *auth, const bp_sql_guard *rs,
                            unsigned char *pass, size_t n, bp_ctx *ctx)
{
    char *sql = bp_strfmt("SELECT rowid FROM candidates WHERE (%s)", filter);
    if (!sql) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    sqlite3_stmt *sel = NULL;
    const char *tail = NULL;
    int rc = sqlite3_prepare_v2(db, sql, -1, &sel, &tail);
    int extra = 0;
    for (const char *p = tail; rc == SQLITE_OK && p && *p; p++)
        if (!isspace((unsigned char)*p) && *p != ';') extra = 1;
    free(sql);
    if (rc != SQLITE_OK || extra) {
        bp_status st = bp_error(ctx, BP_ERR_USAGE, "candidates.filter '%s': %s", filter,
                                extra ? "only one expression is allowed"
                                : auth->denied[0] ? auth->denied
                                                  : sqlite3_errmsg(db));
        sqlite3_finalize(sel);
        return st;
    }
    memset(pass, 0, n);
    while ((rc = sqlite3_step(sel)) == SQLITE_ROW) {
        sqlite3_int64 rowid = sqlite3_column_int64(sel, 0);
        if (rowid >= 1 && (size_t)rowid <= n) pass[rowid - 1] = 1;
    }
    sqlite3_finalize(sel);
    if (rs->stopped) return bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    if (rc == SQLITE_DONE && auth->denied[0]) /* refused inside a function: say so */
        return bp_error(ctx, BP_ERR_USAGE, "candidates.filter '%s': %s", filter, auth->denied);
    if (rc != SQLITE_DONE)
        return bp_error(ctx, BP_ERR_USAGE, "candidates.filter '%s': %s", filter,
                        bp_sql_guard_exhausted(rs) ? "stopped: the filter takes too long"
                        : auth->denied[0]         ? auth->denied
                                                  : sqlite3_errmsg(db));
    return BP_OK;
}

bp_status bp_filter_eval(const char *filter, const bp_filter_input *in, bp_result *r, bp_ctx *ctx)
{
    const bp_layer *pl = in->plots;
    sqlite3 *db = NULL;
    void *cache = NULL;
    columns cols = {0};
    char *create = malloc(SQL_MAX), *insert = malloc(SQL_MAX);
    unsigned char *pass = malloc(pl->n ? pl->n : 1);
    bp_status st = BP_OK;
    if (!create || !insert || !pass) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    if (st == BP_OK) st = make_columns(in, &cols, ctx);
    if (st == BP_OK) st = make_statements(in, &cols, create, insert, ctx);
    if (st == BP_OK && sqlite3_open_v2(":memory:", &db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK)
        st = bp_error(ctx, BP_ERR_NOMEM, "cannot open SQLite: %s", db ? sqlite3_errmsg(db) : "out of memory");
    if (st == BP_OK) {
        sqlite3_db_config(db, SQLITE_DBCONFIG_ENABLE_LOAD_EXTENSION, 0, NULL);
        cache = spatialite_alloc_connection();
        spatialite_init_ex(db, cache, 0);
        st = fill_table(db, in, &cols, create, insert, ctx);
    }
    /* from here on: read-only, twice over: SQLite refuses every write on
       this connection (also those SpatiaLite functions make internally), and
       the authorizer refuses everything but reading and harmless functions */
    auth_state auth = {""};
    bp_sql_guard rs;
    bp_sql_guard_init(&rs, in->max_steps > 0 ? in->max_steps : FILTER_MAX_STEPS, in->progress, in->pdata, 0.7);
    if (st == BP_OK) {
        sqlite3_exec(db, "PRAGMA query_only = 1", NULL, NULL, NULL);
        sqlite3_set_authorizer(db, authorizer, &auth);
        sqlite3_progress_handler(db, BP_SQL_GUARD_EVERY, bp_sql_guard_step, &rs);
        st = check_one_expression(db, filter, &auth, ctx);
    }
    if (st == BP_OK) st = run_select(db, filter, &auth, &rs, pass, pl->n, ctx);
    if (st == BP_OK)
        for (size_t i = 0; i < pl->n; i++) {
            if (pass[i]) r->flags[i] &= (unsigned char)~BP_PLOT_FILTER_FAIL;
            else r->flags[i] |= BP_PLOT_FILTER_FAIL;
        }
    if (db) sqlite3_close(db);
    if (cache) spatialite_cleanup_ex(cache);
    columns_free(&cols);
    free(create);
    free(insert);
    free(pass);
    return st;
}
