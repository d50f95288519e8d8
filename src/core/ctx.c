/*
 * ctx.c — the error/warning context every library call reports into, the
 * names of the housing types, and the versions of the libraries.
 */
#include "core/core.h"

#include <stdio.h>
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

void bp_error_prefix(bp_ctx *ctx, const char *fmt, ...)
{
    if (!ctx || ctx->status == BP_OK) return;
    char old[sizeof ctx->errmsg];
    memcpy(old, ctx->errmsg, sizeof old);
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
    va_end(ap);
    size_t len = n < 0 ? 0 : (size_t)n < sizeof ctx->errmsg ? (size_t)n : sizeof ctx->errmsg - 1;
    ctx->errmsg[len] = '\0';
    if (len + 2 < sizeof ctx->errmsg) {
        memcpy(ctx->errmsg + len, ": ", 2);
        size_t room = sizeof ctx->errmsg - len - 3, ol = strlen(old);
        if (ol > room) ol = room;
        memcpy(ctx->errmsg + len + 2, old, ol);
        ctx->errmsg[len + 2 + ol] = '\0';
    }
    for (char *p = ctx->errmsg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
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


size_t bp_versions(char *buf, size_t size)
{
    PJ_INFO pj = proj_info();
    int n = snprintf(buf, size, "bodnaarplot %s\nGDAL %s\nGEOS %s\nPROJ %s\nSpatiaLite %s\nSQLite %s\n",
                     BP_VERSION, GDALVersionInfo("RELEASE_NAME"), GEOSversion(), pj.version,
                     spatialite_version(), sqlite3_libversion());
    return n < 0 ? 0 : (size_t)n;
}
