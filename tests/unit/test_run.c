/* Unit tests of run/run.c: bp_run end to end on tiny inputs; the promise of
 * the result type: a result loaded and re-ranked with changed parameters
 * equals a fresh run with them, for every profile and parameter; the
 * configuration of a result; errors that leave nothing behind. */
#include "unit.h"

#include "run/run.h"

static char dir[512];

/* Two gemeenten side by side; supermarkets, care and meeting places; 18
 * plots of many sizes (one a bowtie, repaired), ids from kavel_id. */
static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    unit_tmpdir(dir, sizeof dir, "run");
    char buf[16384];
    snprintf(buf, sizeof buf,
             "{\"type\":\"Feature\",\"properties\":{\"gemeentecode\":\"GM0193\",\"gemeentenaam\":\"Zwolle\"},\"geometry\":%s},"
             "{\"type\":\"Feature\",\"properties\":{\"gemeentecode\":\"166\",\"gemeentenaam\":\"Kampen\"},\"geometry\":%s}",
             unit_rect_json(0, 0, 3000, 3000), unit_rect_json(3000, 0, 6000, 3000));
    unit_geojson("/vsimem/run/gemeenten.geojson", "EPSG:28992", buf);
    unit_put("/vsimem/run/targets.csv", "gemeente_code;woningtype;opgave;plannen;gerealiseerd\n"
                                        "GM0193;nultreden;100;20;10\nGM0193;geclusterd;50;10;0\n"
                                        "GM0193;zorggeschikt;20;20;0\nGM0166;geclusterd;80;0;0\n");
    unit_geojson("/vsimem/run/supermarkt.geojson", "EPSG:28992",
                 "{\"type\":\"Feature\",\"properties\":{\"naam\":\"a\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[500,500]}},"
                 "{\"type\":\"Feature\",\"properties\":{\"naam\":\"b\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[4000,1500]}}");
    snprintf(buf, sizeof buf,
             "{\"type\":\"Feature\",\"properties\":{},\"geometry\":%s},"
             "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[5500,500]}}",
             unit_rect_json(2000, 2000, 2100, 2100));
    unit_geojson("/vsimem/run/zorg.geojson", "EPSG:28992", buf);
    unit_geojson("/vsimem/run/ontmoeting.geojson", "EPSG:28992",
                 "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[1500,2500]}},"
                 "{\"type\":\"Feature\",\"properties\":{},\"geometry\":null},"
                 "{\"type\":\"Feature\",\"properties\":{},\"geometry\":{\"type\":\"Point\",\"coordinates\":[4500,2900]}}");
    /* the plots */
    size_t o = 0;
    buf[0] = '\0';
    for (int i = 0; i < 16; i++) {
        double x = 200 + (i % 8) * 700, y = 300 + (i / 8) * 1400, w = 20 + 7 * i, h = 30 + 5 * (i % 5);
        o += (size_t)snprintf(buf + o, sizeof buf - o,
                              "{\"type\":\"Feature\",\"properties\":{\"kavel_id\":%d,\"eigendom\":\"%s\"},\"geometry\":%s},",
                              100 - i, i % 3 ? "gemeente" : "particulier", unit_rect_json(x, y, x + w, y + h));
    }
    /* 300 m east of the first supermarket, on its own */
    o += (size_t)snprintf(buf + o, sizeof buf - o,
                          "{\"type\":\"Feature\",\"properties\":{\"kavel_id\":500,\"eigendom\":\"gemeente\"},\"geometry\":%s},",
                          unit_rect_json(800, 480, 850, 550));
    snprintf(buf + o, sizeof buf - o,
             "{\"type\":\"Feature\",\"properties\":{\"kavel_id\":7,\"eigendom\":\"gemeente\"},\"geometry\":"
             "{\"type\":\"Polygon\",\"coordinates\":[[[2500,100],[2600,200],[2600,100],[2500,200],[2500,100]]]}}");
    unit_geojson("/vsimem/run/kavels.geojson", "EPSG:28992", buf);
    /* the same with a plot outside both gemeenten */
    char *outside = bp_strfmt("%s,{\"type\":\"Feature\",\"properties\":{\"kavel_id\":999,\"eigendom\":\"x\"},"
                              "\"geometry\":%s}",
                              buf, unit_rect_json(9000, 9000, 9010, 9010));
    unit_geojson("/vsimem/run/buiten.geojson", "EPSG:28992", outside);
    free(outside);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    static const char *const files[] = {"gemeenten.geojson", "targets.csv", "supermarkt.geojson", "zorg.geojson",
                                        "ontmoeting.geojson", "kavels.geojson", "buiten.geojson"};
    for (size_t i = 0; i < sizeof files / sizeof *files; i++) {
        char p[64];
        snprintf(p, sizeof p, "/vsimem/run/%s", files[i]);
        VSIUnlink(p);
    }
    unit_rmdir(dir);
    return 0;
}

/* The configuration of the tiny project, writing dir/NAME, with extra
 * key/value pairs. */
static bp_config *project(const char *name, const char *const *extra)
{
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    char out[700];
    snprintf(out, sizeof out, "%s/%s", dir, name);
    const char *const kv[] = {"candidates", "/vsimem/run/kavels.geojson", "candidates.id_field", "kavel_id",
                              "gemeenten", "/vsimem/run/gemeenten.geojson", "targets", "/vsimem/run/targets.csv",
                              "facilities.supermarkt", "/vsimem/run/supermarkt.geojson",
                              "facilities.zorg", "/vsimem/run/zorg.geojson",
                              "facilities.ontmoeting", "/vsimem/run/ontmoeting.geojson",
                              "threads", "2", "overwrite", "true", "output", out, NULL};
    for (const char *const *p = kv; *p; p += 2) assert_int_equal(bp_config_set(c, p[0], p[1], NULL, ctx), BP_OK);
    for (const char *const *p = extra; p && *p; p += 2)
        if (bp_config_set(c, p[0], p[1], NULL, ctx) != BP_OK) fail_msg("%s", bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return c;
}

/* Runs the project into dir/NAME and loads the result. */
static bp_result *run_and_load(const char *name, const char *const *extra, bp_summary *sum)
{
    bp_config *c = project(name, extra);
    bp_ctx *ctx = bp_ctx_new();
    if (bp_run(c, NULL, NULL, sum, ctx) != BP_OK) fail_msg("%s: %s", name, bp_ctx_errmsg(ctx));
    bp_result *r = NULL;
    if (bp_result_load(bp_config_output(c), &r, ctx) != BP_OK) fail_msg("%s: %s", name, bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    bp_config_free(c);
    return r;
}

static int same(double a, double b)
{
    return a == b || (isnan(a) && isnan(b));
}

/* b (re-ranked) equals a (a fresh run's) in everything the stages make. */
static void check_same(const bp_result *a, const bp_result *b, const char *what)
{
    assert_int_equal(b->n, a->n);
    for (size_t i = 0; i < a->n; i++) {
        assert_string_equal(bp_result_id(b, i), bp_result_id(a, i));
        if (b->rank[i] != a->rank[i] || b->order[i] != a->order[i] || b->knock[i] != a->knock[i])
            fail_msg("%s, plot %s: rank %d knock %d, fresh run rank %d knock %d", what, bp_result_id(a, i), b->rank[i],
                     b->knock[i], a->rank[i], a->knock[i]);
        for (int t = 0; t < BP_NTYPES; t++)
            if (!same(b->score[i * BP_NTYPES + t], a->score[i * BP_NTYPES + t]) ||
                !same(b->suit[i * BP_NTYPES + t], a->suit[i * BP_NTYPES + t]))
                fail_msg("%s, plot %s, type %d: score %.17g, fresh run %.17g", what, bp_result_id(a, i),
                         t, b->score[i * BP_NTYPES + t], a->score[i * BP_NTYPES + t]);
        for (size_t c = 0; c < a->ncat; c++) assert_true(same(b->cat_score[i * a->ncat + c], a->cat_score[i * a->ncat + c]));
        assert_true(same(b->capacity[i], a->capacity[i]));
        char ra[512], rb[512];
        bp_result_reason(a, i, ra, sizeof ra);
        bp_result_reason(b, i, rb, sizeof rb);
        assert_string_equal(rb, ra);
    }
    for (size_t k = 0; k < a->ngm; k++) {
        assert_int_equal(b->gm[k].n_plots, a->gm[k].n_plots);
        assert_int_equal(b->gm[k].n_suitable, a->gm[k].n_suitable);
        assert_float_equal(b->gm[k].capacity, a->gm[k].capacity, 0);
    }
    assert_int_equal(bp_result_profile(b), bp_result_profile(a));
}

/* The ranks the candidates layer of dir/NAME holds equal r's. */
static void check_written(const char *name, const bp_result *r)
{
    char path[700];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    GDALDatasetH ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    assert_non_null(ds);
    OGRLayerH l = GDALDatasetGetLayerByName(ds, "candidates");
    OGRFeatureH f;
    size_t k = 0;
    while ((f = OGR_L_GetNextFeature(l)) != NULL) {
        size_t i = r->order[k++];
        assert_string_equal(OGR_F_GetFieldAsString(f, OGR_F_GetFieldIndex(f, "plot_id")), bp_result_id(r, i));
        assert_int_equal(OGR_F_GetFieldAsInteger(f, OGR_F_GetFieldIndex(f, "rank")), r->rank[i]);
        assert_float_equal(OGR_F_GetFieldAsDouble(f, OGR_F_GetFieldIndex(f, "score")),
                           r->score[i * BP_NTYPES + r->rank_opts.profile], 1e-9);
        OGR_F_Destroy(f);
    }
    assert_int_equal(k, r->n);
    GDALClose(ds);
}

static void end_to_end(void **state)
{
    (void)state;
    bp_summary sum;
    memset(&sum, 0xff, sizeof sum);
    bp_result *r = run_and_load("base.gpkg", NULL, &sum);
    assert_int_equal(sum.n_candidates, 18);
    assert_int_equal(sum.n_facilities, 6);
    assert_int_equal(sum.n_gemeenten, 2);
    assert_int_equal(sum.n_repaired, 1);
    assert_int_equal(sum.n_skipped, 1);
    size_t ko = 0;
    for (size_t i = 0; i < r->n; i++) ko += r->knock[i] != 0;
    assert_int_equal(sum.n_knocked_out, ko);
    assert_true(ko > 2 && ko < 16); /* small plots are too small for geclusterd */
    assert_true(sum.seconds > 0 && sum.seconds < 60);
    /* the result as written */
    assert_int_equal(bp_result_count(r), 18);
    assert_int_equal(bp_result_ncategories(r), 3);
    assert_string_equal(bp_result_category_name(r, 0), "supermarkt");
    assert_int_equal(bp_result_profile(r), BP_GECLUSTERD);
    assert_non_null(r->id_num); /* kavel_id is an integer field */
    size_t p500 = 16;
    assert_string_equal(bp_result_plot_id(r, p500), "500");
    assert_float_equal(bp_result_distance(r, p500, 0), 300, 1e-9);
    assert_int_equal(bp_result_facility_count(r, p500, 0), 1);
    assert_float_equal(bp_result_criterion_score(r, p500, 0), 100, 0);
    assert_string_equal(bp_result_gemeente(r, p500), "GM0193");
    assert_float_equal(bp_result_capacity(r, p500), floor(50 * 70 / 10000.0 * 60), 0);
    assert_string_equal(bp_result_gemeente(r, 7), "GM0166");
    /* the repaired bowtie: two triangles of 2500 m² each */
    assert_float_equal(r->area[17], 5000, 1e-6);
    /* run_info: the configuration, the inputs, the result */
    assert_string_equal(bp_kv_get(&r->info, "config.profile"), "geclusterd");
    assert_string_equal(bp_kv_get(&r->info, "input.candidates.features_read"), "18");
    assert_string_equal(bp_kv_get(&r->info, "input.candidates.repaired"), "1");
    assert_string_equal(bp_kv_get(&r->info, "input.facilities.ontmoeting.skipped_without_geometry"), "1");
    assert_string_equal(bp_kv_get(&r->info, "input.gemeenten.features_used"), "2");
    assert_string_equal(bp_kv_get(&r->info, "input.targets.source"), "/vsimem/run/targets.csv");
    assert_string_equal(bp_kv_get(&r->info, "distance"), "euclidean (exact, GEOS, to the plot geometry)");
    assert_string_equal(bp_kv_get(&r->info, "result.profile"), "geclusterd");
    unit_assert_contains(bp_kv_get(&r->info, "warning.1"), "repaired");
    check_written("base.gpkg", r);
    bp_result_free(r);
    assert_int_equal(unit_count_files(dir), 1);
}

static void rerank_equals_run(void **state)
{
    (void)state;
    /* one parameter changed at a time: a fresh run with it, and the base
       result re-ranked in memory with it, must agree in every number */
    static const char *const variants[][7] = {
        {"profile", "nultreden", NULL},
        {"profile", "zorggeschikt", NULL},
        {"profiles.geclusterd.weights.supermarkt", "10", "profiles.geclusterd.weights.ontmoeting", "0", NULL},
        {"gap_weight", "0.8", NULL},
        {"criteria.zorg.full_m", "100", "criteria.zorg.decay", "logistic", NULL},
        {"density_homes_per_ha", "120", "profiles.geclusterd.min_homes", "3", NULL},
        {"criteria.supermarkt.knockout_m", "1000", "profile", "nultreden", NULL},
    };
    bp_result *base = run_and_load("base.gpkg", NULL, NULL), *r = NULL;
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_result_load(bp_kv_get(&base->info, "config.output"), &r, ctx), BP_OK);
    for (size_t v = 0; v < sizeof variants / sizeof *variants; v++) {
        char name[32];
        snprintf(name, sizeof name, "v%zu.gpkg", v);
        bp_result *fresh = run_and_load(name, variants[v], NULL);
        /* the same result re-ranked again and again: nothing stays of the last time */
        bp_config *cfg = bp_result_config(base);
        assert_non_null(cfg);
        for (const char *const *p = variants[v]; *p; p += 2) assert_int_equal(bp_config_set(cfg, p[0], p[1], NULL, ctx), BP_OK);
        assert_int_equal(bp_result_rerank(r, cfg, ctx), BP_OK);
        check_same(fresh, r, variants[v][0]);
        check_written(name, r);
        bp_config_free(cfg);
        bp_result_free(fresh);
        char path[700];
        snprintf(path, sizeof path, "%s/%s", dir, name);
        unlink(path);
    }
    /* back to the base parameters */
    bp_config *cfg = bp_result_config(base);
    assert_int_equal(bp_result_rerank(r, cfg, ctx), BP_OK);
    check_same(base, r, "base");
    bp_config_free(cfg);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    bp_result_free(r);
    bp_result_free(base);
    bp_ctx_free(ctx);
}

static void result_config(void **state)
{
    (void)state;
    static const char *const extra[] = {"profile", "zorggeschikt", "density_homes_per_ha", "45", "gap_weight", "0.4",
                                        "radius_m", "650", "criteria.zorg.knockout_m", "2500",
                                        "profiles.zorggeschikt.min_homes", "15", "candidates.filter",
                                        "eigendom = 'gemeente'", NULL};
    bp_result *r = run_and_load("filter.gpkg", extra, NULL);
    bp_config *c = bp_result_config(r);
    assert_non_null(c);
    assert_int_equal(c->profile, BP_ZORGGESCHIKT);
    assert_float_equal(c->density, 45, 0);
    assert_float_equal(c->gap_weight, 0.4, 0);
    assert_float_equal(c->radius_m, 650, 0);
    assert_float_equal(c->min_homes[BP_ZORGGESCHIKT], 15, 0);
    assert_float_equal(c->min_homes[BP_GECLUSTERD], 12, 0);
    assert_string_equal(c->filter, "eigendom = 'gemeente'");
    assert_int_equal(c->ncats, 3);
    for (size_t k = 0; k < 3; k++) {
        const bp_category *cat = bp_config_category(c, r->cat[k]);
        assert_non_null(cat);
        assert_float_equal(cat->crit.full_m, r->crit[k].full_m, 0);
        assert_float_equal(cat->crit.knockout_m, r->crit[k].knockout_m, 0);
        assert_float_equal(cat->crit.weight[BP_ZORGGESCHIKT], r->crit[k].weight[BP_ZORGGESCHIKT], 0);
    }
    assert_float_equal(bp_config_category(c, "zorg")->crit.knockout_m, 2500, 0);
    /* the filter knocked plots out */
    size_t failed = 0;
    for (size_t i = 0; i < r->n; i++) failed += (r->knock[i] & BP_KO_FILTER) != 0;
    assert_int_equal(failed, 6); /* 'particulier': i = 0, 3, 6, 9, 12, 15 */
    /* re-ranked with its own configuration: nothing changes */
    bp_result *again = NULL;
    bp_ctx *ctx = bp_ctx_new();
    char path[700];
    snprintf(path, sizeof path, "%s/filter.gpkg", dir);
    assert_int_equal(bp_result_load(path, &again, ctx), BP_OK);
    assert_int_equal(bp_result_rerank(again, c, ctx), BP_OK);
    check_same(r, again, "own configuration");
    /* a changed or dropped filter needs the plots: refused, nothing changed */
    assert_int_equal(bp_config_set(c, "candidates.filter", "eigendom <> 'x'", NULL, ctx), BP_OK);
    unit_expect_error(ctx, bp_result_rerank(again, c, ctx), BP_ERR_USAGE,
                      "candidates.filter: a changed filter needs the plots themselves; run score again");
    bp_ctx_clear(ctx);
    assert_int_equal(bp_config_set(c, "candidates.filter", "", NULL, ctx), BP_OK);
    unit_expect_error(ctx, bp_result_rerank(again, c, ctx), BP_ERR_USAGE, "a changed filter");
    bp_ctx_clear(ctx);
    assert_int_equal(bp_config_set(c, "candidates.filter", "eigendom = 'gemeente'", NULL, ctx), BP_OK);
    /* weights that sum to 0, criteria that cross: refused, nothing changed */
    assert_int_equal(bp_config_set(c, "profiles.nultreden.weights.supermarkt", "0", NULL, ctx), BP_OK);
    assert_int_equal(bp_config_set(c, "profiles.nultreden.weights.zorg", "0", NULL, ctx), BP_OK);
    assert_int_equal(bp_config_set(c, "profiles.nultreden.weights.ontmoeting", "0", NULL, ctx), BP_OK);
    unit_expect_error(ctx, bp_result_rerank(again, c, ctx), BP_ERR_USAGE,
                      "profiles.nultreden: the weights of the categories sum to 0");
    bp_ctx_clear(ctx);
    assert_int_equal(bp_config_set(c, "profiles.nultreden.weights.zorg", "1", NULL, ctx), BP_OK);
    assert_int_equal(bp_config_set(c, "criteria.supermarkt.full_m", "1000", NULL, ctx), BP_OK);
    unit_expect_error(ctx, bp_result_rerank(again, c, ctx), BP_ERR_USAGE,
                      "criteria.supermarkt: full_m (1000) must be smaller than zero_m (1000)");
    check_same(r, again, "after refusals");
    bp_config_free(c);
    bp_result_free(again);
    bp_result_free(r);
    bp_ctx_free(ctx);
    unlink(path);
}

/* Says stop at the n-th call (counting down *ud). */
static int CPL_STDCALL stop_at(double done, const char *msg, void *ud)
{
    (void)done;
    (void)msg;
    return --*(int *)ud > 0;
}

static void failures_leave_nothing(void **state)
{
    (void)state;
    static const struct {
        const char *const kv[6];
        bp_status st;
        const char *message;
    } cases[] = {
        {{"targets", "", NULL}, BP_ERR_USAGE, "no targets CSV given (--targets or targets:)"},
        {{"candidates", "/vsimem/run/buiten.geojson", "gemeenten.outside", "error", NULL}, BP_ERR_DATA,
         "candidate plot 999 lies outside every gemeente polygon"},
        {{"candidates", "/vsimem/run/weg.geojson", NULL}, BP_ERR_DATA, "/vsimem/run/weg.geojson: not a vector data source"},
        {{"facilities.zorg", "/vsimem/run/weg.gpkg", NULL}, BP_ERR_DATA,
         "facility category zorg: /vsimem/run/weg.gpkg: not a vector data source"},
        {{"candidates.id_field", "nummer", NULL}, BP_ERR_USAGE, "no field 'nummer' for --id-field"},
        {{"crs", "EPSG:4326", NULL}, BP_ERR_USAGE, "--crs: EPSG:4326 is not a projected CRS in metres"},
        {{"candidates.filter", "onbekend = 1", NULL}, BP_ERR_USAGE, "no such column: onbekend"},
        {{"output", "uit.txt", NULL}, BP_ERR_USAGE, "the output must be a GeoPackage ending in .gpkg"},
    };
    int before = unit_count_files(dir);
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_config *c = project("fout.gpkg", cases[i].kv);
        bp_ctx *ctx = bp_ctx_new();
        bp_status st = bp_run(c, NULL, NULL, NULL, ctx);
        if (st != cases[i].st || !strstr(bp_ctx_errmsg(ctx), cases[i].message))
            fail_msg("case %zu: %d '%s', wanted %d '%s'", i, st, bp_ctx_errmsg(ctx), cases[i].st, cases[i].message);
        assert_int_equal(unit_count_files(dir), before);
        bp_ctx_free(ctx);
        bp_config_free(c);
    }
    /* an existing output without --overwrite: refused before any work */
    char path[700];
    snprintf(path, sizeof path, "%s/bestaat.gpkg", dir);
    unit_put(path, "oud");
    static const char *const keep[] = {"overwrite", "false", NULL};
    bp_config *c = project("bestaat.gpkg", keep);
    bp_ctx *ctx = bp_ctx_new();
    unit_expect_error(ctx, bp_run(c, NULL, NULL, NULL, ctx), BP_ERR_USAGE, "bestaat.gpkg: exists; pass --overwrite");
    bp_ctx_clear(ctx);
    bp_config_free(c);
    /* stopped at each call of the progress function in turn (reading,
       after it, distances, writing): the old output stays, nothing else;
       until the calls run out and the run completes */
    c = project("bestaat.gpkg", NULL);
    int n, stops = 0;
    for (n = 1; n < 20; n++) {
        int left = n;
        bp_status st = bp_run(c, stop_at, &left, NULL, ctx);
        if (st == BP_OK) break;
        unit_expect_error(ctx, st, BP_ERR_ABORTED, "interrupted");
        bp_ctx_clear(ctx);
        stops++;
        assert_int_equal(unit_count_files(dir), before + 1);
        VSIStatBufL st_old;
        assert_int_equal(VSIStatL(path, &st_old), 0);
        assert_int_equal(st_old.st_size, 3);
    }
    assert_true(stops >= 4);
    assert_int_equal(unit_count_files(dir), before + 1); /* replaced in place */
    unlink(path);
    bp_config_free(c);
    /* not a result */
    bp_result *r = (bp_result *)1;
    unit_expect_error(ctx, bp_result_load("/vsimem/run/targets.csv", &r, ctx), BP_ERR_USAGE, "");
    assert_null(r);
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(end_to_end), cmocka_unit_test(rerank_equals_run),
                                       cmocka_unit_test(result_config), cmocka_unit_test(failures_leave_nothing)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
