/*
 * cli.c — the bodnaarplot command: hands its flags to the library's key
 * table (bp_config_parse_args, bp_config_help), calls one library function
 * per command and maps its status to the exit code.  All work is in the
 * library.
 */
#include "cli.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <dlfcn.h>
#include <errno.h>
#include <time.h>
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
                "  bodnaarplot report OUT.gpkg -o werksessie.pdf [--top 10] [--overwrite]\n"
                "  bodnaarplot serve OUT.gpkg [--port 8080] [--listen 127.0.0.1] [--parties PARTIES.yaml]\n"
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

int bp_cli_fail(bp_status st, const char *msg)
{
    fprintf(stderr, "bodnaarplot: error: %s\n", msg);
    return (int)st;
}

void bp_cli_warnings(const bp_ctx *ctx)
{
    print_warnings(ctx);
}

#define fail bp_cli_fail

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
                   "the network's streets and the gemeente gap, with title and legend; over the PDOK\n"
                   "basemap when service.pdok.nl answers) to PNG, with QGIS (python3-qgis).\n"
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

/* bodnaarplot report OUT.gpkg -o werksessie.pdf [--top N] [--overwrite] */
static int report_command(int argc, char **argv)
{
    const char *gpkg = NULL, *pdf = NULL;
    bp_report_options o = {0, 0};
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("Usage: bodnaarplot report OUT.gpkg -o werksessie.pdf [--top 10] [--overwrite]\n\n"
                   "Writes the handout of a workshop (werksessie) as PDF, in Dutch, with QGIS (python3-qgis):\n"
                   "per gemeente the map zoomed to its plots, target, plans, realised, gap, programmed and\n"
                   "remaining per housing type, and the programmed and reserved plots with partners, reasons\n"
                   "and notes (without a programme or reservations: the --top best-ranked plots).\n"
                   "An existing PDF is replaced only with --overwrite.\n");
            return 0;
        }
        if ((!strcmp(a, "-o") || !strcmp(a, "--output")) && i + 1 < argc) pdf = argv[++i];
        else if (!strcmp(a, "--overwrite")) o.overwrite = 1;
        else if (!strcmp(a, "--top") && i + 1 < argc) {
            char *end;
            long n = strtol(argv[++i], &end, 10);
            if (*end || n < 1 || n > 1000) return fail(BP_ERR_USAGE, "--top takes a number of plots, 1 to 1000");
            o.top = (int)n;
        } else if (a[0] != '-' && !gpkg) gpkg = a;
        else {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown argument '%s' (bodnaarplot report OUT.gpkg -o werksessie.pdf)", a);
            return fail(BP_ERR_USAGE, msg);
        }
    }
    if (!gpkg || !pdf) return fail(BP_ERR_USAGE, "report needs a GeoPackage and -o werksessie.pdf");
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return fail(BP_ERR_NOMEM, "out of memory");
    bp_status st = bp_report_render(gpkg, pdf, &o, ctx);
    int rc = st == BP_OK ? 0 : fail(st, bp_ctx_errmsg(ctx));
    bp_ctx_free(ctx);
    return rc;
}

static volatile int serve_stop;
static void on_serve_signal(int sig)
{
    (void)sig;
    serve_stop = 1;
}

static void serve_ready(const char *url, int port, void *ud)
{
    const char *token = ud;
    (void)port;
    if (token) printf("bodnaarplot: serving on %s?token=%s\n(token %s; every request needs it)\n", url, token, token);
    else printf("bodnaarplot: serving on %s (Ctrl-C stops)\n", url);
    fflush(stdout);
}

/* A random token of 32 characters [A-Za-z0-9] from the system's random source. */
static int make_token(char *out, size_t size)
{
    static const char abc[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
    unsigned char raw[32];
    FILE *f = fopen("/dev/urandom", "rb");
    if (!f) return 0;
    size_t got = fread(raw, 1, sizeof raw, f);
    fclose(f);
    if (got != sizeof raw || size < sizeof raw + 1) return 0;
    for (size_t i = 0; i < sizeof raw; i++) out[i] = abc[raw[i] % 62]; /* 248 of 256: a slight bias, ~190 bits */
    out[sizeof raw] = '\0';
    return 1;
}

/* bodnaarplot serve OUT.gpkg [--port N] [--listen ADDR] [--token T] [--parties FILE] [--leaflet DIR] */
static int serve_command(int argc, char **argv)
{
    bp_serve_opts o = {0};
    char token[64];
    for (int i = 2; i < argc; i++) {
        const char *a = argv[i];
        if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            printf("Usage: bodnaarplot serve OUT.gpkg [flags]\n\n"
                   "Serves the workshop map of a result: re-rank with sliders, explain a plot, record\n"
                   "decisions into OUT.gpkg (see README, 'Live workshop map').\n\n"
                   "  --port N           TCP port (default 8080)\n"
                   "  --listen ADDR      IPv4 address to listen on (default 127.0.0.1); any other address\n"
                   "                     gets a random token, printed here and required on every request\n"
                   "  --token T          use this token (16+ letters, digits, - or _) instead\n"
                   "  --parties FILE     YAML: the parties' weight profiles {party: {category: weight}}\n"
                   "  --threads N        results re-ranked in parallel (default 2)\n"
                   "  --leaflet DIR      Leaflet's files (default Debian's libjs-leaflet)\n");
            return 0;
        }
        const char *v = i + 1 < argc ? argv[i + 1] : NULL;
        if (!strcmp(a, "--port") && v) {
            char *end;
            long p = strtol(v, &end, 10);
            if (*end || p < 1 || p > 65535) return fail(BP_ERR_USAGE, "--port takes a number 1-65535");
            o.port = (int)p;
            i++;
        } else if (!strcmp(a, "--listen") && v) o.listen = argv[++i];
        else if (!strcmp(a, "--token") && v) o.token = argv[++i];
        else if (!strcmp(a, "--parties") && v) o.parties = argv[++i];
        else if (!strcmp(a, "--leaflet") && v) o.leaflet_dir = argv[++i];
        else if (!strcmp(a, "--threads") && v) {
            o.threads = atoi(argv[++i]);
            if (o.threads < 1 || o.threads > 16) return fail(BP_ERR_USAGE, "--threads takes a number 1-16");
        } else if (a[0] != '-' && !o.gpkg) o.gpkg = a;
        else {
            char msg[300];
            snprintf(msg, sizeof msg, "unknown argument '%s' (bodnaarplot serve OUT.gpkg [--port N] [--listen ADDR])", a);
            return fail(BP_ERR_USAGE, msg);
        }
    }
    if (!o.gpkg) return fail(BP_ERR_USAGE, "serve needs a GeoPackage: bodnaarplot serve OUT.gpkg");
    if (!o.token && o.listen && strcmp(o.listen, "127.0.0.1")) {
        if (!make_token(token, sizeof token)) return fail(BP_ERR_NOMEM, "cannot make a random token");
        o.token = token;
    }
    o.stop = &serve_stop;
    o.ready = serve_ready;
    o.userdata = (void *)o.token;
    signal(SIGINT, on_serve_signal);
    signal(SIGTERM, on_serve_signal);
    signal(SIGPIPE, SIG_IGN);
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx) return fail(BP_ERR_NOMEM, "out of memory");
    bp_status st = bp_serve(&o, ctx);
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
    if (!strcmp(cmd, "report")) return report_command(argc, argv);
    if (!strcmp(cmd, "besluit")) return bp_cli_besluit(argc, argv);
    if (!strcmp(cmd, "rescore")) return bp_cli_rescore(argc, argv);
    if (!strcmp(cmd, "program")) return bp_cli_program(argc, argv);
    if (!strcmp(cmd, "serve")) return serve_command(argc, argv);
    if (strcmp(cmd, "score") && strcmp(cmd, "run")) {
        fprintf(stderr, "bodnaarplot: error: unknown command '%s' (commands: score, run, rescore, program, besluit, map, report, serve)\n", cmd);
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
    abort_ctx = NULL; /* an abort after this (LeakSanitizer at exit) finds no context */
    bp_ctx_free(ctx);
    return rc;
}
