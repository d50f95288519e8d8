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

/* For plots[0..n-1] the gemeente each overlaps most (geoms parallel to
 * r->gm), into r->gemeente[first..first+n-1].  A plot outside every
 * gemeente is an error (BP_ERR_DATA naming it). */
bp_status bp_gap_assign(bp_result *r, GEOSGeometry *const *gm_geoms, GEOSGeometry *const *plots, size_t n,
                        size_t first, bp_geos *g, bp_ctx *ctx);

/* Warns once for every gemeente that has plots but no target for type t
 * ('targets' names the CSV). */
void bp_gap_warn_missing(const bp_result *r, bp_type t, const char *targets, bp_ctx *ctx);

#endif /* BP_GAP_H */
