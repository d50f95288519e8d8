/*
 * options.c — the configuration cut into each stage's own options, so no
 * stage reads the whole configuration.
 */
#include "run/run.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

bp_status bp_options_make(const bp_config *c, bp_options *o, bp_ctx *ctx)
{
    memset(o, 0, sizeof *o);
    size_t n = c->ncats;
    o->ncat = n;
    o->cat = calloc(n ? n : 1, sizeof *o->cat);
    o->fac_source = calloc(n ? n : 1, sizeof *o->fac_source);
    o->fac_where = calloc(n ? n : 1, sizeof *o->fac_where);
    o->fac_name_field = calloc(n ? n : 1, sizeof *o->fac_name_field);
    o->osm_tags = calloc(n ? n : 1, sizeof *o->osm_tags);
    o->crit = calloc(n ? n : 1, sizeof *o->crit);
    if (!o->cat || !o->fac_source || !o->fac_where || !o->fac_name_field || !o->osm_tags || !o->crit) {
        bp_options_clear(o);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    for (size_t i = 0; i < n; i++) {
        const bp_category *k = &c->cats[i];
        o->cat[i] = k->name;
        o->fac_source[i] = k->source;
        o->fac_where[i] = k->where;
        o->fac_name_field[i] = k->name_field;
        o->osm_tags[i] = k->from_osm ? k->osm_tags : NULL;
        o->any_osm |= k->from_osm;
        o->crit[i] = k->crit;
    }
    o->plots = (bp_plots_opts){c->candidates, c->id_field, c->candidates_where, c->capacity_field, c->levels_field};
    o->gemeenten = (bp_gemeenten_opts){c->gemeenten, c->code_field, c->name_field};
    o->assign = (bp_gap_assign_opts){c->gemeenten_outside == 1};
    o->chunk = (size_t)c->chunk_plots;
    o->targets = c->targets;
    o->crs = c->crs;
    o->assume_crs = c->assume_crs;
    o->radius_m = (int)c->radius_m;
    o->euclidean = (bp_euclidean_opts){c->radius_m, c->threads};
    o->use_network = bp_config_use_network(c);
    double around = 0; /* beyond the largest zero_m no walk scores */
    for (size_t i = 0; i < n; i++)
        if (c->cats[i].crit.zero_m > around) around = c->cats[i].crit.zero_m;
    o->network = (bp_network_opts){.source = c->network,
                                   .rollator = c->rollator,
                                   .snap_tolerance_m = c->snap_tolerance_m,
                                   .threads = c->threads,
                                   .rules = c->network_rules,
                                   .override = c->network_override,
                                   .costs = c->network_costs,
                                   .island_m = c->island_m,
                                   .counts = c->network_counts,
                                   .radius_m = c->radius_m,
                                   .walk_network = c->walk_network,
                                   .around_m = around};
    o->score.ncat = n;
    o->score.crit = o->crit;
    memcpy(o->score.min_homes, c->min_homes, sizeof o->score.min_homes);
    o->score.density = c->density;
    o->score.floor_area_per_home = c->floor_area_per_home;
    o->score.profile = (bp_type)c->profile;
    o->gap = (bp_gap_opts){c->gap_weight, (bp_type)c->profile};
    o->rank = (bp_rank_opts){(bp_type)c->profile};
    o->filter = c->filter;
    o->decisions_from = c->decisions_from;
    o->program = c->program;
    bp_options_program(c, &o->prog);
    o->write = (bp_write_opts){c->output, bp_config_format(c), c->overwrite, NULL};
    return BP_OK;
}

void bp_options_clear(bp_options *o)
{
    free(o->cat);
    free(o->fac_source);
    free(o->fac_where);
    free(o->fac_name_field);
    free(o->osm_tags);
    free(o->crit);
    memset(o, 0, sizeof *o);
}

void bp_options_for_result(const bp_config *c, const bp_result *r, bp_criterion *crit, bp_score_opts *so,
                           bp_gap_opts *go, bp_rank_opts *ro)
{
    for (size_t i = 0; i < r->ncat; i++) {
        const bp_category *k = bp_config_category(c, r->cat[i]);
        crit[i] = k ? k->crit : r->crit[i];
    }
    so->ncat = r->ncat;
    so->crit = crit;
    memcpy(so->min_homes, c->min_homes, sizeof so->min_homes);
    so->density = c->density;
    so->floor_area_per_home = c->floor_area_per_home;
    so->profile = (bp_type)c->profile;
    *go = (bp_gap_opts){c->gap_weight, (bp_type)c->profile};
    *ro = (bp_rank_opts){(bp_type)c->profile};
}

void bp_options_program(const bp_config *c, bp_program_opts *po)
{
    for (int t = 0; t < BP_NTYPES; t++) po->min_spacing_m[t] = isnan(c->min_spacing_all) ? c->min_spacing[t] : c->min_spacing_all;
    po->exact = !c->program_greedy;
    po->time_limit_s = c->program_time_limit;
    po->max_pairs = (size_t)c->program_max_candidates;
}
