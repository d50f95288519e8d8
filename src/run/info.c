/*
 * info.c — run_info: how a result was made, as key/value rows kept in the
 * result (start time, versions, the full effective configuration, inputs,
 * network, counts, warnings).
 */
#include "run/run.h"

#include <stdio.h>
#include <string.h>

static void add_config(const char *key, const char *value, void *ud)
{
    char k[300];
    snprintf(k, sizeof k, "config.%s", key);
    bp_kv_add(ud, k, value);
}

void bp_info_run(bp_kv *kv, const bp_config *cfg, time_t started)
{
    char ts[64], vers[512];
    struct tm tm;
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime_r(&started, &tm));
    bp_kv_add(kv, "run.started", ts);
    bp_versions(vers, sizeof vers);
    for (const char *p = vers; *p;) {
        const char *nl = strchr(p, '\n'), *sp = strchr(p, ' ');
        if (!nl || !sp || sp > nl) break;
        char k[64], v[128];
        snprintf(k, sizeof k, "version.%.*s", (int)(sp - p), p);
        snprintf(v, sizeof v, "%.*s", (int)(nl - sp - 1), sp + 1);
        bp_kv_add(kv, k, v);
        p = nl + 1;
    }
    bp_config_foreach(cfg, add_config, kv);
}

void bp_info_result(bp_kv *kv, const bp_result *r)
{
    size_t nko = 0;
    for (size_t i = 0; i < r->n; i++) nko += r->knock[i] != 0;
    bp_kv_set(kv, "result.profile", bp_type_name(r->rank_opts.profile));
    char v[32];
    snprintf(v, sizeof v, "%zu", nko);
    bp_kv_set(kv, "result.knocked_out", v);
    snprintf(v, sizeof v, "%zu", r->n - nko);
    bp_kv_set(kv, "result.ranked", v);
}

void bp_info_warnings(bp_kv *kv, const bp_ctx *ctx)
{
    for (size_t w = 0; w < bp_ctx_warning_count(ctx); w++) {
        char k[32];
        snprintf(k, sizeof k, "warning.%zu", w + 1);
        bp_kv_add(kv, k, bp_ctx_warning(ctx, w));
    }
}
