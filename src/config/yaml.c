/*
 * yaml.c — reads YAML (libyaml's event parser) into a small tree with line
 * numbers.  Anchors and aliases are refused (project files have no use for
 * them, and they are the classic expansion bomb); depth and size are capped.
 */
#include "config/config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define YAML_MAX_DEPTH 32
#define YAML_MAX_NODES 100000
#define YAML_MAX_BYTES (16u << 20)

typedef struct {
    yaml_parser_t p;
    const char *name;
    bp_ctx *ctx;
    size_t nodes;
} ystate;

static bp_yaml *node_new(bp_yaml_kind kind, int line)
{
    bp_yaml *y = calloc(1, sizeof *y);
    if (y) {
        y->kind = kind;
        y->line = line;
    }
    return y;
}

void bp_yaml_free(bp_yaml *y)
{
    if (!y) return;
    for (size_t i = 0; i < y->n; i++) {
        if (y->keys) free(y->keys[i]);
        bp_yaml_free(y->items[i]);
    }
    free(y->keys);
    free(y->key_lines);
    free(y->items);
    free(y->value);
    free(y);
}

static int push_item(bp_yaml *y, char *key, int key_line, bp_yaml *item)
{
    if ((y->n & (y->n - 1)) == 0) { /* grow at powers of two */
        size_t cap = y->n ? y->n * 2 : 4;
        bp_yaml **it = realloc(y->items, cap * sizeof *it);
        if (!it) return -1;
        y->items = it;
        if (y->kind == BP_YAML_MAP) {
            char **k = realloc(y->keys, cap * sizeof *k);
            if (!k) return -1;
            y->keys = k;
            int *kl = realloc(y->key_lines, cap * sizeof *kl);
            if (!kl) return -1;
            y->key_lines = kl;
        }
    }
    if (y->kind == BP_YAML_MAP) {
        y->keys[y->n] = key;
        y->key_lines[y->n] = key_line;
    }
    y->items[y->n++] = item;
    return 0;
}

static int next_event(ystate *s, yaml_event_t *ev)
{
    if (!yaml_parser_parse(&s->p, ev)) {
        bp_error(s->ctx, BP_ERR_USAGE, "%s line %lu: YAML syntax error: %s%s%s", s->name,
                 (unsigned long)(s->p.problem_mark.line + 1),
                 s->p.problem ? s->p.problem : "unknown",
                 s->p.context ? " " : "", s->p.context ? s->p.context : "");
        return -1;
    }
    if (ev->type == YAML_ALIAS_EVENT ||
        (ev->type == YAML_SCALAR_EVENT && ev->data.scalar.anchor) ||
        (ev->type == YAML_MAPPING_START_EVENT && ev->data.mapping_start.anchor) ||
        (ev->type == YAML_SEQUENCE_START_EVENT && ev->data.sequence_start.anchor)) {
        bp_error(s->ctx, BP_ERR_USAGE, "%s line %lu: YAML anchors and aliases are not supported",
                 s->name, (unsigned long)(ev->start_mark.line + 1));
        yaml_event_delete(ev);
        return -1;
    }
    if (++s->nodes > YAML_MAX_NODES) {
        bp_error(s->ctx, BP_ERR_USAGE, "%s: more than %d YAML nodes", s->name, YAML_MAX_NODES);
        yaml_event_delete(ev);
        return -1;
    }
    return 0;
}

/* Parses the node whose first event is ev (consumed). */
static bp_yaml *parse_node(ystate *s, yaml_event_t *ev, int depth)
{
    int line = (int)ev->start_mark.line + 1;
    if (depth > YAML_MAX_DEPTH) {
        bp_error(s->ctx, BP_ERR_USAGE, "%s line %d: YAML nested deeper than %d levels", s->name,
                 line, YAML_MAX_DEPTH);
        yaml_event_delete(ev);
        return NULL;
    }
    if (ev->type == YAML_SCALAR_EVENT) {
        bp_yaml *y = node_new(BP_YAML_SCALAR, line);
        if (y) {
            y->value = malloc(ev->data.scalar.length + 1);
            if (y->value) {
                memcpy(y->value, ev->data.scalar.value, ev->data.scalar.length);
                y->value[ev->data.scalar.length] = '\0';
            }
            y->plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;
        }
        yaml_event_delete(ev);
        if (!y || !y->value) {
            bp_yaml_free(y);
            bp_error(s->ctx, BP_ERR_NOMEM, "out of memory reading %s", s->name);
            return NULL;
        }
        return y;
    }
    int is_map = ev->type == YAML_MAPPING_START_EVENT;
    if (!is_map && ev->type != YAML_SEQUENCE_START_EVENT) {
        bp_error(s->ctx, BP_ERR_USAGE, "%s line %d: unexpected YAML content", s->name, line);
        yaml_event_delete(ev);
        return NULL;
    }
    yaml_event_delete(ev);
    bp_yaml *y = node_new(is_map ? BP_YAML_MAP : BP_YAML_SEQ, line);
    if (!y) {
        bp_error(s->ctx, BP_ERR_NOMEM, "out of memory reading %s", s->name);
        return NULL;
    }
    for (;;) {
        yaml_event_t e;
        if (next_event(s, &e) < 0) goto fail;
        if (e.type == YAML_MAPPING_END_EVENT || e.type == YAML_SEQUENCE_END_EVENT) {
            yaml_event_delete(&e);
            return y;
        }
        char *key = NULL;
        int key_line = 0;
        if (is_map) {
            key_line = (int)e.start_mark.line + 1;
            if (e.type != YAML_SCALAR_EVENT) {
                bp_error(s->ctx, BP_ERR_USAGE, "%s line %d: a key must be plain text", s->name,
                         key_line);
                yaml_event_delete(&e);
                goto fail;
            }
            key = malloc(e.data.scalar.length + 1);
            if (!key) {
                yaml_event_delete(&e);
                bp_error(s->ctx, BP_ERR_NOMEM, "out of memory reading %s", s->name);
                goto fail;
            }
            memcpy(key, e.data.scalar.value, e.data.scalar.length);
            key[e.data.scalar.length] = '\0';
            yaml_event_delete(&e);
            for (size_t i = 0; i < y->n; i++)
                if (strcmp(y->keys[i], key) == 0) {
                    bp_error(s->ctx, BP_ERR_USAGE, "%s line %d: key '%s' appears twice (first on line %d)",
                             s->name, key_line, key, y->key_lines[i]);
                    free(key);
                    goto fail;
                }
            if (next_event(s, &e) < 0) {
                free(key);
                goto fail;
            }
        }
        bp_yaml *item = parse_node(s, &e, depth + 1);
        if (!item || push_item(y, key, key_line, item) < 0) {
            if (item) bp_error(s->ctx, BP_ERR_NOMEM, "out of memory reading %s", s->name);
            free(key);
            bp_yaml_free(item);
            goto fail;
        }
    }
fail:
    bp_yaml_free(y);
    return NULL;
}

bp_yaml *bp_yaml_parse(const char *text, size_t len, const char *name, bp_ctx *ctx)
{
    ystate s = {.name = name, .ctx = ctx};
    if (!yaml_parser_initialize(&s.p)) {
        bp_error(ctx, BP_ERR_NOMEM, "cannot initialise the YAML parser");
        return NULL;
    }
    yaml_parser_set_input_string(&s.p, (const unsigned char *)text, len);
    bp_yaml *root = NULL;
    yaml_event_t ev;
    /* stream start, document start (or stream end for an empty file) */
    if (next_event(&s, &ev) < 0) goto out;
    yaml_event_delete(&ev);
    if (next_event(&s, &ev) < 0) goto out;
    if (ev.type == YAML_STREAM_END_EVENT) {
        yaml_event_delete(&ev);
        root = node_new(BP_YAML_MAP, 1); /* empty file: empty mapping */
        goto out;
    }
    yaml_event_delete(&ev);
    if (next_event(&s, &ev) < 0) goto out;
    root = parse_node(&s, &ev, 0);
    if (!root) goto out;
    if (next_event(&s, &ev) < 0) goto bad; /* document end */
    yaml_event_delete(&ev);
    if (next_event(&s, &ev) < 0) goto bad;
    if (ev.type != YAML_STREAM_END_EVENT) {
        bp_error(ctx, BP_ERR_USAGE, "%s line %lu: only one YAML document is allowed", name,
                 (unsigned long)(ev.start_mark.line + 1));
        yaml_event_delete(&ev);
        goto bad;
    }
    yaml_event_delete(&ev);
    goto out;
bad:
    bp_yaml_free(root);
    root = NULL;
out:
    yaml_parser_delete(&s.p);
    return root;
}

bp_yaml *bp_yaml_parse_file(const char *path, bp_ctx *ctx)
{
    FILE *f = fopen(path, "rb");
    if (!f) {
        bp_error(ctx, BP_ERR_USAGE, "%s: cannot open: %s", path, strerror(errno));
        return NULL;
    }
    char *buf = NULL;
    size_t len = 0, cap = 0;
    for (;;) {
        if (len == cap) {
            cap = cap ? cap * 2 : 8192;
            if (cap > YAML_MAX_BYTES + 1) {
                free(buf);
                fclose(f);
                bp_error(ctx, BP_ERR_USAGE, "%s: larger than %u MiB, not a project file", path,
                         YAML_MAX_BYTES >> 20);
                return NULL;
            }
            char *nb = realloc(buf, cap);
            if (!nb) {
                free(buf);
                fclose(f);
                bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
                return NULL;
            }
            buf = nb;
        }
        size_t got = fread(buf + len, 1, cap - len, f);
        len += got;
        if (got == 0) break;
    }
    int err = ferror(f);
    fclose(f);
    if (err) {
        free(buf);
        bp_error(ctx, BP_ERR_USAGE, "%s: read error", path);
        return NULL;
    }
    bp_yaml *y = bp_yaml_parse(buf, len, path, ctx);
    free(buf);
    return y;
}

const bp_yaml *bp_yaml_get(const bp_yaml *map, const char *key)
{
    if (!map || map->kind != BP_YAML_MAP) return NULL;
    for (size_t i = 0; i < map->n; i++)
        if (strcmp(map->keys[i], key) == 0) return map->items[i];
    return NULL;
}
