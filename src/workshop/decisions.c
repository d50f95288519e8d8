/*
 * decisions.c — the workshop's decisions on plots.  They live in the
 * candidates layer of a result (besluit, besluit_woningtype,
 * besluit_woningen, partner_corporatie, partner_zorg, opmerking,
 * besluit_gewijzigd), so QGIS edits them like any field; every change is
 * appended to table besluiten_log (by bodnaarplot itself, and by an SQLite
 * trigger for edits made elsewhere), so the session can be replayed and a
 * change undone.  A re-run carries every decision over by plot id;
 * decisions whose plot is gone are kept in besluiten_vervallen.
 *
 * Plain SQLite on the GeoPackage file: a decision is a row update in one
 * transaction, with a busy timeout for QGIS holding the file.
 */
#include "workshop/workshop.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <sqlite3.h>
#include <stdint.h>
#include <ogr_api.h>

#define BUSY_MS 10000

static const char *const besluit_names[] = {"open", "kansrijk", "gereserveerd", "afgevallen"};
/* The fields whose changes are logged, as the log and the trigger name them. */
static const char *const logged[] = {"besluit", "besluit_woningtype", "besluit_woningen", "partner_corporatie",
                                     "partner_zorg", "opmerking"};
#define NLOGGED (sizeof logged / sizeof *logged)

const char *bp_besluit_name(bp_besluit b)
{
    return (int)b >= 0 && (int)b < 4 ? besluit_names[b] : NULL;
}

int bp_decisions_parse_besluit(const char *s)
{
    for (int i = 0; s && i < 4; i++)
        if (!strcasecmp(s, besluit_names[i])) return i;
    return -1;
}

void bp_decisions_clear(bp_decisions *ds)
{
    for (size_t i = 0; i < ds->n; i++) {
        free(ds->d[i].plot_id);
        for (int k = 0; k < BP_NDTEXT; k++) free(ds->d[i].text[k]);
    }
    free(ds->d);
    ds->d = NULL;
    ds->n = 0;
}

/* Does table 'table' of db have column 'col'? */
static int has_column(sqlite3 *db, const char *schema, const char *table, const char *col)
{
    char *sql = sqlite3_mprintf("SELECT 1 FROM pragma_table_info(%Q, %Q) WHERE name = %Q", table, schema, col);
    sqlite3_stmt *st = NULL;
    int found = sql && sqlite3_prepare_v2(db, sql, -1, &st, NULL) == SQLITE_OK && sqlite3_step(st) == SQLITE_ROW;
    sqlite3_finalize(st);
    sqlite3_free(sql);
    return found;
}

static char *dup_text(sqlite3_stmt *st, int col)
{
    const unsigned char *t = sqlite3_column_text(st, col);
    return t && *t ? bp_strdup((const char *)t) : NULL;
}

bp_status bp_decisions_read(const char *gpkg, bp_decisions *out, bp_ctx *ctx)
{
    memset(out, 0, sizeof *out);
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(gpkg, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
        bp_status st = bp_error(ctx, BP_ERR_DATA, "%s: cannot read the decisions: %s", gpkg,
                                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, BUSY_MS);
    if (!has_column(db, "main", "candidates", "besluit")) { /* an older result: nothing decided */
        sqlite3_close(db);
        return BP_OK;
    }
    sqlite3_stmt *st = NULL;
    const char *sql = "SELECT plot_id, besluit, besluit_woningtype, besluit_woningen, capacity_homes, "
                      "partner_corporatie, partner_zorg, opmerking, besluit_gewijzigd FROM candidates";
    bp_status rc = BP_OK;
    size_t cap = 0;
    if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
        rc = bp_error(ctx, BP_ERR_DATA, "%s: cannot read the decisions: %s", gpkg, sqlite3_errmsg(db));
    int step;
    while (rc == BP_OK && (step = sqlite3_step(st)) == SQLITE_ROW) {
        bp_decision d = {0};
        const char *b = (const char *)sqlite3_column_text(st, 1), *t = (const char *)sqlite3_column_text(st, 2);
        d.besluit = b && *b ? bp_decisions_parse_besluit(b) : BP_BESLUIT_OPEN;
        if (d.besluit < 0) d.besluit = BP_BESLUIT_OPEN; /* a value QGIS let through: open */
        d.dtype = t ? bp_type_parse(t) : -1;
        d.dhomes = NAN;
        if (sqlite3_column_type(st, 3) != SQLITE_NULL) {
            double h = sqlite3_column_double(st, 3);
            /* the capacity is the default: only another number is a decision */
            if (sqlite3_column_type(st, 4) == SQLITE_NULL || h != sqlite3_column_double(st, 4)) d.dhomes = h;
        }
        for (int k = 0; k < BP_NDTEXT; k++) d.text[k] = dup_text(st, 5 + k);
        int any = d.besluit != BP_BESLUIT_OPEN || d.dtype >= 0 || !isnan(d.dhomes);
        for (int k = 0; k < BP_NDTEXT - 1; k++) any |= d.text[k] != NULL;
        if (!any) {
            for (int k = 0; k < BP_NDTEXT; k++) free(d.text[k]);
            continue;
        }
        d.plot_id = dup_text(st, 0);
        if (!d.plot_id) {
            for (int k = 0; k < BP_NDTEXT; k++) free(d.text[k]);
            continue;
        }
        if (out->n == cap) {
            cap = cap ? cap * 2 : 64;
            bp_decision *nd = realloc(out->d, cap * sizeof *nd);
            if (!nd) {
                rc = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
                free(d.plot_id);
                for (int k = 0; k < BP_NDTEXT; k++) free(d.text[k]);
                break;
            }
            out->d = nd;
        }
        out->d[out->n++] = d;
    }
    if (rc == BP_OK && step != SQLITE_DONE)
        rc = bp_error(ctx, BP_ERR_DATA, "%s: cannot read the decisions: %s", gpkg, sqlite3_errmsg(db));
    sqlite3_finalize(st);
    sqlite3_close(db);
    if (rc != BP_OK) bp_decisions_clear(out);
    return rc;
}

uint64_t bp_decisions_fingerprint(const char *gpkg)
{
    sqlite3 *db = NULL;
    uint64_t fp = 0;
    if (sqlite3_open_v2(gpkg, &db, SQLITE_OPEN_READONLY, NULL) == SQLITE_OK) {
        sqlite3_busy_timeout(db, BUSY_MS);
        sqlite3_stmt *st = NULL;
        if (has_column(db, "main", "besluiten_log", "veld") &&
            sqlite3_prepare_v2(db, "SELECT count(*), coalesce(max(fid), 0), (SELECT coalesce(max(besluit_gewijzigd), "
                                   "'') FROM candidates) FROM besluiten_log",
                               -1, &st, NULL) == SQLITE_OK &&
            sqlite3_step(st) == SQLITE_ROW) {
            const unsigned char *t = sqlite3_column_text(st, 2);
            fp = (uint64_t)sqlite3_column_int64(st, 0) * 1000003u + (uint64_t)sqlite3_column_int64(st, 1);
            for (; t && *t; t++) fp = fp * 31 + *t;
            fp |= 1;
        }
        sqlite3_finalize(st);
    }
    sqlite3_close(db);
    return fp;
}

static bp_status copy_decision(bp_decisions *to, const bp_decision *d, bp_ctx *ctx)
{
    bp_decision *nd = realloc(to->d, (to->n + 1) * sizeof *nd);
    if (!nd) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    to->d = nd;
    bp_decision *c = &to->d[to->n];
    *c = *d;
    c->plot_id = bp_strdup(d->plot_id);
    for (int k = 0; k < BP_NDTEXT; k++) c->text[k] = d->text[k] ? bp_strdup(d->text[k]) : NULL;
    to->n++;
    return BP_OK;
}

bp_status bp_decisions_apply(bp_result *r, const bp_decisions *ds, bp_decisions *gone, bp_ctx *ctx)
{
    bp_status st = bp_result_alloc_decisions(r, ctx);
    size_t *index = NULL;
    for (size_t k = 0; st == BP_OK && k < ds->n; k++) {
        const bp_decision *d = &ds->d[k];
        long i = bp_result_find_id(r, d->plot_id, &index);
        if (i < 0 && !index) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        else if (i < 0) {
            if (gone) st = copy_decision(gone, d, ctx);
        } else {
            r->besluit[i] = (unsigned char)d->besluit;
            r->dtype[i] = (signed char)d->dtype;
            r->dhomes[i] = d->dhomes;
            int texts = 0;
            for (int t = 0; t < BP_NDTEXT; t++) texts |= d->text[t] != NULL;
            if (texts && (st = bp_result_alloc_dtext(r, ctx)) != BP_OK) break;
            for (int t = 0; r->dtext && t < BP_NDTEXT; t++) {
                free(r->dtext[(size_t)i * BP_NDTEXT + t]);
                r->dtext[(size_t)i * BP_NDTEXT + t] = d->text[t] ? bp_strdup(d->text[t]) : NULL;
            }
        }
    }
    free(index);
    return st;
}

/* ---- the log and the trigger ---------------------------------------------- */

/* The weights in force, from run_info: "geclusterd: supermarkt=4, ...". */
#define WEIGHTS_SQL                                                                                                   \
    "(SELECT (SELECT value FROM run_info WHERE key = 'config.profile') || ': ' || "                                   \
    "group_concat(substr(key, length('config.profiles.') + length((SELECT value FROM run_info WHERE key = "          \
    "'config.profile')) + length('.weights.') + 1) || '=' || value, ', ') FROM run_info WHERE key LIKE "             \
    "'config.profiles.' || (SELECT value FROM run_info WHERE key = 'config.profile') || '.weights.%%')"

/* The trigger: one besluiten_log row per changed field for any update of a
 * decision, and the time of the change; 'door' from bodnaarplot_who when a
 * bodnaarplot call made the change, else QGIS (or whatever edited the
 * file).  Created after GDAL has closed the file.  Every name is main.:
 * with the output being replaced attached, an unqualified DROP TRIGGER
 * would find and drop its trigger, changing that file. */
static bp_status create_trigger(sqlite3 *db, const char *what, bp_ctx *ctx)
{
    char sql[8192];
    int o = snprintf(sql, sizeof sql,
                     "CREATE TABLE IF NOT EXISTS main.bodnaarplot_who(door TEXT);"
                     "DROP TRIGGER IF EXISTS main.bodnaarplot_besluit_log;"
                     "CREATE TRIGGER main.bodnaarplot_besluit_log AFTER UPDATE OF besluit, besluit_woningtype, "
                     "besluit_woningen, partner_corporatie, partner_zorg, opmerking ON candidates "
                     "WHEN NOT (OLD.besluit IS NEW.besluit AND OLD.besluit_woningtype IS NEW.besluit_woningtype "
                     "AND OLD.besluit_woningen IS NEW.besluit_woningen AND OLD.partner_corporatie IS "
                     "NEW.partner_corporatie AND OLD.partner_zorg IS NEW.partner_zorg AND OLD.opmerking IS "
                     "NEW.opmerking) BEGIN ");
    for (size_t k = 0; k < NLOGGED; k++)
        o += snprintf(sql + o, sizeof sql - (size_t)o,
                      "INSERT INTO besluiten_log(tijd, plot_id, veld, oud, nieuw, gewichten, door) SELECT "
                      "strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now'), NEW.plot_id, '%s', OLD.%s, NEW.%s, " WEIGHTS_SQL
                      ", COALESCE((SELECT door FROM bodnaarplot_who LIMIT 1), 'QGIS') WHERE OLD.%s IS NOT NEW.%s;",
                      logged[k], logged[k], logged[k], logged[k], logged[k]);
    snprintf(sql + o, sizeof sql - (size_t)o,
             "UPDATE candidates SET besluit_gewijzigd = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now') "
             "WHERE fid = NEW.fid; END;");
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) {
        bp_status st = bp_error(ctx, BP_ERR_IO, "%s: cannot create the decision log trigger: %s", what,
                                err ? err : sqlite3_errmsg(db));
        sqlite3_free(err);
        return st;
    }
    return BP_OK;
}

static bp_status exec(sqlite3 *db, const char *sql, const char *what, bp_ctx *ctx)
{
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) == SQLITE_OK) return BP_OK;
    bp_status st = bp_error(ctx, BP_ERR_IO, "%s: %s", what, err ? err : sqlite3_errmsg(db));
    sqlite3_free(err);
    return st;
}

bp_status bp_decisions_finish(const char *gpkg, const char *previous, const bp_decisions *gone, const char *when,
                              const char *what, bp_ctx *ctx)
{
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(gpkg, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        bp_status st = bp_error(ctx, BP_ERR_IO, "%s: cannot reopen the GeoPackage: %s", what,
                                db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    sqlite3_exec(db, "PRAGMA synchronous = OFF", NULL, NULL, NULL);
    bp_status st = exec(db, "BEGIN", what, ctx);
    /* the history of the output being replaced */
    int attached = 0;
    if (st == BP_OK && previous) {
        char *att = sqlite3_mprintf("ATTACH DATABASE %Q AS previous", previous);
        if (!att) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        /* an output that is no SQLite database (a file --overwrite replaces)
           has no history to carry over, as bp_decisions_read found */
        else attached = sqlite3_exec(db, att, NULL, NULL, NULL) == SQLITE_OK;
        sqlite3_free(att);
    }
    if (st == BP_OK && attached) {
        if (has_column(db, "previous", "besluiten_log", "veld"))
            st = exec(db,
                      "INSERT INTO besluiten_log(tijd, plot_id, veld, oud, nieuw, gewichten, door, ongedaan) "
                      "SELECT tijd, plot_id, veld, oud, nieuw, gewichten, door, ongedaan FROM previous.besluiten_log "
                      "ORDER BY fid",
                      what, ctx);
        if (st == BP_OK && has_column(db, "previous", "besluiten_vervallen", "vervallen"))
            st = exec(db,
                      "INSERT INTO besluiten_vervallen(plot_id, besluit, besluit_woningtype, besluit_woningen, "
                      "partner_corporatie, partner_zorg, opmerking, besluit_gewijzigd, vervallen) SELECT plot_id, "
                      "besluit, besluit_woningtype, besluit_woningen, partner_corporatie, partner_zorg, opmerking, "
                      "besluit_gewijzigd, vervallen FROM previous.besluiten_vervallen ORDER BY fid",
                      what, ctx);
    }
    /* decisions whose plot is gone */
    sqlite3_stmt *ins = NULL;
    if (st == BP_OK && gone && gone->n &&
        sqlite3_prepare_v2(db,
                           "INSERT INTO besluiten_vervallen(plot_id, besluit, besluit_woningtype, besluit_woningen, "
                           "partner_corporatie, partner_zorg, opmerking, besluit_gewijzigd, vervallen) VALUES "
                           "(?, ?, ?, ?, ?, ?, ?, ?, ?)",
                           -1, &ins, NULL) != SQLITE_OK)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing besluiten_vervallen failed: %s", what, sqlite3_errmsg(db));
    for (size_t k = 0; st == BP_OK && gone && k < gone->n; k++) {
        const bp_decision *d = &gone->d[k];
        sqlite3_reset(ins);
        sqlite3_bind_text(ins, 1, d->plot_id, -1, SQLITE_STATIC);
        sqlite3_bind_text(ins, 2, besluit_names[d->besluit], -1, SQLITE_STATIC);
        if (d->dtype >= 0) sqlite3_bind_text(ins, 3, bp_type_name((bp_type)d->dtype), -1, SQLITE_STATIC);
        else sqlite3_bind_null(ins, 3);
        if (isnan(d->dhomes)) sqlite3_bind_null(ins, 4);
        else sqlite3_bind_int64(ins, 4, (sqlite3_int64)d->dhomes);
        for (int t = 0; t < BP_NDTEXT; t++)
            if (d->text[t]) sqlite3_bind_text(ins, 5 + t, d->text[t], -1, SQLITE_STATIC);
            else sqlite3_bind_null(ins, 5 + t);
        sqlite3_bind_text(ins, 9, when, -1, SQLITE_STATIC);
        if (sqlite3_step(ins) != SQLITE_DONE)
            st = bp_error(ctx, BP_ERR_IO, "%s: writing besluiten_vervallen failed: %s", what, sqlite3_errmsg(db));
    }
    sqlite3_finalize(ins);
    if (st == BP_OK) st = create_trigger(db, what, ctx);
    if (st == BP_OK) st = exec(db, "COMMIT", what, ctx);
    else sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    if (previous) sqlite3_exec(db, "DETACH DATABASE previous", NULL, NULL, NULL);
    if (sqlite3_close(db) != SQLITE_OK && st == BP_OK)
        st = bp_error(ctx, BP_ERR_IO, "%s: closing the GeoPackage failed", what);
    return st;
}

/* ---- recording a decision (public) ---------------------------------------- */

/* Checks an edit; BP_ERR_USAGE naming the field. */
static bp_status check_edit(const bp_decision_edit *e, bp_ctx *ctx)
{
    if (e->besluit && *e->besluit && bp_decisions_parse_besluit(e->besluit) < 0)
        return bp_error(ctx, BP_ERR_USAGE, "besluit must be open, kansrijk, gereserveerd or afgevallen, not '%.60s'",
                        e->besluit);
    if (e->woningtype && *e->woningtype && bp_type_parse(e->woningtype) < 0)
        return bp_error(ctx, BP_ERR_USAGE, "woningtype must be nultreden, geclusterd or zorggeschikt, not '%.60s'",
                        e->woningtype);
    if (e->woningen && *e->woningen) {
        char *end;
        errno = 0;
        long v = strtol(e->woningen, &end, 10);
        if (*end || errno || v < 0 || v > 100000)
            return bp_error(ctx, BP_ERR_USAGE, "woningen must be a whole number from 0 to 100000, not '%.60s'",
                            e->woningen);
    }
    const struct {
        const char *v, *name;
        size_t max;
    } lens[] = {{e->partner_corporatie, "partner_corporatie", 200},
                {e->partner_zorg, "partner_zorg", 200},
                {e->opmerking, "opmerking", 2000}};
    for (size_t k = 0; k < 3; k++)
        if (lens[k].v && strlen(lens[k].v) > lens[k].max)
            return bp_error(ctx, BP_ERR_USAGE, "%s is longer than %zu characters", lens[k].name, lens[k].max);
    return BP_OK;
}

/* ---- the SQL functions GeoPackage triggers call ---------------------------- */

/* The envelope of a GeoPackage geometry blob (from its header, else from
 * its WKB through OGR); returns 0 when it is empty or unreadable. */
static int blob_envelope(const unsigned char *b, int n, double env[4])
{
    if (!b || n < 8 || b[0] != 'G' || b[1] != 'P') return 0;
    int flags = b[3], kind = (flags >> 1) & 7, le = flags & 1;
    if (flags & 0x10) return 0; /* empty */
    static const int envsize[] = {0, 32, 48, 48, 64, 0, 0, 0};
    int head = 8 + envsize[kind];
    if (n < head) return 0;
    if (kind && le) { /* minx maxx miny maxy, little-endian as this machine */
        memcpy(env, b + 8, 4 * sizeof(double));
        return 1;
    }
    OGRGeometryH g = NULL;
    if (OGR_G_CreateFromWkb(b + head, NULL, &g, n - head) != OGRERR_NONE || !g) return 0;
    OGREnvelope e;
    OGR_G_GetEnvelope(g, &e);
    int empty = OGR_G_IsEmpty(g);
    OGR_G_DestroyGeometry(g);
    env[0] = e.MinX, env[1] = e.MaxX, env[2] = e.MinY, env[3] = e.MaxY;
    return !empty;
}

static void sql_is_empty(sqlite3_context *c, int argc, sqlite3_value **v)
{
    (void)argc;
    double env[4];
    const unsigned char *b = sqlite3_value_blob(v[0]);
    int n = sqlite3_value_bytes(v[0]);
    if (!b) sqlite3_result_null(c);
    else sqlite3_result_int(c, !blob_envelope(b, n, env));
}

static void sql_bound(sqlite3_context *c, int argc, sqlite3_value **v)
{
    (void)argc;
    double env[4];
    if (!blob_envelope(sqlite3_value_blob(v[0]), sqlite3_value_bytes(v[0]), env)) sqlite3_result_null(c);
    else sqlite3_result_double(c, env[(size_t)(intptr_t)sqlite3_user_data(c)]);
}

/* GDAL's GeoPackage triggers (the R-tree) call these; a plain SQLite
 * connection must have them to update a feature table. */
static void register_gpkg_functions(sqlite3 *db)
{
    sqlite3_create_function(db, "ST_IsEmpty", 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, NULL, sql_is_empty, NULL, NULL);
    static const char *const names[] = {"ST_MinX", "ST_MaxX", "ST_MinY", "ST_MaxY"};
    for (intptr_t k = 0; k < 4; k++)
        sqlite3_create_function(db, names[k], 1, SQLITE_UTF8 | SQLITE_DETERMINISTIC, (void *)k, sql_bound, NULL, NULL);
}

/* Opens a result for an edit: read-write, busy timeout, and the decision
 * fields must be there. */
static bp_status open_for_edit(const char *gpkg, sqlite3 **out, bp_ctx *ctx)
{
    *out = NULL;
    sqlite3 *db = NULL;
    if (sqlite3_open_v2(gpkg, &db, SQLITE_OPEN_READWRITE, NULL) != SQLITE_OK) {
        bp_status st = bp_error(ctx, BP_ERR_USAGE, "%s: cannot open: %s", gpkg, db ? sqlite3_errmsg(db) : "out of memory");
        sqlite3_close(db);
        return st;
    }
    sqlite3_busy_timeout(db, BUSY_MS);
    register_gpkg_functions(db);
    if (!has_column(db, "main", "candidates", "besluit") || !has_column(db, "main", "besluiten_log", "veld")) {
        sqlite3_close(db);
        return bp_error(ctx, BP_ERR_USAGE, "%s: not a bodnaarplot result with decisions (run score again)", gpkg);
    }
    *out = db;
    return BP_OK;
}

/* Sets 'who' for the trigger in this transaction. */
static bp_status set_who(sqlite3 *db, const char *who, const char *gpkg, bp_ctx *ctx)
{
    sqlite3_stmt *st = NULL;
    bp_status rc = exec(db, "DELETE FROM bodnaarplot_who", gpkg, ctx);
    if (rc == BP_OK && who && *who) {
        if (sqlite3_prepare_v2(db, "INSERT INTO bodnaarplot_who(door) VALUES (?)", -1, &st, NULL) != SQLITE_OK)
            rc = bp_error(ctx, BP_ERR_IO, "%s: %s", gpkg, sqlite3_errmsg(db));
        else {
            sqlite3_bind_text(st, 1, who, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE) rc = bp_error(ctx, BP_ERR_IO, "%s: %s", gpkg, sqlite3_errmsg(db));
        }
        sqlite3_finalize(st);
    }
    return rc;
}

bp_status bp_decision_save(const char *gpkg, const char *plot_id, const bp_decision_edit *e, const char *who,
                           bp_ctx *ctx)
{
    bp_status rc = check_edit(e, ctx);
    if (rc != BP_OK) return rc;
    sqlite3 *db;
    if ((rc = open_for_edit(gpkg, &db, ctx)) != BP_OK) return rc;
    rc = exec(db, "BEGIN IMMEDIATE", gpkg, ctx);
    if (rc != BP_OK) {
        sqlite3_close(db);
        bp_ctx_clear(ctx);
        return bp_error(ctx, BP_ERR_IO, "%s: the file stays locked by another program; try again", gpkg);
    }
    if (rc == BP_OK) rc = set_who(db, who && *who ? who : "bodnaarplot", gpkg, ctx);
    /* one UPDATE: each field set when given ("" -> NULL; besluit "" -> open) */
    const char *vals[NLOGGED] = {e->besluit, e->woningtype, e->woningen, e->partner_corporatie, e->partner_zorg,
                                 e->opmerking};
    char sql[1024] = "UPDATE candidates SET ";
    int nset = 0;
    for (size_t k = 0; k < NLOGGED; k++) {
        if (!vals[k]) continue;
        size_t o = strlen(sql);
        snprintf(sql + o, sizeof sql - o, "%s%s = ?%zu", nset ? ", " : "", logged[k], k + 1);
        nset++;
    }
    size_t o = strlen(sql);
    snprintf(sql + o, sizeof sql - o, " WHERE plot_id = ?7");
    sqlite3_stmt *st = NULL;
    if (rc == BP_OK && nset) {
        if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK)
            rc = bp_error(ctx, BP_ERR_IO, "%s: %s", gpkg, sqlite3_errmsg(db));
        for (size_t k = 0; rc == BP_OK && k < NLOGGED; k++) {
            const char *v = vals[k];
            if (!v) continue;
            int p = (int)k + 1;
            if (k == 0) sqlite3_bind_text(st, p, *v ? besluit_names[bp_decisions_parse_besluit(v)] : "open", -1,
                                          SQLITE_STATIC);
            else if (!*v) sqlite3_bind_null(st, p);
            else if (k == 1) sqlite3_bind_text(st, p, bp_type_name((bp_type)bp_type_parse(v)), -1, SQLITE_STATIC);
            else if (k == 2) sqlite3_bind_int64(st, p, strtoll(v, NULL, 10));
            else sqlite3_bind_text(st, p, v, -1, SQLITE_STATIC);
        }
        if (rc == BP_OK) {
            sqlite3_bind_text(st, 7, plot_id, -1, SQLITE_STATIC);
            if (sqlite3_step(st) != SQLITE_DONE) rc = bp_error(ctx, BP_ERR_IO, "%s: %s", gpkg, sqlite3_errmsg(db));
            else if (sqlite3_changes(db) == 0)
                rc = bp_error(ctx, BP_ERR_USAGE, "%s: no candidate plot '%.100s'", gpkg, plot_id);
        }
        sqlite3_finalize(st);
    }
    if (rc == BP_OK) rc = exec(db, "DELETE FROM bodnaarplot_who", gpkg, ctx);
    if (rc == BP_OK) rc = exec(db, "COMMIT", gpkg, ctx);
    else sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    return rc;
}

bp_status bp_decision_undo(const char *gpkg, const char *plot_id, const char *who, bp_ctx *ctx)
{
    sqlite3 *db;
    bp_status rc = open_for_edit(gpkg, &db, ctx);
    if (rc != BP_OK) return rc;
    rc = exec(db, "BEGIN IMMEDIATE", gpkg, ctx);
    /* the last change not undone: all its field rows share its time and plot */
    sqlite3_stmt *st = NULL;
    char *sel = sqlite3_mprintf("SELECT tijd, plot_id FROM besluiten_log WHERE ongedaan IS NULL AND door IS NOT "
                                "'ongedaan maken' AND plot_id IN (SELECT plot_id FROM candidates)%s ORDER BY fid "
                                "DESC LIMIT 1",
                                plot_id ? " AND plot_id = ?1" : "");
    char tijd[64] = "", pid[1024] = "";
    if (rc == BP_OK && (!sel || sqlite3_prepare_v2(db, sel, -1, &st, NULL) != SQLITE_OK))
        rc = bp_error(ctx, BP_ERR_IO, "%s: %s", gpkg, sqlite3_errmsg(db));
    if (rc == BP_OK) {
        if (plot_id) sqlite3_bind_text(st, 1, plot_id, -1, SQLITE_STATIC);
        if (sqlite3_step(st) == SQLITE_ROW) {
            snprintf(tijd, sizeof tijd, "%s", (const char *)sqlite3_column_text(st, 0));
            snprintf(pid, sizeof pid, "%s", (const char *)sqlite3_column_text(st, 1));
        } else
            rc = bp_error(ctx, BP_ERR_USAGE, "%s: no decision to undo%s%s", gpkg, plot_id ? " for plot " : "",
                          plot_id ? plot_id : "");
    }
    sqlite3_finalize(st);
    sqlite3_free(sel);
    /* restore the old values of that change, field by field */
    if (rc == BP_OK) rc = set_who(db, "ongedaan maken", gpkg, ctx);
    for (size_t k = 0; rc == BP_OK && k < NLOGGED; k++) {
        char *sql = sqlite3_mprintf("UPDATE candidates SET %s = (SELECT oud FROM besluiten_log WHERE tijd = %Q AND "
                                    "plot_id = %Q AND veld = %Q AND ongedaan IS NULL ORDER BY fid DESC LIMIT 1) WHERE "
                                    "plot_id = %Q AND EXISTS (SELECT 1 FROM besluiten_log WHERE tijd = %Q AND plot_id "
                                    "= %Q AND veld = %Q AND ongedaan IS NULL)",
                                    logged[k], tijd, pid, logged[k], pid, tijd, pid, logged[k]);
        rc = sql ? exec(db, sql, gpkg, ctx) : bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        sqlite3_free(sql);
    }
    if (rc == BP_OK) {
        char *sql = sqlite3_mprintf("UPDATE besluiten_log SET ongedaan = strftime('%%Y-%%m-%%dT%%H:%%M:%%fZ', 'now') "
                                    "WHERE tijd = %Q AND plot_id = %Q AND ongedaan IS NULL AND door IS NOT 'ongedaan "
                                    "maken'",
                                    tijd, pid);
        rc = sql ? exec(db, sql, gpkg, ctx) : bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        sqlite3_free(sql);
    }
    if (rc == BP_OK) rc = exec(db, "DELETE FROM bodnaarplot_who", gpkg, ctx);
    if (rc == BP_OK) rc = exec(db, "COMMIT", gpkg, ctx);
    else sqlite3_exec(db, "ROLLBACK", NULL, NULL, NULL);
    sqlite3_close(db);
    (void)who;
    return rc;
}
