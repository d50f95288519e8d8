/* Unit tests of result/store.c: a result stored in a GeoPackage and
 * restored is equal in every array and parameter; a damaged table is
 * BP_ERR_DATA naming what is wrong, a file that is no result BP_ERR_USAGE. */
#include "unit.h"

#include <sqlite3.h>

static char dir[512];
static const char *const cats[] = {"supermarkt", "zorg"};

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    unit_tmpdir(dir, sizeof dir, "store");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unit_rmdir(dir);
    return 0;
}

/* A new, empty GeoPackage in the test folder; its path into path. */
static const char *new_gpkg(const char *name, char *path, size_t size)
{
    snprintf(path, size, "%s/%s", dir, name);
    GDALClose(unit_gpkg_create(path));
    return path;
}

/* A result with every array and parameter filled, NaN and infinities
 * included, text with tabs and newlines. */
static bp_result *full(void)
{
    static const char *const ids[] = {"K-1", "K-2", "K-3"};
    bp_result *r = unit_result(3, ids, 2, cats);
    r->radius_m = 450;
    r->id_field = bp_strdup("kavel_id");
    const int64_t fid[] = {11, 12, 9007199254740993LL};
    const double area[] = {5000, 0, 2500.25};
    const unsigned char flags[] = {BP_PLOT_POLYGON, BP_PLOT_FILTER_FAIL, BP_PLOT_POLYGON};
    const uint32_t gm[] = {1, BP_NO_GEMEENTE, 0};
    const double dist[] = {100.123456789012345, NAN, 1e-300, 5000, 0, 1e9};
    const int32_t count[] = {3, 0, 0, 1, 2, 7};
    memcpy(r->fid, fid, sizeof fid);
    memcpy(r->area, area, sizeof area);
    memcpy(r->flags, flags, sizeof flags);
    memcpy(r->gemeente, gm, sizeof gm);
    memcpy(r->dist, dist, sizeof dist);
    memcpy(r->count, count, sizeof count);
    assert_int_equal(bp_result_alloc_attach(r, NULL), BP_OK);
    r->attach[0] = 0.5, r->attach[2] = 250.000000001;
    r->snap_tolerance_m = 250;
    /* a building's storeys and own estimate; a point on each plot */
    r->own_capacity = malloc(3 * sizeof *r->own_capacity);
    r->levels = malloc(3 * sizeof *r->levels);
    const double own[] = {NAN, 40, NAN}, levels[] = {3, NAN, 2.5};
    memcpy(r->own_capacity, own, sizeof own);
    memcpy(r->levels, levels, sizeof levels);
    assert_int_equal(bp_result_alloc_points(r, NULL), BP_OK);
    r->px[0] = 155000.125, r->py[0] = 463000.5, r->px[2] = -1e-9, r->py[2] = 1e7;
    bp_criterion crit[2] = {{500, 1000, 1500, BP_DECAY_LINEAR, {4, 4, 3}},
                            {300.1, 900.7, 0, BP_DECAY_LOGISTIC, {1, 2.5, 1.0 / 3}}};
    bp_score_opts so = {.ncat = 2, .crit = crit, .min_homes = {1, 12, 12.5}, .density = 72.5,
                        .floor_area_per_home = 92.25, .profile = BP_ZORGGESCHIKT};
    bp_gap_opts go = {0.3, BP_ZORGGESCHIKT};
    bp_rank_opts ro = {BP_ZORGGESCHIKT};
    assert_int_equal(bp_result_set_params(r, &so, &go, &ro, "eigendom\n= 'x'", NULL), BP_OK);
    const unsigned char wkb[] = {1, 3, 0, 0, 0, 9, 9};
    assert_int_equal(bp_result_add_gemeente(r, "GM0166", "Kampen\tOost", wkb, sizeof wkb), 0);
    assert_int_equal(bp_result_add_gemeente(r, "GM0193", "Zwolle", NULL, 0), 1);
    r->gm[0].has_target[0] = 1, r->gm[0].opgave[0] = 100, r->gm[0].plannen[0] = 20.5, r->gm[0].gerealiseerd[0] = 0;
    r->gm[0].has_target[2] = 1, r->gm[0].opgave[2] = 7, r->gm[0].plannen[2] = NAN, r->gm[0].gerealiseerd[2] = 1;
    bp_kv_add(&r->info, "config.profile", "zorggeschikt");
    bp_kv_add(&r->info, "warning.1", "a\tb\nc");
    bp_kv_add(&r->info, "empty", "");
    return r;
}

static void same_double(double a, double b, const char *what)
{
    if (!(a == b || (isnan(a) && isnan(b)))) fail_msg("%s: %.17g, stored %.17g", what, b, a);
}

/* Checks that b (restored) equals a (stored), the text cleaned of tabs and
 * newlines. */
static void check_equal(const bp_result *a, const bp_result *b)
{
    assert_int_equal(b->n, a->n);
    assert_int_equal(b->ncat, a->ncat);
    assert_int_equal(b->radius_m, a->radius_m);
    for (size_t c = 0; c < a->ncat; c++) assert_string_equal(b->cat[c], a->cat[c]);
    if (a->id_field) assert_string_equal(b->id_field, a->id_field);
    else assert_null(b->id_field);
    assert_int_equal(b->id_num != NULL, a->id_num != NULL);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(bp_result_id(b, i), bp_result_id(a, i));
        if (a->id_num) assert_int_equal(b->id_num[i], a->id_num[i]);
        assert_int_equal(b->fid[i], a->fid[i]);
        same_double(b->area[i], a->area[i], "area");
        assert_int_equal(b->flags[i], a->flags[i]);
        assert_int_equal(b->gemeente[i], a->gemeente[i]);
        for (size_t c = 0; c < a->ncat; c++) {
            same_double(b->dist[i * a->ncat + c], a->dist[i * a->ncat + c], "dist");
            assert_int_equal(b->count[i * a->ncat + c], a->count[i * a->ncat + c]);
        }
    }
    assert_int_equal(b->attach != NULL, a->attach != NULL);
    for (size_t i = 0; a->attach && i < a->n; i++) same_double(b->attach[i], a->attach[i], "attach");
    same_double(b->snap_tolerance_m, a->snap_tolerance_m, "snap_tolerance_m");
    double *const *arrays[] = {&a->own_capacity, &a->levels, &a->px, &a->py};
    double *const *back[] = {&b->own_capacity, &b->levels, &b->px, &b->py};
    for (int k = 0; k < 4; k++) {
        assert_int_equal(*back[k] != NULL, *arrays[k] != NULL);
        for (size_t i = 0; *arrays[k] && i < a->n; i++) same_double((*back[k])[i], (*arrays[k])[i], "optional array");
    }
    /* the parameters */
    const bp_score_opts *x = &a->score_opts, *y = &b->score_opts;
    assert_int_equal(y->ncat, x->ncat);
    assert_ptr_equal(y->crit, b->crit);
    for (size_t c = 0; c < a->ncat; c++) {
        same_double(y->crit[c].full_m, x->crit[c].full_m, "full_m");
        same_double(y->crit[c].zero_m, x->crit[c].zero_m, "zero_m");
        same_double(y->crit[c].knockout_m, x->crit[c].knockout_m, "knockout_m");
        assert_int_equal(y->crit[c].decay, x->crit[c].decay);
        for (int t = 0; t < BP_NTYPES; t++) same_double(y->crit[c].weight[t], x->crit[c].weight[t], "weight");
    }
    for (int t = 0; t < BP_NTYPES; t++) same_double(y->min_homes[t], x->min_homes[t], "min_homes");
    same_double(y->density, x->density, "density");
    same_double(y->floor_area_per_home, x->floor_area_per_home, "floor_area_per_home");
    assert_int_equal(y->profile, x->profile);
    same_double(b->gap_opts.gap_weight, a->gap_opts.gap_weight, "gap_weight");
    assert_int_equal(b->gap_opts.profile, a->gap_opts.profile);
    assert_int_equal(b->rank_opts.profile, a->rank_opts.profile);
    /* the gemeenten */
    assert_int_equal(b->ngm, a->ngm);
    for (size_t k = 0; k < a->ngm; k++) {
        assert_string_equal(b->gm[k].code, a->gm[k].code);
        assert_int_equal(b->gm[k].wkb_len, a->gm[k].wkb_len);
        if (a->gm[k].wkb_len) assert_memory_equal(b->gm[k].wkb, a->gm[k].wkb, a->gm[k].wkb_len);
        for (int t = 0; t < BP_NTYPES; t++) {
            assert_int_equal(b->gm[k].has_target[t], a->gm[k].has_target[t]);
            same_double(b->gm[k].opgave[t], a->gm[k].opgave[t], "opgave");
            same_double(b->gm[k].plannen[t], a->gm[k].plannen[t], "plannen");
            same_double(b->gm[k].gerealiseerd[t], a->gm[k].gerealiseerd[t], "gerealiseerd");
        }
    }
    assert_int_equal(b->info.n, a->info.n);
    for (size_t i = 0; i < a->info.n; i++) assert_string_equal(b->info.key[i], a->info.key[i]);
}

/* a stored in a new GeoPackage and restored: equal to a. */
static bp_result *stored(const bp_result *a, const char *name)
{
    char path[700];
    bp_result *b = bp_result_new();
    bp_ctx *ctx = bp_ctx_new();
    new_gpkg(name, path, sizeof path);
    assert_int_equal(bp_result_store(a, path, name, ctx), BP_OK);
    assert_int_equal(bp_result_restore(b, path, ctx), BP_OK);
    check_equal(a, b);
    bp_ctx_free(ctx);
    return b;
}

static void round_trip(void **state)
{
    (void)state;
    char path[700];
    bp_result *a = full(), *b = bp_result_new();
    bp_ctx *ctx = bp_ctx_new();
    /* as in an output: a table registered as attributes (run_info) */
    snprintf(path, sizeof path, "%s/full.gpkg", dir);
    GDALDatasetH out = unit_gpkg_create(path);
    unit_layer(out, "run_info", 0, wkbNone, "key:s,value:s", NULL, 0);
    GDALClose(out);
    assert_int_equal(bp_result_store(a, path, "full.gpkg", ctx), BP_OK);
    assert_int_equal(bp_result_store(a, path, "full.gpkg", ctx), BP_OK); /* again: replaced */
    assert_int_equal(bp_result_restore(b, path, ctx), BP_OK);
    check_equal(a, b);
    /* text is kept on one line: tabs and newlines become spaces */
    assert_string_equal(b->filter, "eigendom = 'x'");
    assert_string_equal(b->gm[0].name, "Kampen Oost");
    assert_string_equal(b->gm[1].name, "Zwolle");
    assert_string_equal(bp_kv_get(&b->info, "warning.1"), "a b c");
    assert_string_equal(bp_kv_get(&b->info, "empty"), "");
    /* the table is not registered: GIS programs do not list it as a layer */
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    assert_non_null(ds);
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++)
        assert_string_not_equal(OGR_L_GetName(GDALDatasetGetLayer(ds, i)), BP_RESULT_TABLE);
    OGRLayerH rows = GDALDatasetExecuteSQL(ds, "SELECT count(*) FROM gpkg_contents WHERE table_name = '" BP_RESULT_TABLE "'",
                                           NULL, NULL);
    OGRFeatureH f = OGR_L_GetNextFeature(rows);
    assert_int_equal(OGR_F_GetFieldAsInteger(f, 0), 0);
    OGR_F_Destroy(f);
    GDALDatasetReleaseResultSet(ds, rows);
    GDALClose(ds);
    bp_result_free(a);
    bp_result_free(b);

    /* numeric ids, no network, no filter, no gemeenten */
    a = unit_result(4, NULL, 2, cats);
    a->dist[3] = 12.5;
    bp_criterion crit[2] = {{500, 1000, 0, BP_DECAY_LINEAR, {1, 1, 1}}, {500, 1000, 0, BP_DECAY_LINEAR, {1, 1, 1}}};
    bp_score_opts so = {.ncat = 2, .crit = crit, .min_homes = {1, 12, 12}, .density = 60, .profile = BP_NULTREDEN};
    bp_gap_opts go = {0.25, BP_NULTREDEN};
    bp_rank_opts ro = {BP_NULTREDEN};
    assert_int_equal(bp_result_set_params(a, &so, &go, &ro, NULL, ctx), BP_OK);
    b = stored(a, "numeric.gpkg");
    assert_non_null(b->id_num);
    assert_null(b->filter);
    assert_null(b->attach);
    bp_result_free(a);
    bp_result_free(b);

    /* no plots at all */
    a = unit_result(0, NULL, 2, cats);
    assert_int_equal(bp_result_set_params(a, &so, &go, &ro, NULL, ctx), BP_OK);
    bp_result_free(stored(a, "empty.gpkg"));
    bp_result_free(a);
    bp_ctx_free(ctx);
}

/* Stores the full result, runs 'sql' on the file, restores: the status and
 * message. */
static bp_status damaged(const char *sql, char *msg, size_t size)
{
    char path[700];
    new_gpkg("damaged.gpkg", path, sizeof path);
    bp_result *a = full(), *b = bp_result_new();
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_result_store(a, path, "damaged.gpkg", ctx), BP_OK);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s: %s", sql, err);
    sqlite3_close(db);
    bp_status st = bp_result_restore(b, path, ctx);
    snprintf(msg, size, "%s", bp_ctx_errmsg(ctx));
    bp_result_free(a);
    bp_result_free(b); /* also after a failure */
    bp_ctx_free(ctx);
    return st;
}

static void damage(void **state)
{
    (void)state;
    static const struct {
        const char *sql, *message;
    } cases[] = {
        {"DELETE FROM bodnaarplot_result WHERE name = 'dist#0'", "table bodnaarplot_result has no dist#0 (damaged)"},
        {"DELETE FROM bodnaarplot_result WHERE name = 'fid#0'", "has no fid#0 (damaged)"},
        {"DELETE FROM bodnaarplot_result WHERE name = 'attach#0'", NULL}, /* optional: a straight-line result */
        {"DELETE FROM bodnaarplot_result WHERE name = 'shape'", "has no shape (damaged)"},
        {"DELETE FROM bodnaarplot_result WHERE name = 'params'", "has no params (damaged)"},
        {"DELETE FROM bodnaarplot_result WHERE name = 'gm_wkb#1'", "has no gm_wkb#1 (damaged)"},
        {"DELETE FROM bodnaarplot_result WHERE name = 'ids#0'", "has no ids#0 (damaged)"},
        {"DELETE FROM bodnaarplot_result WHERE name = 'format'", "has no format (damaged)"},
        {"UPDATE bodnaarplot_result SET value = substr(value, 1, 16) WHERE name = 'area#0'",
         "bodnaarplot_result.area has the wrong size (damaged)"},
        {"UPDATE bodnaarplot_result SET value = value || x'00' WHERE name = 'count#0'",
         "bodnaarplot_result.count has the wrong size (damaged)"},
        {"UPDATE bodnaarplot_result SET value = x'0000' WHERE name = 'flags#0'",
         "bodnaarplot_result.flags has the wrong size (damaged)"},
        {"UPDATE bodnaarplot_result SET value = substr(value, 2) WHERE name = 'py#0'",
         "bodnaarplot_result.py has the wrong size (damaged)"},
        {"DELETE FROM bodnaarplot_result WHERE name = 'py#0'", "has no py#0 (damaged)"},
        {"UPDATE bodnaarplot_result SET value = x'00' WHERE name = 'levels#0'",
         "bodnaarplot_result.levels has the wrong size (damaged)"},
        {"DELETE FROM bodnaarplot_result WHERE name = 'own_capacity#0'", NULL}, /* optional */
        {"UPDATE bodnaarplot_result SET value = CAST('3 2' AS BLOB) WHERE name = 'shape'",
         "bodnaarplot_result.shape is damaged"},
        {"UPDATE bodnaarplot_result SET value = CAST('4 2 450 0' AS BLOB) WHERE name = 'shape'",
         "bodnaarplot_result.ids is damaged"},
        {"UPDATE bodnaarplot_result SET value = CAST('zorg' || char(10) AS BLOB) WHERE name = 'categories'",
         "bodnaarplot_result.categories is damaged"},
        {"UPDATE bodnaarplot_result SET value = CAST('K-1' AS BLOB) || x'00' WHERE name = 'ids#0'",
         "bodnaarplot_result.ids is damaged"},
        {"UPDATE bodnaarplot_result SET value = CAST('profile=7' AS BLOB) WHERE name = 'params'",
         "bodnaarplot_result.params is damaged"},
        {"UPDATE bodnaarplot_result SET value = CAST('profile=1' || char(10) || 'density=60' AS BLOB) "
         "WHERE name = 'params'",
         "bodnaarplot_result.params is damaged"}, /* the criteria missing */
        {"UPDATE bodnaarplot_result SET value = CAST('density=veel' AS BLOB) WHERE name = 'params'",
         "bodnaarplot_result.params is damaged"},
        {"UPDATE bodnaarplot_result SET value = CAST('GM0166' || char(9) || 'x' AS BLOB) WHERE name = 'gemeenten'",
         "bodnaarplot_result.gemeenten is damaged"},
        {"UPDATE bodnaarplot_result SET value = x'050000000000000000000000' WHERE name = 'gemeente#0'",
         "bodnaarplot_result.gemeente is damaged"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        char msg[512];
        bp_status st = damaged(cases[i].sql, msg, sizeof msg);
        if (!cases[i].message) {
            if (st != BP_OK) fail_msg("%s: %s", cases[i].sql, msg);
            continue;
        }
        if (st != BP_ERR_DATA || !strstr(msg, cases[i].message) || !strstr(msg, "damaged.gpkg: "))
            fail_msg("%s: status %d '%s', wanted '%s'", cases[i].sql, st, msg, cases[i].message);
    }
}

/* Arrays come back whatever the chunk sizes (earlier versions wrote 64 MiB
 * chunks): dist and count re-cut into chunks of 8 bytes and the rest. */
static void other_chunk_sizes(void **state)
{
    (void)state;
    char path[700];
    new_gpkg("chunks.gpkg", path, sizeof path);
    bp_result *a = full(), *b = bp_result_new();
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_result_store(a, path, "chunks.gpkg", ctx), BP_OK);
    sqlite3 *db;
    assert_int_equal(sqlite3_open(path, &db), SQLITE_OK);
    const char *sql =
        "INSERT INTO bodnaarplot_result SELECT 'dist#1', substr(value, 9) FROM bodnaarplot_result WHERE name = 'dist#0';"
        "UPDATE bodnaarplot_result SET value = substr(value, 1, 8) WHERE name = 'dist#0';"
        "INSERT INTO bodnaarplot_result SELECT 'count#1', substr(value, 9, 8) FROM bodnaarplot_result "
        "WHERE name = 'count#0';"
        "INSERT INTO bodnaarplot_result SELECT 'count#2', substr(value, 17) FROM bodnaarplot_result "
        "WHERE name = 'count#0';"
        "UPDATE bodnaarplot_result SET value = substr(value, 1, 8) WHERE name = 'count#0';";
    char *err = NULL;
    if (sqlite3_exec(db, sql, NULL, NULL, &err) != SQLITE_OK) fail_msg("%s", err);
    sqlite3_close(db);
    assert_int_equal(bp_result_restore(b, path, ctx), BP_OK);
    check_equal(a, b);
    bp_result_free(a);
    bp_result_free(b);
    bp_ctx_free(ctx);
}

static void not_a_result(void **state)
{
    (void)state;
    char path[700], msg[512];
    bp_ctx *ctx = bp_ctx_new();
    bp_result *r = bp_result_new();
    /* a GeoPackage without the table */
    new_gpkg("plain.gpkg", path, sizeof path);
    unit_expect_error(ctx, bp_result_restore(r, path, ctx), BP_ERR_USAGE,
                      "plain.gpkg: not a bodnaarplot result (no table bodnaarplot_result)");
    bp_ctx_clear(ctx);
    /* not SQLite at all */
    snprintf(path, sizeof path, "%s/tekst.gpkg", dir);
    unit_put(path, "geen database\n");
    unit_expect_error(ctx, bp_result_restore(r, path, ctx), BP_ERR_USAGE, "tekst.gpkg: not a bodnaarplot result");
    bp_ctx_clear(ctx);
    /* not there */
    snprintf(path, sizeof path, "%s/weg.gpkg", dir);
    unit_expect_error(ctx, bp_result_restore(r, path, ctx), BP_ERR_USAGE, "weg.gpkg: cannot open");
    bp_ctx_clear(ctx);
    /* another version's result */
    assert_int_equal(damaged("UPDATE bodnaarplot_result SET value = CAST('bodnaarplot-result 2' AS BLOB) WHERE name "
                             "= 'format'",
                             msg, sizeof msg),
                     BP_ERR_USAGE);
    unit_assert_contains(msg, "damaged.gpkg: a result of another bodnaarplot version ('bodnaarplot-result 2'); run it again");
    /* storing needs the GeoPackage to be there */
    bp_result *a = full();
    unit_expect_error(ctx, bp_result_store(a, path, "weg.gpkg", ctx), BP_ERR_IO, "weg.gpkg: cannot reopen the GeoPackage");
    bp_result_free(a);
    bp_result_free(r);
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(round_trip), cmocka_unit_test(damage),
                                       cmocka_unit_test(other_chunk_sizes),
                                       cmocka_unit_test(not_a_result)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
