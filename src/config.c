/*
 * config.c — the run configuration: documented defaults, one setter keyed
 * by project-file path (shared by the CLI flags and the YAML loader),
 * validation, and a stable listing for run_info.
 *
 * Defaults and their reasoning are documented in README.md ("Scoring").
 */
#include "bp_internal.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Default criteria per known category: full/zero distances (m) and weights
 * for nultreden, geclusterd, zorggeschikt.  Sources: the AAA rule
 * (supermarket, GP, pharmacy within ~500 m), visits per year (Geroscoop:
 * supermarket 52, GP/pharmacy/care/meeting 12), RIGO 2014 (supermarket and
 * meeting point matter most), 300-500 m to a transit stop. */
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
};
#define N_DEFAULT_CRITERIA (sizeof default_criteria / sizeof default_criteria[0])
static const double generic_full = 500, generic_zero = 1000, generic_weight = 1;

bp_config *bp_config_new(void)
{
    bp_config *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    c->code_field = bp_strdup("gemeentecode");
    c->name_field = bp_strdup("gemeentenaam");
    c->crs = bp_strdup("EPSG:28992");
    if (!c->code_field || !c->name_field || !c->crs) {
        bp_config_free(c);
        return NULL;
    }
    c->profile = BP_GECLUSTERD;
    c->radius_m = 500;
    c->density = 60;
    c->min_homes[BP_NULTREDEN] = 1;
    c->min_homes[BP_GECLUSTERD] = 12;
    c->min_homes[BP_ZORGGESCHIKT] = 12;
    c->gap_weight = 0.25;
    c->threads = 0;
    c->snap_tolerance_m = 250;
    c->distance_network = -1;
    return c;
}

static void category_clear(bp_category *k)
{
    free(k->osm_tags);
    free(k->name);
    free(k->source);
    free(k->where);
    free(k->name_field);
}

void bp_config_free(bp_config *c)
{
    if (!c) return;
    free(c->candidates);
    free(c->id_field);
    free(c->filter);
    free(c->candidates_where);
    free(c->gemeenten);
    free(c->code_field);
    free(c->name_field);
    free(c->targets);
    for (size_t i = 0; i < c->ncats; i++) category_clear(&c->cats[i]);
    free(c->cats);
    free(c->crs);
    free(c->assume_crs);
    free(c->output);
    free(c->format);
    free(c->network);
    free(c);
}

const bp_category *bp_config_category(const bp_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ncats; i++)
        if (strcmp(cfg->cats[i].name, name) == 0) return &cfg->cats[i];
    return NULL;
}

const char *bp_config_output(const bp_config *cfg) { return cfg ? cfg->output : NULL; }

/* A category name becomes part of field names: lower-case letters, digits
 * and underscores, starting with a letter, at most 24 characters. */
static int valid_category_name(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 24 || !islower((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_'))
            return 0;
    return 1;
}

/* Finds or adds a category; NULL when out of memory. */
static bp_category *category_get(bp_config *c, const char *name)
{
    for (size_t i = 0; i < c->ncats; i++)
        if (strcmp(c->cats[i].name, name) == 0) return &c->cats[i];
    bp_category *nc = realloc(c->cats, (c->ncats + 1) * sizeof *nc);
    if (!nc) return NULL;
    c->cats = nc;
    bp_category *k = &c->cats[c->ncats];
    memset(k, 0, sizeof *k);
    k->name = bp_strdup(name);
    if (!k->name) return NULL;
    k->full_m = generic_full;
    k->zero_m = generic_zero;
    for (int t = 0; t < BP_NTYPES; t++) k->weight[t] = generic_weight;
    for (size_t i = 0; i < N_DEFAULT_CRITERIA; i++)
        if (strcmp(default_criteria[i].name, name) == 0) {
            k->full_m = default_criteria[i].full_m;
            k->zero_m = default_criteria[i].zero_m;
            for (int t = 0; t < BP_NTYPES; t++) k->weight[t] = default_criteria[i].w[t];
        }
    c->ncats++;
    return k;
}

/* Registers the categories of layers/osm_facilities.yaml as taken from the
 * OSM network, except those the user gave a source of their own. */
static bp_status osm_defaults(bp_config *c, bp_ctx *ctx)
{
    const char *text = bp_layerdef_text("osm_facilities");
    bp_yaml *y = text ? bp_yaml_parse(text, strlen(text), "layers/osm_facilities.yaml", ctx) : NULL;
    const bp_yaml *cats = y ? bp_yaml_get(y, "categories") : NULL;
    if (!cats || cats->kind != BP_YAML_MAP) {
        bp_yaml_free(y);
        return bp_error(ctx, BP_ERR_NOMEM, "layers/osm_facilities.yaml: no categories (a build defect)");
    }
    bp_status st = BP_OK;
    for (size_t i = 0; i < cats->n && st == BP_OK; i++) {
        bp_category *k = category_get(c, cats->keys[i]);
        if (!k) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        else if (!k->source || k->from_osm) {
            if (!k->source && !(k->source = bp_strdup("osm"))) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            k->from_osm = 1;
            if (!k->osm_tags && cats->items[i]->kind == BP_YAML_SCALAR &&
                !(k->osm_tags = bp_strdup(cats->items[i]->value)))
                st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        }
    }
    bp_yaml_free(y);
    return st;
}

static bp_status parse_number(const char *value, double lo, double hi, const char *key,
                              const char *origin, double *out, bp_ctx *ctx)
{
    char *end;
    errno = 0;
    double v = strtod(value, &end);
    while (end && isspace((unsigned char)*end)) end++;
    if (!*value || *end || errno == ERANGE || !isfinite(v))
        return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be a number, not '%s'",
                        origin ? origin : key, key, value);
    if (v < lo || v > hi)
        return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be between %g and %g, not %s",
                        origin ? origin : key, key, lo, hi, value);
    *out = v;
    return BP_OK;
}

static bp_status set_string(char **slot, const char *value, bp_ctx *ctx)
{
    char *s = bp_strdup(value);
    if (!s) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    free(*slot);
    *slot = s;
    return BP_OK;
}

static bp_status parse_bool(const char *value, const char *key, const char *origin, int *out,
                            bp_ctx *ctx)
{
    static const char *const yes[] = {"true", "yes", "on", "1"}, *const no[] = {"false", "no", "off", "0"};
    for (int i = 0; i < 4; i++) {
        if (strcasecmp(value, yes[i]) == 0) return *out = 1, BP_OK;
        if (strcasecmp(value, no[i]) == 0) return *out = 0, BP_OK;
    }
    return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be true or false, not '%s'",
                    origin ? origin : key, key, value);
}

/* Splits "a.b.c" into at most 4 parts (in buf); returns the count or -1. */
static int split_key(const char *key, char *buf, size_t bufsize, char *parts[4])
{
    if (strlen(key) >= bufsize) return -1;
    strcpy(buf, key);
    int n = 0;
    for (char *p = buf;;) {
        if (n == 4) return -1;
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

#define UNKNOWN(known)                                                                            \
    bp_error(ctx, BP_ERR_USAGE, "%s: unknown key '%s' (known here: %s)", origin ? origin : key,  \
             key, known)

bp_status bp_config_set(bp_config *c, const char *key, const char *value, const char *origin,
                        bp_ctx *ctx)
{
    char buf[256], *p[4];
    int n = split_key(key, buf, sizeof buf, p);
    if (n < 0)
        return bp_error(ctx, BP_ERR_USAGE, "%s: malformed key '%s'", origin ? origin : key, key);
    if (!value) value = "";
    const char *top = p[0];

    if (n == 1 || (n == 2 && strcmp(p[1], "source") == 0 &&
                   (!strcmp(top, "candidates") || !strcmp(top, "gemeenten") || !strcmp(top, "targets") ||
                    !strcmp(top, "network")))) {
        if (!strcmp(top, "network")) {
            if (!*value) { /* --network "": no network */
                free(c->network);
                c->network = NULL;
                return BP_OK;
            }
            return set_string(&c->network, value, ctx);
        }
        if (!strcmp(top, "facilities_from_osm")) {
            bp_status st = parse_bool(value, key, origin, &c->facilities_from_osm, ctx);
            return st == BP_OK && c->facilities_from_osm ? osm_defaults(c, ctx) : st;
        }
        if (!strcmp(top, "distance")) {
            if (!strcasecmp(value, "network")) c->distance_network = 1;
            else if (!strcasecmp(value, "euclidean")) c->distance_network = 0;
            else
                return bp_error(ctx, BP_ERR_USAGE, "%s: distance must be network or euclidean, not '%s'",
                                origin ? origin : key, value);
            return BP_OK;
        }
        if (!strcmp(top, "candidates")) return set_string(&c->candidates, value, ctx);
        if (!strcmp(top, "gemeenten")) return set_string(&c->gemeenten, value, ctx);
        if (!strcmp(top, "targets")) return set_string(&c->targets, value, ctx);
        if (n == 2) goto unknown_top;
        if (!strcmp(top, "output")) return set_string(&c->output, value, ctx);
        if (!strcmp(top, "crs")) return set_string(&c->crs, value, ctx);
        if (!strcmp(top, "assume_crs")) return set_string(&c->assume_crs, value, ctx);
        if (!strcmp(top, "overwrite")) return parse_bool(value, key, origin, &c->overwrite, ctx);
        if (!strcmp(top, "format")) {
            const char *f = bp_format_canonical(value);
            if (!f)
                return bp_error(ctx, BP_ERR_USAGE,
                                "%s: format must be GPKG, FlatGeobuf, GeoJSON, CSV or PostgreSQL, not '%s'",
                                origin ? origin : key, value);
            return set_string(&c->format, f, ctx);
        }
        if (!strcmp(top, "profile")) {
            int t = bp_type_parse(value);
            if (t < 0)
                return bp_error(ctx, BP_ERR_USAGE,
                                "%s: profile must be nultreden, geclusterd or zorggeschikt, not '%s'",
                                origin ? origin : key, value);
            c->profile = (bp_type)t;
            return BP_OK;
        }
        if (!strcmp(top, "radius_m"))
            return parse_number(value, 1, 100000, key, origin, &c->radius_m, ctx);
        if (!strcmp(top, "density_homes_per_ha"))
            return parse_number(value, 0.1, 1000, key, origin, &c->density, ctx);
        if (!strcmp(top, "gap_weight"))
            return parse_number(value, 0, 1, key, origin, &c->gap_weight, ctx);
        if (!strcmp(top, "threads")) {
            double v;
            bp_status st = parse_number(value, 0, 256, key, origin, &v, ctx);
            if (st == BP_OK) c->threads = (int)v;
            return st;
        }
        if (n == 1 && !strcmp(top, "facilities"))
            return bp_error(ctx, BP_ERR_USAGE, "%s: facilities needs a category, e.g. facilities.supermarkt",
                            origin ? origin : key);
    unknown_top:
        return UNKNOWN("candidates, gemeenten, targets, facilities, criteria, profiles, output, "
                       "format, overwrite, crs, assume_crs, profile, radius_m, density_homes_per_ha, "
                       "gap_weight, threads, network, distance, facilities_from_osm, osm_facilities");
    }

    if (!strcmp(top, "candidates") && n == 2) {
        if (!strcmp(p[1], "id_field")) return set_string(&c->id_field, value, ctx);
        if (!strcmp(p[1], "filter")) return set_string(&c->filter, value, ctx);
        if (!strcmp(p[1], "where")) return set_string(&c->candidates_where, value, ctx);
        return UNKNOWN("source, id_field, filter, where");
    }
    if (!strcmp(top, "osm_facilities") && n == 2) {
        if (!valid_category_name(p[1]))
            return bp_error(ctx, BP_ERR_USAGE, "%s: '%s' is not a valid category name", origin ? origin : key, p[1]);
        if (!strchr(value, '='))
            return bp_error(ctx, BP_ERR_USAGE, "%s: %s takes \"key=value, key=value\", not '%s'",
                            origin ? origin : key, key, value);
        bp_category *k = category_get(c, p[1]);
        if (!k) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (!k->source && !(k->source = bp_strdup("osm"))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        k->from_osm = !strcmp(k->source, "osm");
        return set_string(&k->osm_tags, value, ctx);
    }
    if (!strcmp(top, "network") && n == 2) {
        if (!strcmp(p[1], "profile")) {
            if (!strcasecmp(value, "walk")) c->rollator = 0;
            else if (!strcasecmp(value, "rollator")) c->rollator = 1;
            else
                return bp_error(ctx, BP_ERR_USAGE, "%s: network.profile must be walk or rollator, not '%s'",
                                origin ? origin : key, value);
            return BP_OK;
        }
        if (!strcmp(p[1], "snap_tolerance_m"))
            return parse_number(value, 0, 100000, key, origin, &c->snap_tolerance_m, ctx);
        return UNKNOWN("source, profile, snap_tolerance_m");
    }
    if (!strcmp(top, "gemeenten") && n == 2) {
        if (!strcmp(p[1], "code_field")) return set_string(&c->code_field, value, ctx);
        if (!strcmp(p[1], "name_field")) return set_string(&c->name_field, value, ctx);
        return UNKNOWN("source, code_field, name_field");
    }
    if ((!strcmp(top, "facilities") || !strcmp(top, "criteria")) && n >= 2 && n <= 3) {
        if (!valid_category_name(p[1]))
            return bp_error(ctx, BP_ERR_USAGE,
                            "%s: category '%s' must be lower-case letters, digits and _ "
                            "(at most 24), starting with a letter",
                            origin ? origin : key, p[1]);
        bp_category *k = category_get(c, p[1]);
        if (!k) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (!strcmp(top, "facilities")) {
            if (n == 2 || !strcmp(p[2], "source")) {
                k->from_osm = 0; /* a source of the user's own wins over OSM */
                return set_string(&k->source, value, ctx);
            }
            if (!strcmp(p[2], "where")) return set_string(&k->where, value, ctx);
            if (!strcmp(p[2], "name_field")) return set_string(&k->name_field, value, ctx);
            return UNKNOWN("source, where, name_field");
        }
        if (n != 3) return UNKNOWN("full_m, zero_m, knockout_m, decay");
        if (!strcmp(p[2], "full_m")) return parse_number(value, 0, 100000, key, origin, &k->full_m, ctx);
        if (!strcmp(p[2], "zero_m")) return parse_number(value, 0, 100000, key, origin, &k->zero_m, ctx);
        if (!strcmp(p[2], "knockout_m"))
            return parse_number(value, 0, 100000, key, origin, &k->knockout_m, ctx);
        if (!strcmp(p[2], "decay")) {
            if (!strcasecmp(value, "linear")) k->decay = BP_DECAY_LINEAR;
            else if (!strcasecmp(value, "logistic")) k->decay = BP_DECAY_LOGISTIC;
            else
                return bp_error(ctx, BP_ERR_USAGE, "%s: %s must be linear or logistic, not '%s'",
                                origin ? origin : key, key, value);
            return BP_OK;
        }
        return UNKNOWN("full_m, zero_m, knockout_m, decay");
    }
    if (!strcmp(top, "profiles") && n >= 3) {
        int t = bp_type_parse(p[1]);
        if (t < 0)
            return bp_error(ctx, BP_ERR_USAGE,
                            "%s: profile '%s' must be nultreden, geclusterd or zorggeschikt",
                            origin ? origin : key, p[1]);
        if (n == 3 && !strcmp(p[2], "min_homes"))
            return parse_number(value, 0, 100000, key, origin, &c->min_homes[t], ctx);
        if (n == 4 && !strcmp(p[2], "weights")) {
            if (!valid_category_name(p[3]))
                return bp_error(ctx, BP_ERR_USAGE, "%s: '%s' is not a valid category name",
                                origin ? origin : key, p[3]);
            double w;
            bp_status st = parse_number(value, 0, 1000, key, origin, &w, ctx);
            if (st != BP_OK) return st;
            bp_category *k = category_get(c, p[3]);
            if (!k) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            k->weight[t] = w;
            return BP_OK;
        }
        return UNKNOWN("min_homes, weights.<category>");
    }
    return UNKNOWN("candidates, gemeenten, targets, facilities, criteria, profiles, output, "
                   "format, overwrite, crs, assume_crs, profile, radius_m, density_homes_per_ha, "
                   "gap_weight, threads, network, distance, facilities_from_osm, osm_facilities");
}

/* ---- YAML project files ------------------------------------------------- */

/* Is the value of this key a path to resolve against the project folder? */
static int is_path_key(const char *key)
{
    static const char *const keys[] = {"candidates", "candidates.source", "gemeenten", "gemeenten.source",
                                       "targets", "targets.source", "output", "network", "network.source"};
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
        if (!strcmp(key, keys[i])) return 1;
    if (!strncmp(key, "facilities.", 11)) {
        const char *rest = key + 11, *dot = strchr(rest, '.');
        return !dot || !strcmp(dot, ".source");
    }
    return 0;
}

/* A data source spec relative to the file system (not PG:, /vsi..., URLs). */
static char *resolve_path(const char *dir, const char *v)
{
    if (!dir || !*dir || v[0] == '/' || !strncmp(v, "/vsi", 4) || strchr(v, ':') != NULL)
        return bp_strdup(v);
    return bp_strfmt("%s/%s", dir, v);
}

static bp_status load_node(bp_config *c, const bp_yaml *y, char *path, size_t pathlen,
                           const char *file, const char *dir, bp_ctx *ctx)
{
    char origin[600];
    if (y->kind == BP_YAML_SEQ) {
        snprintf(origin, sizeof origin, "%s line %d", file, y->line);
        return bp_error(ctx, BP_ERR_USAGE, "%s: %s must not be a list", origin, path[0] ? path : "the file");
    }
    if (y->kind == BP_YAML_MAP) {
        for (size_t i = 0; i < y->n; i++) {
            size_t len = strlen(path);
            int w = snprintf(path + len, pathlen - len, "%s%s", len ? "." : "", y->keys[i]);
            if (w < 0 || (size_t)w >= pathlen - len) {
                snprintf(origin, sizeof origin, "%s line %d", file, y->key_lines[i]);
                return bp_error(ctx, BP_ERR_USAGE, "%s: key path too long", origin);
            }
            bp_status st = load_node(c, y->items[i], path, pathlen, file, dir, ctx);
            path[len] = '\0';
            if (st != BP_OK) return st;
        }
        return BP_OK;
    }
    snprintf(origin, sizeof origin, "%s line %d", file, y->line);
    if (!path[0]) return bp_error(ctx, BP_ERR_USAGE, "%s: the project file must be a mapping of keys", origin);
    const char *v = y->value;
    if (y->plain && (!strcmp(v, "~") || !strcasecmp(v, "null") || !*v))
        return bp_error(ctx, BP_ERR_USAGE, "%s: %s has no value", origin, path);
    if (is_path_key(path)) {
        char *r = resolve_path(dir, v);
        if (!r) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        bp_status st = bp_config_set(c, path, r, origin, ctx);
        free(r);
        return st;
    }
    return bp_config_set(c, path, v, origin, ctx);
}

/* Loads a parsed project file; 'file' names it in messages and its folder
 * resolves relative paths. */
static bp_status load_tree(bp_config *c, bp_yaml *y, const char *file, bp_ctx *ctx)
{
    char dir[4096] = "";
    const char *slash = strrchr(file, '/');
    if (slash && (size_t)(slash - file) < sizeof dir) {
        memcpy(dir, file, (size_t)(slash - file));
        dir[slash - file] = '\0';
        if (!dir[0]) strcpy(dir, "/");
    }
    char path[512] = "";
    if (y->kind != BP_YAML_MAP)
        return bp_error(ctx, BP_ERR_USAGE, "%s line %d: the project file must be a mapping of keys", file,
                        y->line);
    return load_node(c, y, path, sizeof path, file, dir, ctx);
}

bp_status bp_config_load_yaml(bp_config *c, const char *file, bp_ctx *ctx)
{
    bp_yaml *y = bp_yaml_parse_file(file, ctx);
    if (!y) return bp_ctx_status(ctx);
    bp_status st = load_tree(c, y, file, ctx);
    bp_yaml_free(y);
    return st;
}

bp_status bp_config_load_yaml_text(bp_config *c, const char *text, size_t len, const char *name,
                                   bp_ctx *ctx)
{
    bp_yaml *y = bp_yaml_parse(text, len, name, ctx);
    if (!y) return bp_ctx_status(ctx);
    bp_status st = load_tree(c, y, name, ctx);
    bp_yaml_free(y);
    return st;
}

/* ---- validation and listing --------------------------------------------- */

bp_status bp_config_validate(const bp_config *c, bp_ctx *ctx)
{
    if (!c->candidates) return bp_error(ctx, BP_ERR_USAGE, "no candidate plots given (--candidates or candidates:)");
    if (!c->gemeenten) return bp_error(ctx, BP_ERR_USAGE, "no gemeente boundaries given (--gemeenten or gemeenten:)");
    if (!c->targets) return bp_error(ctx, BP_ERR_USAGE, "no targets CSV given (--targets or targets:)");
    if (!c->output) return bp_error(ctx, BP_ERR_USAGE, "no output given (-o or output:)");
    if (c->distance_network == 1 && !c->network)
        return bp_error(ctx, BP_ERR_USAGE, "distance: network needs a walking network (--network SRC or network:)");
    size_t nsrc = 0;
    for (size_t i = 0; i < c->ncats; i++) {
        const bp_category *k = &c->cats[i];
        if (k->from_osm && (!c->network || (!strstr(c->network, ".osm") && !strstr(c->network, ".pbf"))))
            return bp_error(ctx, BP_ERR_USAGE,
                            "facility category %s is taken from OpenStreetMap: that needs an .osm or .osm.pbf "
                            "network (--network)", k->name);
        if (!k->source)
            return bp_error(ctx, BP_ERR_USAGE,
                            "criteria or weights are set for category '%s', but no facility "
                            "layer is given for it (--facility %s=SRC or facilities.%s)",
                            k->name, k->name, k->name);
        if (!(k->full_m < k->zero_m))
            return bp_error(ctx, BP_ERR_USAGE,
                            "criteria.%s: full_m (%g) must be smaller than zero_m (%g)", k->name,
                            k->full_m, k->zero_m);
        nsrc++;
    }
    if (nsrc == 0) return bp_error(ctx, BP_ERR_USAGE, "no facility categories given (--facility CATEGORY=SRC)");
    for (int t = 0; t < BP_NTYPES; t++) {
        double sum = 0;
        for (size_t i = 0; i < c->ncats; i++) sum += c->cats[i].weight[t];
        if (!(sum > 0))
            return bp_error(ctx, BP_ERR_USAGE, "profiles.%s: the weights of the categories sum to 0",
                            bp_type_name((bp_type)t));
    }
    return BP_OK;
}

void bp_config_foreach(const bp_config *c, void (*fn)(const char *, const char *, void *), void *ud)
{
    char v[64], k[128];
#define S(key, val) fn(key, (val) ? (val) : "", ud)
#define N(key, val) (snprintf(v, sizeof v, "%.15g", (double)(val)), fn(key, v, ud))
    S("profile", bp_type_name(c->profile));
    S("crs", c->crs);
    S("assume_crs", c->assume_crs);
    S("candidates.source", c->candidates);
    S("candidates.id_field", c->id_field ? c->id_field : "(feature id)");
    S("candidates.where", c->candidates_where);
    S("candidates.filter", c->filter);
    S("gemeenten.source", c->gemeenten);
    S("gemeenten.code_field", c->code_field);
    S("gemeenten.name_field", c->name_field);
    S("targets.source", c->targets);
    N("radius_m", c->radius_m);
    N("density_homes_per_ha", c->density);
    N("gap_weight", c->gap_weight);
    N("threads", c->threads);
    for (int t = 0; t < BP_NTYPES; t++) {
        snprintf(k, sizeof k, "profiles.%s.min_homes", bp_type_name((bp_type)t));
        N(k, c->min_homes[t]);
    }
    for (size_t i = 0; i < c->ncats; i++) {
        const bp_category *q = &c->cats[i];
#define CK(suffix) (snprintf(k, sizeof k, "facilities.%s.%s", q->name, suffix), k)
        S(CK("source"), q->from_osm ? "osm (the network's OpenStreetMap file)" : q->source);
        if (q->osm_tags) S(CK("osm_tags"), q->osm_tags);
        if (q->where) S(CK("where"), q->where);
        if (q->name_field) S(CK("name_field"), q->name_field);
#undef CK
#define CK(suffix) (snprintf(k, sizeof k, "criteria.%s.%s", q->name, suffix), k)
        N(CK("full_m"), q->full_m);
        N(CK("zero_m"), q->zero_m);
        N(CK("knockout_m"), q->knockout_m);
        S(CK("decay"), q->decay == BP_DECAY_LOGISTIC ? "logistic" : "linear");
#undef CK
        for (int t = 0; t < BP_NTYPES; t++) {
            snprintf(k, sizeof k, "profiles.%s.weights.%s", bp_type_name((bp_type)t), q->name);
            N(k, q->weight[t]);
        }
    }
    S("network.source", c->network);
    S("network.profile", c->rollator ? "rollator" : "walk");
    N("network.snap_tolerance_m", c->snap_tolerance_m);
    S("distance", (c->distance_network == 1 || (c->distance_network < 0 && c->network)) ? "network" : "euclidean");
    S("output", c->output);
    S("format", bp_format_of(c));
    S("overwrite", c->overwrite ? "true" : "false");
#undef S
#undef N
}
