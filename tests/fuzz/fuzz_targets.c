/* Fuzz harness: a targets CSV through GDAL's CSV driver and the gap
 * arithmetic, against three known gemeenten. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cpl_conv.h>
#include <cpl_vsi.h>

#include "bp_internal.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static int init;
    if (!init) {
        GDALAllRegister();
        CPLSetConfigOption("CPL_LOG", "/dev/null");
        init = 1;
    }
    const char *path = "/vsimem/fuzz_targets.csv";
    VSILFILE *f = VSIFileFromMemBuffer(path, (GByte *)data, (vsi_l_offset)size, FALSE);
    if (!f) return 0;
    VSIFCloseL(f);
    static const char *const codes[] = {"GM0166", "GM0193", "GM0244"};
    bp_gemeenten gm = {calloc(3, sizeof(bp_gemeente)), 3};
    for (size_t i = 0; gm.g && i < 3; i++) {
        gm.g[i].code = (char *)codes[i];
        gm.g[i].name = (char *)"x";
        for (int t = 0; t < BP_NTYPES; t++) gm.g[i].opgave[t] = gm.g[i].plannen[t] = gm.g[i].gerealiseerd[t] = NAN;
    }
    bp_ctx *ctx = bp_ctx_new();
    if (gm.g && ctx && bp_gap_read_targets(&gm, path, ctx) == BP_OK) {
        for (size_t i = 0; i < 3; i++)
            for (int t = 0; t < BP_NTYPES; t++) {
                double gap, share;
                if (bp_gap_compute(gm.g[i].opgave[t], gm.g[i].plannen[t], gm.g[i].gerealiseerd[t], &gap, &share) &&
                    (gap < 0 || share < 0 || share > 1))
                    abort(); /* the arithmetic's invariants */
            }
    }
    bp_ctx_free(ctx);
    free(gm.g);
    VSIUnlink(path);
    return 0;
}
