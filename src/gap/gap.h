/*
 * gap/ — the housing gap: per gemeente and housing type
 * gap = max(0, opgave - plannen - gerealiseerd) and its share of the
 * target; each plot belongs to the gemeente it overlaps most (assign.c);
 * the gap stage turns suitability into the final score per type and sums
 * the suitable capacity per gemeente (gap.c).
 *
 * Module prefix: bp_gap_.
 */
#ifndef BP_GAP_H
#define BP_GAP_H

#include "core/core.h"
#include "result/result.h"

/* gap = max(0, opgave - plannen - gerealiseerd); share = gap / opgave
 * (0 when opgave is 0).  Returns 0 when any input is missing (NaN): gap and
 * share are then NaN. */
int bp_gap_compute(double opgave, double plannen, double gerealiseerd, double *gap, double *share);
/* The gap and share of gemeente g for type t (NaN when unknown). */
int bp_gap_of(const bp_gm *g, int t, double *gap, double *share);

/* The gap stage: score[i*BP_NTYPES+t] = the rounded final score of every
 * plot for every type from its suitability and its gemeente's gap share
 * (a plot outside every gemeente counts as an unknown gap); per gemeente
 * the plots, the suitable plots and their capacity for o->profile.  Keeps
 * a copy of the options in r. */
bp_status bp_gap_apply(bp_result *r, const bp_gap_opts *o, bp_ctx *ctx);

/* ---- assign.c: the gemeente of each plot --------------------------------- */

/* Options of the gemeente assignment. */
typedef struct {
    int outside_error;       /* 1: a plot outside every gemeente is an error
                                (gemeenten.outside: error); 0: it gets
                                BP_NO_GEMEENTE, counted and warned once */
} bp_gap_assign_opts;

/* An assigner: the gemeente polygons prepared and indexed once, then fed
 * the plots chunk by chunk.  Borrows gm_geoms (parallel to r->gm, which
 * must outlive it) and g; one thread at a time. */
typedef struct bp_gap_assigner bp_gap_assigner;

/* A new assigner over r->ngm gemeente polygons gm_geoms.  NULL when out of
 * memory (with the error in ctx). */
bp_gap_assigner *bp_gap_assigner_new(const bp_gap_assign_opts *o, const bp_result *r, GEOSGeometry *const *gm_geoms,
                                     bp_geos *g, bp_ctx *ctx);
/* For plots[0..n-1] (plots first..first+n-1 of r, ids set) the gemeente
 * each overlaps most, into r->gemeente[first..first+n-1]; a plot outside
 * every gemeente gets BP_NO_GEMEENTE and is counted, or, with
 * outside_error, is BP_ERR_DATA naming it. */
bp_status bp_gap_assigner_run(bp_gap_assigner *a, bp_result *r, GEOSGeometry *const *plots, size_t n, size_t first,
                              bp_ctx *ctx);
/* After the last chunk: warns once with the number of plots outside every
 * gemeente and the first few ids ('what' names the plots' layer); when no
 * plot at all lies in a gemeente that is BP_ERR_DATA (a wrong CRS rather
 * than a few coastal plots).  Returns the count in *outside when not NULL. */
bp_status bp_gap_assigner_finish(bp_gap_assigner *a, const bp_result *r, const char *what, size_t *outside,
                                 bp_ctx *ctx);
void bp_gap_assigner_free(bp_gap_assigner *a);

/* The whole of it in one call: plots[0..n-1] are plots 0..n-1 of r. */
bp_status bp_gap_assign_all(const bp_gap_assign_opts *o, bp_result *r, GEOSGeometry *const *gm_geoms,
                            GEOSGeometry *const *plots, size_t n, const char *what, bp_geos *g, bp_ctx *ctx);
/* One chunk, strictly: plots[0..n-1] are plots first.. of r, and a plot
 * outside every gemeente is BP_ERR_DATA naming it (its gemeente is then
 * BP_NO_GEMEENTE; gemeenten.outside: error). */
bp_status bp_gap_assign(bp_result *r, GEOSGeometry *const *gm_geoms, GEOSGeometry *const *plots, size_t n,
                        size_t first, bp_geos *g, bp_ctx *ctx);

/* Warns once for every gemeente that has plots but no target for type t
 * ('targets' names the CSV). */
void bp_gap_warn_missing(const bp_result *r, bp_type t, const char *targets, bp_ctx *ctx);

#endif /* BP_GAP_H */
