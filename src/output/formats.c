/*
 * formats.c — outputs other than the GeoPackage, selected like ogr2ogr's -f:
 *   FlatGeobuf  the candidates layer, in the analysis CRS, spatial index;
 *   GeoJSON     the candidates layer in WGS84 (RFC 7946), for web maps;
 *   CSV         the ranked list: every field of candidates and x_rd, y_rd,
 *               a point on the plot's surface in the analysis CRS;
 *   PostgreSQL  every layer (candidates, gemeente_gap, facilities,
 *               run_info) into a PG: database in one transaction.
 * Each is converted with GDALVectorTranslate from the complete GeoPackage
 * the export builds first, so every format holds the same values.  Files
 * are written to a temporary file beside the output and renamed into place;
 * the database is written in one transaction and refuses to replace
 * existing tables unless overwrite is set.
 */
#include "output/output.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <gdal_utils.h>

/* ogr2ogr arguments for a format; NULL-terminated, static. */
static const char *const *translate_args(bp_format format, int overwrite)
{
    static const char *const fgb[] = {"-f", "FlatGeobuf", "-lco", "SPATIAL_INDEX=YES", "candidates", NULL};
    static const char *const geojson[] = {"-f", "GeoJSON", "-t_srs", "EPSG:4326", "-lco", "RFC7946=YES",
                                          "-lco", "WRITE_NAME=NO", "candidates", NULL};
    static const char *const csv[] = {
        "-f", "CSV", "-nln", "candidates", "-sql",
        "SELECT *, round(ST_X(ST_PointOnSurface(geom)), 2) AS x_rd, "
        "round(ST_Y(ST_PointOnSurface(geom)), 2) AS y_rd FROM candidates ORDER BY fid",
        "-lco", "STRING_QUOTING=IF_NEEDED", NULL};
    static const char *const pg[] = {"-gt", "unlimited", "-ds_transaction", "-lco", "GEOMETRY_NAME=geom", "-lco", "FID=fid",
                                     "-lco", "SPATIAL_INDEX=GIST", "candidates", "gemeente_gap", "facilities",
                                     "run_info", NULL};
    static const char *const pg_over[] = {"-gt", "unlimited", "-ds_transaction", "-overwrite", "-lco", "GEOMETRY_NAME=geom",
                                          "-lco", "FID=fid", "-lco", "SPATIAL_INDEX=GIST", "candidates",
                                          "gemeente_gap", "facilities", "run_info", NULL};
    switch (format) {
    case BP_FMT_FLATGEOBUF: return fgb;
    case BP_FMT_GEOJSON: return geojson;
    case BP_FMT_CSV: return csv;
    case BP_FMT_POSTGRESQL: return overwrite ? pg_over : pg;
    default: return NULL;
    }
}

static bp_status to_database(GDALDatasetH src, const bp_write_opts *o, bp_ctx *ctx)
{
    const char *out = o->output;
    const char *const alllayers[] = {"candidates", "gemeente_gap", "facilities", "run_info"};
    CPLErrorReset();
    GDALDatasetH dst = GDALOpenEx(out, GDAL_OF_VECTOR | GDAL_OF_UPDATE, NULL, NULL, NULL);
    if (!dst) return bp_error(ctx, BP_ERR_USAGE, "%s: cannot open the database: %s", out, bp_cpl_msg());
    bp_status st = BP_OK;
    for (size_t i = 0; i < 4 && st == BP_OK && !o->overwrite; i++)
        if (GDALDatasetGetLayerByName(dst, alllayers[i]))
            st = bp_error(ctx, BP_ERR_USAGE, "%s: table %s exists; pass --overwrite to replace it", out,
                          alllayers[i]);
    /* PostgreSQL has dataset transactions, so GDALVectorTranslate writes all
       layers in one (-gt unlimited: no intermediate commits) and rolls it
       back when a layer fails */
    if (st == BP_OK) {
        GDALVectorTranslateOptions *vt =
            GDALVectorTranslateOptionsNew((char **)translate_args(BP_FMT_POSTGRESQL, o->overwrite), NULL);
        int usage_error = 0;
        CPLErrorReset();
        GDALDatasetH r = vt ? GDALVectorTranslate(NULL, dst, 1, &src, vt, &usage_error) : NULL;
        GDALVectorTranslateOptionsFree(vt);
        if (!r || CPLGetLastErrorType() >= CE_Failure)
            st = bp_error(ctx, BP_ERR_IO, "%s: writing the layers failed: %s", out, bp_cpl_msg());
    }
    GDALClose(dst);
    return st;
}

bp_status bp_formats_write(const char *gpkg, const bp_write_opts *o, const char *tmp_out, bp_ctx *ctx)
{
    const char *const *args = translate_args(o->format, o->overwrite);
    if (!args)
        return bp_error(ctx, BP_ERR_USAGE, "%s: no conversion to format %s", o->output, bp_format_name(o->format));
    CPLErrorReset();
    GDALDatasetH src = GDALOpenEx(gpkg, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    if (!src) return bp_error(ctx, BP_ERR_IO, "%s: cannot reopen the result: %s", o->output, bp_cpl_msg());
    bp_status st = BP_OK;
    if (o->format == BP_FMT_POSTGRESQL) {
        st = to_database(src, o, ctx);
    } else {
        GDALVectorTranslateOptions *vt = GDALVectorTranslateOptionsNew((char **)args, NULL);
        int usage_error = 0;
        CPLErrorReset();
        GDALDatasetH r = vt ? GDALVectorTranslate(tmp_out, NULL, 1, &src, vt, &usage_error) : NULL;
        GDALVectorTranslateOptionsFree(vt);
        if (r) GDALClose(r);
        if (!r || CPLGetLastErrorType() >= CE_Failure)
            st = bp_error(ctx, BP_ERR_IO, "%s: writing %s failed: %s", o->output, bp_format_name(o->format),
                          bp_cpl_msg());
    }
    GDALClose(src);
    return st;
}
