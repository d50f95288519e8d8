/*
 * cli.c — the bodnaarplot command: hands its flags to the library's key
 * table (bp_config_parse_args, bp_config_help), calls one library function
 * per command and maps its status to the exit code.  All work is in the
 * library.
 */
#include "bodnaarplot.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <gdal.h>

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
    char *help = bp_config_help(BP_CMD_SCORE);
    fputs(help ? help : "", f);
    free(help);
}

static volatile sig_atomic_t interrupted;
static void on_sigint(int sig)
{
    (void)sig;
    interrupted = 1;
}

/* The progress line on a terminal (stderr): the phase, the run's percent
 * done, the time so far and an estimate of the time left, redrawn at most
 * five times a second; a newline at the end.  Not on a pipe or a file: a
 * log gets only the summary line and the warnings. */
typedef struct {
    int tty;
    struct timespec t0, last;
    char phase[48];
    int shown;              /* a line is on screen */
} term_progress;

static double since(const struct timespec *a, const struct timespec *b)
{
    return (double)(b->tv_sec - a->tv_sec) + (double)(b->tv_nsec - a->tv_nsec) / 1e9;
}

static void hms(double s, char *buf, size_t size)
{
    long t = (long)(s + 0.5);
    if (t >= 3600) snprintf(buf, size, "%ld:%02ld:%02ld", t / 3600, t / 60 % 60, t % 60);
    else snprintf(buf, size, "%ld:%02ld", t / 60, t % 60);
}

static int CPL_STDCALL progress_fn(double done, const char *msg, void *ud)
{
    term_progress *tp = ud;
    if (interrupted) return FALSE;
    if (!tp->tty) return TRUE;
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    int changed = msg && *msg && strcmp(msg, tp->phase) != 0;
    if (changed) snprintf(tp->phase, sizeof tp->phase, "%s", msg);
    if (!changed && done < 1.0 && tp->shown && since(&tp->last, &now) < 0.2) return TRUE;
    tp->last = now;
    double el = since(&tp->t0, &now);
    char elapsed[32], eta[64] = "";
    hms(el, elapsed, sizeof elapsed);
    /* the run's fractions are roughly in proportion to the time */
    if (done >= 0.02 && done < 1.0 && el >= 2.0) {
        char left[32];
        hms(el * (1.0 - done) / done, left, sizeof left);
        snprintf(eta, sizeof eta, ", about %s left", left);
    }
    fprintf(stderr, "\r%-20s %3d%%  %s%s\033[K", tp->phase, (int)(done * 100.0), elapsed, eta);
    tp->shown = 1;
    if (done >= 1.0) {
        fputc('\n', stderr);
        tp->shown = 0;
    }
    fflush(stderr);
    return TRUE;
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
        char vers[512];
        bp_versions(vers, sizeof vers);
        fputs(vers, stdout);
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
    int rc = 0, argi = 2;
    unsigned sw = 0;
    if (is_run) {
        if (argc > 2 && (!strcmp(argv[2], "--help") || !strcmp(argv[2], "-h"))) {
            usage(stdout, "run");
            goto done;
        }
        if (argc < 3 || argv[2][0] == '-') {
            rc = fail(BP_ERR_USAGE, "run needs a project file: bodnaarplot run PROJECT.yaml");
            goto done;
        }
        argi = 3;
        if (bp_config_load_yaml(cfg, argv[2], ctx) != BP_OK) {
            rc = fail(bp_ctx_status(ctx), bp_ctx_errmsg(ctx));
            goto done;
        }
    }
    if (bp_config_parse_args(cfg, BP_CMD_SCORE, argc - argi, argv + argi, &sw, ctx) != BP_OK) {
        rc = fail(bp_ctx_status(ctx), bp_ctx_errmsg(ctx));
        goto done;
    }
    if (sw & BP_ARG_HELP) {
        usage(stdout, cmd);
        goto done;
    }
    int quiet = (sw & BP_ARG_QUIET) != 0, print_cfg = (sw & BP_ARG_PRINT_CONFIG) != 0;
    if (print_cfg) {
        bp_config_foreach(cfg, print_config, NULL);
        goto done;
    }
    signal(SIGINT, on_sigint);
    signal(SIGTERM, on_sigint);
    signal(SIGXFSZ, SIG_IGN); /* a full quota becomes a write error, not a kill */
    bp_summary sum;
    term_progress tp = {.tty = isatty(STDERR_FILENO)};
    clock_gettime(CLOCK_MONOTONIC, &tp.t0);
    bp_status st = bp_run(cfg, quiet ? quiet_progress : progress_fn, &tp, &sum, ctx);
    if (tp.shown) fputc('\n', stderr);
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
