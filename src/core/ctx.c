/*
 * ctx.c — the error/warning context every library call reports into, the
 * names of the housing types, and the versions of the libraries.
 */
#include "core/core.h"

#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>
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
    bp_fatal_fn ffn;
    void *fud;
    /* temporary files to remove when a library aborts the process; fixed
       slots, since the abort may come from running out of memory */
    char tmp[BP_CTX_MAX_TMP][PATH_MAX];
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

bp_ctx *bp_ctx_new_helper(const bp_ctx *parent)
{
    bp_ctx *h = bp_ctx_new();
    if (h && parent) {
        h->ffn = parent->ffn;
        h->fud = parent->fud;
        memcpy(h->tmp, parent->tmp, sizeof h->tmp);
    }
    return h;
}

void bp_ctx_adopt(bp_ctx *parent, const bp_ctx *helper)
{
    if (!parent || !helper) return;
    for (size_t i = 0; i < helper->nwarn; i++) bp_warn(parent, "%s", helper->warnings[i]);
    if (helper->status != BP_OK && parent->status == BP_OK) {
        parent->status = helper->status;
        memcpy(parent->errmsg, helper->errmsg, sizeof parent->errmsg);
    }
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

void bp_ctx_set_fatal_handler(bp_ctx *ctx, bp_fatal_fn fn, void *userdata)
{
    if (!ctx) return;
    ctx->ffn = fn;
    ctx->fud = userdata;
}

int bp_ctx_track_tmp(bp_ctx *ctx, const char *path)
{
    if (!ctx || strlen(path) >= PATH_MAX) return -1;
    for (int i = 0; i < BP_CTX_MAX_TMP; i++)
        if (!ctx->tmp[i][0]) {
            memcpy(ctx->tmp[i], path, strlen(path) + 1);
            return 0;
        }
    return -1;
}

void bp_ctx_untrack_tmp(bp_ctx *ctx, const char *path)
{
    for (int i = 0; ctx && i < BP_CTX_MAX_TMP; i++)
        if (!strcmp(ctx->tmp[i], path)) ctx->tmp[i][0] = '\0';
}

void bp_ctx_remove_tmp(bp_ctx *ctx)
{
    if (!ctx) return;
    static const char *const suffixes[] = {"", "-journal", "-wal", "-shm"};
    char buf[PATH_MAX + 16];
    for (int i = 0; i < BP_CTX_MAX_TMP; i++) {
        if (!ctx->tmp[i][0]) continue;
        for (size_t k = 0; k < 4; k++) {
            size_t a = strlen(ctx->tmp[i]), b = strlen(suffixes[k]);
            memcpy(buf, ctx->tmp[i], a);
            memcpy(buf + a, suffixes[k], b + 1);
            unlink(buf);
        }
        ctx->tmp[i][0] = '\0';
    }
}

void bp_ctx_fatal(bp_ctx *ctx, const char *msg)
{
    if (!ctx) return;
    bp_ctx_remove_tmp(ctx);
    if (ctx->ffn) ctx->ffn(msg, ctx->fud);
}

int bp_oom_text(const char *msg)
{
    static const char *const pats[] = {"out of memory", "bad_alloc", "cannot allocate memory",
                                       "memory allocation failed", "insufficient memory", "not enough memory"};
    for (size_t i = 0; msg && i < sizeof pats / sizeof *pats; i++)
        if (strcasestr(msg, pats[i])) return 1;
    return 0;
}

void CPL_STDCALL bp_cpl_quiet(CPLErr cls, CPLErrorNum num, const char *msg)
{
    if (cls == CE_Fatal) bp_ctx_fatal(CPLGetErrorHandlerUserData(), msg);
    else if (cls == CE_Debug) CPLDefaultErrorHandler(cls, num, msg); /* shown only with CPL_DEBUG */
}

int bp_cpl_oom(void)
{
    return CPLGetLastErrorNo() == CPLE_OutOfMemory || bp_oom_text(CPLGetLastErrorMsg());
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
    if (!ctx) return status;
    if (ctx->status != BP_OK) return ctx->status;
    ctx->status = status;
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(ctx->errmsg, sizeof ctx->errmsg, fmt, ap);
    va_end(ap);
    /* a library that ran out of memory often says so only in its message
       (GEOS "std::bad_alloc", SQLite "out of memory"): that is exit 4, not
       bad data or a failed write */
    if (status != BP_ERR_ABORTED && bp_oom_text(ctx->errmsg)) ctx->status = BP_ERR_NOMEM;
    /* others fail for want of memory without saying so (SQLite's messages
       cannot be allocated either, libyaml says "unknown"): when memory
       cannot be had right now, that is the cause */
    if (ctx->status != BP_ERR_ABORTED && ctx->status != BP_ERR_NOMEM) {
        void *probe = malloc(1 << 16);
        if (!probe) ctx->status = BP_ERR_NOMEM;
        free(probe);
    }
    /* one line: newlines from library messages are folded */
    for (char *p = ctx->errmsg; *p; p++)
        if (*p == '\n' || *p == '\r') *p = ' ';
    return ctx->status;
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
