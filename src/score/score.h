/*
 * score/ — the score stage: each distance becomes a criterion score 0-100,
 * the criterion scores a suitability per housing type (weighted mean),
 * each plot a capacity in homes, and the knock-outs of the ranked profile
 * are decided (a facility beyond its knock-out distance, a plot too small,
 * a plot failing the user's SQL filter), with the reason in words.
 *
 * The formulas are in criteria.c and README ("Scoring").  The SQL filter
 * (filter.c) needs the plots' attributes and geometry, so it runs while
 * those are at hand and leaves its verdict in the result's flags.
 *
 * Module prefixes: bp_criteria_ (criteria.c), bp_score_ (score.c),
 * bp_filter_ (filter.c).  The reason in words is made from the result by
 * result/reason.c.
 */
#ifndef BP_SCORE_H
#define BP_SCORE_H

#include "core/core.h"
#include "result/result.h"
#include "input/input.h"

/* ---- criteria.c: the formulas --------------------------------------------- */

/* Distance to a 0-100 score: 100 up to full, 0 from zero; linear or
 * logistic between.  A NaN distance (unreachable) scores 0. */
double bp_criteria_decay(double d, double full, double zero, bp_decay kind);
/* Weighted mean (0-100) of the category scores for profile t. */
double bp_criteria_suitability(const bp_criterion *crit, size_t ncat, bp_type t, const double *cat_scores);
/* Final score: suitability discounted by up to gap_weight where the
 * gemeente's gap share for the type is small.  NaN share = unknown (0.5). */
double bp_criteria_final(double suitability, double gap_share, double gap_weight);
/* Plot capacity in homes from its area (m²) at density homes/ha. */
double bp_criteria_capacity(double area_m2, double density);
/* Rounds a score to 2 decimals (what is written and ranked). */
double bp_criteria_round(double score);

/* ---- score.c: the stage ---------------------------------------------------- */

/* Computes cat_score, suit (every type), capacity and knock (the options'
 * profile) of every plot of r from its distances, area and flags, and
 * keeps a copy of the options in r.  Returns BP_OK or BP_ERR_NOMEM. */
bp_status bp_score_apply(bp_result *r, const bp_score_opts *o, bp_ctx *ctx);
/* The homes plot i holds: its own estimate (--capacity-field); else
 * footprint x storeys / floor area per home (--levels-field); else area x
 * density; NaN for points and lines without an estimate. */
double bp_score_capacity(const bp_result *r, const bp_score_opts *o, size_t i);

/* ---- filter.c: the user's SQL filter ---------------------------------------- */

typedef struct {
    const bp_layer *plots;     /* attributes and geometry */
    const bp_result *r;        /* plot ids, area, capacity, gemeente, dist, count */
    const bp_score_opts *so;   /* for capacity_homes */
    long long max_steps;       /* SQLite VM steps before the filter is stopped;
                                   0: the default, 2e9 (seconds of CPU) */
    GDALProgressFunc progress; /* asked while the filter runs: FALSE stops it */
    void *pdata;
} bp_filter_input;

/* Evaluates the user's SQL filter (an SQLite/SpatiaLite WHERE expression)
 * read-only on a table "candidates" with the plot attributes, geom and the
 * computed columns; sets BP_PLOT_FILTER_FAIL in r->flags of every plot
 * that does not satisfy it.  BP_ERR_USAGE for a filter that is not one
 * read-only expression; the flags are then unaltered. */
bp_status bp_filter_eval(const char *filter, const bp_filter_input *in, bp_result *r, bp_ctx *ctx);

#endif /* BP_SCORE_H */
