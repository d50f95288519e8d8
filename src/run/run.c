/*
 * run.c — the order of the stages, and nothing else:
 *
 *   bp_run:            read -> distances -> score -> gap -> rank -> write
 *   bp_result_load:    (a result's stored numbers) -> score -> gap -> rank
 *   bp_result_rerank:  score -> gap -> rank, in memory
 *
 * Each stage gets its own options (options.c).  Everything a run holds is
 * in one struct pipeline, so two runs in one process share nothing.
 *
 * Two ways through read and distances:
 *   in memory  every plot's geometry and attributes are read, then the
 *              gemeenten and distances computed over all of them, and the
 *              writer takes them from memory.  Walking distances and the
 *              SQL filter (which query all plots at once) go this way, as
 *              does candidates.chunk: 0.
 *   streamed   (straight-line distances, no filter) the plots are read in
 *              chunks of candidates.chunk plots; each chunk's gemeenten and
 *              distances are computed while its geometries are in memory,
 *              then they are freed: the run keeps only the result's
 *              per-plot numbers.  The writer reads each plot again from
 *              the source by feature id, in rank order (random access by
 *              fid; output/reader.c), processed exactly as on the first
 *              read, so both ways write the same candidates.
 */
#include "run/run.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cpl_error.h>

typedef struct {
    const bp_config *cfg;
    bp_options o;
    bp_crs crs;
    bp_geos g;
    bp_result *r;
    bp_layer plots, gml;
    bp_layer *fac;               /* o.ncat */
    GEOSGeometry **gm_geoms;     /* r->ngm */
    bp_network *net;
    double *vertex_dist;
    int streamed;                /* plots read in chunks (see above) */
    OGRwkbGeometryType plot_type;
    bp_gap_assigner *assigner;
    double t_read, t_gemeente, t_dist; /* seconds, streamed */
    GDALProgressFunc progress;
    void *pdata;
    struct timespec phase;
    const char *previous;        /* the output being replaced, when it holds decisions */
    bp_decisions gone;           /* decisions whose plot is gone */
    uint64_t fingerprint;        /* of previous's decisions when read */
} pipeline;

/* The progress of one phase: [lo, hi] of the run's progress, reported to
 * the caller with the phase's name as the message.  On the stack of the
 * stage that reports it. */
typedef struct {
    pipeline *p;
    double lo, hi;
    const char *name;
} phase;

static int CPL_STDCALL phase_progress(double done, const char *msg, void *ud)
{
    (void)msg;
    const phase *ph = ud;
    done = done < 0 ? 0 : done > 1 ? 1 : done;
    return ph->p->progress(ph->lo + done * (ph->hi - ph->lo), ph->name, ph->p->pdata);
}

static phase scale(pipeline *p, double lo, double hi, const char *name)
{
    return (phase){p, lo, hi, name};
}

static GDALProgressFunc scaled_fn(pipeline *p)
{
    return p->progress ? phase_progress : NULL;
}

static bp_status interrupted(pipeline *p, double done, const char *name, bp_ctx *ctx)
{
    if (p->progress && !p->progress(done, name, p->pdata)) return bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    return BP_OK;
}

/* ---- read ------------------------------------------------------------------ */

static bp_status read_facilities(pipeline *p, bp_ctx *ctx)
{
    const bp_options *o = &p->o;
    for (size_t c = 0; c < o->ncat; c++) {
        if (o->osm_tags[c]) continue;
        bp_layer_opts lo = {.where = o->fac_where[c], .name_field = o->fac_name_field[c], .guess_name = 1};
        bp_status st = bp_layer_read(&p->fac[c], o->fac_source[c], &lo, &p->crs, &p->g, NULL, NULL, ctx);
        if (st != BP_OK) {
            bp_error_prefix(ctx, "facility category %s", o->cat[c]);
            return st;
        }
        bp_layer_report(&p->fac[c], ctx);
    }
    bp_status st = BP_OK;
    if (o->use_network) { /* the graph, and the facilities from OSM, in one pass */
        bp_osm_request req = {o->osm_tags, o->cat, o->ncat, p->fac};
        bp_network_opts no = o->network;
        phase sp = scale(p, 0.15, 0.3, "walking network");
        no.progress = scaled_fn(p), no.pdata = &sp;
        st = bp_network_load(&no, &p->crs, &p->g, o->any_osm ? &req : NULL, &p->net, ctx);
    } else if (o->any_osm) {
        st = bp_osm_facilities(o->network.source, o->osm_tags, o->cat, o->ncat, &p->crs, &p->g, p->fac, ctx);
    }
    for (size_t c = 0; st == BP_OK && c < o->ncat; c++)
        if (o->osm_tags[c]) bp_layer_report(&p->fac[c], ctx);
    return st;
}

/* One chunk of a streamed read: its gemeenten and straight distances. */
/* Distances are measured in the CRS: it must keep them true around the
 * candidates (one plot tells). */
static void check_scale(pipeline *p, const GEOSGeometry *plot, bp_ctx *ctx)
{
    double x0, y0, x1, y1;
    GEOSGeom_getXMin_r(p->g.h, plot, &x0);
    GEOSGeom_getYMin_r(p->g.h, plot, &y0);
    GEOSGeom_getXMax_r(p->g.h, plot, &x1);
    GEOSGeom_getYMax_r(p->g.h, plot, &y1);
    double k = bp_crs_scale_at(&p->crs, (x0 + x1) / 2, (y0 + y1) / 2);
    if (fabs(k - 1.0) > 0.01)
        bp_warn(ctx,
                "--crs %s: around the candidates its lengths are %.2f times the true distance; distances and "
                "areas will be wrong by that much: use a local projected CRS (EPSG:28992 in the Netherlands)",
                p->crs.target_name, k);
}

static bp_status stream_chunk(void *ud, GEOSGeometry *const *plots, size_t n, size_t first, bp_ctx *ctx)
{
    pipeline *p = ud;
    bp_result *r = p->r;
    struct timespec t0, t1, t2;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    p->t_read += bp_seconds(&p->phase, &t0);
    if (first == 0 && n) check_scale(p, plots[0], ctx);
    bp_status st = bp_gap_assigner_run(p->assigner, r, plots, n, first, ctx);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st == BP_OK)
        st = bp_euclidean_distances(&p->o.euclidean, plots, n, p->fac, r->ncat, r->dist + first * r->ncat,
                                    r->count + first * r->ncat, NULL, NULL, ctx);
    clock_gettime(CLOCK_MONOTONIC, &t2);
    p->t_gemeente += bp_seconds(&t0, &t1);
    p->t_dist += bp_seconds(&t1, &t2);
    p->phase = t2;
    return st;
}

/* The streamed read: the other inputs first, then the plots in chunks
 * through gemeente and distances. */
static bp_status stream_stage(pipeline *p, bp_ctx *ctx)
{
    const bp_options *o = &p->o;
    bp_status st = bp_result_set_categories(p->r, o->cat, o->ncat, o->radius_m, ctx);
    if (st == BP_OK) st = bp_gemeenten_read(&o->gemeenten, &p->crs, &p->g, p->r, &p->gm_geoms, &p->gml, ctx);
    if (st == BP_OK) st = bp_targets_read(o->targets, p->r, ctx);
    if (st == BP_OK) st = read_facilities(p, ctx);
    bp_debug_phase("inputs", &p->phase);
    if (st == BP_OK && !(p->assigner = bp_gap_assigner_new(&o->assign, p->r, p->gm_geoms, &p->g, ctx)))
        st = bp_ctx_status(ctx);
    phase sp = scale(p, 0.0, 0.45, "plots and distances");
    if (st == BP_OK)
        st = bp_plots_stream(&o->plots, o->chunk, &p->crs, &p->g, scaled_fn(p), &sp, stream_chunk, p, &p->plots,
                             &p->plot_type, p->r, ctx);
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    p->t_read += bp_seconds(&p->phase, &now);
    p->phase = now;
    if (st == BP_OK) st = bp_gap_assigner_finish(p->assigner, p->r, p->plots.what, NULL, ctx);
    if (st == BP_OK) bp_gap_warn_missing(p->r, o->rank.profile, o->targets, ctx);
    CPLDebug("BODNAARPLOT", "%-20s %.3f s", "candidates", p->t_read);
    CPLDebug("BODNAARPLOT", "%-20s %.3f s", "gemeente", p->t_gemeente);
    CPLDebug("BODNAARPLOT", "%-20s %.3f s", "distances", p->t_dist);
    return st;
}

static bp_status read_stage(pipeline *p, bp_ctx *ctx)
{
    const bp_options *o = &p->o;
    bp_status st = bp_result_set_categories(p->r, o->cat, o->ncat, o->radius_m, ctx);
    phase sp = scale(p, 0.0, 0.15, "reading plots");
    bp_debug_begin("read candidates");
    if (st == BP_OK) st = bp_plots_read(&o->plots, &p->crs, &p->g, scaled_fn(p), &sp, &p->plots, p->r, ctx);
    bp_debug_phase("candidates", &p->phase);
    if (st == BP_OK && p->plots.n) check_scale(p, p->plots.geom[0], ctx);
    if (st == BP_OK && (st = interrupted(p, 0.15, "gemeenten", ctx)) == BP_OK) {
        bp_debug_begin("read gemeenten");
        st = bp_gemeenten_read(&o->gemeenten, &p->crs, &p->g, p->r, &p->gm_geoms, &p->gml, ctx);
    }
    if (st == BP_OK && (st = interrupted(p, 0.16, "targets", ctx)) == BP_OK) {
        bp_debug_begin("read targets");
        st = bp_targets_read(o->targets, p->r, ctx);
    }
    if (st == BP_OK && (st = interrupted(p, 0.17, "facilities", ctx)) == BP_OK) {
        bp_debug_begin("read facilities");
        st = read_facilities(p, ctx);
    }
    bp_debug_phase("inputs", &p->phase);
    if (st == BP_OK) st = interrupted(p, o->use_network ? 0.3 : 0.2, "reading inputs", ctx);
    return st;
}

/* ---- distances --------------------------------------------------------------- */

static bp_status network_distances(pipeline *p, bp_ctx *ctx)
{
    const bp_options *o = &p->o;
    bp_result *r = p->r;
    size_t *unatt = calloc(o->ncat ? o->ncat : 1, sizeof *unatt);
    if (!unatt) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_debug_begin("network");
    bp_status st = bp_result_alloc_attach(r, ctx);
    bp_network_out out = {.plot_attach = r->attach, .fac_unattached = unatt,
                          .want_vertex_dist = o->network.walk_network != BP_WALK_NETWORK_NONE};
    bp_network_opts no = o->network;
    phase sp = scale(p, 0.45, 0.7, "walking distances");
    no.progress = scaled_fn(p), no.pdata = &sp;
    if (st == BP_OK)
        st = bp_network_distances(p->net, &no, &p->g, p->plots.geom, r->n, p->fac, o->ncat, r->dist,
                                  o->network.counts ? r->count : NULL, &out, ctx);
    if (st == BP_OK) st = interrupted(p, 0.7, "walking distances", ctx);
    p->vertex_dist = out.vertex_dist;
    r->snap_tolerance_m = o->network.snap_tolerance_m;
    for (size_t c = 0; st == BP_OK && c < o->ncat; c++)
        if (unatt[c])
            bp_warn(ctx, "%s: %zu of %zu %s facilities lie more than %g m from a walkable way and are left out",
                    o->network.source, unatt[c], p->fac[c].n, o->cat[c], o->network.snap_tolerance_m);
    free(unatt);
    if (st != BP_OK) return st;
    size_t off = 0;
    for (size_t i = 0; i < r->n; i++) off += r->attach[i] > o->network.snap_tolerance_m;
    if (off)
        bp_warn(ctx, "%s: %zu candidate plots lie more than %g m from a walkable way: no walking distances",
                o->network.source, off, o->network.snap_tolerance_m);
    const char *graph = getenv("BP_NETWORK_GRAPH"); /* for the independent check in the tests */
    if (graph && *graph && (st = bp_network_export_graph(p->net, graph, ctx)) != BP_OK) return st;
    bp_debug_phase("network", &p->phase);
    return BP_OK;
}

static bp_status distance_stage(pipeline *p, bp_ctx *ctx)
{
    bp_result *r = p->r;
    bp_debug_begin("gemeente");
    bp_status st = bp_gap_assign_all(&p->o.assign, r, p->gm_geoms, p->plots.geom, r->n, p->plots.what, &p->g, ctx);
    if (st == BP_OK) st = interrupted(p, 0.2, "gemeenten", ctx);
    if (st != BP_OK) return st;
    bp_gap_warn_missing(r, p->o.rank.profile, p->o.targets, ctx);
    bp_debug_phase("gemeente", &p->phase);
    int net = p->o.use_network;
    /* straight distances and counts; with counts over the network, none */
    if (!net || !p->o.network.counts) {
        bp_debug_begin("distances");
        phase sp = net ? scale(p, 0.3, 0.45, "distances") : scale(p, 0.2, 0.7, "distances");
        st = bp_euclidean_distances(&p->o.euclidean, p->plots.geom, r->n, p->fac, r->ncat, r->dist, r->count,
                                    scaled_fn(p), &sp, ctx);
    }
    bp_debug_phase("distances", &p->phase);
    /* walking distances replace the straight ones; counts too when asked */
    if (st == BP_OK && p->o.use_network) st = network_distances(p, ctx);
    /* the filter needs the plots' attributes and geometry: now, while here */
    if (st == BP_OK && p->o.filter && (st = interrupted(p, 0.7, "filter", ctx)) == BP_OK) {
        bp_debug_begin("filter");
        bp_filter_input fin = {.plots = &p->plots, .r = r, .so = &p->o.score, .progress = p->progress,
                               .pdata = p->pdata};
        st = bp_filter_eval(p->o.filter, &fin, r, ctx);
    }
    return st;
}

/* ---- the workshop's decisions ---------------------------------------------------- */

/* Warns about decisions whose plot is not among the candidates. */
static void warn_gone(const bp_decisions *gone, size_t before, const char *source, const char *fate, bp_ctx *ctx)
{
    size_t n = gone->n - before;
    if (!n) return;
    char ids[200] = "";
    for (size_t k = before; k < gone->n && k < before + 3; k++) {
        size_t len = strlen(ids);
        snprintf(ids + len, sizeof ids - len, "%s%s", k > before ? ", " : "", gone->d[k].plot_id);
    }
    bp_warn(ctx, "%s: %zu decision%s on plots that are no longer candidates (%s%s) %s", source, n, n == 1 ? "" : "s",
            ids, n > 3 ? ", ..." : "", fate);
}

/* Carries the decisions of the output being replaced over to the new
 * result by plot id, and imports those of --decisions. */
static bp_status carry_decisions(pipeline *p, bp_ctx *ctx)
{
    const bp_write_opts *w = &p->o.write;
    bp_status st = bp_result_alloc_decisions(p->r, ctx);
    bp_result *r = p->r;
    for (size_t i = 0; st == BP_OK && i < r->n; i++) { /* from scratch: the files are the truth */
        r->besluit[i] = BP_BESLUIT_OPEN;
        r->dtype[i] = -1;
        r->dhomes[i] = NAN;
        for (int k = 0; r->dtext && k < BP_NDTEXT; k++) {
            free(r->dtext[i * BP_NDTEXT + k]);
            r->dtext[i * BP_NDTEXT + k] = NULL;
        }
    }
    if (st == BP_OK && w->format == BP_FMT_GPKG && w->overwrite && access(w->output, F_OK) == 0) {
        bp_decisions old = {0};
        p->fingerprint = bp_decisions_fingerprint(w->output);
        st = bp_decisions_read(w->output, &old, ctx);
        if (st == BP_OK) {
            p->previous = w->output;
            st = bp_decisions_apply(p->r, &old, &p->gone, ctx);
            warn_gone(&p->gone, 0, w->output, "are kept in table besluiten_vervallen", ctx);
        }
        bp_decisions_clear(&old);
    }
    if (st == BP_OK && p->o.decisions_from) {
        bp_decisions imp = {0};
        size_t before = p->gone.n;
        st = bp_decisions_read(p->o.decisions_from, &imp, ctx);
        if (st == BP_OK) st = bp_decisions_apply(p->r, &imp, &p->gone, ctx);
        if (st == BP_OK) warn_gone(&p->gone, before, p->o.decisions_from, "are kept in table besluiten_vervallen", ctx);
        bp_decisions_clear(&imp);
    }
    return st;
}

/* ---- score, gap, rank ------------------------------------------------------------ */

static bp_status rank_stages(bp_result *r, const bp_score_opts *so, const bp_gap_opts *go, const bp_rank_opts *ro,
                             bp_ctx *ctx)
{
    bp_status st = bp_score_apply(r, so, ctx);
    if (st == BP_OK) st = bp_gap_apply(r, go, ctx);
    if (st == BP_OK) st = bp_rank_apply(r, ro, ctx);
    return st;
}

/* ---- the programme ------------------------------------------------------------------ */

static bp_status program_stage(bp_result *r, const bp_program_opts *po, bp_ctx *ctx)
{
    bp_program_stats ps;
    if (!r->px) bp_warn(ctx, "the result has no plot locations: the programme ignores min_spacing_m");
    bp_status st = bp_program_apply(r, po, &ps, ctx);
    if (st != BP_OK) return st;
    char v[128];
    snprintf(v, sizeof v, "%zu gemeenten: %zu by the exact solver (%zu proven optimal), the rest greedy",
             ps.greedy, ps.exact, ps.proven);
    bp_kv_set(&r->info, "program.solved", v);
    return BP_OK;
}

bp_status bp_result_program(bp_result *r, const bp_config *cfg, bp_ctx *ctx)
{
    bp_program_opts po;
    bp_options_program(cfg, &po);
    return program_stage(r, &po, ctx);
}

/* ---- write -------------------------------------------------------------------------- */

/* Did anyone decide on the output while the run worked? */
static int changed_meanwhile(void *ud)
{
    const pipeline *p = ud;
    return p->previous && bp_decisions_fingerprint(p->previous) != p->fingerprint;
}

static bp_status write_stage(pipeline *p, time_t started, int *again, bp_ctx *ctx)
{
    bp_result *r = p->r;
    bp_kv info = {0};
    bp_info_run(&info, p->cfg, started);
    if (p->net) bp_network_info(p->net, &info);
    else bp_kv_add(&info, "distance", "euclidean (exact, GEOS, to the plot geometry)");
    bp_layer counts = p->plots; /* streamed: no plots left in it, but r->n of them used */
    if (p->streamed) counts.n = r->n;
    bp_layer_info(&counts, "candidates", p->o.plots.source, &info);
    bp_layer_info(&p->gml, "gemeenten", p->o.gemeenten.source, &info);
    for (size_t c = 0; c < p->o.ncat; c++) {
        char pfx[64];
        snprintf(pfx, sizeof pfx, "facilities.%s", p->o.cat[c]);
        bp_layer_info(&p->fac[c], pfx, p->o.fac_source[c], &info);
    }
    bp_kv_add(&info, "input.targets.source", p->o.targets);
    bp_info_result(&info, r);
    bp_info_warnings(&info, ctx);
    for (size_t k = 0; k < r->info.n; k++) /* what the stages recorded */
        if (!strncmp(r->info.key[k], "program.", 8)) bp_kv_set(&info, r->info.key[k], r->info.value[k]);
    bp_kv_clear(&r->info);
    r->info = info;

    bp_plot_reader pr = {0};
    bp_status st = p->streamed ? bp_plot_reader_source(&pr, p->o.plots.source, p->o.plots.where, &p->crs, r,
                                                       p->plot_type, p->o.chunk, ctx)
                               : bp_plot_reader_memory(&pr, &p->plots, ctx);
    bp_write_input in = {.r = r, .plots = &pr, .facilities = p->fac, .fac_sources = p->o.fac_source,
                         .net = p->o.network.walk_network != BP_WALK_NETWORK_NONE ? p->net : NULL,
                         .vertex_dist = p->vertex_dist, .previous = p->previous, .gone = &p->gone,
                         .changed_meanwhile = again ? changed_meanwhile : NULL, .changed_ud = p, .again = again};
    bp_write_opts wo = p->o.write;
    wo.srs = p->crs.target;
    phase sp = scale(p, p->streamed ? 0.45 : 0.7, 1.0, "writing");
    if (st == BP_OK) st = bp_write(&in, &wo, scaled_fn(p), &sp, ctx);
    if (p->streamed) bp_plot_reader_source_free(&pr);
    else bp_plot_reader_memory_free(&pr);
    bp_debug_phase("write", &p->phase);
    return st;
}

static void summarise(const pipeline *p, bp_summary *s)
{
    const bp_result *r = p->r;
    memset(s, 0, sizeof *s);
    s->n_candidates = r->n;
    for (size_t i = 0; i < r->n; i++) s->n_knocked_out += r->knock[i] != 0;
    for (size_t c = 0; c < p->o.ncat; c++) {
        s->n_facilities += p->fac[c].n;
        s->n_repaired += p->fac[c].n_repaired;
        s->n_skipped += p->fac[c].n_skipped + p->fac[c].n_degenerate;
    }
    for (size_t i = 0; i < r->ngm; i++) {
        int any = 0;
        for (int t = 0; t < BP_NTYPES; t++) any |= r->gm[i].has_target[t] != 0;
        s->n_gemeenten += any;
    }
    s->n_repaired += p->plots.n_repaired + p->gml.n_repaired;
    s->n_skipped += p->plots.n_skipped + p->gml.n_skipped + p->plots.n_degenerate + p->gml.n_degenerate;
}

static void pipeline_clear(pipeline *p)
{
    bp_layer_clear(&p->plots, &p->g);
    bp_layer_clear(&p->gml, &p->g);
    for (size_t c = 0; p->fac && c < p->o.ncat; c++) bp_layer_clear(&p->fac[c], &p->g);
    free(p->fac);
    if (p->r) bp_gemeenten_free(p->gm_geoms, p->r->ngm, &p->g);
    bp_network_free(p->net, &p->g);
    bp_gap_assigner_free(p->assigner);
    free(p->vertex_dist);
    bp_result_free(p->r);
    bp_decisions_clear(&p->gone);
    bp_geos_finish(&p->g);
    bp_crs_clear(&p->crs);
    bp_options_clear(&p->o);
}

/* GDAL's messages during a run: warnings become the run's warnings, errors
 * stay available to the code that checks for them (CPLGetLastErrorMsg), and
 * nothing is printed, except debug messages when CPL_DEBUG asks for them.
 * The handler stack is per thread. */
static void CPL_STDCALL route_cpl(CPLErr cls, CPLErrorNum num, const char *msg)
{
    bp_ctx *ctx = CPLGetErrorHandlerUserData();
    if (cls == CE_Warning) {
        if (ctx && bp_ctx_warning_count(ctx) < 1000) bp_warn(ctx, "GDAL: %s", msg);
    } else if (cls == CE_Debug) {
        CPLDefaultErrorHandler(cls, num, msg);
    } else if (cls == CE_Fatal) {
        /* GDAL aborts after this (e.g. CPLMalloc out of memory): remove
           the temporary files and let the application report it */
        bp_ctx_fatal(ctx, msg);
    }
}

/* Before any work: the output is none of the inputs, and the candidates
 * layer's field names are distinct and fit the format. */
static bp_status check_inputs(pipeline *p, bp_ctx *ctx)
{
    const bp_options *o = &p->o;
    size_t n = 4 + o->ncat, k = 0;
    const char **src = calloc(n, sizeof *src), **what = calloc(n, sizeof *what);
    if (!src || !what) {
        free(src);
        free(what);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    src[k] = o->plots.source, what[k++] = "candidates";
    src[k] = o->gemeenten.source, what[k++] = "gemeenten";
    src[k] = o->targets, what[k++] = "targets";
    if (o->use_network || o->any_osm) src[k] = o->network.source, what[k++] = "network";
    for (size_t c = 0; c < o->ncat; c++)
        if (!o->osm_tags[c]) src[k] = o->fac_source[c], what[k++] = o->cat[c];
    bp_status st = bp_write_check_inputs(o->write.output, src, what, k, ctx);
    /* a named pipe or a device would block reading (and Ctrl-C with it) */
    for (size_t i = 0; st == BP_OK && i < k; i++) {
        struct stat sb;
        char path[4096];
        snprintf(path, sizeof path, "%.*s", (int)strcspn(src[i], "|"), src[i]);
        if (stat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode))
            st = bp_error(ctx, BP_ERR_USAGE, "%s: not a regular file (a pipe or device); give %s as a file", path,
                          what[i]);
    }
    free(src);
    free(what);
    if (st != BP_OK) return st;
    GDALAllRegister();
    bp_source s;
    GDALDatasetH ds = NULL;
    OGRLayerH lyr = NULL;
    if ((st = bp_source_parse(o->plots.source, &s, ctx)) != BP_OK) return st;
    st = bp_source_open(&s, &ds, &lyr, ctx);
    bp_source_clear(&s);
    bp_layerdefs *defs = st == BP_OK ? bp_layerdefs_load(ctx) : NULL;
    if (st == BP_OK && !defs) st = bp_ctx_status(ctx);
    if (st == BP_OK) {
        bp_names nm = {o->rank.profile, o->ncat, o->cat, o->radius_m, defs};
        st = bp_write_check_names(&o->write, &nm, OGR_L_GetLayerDefn(lyr), ctx);
        if (st != BP_OK) bp_error_prefix(ctx, "%s", o->plots.source);
    }
    bp_layerdefs_free(defs);
    if (ds) GDALClose(ds);
    return st;
}

static bp_status run(pipeline *p, bp_summary *summary, bp_ctx *ctx)
{
    time_t started = time(NULL);
    bp_status st = bp_config_validate(p->cfg, ctx);
    if (st == BP_OK) st = bp_options_make(p->cfg, &p->o, ctx);
    if (st == BP_OK) st = bp_write_check(&p->o.write, ctx);
    if (st == BP_OK) st = check_inputs(p, ctx);
    if (st != BP_OK) return st;
    if (p->o.write.format != BP_FMT_POSTGRESQL) bp_tmpfile_cleanup_stale(p->o.write.output, NULL);
    else {
        const char *td = getenv("TMPDIR");
        bp_tmpfile_cleanup_stale("bodnaarplot-pg", td && *td ? td : "/tmp");
    }
    p->fac = calloc(p->o.ncat ? p->o.ncat : 1, sizeof *p->fac);
    p->r = bp_result_new();
    if (!p->fac || !p->r) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    if ((st = bp_crs_init(&p->crs, p->o.crs, p->o.assume_crs, ctx)) != BP_OK) return st;
    if ((st = bp_geos_init(&p->g, ctx)) != BP_OK) return st;
    if ((st = bp_result_set_params(p->r, &p->o.score, &p->o.gap, &p->o.rank, p->o.filter, ctx)) != BP_OK) return st;

    p->streamed = p->o.chunk > 0 && !p->o.use_network && !p->o.filter && bp_plots_rereadable(&p->o.plots);
    if (p->streamed) {
        if ((st = stream_stage(p, ctx)) != BP_OK) return st;
    } else {
        if ((st = read_stage(p, ctx)) != BP_OK) return st;
        if ((st = distance_stage(p, ctx)) != BP_OK) return st;
    }
    /* decisions made in QGIS while the run worked are not lost: when the
       output changed before the new file replaces it, read them again */
    for (int round = 0;; round++) {
        int again = 0;
        if ((st = carry_decisions(p, ctx)) != BP_OK) return st;
        bp_debug_begin("scores");
        if ((st = rank_stages(p->r, &p->o.score, &p->o.gap, &p->o.rank, ctx)) != BP_OK) return st;
        if ((st = interrupted(p, p->streamed ? 0.45 : 0.7, "scores", ctx)) != BP_OK) return st;
        bp_debug_phase("scores", &p->phase);
        if (p->o.program && (st = program_stage(p->r, &p->o.prog, ctx)) != BP_OK) return st;
        if ((st = write_stage(p, started, round < 5 ? &again : NULL, ctx)) != BP_OK) return st;
        if (!again) break;
        bp_warn(ctx, "%s: decisions changed during the run; they are read again", p->o.write.output);
        bp_decisions_clear(&p->gone);
    }
    if (summary) summarise(p, summary);
    return BP_OK;
}

bp_status bp_run(const bp_config *cfg, GDALProgressFunc progress, void *pdata, bp_summary *summary, bp_ctx *ctx)
{
    struct timespec t0, t1;
    clock_gettime(CLOCK_MONOTONIC, &t0);
    pipeline p = {.cfg = cfg, .progress = progress, .pdata = pdata, .phase = t0};
    CPLPushErrorHandlerEx(route_cpl, ctx);
    bp_status st = run(&p, summary, ctx);
    CPLPopErrorHandler();
    pipeline_clear(&p);
    clock_gettime(CLOCK_MONOTONIC, &t1);
    if (st == BP_OK && summary) summary->seconds = bp_seconds(&t0, &t1);
    return st;
}

/* ---- results in memory ------------------------------------------------------------ */

bp_status bp_result_load(const char *gpkg, bp_result **out, bp_ctx *ctx)
{
    *out = NULL;
    bp_result *r = bp_result_new();
    if (!r) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_status st = bp_result_restore(r, gpkg, ctx);
    if (st == BP_OK) st = bp_result_read_decisions(r, gpkg, ctx);
    if (st == BP_OK) {
        /* copies: the stages keep their options in r */
        bp_criterion *crit = malloc((r->ncat ? r->ncat : 1) * sizeof *crit);
        if (!crit) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        else {
            if (r->ncat) memcpy(crit, r->crit, r->ncat * sizeof *crit);
            bp_score_opts so = r->score_opts;
            so.crit = crit;
            bp_gap_opts go = r->gap_opts;
            bp_rank_opts ro = r->rank_opts;
            st = rank_stages(r, &so, &go, &ro, ctx);
            free(crit);
        }
    }
    if (st != BP_OK) {
        bp_result_free(r);
        return st;
    }
    *out = r;
    return BP_OK;
}

bp_status bp_result_rerank(bp_result *r, const bp_config *cfg, bp_ctx *ctx)
{
    if ((cfg->filter || r->filter) && (!cfg->filter || !r->filter || strcmp(cfg->filter, r->filter)))
        return bp_error(ctx, BP_ERR_USAGE,
                        "candidates.filter: a changed filter needs the plots themselves; run score again");
    for (int t = 0; t < BP_NTYPES; t++) {
        double sum = 0;
        for (size_t c = 0; c < r->ncat; c++) {
            const bp_category *k = bp_config_category(cfg, r->cat[c]);
            sum += k ? k->crit.weight[t] : r->crit[c].weight[t];
        }
        if (!(sum > 0))
            return bp_error(ctx, BP_ERR_USAGE, "profiles.%s: the weights of the categories sum to 0",
                            bp_type_name((bp_type)t));
    }
    for (size_t c = 0; c < r->ncat; c++) {
        const bp_category *k = bp_config_category(cfg, r->cat[c]);
        if (k && !(k->crit.full_m < k->crit.zero_m))
            return bp_error(ctx, BP_ERR_USAGE, "criteria.%s: full_m (%g) must be smaller than zero_m (%g)", k->name,
                            k->crit.full_m, k->crit.zero_m);
    }
    bp_criterion *crit = malloc((r->ncat ? r->ncat : 1) * sizeof *crit);
    if (!crit) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_score_opts so;
    bp_gap_opts go;
    bp_rank_opts ro;
    bp_options_for_result(cfg, r, crit, &so, &go, &ro);
    bp_status st = rank_stages(r, &so, &go, &ro, ctx);
    free(crit);
    return st;
}

bp_config *bp_result_config(const bp_result *r)
{
    bp_config *c = bp_config_new();
    if (!c) return NULL;
    bp_ctx *ctx = bp_ctx_new();
    bp_status st = ctx ? BP_OK : BP_ERR_NOMEM;
    const bp_score_opts *so = &r->score_opts;
    c->profile = (int)r->rank_opts.profile;
    c->density = so->density;
    c->floor_area_per_home = so->floor_area_per_home;
    c->gap_weight = r->gap_opts.gap_weight;
    c->radius_m = r->radius_m;
    memcpy(c->min_homes, so->min_homes, sizeof c->min_homes);
    for (size_t i = 0; st == BP_OK && i < r->ncat; i++) {
        bp_category *k = bp_config_category_get(c, r->cat[i]);
        if (!k) st = BP_ERR_NOMEM;
        else k->crit = r->crit[i];
    }
    if (st == BP_OK && r->filter) st = bp_config_set(c, "candidates.filter", r->filter, NULL, ctx);
    bp_ctx_free(ctx);
    if (st != BP_OK) {
        bp_config_free(c);
        return NULL;
    }
    return c;
}

bp_status bp_result_read_decisions(bp_result *r, const char *gpkg, bp_ctx *ctx)
{
    bp_decisions ds = {0};
    bp_status st = bp_decisions_read(gpkg, &ds, ctx);
    if (st == BP_OK && r->besluit) { /* start from no decisions: the file is the truth */
        for (size_t i = 0; i < r->n; i++) {
            r->besluit[i] = BP_BESLUIT_OPEN;
            r->dtype[i] = -1;
            r->dhomes[i] = NAN;
            for (int k = 0; r->dtext && k < BP_NDTEXT; k++) {
                free(r->dtext[i * BP_NDTEXT + k]);
                r->dtext[i * BP_NDTEXT + k] = NULL;
            }
        }
    }
    if (st == BP_OK) st = bp_decisions_apply(r, &ds, NULL, ctx);
    bp_decisions_clear(&ds);
    return st;
}
