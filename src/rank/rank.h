/*
 * rank/ — the rank stage: plots not knocked out first, by their final
 * score for the profile as written (rounded to 0.01), ties by plot id
 * (numerically for numeric ids); the same inputs always give the same
 * ranking, on any number of threads.
 *
 * Module prefix: bp_rank_.
 */
#ifndef BP_RANK_H
#define BP_RANK_H

#include "core/core.h"
#include "result/result.h"

/* Sets r->order (plot indexes, best first, knocked-out plots last) and
 * r->rank (1 = best, 0 = knocked out) for o->profile, and keeps a copy of
 * the options in r.  Returns BP_OK or BP_ERR_NOMEM. */
bp_status bp_rank_apply(bp_result *r, const bp_rank_opts *o, bp_ctx *ctx);

#endif /* BP_RANK_H */
