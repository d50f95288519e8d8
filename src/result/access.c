/*
 * access.c — the public read-only view of a result (bodnaarplot.h), for
 * the live server, tests and other programs on the library.
 */
#include "result/result.h"

#include <math.h>

size_t bp_result_count(const bp_result *r) { return r->n; }
size_t bp_result_ncategories(const bp_result *r) { return r->ncat; }
const char *bp_result_category_name(const bp_result *r, size_t c) { return c < r->ncat ? r->cat[c] : NULL; }
const char *bp_result_plot_id(const bp_result *r, size_t i) { return bp_result_id(r, i); }
int bp_result_rank(const bp_result *r, size_t i) { return r->rank[i]; }
size_t bp_result_at(const bp_result *r, size_t k) { return r->order[k]; }
double bp_result_score(const bp_result *r, size_t i, bp_type t) { return r->score[i * BP_NTYPES + (size_t)t]; }
double bp_result_suitability(const bp_result *r, size_t i, bp_type t) { return r->suit[i * BP_NTYPES + (size_t)t]; }
double bp_result_distance(const bp_result *r, size_t i, size_t c) { return r->dist[i * r->ncat + c]; }
double bp_result_criterion_score(const bp_result *r, size_t i, size_t c) { return r->cat_score[i * r->ncat + c]; }
int bp_result_facility_count(const bp_result *r, size_t i, size_t c) { return r->count[i * r->ncat + c]; }
double bp_result_capacity(const bp_result *r, size_t i) { return r->capacity[i]; }
int bp_result_knocked_out(const bp_result *r, size_t i) { return r->knock[i] != 0; }
bp_type bp_result_profile(const bp_result *r) { return r->rank_opts.profile; }

const char *bp_result_gemeente(const bp_result *r, size_t i)
{
    return r->gemeente[i] == BP_NO_GEMEENTE ? NULL : r->gm[r->gemeente[i]].code;
}
