/*
 * geos.c — GEOS contexts (the reentrant _r API), one per thread, whose
 * error messages land in a buffer the caller can quote.
 */
#include "core/core.h"

#include <stdio.h>

static void geos_msg(const char *msg, void *ud)
{
    bp_geos *g = ud;
    snprintf(g->msg, sizeof g->msg, "%s", msg);
}

static void geos_notice(const char *msg, void *ud)
{
    (void)msg;
    (void)ud; /* notices (e.g. "Self-intersection at ...") are expected on
                 invalid input; validity is checked and counted instead */
}

bp_status bp_geos_init(bp_geos *g, bp_ctx *ctx)
{
    g->msg[0] = '\0';
    g->h = GEOS_init_r();
    if (!g->h) return bp_error(ctx, BP_ERR_NOMEM, "cannot create a GEOS context");
    GEOSContext_setErrorMessageHandler_r(g->h, geos_msg, g);
    GEOSContext_setNoticeMessageHandler_r(g->h, geos_notice, g);
    return BP_OK;
}

void bp_geos_finish(bp_geos *g)
{
    if (g && g->h) GEOS_finish_r(g->h);
    if (g) g->h = NULL;
}
