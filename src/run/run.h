/*
 * run/ — the pipeline: the configuration cut into each stage's own options
 * (options.c), the record of a run (info.c), and the order of the stages
 * (run.c): read -> distances -> score -> gap -> rank -> write; and the
 * in-memory re-rank of a result (score -> gap -> rank).
 *
 * This is the only place that reads struct bp_config besides config/.
 *
 * Module prefixes: bp_options_ (options.c), bp_info_ (info.c).
 */
#ifndef BP_RUN_H
#define BP_RUN_H

#include "config/config.h"
#include "input/input.h"
#include "distance/distance.h"
#include "score/score.h"
#include "gap/gap.h"
#include "rank/rank.h"
#include "output/output.h"
#include "workshop/workshop.h"

/* Every stage's options, cut from one configuration.  Strings are borrowed
 * from the configuration, which must outlive them. */
typedef struct {
    bp_plots_opts plots;
    bp_gemeenten_opts gemeenten;
    bp_gap_assign_opts assign;
    size_t chunk;            /* plots per chunk of a streamed read; 0: in memory */
    const char *targets;
    const char *crs, *assume_crs;
    /* facility categories, in configuration order */
    size_t ncat;
    char **cat;              /* names */
    char **fac_source;       /* source specs ("osm" for OpenStreetMap) */
    char **fac_where;
    char **fac_name_field;
    char **osm_tags;         /* tags when taken from the network's OSM file, else NULL */
    int any_osm;
    int radius_m;
    bp_euclidean_opts euclidean;
    int use_network;
    bp_network_opts network;
    bp_criterion *crit;      /* ncat */
    bp_score_opts score;
    bp_gap_opts gap;
    bp_rank_opts rank;
    const char *filter;
    const char *decisions_from;
    int program;
    bp_program_opts prog;
    bp_write_opts write;     /* srs set by the run */
} bp_options;

/* Cuts cfg (validated) into the stages' options.  BP_OK or BP_ERR_NOMEM. */
bp_status bp_options_make(const bp_config *cfg, bp_options *o, bp_ctx *ctx);
void bp_options_clear(bp_options *o);
/* The programme's options from cfg. */
void bp_options_program(const bp_config *cfg, bp_program_opts *po);
/* The score, gap and rank options for a result's categories from cfg:
 * categories cfg has keep cfg's criteria, others the result's own.
 * crit must hold r->ncat entries. */
void bp_options_for_result(const bp_config *cfg, const bp_result *r, bp_criterion *crit, bp_score_opts *so,
                           bp_gap_opts *go, bp_rank_opts *ro);

/* Adds the rows of run_info that describe the run: start time, versions,
 * the configuration (config.*), the result's counts. */
void bp_info_run(bp_kv *kv, const bp_config *cfg, time_t started);
void bp_info_result(bp_kv *kv, const bp_result *r);
/* Appends the warnings of ctx as warning.N rows. */
void bp_info_warnings(bp_kv *kv, const bp_ctx *ctx);

#endif /* BP_RUN_H */
