/*
 * access.c — the public read-only view of a result (bodnaarplot.h), for
 * the live server, tests and other programs on the library.
 */
#include "result/result.h"

#include <math.h>
#include <string.h>

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

bp_besluit bp_result_besluit(const bp_result *r, size_t i)
{
    return r->besluit ? (bp_besluit)r->besluit[i] : BP_BESLUIT_OPEN;
}

int bp_result_decision_type(const bp_result *r, size_t i) { return r->dtype ? r->dtype[i] : -1; }
double bp_result_decision_homes(const bp_result *r, size_t i) { return r->dhomes ? r->dhomes[i] : NAN; }

const char *bp_result_decision_text(const bp_result *r, size_t i, const char *field)
{
    static const char *const names[BP_NDTEXT] = {"partner_corporatie", "partner_zorg", "opmerking",
                                                 "besluit_gewijzigd"};
    for (int k = 0; r->dtext && k < BP_NDTEXT; k++)
        if (!strcmp(field, names[k])) return r->dtext[i * BP_NDTEXT + k];
    return NULL;
}

int bp_result_program_type(const bp_result *r, size_t i) { return r->ptype ? r->ptype[i] : -1; }
double bp_result_program_homes(const bp_result *r, size_t i) { return r->phomes ? r->phomes[i] : 0; }
int bp_result_program_reserved(const bp_result *r, size_t i) { return r->preserved ? r->preserved[i] : 0; }

size_t bp_result_ngemeenten(const bp_result *r) { return r->ngm; }
const char *bp_result_gemeente_code(const bp_result *r, size_t g) { return g < r->ngm ? r->gm[g].code : NULL; }
const char *bp_result_gemeente_name(const bp_result *r, size_t g) { return g < r->ngm ? r->gm[g].name : NULL; }

double bp_result_gemeente_figure(const bp_result *r, size_t g, bp_type t, const char *figure)
{
    if (g >= r->ngm || (int)t < 0 || (int)t >= BP_NTYPES) return NAN;
    const bp_gm *m = &r->gm[g];
    if (!strcmp(figure, "opgave")) return m->opgave[t];
    if (!strcmp(figure, "plannen")) return m->plannen[t];
    if (!strcmp(figure, "gerealiseerd")) return m->gerealiseerd[t];
    double gap = NAN;
    if (!isnan(m->opgave[t]) && !isnan(m->plannen[t]) && !isnan(m->gerealiseerd[t])) {
        gap = m->opgave[t] - m->plannen[t] - m->gerealiseerd[t];
        if (gap < 0) gap = 0;
    }
    if (!strcmp(figure, "gap")) return gap;
    if (!strcmp(figure, "programmed")) return m->programmed[t];
    if (!strcmp(figure, "remaining")) return isnan(gap) ? NAN : gap > m->programmed[t] ? gap - m->programmed[t] : 0;
    return NAN;
}
