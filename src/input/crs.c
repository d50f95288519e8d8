/*
 * crs.c — the analysis CRS and transformations into it (OGR on PROJ).
 *
 * Axis order is always x/easting first (OAMS_TRADITIONAL_GIS_ORDER), so
 * EPSG:4326 data in lon/lat order, as OGR hands it over, is read right.
 * Debian's proj-data lacks the NSGI RDNAPTRANS grid, so RD New <-> WGS84
 * uses PROJ's best available transformation (about 1 m); where a grid is
 * installed (PROJ_DATA), PROJ picks it up by itself.
 */
#include "input/input.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <cpl_error.h>

static OGRSpatialReferenceH srs_from(const char *spec, bp_ctx *ctx)
{
    OGRSpatialReferenceH s = OSRNewSpatialReference(NULL);
    if (!s) return NULL;
    bp_cpl_push_quiet(ctx);
    OGRErr e = OSRSetFromUserInput(s, spec);
    CPLPopErrorHandler();
    if (e != OGRERR_NONE) {
        OSRDestroySpatialReference(s);
        return NULL;
    }
    OSRSetAxisMappingStrategy(s, OAMS_TRADITIONAL_GIS_ORDER);
    return s;
}

bp_status bp_crs_init(bp_crs *crs, const char *target, const char *assume, bp_ctx *ctx)
{
    memset(crs, 0, sizeof *crs);
    if (!target) target = "EPSG:28992";
    crs->target = srs_from(target, ctx);
    if (!crs->target)
        return bp_error(ctx, BP_ERR_USAGE, "--crs: '%s' is not a CRS GDAL/PROJ knows (try EPSG:28992)", target);
    char *units = NULL;
    double to_m = OSRGetLinearUnits(crs->target, &units);
    if (!OSRIsProjected(crs->target) || to_m != 1.0) {
        bp_crs_clear(crs);
        return bp_error(ctx, BP_ERR_USAGE,
                        "--crs: %s is not a projected CRS in metres; distances need one (e.g. EPSG:28992)",
                        target);
    }
    crs->target_name = bp_strdup(target);
    if (assume) {
        crs->assume = srs_from(assume, ctx);
        if (!crs->assume) {
            bp_crs_clear(crs);
            return bp_error(ctx, BP_ERR_USAGE, "--assume-crs: '%s' is not a CRS GDAL/PROJ knows", assume);
        }
    }
    return BP_OK;
}

void bp_crs_clear(bp_crs *crs)
{
    if (!crs) return;
    if (crs->target) OSRDestroySpatialReference(crs->target);
    if (crs->assume) OSRDestroySpatialReference(crs->assume);
    free(crs->target_name);
    memset(crs, 0, sizeof *crs);
}

bp_status bp_crs_transform_for(const bp_crs *crs, OGRSpatialReferenceH src, const char *what,
                               OGRCoordinateTransformationH *out, bp_ctx *ctx)
{
    *out = NULL;
    OGRSpatialReferenceH s = src;
    if (!s) {
        if (!crs->assume)
            return bp_error(ctx, BP_ERR_USAGE,
                            "%s: the layer has no CRS; give it one, or pass --assume-crs EPSG:n", what);
        s = crs->assume;
    }
    OGRSpatialReferenceH c = OSRClone(s);
    if (!c) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    OSRSetAxisMappingStrategy(c, OAMS_TRADITIONAL_GIS_ORDER);
    if (OSRIsSame(c, crs->target)) {
        OSRDestroySpatialReference(c);
        return BP_OK;
    }
    CPLErrorReset();
    bp_cpl_push_quiet(ctx);
    OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(c, crs->target);
    CPLPopErrorHandler();
    OSRDestroySpatialReference(c);
    if (!ct)
        return bp_error(ctx, BP_ERR_DATA, "%s: no transformation from the layer's CRS to %s: %s", what,
                        crs->target_name, bp_cpl_msg());
    *out = ct;
    return BP_OK;
}

bp_status bp_crs_transform_from_wgs84(const bp_crs *crs, const char *what, OGRCoordinateTransformationH *out,
                                      bp_ctx *ctx)
{
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    if (!wgs) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    OSRImportFromEPSG(wgs, 4326);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    bp_status st = bp_crs_transform_for(crs, wgs, what, out, ctx);
    OSRDestroySpatialReference(wgs);
    return st;
}

/* Geodesic distance on the sphere (metres) between two lon/lat points. */
static double sphere_distance(double lon1, double lat1, double lon2, double lat2)
{
    const double r = 6371008.8, d2r = M_PI / 180.0;
    double dlat = (lat2 - lat1) * d2r, dlon = (lon2 - lon1) * d2r;
    double a = sin(dlat / 2) * sin(dlat / 2) + cos(lat1 * d2r) * cos(lat2 * d2r) * sin(dlon / 2) * sin(dlon / 2);
    return 2 * r * asin(sqrt(a));
}

double bp_crs_scale_at(const bp_crs *crs, double x, double y)
{
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    if (!wgs) return 1.0;
    OSRImportFromEPSG(wgs, 4326);
    OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
    CPLPushErrorHandler(CPLQuietErrorHandler);
    OGRCoordinateTransformationH inv = OCTNewCoordinateTransformation(crs->target, wgs);
    OGRCoordinateTransformationH fwd = OCTNewCoordinateTransformation(wgs, crs->target);
    double worst = 1.0;
    double lon = x, lat = y;
    if (inv && fwd && OCTTransform(inv, 1, &lon, &lat, NULL)) {
        const double d = 0.005; /* degrees: about 500 m */
        double px[4] = {lon, lon, lon - d, lon + d}, py[4] = {lat - d, lat + d, lat, lat};
        double gx[4], gy[4];
        memcpy(gx, px, sizeof gx);
        memcpy(gy, py, sizeof gy);
        if (OCTTransform(fwd, 4, gx, gy, NULL))
            for (int k = 0; k < 2; k++) {
                double proj = hypot(gx[2 * k + 1] - gx[2 * k], gy[2 * k + 1] - gy[2 * k]);
                double truth = sphere_distance(px[2 * k], py[2 * k], px[2 * k + 1], py[2 * k + 1]);
                double s = truth > 0 ? proj / truth : 1.0;
                if (isfinite(s) && fabs(s - 1.0) > fabs(worst - 1.0)) worst = s;
            }
    }
    CPLPopErrorHandler();
    if (inv) OCTDestroyCoordinateTransformation(inv);
    if (fwd) OCTDestroyCoordinateTransformation(fwd);
    OSRDestroySpatialReference(wgs);
    return worst;
}
