/*
 * layerdef.c — the declarative definitions of the exported layers
 * (the .yaml files of layers/, embedded at build time by scripts/embed.cmake): field
 * names (with {category}/{radius}/{type} templates), types, Dutch aliases
 * and descriptions.  Parsed once, kept for the life of the process.
 */
#include "bp_internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

extern const size_t bp_layerdef_count;
extern const char *const bp_layerdef_names[];
extern const char *const bp_layerdef_texts[];

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static bp_layerdef *defs; /* bp_layerdef_count entries once parsed */

static const char *scalar(const bp_yaml *map, const char *key)
{
    const bp_yaml *v = bp_yaml_get(map, key);
    return v && v->kind == BP_YAML_SCALAR ? v->value : NULL;
}

static bp_status parse_def(const char *name, const char *text, bp_layerdef *d, bp_ctx *ctx)
{
    char origin[64];
    snprintf(origin, sizeof origin, "layers/%s.yaml", name);
    bp_yaml *y = bp_yaml_parse(text, strlen(text), origin, ctx);
    if (!y) return bp_ctx_status(ctx);
    bp_status st = BP_OK;
    const bp_yaml *fields = bp_yaml_get(y, "fields");
    d->name = bp_strdup(name);
    if (!bp_yaml_get(y, "layer")) { /* another declarative file in layers/, not a layer */
        bp_yaml_free(y);
        return BP_OK;
    }
    d->title = bp_strdup(scalar(y, "title") ? scalar(y, "title") : name);
    d->description = bp_strdup(scalar(y, "description") ? scalar(y, "description") : "");
    if (!fields || fields->kind != BP_YAML_SEQ) {
        st = bp_error(ctx, BP_ERR_NOMEM, "%s: no list of fields", origin);
        goto out;
    }
    d->fields = calloc(fields->n, sizeof *d->fields);
    if (!d->fields) {
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        goto out;
    }
    for (size_t i = 0; i < fields->n; i++) {
        const bp_yaml *f = fields->items[i];
        const char *fname = scalar(f, "name"), *type = scalar(f, "type"), *per = scalar(f, "per");
        bp_fielddef *fd = &d->fields[d->nfields++];
        if (!fname || !type) {
            st = bp_error(ctx, BP_ERR_NOMEM, "%s line %d: a field needs name and type", origin, f->line);
            goto out;
        }
        if (!strcmp(type, "integer")) fd->type = BP_FT_INTEGER;
        else if (!strcmp(type, "real")) fd->type = BP_FT_REAL;
        else if (!strcmp(type, "string")) fd->type = BP_FT_STRING;
        else if (!strcmp(type, "boolean")) fd->type = BP_FT_BOOLEAN;
        else if (!strcmp(type, "datetime")) fd->type = BP_FT_DATETIME;
        else {
            st = bp_error(ctx, BP_ERR_NOMEM, "%s line %d: unknown type '%s'", origin, f->line, type);
            goto out;
        }
        fd->name = bp_strdup(fname);
        fd->per = per ? bp_strdup(per) : NULL;
        fd->alias = bp_strdup(scalar(f, "alias") ? scalar(f, "alias") : fname);
        fd->description = bp_strdup(scalar(f, "description") ? scalar(f, "description") : "");
    }
out:
    bp_yaml_free(y);
    return st;
}

const bp_layerdef *bp_layerdef_get(const char *name, bp_ctx *ctx)
{
    pthread_mutex_lock(&lock);
    if (!defs) {
        bp_layerdef *d = calloc(bp_layerdef_count, sizeof *d);
        bp_status st = d ? BP_OK : bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        for (size_t i = 0; st == BP_OK && i < bp_layerdef_count; i++)
            st = parse_def(bp_layerdef_names[i], bp_layerdef_texts[i], &d[i], ctx);
        if (st == BP_OK) defs = d;
        else {
            /* definitions are built in; a failure here is a build defect */
            free(d);
        }
    }
    pthread_mutex_unlock(&lock);
    if (!defs) return NULL;
    for (size_t i = 0; i < bp_layerdef_count; i++)
        if (!strcmp(defs[i].name, name)) return &defs[i];
    bp_error(ctx, BP_ERR_NOMEM, "no layer definition '%s' in layers/", name);
    return NULL;
}

const bp_layerdef *bp_layerdef_find(const char *name)
{
    bp_ctx *tmp = bp_ctx_new();
    if (!tmp) return NULL;
    const bp_layerdef *d = bp_layerdef_get(name, tmp);
    bp_ctx_free(tmp);
    return d;
}

const char *bp_layerdef_text(const char *name)
{
    for (size_t i = 0; i < bp_layerdef_count; i++)
        if (!strcmp(bp_layerdef_names[i], name)) return bp_layerdef_texts[i];
    return NULL;
}

void bp_layerdef_expand(const char *tmpl, const char *category, int radius, const char *type,
                        char *buf, size_t size)
{
    size_t o = 0;
    buf[0] = '\0';
    for (const char *p = tmpl; *p && o + 1 < size;) {
        const char *rep = NULL;
        char num[16];
        size_t skip = 0;
        if (!strncmp(p, "{category}", 10)) rep = category, skip = 10;
        else if (!strncmp(p, "{type}", 6)) rep = type, skip = 6;
        else if (!strncmp(p, "{radius}", 8)) {
            snprintf(num, sizeof num, "%d", radius);
            rep = num;
            skip = 8;
        }
        if (skip) {
            int w = snprintf(buf + o, size - o, "%s", rep ? rep : "");
            o += (w > 0 && (size_t)w < size - o) ? (size_t)w : 0;
            p += skip;
        } else {
            buf[o++] = *p++;
            buf[o] = '\0';
        }
    }
}
