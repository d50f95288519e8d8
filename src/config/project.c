/*
 * project.c — project files: a YAML mapping whose key paths are the keys
 * of the key table ("candidates.source", "criteria.supermarkt.full_m"),
 * with relative paths resolved against the project file's folder.  Errors
 * name the file and line.
 */
#include "config/config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- YAML project files ------------------------------------------------- */

/* A data source spec relative to the file system (not PG:, /vsi..., URLs),
 * resolved against dir; an empty value stays empty (it unsets the key). */
static char *resolve_path(const char *dir, const char *v)
{
    if (!*v || !dir || !*dir || v[0] == '/' || !strncmp(v, "/vsi", 4) || strchr(v, ':') != NULL)
        return bp_strdup(v);
    return bp_strfmt("%s%s%s", dir, dir[strlen(dir) - 1] == '/' ? "" : "/", v);
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
    if (bp_keys_is_path(path)) {
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

