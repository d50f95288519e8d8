/*
 * cli.h — what the command's files share: the failure printer and the
 * progress callbacks of cli.c, and the workshop commands of workshop.c.
 */
#ifndef BP_CLI_H
#define BP_CLI_H

#include "bodnaarplot.h"

/* Prints "bodnaarplot: error: MSG" and returns st as the exit code. */
int bp_cli_fail(bp_status st, const char *msg);
/* Prints the warnings of ctx to stderr. */
void bp_cli_warnings(const bp_ctx *ctx);

/* bodnaarplot besluit OUT.gpkg PLOT [--besluit B ...] | --undo [PLOT] */
int bp_cli_besluit(int argc, char **argv);
/* bodnaarplot rescore OUT.gpkg [scoring flags] [-o NEW.gpkg] */
int bp_cli_rescore(int argc, char **argv);
/* bodnaarplot program OUT.gpkg [program flags] [-o NEW.gpkg] */
int bp_cli_program(int argc, char **argv);

#endif /* BP_CLI_H */
