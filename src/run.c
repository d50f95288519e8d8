/*
 * run.c — bp_run(): the pipeline, one way through:
 *   load -> distances -> scores -> gap -> rank -> write.
 * Each step is a module of its own; this file wires them and owns the
 * per-plot arrays.
 */
#include "bp_internal.h"

#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>
#include <cpl_error.h>


typedef struct {
    char **key, **value;
    size_t n, cap;
} info_rows;

static void info_add(info_rows *r, const char *key, const char *value)
{
    if (r->n == r->cap) {
        size_t cap = r->cap ? r->cap * 2 : 64;
        char **k = realloc(r->key, cap * sizeof *k);
        if (!k) return;
        r->key = k;
        char **v = realloc(r->value, cap * sizeof *v);
        if (!v) return;
        r->value = v;
        r->cap = cap;
    }
    r->key[r->n] = bp_strdup(key);
    r->value[r->n] = bp_strdup(value ? value : "");
    if (r->key[r->n] && r->value[r->n]) r->n++;
    else {
        free(r->key[r->n]);
        free(r->value[r->n]);
    }
}

static void info_cfg(const char *key, const char *value, void *ud)
{
    char k[300];
    snprintf(k, sizeof k, "config.%s", key);
    info_add(ud, k, value);
}

static void info_layer(info_rows *r, const char *prefix, const char *src, const bp_layer *l)
{
    char k[300], v[64];
    snprintf(k, sizeof k, "input.%s.source", prefix);
    info_add(r, k, src);
    const struct {
        const char *name;
        size_t value;
    } counts[] = {{"features_read", l->n_read}, {"features_used", l->n}, {"repaired", l->n_repaired},
                  {"skipped_without_geometry", l->n_skipped}};
    for (size_t i = 0; i < sizeof counts / sizeof *counts; i++) {
        snprintf(k, sizeof k, "input.%s.%s", prefix, counts[i].name);
        snprintf(v, sizeof v, "%zu", counts[i].value);
        info_add(r, k, v);
    }
}

static void info_free(info_rows *r)
{
    for (size_t i = 0; i < r->n; i++) {
        free(r->key[i]);
        free(r->value[i]);
    }
    free(r->key);
    free(r->value);
}

/* Plot ids and their order for ties. */
typedef struct {
    char **ids;
    int64_t *num;   /* numeric ids, or NULL */
} plot_ids;

static const plot_ids *sort_ids;
static const double *sort_score;
static const unsigned char *sort_knocked;

static int cmp_id(size_t a, size_t b)
{
    if (sort_ids->num) return sort_ids->num[a] < sort_ids->num[b] ? -1 : sort_ids->num[a] > sort_ids->num[b];
    return strcmp(sort_ids->ids[a], sort_ids->ids[b]);
}

static int cmp_idx_by_id(const void *x, const void *y)
{
    return cmp_id(*(const size_t *)x, *(const size_t *)y);
}

/* Eligible plots first, then higher (rounded) score, then plot id. */
static int cmp_rank(const void *x, const void *y)
{
    size_t a = *(const size_t *)x, b = *(const size_t *)y;
    if (sort_knocked[a] != sort_knocked[b]) return sort_knocked[a] ? 1 : -1;
    if (sort_score[a] != sort_score[b]) return sort_score[a] > sort_score[b] ? -1 : 1;
    return cmp_id(a, b);
}

static bp_status read_ids(const bp_config *cfg, const bp_layer *pl, plot_ids *out, bp_ctx *ctx)
{
    out->ids = calloc(pl->n, sizeof *out->ids);
    if (!out->ids) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    int fi = -1, numeric = 1;
    if (cfg->id_field) {
        fi = OGR_FD_GetFieldIndex(pl->defn, cfg->id_field);
        if (fi < 0) {
            char fields[400] = "";
            for (int i = 0; i < OGR_FD_GetFieldCount(pl->defn); i++)
                snprintf(fields + strlen(fields), sizeof fields - strlen(fields), "%s%s", i ? ", " : "",
                         OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(pl->defn, i)));
            return bp_error(ctx, BP_ERR_USAGE, "%s: no field '%s' for --id-field (fields: %s)", pl->what,
                            cfg->id_field, fields[0] ? fields : "none");
        }
        OGRFieldType t = OGR_Fld_GetType(OGR_FD_GetFieldDefn(pl->defn, fi));
        numeric = t == OFTInteger || t == OFTInteger64;
    }
    if (numeric) {
        out->num = malloc(pl->n * sizeof *out->num);
        if (!out->num) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < pl->n; i++) {
        if (fi >= 0 && !OGR_F_IsFieldSetAndNotNull(pl->feat[i], fi))
            return bp_error(ctx, BP_ERR_DATA, "%s: feature %" PRId64 " has no %s", pl->what, pl->fid[i],
                            cfg->id_field);
        out->ids[i] = fi >= 0 ? bp_strdup(OGR_F_GetFieldAsString(pl->feat[i], fi))
                              : bp_strfmt("%" PRId64, pl->fid[i]);
        if (!out->ids[i]) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (numeric) out->num[i] = fi >= 0 ? OGR_F_GetFieldAsInteger64(pl->feat[i], fi) : pl->fid[i];
    }
    /* duplicates */
    size_t *ord = malloc(pl->n * sizeof *ord);
    if (!ord) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (size_t i = 0; i < pl->n; i++) ord[i] = i;
    sort_ids = out;
    qsort(ord, pl->n, sizeof *ord, cmp_idx_by_id);
    for (size_t k = 1; k < pl->n; k++)
        if (cmp_id(ord[k - 1], ord[k]) == 0) {
            size_t a = ord[k - 1] < ord[k] ? ord[k - 1] : ord[k], b = ord[k - 1] ^ ord[k] ^ a;
            bp_error(ctx, BP_ERR_DATA, "%s: duplicate %s '%s' (features %" PRId64 " and %" PRId64 ")",
                     pl->what, cfg->id_field ? cfg->id_field : "id", out->ids[a], pl->fid[a], pl->fid[b]);
            free(ord);
            return BP_ERR_DATA;
        }
    free(ord);
    return BP_OK;
}

static void ids_free(plot_ids *p, size_t n)
{
    for (size_t i = 0; p->ids && i < n; i++) free(p->ids[i]);
    free(p->ids);
    free(p->num);
}

static bp_status check_output(const bp_config *cfg, bp_ctx *ctx)
{
    const char *out = cfg->output;
    const char *format = bp_format_of(cfg);
    if (!strcmp(format, "PostgreSQL")) {
        if (strncasecmp(out, "PG:", 3) != 0)
            return bp_error(ctx, BP_ERR_USAGE, "%s: a PostgreSQL output is a connection string 'PG:...'", out);
        return BP_OK; /* existing tables are checked when the database is opened */
    }
    const char *ext = bp_format_extension(format);
    size_t len = strlen(out), el = strlen(ext);
    if (!strcmp(format, "GPKG") && (len <= el || strcasecmp(out + len - el, ext) != 0))
        return bp_error(ctx, BP_ERR_USAGE, "%s: the output must be a GeoPackage ending in .gpkg", out);
    struct stat st;
    if (stat(out, &st) == 0) {
        if (S_ISDIR(st.st_mode)) return bp_error(ctx, BP_ERR_USAGE, "%s: is a directory", out);
        if (!cfg->overwrite)
            return bp_error(ctx, BP_ERR_USAGE, "%s: exists; pass --overwrite to replace it", out);
    }
    char dir[4096];
    const char *slash = strrchr(out, '/');
    snprintf(dir, sizeof dir, "%.*s", slash ? (int)(slash - out) : 1, slash ? out : ".");
    if (slash == out) strcpy(dir, "/");
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode))
        return bp_error(ctx, BP_ERR_USAGE, "%s: folder %s does not exist", out, dir);
    return BP_OK;
}

static void report_layer(bp_ctx *ctx, const bp_layer *l)
{
    if (l->n_repaired || l->n_skipped)
        bp_warn(ctx, "%s: %zu invalid geometr%s repaired, %zu feature%s without geometry skipped", l->what,
                l->n_repaired, l->n_repaired == 1 ? "y" : "ies", l->n_skipped, l->n_skipped == 1 ? "" : "s");
}

/* GDAL's messages during a run: warnings become the run's warnings, errors
 * stay available to the code that checks for them (CPLGetLastErrorMsg), and
 * nothing is printed, except debug messages when CPL_DEBUG asks for them. */
static void CPL_STDCALL route_cpl(CPLErr cls, CPLErrorNum num, const char *msg)
{
    (void)num;
    if (cls == CE_Warning) {
        bp_ctx *ctx = CPLGetErrorHandlerUserData();
        if (ctx && bp_ctx_warning_count(ctx) < 1000) bp_warn(ctx, "GDAL: %s", msg);
    } else if (cls == CE_Debug) {
        CPLDefaultErrorHandler(cls, num, msg);
    }
}

static bp_status run_pipeline(const bp_config *cfg, GDALProgressFunc progress, void *pdata,
                              bp_summary *summary, bp_ctx *ctx);

bp_status bp_run(const bp_config *cfg, GDALProgressFunc progress, void *pdata, bp_summary *summary,
                 bp_ctx *ctx)
{
    CPLPushErrorHandlerEx(route_cpl, ctx);
    bp_status st = run_pipeline(cfg, progress, pdata, summary, ctx);
    CPLPopErrorHandler();
    return st;
}

static bp_status run_pipeline(const bp_config *cfg, GDALProgressFunc progress, void *pdata,
                              bp_summary *summary, bp_ctx *ctx)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    struct timespec tp = t0;
    time_t started = time(NULL);
    bp_status st = bp_config_validate(cfg, ctx);
    if (st == BP_OK) st = check_output(cfg, ctx);
    if (st != BP_OK) return st;
    if (strcmp(bp_format_of(cfg), "PostgreSQL")) bp_export_cleanup_stale(cfg->output);
    GDALAllRegister();

    size_t ncat = cfg->ncats;
    bp_crs crs = {0};
    bp_geos g = {0};
    bp_layer plots = {0}, gml = {0};
    bp_layer *fac = calloc(ncat, sizeof *fac);
    bp_gemeenten gm = {0};
    plot_ids ids = {0};
    info_rows info = {0};
    double *dist = NULL, *cat_score = NULL, *score = NULL, *suit = NULL, *area = NULL, *capacity = NULL;
    int *count = NULL, *rank = NULL;
    size_t *assign = NULL, *order = NULL;
    unsigned char *knocked = NULL, *pass = NULL;
    char **reason = NULL, **gm_code = NULL;
    void *sp = NULL;
    bp_network *net = NULL;
    double *plot_attach = NULL;
    if (!fac) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    if ((st = bp_crs_init(&crs, cfg->crs, cfg->assume_crs, ctx)) != BP_OK) goto out;
    if ((st = bp_geos_init(&g, ctx)) != BP_OK) goto out;

    /* ---- load ---- */
    bp_layer_opts popts = {.where = cfg->candidates_where, .keep_attrs = 1};
    sp = GDALCreateScaledProgress(0.0, 0.15, progress, pdata);
    st = bp_layer_read(&plots, cfg->candidates, &popts, &crs, &g, progress ? GDALScaledProgress : NULL, sp, ctx);
    GDALDestroyScaledProgress(sp);
    sp = NULL;
    if (st != BP_OK) goto out;
    report_layer(ctx, &plots);
    if ((st = read_ids(cfg, &plots, &ids, ctx)) != BP_OK) goto out;
    bp_debug_phase("candidates", &tp);

    bp_layer_opts gopts = {.keep_attrs = 1};
    if ((st = bp_layer_read(&gml, cfg->gemeenten, &gopts, &crs, &g, NULL, NULL, ctx)) != BP_OK) goto out;
    report_layer(ctx, &gml);
    if ((st = bp_gap_gemeenten(&gml, cfg->code_field, cfg->name_field, &g, &gm, ctx)) != BP_OK) goto out;
    if ((st = bp_gap_read_targets(&gm, cfg->targets, ctx)) != BP_OK) goto out;

    int any_osm = 0;
    for (size_t c = 0; c < ncat; c++) {
        const bp_category *k = &cfg->cats[c];
        if (k->from_osm) {
            any_osm = 1;
            continue;
        }
        bp_layer_opts fopts = {.where = k->where, .name_field = k->name_field, .guess_name = 1};
        st = bp_layer_read(&fac[c], k->source, &fopts, &crs, &g, NULL, NULL, ctx);
        if (st != BP_OK) {
            char msg[2048];
            snprintf(msg, sizeof msg, "%s", bp_ctx_errmsg(ctx));
            bp_ctx_clear(ctx);
            st = bp_error(ctx, st, "facility category %s: %s", k->name, msg);
            goto out;
        }
        report_layer(ctx, &fac[c]);
    }
    if (any_osm) {
        if ((st = bp_osm_facilities(cfg->network, cfg, &crs, &g, fac, ctx)) != BP_OK) goto out;
        for (size_t c = 0; c < ncat; c++)
            if (cfg->cats[c].from_osm) report_layer(ctx, &fac[c]);
    }
    bp_debug_phase("inputs", &tp);
    if (progress && !progress(0.2, NULL, pdata)) {
        st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
        goto out;
    }

    size_t n = plots.n;
    dist = malloc(n * ncat * sizeof *dist);
    count = malloc(n * ncat * sizeof *count);
    cat_score = malloc(n * ncat * sizeof *cat_score);
    score = malloc(n * BP_NTYPES * sizeof *score);
    suit = malloc(n * sizeof *suit);
    area = malloc(n * sizeof *area);
    capacity = malloc(n * sizeof *capacity);
    rank = calloc(n, sizeof *rank);
    assign = malloc(n * sizeof *assign);
    order = malloc(n * sizeof *order);
    knocked = calloc(n, 1);
    reason = calloc(n, sizeof *reason);
    gm_code = calloc(n, sizeof *gm_code);
    if (!dist || !count || !cat_score || !score || !suit || !area || !capacity || !rank || !assign ||
        !order || !knocked || !reason || !gm_code) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }

    /* ---- gemeente of each plot ---- */
    if ((st = bp_gap_assign(&gm, plots.geom, n, (const char *const *)ids.ids, &g, assign, ctx)) != BP_OK)
        goto out;
    for (size_t i = 0; i < n; i++) {
        gm_code[i] = gm.g[assign[i]].code;
        if (GEOSGeom_getDimensions_r(g.h, plots.geom[i]) == 2) {
            GEOSArea_r(g.h, plots.geom[i], &area[i]);
            capacity[i] = bp_criteria_capacity(area[i], cfg->density);
        } else {
            area[i] = 0;
            capacity[i] = NAN;
        }
    }
    bp_debug_phase("gemeente", &tp);
    /* warn once for each gemeente that has plots but no target */
    unsigned char *warned = calloc(gm.n, 1);
    for (size_t i = 0; warned && i < n; i++) {
        const bp_gemeente *gg = &gm.g[assign[i]];
        if (!gg->has_target[cfg->profile] && !warned[assign[i]]) {
            bp_warn(ctx, "%s: gemeente %s (%s) has candidate plots but no %s target; its gap counts as unknown",
                    cfg->targets, gg->code, gg->name, bp_type_name(cfg->profile));
            warned[assign[i]] = 1;
        }
    }
    free(warned);

    /* ---- distances ---- */
    sp = GDALCreateScaledProgress(0.2, 0.7, progress, pdata);
    st = bp_proximity_euclidean(plots.geom, n, fac, ncat, cfg->radius_m, cfg->threads, dist, count,
                                progress ? GDALScaledProgress : NULL, sp, ctx);
    GDALDestroyScaledProgress(sp);
    sp = NULL;
    if (st != BP_OK) goto out;

    bp_debug_phase("distances", &tp);

    /* ---- walking distances replace the straight ones; counts stay straight ---- */
    int use_network = cfg->distance_network == 1 || (cfg->distance_network < 0 && cfg->network);
    if (use_network) {
        plot_attach = malloc(n * sizeof *plot_attach);
        size_t *unatt = calloc(ncat, sizeof *unatt);
        if (!plot_attach || !unatt) {
            free(unatt);
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            goto out;
        }
        st = bp_network_load(cfg->network, cfg->rollator, &crs, &g, &net, ctx);
        if (st == BP_OK)
            st = bp_network_distances(net, &g, plots.geom, n, fac, ncat, cfg->snap_tolerance_m, cfg->threads,
                                      dist, plot_attach, unatt, ctx);
        for (size_t c = 0; st == BP_OK && c < ncat; c++)
            if (unatt[c])
                bp_warn(ctx, "%s: %zu of %zu %s facilities lie more than %g m from a walkable way and are left out",
                        cfg->network, unatt[c], fac[c].n, cfg->cats[c].name, cfg->snap_tolerance_m);
        free(unatt);
        if (st != BP_OK) goto out;
        size_t off = 0;
        for (size_t i = 0; i < n; i++) off += plot_attach[i] > cfg->snap_tolerance_m;
        if (off)
            bp_warn(ctx, "%s: %zu candidate plots lie more than %g m from a walkable way: no walking distances",
                    cfg->network, off, cfg->snap_tolerance_m);
        const char *graph = getenv("BP_NETWORK_GRAPH"); /* for the independent check in tests */
        if (graph && *graph && (st = bp_network_export_graph(net, graph, ctx)) != BP_OK) goto out;
        bp_debug_phase("network", &tp);
    }

    /* ---- scores and gap ---- */
    for (size_t i = 0; i < n; i++) {
        for (size_t c = 0; c < ncat; c++) {
            const bp_category *k = &cfg->cats[c];
            cat_score[i * ncat + c] = bp_criteria_decay(dist[i * ncat + c], k->full_m, k->zero_m, k->decay);
        }
        const bp_gemeente *gg = &gm.g[assign[i]];
        for (int t = 0; t < BP_NTYPES; t++) {
            double s = bp_criteria_suitability(cfg, (bp_type)t, &cat_score[i * ncat]);
            double gap, share;
            bp_gap_compute(gg->opgave[t], gg->plannen[t], gg->gerealiseerd[t], &gap, &share);
            score[i * BP_NTYPES + t] = bp_criteria_round(bp_criteria_final(s, share, cfg->gap_weight));
            if (t == (int)cfg->profile) suit[i] = s;
        }
    }

    /* ---- knock-outs ---- */
    if (cfg->filter && *cfg->filter) {
        pass = malloc(n);
        if (!pass) {
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            goto out;
        }
        bp_filter_input fin = {&plots, cfg->id_field, ncat, cfg, dist, count, area, capacity,
                               (const char *const *)gm_code};
        if ((st = bp_filter_eval(cfg->filter, &fin, pass, ctx)) != BP_OK) goto out;
    }
    size_t nko = 0;
    for (size_t i = 0; i < n; i++) {
        char buf[1024] = "";
        int k = bp_criteria_knockouts(cfg, cfg->profile, &dist[i * ncat], area[i],
                                      GEOSGeom_getDimensions_r(g.h, plots.geom[i]) == 2, buf, sizeof buf);
        if (pass && !pass[i]) {
            size_t len = strlen(buf);
            snprintf(buf + len, sizeof buf - len, "%sdoes not meet the filter: %s", len ? "; " : "", cfg->filter);
            k++;
        }
        if (k) {
            knocked[i] = 1;
            nko++;
        }
        /* why walking distances are missing, knocked out or not */
        size_t len = strlen(buf);
        if (plot_attach && plot_attach[i] > cfg->snap_tolerance_m) {
            if (isinf(plot_attach[i]))
                snprintf(buf + len, sizeof buf - len, "%sno walking distances: no walkable way", len ? "; " : "");
            else
                snprintf(buf + len, sizeof buf - len,
                         "%sno walking distances: %.0f m from the nearest walkable way (snap tolerance %g m)",
                         len ? "; " : "", plot_attach[i], cfg->snap_tolerance_m);
        } else if (plot_attach) {
            for (size_t c = 0; c < ncat; c++)
                if (isnan(dist[i * ncat + c])) {
                    len = strlen(buf);
                    snprintf(buf + len, sizeof buf - len, "%sno %s reachable over the walking network",
                             len ? "; " : "", cfg->cats[c].name);
                }
        }
        if (buf[0]) reason[i] = bp_strdup(buf);
    }

    /* ---- rank ---- */
    double *chosen = malloc(n * sizeof *chosen);
    if (!chosen) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < n; i++) {
        order[i] = i;
        chosen[i] = score[i * BP_NTYPES + cfg->profile];
    }
    sort_ids = &ids;
    sort_score = chosen;
    sort_knocked = knocked;
    qsort(order, n, sizeof *order, cmp_rank);
    for (size_t k = 0; k < n; k++)
        if (!knocked[order[k]]) rank[order[k]] = (int)k + 1;
    free(chosen);

    bp_debug_phase("scores", &tp);

    /* ---- run_info ---- */
    {
        char ts[64], v[64];
        strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%SZ", gmtime(&started));
        info_add(&info, "run.started", ts);
        const char *vers = bp_versions();
        for (const char *p = vers; *p;) {
            const char *nl = strchr(p, '\n'), *sp2 = strchr(p, ' ');
            if (!nl || !sp2 || sp2 > nl) break;
            char k[64], val[128];
            snprintf(k, sizeof k, "version.%.*s", (int)(sp2 - p), p);
            snprintf(val, sizeof val, "%.*s", (int)(nl - sp2 - 1), sp2 + 1);
            info_add(&info, k, val);
            p = nl + 1;
        }
        if (net) {
            size_t nn, ne, nw, nst, nr;
            bp_network_stats(net, &nn, &ne, &nw, &nst, &nr);
            info_add(&info, "distance", "network (walking, Dijkstra; counts n_ are straight-line)");
            char v2[128];
            snprintf(v2, sizeof v2, "%zu nodes, %zu edges from %zu ways (%zu steps, %zu incline/rough)", nn, ne,
                     nw, nst, nr);
            info_add(&info, "network.graph", v2);
        } else {
            info_add(&info, "distance", "euclidean (exact, GEOS, to the plot geometry)");
        }
        bp_config_foreach(cfg, info_cfg, &info);
        info_layer(&info, "candidates", cfg->candidates, &plots);
        info_layer(&info, "gemeenten", cfg->gemeenten, &gml);
        for (size_t c = 0; c < ncat; c++) {
            char pfx[64];
            snprintf(pfx, sizeof pfx, "facilities.%s", cfg->cats[c].name);
            info_layer(&info, pfx, cfg->cats[c].source, &fac[c]);
        }
        info_add(&info, "input.targets.source", cfg->targets);
        snprintf(v, sizeof v, "%zu", nko);
        info_add(&info, "result.knocked_out", v);
        snprintf(v, sizeof v, "%zu", n - nko);
        info_add(&info, "result.ranked", v);
        for (size_t w = 0; w < bp_ctx_warning_count(ctx); w++) {
            char k[32];
            snprintf(k, sizeof k, "warning.%zu", w + 1);
            info_add(&info, k, bp_ctx_warning(ctx, w));
        }
    }

    /* ---- write ---- */
    bp_export_input ex = {
        .cfg = cfg, .plots = &plots, .ncat = ncat, .facilities = fac, .dist = dist, .count = count,
        .cat_score = cat_score, .score = score, .suitability = suit, .capacity = capacity, .area = area,
        .gemeente = assign, .gm = &gm, .knocked = knocked, .reason = reason, .rank = rank, .order = order,
        .crs = &crs, .ids = (const char *const *)ids.ids, .network = net, .ninfo = info.n, .info_key = info.key,
        .info_value = info.value};
    sp = GDALCreateScaledProgress(0.7, 1.0, progress, pdata);
    st = bp_export_gpkg(&ex, progress ? GDALScaledProgress : NULL, sp, ctx);
    GDALDestroyScaledProgress(sp);
    sp = NULL;
    bp_debug_phase("write", &tp);

    if (st == BP_OK && summary) {
        memset(summary, 0, sizeof *summary);
        summary->n_candidates = n;
        summary->n_knocked_out = nko;
        for (size_t c = 0; c < ncat; c++) summary->n_facilities += fac[c].n;
        for (size_t i = 0; i < gm.n; i++) {
            int any = 0;
            for (int t = 0; t < BP_NTYPES; t++) any |= gm.g[i].has_target[t] != 0;
            summary->n_gemeenten += any;
        }
        summary->n_repaired = plots.n_repaired + gml.n_repaired;
        summary->n_skipped = plots.n_skipped + gml.n_skipped;
        for (size_t c = 0; c < ncat; c++) {
            summary->n_repaired += fac[c].n_repaired;
            summary->n_skipped += fac[c].n_skipped;
        }
    }
out:
    if (sp) GDALDestroyScaledProgress(sp);
    info_free(&info);
    for (size_t i = 0; reason && i < plots.n; i++) free(reason[i]);
    free(reason);
    free(gm_code);
    free(dist);
    free(count);
    free(cat_score);
    free(score);
    free(suit);
    free(area);
    free(capacity);
    free(rank);
    free(assign);
    free(order);
    free(knocked);
    free(pass);
    ids_free(&ids, plots.n);
    bp_layer_clear(&plots, &g);
    bp_layer_clear(&gml, &g);
    bp_network_free(net, &g);
    free(plot_attach);
    for (size_t c = 0; fac && c < ncat; c++) bp_layer_clear(&fac[c], &g);
    free(fac);
    bp_gap_clear(&gm, &g);
    if (g.h) bp_geos_finish(&g);
    bp_crs_clear(&crs);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st == BP_OK && summary)
        summary->seconds = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) * 1e-9;
    return st;
}
