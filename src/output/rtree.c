/*
 * rtree.c — the GeoPackage spatial index of a layer, built in one pass
 * after its features are written (a packed R-tree).
 *
 * GDAL builds a GeoPackage's R-tree by inserting every feature's box into
 * SQLite's rtree module, which runs the R*-tree insertion for each: about
 * 10 s per million features, a third of a national run.  Here the writer
 * collects each feature's box while writing (bp_rtree_add), the layer is
 * created without GDAL's index (SPATIAL_INDEX=NO), and bp_rtree_build
 * writes the finished tree straight into the rtree module's own tables:
 * the boxes sorted along a Hilbert curve, packed 51 to a node, the nodes
 * again, level by level, up to one root.  The tables, triggers and
 * gpkg_extensions row are those of the GeoPackage R-tree extension, as
 * GDAL writes them, so GDAL, QGIS and SQLite use and maintain the index as
 * if SQLite had built it (tests/unit/test_rtree.c checks rtreecheck() and
 * queries against a scan).
 *
 * SQLite's rtree storage (ext/rtree/rtree.c, the format since 2008): the
 * table's nodes are blobs in <name>_node(nodeno, data), node 1 the root;
 * a node is a 2-byte depth (the tree's height, in the root only), a 2-byte
 * cell count, then cells of an 8-byte id (a child node, or the feature id
 * in a leaf) and minx, maxx, miny, maxy as 4-byte floats, all big-endian.
 * Every node is as long as the root (SQLite reads the node size from it).
 * <name>_parent(nodeno, parentnode) holds every node but the root and
 * <name>_rowid(rowid, nodeno) the leaf of every feature.  Boxes are
 * rounded outwards to floats, as SQLite does.
 */
#include "output/output.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ENTRY_GROW 4096

void bp_rtree_init(bp_rtree *t)
{
    memset(t, 0, sizeof *t);
}

void bp_rtree_clear(bp_rtree *t)
{
    free(t->id);
    free(t->box);
    bp_rtree_init(t);
}

static int reserve(bp_rtree *t, size_t cap)
{
    int64_t *id2 = realloc(t->id, cap * sizeof *id2);
    if (!id2) return -1;
    t->id = id2;
    float *b2 = realloc(t->box, cap * 4 * sizeof *b2);
    if (!b2) return -1;
    t->box = b2;
    t->cap = cap;
    return 0;
}

int bp_rtree_reserve(bp_rtree *t, size_t n)
{
    return n > t->cap ? reserve(t, n) : 0;
}

int bp_rtree_add(bp_rtree *t, int64_t id, double minx, double maxx, double miny, double maxy)
{
    if (!(minx <= maxx) || !(miny <= maxy)) return 0; /* empty or NaN: not indexed */
    if (t->n == t->cap && reserve(t, t->cap ? t->cap * 2 : ENTRY_GROW) < 0) return -1;
    float *b = t->box + 4 * t->n;
    /* outwards, as SQLite rounds what it stores */
    b[0] = (float)minx;
    if ((double)b[0] > minx) b[0] = nextafterf(b[0], -INFINITY);
    b[1] = (float)maxx;
    if ((double)b[1] < maxx) b[1] = nextafterf(b[1], INFINITY);
    b[2] = (float)miny;
    if ((double)b[2] > miny) b[2] = nextafterf(b[2], -INFINITY);
    b[3] = (float)maxy;
    if ((double)b[3] < maxy) b[3] = nextafterf(b[3], INFINITY);
    t->id[t->n++] = id;
    return 0;
}

/* ---- the packed tree -------------------------------------------------------- */

/* Position of (x, y), both in [0, 65535], along the Hilbert curve. */
static uint32_t hilbert(uint32_t x, uint32_t y)
{
    uint32_t d = 0;
    for (uint32_t s = 1u << 15; s > 0; s >>= 1) {
        uint32_t rx = (x & s) > 0, ry = (y & s) > 0;
        d += s * s * ((3 * rx) ^ ry);
        if (ry == 0) { /* rotate the quadrant */
            if (rx == 1) {
                x = 65535 - x;
                y = 65535 - y;
            }
            uint32_t tmp = x;
            x = y;
            y = tmp;
        }
    }
    return d;
}

typedef struct {
    uint32_t key;
    uint32_t entry;
} keyed;

static int cmp_keyed(const void *a, const void *b)
{
    const keyed *x = a, *y = b;
    if (x->key != y->key) return x->key < y->key ? -1 : 1;
    return x->entry < y->entry ? -1 : x->entry > y->entry;
}

/* One level of the tree: its nodes' boxes and numbers. */
typedef struct {
    float *box;      /* 4 per node */
    int64_t *nodeno;
    size_t n;
} level;

static void put_u16(unsigned char *p, unsigned v)
{
    p[0] = (unsigned char)(v >> 8);
    p[1] = (unsigned char)v;
}

static void put_cell(unsigned char *p, int64_t id, const float *box)
{
    uint64_t u = (uint64_t)id;
    for (int k = 0; k < 8; k++) p[k] = (unsigned char)(u >> (56 - 8 * k));
    for (int c = 0; c < 4; c++) {
        uint32_t bits;
        memcpy(&bits, &box[c], 4);
        for (int k = 0; k < 4; k++) p[8 + 4 * c + k] = (unsigned char)(bits >> (24 - 8 * k));
    }
}

static void grow_box(float *acc, const float *b, int first)
{
    if (first) {
        memcpy(acc, b, 4 * sizeof *acc);
        return;
    }
    if (b[0] < acc[0]) acc[0] = b[0];
    if (b[1] > acc[1]) acc[1] = b[1];
    if (b[2] < acc[2]) acc[2] = b[2];
    if (b[3] > acc[3]) acc[3] = b[3];
}

typedef struct {
    sqlite3 *db;
    sqlite3_stmt *node, *parent, *rowid;
    const char *what, *name;
    bp_ctx *ctx;
} builder;

static bp_status sql_failed(const builder *b, const char *doing)
{
    return bp_error(b->ctx, BP_ERR_IO, "%s: building the spatial index %s: %s: %s", b->what, b->name, doing,
                    sqlite3_errmsg(b->db));
}

static int step(sqlite3_stmt *s)
{
    int rc = sqlite3_step(s);
    sqlite3_reset(s);
    return rc == SQLITE_DONE ? 0 : -1;
}

static bp_status write_node(builder *b, int64_t nodeno, unsigned char *blob, int size)
{
    sqlite3_bind_int64(b->node, 1, nodeno);
    sqlite3_bind_blob(b->node, 2, blob, size, SQLITE_STATIC);
    return step(b->node) == 0 ? BP_OK : sql_failed(b, "writing a node");
}

static bp_status write_parent(builder *b, int64_t nodeno, int64_t parent)
{
    sqlite3_bind_int64(b->parent, 1, nodeno);
    sqlite3_bind_int64(b->parent, 2, parent);
    return step(b->parent) == 0 ? BP_OK : sql_failed(b, "writing a parent");
}

/* Packs the children of level 'below' (ids and boxes) into nodes of up to
 * 'per' cells, numbered from *next (the root, when one node is left, is
 * number 1), and writes them; 'up' gets the new level.  leaf_of, for the
 * leaves, gets each entry's node number. */
static bp_status pack_level(builder *b, const int64_t *ids, const float *boxes, const uint32_t *perm, size_t n,
                            size_t per, int64_t *next, int root_depth, uint32_t *leaf_of, level *up,
                            unsigned char *blob, int size)
{
    size_t nodes = (n + per - 1) / per;
    up->n = nodes;
    up->box = malloc(nodes * 4 * sizeof *up->box);
    up->nodeno = malloc(nodes * sizeof *up->nodeno);
    if (!up->box || !up->nodeno) return bp_error(b->ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t k = 0; k < nodes; k++) {
        int64_t no = nodes == 1 ? 1 : (*next)++;
        size_t from = k * per, to = from + per < n ? from + per : n;
        memset(blob, 0, (size_t)size);
        if (nodes == 1) put_u16(blob, (unsigned)root_depth);
        put_u16(blob + 2, (unsigned)(to - from));
        for (size_t j = from; j < to; j++) {
            size_t e = perm ? perm[j] : j;
            put_cell(blob + 4 + 24 * (j - from), ids[e], boxes + 4 * e);
            grow_box(up->box + 4 * k, boxes + 4 * e, j == from);
            if (leaf_of) leaf_of[e] = (uint32_t)no;
        }
        up->nodeno[k] = no;
        bp_status st = write_node(b, no, blob, size);
        if (st != BP_OK) return st;
    }
    return BP_OK;
}

/* Height of the tree over n entries, per cells a node: 0 = the root is a
 * leaf. */
static int tree_height(size_t n, size_t per)
{
    int h = 0;
    for (size_t nodes = (n + per - 1) / per; nodes > 1; nodes = (nodes + per - 1) / per) h++;
    return h;
}

static bp_status build_tree(builder *b, const bp_rtree *t, int size)
{
    size_t per = (size_t)(size - 4) / 24;
    if (per < 2 || t->n > UINT32_MAX) return bp_error(b->ctx, BP_ERR_IO, "%s: unexpected R-tree node size %d",
                                                      b->what, size);
    unsigned char *blob = malloc((size_t)size);
    keyed *k = malloc((t->n ? t->n : 1) * sizeof *k);
    uint32_t *perm = NULL;
    uint32_t *leaf_of = malloc((t->n ? t->n : 1) * sizeof *leaf_of);
    bp_status st = BP_OK;
    if (!blob || !k || !leaf_of) st = bp_error(b->ctx, BP_ERR_NOMEM, "out of memory");
    if (st == BP_OK) {
        /* the entries along a Hilbert curve over their extent */
        float ext[4];
        for (size_t i = 0; i < t->n; i++) grow_box(ext, t->box + 4 * i, i == 0);
        double w = (double)ext[1] - ext[0], h = (double)ext[3] - ext[2];
        for (size_t i = 0; i < t->n; i++) {
            const float *bx = t->box + 4 * i;
            double cx = ((double)bx[0] + bx[1]) / 2, cy = ((double)bx[2] + bx[3]) / 2;
            uint32_t x = w > 0 ? (uint32_t)fmin(65535.0, (cx - ext[0]) / w * 65535.0) : 0;
            uint32_t y = h > 0 ? (uint32_t)fmin(65535.0, (cy - ext[2]) / h * 65535.0) : 0;
            k[i] = (keyed){hilbert(x, y), (uint32_t)i};
        }
        qsort(k, t->n, sizeof *k, cmp_keyed);
        /* the order, in place of the keys (entry i goes to bytes 4i..4i+3,
           within the key pairs already read) */
        perm = (uint32_t *)k;
        for (size_t i = 0; i < t->n; i++) perm[i] = k[i].entry;
    }
    int height = tree_height(t->n, per);
    int64_t next = 2;
    level cur = {0}, up = {0};
    if (st == BP_OK)
        st = pack_level(b, t->id, t->box, perm, t->n, per, &next, height, leaf_of, &cur, blob, size);
    while (st == BP_OK && cur.n > 1) {
        st = pack_level(b, cur.nodeno, cur.box, NULL, cur.n, per, &next, height, NULL, &up, blob, size);
        /* the parents of the level below */
        for (size_t j = 0; st == BP_OK && j < cur.n; j++) st = write_parent(b, cur.nodeno[j], up.nodeno[j / per]);
        free(cur.box);
        free(cur.nodeno);
        cur = up;
        up = (level){0};
    }
    free(cur.box);
    free(cur.nodeno);
    free(up.box);
    free(up.nodeno);
    /* each entry's leaf, in the order written (ascending feature ids) */
    for (size_t i = 0; st == BP_OK && i < t->n; i++) {
        sqlite3_bind_int64(b->rowid, 1, t->id[i]);
        sqlite3_bind_int64(b->rowid, 2, leaf_of[i]);
        if (step(b->rowid) != 0) st = sql_failed(b, "writing a leaf entry");
    }
    free(blob);
    free(k);
    free(leaf_of);
    return st;
}

/* The GeoPackage R-tree extension's triggers (GeoPackage 1.2, as GDAL
 * writes them): they keep the index in step with edits of the table. */
static const char *const TRIGGERS[] = {
    "CREATE TRIGGER \"%w_insert\" AFTER INSERT ON \"%w\" WHEN (new.\"%w\" NOT NULL AND NOT ST_IsEmpty(NEW.\"%w\")) "
    "BEGIN INSERT OR REPLACE INTO \"%w\" VALUES (NEW.\"%w\",ST_MinX(NEW.\"%w\"), ST_MaxX(NEW.\"%w\"),"
    "ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END",
    "CREATE TRIGGER \"%w_update1\" AFTER UPDATE OF \"%w\" ON \"%w\" WHEN OLD.\"%w\" = NEW.\"%w\" AND "
    "(NEW.\"%w\" NOTNULL AND NOT ST_IsEmpty(NEW.\"%w\")) BEGIN INSERT OR REPLACE INTO \"%w\" VALUES (NEW.\"%w\","
    "ST_MinX(NEW.\"%w\"), ST_MaxX(NEW.\"%w\"),ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END",
    "CREATE TRIGGER \"%w_update2\" AFTER UPDATE OF \"%w\" ON \"%w\" WHEN OLD.\"%w\" = NEW.\"%w\" AND "
    "(NEW.\"%w\" ISNULL OR ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" WHERE id = OLD.\"%w\"; END",
    "CREATE TRIGGER \"%w_update3\" AFTER UPDATE ON \"%w\" WHEN OLD.\"%w\" != NEW.\"%w\" AND "
    "(NEW.\"%w\" NOTNULL AND NOT ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" WHERE id = OLD.\"%w\"; "
    "INSERT OR REPLACE INTO \"%w\" VALUES (NEW.\"%w\",ST_MinX(NEW.\"%w\"), ST_MaxX(NEW.\"%w\"),"
    "ST_MinY(NEW.\"%w\"), ST_MaxY(NEW.\"%w\")); END",
    "CREATE TRIGGER \"%w_update4\" AFTER UPDATE ON \"%w\" WHEN OLD.\"%w\" != NEW.\"%w\" AND "
    "(NEW.\"%w\" ISNULL OR ST_IsEmpty(NEW.\"%w\")) BEGIN DELETE FROM \"%w\" WHERE id IN (OLD.\"%w\", NEW.\"%w\"); "
    "END",
    "CREATE TRIGGER \"%w_delete\" AFTER DELETE ON \"%w\" WHEN old.\"%w\" NOT NULL BEGIN DELETE FROM \"%w\" WHERE "
    "id = OLD.\"%w\"; END",
};

/* The arguments of each trigger's %w, in order: R = the rtree name, T = the
 * table, G = the geometry column, F = the fid column. */
static const char *const TRIGGER_ARGS[] = {
    "RTGGRFGGGG", "RGTFFGGRFGGGG", "RGTFFGGRF", "RTFFGGRFRFGGGG", "RTFFGGRFF", "RTGRF",
};

static bp_status add_triggers(builder *b, const char *rt, const char *table, const char *geom, const char *fid)
{
    for (size_t k = 0; k < sizeof TRIGGERS / sizeof *TRIGGERS; k++) {
        const char *a[16] = {0};
        size_t na = strlen(TRIGGER_ARGS[k]);
        for (size_t j = 0; j < na; j++) {
            char c = TRIGGER_ARGS[k][j];
            a[j] = c == 'R' ? rt : c == 'T' ? table : c == 'G' ? geom : fid;
        }
        char *sql = sqlite3_mprintf(TRIGGERS[k], a[0], a[1], a[2], a[3], a[4], a[5], a[6], a[7], a[8], a[9], a[10],
                                    a[11], a[12], a[13], a[14], a[15]);
        if (!sql) return bp_error(b->ctx, BP_ERR_NOMEM, "out of memory");
        int rc = sqlite3_exec(b->db, sql, NULL, NULL, NULL);
        sqlite3_free(sql);
        if (rc != SQLITE_OK) return sql_failed(b, "creating its triggers");
    }
    return BP_OK;
}

static sqlite3_stmt *prepare(sqlite3 *db, const char *fmt, const char *name)
{
    char *sql = sqlite3_mprintf(fmt, name);
    sqlite3_stmt *s = NULL;
    if (sql) sqlite3_prepare_v2(db, sql, -1, &s, NULL);
    sqlite3_free(sql);
    return s;
}

bp_status bp_rtree_build(sqlite3 *db, const char *table, const char *geom, const char *fid, const bp_rtree *t,
                         const char *what, bp_ctx *ctx)
{
    char name[512];
    snprintf(name, sizeof name, "rtree_%s_%s", table, geom);
    builder b = {.db = db, .what = what, .name = name, .ctx = ctx};
    char *sql = sqlite3_mprintf("CREATE VIRTUAL TABLE \"%w\" USING rtree(id, minx, maxx, miny, maxy)", name);
    if (!sql) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    int rc = sqlite3_exec(db, sql, NULL, NULL, NULL);
    sqlite3_free(sql);
    if (rc != SQLITE_OK) return sql_failed(&b, "creating it");
    /* the node size SQLite chose for this file (its empty root's length) */
    int size = 0;
    sqlite3_stmt *s = prepare(db, "SELECT length(data) FROM \"%w_node\" WHERE nodeno = 1", name);
    if (s && sqlite3_step(s) == SQLITE_ROW) size = sqlite3_column_int(s, 0);
    sqlite3_finalize(s);
    if (size <= 4) return sql_failed(&b, "reading its node size");
    bp_status st = BP_OK;
    if (t->n > 0) {
        s = prepare(db, "DELETE FROM \"%w_node\"", name);
        if (!s || step(s) != 0) st = sql_failed(&b, "emptying it");
        sqlite3_finalize(s);
        b.node = prepare(db, "INSERT INTO \"%w_node\"(nodeno, data) VALUES (?, ?)", name);
        b.parent = prepare(db, "INSERT INTO \"%w_parent\"(nodeno, parentnode) VALUES (?, ?)", name);
        b.rowid = prepare(db, "INSERT INTO \"%w_rowid\"(rowid, nodeno) VALUES (?, ?)", name);
        if (st == BP_OK && (!b.node || !b.parent || !b.rowid)) st = sql_failed(&b, "preparing");
        if (st == BP_OK) st = build_tree(&b, t, size);
        sqlite3_finalize(b.node);
        sqlite3_finalize(b.parent);
        sqlite3_finalize(b.rowid);
    }
    if (st == BP_OK) st = add_triggers(&b, name, table, geom, fid);
    if (st == BP_OK && sqlite3_exec(db,
                                    "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
                                    "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
                                    "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
                                    NULL, NULL, NULL) != SQLITE_OK)
        st = sql_failed(&b, "creating gpkg_extensions");
    if (st == BP_OK) {
        sql = sqlite3_mprintf("INSERT INTO gpkg_extensions (table_name, column_name, extension_name, definition, "
                              "scope) VALUES ('%q', '%q', 'gpkg_rtree_index', "
                              "'http://www.geopackage.org/spec120/#extension_rtree', 'write-only')",
                              table, geom);
        rc = sql ? sqlite3_exec(db, sql, NULL, NULL, NULL) : SQLITE_NOMEM;
        sqlite3_free(sql);
        if (rc != SQLITE_OK) st = sql_failed(&b, "registering it in gpkg_extensions");
    }
    return st;
}
