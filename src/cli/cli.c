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
#include <dlfcn.h>
#include <errno.h>
#include <unistd.h>
#include <cpl_error.h>
#include <gdal.h>

static void usage(FILE *f, const char *cmd)
{
    if (!cmd) {
        fprintf(f,
                "bodnaarplot %s — from housing target to plot: rank candidate plots for older people's housing\n\n"
                "Usage:\n"
                "  bodnaarplot score --candidates SRC --facility CAT=SRC... --gemeenten SRC --targets CSV -o OUT.gpkg\n"
                "  bodnaarplot run PROJECT.yaml [flags of score, which override the project file]\n"
                "  bodnaarplot map OUT.gpkg -o MAP.png [--size 1600x1000] [--overwrite]\n"
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

/* The run's context, for the handlers of fatal errors only. */
static bp_ctx *abort_ctx;

/* GDAL is about to abort (a fatal error, such as out of memory inside
 * CPLMalloc); the library has removed its temporary files.  One line and
 * exit 4, without allocating. */
static void on_fatal(const char *msg, void *ud)
{
    (void)ud;
    bp_ctx_remove_tmp(abort_ctx);
    static const char head[] = "bodnaarplot: error: out of memory or internal failure: ";
    ssize_t w = write(STDERR_FILENO, head, sizeof head - 1);
    w = write(STDERR_FILENO, msg, strlen(msg));
    w = write(STDERR_FILENO, "\n", 1);
    (void)w;
    _exit(BP_ERR_NOMEM);
}


/* GDAL's fatal errors and C++ code that runs out of memory
 * (std::bad_alloc escaping GDAL) abort: the run's temporary files go, and
 * the user gets one line and exit 4 instead of a core dump. */
static void on_abort(int sig)
{
    signal(sig, SIG_DFL); /* a second abort (in here) ends the process */
    bp_ctx_remove_tmp(abort_ctx);
    static const char msg[] = "bodnaarplot: error: out of memory or internal failure (a library aborted)\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(BP_ERR_NOMEM);
}

/* A C++ exception escaping a library (std::bad_alloc inside GDAL) ends in
 * std::terminate, which would print its own lines first. */
static void on_terminate(void)
{
    on_abort(SIGABRT);
}

/* GDAL messages of threads the library has no handler on (its worker
 * threads): a fatal one is reported as above; others are the library's to
 * report through its context, so they are not printed; debug messages
 * (CPL_DEBUG) are. */
static void CPL_STDCALL on_cpl(CPLErr cls, CPLErrorNum num, const char *msg)
{
    if (cls == CE_Fatal) on_fatal(msg, NULL);
    else if (cls == CE_Debug) CPLDefaultErrorHandler(cls, num, msg);
}

/* Installs the handlers above for the whole process (the CLI's to set). */
static void install_fatal_handlers(void)
{
    signal(SIGABRT, on_abort);
    CPLSetErrorHandler(on_cpl);
    /* std::set_terminate, when the C++ runtime is loaded (through GDAL) */
    typedef void (*handler)(void);
    handler (*set_terminate)(handler) = (handler(*)(handler))dlsym(RTLD_DEFAULT, "_ZSt13set_terminatePFvvE");
    if (set_terminate) set_terminate(on_terminate);
}

/* Standard output that could not be written (a closed pipe: `| head`) is an
 * error of its own, reported once at the end instead of a silent SIGPIPE. */
static int check_stdout(int rc)
{
    if (fflush(stdout) == 0 && !ferror(stdout)) return rc;
    if (rc == 0) fprintf(stderr, "bodnaarplot: error: cannot write to standard output: %s\n", strerror(errno));
    return rc ? rc : BP_ERR_IO;
}

static int cli_main(int argc, char **argv);

/* bodnaarplot map OUT.gpkg -o MAP.png [--size WxH] */
static int map_command(int argc, char **argv)
{
    const char *gpkg = NULL, *png = NULL;
    int w = 1600, h = 1000, overwrite = 0;
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "-h") || !strcmp(argv[i], "--help")) {
            printf("Usage: bodnaarplot map OUT.gpkg -o MAP.png [--size 1600x1000] [--overwrite]\n\n"
                   "Renders the QGIS project inside a bodnaarplot GeoPackage (the top candidates over\n"
                   "the gemeente gap, with title and legend) to PNG, with QGIS (python3-qgis).\n"
                   "An existing MAP.png is replaced only with --overwrite.\n");
            return 0;
        }
        if ((!strcmp(argv[i], "-o") || !strcmp(argv[i], "--output")) && i + 1 < argc) png = argv[++i];
        else if (!strcmp(argv[i], "--overwrite")) overwrite = 1;
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
    bp_status st = bp_map_render(gpkg, png, w, h, overwrite, ctx);
    int rc = st == BP_OK ? 0 : fail(st, bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return rc;
}

int main(int argc, char **argv)
{
    /* a closed standard output is reported, not a silent death (141) */
    signal(SIGPIPE, SIG_IGN);
    return check_stdout(cli_main(argc, argv));
}

static int cli_main(int argc, char **argv)
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
    install_fatal_handlers();
    bp_ctx *ctx = bp_ctx_new();
    abort_ctx = ctx;
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
    bp_ctx_set_fatal_handler(ctx, on_fatal, NULL);
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
    abort_ctx = NULL; /* an abort after this (LeakSanitizer at exit) finds no context */
    bp_ctx_free(ctx);
    return rc;
}
