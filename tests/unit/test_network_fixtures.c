/* The walkability rules on the hand-written OpenStreetMap fixtures of
 * tests/data/osm (one per rule, made by make_fixtures.py): each file's
 * header names its nodes (x, y in EPSG:28992) and holds an `expect:` YAML
 * block: the graph counts and, per profile, the walking distance between
 * named nodes ("unreachable" when there is none).  For every pair X-Y a
 * plot stands at X and a facility of its own category at Y; the distance
 * bodnaarplot computes must be within 1 cm of the one written down.  The
 * fixture other_tags.osm is also read as GDAL's OSM driver gives it
 * (other_tags_lines.geojson: the deciding tags only in the HSTORE field
 * other_tags), which must give the same graph and distances. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"
#include "distance/network/network.h"

#define MAXPTS 32

typedef struct {
    char name[16];
    double x, y;
} point;

typedef struct {
    point pt[MAXPTS];
    int npt;
    bp_yaml *expect;
} fixture;

static char *data_path(const char *file)
{
    /* tests/unit/THIS.c -> tests/data/osm/FILE */
    const char *src = __FILE__;
    const char *slash = strrchr(src, '/');
    return bp_strfmt("%.*s/../data/osm/%s", slash ? (int)(slash - src) : 1, slash ? src : ".", file);
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "rb");
    assert_non_null(f);
    fseek(f, 0, SEEK_END);
    long n = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *buf = malloc((size_t)n + 1);
    assert_non_null(buf);
    assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static void load_fixture(const char *path, fixture *fx)
{
    memset(fx, 0, sizeof *fx);
    char *text = slurp(path);
    char *p = strstr(text, "named nodes");
    assert_non_null(p);
    for (char *line = strchr(p, '\n') + 1; fx->npt < MAXPTS; line = strchr(line, '\n') + 1) {
        point *q = &fx->pt[fx->npt];
        int id;
        if (sscanf(line, " %15s node %d %lf %lf", q->name, &id, &q->x, &q->y) != 4) break;
        fx->npt++;
    }
    char *e = strstr(text, "\nexpect:\n"), *end = strstr(text, "\n-->");
    assert_non_null(e);
    assert_non_null(end);
    bp_ctx *ctx = bp_ctx_new();
    fx->expect = bp_yaml_parse(e + 1, (size_t)(end - e), path, ctx);
    assert_non_null(fx->expect);
    const bp_yaml *ex = bp_yaml_get(fx->expect, "expect");
    /* extra points: NAME: [x, y] */
    for (size_t i = 0; ex && i < ex->n; i++)
        if (ex->items[i]->kind == BP_YAML_SEQ && ex->items[i]->n == 2) {
            point *q = &fx->pt[fx->npt++];
            snprintf(q->name, sizeof q->name, "%s", ex->keys[i]);
            q->x = atof(ex->items[i]->items[0]->value);
            q->y = atof(ex->items[i]->items[1]->value);
        }
    bp_ctx_free(ctx);
    free(text);
}

static const point *find_point(const fixture *fx, const char *name, size_t len)
{
    for (int i = 0; i < fx->npt; i++)
        if (strlen(fx->pt[i].name) == len && !strncmp(fx->pt[i].name, name, len)) return &fx->pt[i];
    fail_msg("no node named %.*s", (int)len, name);
    return NULL;
}

static long expect_int(const bp_yaml *graph, const char *key)
{
    const bp_yaml *v = bp_yaml_get(graph, key);
    return v ? atol(v->value) : -1;
}

/* Loads the network 'source' for a profile and checks the graph counts and
 * every distance of the fixture's block for that profile. */
static void check(const fixture *fx, const char *source, int rollator, const char *what)
{
    const bp_yaml *ex = bp_yaml_get(fx->expect, "expect");
    bp_ctx *ctx = bp_ctx_new();
    bp_crs crs;
    bp_geos g;
    assert_int_equal(bp_crs_init(&crs, "EPSG:28992", NULL, ctx), BP_OK);
    assert_int_equal(bp_geos_init(&g, ctx), BP_OK);
    const bp_yaml *tol = bp_yaml_get(ex, "snap_tolerance_m");
    bp_network_opts o = {.source = source, .rollator = rollator, .snap_tolerance_m = tol ? atof(tol->value) : 10,
                         .threads = 2, .island_m = 1000};
    bp_network *net = NULL;
    bp_status st = bp_network_load(&o, &crs, &g, NULL, &net, ctx);
    if (st != BP_OK) fail_msg("%s: %s", what, bp_ctx_errmsg(ctx));
    const bp_yaml *graph = bp_yaml_get(ex, "graph");
    assert_non_null(graph);
    if ((long)net->n != expect_int(graph, "vertices") || (long)(net->m - net->m_mesh) != expect_int(graph, "edges") ||
        (long)net->n_ways != expect_int(graph, "ways") ||
        (long)net->n_relations != (expect_int(graph, "relations") < 0 ? 0 : expect_int(graph, "relations")))
        fail_msg("%s: graph %zu vertices, %zu edges, %zu ways, %zu relations; expected %ld, %ld, %ld", what, net->n,
                 net->m - net->m_mesh, net->n_ways, net->n_relations, expect_int(graph, "vertices"),
                 expect_int(graph, "edges"), expect_int(graph, "ways"));
    const bp_yaml *pairs = bp_yaml_get(ex, rollator ? "rollator" : "walk");
    size_t n = pairs ? pairs->n : 0;
    GEOSGeometry **plots = calloc(n + 1, sizeof *plots), **facs = calloc(n + 1, sizeof *facs);
    bp_layer *fac = calloc(n + 1, sizeof *fac);
    double *dist = calloc(n * n + 1, sizeof *dist), *attach = calloc(n + 1, sizeof *attach);
    size_t *unatt = calloc(n + 1, sizeof *unatt);
    for (size_t i = 0; i < n; i++) {
        const char *key = pairs->keys[i], *dash = strchr(key, '-');
        assert_non_null(dash);
        const point *a = find_point(fx, key, (size_t)(dash - key)), *b = find_point(fx, dash + 1, strlen(dash + 1));
        plots[i] = GEOSGeom_createPointFromXY_r(g.h, a->x, a->y);
        facs[i] = GEOSGeom_createPointFromXY_r(g.h, b->x, b->y);
        fac[i].n = 1;
        fac[i].geom = &facs[i];
    }
    bp_network_out out = {.plot_attach = attach, .fac_unattached = unatt};
    assert_int_equal(bp_network_distances(net, &o, &g, plots, n, fac, n, dist, NULL, &out, ctx), BP_OK);
    for (size_t i = 0; i < n; i++) {
        const char *want = pairs->items[i]->value;
        double got = dist[i * n + i];
        if (!strcmp(want, "unreachable")) {
            if (!isnan(got)) fail_msg("%s %s %s: %.3f, expected unreachable", what, rollator ? "rollator" : "walk", pairs->keys[i], got);
        } else if (!(fabs(got - atof(want)) <= 0.01)) {
            fail_msg("%s %s %s: %.3f, expected %s", what, rollator ? "rollator" : "walk", pairs->keys[i], got, want);
        }
    }
    for (size_t i = 0; i < n; i++) {
        GEOSGeom_destroy_r(g.h, plots[i]);
        GEOSGeom_destroy_r(g.h, facs[i]);
    }
    free(plots), free(facs), free(fac), free(dist), free(attach), free(unatt);
    bp_network_free(net, &g);
    bp_geos_finish(&g);
    bp_crs_clear(&crs);
    bp_ctx_free(ctx);
}

static void run_fixture(const char *name, const char *lines)
{
    char file[64];
    snprintf(file, sizeof file, "%s.osm", name);
    char *path = data_path(file);
    fixture fx;
    load_fixture(path, &fx);
    check(&fx, path, 0, name);
    check(&fx, path, 1, name);
    if (lines) {
        char *lp = data_path(lines);
        check(&fx, lp, 0, lines);
        check(&fx, lp, 1, lines);
        free(lp);
    }
    bp_yaml_free(fx.expect);
    free(path);
}

#define FIXTURE(name) \
    static void name(void **state) { (void)state; run_fixture(#name, NULL); }
FIXTURE(access_destination)
FIXTURE(cycleway_foot_no)
FIXTURE(cycleway_no_foot)
FIXTURE(first_way)
FIXTURE(foot_overrides_access)
FIXTURE(island)
FIXTURE(kerb_raised)
FIXTURE(motorroad)
FIXTURE(pedestrian_area)
FIXTURE(pedestrian_multipolygon)
FIXTURE(primary)
FIXTURE(primary_use_sidepath)
FIXTURE(private_destination)
FIXTURE(private_enclosed)
FIXTURE(steps_rollator)
FIXTURE(trunk_sidewalk)
FIXTURE(wheelchair_no)
#undef FIXTURE

static void other_tags(void **state)
{
    (void)state;
    run_fixture("other_tags", "other_tags_lines.geojson");
}

int main(void)
{
    GDALAllRegister();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(access_destination), cmocka_unit_test(cycleway_foot_no),
        cmocka_unit_test(cycleway_no_foot),   cmocka_unit_test(first_way),
        cmocka_unit_test(foot_overrides_access), cmocka_unit_test(island),
        cmocka_unit_test(kerb_raised),        cmocka_unit_test(motorroad),
        cmocka_unit_test(pedestrian_area),    cmocka_unit_test(pedestrian_multipolygon),
        cmocka_unit_test(primary),            cmocka_unit_test(primary_use_sidepath),
        cmocka_unit_test(private_destination), cmocka_unit_test(private_enclosed),
        cmocka_unit_test(steps_rollator),
        cmocka_unit_test(trunk_sidewalk),     cmocka_unit_test(wheelchair_no),
        cmocka_unit_test(other_tags),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
