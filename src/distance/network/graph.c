/*
 * graph.c — the walking graph of a run: read (osm.c or lines.c) through
 * the builder (build.c) with the rules (rules.c), then the profile's costs,
 * the adjacency (CSR over passable edges), the components (islands) and
 * the index for attaching; run_info; the edges of the walk_network layer;
 * the export for the independent check in the tests.
 */
#include "distance/network/network.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void bp_network_free(bp_network *net, bp_geos *g)
{
    (void)g;
    if (!net) return;
    bp_segindex_free(net->ix);
    free(net->x);
    free(net->y);
    free(net->eu);
    free(net->ev);
    free(net->len);
    free(net->attr);
    free(net->cost);
    free(net->vflags);
    free(net->off);
    free(net->adj);
    free(net->comp);
    free(net->comp_big);
    free(net->rule_ways);
    free(net->rules_info);
    free(net->layers_info);
    for (int i = 0; i < BP_MAX_FLAGS; i++) free(net->flag_names[i]);
    free(net->out_edges);
    free(net->source);
    free(net);
}

static size_t uf_find(uint32_t *parent, size_t v)
{
    while (parent[v] != v) {
        parent[v] = parent[parent[v]];
        v = parent[v];
    }
    return v;
}

/* Components over every edge of the graph (every way the rules admit,
 * whatever the profile can pass): comp[v], and which are big (the largest,
 * and any with at least island_m metres of way).  Islands are thus parts
 * no walkable way joins to the rest (a courtyard path, a piece cut off by
 * the edge of the extract); a part only steps join is no island, so with
 * the rollator what lies there stays cut off. */
static int components(bp_network *net)
{
    size_t n = net->n;
    uint32_t *parent = malloc((n ? n : 1) * sizeof *parent);
    if (!parent) return -1;
    for (size_t v = 0; v < n; v++) parent[v] = (uint32_t)v;
    for (size_t e = 0; e < net->m; e++) {
        size_t a = uf_find(parent, net->eu[e]), b = uf_find(parent, net->ev[e]);
        if (a != b) parent[a > b ? a : b] = (uint32_t)(a > b ? b : a);
    }
    net->comp = malloc((n ? n : 1) * sizeof *net->comp);
    if (!net->comp) {
        free(parent);
        return -1;
    }
    size_t nc = 0;
    for (size_t v = 0; v < n; v++) {
        size_t r = uf_find(parent, v);
        net->comp[v] = r == v ? (uint32_t)nc++ : net->comp[r]; /* roots are the smallest of their set */
    }
    free(parent);
    double *len = calloc(nc ? nc : 1, sizeof *len);
    size_t *edges = calloc(nc ? nc : 1, sizeof *edges);
    net->comp_big = calloc(nc ? nc : 1, 1);
    if (!len || !edges || !net->comp_big) {
        free(len);
        free(edges);
        return -1;
    }
    for (size_t e = 0; e < net->m; e++) len[net->comp[net->eu[e]]] += net->len[e], edges[net->comp[net->eu[e]]]++;
    size_t largest = 0;
    for (size_t c = 0; c < nc; c++)
        if (len[c] > len[largest]) largest = c;
    net->ncomp = nc;
    for (size_t c = 0; c < nc; c++) {
        if (!edges[c]) continue;
        net->comp_big[c] = c == largest || len[c] >= net->island_m;
        if (net->comp_big[c]) {
            net->nbig++;
            net->big_len += len[c];
        } else {
            net->islands++;
            net->island_edges += edges[c];
            net->island_len += len[c];
        }
    }
    free(len);
    free(edges);
    return 0;
}

/* Public ways that can be reached only over endpoint ways (a public path
 * between two private campus roads) are private ground too: a walk may
 * start or end there, and leaves over the endpoint ways.  These are the
 * parts of the public network (passable ways that are not endpoint ways)
 * that touch an endpoint way and are small: not the largest part and less
 * than island_m of way.  Their edges get BP_ATTR_ENDPOINT.  0 or -1. */
static int enclosed_public(bp_network *net, const unsigned char *pass)
{
    size_t n = net->n;
    uint32_t *parent = malloc((n ? n : 1) * sizeof *parent);
    double *len = calloc(n ? n : 1, sizeof *len);
    unsigned char *touch = calloc(n ? n : 1, 1);
    if (!parent || !len || !touch) {
        free(parent), free(len), free(touch);
        return -1;
    }
    for (size_t v = 0; v < n; v++) parent[v] = (uint32_t)v;
    for (size_t e = 0; e < net->m; e++) {
        if (!pass[e] || (net->attr[e] & BP_ATTR_ENDPOINT)) continue;
        size_t a = uf_find(parent, net->eu[e]), b = uf_find(parent, net->ev[e]);
        if (a != b) parent[a > b ? a : b] = (uint32_t)(a > b ? b : a);
    }
    size_t largest = (size_t)-1;
    for (size_t e = 0; e < net->m; e++) {
        if (!pass[e]) continue;
        size_t r = uf_find(parent, net->eu[e]);
        if (net->attr[e] & BP_ATTR_ENDPOINT) {
            touch[r] = 1, touch[uf_find(parent, net->ev[e])] = 1;
            continue;
        }
        len[r] += net->len[e];
        if (largest == (size_t)-1 || len[r] > len[largest]) largest = r;
    }
    for (size_t e = 0; e < net->m; e++) {
        if (!pass[e] || (net->attr[e] & BP_ATTR_ENDPOINT)) continue;
        size_t r = uf_find(parent, net->eu[e]);
        if (r != largest && touch[r] && len[r] < net->island_m) {
            net->attr[e] |= BP_ATTR_ENDPOINT;
            net->n_enclosed++;
        }
    }
    free(parent), free(len), free(touch);
    return 0;
}

/* Costs, adjacency, components and index for the rules' profile. */
static bp_status finish_graph(bp_network *net, const bp_rules *rules, const char *what, bp_ctx *ctx)
{
    if (net->m == 0)
        return bp_error(ctx, BP_ERR_DATA, "%s: no walkable ways (footway, path, residential, ...) in the network", what);
    for (unsigned s = 0; s < 256; s++) {
        net->factor[s] = bp_rules_factor(rules, s);
        net->vblock[s] = (unsigned char)bp_rules_blocks(rules, s);
    }
    unsigned char *pass = malloc(net->m);
    net->off = calloc(net->n + 1, sizeof *net->off);
    if (!pass || !net->off) {
        free(pass);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    }
    size_t npass = 0;
    int endpoint = 0;
    for (size_t e = 0; e < net->m; e++) {
        pass[e] = isfinite(net->factor[net->attr[e] & BP_ATTR_FLAGS]);
        endpoint |= pass[e] && (net->attr[e] & BP_ATTR_ENDPOINT);
    }
    if (endpoint && enclosed_public(net, pass) < 0) {
        free(pass);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    }
    if (!(net->cost = malloc(net->m * sizeof *net->cost))) {
        free(pass);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    }
    for (size_t e = 0; e < net->m; e++) {
        unsigned a = net->attr[e];
        net->cost[e] = net->len[e] * net->factor[a & BP_ATTR_FLAGS];
        for (int b = 0; b < BP_MAX_FLAGS; b++) net->n_flag[b] += (a >> b) & 1;
        if (!pass[e]) continue;
        net->n_endpoint += (a & BP_ATTR_ENDPOINT) != 0;
        npass++;
        net->has_endpoint |= (a & BP_ATTR_ENDPOINT) != 0;
        net->off[net->eu[e] + 1]++;
        net->off[net->ev[e] + 1]++;
    }
    for (size_t v = 0; net->vflags && v < net->n; v++) net->n_vblocked += net->vblock[net->vflags[v]];
    if (npass == 0) {
        free(pass);
        return bp_error(ctx, BP_ERR_DATA, "%s: no way is passable for the %s profile", what,
                        net->rollator ? "rollator" : "walk");
    }
    for (size_t v = 0; v < net->n; v++) net->off[v + 1] += net->off[v];
    net->adj = malloc(2 * npass * sizeof *net->adj);
    uint32_t *fill = malloc((net->n ? net->n : 1) * sizeof *fill);
    if (!net->adj || !fill) {
        free(pass);
        free(fill);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    }
    memcpy(fill, net->off, net->n * sizeof *fill);
    for (size_t e = 0; e < net->m; e++)
        if (pass[e]) {
            net->adj[fill[net->eu[e]]++] = (uint32_t)e;
            net->adj[fill[net->ev[e]]++] = (uint32_t)e;
        }
    free(fill);
    bp_status st = BP_OK;
    if (components(net) < 0 || !(net->ix = bp_segindex_new(net, pass)))
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network index");
    free(pass);
    return st;
}

static int is_osm(const char *path)
{
    size_t n = strlen(path);
    return (n > 4 && !strcasecmp(path + n - 4, ".osm")) || (n > 4 && !strcasecmp(path + n - 4, ".pbf"));
}

/* "ways by rule: id N, ..." for run_info. */
static char *rules_info(const bp_rules *rules, const size_t *counts)
{
    char buf[2048];
    snprintf(buf, sizeof buf, "%s; highway ways by deciding rule:", bp_rules_source(rules));
    int any = 0;
    for (size_t i = 0; i < bp_rules_nway(rules); i++) {
        if (!counts[i]) continue;
        int w = bp_rules_way_walk(rules, i);
        size_t len = strlen(buf);
        snprintf(buf + len, sizeof buf - len, "%s %s %zu (%s)", any ? "," : "", bp_rules_way_id(rules, i), counts[i],
                 w == BP_WALK_YES ? "walkable" : w == BP_WALK_ENDPOINT ? "endpoint" : "not walkable");
        any = 1;
    }
    return bp_strdup(buf);
}

bp_status bp_network_load(const bp_network_opts *o, const bp_crs *crs, bp_geos *g, const bp_osm_request *req,
                          bp_network **out, bp_ctx *ctx)
{
    *out = NULL;
    const char *src = o->source;
    bp_network *net = calloc(1, sizeof *net);
    if (!net || !(net->source = bp_strdup(src))) {
        free(net);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    net->rollator = o->rollator;
    net->tol = o->snap_tolerance_m;
    net->threads = o->threads;
    net->island_m = o->island_m;
    net->steps_bit = -1;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    bp_rules *rules = NULL;
    bp_rules_opts ro = {o->rules, o->override, o->costs, o->rollator ? "rollator" : "walk"};
    bp_status st = bp_rules_load(&ro, &rules, ctx);
    bp_read_stats stats = {0};
    bp_build *b = NULL;
    if (st == BP_OK && (!(stats.rule_ways = calloc(bp_rules_nway(rules) + 1, sizeof *stats.rule_ways)) ||
                        !(b = bp_build_new())))
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    void *sp = o->progress ? GDALCreateScaledProgress(0, 0.8, o->progress, o->pdata) : NULL;
    GDALProgressFunc pf = sp ? GDALScaledProgress : NULL;
    if (st == BP_OK && is_osm(src)) st = bp_osm_read(src, rules, b, &stats, req, crs, g, pf, sp, ctx);
    else if (st == BP_OK && req)
        st = bp_error(ctx, BP_ERR_USAGE, "%s: facilities from OpenStreetMap need an .osm or .osm.pbf network", src);
    else if (st == BP_OK) st = bp_lines_read(src, rules, b, &stats, crs, g, &net->layers_info, pf, sp, ctx);
    if (sp) GDALDestroyScaledProgress(sp);
    bp_debug_phase("  network read", &t);
    if (st == BP_OK) st = bp_build_finish(b, g->h, net, ctx);
    bp_build_free(b, g->h);
    if (st == BP_OK) {
        net->n_ways = stats.ways;
        net->n_relations = stats.relations;
        net->rule_ways = stats.rule_ways;
        stats.rule_ways = NULL;
        net->steps_bit = bp_rules_steps_bit(rules);
        net->nflags = bp_rules_nflags(rules);
        for (int i = 0; i < net->nflags; i++)
            if (!(net->flag_names[i] = bp_strdup(bp_rules_flag_name(rules, i)))) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (st == BP_OK && !(net->rules_info = rules_info(rules, net->rule_ways)))
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    if (st == BP_OK) st = finish_graph(net, rules, src, ctx);
    if (st == BP_OK && o->progress && !o->progress(1.0, NULL, o->pdata)) st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    bp_debug_phase("  network graph", &t);
    free(stats.rule_ways);
    bp_rules_free(rules);
    if (st != BP_OK) {
        bp_network_free(net, g);
        return st;
    }
    *out = net;
    return BP_OK;
}

void bp_network_info(const bp_network *net, bp_kv *kv)
{
    bp_kv_add(kv, "distance", net->counts_network
                                  ? "network (walking, Dijkstra; counts n_ within the radius over the network)"
                                  : "network (walking, Dijkstra; counts n_ are straight-line)");
    char flags[512] = "";
    for (int i = 0; i < net->nflags; i++) {
        size_t len = strlen(flags);
        snprintf(flags + len, sizeof flags - len, "%s%s %zu", i ? ", " : "", net->flag_names[i], net->n_flag[i]);
    }
    bp_kv_addf(kv, "network.graph",
               "%zu nodes, %zu edges from %zu ways and %zu pedestrian areas (%zu of them relations; %zu edges across "
               "them%s); flags: %s; %zu nodes impassable for the profile; %zu passable edges only where a walk "
               "starts or ends (%zu of them public ways reached only over such ways)",
               net->n, net->m - net->m_mesh, net->n_ways, net->n_areas, net->n_relations, net->m_mesh,
               net->n_mesh_skipped ? ", some areas too complex to cross" : "", flags[0] ? flags : "none",
               net->n_vblocked, net->n_endpoint, net->n_enclosed);
    if (net->rules_info) bp_kv_add(kv, "network.rules", net->rules_info);
    if (net->layers_info) bp_kv_add(kv, "network.layers", net->layers_info);
    bp_kv_addf(kv, "network.islands",
               "%zu parts of the network are islands (below %g m of way, not the largest, joined to the rest by no "
               "walkable way): %zu edges, %.0f m; "
               "the main network: %zu part(s), %.0f m",
               net->islands, net->island_m, net->island_edges, net->island_len, net->nbig, net->big_len);
    bp_kv_addf(kv, "network.attach",
               "%zu plots and %zu facilities nearest to an island also joined the main network; %zu plots and %zu "
               "facilities beyond the snap tolerance (%g m)",
               net->att_plots_island, net->att_fac_island, net->plots_off, net->fac_off, net->tol);
}

/* ---- output ---------------------------------------------------------------------- */

size_t bp_network_edge_count(const bp_network *net) { return net->out_edges ? net->n_out : net->m; }

size_t bp_network_edge_id(const bp_network *net, size_t k) { return net->out_edges ? net->out_edges[k] : k; }

void bp_network_edge(const bp_network *net, size_t k, double *x0, double *y0, double *x1, double *y1,
                     double *len, double *cost, int *steps)
{
    size_t e = bp_network_edge_id(net, k);
    *x0 = net->x[net->eu[e]], *y0 = net->y[net->eu[e]];
    *x1 = net->x[net->ev[e]], *y1 = net->y[net->ev[e]];
    *len = net->len[e];
    *cost = bp_edge_cost(net, e);
    *steps = net->steps_bit >= 0 && (net->attr[e] >> net->steps_bit) & 1;
}

double bp_network_edge_dist(const bp_network *net, const double *vertex_dist, size_t k, size_t c)
{
    if (!vertex_dist) return NAN;
    size_t e = bp_network_edge_id(net, k);
    const double *D = vertex_dist + c * net->n;
    double d = fmin(D[net->eu[e]], D[net->ev[e]]);
    return isinf(d) ? NAN : d;
}

bp_status bp_network_export_graph(const bp_network *net, const char *prefix, bp_ctx *ctx)
{
    char path[4096];
    snprintf(path, sizeof path, "%s_nodes.csv", prefix);
    FILE *f = fopen(path, "w");
    if (!f) return bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "id,x,y,blocked\n");
    for (size_t v = 0; v < net->n; v++)
        fprintf(f, "%zu,%.17g,%.17g,%d\n", v, net->x[v], net->y[v], net->vflags ? net->vblock[net->vflags[v]] : 0);
    int bad = fclose(f) != 0;
    snprintf(path, sizeof path, "%s_edges.csv", prefix);
    f = bad ? NULL : fopen(path, "w");
    if (!f) return bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "u,v,length,cost,endpoint,mesh\n");
    for (size_t e = 0; e < net->m; e++) {
        char cost[32] = "inf";
        if (!isinf(bp_edge_cost(net, e))) snprintf(cost, sizeof cost, "%.17g", bp_edge_cost(net, e));
        fprintf(f, "%u,%u,%.17g,%s,%d,%d\n", net->eu[e], net->ev[e], net->len[e], cost,
                (net->attr[e] & BP_ATTR_ENDPOINT) != 0, (net->attr[e] & BP_ATTR_MESH) != 0);
    }
    if (fclose(f) != 0) return bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
    return BP_OK;
}
