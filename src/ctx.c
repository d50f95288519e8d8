/*
 * ctx.c — the error/warning context, GEOS contexts that report into a
 * buffer, versions, and small string helpers.
 */
#include "bp_internal.h"

#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <cpl_error.h>
#include <proj.h>
#include <sqlite3.h>
#include <spatialite.h>

struct bp_ctx {
    bp_status status;
    char errmsg[2048];
    char **warnings;
    size_t nwarn, capwarn;
    bp_warning_fn wfn;
    void *wud;
};

static const char *const type_names[BP_NTYPES] = {"nultreden", "geclusterd", "zorggeschikt"};

const char *bp_type_name(bp_type t)
{
    return ((int)t >= 0 && (int)t < BP_NTYPES) ? type_names[t] : NULL;
}

int bp_type_parse(const char *name)
{
    for (int i = 0; name && i < BP_NTYPES; i++)
        if (strcasecmp(name, type_names[i]) == 0) return i;
    return -1;
}

bp_ctx *bp_ctx_new(void)
{
    return calloc(1, sizeof(bp_ctx));
}

void bp_ctx_free(bp_ctx *ctx)
{
    if (!ctx) return;
    for (size_t i = 0; i < ctx->nwarn; i++) free(ctx->warnings[i]);
    free(ctx->warnings);
    free(ctx);
}

const char *bp_ctx_errmsg(const bp_ctx *ctx) { return ctx ? ctx->errmsg : ""; }
bp_status bp_ctx_status(const bp_ctx *ctx) { return ctx ? ctx->status : BP_OK; }

void bp_ctx_clear(bp_ctx *ctx)
{
    if (!ctx) return;
    ctx->status = BP_OK;
    ctx->errmsg[0] = '\0';
}

size_t bp_ctx_warning_count(const bp_ctx *ctx) { return ctx ? ctx->nwarn : 0; }

const char *bp_ctx_warning(const bp_ctx *ctx, size_t i)
{
    return (ctx && i < ctx->nwarn) ? ctx->warnings[i] : NULL;
}

void bp_ctx_set_warning_handler(bp_ctx *ctx, bp_warning_fn fn, void *userdata)
{
    if (!ctx) return;
    ctx->wfn = fn;
    ctx->wud = userdata;
}

bp_status bp_error(bp_ctx *ctx, bp_status status, const char *fmt, ...)
{
    if (!ctx || ctx->status != BP_OK) return status;
    ctx->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
    va_end(ap);
    /* one line: newlines from library messages are folded */
    for (char *p = ctx->errmsg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return status;
}

void bp_warn(bp_ctx *ctx, const char *fmt, ...)
{
    if (!ctx) return;
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof buf, fmt, ap);
    va_end(ap);
    if (ctx->nwarn == ctx->capwarn) {
        size_t cap = ctx->capwarn ? ctx->capwarn * 2 : 16;
        char **w = realloc(ctx->warnings, cap * sizeof *w);
        if (!w) return;
        ctx->warnings = w;
        ctx->capwarn = cap;
    }
    char *copy = bp_strdup(buf);
    if (!copy) return;
    ctx->warnings[ctx->nwarn++] = copy;
    if (ctx->wfn) ctx->wfn(copy, ctx->wud);
}

const char *bp_cpl_msg(void)
{
    const char *m = CPLGetLastErrorMsg();
    return (m && *m) ? m : "unknown error";
}

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

char *bp_strdup(const char *s)
{
    if (!s) return NULL;
    size_t n = strlen(s) + 1;
    char *p = malloc(n);
    if (p) memcpy(p, s, n);
    return p;
}

char *bp_strfmt(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(NULL, 0, fmt, ap);
    va_end(ap);
    if (n < 0) return NULL;
    char *p = malloc((size_t)n + 1);
    if (!p) return NULL;
    va_start(ap, fmt);
    vsnprintf(p, (size_t)n + 1, fmt, ap);
    va_end(ap);
    return p;
}

const char *bp_versions(void)
{
    static char buf[512];
    if (!buf[0]) {
        PJ_INFO pj = proj_info();
        snprintf(buf, sizeof buf,
                 "bodnaarplot %s\nGDAL %s\nGEOS %s\nPROJ %s\nSpatiaLite %s\nSQLite %s\n",
                 BP_VERSION, GDALVersionInfo("RELEASE_NAME"), GEOSversion(),
                 pj.version, spatialite_version(), sqlite3_libversion());
    }
    return buf;
}

void bp_debug_phase(const char *name, struct timespec *last)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    CPLDebug("BODNAARPLOT", "%-20s %.3f s", name,
             (double)(now.tv_sec - last->tv_sec) + (double)(now.tv_nsec - last->tv_nsec) * 1e-9);
    *last = now;
}
