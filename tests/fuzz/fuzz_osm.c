/* Fuzz harness: the OpenStreetMap reader and the walking graph.  The input
 * is an OSM file (XML, or PBF when it starts with a zero byte, as PBF's
 * first BlobHeader length does), written to a temporary file because
 * readosm reads paths.  One pass reads the graph with the built-in
 * walkability rules and two facility categories (nodes, closed ways,
 * multipolygon relations); when a graph comes out, a plot and a facility
 * at two of its vertices are attached and walked, and the invariants are
 * checked: distances are NaN or not negative, the plot's attachment is 0
 * (it stands on a vertex), the walk_network edges are real edges. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cpl_conv.h>

#include "distance/network/network.h"

static char path_xml[64], path_pbf[64];
static bp_crs crs;  /* made once: PROJ's lookups dominate a run otherwise */

static void walk(bp_network *net, const bp_network_opts *o, bp_geos *g, bp_ctx *ctx, const bp_layer *fac)
{
    GEOSGeometry *plot = GEOSGeom_createPointFromXY_r(g->h, net->x[0], net->y[0]);
    GEOSGeometry *fg = GEOSGeom_createPointFromXY_r(g->h, net->x[net->n - 1], net->y[net->n - 1]);
    bp_layer cats[3];
    memset(cats, 0, sizeof cats);
    cats[0].n = 1;
    cats[0].geom = &fg;
    cats[1] = fac[0];
    cats[2] = fac[1];
    double dist[3], attach = NAN;
    int32_t count[3];
    size_t unatt[3];
    bp_network_out out = {.plot_attach = &attach, .fac_unattached = unatt, .want_vertex_dist = 1};
    if (bp_network_distances(net, o, g, &plot, 1, cats, 3, dist, count, &out, ctx) == BP_OK) {
        for (int c = 0; c < 3; c++)
            if (dist[c] < 0 || count[c] < 0) abort();
        /* the plot stands on vertex 0: when it is passable, the plot is on it */
        if (net->off[1] > net->off[0] && !(attach < 1e-6)) abort();
        for (size_t k = 0; k < bp_network_edge_count(net); k++) {
            if (bp_network_edge_id(net, k) >= net->m) abort();
            double d = bp_network_edge_dist(net, out.vertex_dist, k, 0);
            if (d < 0) abort();
        }
    }
    free(out.vertex_dist);
    GEOSGeom_destroy_r(g->h, plot);
    GEOSGeom_destroy_r(g->h, fg);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        GDALAllRegister();
        CPLSetConfigOption("CPL_LOG", "/dev/null");
        const char *tmp = getenv("TMPDIR");
        snprintf(path_xml, sizeof path_xml, "%s/bp_fuzz_osm_%d.osm", tmp && *tmp ? tmp : "/tmp", (int)getpid());
        snprintf(path_pbf, sizeof path_pbf, "%s/bp_fuzz_osm_%d.osm.pbf", tmp && *tmp ? tmp : "/tmp", (int)getpid());
        if (bp_crs_init(&crs, "EPSG:28992", NULL, NULL) != BP_OK) abort();
        init = 1;
    }
    const char *path = size && data[0] == 0 ? path_pbf : path_xml;
    FILE *f = fopen(path, "wb");
    if (!f) return 0;
    fwrite(data, 1, size, f);
    fclose(f);
    bp_ctx *ctx = bp_ctx_new();
    bp_geos g;
    if (!ctx || bp_geos_init(&g, ctx) != BP_OK) abort();
    char *tags[2] = {"shop=supermarket, amenity=doctors", "leisure=park"};
    char *names[2] = {"winkel", "groen"};
    bp_layer fac[2];
    memset(fac, 0, sizeof fac);
    bp_osm_request req = {tags, names, 2, fac};
    bp_network_opts o = {.source = path, .rollator = size & 1, .snap_tolerance_m = 250, .threads = 1,
                         .island_m = 1000, .counts = 1, .radius_m = 500, .walk_network = BP_WALK_NETWORK_AROUND,
                         .around_m = 1000};
    bp_network *net = NULL;
    if (bp_network_load(&o, &crs, &g, &req, &net, ctx) == BP_OK) {
        if (net->n == 0 || net->m == 0) abort(); /* "no walkable ways" is an error, not an empty graph */
        for (size_t e = 0; e < net->m; e++)
            if (net->eu[e] >= net->ev[e] || net->ev[e] >= net->n || !(net->len[e] >= 0)) abort();
        walk(net, &o, &g, ctx, fac);
    }
    bp_network_free(net, &g);
    for (int c = 0; c < 2; c++) bp_layer_clear(&fac[c], &g);
    bp_geos_finish(&g);
    bp_ctx_free(ctx);
    unlink(path);
    return 0;
}
