/*
 * cli.c — the bodnaarplot command: parses flags from one option table
 * (which also prints --help), calls bp_run() and maps its status to the
 * exit code.  All work is in the library.
 */
#include "bodnaarplot.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <gdal.h>

/* src/map.py, embedded at build time by scripts/embed.cmake */

/* One option: flag, argument name, the configuration key it sets (NULL for
 * flags handled here), its help, and the heading it is listed under. */
typedef struct {
    const char *flag, *alias, *arg, *key, *help, *group;
} option;

static const option options[] = {
    {"--candidates", NULL, "SRC", "candidates.source",
     "candidate plots: any OGR source; 'file.gpkg|layername=NAME' picks a layer", "Inputs"},
    {"--id-field", NULL, "FIELD", "candidates.id_field", "field identifying a plot (default: the feature id)", "Inputs"},
    {"--where", NULL, "EXPR", "candidates.where", "OGR attribute filter on the candidates before scoring", "Inputs"},
    {"--facility", NULL, "CAT=SRC", NULL,
     "facilities of one category, repeatable (e.g. supermarkt=pois.gpkg|layername=shops)", "Inputs"},
    {"--gemeenten", NULL, "SRC", "gemeenten.source", "gemeente polygons", "Inputs"},
    {"--gemeente-code-field", NULL, "FIELD", "gemeenten.code_field", "gemeente code field (default gemeentecode)", "Inputs"},
    {"--gemeente-name-field", NULL, "FIELD", "gemeenten.name_field", "gemeente name field (default gemeentenaam)", "Inputs"},
    {"--targets", NULL, "CSV", "targets.source",
     "woondeal targets: gemeente_code, woningtype, opgave, plannen, gerealiseerd (, or ;)", "Inputs"},
    {"--assume-crs", NULL, "CRS", "assume_crs", "CRS for layers that declare none (e.g. EPSG:28992)", "Inputs"},
    {"--network", NULL, "SRC", "network.source",
     "walking network: an .osm/.osm.pbf extract or any OGR line layer", "Walking distances"},
    {"--walk-profile", NULL, "P", "network.profile",
     "walk (default) or rollator: no steps, inclines and rough surfaces count 1.5x", "Walking distances"},
    {"--distance", NULL, "D", "distance", "network or euclidean (default: network when --network is given)",
     "Walking distances"},
    {"--facilities-from-osm", NULL, NULL, "facilities_from_osm",
     "take the facilities from the OSM network too (tags: layers/osm_facilities.yaml)", "Walking distances"},
    {"--snap-tolerance", NULL, "M", "network.snap_tolerance_m",
     "plots and facilities farther from a walkable way get no walking distance (default 250)", "Walking distances"},
    {"--profile", NULL, "TYPE", "profile", "nultreden, geclusterd (default) or zorggeschikt", "Scoring"},
    {"--radius", NULL, "M", "radius_m", "radius for the facility counts n_<category>_<M>m (default 500)", "Scoring"},
    {"--density", NULL, "N", "density_homes_per_ha", "homes per hectare for the capacity (default 60)", "Scoring"},
    {"--gap-weight", NULL, "W", "gap_weight", "0-1: how much the gemeente's gap weighs (default 0.25)", "Scoring"},
    {"--filter", NULL, "SQL", "candidates.filter",
     "SQLite/SpatiaLite expression a plot must meet, else it is knocked out", "Scoring"},
    {"--crs", NULL, "CRS", "crs", "analysis CRS, projected in metres (default EPSG:28992)", "Scoring"},
    {"--threads", NULL, "N", "threads", "threads for the distances (default: all cores)", "Scoring"},
    {"--output", "-o", "OUT", "output", "the GeoPackage to write (OUT.gpkg), or see --format", "Output"},
    {"--format", "-f", "FMT", "format",
     "GPKG (default; styled for QGIS), FlatGeobuf, GeoJSON (WGS84) or CSV: the candidates; "
     "PostgreSQL (-o PG:...): every layer", "Output"},
    {"--overwrite", NULL, NULL, "overwrite", "replace OUT (or its tables in PostgreSQL) when it exists", "Output"},
    {"--quiet", "-q", NULL, NULL, "no progress, warnings or summary; errors only", "Output"},
    {"--print-config", NULL, NULL, NULL, "print the effective configuration and stop", "Output"},
    {"--help", "-h", NULL, NULL, "this help", "Output"},
};
#define NOPTIONS (sizeof options / sizeof *options)

static void usage(FILE *f, const char *cmd)
{
    if (!cmd) {
        fprintf(f,
                "bodnaarplot %s — from housing target to plot: rank candidate plots for older people's housing\n\n"
                "Usage:\n"
                "  bodnaarplot score --candidates SRC --facility CAT=SRC... --gemeenten SRC --targets CSV -o OUT.gpkg\n"
                "  bodnaarplot run PROJECT.yaml [flags of score, which override the project file]\n"
                "  bodnaarplot map OUT.gpkg -o MAP.png [--size 1600x1000]\n"
                "  bodnaarplot --version\n\n"
                "'bodnaarplot score --help' lists every flag.\n"
                "Exit codes: 0 done, 1 bad input data, 2 usage (flags, names, paths), 3 output I/O,\n"
                "4 out of memory or internal, 5 interrupted.\n",
                BP_VERSION);
        return;
    }
    if (!strcmp(cmd, "run"))
        fprintf(f, "Usage: bodnaarplot run PROJECT.yaml [flags]\n\n"
                   "Runs the analysis a project file describes (see README, 'Project file').\n"
                   "Flags below override the file; paths in the file are relative to it.\n");
    else
        fprintf(f, "Usage: bodnaarplot score [flags]\n\n"
                   "Scores candidate plots by distance to facilities and the gemeente's housing gap,\n"
                   "and writes the ranked result as a GeoPackage.\n");
    const char *group = NULL;
    for (size_t i = 0; i < NOPTIONS; i++) {
        const option *o = &options[i];
        if (!group || strcmp(group, o->group)) {
            group = o->group;
            fprintf(f, "\n%s:\n", group);
        }
        char left[64];
        snprintf(left, sizeof left, "%s%s%s%s%s", o->alias ? o->alias : "", o->alias ? ", " : "", o->flag,
                 o->arg ? " " : "", o->arg ? o->arg : "");
        fprintf(f, "  %-30s %s\n", left, o->help);
    }
}

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

static int CPL_STDCALL progress_fn(double done, const char *msg, void *ud)
{
    (void)ud;
    if (interrupted) return FALSE;
    return GDALTermProgress(done, msg, NULL);
}

static int CPL_STDCALL quiet_progress(double done, const char *msg, void *ud)
{
    (void)done;
    (void)msg;
    (void)ud;
    return !interrupted;
}

/* Warnings are printed after the run, not across the progress line. */
static void print_warnings(const bp_ctx *ctx)
{
    fflush(stdout);
    for (size_t i = 0; i < bp_ctx_warning_count(ctx); i++)
        fprintf(stderr, "bodnaarplot: warning: %s\n", bp_ctx_warning(ctx, i));
}

static void print_config(const char *key, const char *value, void *ud)
{
    (void)ud;
    printf("%s: %s\n", key, value);
}

static int fail(bp_status st, const char *msg)
{
    fprintf(stderr, "bodnaarplot: error: %s\n", msg);
    return (int)st;
}

/* bodnaarplot map OUT.gpkg -o MAP.png [--size WxH] */
static int map_command(int argc, char **argv)
{
    const char *gpkg = NULL, *png = NULL;
    int w = 1600, h = 1000;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("Usage: bodnaarplot map OUT.gpkg -o MAP.png [--size 1600x1000]\n\n"
                   "Renders the QGIS project inside a bodnaarplot GeoPackage (the top candidates over\n"
                   "the gemeente gap, with title and legend) to PNG, with QGIS (python3-qgis).\n");
            return 0;
        }
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) png = argv[++i];
        else if (!strcmp(argv[i], "--size") && i + 1 < argc) {
            if (sscanf(argv[++i], "%dx%d", &w, &h) != 2)
                return fail(BP_ERR_USAGE, "--size takes WIDTHxHEIGHT in pixels, e.g. 1600x1000");
        } else if (argv[i][0] != '-' && !gpkg) gpkg = argv[i];
        else {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown argument '%s' (bodnaarplot map OUT.gpkg -o MAP.png)", argv[i]);
            return fail(BP_ERR_USAGE, msg);
        }
    }
    if (!gpkg || !png) return fail(BP_ERR_USAGE, "map needs a GeoPackage and -o MAP.png");
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return fail(BP_ERR_NOMEM, "out of memory");
    bp_status st = bp_map_render(gpkg, png, w, h, ctx);
    int rc = st == BP_OK ? 0 : fail(st, bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        usage(stderr, NULL);
        return BP_ERR_USAGE;
    }
    const char *cmd = argv[1];
    if (!strcmp(cmd, "--version") || !strcmp(cmd, "-V")) {
        fputs(bp_versions(), stdout);
        return 0;
    }
    if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
        usage(stdout, NULL);
        return 0;
    }
    if (!strcmp(cmd, "map")) return map_command(argc, argv);
    if (strcmp(cmd, "score") && strcmp(cmd, "run")) {
        fprintf(stderr, "bodnaarplot: error: unknown command '%s' (commands: score, run, map)\n", cmd);
        return BP_ERR_USAGE;
    }
    int is_run = !strcmp(cmd, "run");
    bp_ctx *ctx = bp_ctx_new();
    bp_config *cfg = bp_config_new();
    if (!ctx || !cfg) {
        fprintf(stderr, "bodnaarplot: error: out of memory\n");
        return BP_ERR_NOMEM;
    }
    int quiet = 0, print_cfg = 0, rc = 0, argi = 2;
    const char *project = NULL;
    if (is_run) {
        if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            usage(stdout, "run");
            goto done;
        }
        if (argc < 3 || argv[2][0] == '-') {
            rc = fail(BP_ERR_USAGE, "run needs a project file: bodnaarplot run PROJECT.yaml");
            goto done;
        }
        project = argv[2];
        argi = 3;
        if (bp_config_load_yaml(cfg, project, ctx) != BP_OK) {
            rc = fail(bp_ctx_status(ctx), bp_ctx_errmsg(ctx));
            goto done;
        }
    }
    for (int i = argi; i < argc; i++) {
        const char *a = argv[i];
        const option *o = NULL;
        const char *inline_val = NULL;
        size_t alen = strcspn(a, "=");
        for (size_t k = 0; k < NOPTIONS && !o; k++) {
            if ((strlen(options[k].flag) == alen && !strncmp(a, options[k].flag, alen)) ||
                (options[k].alias && !strcmp(a, options[k].alias)))
                o = &options[k];
        }
        if (o && a[alen] == '=' && a[0] == '-' && a[1] == '-') inline_val = a + alen + 1;
        if (!o) {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown flag '%s' (see bodnaarplot %s --help)", a, cmd);
            rc = fail(BP_ERR_USAGE, msg);
            goto done;
        }
        if (!strcmp(o->flag, "--help")) {
            usage(stdout, cmd);
            goto done;
        }
        if (!strcmp(o->flag, "--quiet")) {
            quiet = 1;
            continue;
        }
        if (!strcmp(o->flag, "--print-config")) {
            print_cfg = 1;
            continue;
        }
        const char *val = "true";
        if (o->arg) {
            if (inline_val) val = inline_val;
            else if (i + 1 < argc) val = argv[++i];
            else {
                char msg[200];
                snprintf(msg, sizeof msg, "%s needs a value (%s)", o->flag, o->arg);
                rc = fail(BP_ERR_USAGE, msg);
                goto done;
            }
        }
        bp_status st;
        if (!strcmp(o->flag, "--facility")) {
            const char *eq = strchr(val, '=');
            if (!eq || eq == val || !eq[1]) {
                char msg[600];
                snprintf(msg, sizeof msg, "--facility takes CATEGORY=SOURCE, not '%s'", val);
                rc = fail(BP_ERR_USAGE, msg);
                goto done;
            }
            char key[128];
            snprintf(key, sizeof key, "facilities.%.*s.source", (int)(eq - val), val);
            st = bp_config_set(cfg, key, eq + 1, o->flag, ctx);
        } else {
            st = bp_config_set(cfg, o->key, val, o->flag, ctx);
        }
        if (st != BP_OK) {
            rc = fail(st, bp_ctx_errmsg(ctx));
            goto done;
        }
    }
    if (print_cfg) {
        bp_config_foreach(cfg, print_config, NULL);
        goto done;
    }
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    signal(SIGXFSZ, SIG_IGN); /* a full quota becomes a write error, not a kill */
    bp_summary sum;
    bp_status st = bp_run(cfg, quiet ? quiet_progress : progress_fn, NULL, &sum, ctx);
    if (!quiet) print_warnings(ctx);
    if (st != BP_OK) {
        rc = fail(st, bp_ctx_errmsg(ctx));
        goto done;
    }
    if (!quiet)
        printf("bodnaarplot: wrote %s: %zu candidate plots (%zu knocked out), %zu gemeenten, "
               "%zu facilities; %zu geometries repaired, %zu skipped; %.1f s\n",
               bp_config_output(cfg), sum.n_candidates, sum.n_knocked_out, sum.n_gemeenten, sum.n_facilities,
               sum.n_repaired, sum.n_skipped, sum.seconds);
done:
    bp_config_free(cfg);
    bp_ctx_free(ctx);
    return rc;
}
