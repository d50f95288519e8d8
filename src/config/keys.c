/*
 * keys.c — the one table of configuration keys.  Each row is a
 * project-file key (with <cat> for a facility category and <type> for a
 * housing type), its command-line flag, its type and range, its default,
 * the commands that take it and its help.  The same rows drive:
 *   - bp_config_new()        (defaults, set through the parser below),
 *   - bp_config_set()        (project files and flags: parsing, ranges),
 *   - bp_config_parse_args() (the command line),
 *   - bp_config_help()       (--help, grouped, defaults appended),
 *   - bp_config_foreach()    (--print-config and run_info).
 * Adding a key is adding a row (and, for a new field, a member of struct
 * bp_config).
 *
 * Defaults of the criteria per known category and of min_homes per housing
 * type are data tables here too; their reasoning is in README ("Defaults
 * and why").
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- per-category and per-type defaults ------------------------------------ */

/* Full/zero distances (m) and weights for nultreden, geclusterd,
 * zorggeschikt.  Sources: the AAA rule (supermarket, GP, pharmacy within
 * ~500 m), visits per year (Geroscoop: supermarket 52, GP/pharmacy/care/
 * meeting 12), RIGO 2014 (supermarket and meeting point matter most),
 * 300-500 m to a transit stop. */
static const struct {
    const char *name;
    double full_m, zero_m;
    double w[BP_NTYPES];
} default_criteria[] = {
    {"supermarkt", 500, 1000, {4, 4, 3}},
    {"huisarts", 500, 1500, {2, 2, 4}},
    {"apotheek", 500, 1500, {2, 2, 3}},
    {"ov_halte", 300, 800, {2, 2, 1}},
    {"ontmoeting", 500, 1000, {1, 3, 2}},
    {"zorg", 500, 1500, {1, 2, 5}},
    {"groen", 300, 800, {1, 1, 1}},
    {"fysiotherapie", 500, 1500, {1, 1, 1}},
    {NULL, 500, 1000, {1, 1, 1}}, /* any other category */
};

/* At least 12 homes make a clustered or care-ready housing form (the
 * national definition); a step-free home can stand alone. */
static const double default_min_homes[BP_NTYPES] = {1, 12, 12};

/* Chosen plots of a clustered type spread over neighbourhoods: a few
 * hundred metres apart (a walking radius of 200 m around each); step-free
 * homes may stand side by side. */
static const double default_min_spacing[BP_NTYPES] = {0, 400, 400};

void bp_keys_category_defaults(const char *name, bp_criterion *crit)
{
    size_t i = 0;
    while (default_criteria[i].name && strcmp(default_criteria[i].name, name)) i++;
    memset(crit, 0, sizeof *crit);
    crit->full_m = default_criteria[i].full_m;
    crit->zero_m = default_criteria[i].zero_m;
    crit->knockout_m = 0;
    crit->decay = BP_DECAY_LINEAR;
    for (int t = 0; t < BP_NTYPES; t++) crit->weight[t] = default_criteria[i].w[t];
}

double bp_keys_min_homes_default(bp_type t)
{
    return default_min_homes[t];
}

/* ---- the table ----------------------------------------------------------------- */

typedef enum {
    K_STRING,  /* text; empty: unset */
    K_PATH,    /* a file or data source, relative to the project file */
    K_NUMBER,  /* a decimal number within [lo, hi] */
    K_INTEGER, /* a whole number within [lo, hi] */
    K_BOOL,    /* true/false (a switch on the command line) */
    K_CHOICE,  /* one of choices, stored as its index */
    K_SWITCH   /* a command-line switch that is not configuration */
} ktype;

/* Where a key's value lives: a member of struct bp_config, or a slot found
 * from the key's parts (<cat>, <type>) by a function. */
typedef struct keydef keydef;
typedef void *(*slot_fn)(bp_config *c, char *const *parts, bp_ctx *ctx);

struct keydef {
    const char *key;     /* project-file key; NULL for command-line switches */
    const char *flag;    /* --flag, or NULL (project file only) */
    const char *alias;   /* -f, or NULL */
    const char *arg;     /* placeholder of the flag's value; NULL: a switch */
    ktype type;
    double lo, hi;
    const char *choices; /* "a|b|c" */
    const char *def;     /* default as text; NULL: unset */
    unsigned cmds;       /* BP_CMD_* that take the flag */
    const char *group;   /* heading in --help */
    const char *help;
    size_t off;          /* offset in struct bp_config, when slot is NULL */
    slot_fn slot;
    unsigned sw;         /* K_SWITCH: its BP_ARG_* bit */
};

static void *cat_slot(bp_config *c, const char *name, size_t off, bp_ctx *ctx)
{
    bp_category *k = bp_config_category_get(c, name);
    if (!k) {
        bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    return (char *)k + off;
}

#define CAT_SLOT(fn, member, part)                                                                             \
    static void *fn(bp_config *c, char *const *p, bp_ctx *ctx) { return cat_slot(c, p[part], offsetof(bp_category, member), ctx); }
CAT_SLOT(slot_fac_source, source, 1)
CAT_SLOT(slot_fac_where, where, 1)
CAT_SLOT(slot_fac_name, name_field, 1)
CAT_SLOT(slot_osm_tags, osm_tags, 1)
CAT_SLOT(slot_full, crit.full_m, 1)
CAT_SLOT(slot_zero, crit.zero_m, 1)
CAT_SLOT(slot_knockout, crit.knockout_m, 1)
CAT_SLOT(slot_decay, crit.decay, 1)
#undef CAT_SLOT

static void *slot_weight(bp_config *c, char *const *p, bp_ctx *ctx)
{
    double *w = cat_slot(c, p[3], offsetof(bp_category, crit.weight), ctx);
    return w ? &w[bp_type_parse(p[1])] : NULL;
}

/* weight.<cat>: the weight of a category for the profile in force */
static void *slot_weight_profile(bp_config *c, char *const *p, bp_ctx *ctx)
{
    double *w = cat_slot(c, p[1], offsetof(bp_category, crit.weight), ctx);
    return w ? &w[c->profile] : NULL;
}

/* min_homes: for the profile in force */
static void *slot_min_homes_profile(bp_config *c, char *const *p, bp_ctx *ctx)
{
    (void)p;
    (void)ctx;
    return &c->min_homes[c->profile];
}

static void *slot_min_spacing(bp_config *c, char *const *p, bp_ctx *ctx)
{
    (void)ctx;
    return &c->min_spacing[bp_type_parse(p[2])];
}

static void *slot_min_homes(bp_config *c, char *const *p, bp_ctx *ctx)
{
    (void)ctx;
    return &c->min_homes[bp_type_parse(p[1])];
}

#define OFF(m) offsetof(struct bp_config, m)
#define ALL (BP_CMD_SCORE | BP_CMD_RESCORE)
#define SC BP_CMD_SCORE
#define TYPES "nultreden|geclusterd|zorggeschikt"

static const keydef keys[] = {
    /* Inputs */
    {"candidates.source", "--candidates", NULL, "SRC", K_PATH, 0, 0, NULL, NULL, SC, "Inputs",
     "candidate plots: any OGR source; 'file.gpkg|layername=NAME' picks a layer", OFF(candidates), NULL, 0},
    {"candidates.id_field", "--id-field", NULL, "FIELD", K_STRING, 0, 0, NULL, NULL, SC, "Inputs",
     "field identifying a plot (default: the feature id)", OFF(id_field), NULL, 0},
    {"candidates.where", "--where", NULL, "EXPR", K_STRING, 0, 0, NULL, NULL, SC, "Inputs",
     "OGR attribute filter on the candidates before scoring", OFF(candidates_where), NULL, 0},
    {"candidates.capacity_field", "--capacity-field", NULL, "FIELD", K_STRING, 0, 0, NULL, NULL, SC, "Inputs",
     "field holding the plot's own estimate of homes (an existing building's), used where set", OFF(capacity_field),
     NULL, 0},
    {"candidates.levels_field", "--levels-field", NULL, "FIELD", K_STRING, 0, 0, NULL, NULL, SC, "Inputs",
     "field holding a building's storeys (OSM building:levels, BAG): capacity = footprint x storeys / "
     "--floor-area-per-home",
     OFF(levels_field), NULL, 0},
    {"candidates.chunk", "--chunk", NULL, "N", K_INTEGER, 0, 100000000, NULL, "65536", SC, "Inputs",
     "plots read at a time; the geometries are read again when writing (straight distances, no filter); 0: all "
     "in memory", OFF(chunk_plots), NULL, 0},
    {"facilities.<cat>.source", "--facility", NULL, "CAT=SRC", K_PATH, 0, 0, NULL, NULL, SC, "Inputs",
     "facilities of one category, repeatable (e.g. supermarkt=pois.gpkg|layername=shops)", 0, slot_fac_source, 0},
    {"facilities.<cat>.where", NULL, NULL, NULL, K_STRING, 0, 0, NULL, NULL, SC, "Inputs",
     "OGR attribute filter on the category's source", 0, slot_fac_where, 0},
    {"facilities.<cat>.name_field", NULL, NULL, NULL, K_STRING, 0, 0, NULL, NULL, SC, "Inputs",
     "field holding the facility's name", 0, slot_fac_name, 0},
    {"gemeenten.source", "--gemeenten", NULL, "SRC", K_PATH, 0, 0, NULL, NULL, SC, "Inputs", "gemeente polygons",
     OFF(gemeenten), NULL, 0},
    {"gemeenten.code_field", "--gemeente-code-field", NULL, "FIELD", K_STRING, 0, 0, NULL, "gemeentecode", SC,
     "Inputs", "gemeente code field", OFF(code_field), NULL, 0},
    {"gemeenten.name_field", "--gemeente-name-field", NULL, "FIELD", K_STRING, 0, 0, NULL, "gemeentenaam", SC,
     "Inputs", "gemeente name field", OFF(name_field), NULL, 0},
    {"gemeenten.outside", "--outside-gemeenten", NULL, "WHAT", K_CHOICE, 0, 0, "warn|error", "warn", SC, "Inputs",
     "plots outside every gemeente: warn (no gemeente, gap unknown) or error", OFF(gemeenten_outside), NULL, 0},
    {"targets.source", "--targets", NULL, "CSV", K_PATH, 0, 0, NULL, NULL, SC, "Inputs",
     "woondeal targets: gemeente_code, woningtype, opgave, plannen, gerealiseerd (, or ;)", OFF(targets), NULL, 0},
    {"assume_crs", "--assume-crs", NULL, "CRS", K_STRING, 0, 0, NULL, NULL, SC, "Inputs",
     "CRS for layers that declare none (e.g. EPSG:28992)", OFF(assume_crs), NULL, 0},
    /* Walking distances */
    {"network.source", "--network", NULL, "SRC", K_PATH, 0, 0, NULL, NULL, SC, "Walking distances",
     "walking network: an .osm/.osm.pbf extract or any OGR line layer", OFF(network), NULL, 0},
    {"network.profile", "--walk-profile", NULL, "P", K_CHOICE, 0, 0, "walk|rollator", "walk", SC,
     "Walking distances", "walk, or rollator: no steps, raised kerbs or wheelchair=no; inclines and rough surfaces count "
     "1.5x",
     OFF(rollator), NULL, 0},
    {"distance", "--distance", NULL, "D", K_CHOICE, 0, 0, "auto|network|euclidean", "auto", SC,
     "Walking distances", "network, euclidean, or auto: network when --network is given", OFF(distance), NULL, 0},
    {"facilities_from_osm", "--facilities-from-osm", NULL, NULL, K_BOOL, 0, 0, NULL, "false", SC,
     "Walking distances", "take the facilities from the OSM network too (tags: layers/osm_facilities.yaml)",
     OFF(facilities_from_osm), NULL, 0},
    {"osm_facilities.<cat>", NULL, NULL, NULL, K_STRING, 0, 0, NULL, NULL, SC, "Walking distances",
     "OpenStreetMap tags of a category taken from the network: \"key=value, key=value\"", 0, slot_osm_tags, 0},
    {"network.snap_tolerance_m", "--snap-tolerance", NULL, "M", K_NUMBER, 0, 100000, NULL, "250", SC,
     "Walking distances", "plots and facilities farther from a walkable way get no walking distance",
     OFF(snap_tolerance_m), NULL, 0},
    {"network.rules", "--walk-rules", NULL, "FILE", K_PATH, 0, 0, NULL, NULL, SC, "Walking distances",
     "walkability rules instead of layers/walkability.yaml (a file with 'extends: builtin' changes them)",
     OFF(network_rules), NULL, 0},
    {"network.override", NULL, NULL, NULL, K_STRING, 0, 0, NULL, NULL, SC, "Walking distances",
     "rules changed by id: \"private_access=no, raised_kerb=off\" (way rules: yes, no, endpoint; any rule: off)",
     OFF(network_override), NULL, 0},
    {"network.costs", NULL, NULL, NULL, K_STRING, 0, 0, NULL, NULL, SC, "Walking distances",
     "factors of the profile's flags: \"rough=2, barrier=no\" (no: impassable)", OFF(network_costs), NULL, 0},
    {"network.island_m", NULL, NULL, NULL, K_NUMBER, 0, 1000000, NULL, "1000", SC, "Walking distances",
     "a part of the network with less passable way (m) is an island: what lies nearest to one also joins the "
     "main network",
     OFF(island_m), NULL, 0},
    {"network.counts", "--network-counts", NULL, "C", K_CHOICE, 0, 0, "straight|network", "straight", SC,
     "Walking distances", "n_<category>_<radius>m counted in a straight line or over the walking network",
     OFF(network_counts), NULL, 0},
    {"network.walk_network", "--walk-network", NULL, "W", K_CHOICE, 0, 0, "none|around|all", "around", SC,
     "Walking distances", "walk_network layer: none, the edges within the largest zero_m walk of a candidate, or all",
     OFF(walk_network), NULL, 0},
    /* Scoring */
    {"profile", "--profile", NULL, "TYPE", K_CHOICE, 0, 0, TYPES, "geclusterd", ALL, "Scoring",
     "the housing type to rank for: nultreden, geclusterd or zorggeschikt", OFF(profile), NULL, 0},
    {"radius_m", "--radius", NULL, "M", K_NUMBER, 1, 100000, NULL, "500", SC, "Scoring",
     "radius for the facility counts n_<category>_<M>m", OFF(radius_m), NULL, 0},
    {"density_homes_per_ha", "--density", NULL, "N", K_NUMBER, 0.1, 1000, NULL, "60", ALL, "Scoring",
     "homes per hectare for the capacity", OFF(density), NULL, 0},
    {"floor_area_per_home_m2", "--floor-area-per-home", NULL, "AREA", K_NUMBER, 10, 1000, NULL, "85", ALL, "Scoring",
     "gross floor area per home in buildings with storeys (--levels-field)", OFF(floor_area_per_home), NULL, 0},
    {"gap_weight", "--gap-weight", NULL, "W", K_NUMBER, 0, 1, NULL, "0.25", ALL, "Scoring",
     "0-1: how much the gemeente's gap weighs", OFF(gap_weight), NULL, 0},
    {"candidates.filter", "--filter", NULL, "SQL", K_STRING, 0, 0, NULL, NULL, SC, "Scoring",
     "SQLite/SpatiaLite expression a plot must meet, else it is knocked out", OFF(filter), NULL, 0},
    {"criteria.<cat>.full_m", "--full", NULL, "CAT=M", K_NUMBER, 0, 100000, NULL, NULL, ALL, "Scoring",
     "a category scores 100 up to this distance", 0, slot_full, 0},
    {"criteria.<cat>.zero_m", "--zero", NULL, "CAT=M", K_NUMBER, 0, 100000, NULL, NULL, ALL, "Scoring",
     "a category scores 0 from this distance", 0, slot_zero, 0},
    {"criteria.<cat>.knockout_m", "--knockout", NULL, "CAT=M", K_NUMBER, 0, 100000, NULL, NULL, ALL, "Scoring",
     "knocked out beyond this distance to a category (0: never)", 0, slot_knockout, 0},
    {"criteria.<cat>.decay", NULL, NULL, NULL, K_CHOICE, 0, 0, "linear|logistic", NULL, ALL, "Scoring",
     "how the score falls from full_m to zero_m", 0, slot_decay, 0},
    {"weight.<cat>", "--weight", NULL, "CAT=W", K_NUMBER, 0, 1000, NULL, NULL, ALL, "Scoring",
     "weight of a category for the profile ranked, repeatable", 0, slot_weight_profile, 0},
    {"min_homes", "--min-homes", NULL, "N", K_NUMBER, 0, 100000, NULL, NULL, ALL, "Scoring",
     "knocked out below this capacity for the profile ranked", 0, slot_min_homes_profile, 0},
    {"profiles.<type>.min_homes", NULL, NULL, NULL, K_NUMBER, 0, 100000, NULL, NULL, ALL, "Scoring",
     "knocked out below this capacity in homes", 0, slot_min_homes, 0},
    {"profiles.<type>.weights.<cat>", NULL, NULL, NULL, K_NUMBER, 0, 1000, NULL, NULL, ALL, "Scoring",
     "weight of a category for a housing type", 0, slot_weight, 0},
    {"crs", "--crs", NULL, "CRS", K_STRING, 0, 0, NULL, "EPSG:28992", SC, "Scoring",
     "analysis CRS, projected in metres", OFF(crs), NULL, 0},
    {"threads", "--threads", NULL, "N", K_INTEGER, 0, 256, NULL, "0", SC, "Scoring",
     "threads for the distances; 0: one per core", OFF(threads), NULL, 0},
    /* Workshop */
    {"decisions", "--decisions", NULL, "GPKG", K_PATH, 0, 0, NULL, NULL, ALL, "Workshop",
     "import the workshop's decisions from another result (by plot_id)", OFF(decisions_from), NULL, 0},
    {"program", "--program", NULL, NULL, K_BOOL, 0, 0, NULL, "false", ALL, "Workshop",
     "propose the programme: per gemeente and housing type, plots that cover the gap (layer programma)",
     OFF(program), NULL, 0},
    {"program.min_spacing_m", "--min-spacing", NULL, "M", K_NUMBER, 0, 100000, NULL, NULL, ALL, "Workshop",
     "chosen plots of one type at least this far apart, every type (default 0 nultreden, 400 geclusterd and "
     "zorggeschikt)",
     OFF(min_spacing_all), NULL, 0},
    {"program.min_spacing_m.<type>", NULL, NULL, NULL, K_NUMBER, 0, 100000, NULL, NULL, ALL, "Workshop",
     "chosen plots of this type at least this far apart", 0, slot_min_spacing, 0},
    {"program.solver", "--program-solver", NULL, "S", K_CHOICE, 0, 0, "exact|greedy", "exact", ALL, "Workshop",
     "exact (CBC, within the time limit) or greedy (best score first)", OFF(program_greedy), NULL, 0},
    {"program.time_limit_s", NULL, NULL, NULL, K_NUMBER, 0.1, 3600, NULL, "10", ALL, "Workshop",
     "time for the exact solve, per gemeente", OFF(program_time_limit), NULL, 0},
    {"program.max_candidates", NULL, NULL, NULL, K_INTEGER, 1, 100000, NULL, "300", ALL, "Workshop",
     "candidate plots per type and gemeente in the exact solve (the best by score)", OFF(program_max_candidates),
     NULL, 0},
    /* Output */
    {"output", "--output", "-o", "OUT", K_PATH, 0, 0, NULL, NULL, ALL, "Output",
     "the GeoPackage to write (OUT.gpkg), or see --format", OFF(output), NULL, 0},
    {"format", "--format", "-f", "FMT", K_CHOICE, 0, 0, "auto|GPKG|FlatGeobuf|GeoJSON|CSV|PostgreSQL", "auto", ALL,
     "Output",
     "GPKG (styled for QGIS), FlatGeobuf, GeoJSON (WGS84) or CSV: the candidates; PostgreSQL (-o PG:...): every "
     "layer; auto: from OUT's name",
     OFF(format), NULL, 0},
    {"overwrite", "--overwrite", NULL, NULL, K_BOOL, 0, 0, NULL, "false", ALL, "Output",
     "replace OUT (or its tables in PostgreSQL) when it exists", OFF(overwrite), NULL, 0},
    {NULL, "--quiet", "-q", NULL, K_SWITCH, 0, 0, NULL, NULL, ALL, "Output",
     "no progress, warnings or summary; errors only", 0, NULL, BP_ARG_QUIET},
    {NULL, "--print-config", NULL, NULL, K_SWITCH, 0, 0, NULL, NULL, ALL, "Output",
     "print the effective configuration and stop", 0, NULL, BP_ARG_PRINT_CONFIG},
    {NULL, "--help", "-h", NULL, K_SWITCH, 0, 0, NULL, NULL, ALL, "Output", "this help", 0, NULL, BP_ARG_HELP},
};
#define NKEYS (sizeof keys / sizeof *keys)
#undef OFF

/* ---- parsing values ----------------------------------------------------------- */

/* A decimal number: sign, digits, fraction, exponent; no hex, inf or nan. */
static int decimal(const char *s, double *out)
{
    const char *p = s;
    while (isspace((unsigned char)*p)) p++;
    const char *start = p;
    if (*p == '+' || *p == '-') p++;
    int digits = 0;
    while (isdigit((unsigned char)*p)) p++, digits++;
    if (*p == '.') {
        p++;
        while (isdigit((unsigned char)*p)) p++, digits++;
    }
    if (!digits) return 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        if (*p == '+' || *p == '-') p++;
        if (!isdigit((unsigned char)*p)) return 0;
        while (isdigit((unsigned char)*p)) p++;
    }
    while (isspace((unsigned char)*p)) p++;
    if (*p) return 0;
    errno = 0;
    double v = strtod(start, NULL);
    if (errno == ERANGE || !isfinite(v)) return 0;
    *out = v;
    return 1;
}

/* Index of value in "a|b|c" (case-insensitive), or -1. */
static int choice_index(const char *choices, const char *value)
{
    int i = 0;
    for (const char *p = choices;; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p);
        if (strlen(value) == len && !strncasecmp(p, value, len)) return i;
        if (!bar) return -1;
        p = bar + 1;
    }
}

/* "a, b or c" of a choice list, into buf. */
static void choice_list(const char *choices, char *buf, size_t size)
{
    buf[0] = '\0';
    int n = 1;
    for (const char *p = choices; *p; p++) n += *p == '|';
    int i = 0;
    for (const char *p = choices;; i++) {
        const char *bar = strchr(p, '|');
        size_t len = bar ? (size_t)(bar - p) : strlen(p), o = strlen(buf);
        snprintf(buf + o, size - o, "%s%.*s", i == 0 ? "" : i == n - 1 ? " or " : ", ", (int)len, p);
        if (!bar) break;
        p = bar + 1;
    }
}

/* The name of choice i of "a|b|c" into buf. */
static const char *choice_name(const char *choices, int i, char *buf, size_t size)
{
    const char *p = choices;
    for (int k = 0; k < i && p; k++) {
        p = strchr(p, '|');
        if (p) p++;
    }
    if (!p) p = "";
    const char *bar = strchr(p, '|');
    snprintf(buf, size, "%.*s", bar ? (int)(bar - p) : (int)strlen(p), p);
    return buf;
}

static bp_status store_string(char **slot, const char *value, bp_ctx *ctx)
{
    char *s = NULL;
    if (value && *value && !(s = bp_strdup(value))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    free(*slot);
    *slot = s;
    return BP_OK;
}

/* Parses value by the key's type into slot; messages name origin. */
static bp_status parse_into(const keydef *k, const char *key, void *slot, const char *value, const char *origin,
                            bp_ctx *ctx)
{
    const char *o = origin ? origin : key;
    double v;
    int i;
    char list[256];
    switch (k->type) {
    case K_STRING:
    case K_PATH:
        return store_string(slot, value, ctx);
    case K_NUMBER:
    case K_INTEGER:
        if (k->type == K_NUMBER && !*value && !k->def && !k->slot) { /* unset */
            *(double *)slot = NAN;
            return BP_OK;
        }
        if (!decimal(value, &v))
            return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be a number, not '%s'", o, key, value);
        if (k->type == K_INTEGER && v != floor(v))
            return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be a whole number, not '%s'", o, key, value);
        if (v < k->lo || v > k->hi)
            return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be between %g and %g, not %s", o, key, k->lo, k->hi, value);
        if (k->type == K_INTEGER) *(int *)slot = (int)v;
        else *(double *)slot = v;
        return BP_OK;
    case K_BOOL:
        i = choice_index("false|true|no|yes|off|on|0|1", value);
        if (i < 0) return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be true or false, not '%s'", o, key, value);
        *(int *)slot = i % 2;
        return BP_OK;
    case K_CHOICE:
        i = choice_index(k->choices, value);
        if (i < 0 && !strcmp(key, "format")) { /* also the other names GDAL knows a format by */
            bp_format f = bp_format_parse(value);
            if (f != BP_FMT_AUTO) i = (int)f;
        }
        if (i < 0) {
            choice_list(k->choices, list, sizeof list);
            return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be %s, not '%s'", o, key, list, value);
        }
        *(int *)slot = i;
        return BP_OK;
    case K_SWITCH:
        break;
    }
    return bp_error(ctx, BP_ERR_USAGE, "%s: %s is not a configuration key", o, key);
}

/* ---- finding a key ----------------------------------------------------------------- */

#define MAXPARTS 4

/* Splits "a.b.c" into at most MAXPARTS parts (in buf); returns the count or
 * -1 when malformed. */
static int split_key(const char *key, char *buf, size_t bufsize, char *parts[MAXPARTS])
{
    if (strlen(key) >= bufsize) return -1;
    strcpy(buf, key);
    int n = 0;
    for (char *p = buf;;) {
        if (n == MAXPARTS) return -1;
        parts[n++] = p;
        char *dot = strchr(p, '.');
        if (!dot) break;
        *dot = '\0';
        p = dot + 1;
    }
    for (int i = 0; i < n; i++)
        if (!parts[i][0]) return -1;
    return n;
}

/* Does the key (parts) match the pattern of keydef k?  Placeholders match
 * any part; their validity is checked by the caller. */
static int matches(const keydef *k, char *const *parts, int n)
{
    char buf[128], *pp[MAXPARTS];
    int m = split_key(k->key, buf, sizeof buf, pp);
    if (m != n) return 0;
    for (int i = 0; i < n; i++)
        if (pp[i][0] != '<' && strcmp(pp[i], parts[i])) return 0;
    return 1;
}

/* Checks the placeholders of a matched key: categories and types. */
static bp_status check_parts(const keydef *k, char *const *parts, int n, const char *key, const char *origin,
                             bp_ctx *ctx)
{
    char buf[128], *pp[MAXPARTS];
    split_key(k->key, buf, sizeof buf, pp);
    const char *o = origin ? origin : key;
    for (int i = 0; i < n; i++) {
        if (!strcmp(pp[i], "<type>") && bp_type_parse(parts[i]) < 0)
            return bp_error(ctx, BP_ERR_USAGE, "%s: profile '%s' must be nultreden, geclusterd or zorggeschikt", o,
                            parts[i]);
        if (!strcmp(pp[i], "<cat>") && !bp_config_valid_category(parts[i]))
            return bp_error(ctx, BP_ERR_USAGE,
                            "%s: category '%s' must be lower-case letters, digits and _ (at most 24), starting "
                            "with a letter",
                            o, parts[i]);
    }
    return BP_OK;
}

/* Keys that only stand for others on the command line (the profile in
 * force): not listed. */
static int alias_key(const keydef *k)
{
    return k->key && (!strcmp(k->key, "weight.<cat>") || !strcmp(k->key, "min_homes"));
}

/* Does some key have more than 'depth' parts, its first depth + 1 matching
 * parts[0..depth]? */
static int level_known(char *const *parts, int depth)
{
    for (size_t i = 0; i < NKEYS; i++) {
        char kb[128], *pp[MAXPARTS];
        int m = keys[i].key ? split_key(keys[i].key, kb, sizeof kb, pp) : 0;
        int same = m > depth;
        for (int d = 0; same && d <= depth; d++) same = pp[d][0] == '<' || !strcmp(pp[d], parts[d]);
        if (same) return 1;
    }
    return 0;
}

/* Where an unknown key goes wrong: the first of its parts that no key has
 * there (n when every part is known and the key stops short).  The names a
 * key may have at that place ("source, id_field, ...") go into buf; none
 * when the parts before it are a key that takes a value. */
static int known_here(char *const *parts, int n, char *buf, size_t size)
{
    buf[0] = '\0';
    int depth = 0;
    while (depth < n && level_known(parts, depth)) depth++;
    for (size_t i = 0; i < NKEYS; i++) {
        if (!keys[i].key || alias_key(&keys[i])) continue;
        char kb[128], *pp[MAXPARTS];
        int m = split_key(keys[i].key, kb, sizeof kb, pp);
        int same = m > depth;
        for (int d = 0; same && d < depth; d++) same = pp[d][0] == '<' || !strcmp(pp[d], parts[d]);
        if (!same) continue;
        /* already listed? */
        size_t l = strlen(pp[depth]);
        int dup = 0;
        for (const char *p = buf; *p && !dup;) {
            const char *e = strstr(p, ", ");
            size_t len = e ? (size_t)(e - p) : strlen(p);
            dup = len == l && !strncmp(p, pp[depth], l);
            p = e ? e + 2 : p + len;
        }
        if (dup) continue;
        size_t o = strlen(buf);
        snprintf(buf + o, size - o, "%s%s", o ? ", " : "", pp[depth]);
    }
    return depth;
}

static const keydef *find_key(const char *key, char *buf, size_t bufsize, char **parts, int *nparts)
{
    *nparts = split_key(key, buf, bufsize, parts);
    if (*nparts < 0) return NULL;
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].key && matches(&keys[i], parts, *nparts)) return &keys[i];
    /* short forms: "candidates: file" for candidates.source, "facilities.X: file" */
    if (*nparts < MAXPARTS) {
        parts[*nparts] = "source";
        for (size_t i = 0; i < NKEYS; i++)
            if (keys[i].key && matches(&keys[i], parts, *nparts + 1)) {
                (*nparts)++;
                return &keys[i];
            }
    }
    return NULL;
}

/* ---- public: setting, defaults ------------------------------------------------- */

bp_status bp_config_set(bp_config *c, const char *key, const char *value, const char *origin, bp_ctx *ctx)
{
    char buf[256], *parts[MAXPARTS + 1];
    int n;
    if (!value) value = "";
    const keydef *k = find_key(key, buf, sizeof buf, parts, &n);
    const char *o = origin ? origin : key;
    if (n < 0) return bp_error(ctx, BP_ERR_USAGE, "%s: malformed key '%s'", o, key);
    if (!k) {
        if (n == 1 && !strcmp(parts[0], "facilities"))
            return bp_error(ctx, BP_ERR_USAGE, "%s: facilities needs a category, e.g. facilities.supermarkt", o);
        char known[1024];
        int depth = known_here(parts, n, known, sizeof known);
        if (!known[0]) { /* e.g. gemeenten.code_field.x */
            size_t plen = 0;
            for (int d = 0; d < depth; d++) plen += strlen(parts[d]) + (d ? 1 : 0);
            return bp_error(ctx, BP_ERR_USAGE, "%s: unknown key '%s' (%.*s takes a value, not keys)", o, key,
                            (int)plen, key);
        }
        return bp_error(ctx, BP_ERR_USAGE, "%s: unknown key '%s' (known here: %s)", o, key, known);
    }
    bp_status st = check_parts(k, parts, n, key, origin, ctx);
    if (st != BP_OK) return st;
    if (!strcmp(k->key, "osm_facilities.<cat>") && !strchr(value, '='))
        return bp_error(ctx, BP_ERR_USAGE, "%s: %s takes \"key=value, key=value\", not '%s'", o, key, value);
    /* check the value before finding its slot: the slot of a category key
       creates the category, and a refused value leaves cfg unaltered */
    if (k->type != K_STRING && k->type != K_PATH) {
        union {
            double d;
            int i;
        } scratch;
        if ((st = parse_into(k, key, &scratch, value, origin, ctx)) != BP_OK) return st;
    }
    void *slot = k->slot ? k->slot(c, parts, ctx) : (char *)c + k->off;
    if (!slot) return bp_ctx_status(ctx);
    if ((st = parse_into(k, key, slot, value, origin, ctx)) != BP_OK) return st;
    /* what a key implies for others */
    if (!strcmp(k->key, "facilities.<cat>.source")) {
        bp_category *cat = bp_config_category_get(c, parts[1]);
        if (cat) cat->from_osm = 0; /* a source of the user's own wins over OSM */
    } else if (!strcmp(k->key, "osm_facilities.<cat>")) {
        bp_category *cat = bp_config_category_get(c, parts[1]);
        if (!cat) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (!cat->source && !(cat->source = bp_strdup("osm"))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        cat->from_osm = !strcmp(cat->source, "osm");
    } else if (!strcmp(k->key, "facilities_from_osm") && c->facilities_from_osm) {
        return bp_config_osm_defaults(c, ctx);
    }
    return BP_OK;
}

bp_status bp_keys_defaults(bp_config *c, bp_ctx *ctx)
{
    for (size_t i = 0; i < NKEYS; i++)
        if (keys[i].key && keys[i].def && !keys[i].slot) {
            bp_status st = bp_config_set(c, keys[i].key, keys[i].def, "default", ctx);
            if (st != BP_OK) return st;
        }
    for (int t = 0; t < BP_NTYPES; t++) {
        c->min_homes[t] = default_min_homes[t];
        c->min_spacing[t] = default_min_spacing[t];
    }
    c->min_spacing_all = NAN;
    return BP_OK;
}

int bp_keys_is_path(const char *key)
{
    char buf[256], *parts[MAXPARTS + 1];
    int n;
    const keydef *k = find_key(key, buf, sizeof buf, parts, &n);
    return k && k->type == K_PATH;
}

/* ---- the command line ------------------------------------------------------------- */

static const keydef *find_flag(const char *arg, bp_command cmd, const char **inline_val)
{
    *inline_val = NULL;
    size_t alen = strcspn(arg, "=");
    for (size_t i = 0; i < NKEYS; i++) {
        const keydef *k = &keys[i];
        if (!k->flag || !(k->cmds & (unsigned)cmd)) continue;
        if (strlen(k->flag) == alen && !strncmp(arg, k->flag, alen)) {
            if (arg[alen] == '=') *inline_val = arg + alen + 1;
            return k;
        }
        if (k->alias && !strcmp(arg, k->alias)) return k;
    }
    return NULL;
}

bp_status bp_config_parse_args(bp_config *c, bp_command cmd, int argc, char *const *argv, unsigned *switches,
                               bp_ctx *ctx)
{
    *switches = 0;
    /* two passes: first the plain flags (--profile among them), then the
       per-category and per-profile ones, which follow the profile in force */
    for (int pass = 0; pass < 2; pass++)
    for (int i = 0; i < argc; i++) {
        const char *a = argv[i], *val = NULL;
        const keydef *k = find_flag(a, cmd, &val);
        if (!k)
            return bp_error(ctx, BP_ERR_USAGE, "unknown flag '%s' (see bodnaarplot %s --help)", a,
                            cmd == BP_CMD_RESCORE ? "rescore" : "score");
        if (k->type == K_SWITCH) {
            *switches |= k->sw;
            if (k->sw == BP_ARG_HELP) return BP_OK;
            continue;
        }
        if (!k->arg) val = val ? val : "true";
        else if (!val) {
            if (i + 1 >= argc) return bp_error(ctx, BP_ERR_USAGE, "%s needs a value (%s)", k->flag, k->arg);
            val = argv[++i];
        }
        if (k->slot && pass == 0) continue; /* a per-category or per-profile flag: second pass */
        if (!k->slot && pass == 1) continue;
        bp_status st;
        if (k->arg && !strncmp(k->arg, "CAT=", 4)) { /* --facility CAT=SRC, --weight CAT=W, ... */
            const char *eq = strchr(val, '=');
            if (!eq || eq == val || !eq[1])
                return bp_error(ctx, BP_ERR_USAGE, "%s takes %s, not '%s'", k->flag,
                                !strcmp(k->arg, "CAT=SRC") ? "CATEGORY=SOURCE" : k->arg, val);
            char key[160], cat[64];
            snprintf(cat, sizeof cat, "%.*s", (int)(eq - val), val);
            const char *ph = strstr(k->key, "<cat>");
            snprintf(key, sizeof key, "%.*s%s%s", (int)(ph - k->key), k->key, cat, ph + 5);
            st = bp_config_set(c, key, eq + 1, k->flag, ctx);
        } else {
            st = bp_config_set(c, k->key, val, k->flag, ctx);
        }
        if (st != BP_OK) return st;
    }
    return BP_OK;
}

char *bp_config_help(bp_command cmd)
{
    size_t cap = 8192, len = 0;
    char *out = malloc(cap);
    if (!out) return NULL;
    out[0] = '\0';
    const char *group = NULL;
    for (size_t i = 0; i < NKEYS; i++) {
        const keydef *k = &keys[i];
        if (!k->flag || !(k->cmds & (unsigned)cmd)) continue;
        char left[64], line[640], def[128] = "";
        snprintf(left, sizeof left, "%s%s%s%s%s", k->alias ? k->alias : "", k->alias ? ", " : "", k->flag,
                 k->arg ? " " : "", k->arg ? k->arg : "");
        if (k->def && k->type != K_BOOL) snprintf(def, sizeof def, " (default %s)", k->def);
        int w = snprintf(line, sizeof line, "%s%s%s  %-30s %s%s\n", !group || strcmp(group, k->group) ? "\n" : "",
                         !group || strcmp(group, k->group) ? k->group : "",
                         !group || strcmp(group, k->group) ? ":\n" : "", left, k->help, def);
        group = k->group;
        if (w < 0) continue;
        if (len + (size_t)w + 1 > cap) {
            char *n = realloc(out, cap *= 2);
            if (!n) {
                free(out);
                return NULL;
            }
            out = n;
        }
        memcpy(out + len, line, (size_t)w + 1);
        len += (size_t)w;
    }
    return out;
}

/* ---- listing ---------------------------------------------------------------------- */

typedef void (*kv_fn)(const char *key, const char *value, void *ud);

/* The value in slot as text, by the key's type. */
static const char *show(const keydef *k, const void *slot, char *buf, size_t size)
{
    switch (k->type) {
    case K_STRING:
    case K_PATH: {
        const char *s = *(char *const *)slot;
        return s ? s : "";
    }
    case K_NUMBER:
        if (isnan(*(const double *)slot)) return "";
        snprintf(buf, size, "%.15g", *(const double *)slot);
        return buf;
    case K_INTEGER:
        snprintf(buf, size, "%d", *(const int *)slot);
        return buf;
    case K_BOOL:
        return *(const int *)slot ? "true" : "false";
    case K_CHOICE:
        return choice_name(k->choices, *(const int *)slot, buf, size);
    default:
        return "";
    }
}

/* Lists key k (with placeholders filled from the configuration); only
 * category 'only' (an index) when only >= 0. */
static void list_key(const bp_config *c, const keydef *k, long only, kv_fn fn, void *ud)
{
    char buf[128], kb[128], *pp[MAXPARTS], name[256];
    if (!k->slot) {
        const void *slot = (const char *)c + k->off;
        if (!strcmp(k->key, "format")) { /* the effective format */
            fn(k->key, bp_format_name(bp_config_format(c)), ud);
            return;
        }
        if (!strcmp(k->key, "distance")) {
            fn(k->key, bp_config_use_network(c) ? "network" : "euclidean", ud);
            return;
        }
        fn(k->key, show(k, slot, buf, sizeof buf), ud);
        return;
    }
    int m = split_key(k->key, kb, sizeof kb, pp);
    int has_type = 0, has_cat = 0;
    for (int i = 0; i < m; i++) has_type |= !strcmp(pp[i], "<type>"), has_cat |= !strcmp(pp[i], "<cat>");
    for (int t = 0; t < (has_type ? BP_NTYPES : 1); t++)
        for (size_t ci = 0; ci < (has_cat ? c->ncats : 1); ci++) {
            if (only >= 0 && has_cat && ci != (size_t)only) continue;
            char *parts[MAXPARTS];
            char tn[32], cn[32];
            snprintf(tn, sizeof tn, "%s", bp_type_name((bp_type)t));
            snprintf(cn, sizeof cn, "%s", has_cat ? c->cats[ci].name : "");
            name[0] = '\0';
            for (int i = 0; i < m; i++) {
                parts[i] = !strcmp(pp[i], "<type>") ? tn : !strcmp(pp[i], "<cat>") ? cn : pp[i];
                size_t o = strlen(name);
                snprintf(name + o, sizeof name - o, "%s%s", i ? "." : "", parts[i]);
            }
            const bp_category *cat = has_cat ? &c->cats[ci] : NULL;
            /* a category from OpenStreetMap lists as "osm", the value that
               sets it (with its osm_facilities tags listed further on) */
            if (cat && !strcmp(k->key, "facilities.<cat>.source") && cat->from_osm) {
                fn(name, "osm", ud);
                continue;
            }
            if (cat && !strcmp(k->key, "osm_facilities.<cat>") && !cat->osm_tags) continue;
            if (cat && (!strcmp(k->key, "facilities.<cat>.where") || !strcmp(k->key, "facilities.<cat>.name_field")) &&
                !*(char *const *)k->slot((bp_config *)c, parts, NULL))
                continue;
            const void *slot = k->slot((bp_config *)c, parts, NULL);
            if (slot) fn(name, show(k, slot, buf, sizeof buf), ud);
        }
}

/* Does key k stand for one field per category, and not per type? */
static int per_category_only(const keydef *k)
{
    return k->key && strstr(k->key, "<cat>") && !strstr(k->key, "<type>");
}

void bp_config_foreach(const bp_config *c, kv_fn fn, void *ud)
{
    for (size_t i = 0; i < NKEYS;) {
        if (!keys[i].key || alias_key(&keys[i])) {
            i++;
            continue;
        }
        if (!per_category_only(&keys[i])) {
            list_key(c, &keys[i++], -1, fn, ud);
            continue;
        }
        /* a block of per-category keys: category by category */
        size_t end = i;
        while (end < NKEYS && per_category_only(&keys[end]) && !alias_key(&keys[end])) end++;
        for (size_t ci = 0; ci < c->ncats; ci++)
            for (size_t k = i; k < end; k++) list_key(c, &keys[k], (long)ci, fn, ud);
        i = end;
    }
}
