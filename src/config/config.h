/*
 * config/ — the configuration of a run: one table of keys (keys.c) drives
 * the command-line flags, the project-file keys, their types, defaults,
 * validation, --help and --print-config, so each default is written once;
 * project files are YAML (project.c on the small tree of yaml.c, libyaml);
 * config.c holds the object, the categories and the checks across keys.
 *
 * The stages never see this struct: the pipeline (src/run/) cuts it into
 * each stage's own options.
 *
 * Module prefixes: bp_config_ (config.c, keys.c, project.c), bp_yaml_
 * (yaml.c), bp_keys_ (keys.c).
 */
#ifndef BP_CONFIG_H
#define BP_CONFIG_H

#include "core/core.h"
#include "result/result.h"

/* How distances are measured. */
typedef enum {
    BP_DIST_AUTO = 0,      /* network when a network is given */
    BP_DIST_NETWORK = 1,
    BP_DIST_EUCLIDEAN = 2
} bp_distance_mode;

/* One facility category: where its facilities come from, and its
 * criterion. */
typedef struct {
    char *name;        /* category, e.g. "supermarkt" */
    char *source;      /* OGR source spec; NULL while only criteria were set */
    char *where;       /* optional OGR attribute filter on the source */
    char *name_field;  /* optional field holding the facility's name */
    char *osm_tags;    /* "key=value, ..." when taken from the OSM network */
    int from_osm;      /* the facilities come from the network's OSM file */
    bp_criterion crit;
} bp_category;

struct bp_config {
    /* inputs */
    char *candidates, *id_field, *candidates_where, *filter;
    char *capacity_field, *levels_field;
    char *gemeenten, *code_field, *name_field;
    int gemeenten_outside;        /* gemeenten.outside: 0 warn, 1 error */
    int chunk_plots;              /* candidates.chunk: plots per chunk, 0 all at once */
    char *targets;
    bp_category *cats;
    size_t ncats;
    char *crs, *assume_crs;
    /* walking network */
    char *network;
    int rollator;                 /* network.profile: 0 walk, 1 rollator */
    double snap_tolerance_m;
    int distance;                 /* bp_distance_mode */
    int facilities_from_osm;
    char *network_rules;          /* walkability rules file, NULL: built in */
    char *network_override;       /* "rule=yes|no|endpoint|off, ..." */
    char *network_costs;          /* "flag=FACTOR|no, ..." */
    double island_m;              /* islands: components with less passable way */
    int network_counts;           /* n_ counts: 0 straight, 1 over the network */
    int walk_network;             /* walk_network layer: 0 none, 1 around, 2 all */
    /* scoring */
    int profile;                  /* bp_type */
    double radius_m;
    double density;               /* homes per hectare */
    double floor_area_per_home;   /* m² per home in buildings with storeys */
    double min_homes[BP_NTYPES];  /* knock-out below this capacity */
    double gap_weight;
    int threads;                  /* 0 = number of cores */
    /* workshop */
    char *decisions_from;         /* import decisions from this result */
    int program;                  /* propose the programme */
    double min_spacing[BP_NTYPES];/* program.min_spacing_m.<type> */
    double min_spacing_all;       /* --min-spacing: every type (NaN: unset) */
    int program_greedy;           /* program.solver: 0 exact, 1 greedy */
    double program_time_limit;
    int program_max_candidates;
    /* output */
    char *output;
    int format;                   /* bp_format; BP_FMT_AUTO: from the output */
    int overwrite;
};

/* bp_config_load_yaml() on text in memory; 'name' stands for the file in
 * messages and its folder part resolves relative paths. */
bp_status bp_config_load_yaml_text(bp_config *cfg, const char *text, size_t len, const char *name, bp_ctx *ctx);
/* Category by name, or NULL. */
const bp_category *bp_config_category(const bp_config *cfg, const char *name);
/* Finds or adds a category with its documented defaults; NULL when out
 * of memory. */
bp_category *bp_config_category_get(bp_config *cfg, const char *name);
/* A category name becomes part of field names: lower-case letters, digits
 * and underscores, starting with a letter, at most 24 characters. */
int bp_config_valid_category(const char *name);
/* Registers the categories of layers/osm_facilities.yaml as taken from the
 * OSM network, except those the user gave a source of their own. */
bp_status bp_config_osm_defaults(bp_config *cfg, bp_ctx *ctx);
/* The effective output format (resolving BP_FMT_AUTO from the output
 * name) and distance mode (resolving BP_DIST_AUTO). */
bp_format bp_config_format(const bp_config *cfg);
int bp_config_use_network(const bp_config *cfg);

/* ---- keys.c: the key table ----------------------------------------------- */

/* Sets every key that has a default to it (bp_config_new). */
bp_status bp_keys_defaults(bp_config *cfg, bp_ctx *ctx);
/* Is the value of this key a path to resolve against the project folder? */
int bp_keys_is_path(const char *key);
/* Per-type defaults of min_homes, and per-category defaults of the
 * criteria, written once in keys.c. */
void bp_keys_category_defaults(const char *name, bp_criterion *crit);
double bp_keys_min_homes_default(bp_type t);

/* ---- yaml.c: a small YAML tree (no anchors/aliases), with line numbers --- */

typedef enum { BP_YAML_SCALAR, BP_YAML_MAP, BP_YAML_SEQ } bp_yaml_kind;
typedef struct bp_yaml bp_yaml;
struct bp_yaml {
    bp_yaml_kind kind;
    int line;          /* 1-based line of the node in the source */
    char *value;       /* scalar text */
    int plain;         /* scalar written without quotes */
    size_t n;          /* entries of a map or seq */
    char **keys;       /* map keys */
    int *key_lines;
    bp_yaml **items;   /* map values or seq items */
};
/* Parses YAML text; 'name' is used in messages.  Returns NULL on failure
 * with the error in ctx (BP_ERR_USAGE: the file is the user's input). */
bp_yaml *bp_yaml_parse(const char *text, size_t len, const char *name, bp_ctx *ctx);
bp_yaml *bp_yaml_parse_file(const char *path, bp_ctx *ctx);
void bp_yaml_free(bp_yaml *y);
/* Value of 'key' in a map, or NULL. */
const bp_yaml *bp_yaml_get(const bp_yaml *map, const char *key);

#endif /* BP_CONFIG_H */
