/*
 * graph.c — the graph itself: which OSM ways are walkable, edges, the
 * costs of a walking profile, adjacency (CSR), the index of passable
 * segments for attaching, loading from either source, and the edges as the
 * walk_network layer shows them.
 */
#include "distance/network/network.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

static int in_list(const char *v, const char *const *list)
{
    for (; v && *list; list++)
        if (!strcmp(v, *list)) return 1;
    return 0;
}

/* Walkable for the profile's purposes; *flags gets BP_EDGE_STEPS / BP_EDGE_ROUGH. */
int bp_network_walkable(const char *highway, const char *foot, const char *access, const char *incline,
                        const char *surface, int *flags)
{
    static const char *const walk[] = {"footway", "path", "pedestrian", "living_street", "residential",
                                       "service", "unclassified", "tertiary", "tertiary_link", "secondary",
                                       "secondary_link", "steps", "crossing", "track", "corridor", "road", NULL};
    static const char *const rough[] = {"unpaved", "gravel", "fine_gravel", "compacted", "dirt", "earth",
                                        "ground", "grass", "sand", "mud", "pebblestone", "cobblestone",
                                        "unhewn_cobblestone", "sett", "rock", "woodchips", NULL};
    static const char *const foot_yes[] = {"yes", "designated", "permissive", NULL};
    *flags = 0;
    if (!highway) return 0;
    if (foot && !strcmp(foot, "no")) return 0;
    int foot_ok = in_list(foot, foot_yes);
    if (!in_list(highway, walk) && !(foot_ok && (!strcmp(highway, "cycleway") || !strcmp(highway, "bridleway"))))
        return 0;
    if (access && (!strcmp(access, "private") || !strcmp(access, "no")) && !foot_ok) return 0;
    if (!strcmp(highway, "steps")) *flags |= BP_EDGE_STEPS;
    if (incline && strcmp(incline, "0") && strcmp(incline, "0%") && strcmp(incline, "no")) *flags |= BP_EDGE_ROUGH;
    if (in_list(surface, rough)) *flags |= BP_EDGE_ROUGH;
    return 1;
}

/* ---- building the graph ---------------------------------------------------------- */

void bp_network_free(bp_network *net, bp_geos *g)
{
    if (!net) return;
    bp_sindex_free(net->ix);
    for (size_t i = 0; i < net->nseg; i++) GEOSGeom_destroy_r(g->h, net->seg[i]);
    free(net->seg);
    free(net->seg_edge);
    free(net->x);
    free(net->y);
    free(net->eu);
    free(net->ev);
    free(net->len);
    free(net->cost);
    free(net->flags);
    free(net->off);
    free(net->adj);
    free(net->source);
    free(net);
}

/* Edge costs for the profile, CSR adjacency and the segment index. */
static bp_status finish_graph(bp_network *net, int rollator, bp_geos *g, const char *what, bp_ctx *ctx)
{
    if (net->m == 0)
        return bp_error(ctx, BP_ERR_DATA, "%s: no walkable ways (footway, path, residential, ...) in the network", what);
    net->cost = malloc(net->m * sizeof *net->cost);
    net->off = calloc(net->n + 1, sizeof *net->off);
    net->adj = malloc(2 * net->m * sizeof *net->adj);
    net->seg = malloc(net->m * sizeof *net->seg);
    net->seg_edge = malloc(net->m * sizeof *net->seg_edge);
    if (!net->cost || !net->off || !net->adj || !net->seg || !net->seg_edge)
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    for (size_t e = 0; e < net->m; e++) {
        double c = net->len[e];
        if (net->flags[e] & BP_EDGE_STEPS) net->n_steps++;
        if (net->flags[e] & BP_EDGE_ROUGH) net->n_rough++;
        if (rollator && (net->flags[e] & BP_EDGE_STEPS)) c = INFINITY;
        else if (rollator && (net->flags[e] & BP_EDGE_ROUGH)) c *= BP_ROUGH_FACTOR;
        net->cost[e] = c;
        if (isinf(c)) continue;
        net->off[net->eu[e] + 1]++;
        net->off[net->ev[e] + 1]++;
    }
    for (size_t i = 0; i < net->n; i++) net->off[i + 1] += net->off[i];
    uint32_t *fill = malloc(net->n * sizeof *fill);
    if (!fill) return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    memcpy(fill, net->off, net->n * sizeof *fill);
    for (size_t e = 0; e < net->m; e++) {
        if (isinf(net->cost[e])) continue;
        net->adj[fill[net->eu[e]]++] = (uint32_t)e;
        net->adj[fill[net->ev[e]]++] = (uint32_t)e;
        GEOSCoordSequence *cs = GEOSCoordSeq_create_r(g->h, 2, 2);
        if (!cs) {
            free(fill);
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        }
        GEOSCoordSeq_setXY_r(g->h, cs, 0, net->x[net->eu[e]], net->y[net->eu[e]]);
        GEOSCoordSeq_setXY_r(g->h, cs, 1, net->x[net->ev[e]], net->y[net->ev[e]]);
        GEOSGeometry *ls = GEOSGeom_createLineString_r(g->h, cs);
        if (!ls) {
            free(fill);
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        }
        net->seg[net->nseg] = ls;
        net->seg_edge[net->nseg++] = (uint32_t)e;
    }
    free(fill);
    if (net->nseg == 0)
        return bp_error(ctx, BP_ERR_DATA, "%s: no way is passable for the rollator profile (only steps)", what);
    net->ix = bp_sindex_new(g->h, net->seg, net->nseg);
    if (!net->ix) return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network index");
    return BP_OK;
}

int bp_network_add_edge(bp_network *net, size_t *cap, uint32_t u, uint32_t v, unsigned char flags)
{
    if (u == v) return 0;
    if (net->m == *cap) {
        size_t nc = *cap ? *cap * 2 : 4096;
        uint32_t *a = realloc(net->eu, nc * sizeof *a);
        if (!a) return -1;
        net->eu = a;
        uint32_t *b = realloc(net->ev, nc * sizeof *b);
        if (!b) return -1;
        net->ev = b;
        double *l = realloc(net->len, nc * sizeof *l);
        if (!l) return -1;
        net->len = l;
        unsigned char *f = realloc(net->flags, nc);
        if (!f) return -1;
        net->flags = f;
        *cap = nc;
    }
    net->eu[net->m] = u;
    net->ev[net->m] = v;
    net->len[net->m] = hypot(net->x[u] - net->x[v], net->y[u] - net->y[v]);
    net->flags[net->m] = flags;
    net->m++;
    return 0;
}

static int is_osm(const char *path)
{
    size_t n = strlen(path);
    return (n > 4 && !strcasecmp(path + n - 4, ".osm")) || (n > 4 && !strcasecmp(path + n - 4, ".pbf"));
}

bp_status bp_network_load(const bp_network_opts *o, const bp_crs *crs, bp_geos *g, bp_network **out,
                          bp_ctx *ctx)
{
    *out = NULL;
    const char *src = o->source;
    int rollator = o->rollator;
    bp_network *net = calloc(1, sizeof *net);
    if (!net || !(net->source = bp_strdup(src))) {
        free(net);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    net->rollator = rollator;
    net->tol = o->snap_tolerance_m;
    net->threads = o->threads;
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    bp_status st = is_osm(src) ? bp_network_read_osm(net, src, crs, ctx) : bp_network_read_lines(net, src, crs, g, ctx);
    bp_debug_phase("  network read", &t);
    if (st == BP_OK) st = finish_graph(net, rollator, g, src, ctx);
    bp_debug_phase("  network graph", &t);
    if (st != BP_OK) {
        bp_network_free(net, g);
        return st;
    }
    *out = net;
    return BP_OK;
}


void bp_network_info(const bp_network *net, bp_kv *kv)
{
    bp_kv_add(kv, "distance", "network (walking, Dijkstra; counts n_ are straight-line)");
    bp_kv_addf(kv, "network.graph", "%zu nodes, %zu edges from %zu ways (%zu steps, %zu incline/rough)", net->n, net->m,
               net->n_ways, net->n_steps, net->n_rough);
}

/* ---- output ---------------------------------------------------------------------- */

size_t bp_network_edge_count(const bp_network *net) { return net->m; }

void bp_network_edge(const bp_network *net, size_t e, double *x0, double *y0, double *x1, double *y1,
                     double *len, double *cost, int *steps)
{
    *x0 = net->x[net->eu[e]], *y0 = net->y[net->eu[e]];
    *x1 = net->x[net->ev[e]], *y1 = net->y[net->ev[e]];
    *len = net->len[e];
    *cost = net->cost[e];
    *steps = (net->flags[e] & BP_EDGE_STEPS) != 0;
}

double bp_network_edge_dist(const bp_network *net, const double *vertex_dist, size_t e, size_t c)
{
    if (!vertex_dist) return NAN;
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
    fprintf(f, "id,x,y\n");
    for (size_t v = 0; v < net->n; v++) fprintf(f, "%zu,%.17g,%.17g\n", v, net->x[v], net->y[v]);
    int bad = fclose(f) != 0;
    snprintf(path, sizeof path, "%s_edges.csv", prefix);
    f = bad ? NULL : fopen(path, "w");
    if (!f) return bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
    fprintf(f, "u,v,length,cost\n");
    for (size_t e = 0; e < net->m; e++)
        if (!isinf(net->cost[e])) fprintf(f, "%u,%u,%.17g,%.17g\n", net->eu[e], net->ev[e], net->len[e], net->cost[e]);
    if (fclose(f) != 0) return bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
    return BP_OK;
}

