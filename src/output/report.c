/*
 * report.c — bp_report_render(): the workshop handout as PDF, laid out and
 * rendered by QGIS (src/output/report.py, a print layout, run by pyrun.c).
 */
#include "output/output.h"

#include <stdio.h>

bp_status bp_report_render(const char *gpkg, const char *pdf, const bp_report_options *options, bp_ctx *ctx)
{
    bp_report_options o = options ? *options : (bp_report_options){0, 0};
    if (o.top == 0) o.top = 10;
    if (o.top < 1 || o.top > 1000)
        return bp_error(ctx, BP_ERR_USAGE, "report: %d plots per gemeente: give 1 to 1000", o.top);
    bp_status st = bp_pyrun_check(gpkg, pdf, o.overwrite, ctx);
    if (st != BP_OK) return st;
    char top[16];
    snprintf(top, sizeof top, "%d", o.top);
    char *args[] = {top, NULL};
    return bp_pyrun("report", gpkg, pdf, ".pdf", args, o.overwrite, ctx);
}
