/*
 * map.c — bp_map_render(): a PNG of the QGIS project inside a bodnaarplot
 * GeoPackage, rendered by QGIS itself (src/output/map.py, run by pyrun.c),
 * so the handout looks as the map does in QGIS.
 */
#include "output/output.h"

#include <stdio.h>

bp_status bp_map_render(const char *gpkg, const char *png, int width, int height, int overwrite, bp_ctx *ctx)
{
    if (width < 200 || height < 200 || width > 10000 || height > 10000)
        return bp_error(ctx, BP_ERR_USAGE, "map size %dx%d: width and height must be 200 to 10000 pixels",
                        width, height);
    /* the same rules as every output: never the GeoPackage it shows, never
       an existing file without overwrite */
    bp_status st = bp_pyrun_check(gpkg, png, overwrite, ctx);
    if (st != BP_OK) return st;
    char ws[16], hs[16];
    snprintf(ws, sizeof ws, "%d", width);
    snprintf(hs, sizeof hs, "%d", height);
    char *args[] = {ws, hs, NULL};
    return bp_pyrun("map", gpkg, png, ".png", args, overwrite, ctx);
}
