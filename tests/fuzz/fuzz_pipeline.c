/* Fuzz harness: the whole pipeline with arbitrary candidate plots (GeoJSON,
 * or a GeoPackage when the input starts like an SQLite file), against fixed
 * gemeenten, facilities and targets.  The output goes to a temporary folder
 * on disk (the export writes, flushes and renames real files). */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cpl_vsi.h>

#include "run/run.h"

static char outdir[64];

static void put(const char *path, const char *text)
{
    VSILFILE *f = VSIFOpenL(path, "wb");
    VSIFWriteL(text, 1, strlen(text), f);
    VSIFCloseL(f);
}

static void init(void)
{
    GDALAllRegister();
    put("/vsimem/gem.geojson",
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:28992\"}},"
        "\"features\":[{\"type\":\"Feature\",\"properties\":{\"gemeentecode\":\"GM0193\",\"gemeentenaam\":\"Zwolle\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[0,0],[10000,0],[10000,10000],[0,10000],[0,0]]]}},"
        "{\"type\":\"Feature\",\"properties\":{\"gemeentecode\":\"GM0166\",\"gemeentenaam\":\"Kampen\"},"
        "\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[10000,0],[20000,0],[20000,10000],[10000,10000],[10000,0]]]}}]}");
    put("/vsimem/fac.geojson",
        "{\"type\":\"FeatureCollection\",\"crs\":{\"type\":\"name\",\"properties\":{\"name\":\"EPSG:28992\"}},"
        "\"features\":[{\"type\":\"Feature\",\"properties\":{\"naam\":\"a\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[500,500]}},"
        "{\"type\":\"Feature\",\"properties\":{\"naam\":\"b\"},\"geometry\":{\"type\":\"Polygon\",\"coordinates\":[[[12000,2000],[12100,2000],[12100,2100],[12000,2000]]]}}]}");
    put("/vsimem/targets.csv", "gemeente_code;woningtype;opgave;plannen;gerealiseerd\nGM0193;geclusterd;100;20;5\n");
    snprintf(outdir, sizeof outdir, "/tmp/bp_fuzz_pipeline_%d", (int)getpid());
    mkdir(outdir, 0700);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int done;
    if (!done) {
        init();
        done = 1;
    }
    int gpkg = size >= 16 && memcmp(data, "SQLite format 3", 15) == 0;
    const char *cand = gpkg ? "/vsimem/cand.gpkg" : "/vsimem/cand.geojson";
    VSILFILE *f = VSIFileFromMemBuffer(cand, (GByte *)data, (vsi_l_offset)size, FALSE);
    if (!f) return 0;
    VSIFCloseL(f);
    char out[128];
    snprintf(out, sizeof out, "%s/out.gpkg", outdir);
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    bp_config_set(c, "candidates.source", cand, NULL, ctx);
    bp_config_set(c, "gemeenten.source", "/vsimem/gem.geojson", NULL, ctx);
    bp_config_set(c, "targets.source", "/vsimem/targets.csv", NULL, ctx);
    bp_config_set(c, "facilities.supermarkt.source", "/vsimem/fac.geojson", NULL, ctx);
    bp_config_set(c, "facilities.zorg.source", "/vsimem/fac.geojson", NULL, ctx);
    bp_config_set(c, "assume_crs", "EPSG:28992", NULL, ctx);
    bp_config_set(c, "candidates.filter", "area_m2 >= 0", NULL, ctx);
    bp_config_set(c, "threads", "2", NULL, ctx);
    bp_config_set(c, "output", out, NULL, ctx);
    bp_config_set(c, "overwrite", "true", NULL, ctx);
    bp_run(c, NULL, NULL, NULL, ctx);
    bp_config_free(c);
    bp_ctx_free(ctx);
    VSIUnlink(cand);
    return 0;
}
