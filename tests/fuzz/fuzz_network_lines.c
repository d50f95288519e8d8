/* Fuzz harness: the walking-network builder from an OGR line layer
 * (network/lines.c through bp_network_load): arbitrary GeoJSON, or a
 * GeoPackage when the input starts like an SQLite file, becomes the
 * network; a fixed plot and two facilities are attached to it and the
 * walking distances computed, with both profiles.  Any status is fine;
 * crashes, sanitizer reports and distances that are negative are not. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <cpl_conv.h>
#include <cpl_vsi.h>

#include "run/run.h"

static GEOSGeometry *point(bp_geos *g, double x, double y)
{
    return GEOSGeom_createPointFromXY_r(g->h, x, y);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        GDALAllRegister();
        CPLSetConfigOption("CPL_LOG", "/dev/null");
        init = 1;
    }
    int gpkg = size >= 16 && memcmp(data, "SQLite format 3", 15) == 0;
    const char *path = gpkg ? "/vsimem/fuzz_lines.gpkg" : "/vsimem/fuzz_lines.geojson";
    VSILFILE *f = VSIFileFromMemBuffer(path, (GByte *)data, (vsi_l_offset)size, FALSE);
    if (!f) return 0;
    VSIFCloseL(f);
    bp_ctx *ctx = bp_ctx_new();
    bp_crs crs;
    bp_geos g = {0};
    if (ctx && bp_crs_init(&crs, "EPSG:28992", "EPSG:28992", ctx) == BP_OK) {
        if (bp_geos_init(&g, ctx) == BP_OK) {
            for (int rollator = 0; rollator < 2; rollator++) {
                bp_network_opts o = {.source = path, .rollator = rollator, .snap_tolerance_m = 500, .threads = 1};
                bp_network *net = NULL;
                bp_ctx_clear(ctx);
                if (bp_network_load(&o, &crs, &g, NULL, &net, ctx) != BP_OK) break;
                GEOSGeometry *plot = point(&g, 100, 100);
                bp_layer fac = {0};
                GEOSGeometry *fg[2] = {point(&g, 0, 0), point(&g, 250, 40)};
                int64_t fid[2] = {1, 2};
                fac.n = 2;
                fac.geom = fg;
                fac.fid = fid;
                double dist = NAN, attach = INFINITY;
                size_t unatt = 0;
                bp_network_out out = {.plot_attach = &attach, .fac_unattached = &unatt};
                if (plot && fg[0] && fg[1] &&
                    bp_network_distances(net, &o, &g, &plot, 1, &fac, 1, &dist, NULL, &out, ctx) == BP_OK && dist < 0)
                    abort(); /* a walking distance is never negative */
                free(out.vertex_dist);
                if (plot) GEOSGeom_destroy_r(g.h, plot);
                for (int k = 0; k < 2; k++)
                    if (fg[k]) GEOSGeom_destroy_r(g.h, fg[k]);
                bp_network_free(net, &g);
            }
            bp_geos_finish(&g);
        }
        bp_crs_clear(&crs);
    }
    bp_ctx_free(ctx);
    VSIUnlink(path);
    return 0;
}
