/*
 * assign.c — the gemeente of each plot: the one it overlaps most (by area
 * for polygons, by length for lines; contained plots short-cut), found
 * through an STRtree over the gemeente polygons, prepared once per
 * assigner and then fed the plots chunk by chunk.
 *
 * A plot outside every gemeente (coastal and border plots against
 * generalised boundaries) gets BP_NO_GEMEENTE: the gap stage counts it as an
 * unknown gap and its reason says so.  They are counted and warned once;
 * gemeenten.outside: error makes the first one an error instead.  When no
 * plot at all lies in a gemeente, that is an error either way: a wrong CRS
 * or the wrong gemeente layer, not a few plots on the coast.
 */
#include "gap/gap.h"
#include "distance/distance.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Ids of the first plots outside every gemeente named in the warning. */
#define N_EXAMPLES 5

struct bp_gap_assigner {
    bp_gap_assign_opts o;
    bp_geos *g;
    size_t ngm;
    GEOSGeometry **geoms;               /* borrowed */
    const GEOSPreparedGeometry **prep;  /* owned */
    bp_sindex *ix;
    size_t n_seen, n_outside;
    size_t example[N_EXAMPLES];         /* plot indexes */
};

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

void bp_gap_assigner_free(bp_gap_assigner *a)
{
    if (!a) return;
    bp_sindex_free(a->ix);
    for (size_t i = 0; a->prep && i < a->ngm; i++)
        if (a->prep[i]) GEOSPreparedGeom_destroy_r(a->g->h, a->prep[i]);
    free(a->prep);
    free(a->geoms);
    free(a);
}

bp_gap_assigner *bp_gap_assigner_new(const bp_gap_assign_opts *o, const bp_result *r, GEOSGeometry *const *gm_geoms,
                                     bp_geos *g, bp_ctx *ctx)
{
    size_t ngm = r->ngm;
    bp_gap_assigner *a = calloc(1, sizeof *a);
    if (!a) {
        bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    a->o = *o;
    a->g = g;
    a->ngm = ngm;
    a->geoms = malloc((ngm ? ngm : 1) * sizeof *a->geoms);
    a->prep = calloc(ngm ? ngm : 1, sizeof *a->prep);
    if (!a->geoms || !a->prep) goto nomem;
    for (size_t i = 0; i < ngm; i++) {
        a->geoms[i] = gm_geoms[i];
        a->prep[i] = GEOSPrepare_r(g->h, a->geoms[i]);
        if (!a->prep[i]) {
            bp_error(ctx, BP_ERR_NOMEM, "GEOS: %s", g->msg);
            bp_gap_assigner_free(a);
            return NULL;
        }
    }
    if (!(a->ix = bp_sindex_new(g->h, a->geoms, ngm))) goto nomem;
    return a;
nomem:
    bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_gap_assigner_free(a);
    return NULL;
}

/* The gemeente plot overlaps most, or BP_NO_GEMEENTE. */
static uint32_t assign_one(bp_gap_assigner *a, const GEOSGeometry *plot)
{
    GEOSContextHandle_t h = a->g->h;
    hit_list acc = {.n = 0};
    bp_sindex_query(a->ix, plot, 0, add_hit, &acc);
    size_t best = (size_t)-1;
    double best_area = -1;
    int dim = GEOSGeom_getDimensions_r(h, plot);
    for (size_t k = 0; k < acc.n; k++) {
        size_t gi = acc.hits[k];
        if (dim == 2 && GEOSPreparedContains_r(h, a->prep[gi], plot) == 1) {
            best = gi;
            break;
        }
        if (GEOSPreparedIntersects_r(h, a->prep[gi], plot) != 1) continue;
        double m = 0;
        if (dim >= 1) {
            GEOSGeometry *x = GEOSIntersection_r(h, a->geoms[gi], plot);
            if (x) {
                if (dim == 2) GEOSArea_r(h, x, &m);
                else GEOSLength_r(h, x, &m);
                GEOSGeom_destroy_r(h, x);
            }
        }
        if (m > best_area || (m == best_area && gi < best)) {
            best_area = m;
            best = gi;
        }
    }
    return best == (size_t)-1 ? BP_NO_GEMEENTE : (uint32_t)best;
}

bp_status bp_gap_assigner_run(bp_gap_assigner *a, bp_result *r, GEOSGeometry *const *plots, size_t n, size_t first,
                              bp_ctx *ctx)
{
    for (size_t i = 0; i < n; i++) {
        uint32_t gm = assign_one(a, plots[i]);
        r->gemeente[first + i] = gm;
        if (gm != BP_NO_GEMEENTE) continue;
        if (a->o.outside_error)
            return bp_error(ctx, BP_ERR_DATA,
                            "candidate plot %s lies outside every gemeente polygon (wrong CRS, or a "
                            "gemeente missing from the layer?)",
                            bp_result_id(r, first + i));
        if (a->n_outside < N_EXAMPLES) a->example[a->n_outside] = first + i;
        a->n_outside++;
    }
    a->n_seen += n;
    return BP_OK;
}

bp_status bp_gap_assigner_finish(bp_gap_assigner *a, const bp_result *r, const char *what, size_t *outside,
                                 bp_ctx *ctx)
{
    if (outside) *outside = a->n_outside;
    if (!a->n_outside) return BP_OK;
    if (a->n_outside == a->n_seen)
        return bp_error(ctx, BP_ERR_DATA,
                        "candidate plot %s lies outside every gemeente polygon, and so do all the others (wrong "
                        "CRS, or the wrong gemeente layer?)",
                        bp_result_id(r, a->example[0]));
    char ids[200] = "";
    size_t k = a->n_outside < N_EXAMPLES ? a->n_outside : N_EXAMPLES;
    for (size_t i = 0; i < k; i++) {
        size_t len = strlen(ids);
        snprintf(ids + len, sizeof ids - len, "%s%s", i ? ", " : "", bp_result_id(r, a->example[i]));
    }
    bp_warn(ctx,
            "%s: %zu of %zu candidate plots lie outside every gemeente polygon (%s%s): no gemeente, gap unknown "
            "(gemeenten.outside: error refuses them)",
            what ? what : "candidates", a->n_outside, a->n_seen, ids, a->n_outside > k ? ", ..." : "");
    return BP_OK;
}

bp_status bp_gap_assign(bp_result *r, GEOSGeometry *const *gm_geoms, GEOSGeometry *const *plots, size_t n,
                        size_t first, bp_geos *g, bp_ctx *ctx)
{
    bp_gap_assign_opts o = {.outside_error = 1};
    bp_gap_assigner *a = bp_gap_assigner_new(&o, r, gm_geoms, g, ctx);
    if (!a) return BP_ERR_NOMEM;
    bp_status st = bp_gap_assigner_run(a, r, plots, n, first, ctx);
    bp_gap_assigner_free(a);
    return st;
}

bp_status bp_gap_assign_all(const bp_gap_assign_opts *o, bp_result *r, GEOSGeometry *const *gm_geoms,
                            GEOSGeometry *const *plots, size_t n, const char *what, bp_geos *g, bp_ctx *ctx)
{
    bp_gap_assigner *a = bp_gap_assigner_new(o, r, gm_geoms, g, ctx);
    if (!a) return BP_ERR_NOMEM;
    bp_status st = bp_gap_assigner_run(a, r, plots, n, 0, ctx);
    if (st == BP_OK) st = bp_gap_assigner_finish(a, r, what, NULL, ctx);
    bp_gap_assigner_free(a);
    return st;
}
