/*
 * config.c — the configuration object: creation with every documented
 * default (from the key table), the facility categories, the checks
 * across keys, and the effective output format and distance mode.
 */
#include "config/config.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bp_config *bp_config_new(void)
{
    bp_config *c = calloc(1, sizeof *c);
    if (!c) return NULL;
    bp_ctx *ctx = bp_ctx_new();
    if (!ctx || bp_keys_defaults(c, ctx) != BP_OK) {
        bp_ctx_free(ctx);
        bp_config_free(c);
        return NULL;
    }
    bp_ctx_free(ctx);
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
    free(c->capacity_field);
    free(c->levels_field);
    free(c->gemeenten);
    free(c->code_field);
    free(c->name_field);
    free(c->targets);
    for (size_t i = 0; i < c->ncats; i++) category_clear(&c->cats[i]);
    free(c->cats);
    free(c->crs);
    free(c->assume_crs);
    free(c->output);
    free(c->decisions_from);
    free(c->network);
    free(c->network_rules);
    free(c->network_override);
    free(c->network_costs);
    free(c);
}

const bp_category *bp_config_category(const bp_config *cfg, const char *name)
{
    for (size_t i = 0; i < cfg->ncats; i++)
        if (strcmp(cfg->cats[i].name, name) == 0) return &cfg->cats[i];
    return NULL;
}

const char *bp_config_output(const bp_config *cfg) { return cfg ? cfg->output : NULL; }

int bp_config_valid_category(const char *s)
{
    size_t n = strlen(s);
    if (n == 0 || n > 24 || !islower((unsigned char)s[0])) return 0;
    for (size_t i = 0; i < n; i++)
        if (!(islower((unsigned char)s[i]) || isdigit((unsigned char)s[i]) || s[i] == '_')) return 0;
    return 1;
}

bp_category *bp_config_category_get(bp_config *c, const char *name)
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
    bp_keys_category_defaults(name, &k->crit);
    c->ncats++;
    return k;
}

bp_status bp_config_osm_defaults(bp_config *c, bp_ctx *ctx)
{
    const char *text = bp_embedded_text("osm_facilities");
    bp_yaml *y = text ? bp_yaml_parse(text, strlen(text), "layers/osm_facilities.yaml", ctx) : NULL;
    const bp_yaml *cats = y ? bp_yaml_get(y, "categories") : NULL;
    if (!cats || cats->kind != BP_YAML_MAP) {
        bp_yaml_free(y);
        return bp_error(ctx, BP_ERR_NOMEM, "layers/osm_facilities.yaml: no categories (a build defect)");
    }
    bp_status st = BP_OK;
    for (size_t i = 0; i < cats->n && st == BP_OK; i++) {
        bp_category *k = bp_config_category_get(c, cats->keys[i]);
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

bp_format bp_config_format(const bp_config *c)
{
    return c->format != BP_FMT_AUTO ? (bp_format)c->format : bp_format_of_output(c->output);
}

int bp_config_use_network(const bp_config *c)
{
    return c->distance == BP_DIST_NETWORK || (c->distance == BP_DIST_AUTO && c->network);
}

/* ---- validation and listing --------------------------------------------- */

bp_status bp_config_validate(const bp_config *c, bp_ctx *ctx)
{
    if (!c->candidates) return bp_error(ctx, BP_ERR_USAGE, "no candidate plots given (--candidates or candidates:)");
    if (!c->gemeenten) return bp_error(ctx, BP_ERR_USAGE, "no gemeente boundaries given (--gemeenten or gemeenten:)");
    if (!c->targets) return bp_error(ctx, BP_ERR_USAGE, "no targets CSV given (--targets or targets:)");
    if (!c->output) return bp_error(ctx, BP_ERR_USAGE, "no output given (-o or output:)");
    if (c->distance == BP_DIST_NETWORK && !c->network)
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
        if (!(k->crit.full_m < k->crit.zero_m))
            return bp_error(ctx, BP_ERR_USAGE,
                            "criteria.%s: full_m (%g) must be smaller than zero_m (%g)", k->name,
                            k->crit.full_m, k->crit.zero_m);
        nsrc++;
    }
    if (nsrc == 0) return bp_error(ctx, BP_ERR_USAGE, "no facility categories given (--facility CATEGORY=SRC)");
    for (int t = 0; t < BP_NTYPES; t++) {
        double sum = 0;
        for (size_t i = 0; i < c->ncats; i++) sum += c->cats[i].crit.weight[t];
        if (!(sum > 0))
            return bp_error(ctx, BP_ERR_USAGE, "profiles.%s: the weights of the categories sum to 0",
                            bp_type_name((bp_type)t));
    }
    return BP_OK;
}

