/*
 * workshop.c — the workshop's commands: besluit (record a decision, undo
 * one), rescore (re-rank a result without its inputs) and program (propose
 * the plots that cover each gap).  Each is one library call.
 */
#include "cli.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <gdal.h>

static int usage_besluit(void)
{
    printf("Usage: bodnaarplot besluit OUT.gpkg PLOT_ID [--besluit B] [--woningtype T] [--woningen N]\n"
           "                           [--corporatie NAME] [--zorg NAME] [--opmerking TEXT] [--door WHO]\n"
           "       bodnaarplot besluit OUT.gpkg --undo [PLOT_ID] [--door WHO]\n\n"
           "Records the workshop's decision on a plot in the result (as an edit in QGIS does), logged in\n"
           "table besluiten_log; --undo takes the last change back.  B: open, kansrijk, gereserveerd or\n"
           "afgevallen; T: nultreden, geclusterd or zorggeschikt; \"\" clears a field.\n");
    return 0;
}

int bp_cli_besluit(int argc, char **argv)
{
    const char *gpkg = NULL, *plot = NULL, *who = NULL;
    int undo = 0;
    bp_decision_edit e = {0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        const char **slot = !strcmp(a, "--besluit")      ? &e.besluit
                            : !strcmp(a, "--woningtype") ? &e.woningtype
                            : !strcmp(a, "--woningen")   ? &e.woningen
                            : !strcmp(a, "--corporatie") ? &e.partner_corporatie
                            : !strcmp(a, "--zorg")       ? &e.partner_zorg
                            : !strcmp(a, "--opmerking")  ? &e.opmerking
                            : !strcmp(a, "--door")       ? &who
                                                         : NULL;
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) return usage_besluit();
        if (!strcmp(a, "--undo")) undo = 1;
        else if (slot) {
            if (i + 1 >= argc) {
                char msg[100];
                snprintf(msg, sizeof msg, "%s needs a value", a);
                return bp_cli_fail(BP_ERR_USAGE, msg);
            }
            *slot = argv[++i];
        } else if (a[0] != '-' && !gpkg) gpkg = a;
        else if (a[0] != '-' && !plot) plot = a;
        else {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown argument '%.200s' (see bodnaarplot besluit --help)", a);
            return bp_cli_fail(BP_ERR_USAGE, msg);
        }
    }
    if (!gpkg || (!plot && !undo)) return bp_cli_fail(BP_ERR_USAGE, "besluit needs a result and a plot id");
    if (!who) who = getenv("USER");
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return bp_cli_fail(BP_ERR_NOMEM, "out of memory");
    bp_status st = undo ? bp_decision_undo(gpkg, plot, who, ctx) : bp_decision_save(gpkg, plot, &e, who, ctx);
    int rc = st == BP_OK ? 0 : bp_cli_fail(st, bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return rc;
}

static int quiet_progress(double done, const char *msg, void *ud)
{
    (void)done;
    (void)msg;
    (void)ud;
    return 1;
}

int bp_cli_rescore(int argc, char **argv)
{
    if (argc < 3 || !strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")) {
        printf("Usage: bodnaarplot rescore OUT.gpkg [flags]\n\n"
               "Re-ranks a result with other weights, profile, gap weight, criteria or density, from the\n"
               "distances it holds (no inputs needed), and rewrites it in place (or -o NEW.gpkg).  The\n"
               "workshop's decisions stay.  Flags:\n");
        char *help = bp_config_help(BP_CMD_RESCORE);
        fputs(help ? help : "", stdout);
        free(help);
        return argc < 3 ? BP_ERR_USAGE : 0;
    }
    const char *gpkg = argv[2];
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return bp_cli_fail(BP_ERR_NOMEM, "out of memory");
    int rc = 0;
    unsigned sw = 0;
    bp_config *cfg = bp_rescore_config(gpkg, ctx);
    int program = !strcmp(argv[1], "program");
    if (!cfg || (program && bp_config_set(cfg, "program", "true", NULL, ctx) != BP_OK) ||
        bp_config_parse_args(cfg, BP_CMD_RESCORE, argc - 3, argv + 3, &sw, ctx) != BP_OK) {
        rc = bp_cli_fail(bp_ctx_status(ctx), bp_ctx_errmsg(ctx));
        goto done;
    }
    bp_summary sum;
    bp_status st = bp_rescore(gpkg, cfg, (sw & BP_ARG_QUIET) ? quiet_progress : GDALTermProgress, NULL, &sum, ctx);
    if (!(sw & BP_ARG_QUIET)) bp_cli_warnings(ctx);
    if (st != BP_OK) rc = bp_cli_fail(st, bp_ctx_errmsg(ctx));
    else if (!(sw & BP_ARG_QUIET))
        printf("bodnaarplot: rescored %s: %zu candidate plots (%zu knocked out); %.1f s\n", bp_config_output(cfg),
               sum.n_candidates, sum.n_knocked_out, sum.seconds);
done:
    bp_config_free(cfg);
    bp_ctx_free(ctx);
    return rc;
}

int bp_cli_program(int argc, char **argv)
{
    if (argc < 3 || !strcmp(argv[2], "-h") || !strcmp(argv[2], "--help")) {
        printf("Usage: bodnaarplot program OUT.gpkg [flags]\n\n"
               "Proposes the programme: per gemeente and housing type, the plots whose homes cover the gap\n"
               "(reserved plots first, then the best by that type's score, one type per plot, plots of one\n"
               "type at least --min-spacing apart), into layer programma and gemeente_gap; rewrites the\n"
               "result in place (or -o NEW.gpkg).  The flags of rescore apply.\n");
        return argc < 3 ? BP_ERR_USAGE : 0;
    }
    return bp_cli_rescore(argc, argv);
}
