/* Fuzz harness: a targets CSV through GDAL's CSV driver and the gap
 * arithmetic, against three known gemeenten. */
#include <math.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <cpl_conv.h>
#include <cpl_vsi.h>

#include "run/run.h"

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
    bp_result *r = bp_result_new();
    for (size_t i = 0; r && i < 3; i++) bp_result_add_gemeente(r, codes[i], "x", NULL, 0);
    bp_ctx *ctx = bp_ctx_new();
    if (r && ctx && bp_targets_read(path, r, ctx) == BP_OK) {
        for (size_t i = 0; i < r->ngm; i++)
            for (int t = 0; t < BP_NTYPES; t++) {
                double gap, share;
                if (bp_gap_of(&r->gm[i], t, &gap, &share) && (gap < 0 || share < 0 || share > 1))
                    abort(); /* the arithmetic's invariants */
            }
    }
    bp_ctx_free(ctx);
    bp_result_free(r);
    VSIUnlink(path);
    return 0;
}
