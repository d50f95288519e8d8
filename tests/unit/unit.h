/*
 * unit.h — fixtures the unit tests share: small files in GDAL's /vsimem/ or
 * in a temporary folder, GeoJSON and GeoPackage layers built in the test,
 * a hand-built result, and checks of error messages.  Header-only: every
 * test_<module>.c is its own program (tests/CMakeLists.txt).
 */
#ifndef BP_UNIT_H
#define BP_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cpl_conv.h>
#include <cpl_vsi.h>

#include "core/core.h"
#include "result/result.h"
#include "input/input.h"

#define UNIT_UNUSED __attribute__((unused))

/* Writes text to path: a /vsimem/ name or a real file. */
static UNIT_UNUSED void unit_put(const char *path, const char *text)
{
    VSILFILE *f = VSIFOpenL(path, "wb");
    assert_non_null(f);
    assert_int_equal(VSIFWriteL(text, 1, strlen(text), f), strlen(text));
    VSIFCloseL(f);
}

/* A GeoJSON FeatureCollection of 'features' (the text between the
 * brackets), in 'crs' ("EPSG:28992"; NULL: none, which GeoJSON reads as
 * WGS84). */
static UNIT_UNUSED void unit_geojson(const char *path, const char *crs, const char *features)
{
    char *text = bp_strfmt("{\"type\":\"FeatureCollection\",%s%s%s\"features\":[%s]}",
                           crs ? "\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"" : "", crs ? crs : "",
                           crs ? "\"}}," : "", features);
    assert_non_null(text);
    unit_put(path, text);
    free(text);
}

/* A GeoJSON polygon geometry: the rectangle x0,y0 - x1,y1 (static buffer,
 * one of 4 rotating, so a few can be used in one expression). */
static UNIT_UNUSED const char *unit_rect_json(double x0, double y0, double x1, double y1)
{
    static char buf[4][512];
    static int k;
    char *b = buf[k++ % 4];
    snprintf(b, 512,
             "{\"type\":\"Polygon\",\"coordinates\":[[[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],[%.17g,%.17g],"
             "[%.17g,%.17g]]]}",
             x0, y0, x1, y0, x1, y1, x0, y1, x0, y0);
    return b;
}

/* A new empty folder under the temp folder, named after the test, into
 * buf. */
static UNIT_UNUSED void unit_tmpdir(char *buf, size_t size, const char *name)
{
    const char *td = getenv("TMPDIR");
    snprintf(buf, size, "%s/bp_unit_%s_XXXXXX", td && *td ? td : "/tmp", name);
    assert_non_null(mkdtemp(buf));
}

/* Removes a folder made by unit_tmpdir and the files in it (one level). */
static UNIT_UNUSED void unit_rmdir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) {
        if (!strcmp(e->d_name, ".") || !strcmp(e->d_name, "..")) continue;
        char p[4096];
        snprintf(p, sizeof p, "%s/%s", dir, e->d_name);
        unlink(p);
    }
    closedir(d);
    rmdir(dir);
}

/* The number of entries of a folder (without . and ..). */
static UNIT_UNUSED int unit_count_files(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return -1;
    int n = 0;
    struct dirent *e;
    while ((e = readdir(d)) != NULL) n += strcmp(e->d_name, ".") && strcmp(e->d_name, "..");
    closedir(d);
    return n;
}

/* Checks that a call returned 'want', that ctx holds the same status, and
 * that its message holds 'fragment'. */
#define unit_expect_error(ctx, got, want, fragment) unit_check_error(ctx, got, want, fragment, __FILE__, __LINE__)
static UNIT_UNUSED void unit_check_error(const bp_ctx *ctx, bp_status got, bp_status want, const char *fragment,
                                         const char *file, int line)
{
    const char *msg = bp_ctx_errmsg(ctx);
    if (got != want || bp_ctx_status(ctx) != want || !strstr(msg, fragment)) {
        print_error("status %d (ctx %d), wanted %d; message '%s' should hold '%s'\n", (int)got,
                    (int)bp_ctx_status(ctx), (int)want, msg, fragment);
        _fail(file, line);
    }
}

/* Checks that a string holds a fragment. */
#define unit_assert_contains(text, fragment) unit_check_contains(text, fragment, __FILE__, __LINE__)
static UNIT_UNUSED void unit_check_contains(const char *text, const char *fragment, const char *file, int line)
{
    if (!text || !strstr(text, fragment)) {
        print_error("'%s' should hold '%s'\n", text ? text : "(null)", fragment);
        _fail(file, line);
    }
}

/* A result with n plots whose ids are ids[i] (NULL: "1".."n", numeric),
 * and categories 'cats' (ncat of them) with count radius 500 m. */
static UNIT_UNUSED bp_result *unit_result(size_t n, const char *const *ids, size_t ncat, const char *const *cats)
{
    bp_result *r = bp_result_new();
    assert_non_null(r);
    assert_int_equal(bp_result_set_categories(r, (char *const *)cats, ncat, 500, NULL), BP_OK);
    assert_int_equal(bp_result_alloc_plots(r, n, NULL), BP_OK);
    for (size_t i = 0; i < n; i++) {
        char buf[32];
        snprintf(buf, sizeof buf, "%zu", i + 1);
        assert_int_equal(bp_result_set_id(r, i, ids ? ids[i] : buf, NULL), BP_OK);
        r->fid[i] = (int64_t)i + 1;
    }
    assert_int_equal(bp_result_check_ids(r, ids == NULL, "plots", NULL), BP_OK);
    return r;
}

/* Creates a GeoPackage layer in ds: fields "name:s,count:i,value:r"
 * (string, integer, real), and one feature per row "WKT;v1;v2" (an empty
 * WKT: no geometry; an empty value: NULL).  epsg 0: no CRS. */
static UNIT_UNUSED OGRLayerH unit_layer(GDALDatasetH ds, const char *name, int epsg, OGRwkbGeometryType gt,
                                        const char *fields, const char *const *rows, size_t nrows)
{
    OGRSpatialReferenceH srs = NULL;
    if (epsg) {
        srs = OSRNewSpatialReference(NULL);
        OSRImportFromEPSG(srs, epsg);
    }
    OGRLayerH lyr = GDALDatasetCreateLayer(ds, name, srs, gt, NULL);
    if (srs) OSRDestroySpatialReference(srs);
    assert_non_null(lyr);
    char buf[512];
    snprintf(buf, sizeof buf, "%s", fields ? fields : "");
    char *save = NULL;
    for (char *f = strtok_r(buf, ",", &save); f; f = strtok_r(NULL, ",", &save)) {
        char *colon = strchr(f, ':');
        assert_non_null(colon);
        *colon = '\0';
        OGRFieldType t = colon[1] == 'i' ? OFTInteger : colon[1] == 'r' ? OFTReal : OFTString;
        OGRFieldDefnH fd = OGR_Fld_Create(f, t);
        assert_int_equal(OGR_L_CreateField(lyr, fd, TRUE), OGRERR_NONE);
        OGR_Fld_Destroy(fd);
    }
    for (size_t i = 0; i < nrows; i++) {
        OGRFeatureH feat = OGR_F_Create(OGR_L_GetLayerDefn(lyr));
        char row[1024];
        snprintf(row, sizeof row, "%s", rows[i]);
        char *p = row;
        char *semi = strchr(p, ';');
        if (semi) *semi = '\0';
        if (*p) {
            OGRGeometryH g = NULL;
            char *wkt = p;
            assert_int_equal(OGR_G_CreateFromWkt(&wkt, NULL, &g), OGRERR_NONE);
            OGR_F_SetGeometryDirectly(feat, g);
        }
        for (int k = 0; semi; k++) {
            p = semi + 1;
            semi = strchr(p, ';');
            if (semi) *semi = '\0';
            if (*p) OGR_F_SetFieldString(feat, k, p);
            else OGR_F_SetFieldNull(feat, k);
        }
        assert_int_equal(OGR_L_CreateFeature(lyr, feat), OGRERR_NONE);
        OGR_F_Destroy(feat);
    }
    return lyr;
}

/* A new GeoPackage at path (a /vsimem/ name or a file); close with
 * GDALClose. */
static UNIT_UNUSED GDALDatasetH unit_gpkg_create(const char *path)
{
    GDALDriverH drv = GDALGetDriverByName("GPKG");
    assert_non_null(drv);
    VSIUnlink(path);
    GDALDatasetH ds = GDALCreate(drv, path, 0, 0, 0, GDT_Unknown, NULL);
    assert_non_null(ds);
    return ds;
}

/* For tests that read layers: GDAL's drivers, the analysis CRS
 * (EPSG:28992) and a GEOS context. */
static UNIT_UNUSED void unit_reading_begin(bp_crs *crs, bp_geos *g)
{
    GDALAllRegister();
    assert_int_equal(bp_crs_init(crs, NULL, NULL, NULL), BP_OK);
    assert_int_equal(bp_geos_init(g, NULL), BP_OK);
}

/* Ends what unit_reading_begin() started and removes a fixture file. */
static UNIT_UNUSED void unit_reading_end(bp_crs *crs, bp_geos *g, const char *fixture)
{
    if (fixture) VSIUnlink(fixture);
    bp_geos_finish(g);
    bp_crs_clear(crs);
}

/* ---- random geometries (deterministic) ---------------------------------- */

/* A number in [0, 1) from the xorshift64* state *rng. */
static UNIT_UNUSED double unit_rnd(uint64_t *rng)
{
    *rng ^= *rng >> 12;
    *rng ^= *rng << 25;
    *rng ^= *rng >> 27;
    return (double)((*rng * 2685821657736338717ull) >> 11) / 9007199254740992.0;
}

/* A star-shaped (so valid) polygon of n vertices around (cx, cy). */
static UNIT_UNUSED GEOSGeometry *unit_star(GEOSContextHandle_t h, uint64_t *rng, double cx, double cy, double r, int n)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n + 1, 2);
    for (int i = 0; i < n; i++) {
        double a = 2 * M_PI * i / n, rr = r * (0.4 + 0.6 * unit_rnd(rng));
        GEOSCoordSeq_setXY_r(h, cs, (unsigned)i, cx + rr * cos(a), cy + rr * sin(a));
    }
    double x, y;
    GEOSCoordSeq_getXY_r(h, cs, 0, &x, &y);
    GEOSCoordSeq_setXY_r(h, cs, (unsigned)n, x, y);
    return GEOSGeom_createPolygon_r(h, GEOSGeom_createLinearRing_r(h, cs), NULL, 0);
}

/* A line of two segments from (x, y), within len of it. */
static UNIT_UNUSED GEOSGeometry *unit_line(GEOSContextHandle_t h, uint64_t *rng, double x, double y, double len)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, 3, 2);
    GEOSCoordSeq_setXY_r(h, cs, 0, x, y);
    GEOSCoordSeq_setXY_r(h, cs, 1, x + len * (unit_rnd(rng) - 0.5), y + len * (unit_rnd(rng) - 0.5));
    GEOSCoordSeq_setXY_r(h, cs, 2, x + len * (unit_rnd(rng) - 0.5), y + len * (unit_rnd(rng) - 0.5));
    return GEOSGeom_createLineString_r(h, cs);
}

/* A random point (kind 0), polygon (1) or line (2); kind -1: any. */
static UNIT_UNUSED GEOSGeometry *unit_random_geom(GEOSContextHandle_t h, uint64_t *rng, int kind, double x0,
                                                  double y0, double extent)
{
    double x = x0 + unit_rnd(rng) * extent, y = y0 + unit_rnd(rng) * extent;
    int k = kind >= 0 ? kind : (int)(unit_rnd(rng) * 3);
    return k == 0   ? GEOSGeom_createPointFromXY_r(h, x, y)
           : k == 1 ? unit_star(h, rng, x, y, 20 + 200 * unit_rnd(rng), 3 + (int)(unit_rnd(rng) * 40))
                    : unit_line(h, rng, x, y, 300);
}

/* Collects warnings passed to the handler of a context. */
typedef struct {
    int n;
    char last[1024];
} unit_warnings;

static UNIT_UNUSED void unit_warning_handler(const char *msg, void *ud)
{
    unit_warnings *w = ud;
    w->n++;
    snprintf(w->last, sizeof w->last, "%s", msg);
}

#endif /* BP_UNIT_H */
