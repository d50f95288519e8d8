/*
 * layerdef.c — the declarative definitions of the exported layers
 * (the .yaml files of layers/, embedded at build time by scripts/embed.cmake): field
 * names (with {category}/{radius}/{type} templates), types, Dutch aliases
 * and descriptions.  Parsed once, kept for the life of the process.
 */
#include "output/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

struct bp_layerdefs {
    bp_layerdef *d;
    size_t n;
};

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
        const char *ed = scalar(f, "editable");
        fd->editable = ed && !strcmp(ed, "true");
        const bp_yaml *vals = bp_yaml_get(f, "values");
        if (vals && vals->kind == BP_YAML_SEQ) {
            fd->values = calloc(vals->n + 1, sizeof *fd->values);
            for (size_t k = 0; fd->values && k < vals->n; k++)
                fd->values[k] = bp_strdup(vals->items[k]->kind == BP_YAML_SCALAR ? vals->items[k]->value : "");
        }
    }
out:
    bp_yaml_free(y);
    return st;
}

static void def_clear(bp_layerdef *d)
{
    for (size_t i = 0; i < d->nfields; i++) {
        bp_fielddef *f = &d->fields[i];
        free(f->name);
        free(f->per);
        free(f->alias);
        free(f->description);
        for (size_t k = 0; f->values && f->values[k]; k++) free(f->values[k]);
        free(f->values);
    }
    free(d->fields);
    free(d->name);
    free(d->title);
    free(d->description);
}

void bp_layerdefs_free(bp_layerdefs *defs)
{
    if (!defs) return;
    for (size_t i = 0; i < defs->n; i++) def_clear(&defs->d[i]);
    free(defs->d);
    free(defs);
}

bp_layerdefs *bp_layerdefs_load(bp_ctx *ctx)
{
    const char *const *names = bp_embedded_names();
    size_t n = 0;
    while (names[n]) n++;
    bp_layerdefs *defs = calloc(1, sizeof *defs);
    if (defs) defs->d = calloc(n ? n : 1, sizeof *defs->d);
    if (!defs || !defs->d) {
        bp_layerdefs_free(defs);
        bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        return NULL;
    }
    for (size_t i = 0; i < n; i++) {
        defs->n++;
        if (parse_def(names[i], bp_embedded_text(names[i]), &defs->d[i], ctx) != BP_OK) {
            /* definitions are built in; a failure here is a build defect */
            bp_layerdefs_free(defs);
            return NULL;
        }
    }
    return defs;
}

const bp_layerdef *bp_layerdef_find(const bp_layerdefs *defs, const char *name)
{
    for (size_t i = 0; defs && i < defs->n; i++)
        if (defs->d[i].name && !strcmp(defs->d[i].name, name) && defs->d[i].title) return &defs->d[i];
    return NULL;
}

const bp_layerdef *bp_layerdef_get(const bp_layerdefs *defs, const char *name, bp_ctx *ctx)
{
    const bp_layerdef *d = bp_layerdef_find(defs, name);
    if (!d) bp_error(ctx, BP_ERR_NOMEM, "no layer definition '%s' in layers/", name);
    return d;
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
            if (w > 0) o += (size_t)w < size - o ? (size_t)w : size - o - 1; /* cut: the end */
            p += skip;
        } else {
            buf[o++] = *p++;
            buf[o] = '\0';
        }
    }
}
