/*
 * lines.c — the walking graph from any OGR line layer: vertices joined
 * where they coincide to the millimetre (a hash on rounded coordinates),
 * every segment an edge.  A 'highway' field, when present, is read with the
 * same rules as OpenStreetMap tags (with foot, access, incline, surface).
 */
#include "distance/network/network.h"

#include <math.h>
#include <stdlib.h>

typedef struct {
    int64_t *kx, *ky;
    uint32_t *val;
    size_t cap;
} vhash;

static uint32_t vertex(bp_network *net, vhash *vh, size_t *capv, double x, double y)
{
    int64_t kx = llround(x * 1000), ky = llround(y * 1000);
    size_t hsh = (size_t)((uint64_t)kx * 0x9E3779B97F4A7C15ull ^ (uint64_t)ky * 0xC2B2AE3D27D4EB4Full);
    for (size_t i = hsh & (vh->cap - 1);; i = (i + 1) & (vh->cap - 1)) {
        if (vh->val[i] == UINT32_MAX) {
            if (net->n == *capv) {
                size_t nc = *capv ? *capv * 2 : 4096;
                double *nx = realloc(net->x, nc * sizeof *nx);
                if (!nx) return UINT32_MAX;
                net->x = nx;
                double *ny = realloc(net->y, nc * sizeof *ny);
                if (!ny) return UINT32_MAX;
                net->y = ny;
                *capv = nc;
            }
            vh->kx[i] = kx, vh->ky[i] = ky, vh->val[i] = (uint32_t)net->n;
            net->x[net->n] = x, net->y[net->n] = y;
            return (uint32_t)net->n++;
        }
        if (vh->kx[i] == kx && vh->ky[i] == ky) return vh->val[i];
    }
}

bp_status bp_network_read_lines(bp_network *net, const char *spec, const bp_crs *crs, bp_geos *g, bp_ctx *ctx)
{
    bp_layer l;
    bp_layer_opts o = {.keep_attrs = 1};
    bp_status st = bp_layer_read(&l, spec, &o, crs, g, NULL, NULL, ctx);
    if (st != BP_OK) return st;
    if (l.max_dim != 1) {
        st = bp_error(ctx, BP_ERR_DATA, "%s: a network must be lines (or an .osm/.osm.pbf file)", l.what);
        bp_layer_clear(&l, g);
        return st;
    }
    int fh = OGR_FD_GetFieldIndex(l.defn, "highway"), ff = OGR_FD_GetFieldIndex(l.defn, "foot"),
        fa = OGR_FD_GetFieldIndex(l.defn, "access"), fi = OGR_FD_GetFieldIndex(l.defn, "incline"),
        fs = OGR_FD_GetFieldIndex(l.defn, "surface");
    size_t ncoords = 0;
    for (size_t i = 0; i < l.n; i++) ncoords += (size_t)GEOSGetNumCoordinates_r(g->h, l.geom[i]);
    vhash vh = {0};
    vh.cap = 1024;
    while (vh.cap < ncoords * 2) vh.cap *= 2;
    vh.kx = malloc(vh.cap * sizeof *vh.kx);
    vh.ky = malloc(vh.cap * sizeof *vh.ky);
    vh.val = malloc(vh.cap * sizeof *vh.val);
    if (!vh.kx || !vh.ky || !vh.val) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    for (size_t i = 0; st == BP_OK && i < vh.cap; i++) vh.val[i] = UINT32_MAX;
    size_t capv = 0, cape = 0;
#define FIELD(idx) ((idx) >= 0 && OGR_F_IsFieldSetAndNotNull(l.feat[i], idx) ? OGR_F_GetFieldAsString(l.feat[i], idx) : NULL)
    for (size_t i = 0; st == BP_OK && i < l.n; i++) {
        int flags = 0;
        if (fh >= 0 && !bp_network_walkable(FIELD(fh), FIELD(ff), FIELD(fa), FIELD(fi), FIELD(fs), &flags)) continue;
        net->n_ways++;
        int parts = GEOSGetNumGeometries_r(g->h, l.geom[i]);
        for (int p = 0; st == BP_OK && p < parts; p++) {
            const GEOSGeometry *part = GEOSGetGeometryN_r(g->h, l.geom[i], p);
            if (GEOSGeomTypeId_r(g->h, part) != GEOS_LINESTRING && GEOSGeomTypeId_r(g->h, part) != GEOS_LINEARRING)
                continue;
            const GEOSCoordSequence *cs = GEOSGeom_getCoordSeq_r(g->h, part);
            unsigned int nc = 0;
            GEOSCoordSeq_getSize_r(g->h, cs, &nc);
            uint32_t prev = UINT32_MAX;
            for (unsigned int k = 0; k < nc; k++) {
                double x, y;
                GEOSCoordSeq_getXY_r(g->h, cs, k, &x, &y);
                uint32_t v = vertex(net, &vh, &capv, x, y);
                if (v == UINT32_MAX || (prev != UINT32_MAX && bp_network_add_edge(net, &cape, prev, v, (unsigned char)flags) < 0)) {
                    st = bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
                    break;
                }
                prev = v;
            }
        }
    }
#undef FIELD
    free(vh.kx);
    free(vh.ky);
    free(vh.val);
    bp_layer_clear(&l, g);
    return st;
}

