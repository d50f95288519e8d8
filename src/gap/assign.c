/*
 * assign.c — the gemeente of each plot: the one it overlaps most (by area
 * for polygons, by length for lines; contained plots short-cut), found
 * through an STRtree over the gemeente polygons, prepared once.
 */
#include "gap/gap.h"
#include "distance/distance.h"

#include <stdlib.h>

/* Gemeente hits of one plot; 64 is far more than can overlap one plot. */
typedef struct {
    size_t hits[64];
    size_t n;
} hit_list;

static void add_hit(size_t idx, void *ud)
{
    hit_list *acc = ud;
    if (acc->n < 64) acc->hits[acc->n++] = idx;
}

bp_status bp_gap_assign(bp_result *r, GEOSGeometry *const *gm_geoms, GEOSGeometry *const *plots, size_t n,
                        size_t first, bp_geos *g, bp_ctx *ctx)
{
    size_t ngm = r->ngm;
    GEOSGeometry **geoms = malloc((ngm ? ngm : 1) * sizeof *geoms);
    const GEOSPreparedGeometry **prep = calloc(ngm ? ngm : 1, sizeof *prep);
    bp_sindex *ix = NULL;
    bp_status st = BP_OK;
    if (!geoms || !prep) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < ngm; i++) {
        geoms[i] = gm_geoms[i];
        prep[i] = GEOSPrepare_r(g->h, geoms[i]);
        if (!prep[i]) {
            st = bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", g->msg);
            goto out;
        }
    }
    ix = bp_sindex_new(g->h, geoms, ngm);
    if (!ix) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    hit_list acc;
    for (size_t i = 0; i < n && st == BP_OK; i++) {
        acc.n = 0;
        bp_sindex_query(ix, plots[i], 0, add_hit, &acc);
        size_t best = (size_t)-1;
        double best_area = -1;
        int dim = GEOSGeom_getDimensions_r(g->h, plots[i]);
        for (size_t k = 0; k < acc.n; k++) {
            size_t gi = acc.hits[k];
            if (dim == 2 && GEOSPreparedContains_r(g->h, prep[gi], plots[i]) == 1) {
                best = gi;
                break;
            }
            if (GEOSPreparedIntersects_r(g->h, prep[gi], plots[i]) != 1) continue;
            double a = 0;
            if (dim == 2) {
                GEOSGeometry *x = GEOSIntersection_r(g->h, geoms[gi], plots[i]);
                if (x) {
                    GEOSArea_r(g->h, x, &a);
                    GEOSGeom_destroy_r(g->h, x);
                }
            } else if (dim == 1) {
                GEOSGeometry *x = GEOSIntersection_r(g->h, geoms[gi], plots[i]);
                if (x) {
                    GEOSLength_r(g->h, x, &a);
                    GEOSGeom_destroy_r(g->h, x);
                }
            }
            if (a > best_area || (a == best_area && gi < best)) {
                best_area = a;
                best = gi;
            }
        }
        if (best == (size_t)-1)
            st = bp_error(ctx, BP_ERR_DATA,
                          "candidate plot %s lies outside every gemeente polygon (wrong CRS, or a "
                          "gemeente missing from the layer?)",
                          bp_result_id(r, first + i));
        r->gemeente[first + i] = best == (size_t)-1 ? BP_NO_GEMEENTE : (uint32_t)best;
    }
out:
    bp_sindex_free(ix);
    for (size_t i = 0; prep && i < ngm; i++)
        if (prep[i]) GEOSPreparedGeom_destroy_r(g->h, prep[i]);
    free(prep);
    free(geoms);
    return st;
}

