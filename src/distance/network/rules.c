/*
 * rules.c — walkability rules as data: layers/walkability.yaml (built in),
 * or a file of the project's own that replaces it or, with
 * `extends: builtin`, changes it.  The rules are compiled once: every tag
 * key they read is interned, so evaluating a way is one pass over its tags
 * (bp_rules_bind) and a few comparisons per rule.  The format is described
 * at the top of layers/walkability.yaml.
 */
#include "distance/network/network.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config/config.h"

enum { C_VALUES = 0, C_ABSENT = 1, C_PRESENT = 2 };
enum { S_WAY = 0, S_FLAG = 1, S_NODE = 2, S_AREA = 3, NSECT = 4 };
static const char *const section_key[NSECT] = {"way_rules", "flag_rules", "node_rules", "areas"};
static const char *const section_word[NSECT] = {"a way rule", "a flag rule", "a node rule", "an area rule"};

typedef struct {
    char *key;
    size_t k;       /* index in keys */
    int kind;       /* C_* */
    char **vals;
    size_t nval;
} cond;

typedef struct {
    char *id;
    cond *ifc, *unl;
    size_t nif, nunl;
    int walk;       /* BP_WALK_*, -1: none */
    char **fnames;  /* until interned */
    size_t nfn;
    unsigned flags;
} rule;

typedef struct {
    rule *r;
    size_t n, cap;
} rulelist;

typedef struct {
    char *name;
    char *flag[BP_MAX_FLAGS * 2];
    double factor[BP_MAX_FLAGS * 2];
    int line[BP_MAX_FLAGS * 2];
    size_t n;
} profile;

struct bp_rules {
    rulelist sect[NSECT];
    char **keys;    /* sorted */
    size_t nkeys;
    char *flags[BP_MAX_FLAGS];
    int nflags;
    profile *prof;
    size_t nprof;
    double fac[BP_MAX_FLAGS];   /* chosen profile */
    double table[256];
    unsigned char block[256];
    char *source;
};

/* ---- freeing ----------------------------------------------------------------- */

static void cond_clear(cond *c)
{
    free(c->key);
    for (size_t i = 0; i < c->nval; i++) free(c->vals[i]);
    free(c->vals);
}

static void rule_clear(rule *r)
{
    free(r->id);
    for (size_t i = 0; i < r->nif; i++) cond_clear(&r->ifc[i]);
    for (size_t i = 0; i < r->nunl; i++) cond_clear(&r->unl[i]);
    free(r->ifc);
    free(r->unl);
    for (size_t i = 0; i < r->nfn; i++) free(r->fnames[i]);
    free(r->fnames);
}

static void profile_clear(profile *p)
{
    free(p->name);
    for (size_t i = 0; i < p->n; i++) free(p->flag[i]);
}

void bp_rules_free(bp_rules *r)
{
    if (!r) return;
    for (int s = 0; s < NSECT; s++) {
        for (size_t i = 0; i < r->sect[s].n; i++) rule_clear(&r->sect[s].r[i]);
        free(r->sect[s].r);
    }
    for (size_t i = 0; i < r->nkeys; i++) free(r->keys[i]);
    free(r->keys);
    for (int i = 0; i < r->nflags; i++) free(r->flags[i]);
    for (size_t i = 0; i < r->nprof; i++) profile_clear(&r->prof[i]);
    free(r->prof);
    free(r->source);
    free(r);
}

/* ---- parsing --------------------------------------------------------------------- */

typedef struct {
    const char *file;
    bp_ctx *ctx;
} pctx;

static bp_status perr(const pctx *p, int line, const char *fmt, const char *a, const char *b)
{
    char msg[512];
    snprintf(msg, sizeof msg, fmt, a ? a : "", b ? b : "");
    return bp_error(p->ctx, BP_ERR_USAGE, "%s line %d: %s", p->file, line, msg);
}

static const char *scalar(const bp_yaml *y) { return y && y->kind == BP_YAML_SCALAR ? y->value : NULL; }

static int valid_id(const char *s)
{
    if (!*s) return 0;
    for (; *s; s++)
        if (!(islower((unsigned char)*s) || isdigit((unsigned char)*s) || *s == '_')) return 0;
    return 1;
}

static bp_status parse_conds(const pctx *p, const bp_yaml *m, const char *what, cond **out, size_t *nout)
{
    if (m->kind != BP_YAML_MAP) return perr(p, m->line, "%s must be a map of tag: value", what, NULL);
    cond *c = calloc(m->n ? m->n : 1, sizeof *c);
    if (!c) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
    *out = c;
    for (size_t i = 0; i < m->n; i++) {
        const bp_yaml *v = m->items[i];
        cond *k = &c[(*nout)++];
        if (!(k->key = bp_strdup(m->keys[i]))) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
        if (v->kind == BP_YAML_MAP) return perr(p, v->line, "%s: tag %s: a value or a list of values", what, m->keys[i]);
        if (v->kind == BP_YAML_SCALAR && v->plain && (!strcmp(v->value, "~") || !strcmp(v->value, "null") || !*v->value)) {
            k->kind = C_ABSENT;
            continue;
        }
        if (v->kind == BP_YAML_SCALAR && !strcmp(v->value, "*")) {
            k->kind = C_PRESENT;
            continue;
        }
        size_t nv = v->kind == BP_YAML_SEQ ? v->n : 1;
        if (nv == 0) return perr(p, v->line, "%s: tag %s: an empty list matches nothing", what, m->keys[i]);
        if (!(k->vals = calloc(nv, sizeof *k->vals))) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
        for (size_t j = 0; j < nv; j++) {
            const char *s = v->kind == BP_YAML_SEQ ? scalar(v->items[j]) : v->value;
            if (!s) return perr(p, v->line, "%s: tag %s: values must be text", what, m->keys[i]);
            if (!(k->vals[k->nval++] = bp_strdup(s))) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
        }
    }
    return BP_OK;
}

static bp_status parse_rule(const pctx *p, int sect, const bp_yaml *y, rule *r)
{
    memset(r, 0, sizeof *r);
    r->walk = -1;
    if (y->kind != BP_YAML_MAP) return perr(p, y->line, "%s must be a map (id, if, ...)", section_word[sect], NULL);
    for (size_t i = 0; i < y->n; i++) {
        const char *k = y->keys[i];
        const bp_yaml *v = y->items[i];
        bp_status st = BP_OK;
        if (!strcmp(k, "id")) {
            const char *s = scalar(v);
            if (!s || !valid_id(s)) return perr(p, v->line, "id: lower-case letters, digits and _, not '%s'", s ? s : "", NULL);
            if (!(r->id = bp_strdup(s))) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
        } else if (!strcmp(k, "name")) {
            if (!scalar(v)) return perr(p, v->line, "name must be text", NULL, NULL);
        } else if (!strcmp(k, "if")) {
            st = parse_conds(p, v, "if", &r->ifc, &r->nif);
        } else if (!strcmp(k, "unless")) {
            st = parse_conds(p, v, "unless", &r->unl, &r->nunl);
        } else if (!strcmp(k, "walk") && sect == S_WAY) {
            const char *s = scalar(v);
            r->walk = !s ? -2 : !strcmp(s, "yes") ? BP_WALK_YES : !strcmp(s, "no") ? BP_WALK_NO
                    : !strcmp(s, "endpoint") ? BP_WALK_ENDPOINT : -2;
            if (r->walk == -2) return perr(p, v->line, "walk must be \"yes\", \"no\" or endpoint, not '%s'", s ? s : "", NULL);
        } else if (!strcmp(k, "flags") && sect != S_AREA) {
            if (v->kind != BP_YAML_SEQ) return perr(p, v->line, "flags must be a list, e.g. [rough]", NULL, NULL);
            if (!(r->fnames = calloc(v->n ? v->n : 1, sizeof *r->fnames))) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
            for (size_t j = 0; j < v->n; j++) {
                const char *s = scalar(v->items[j]);
                if (!s || !valid_id(s)) return perr(p, v->line, "flags: lower-case names, not '%s'", s ? s : "", NULL);
                if (!(r->fnames[r->nfn++] = bp_strdup(s))) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
            }
        } else {
            return perr(p, y->key_lines[i], "%s has no key '%s'", section_word[sect], k);
        }
        if (st != BP_OK) return st;
    }
    if (!r->id) return perr(p, y->line, "%s needs an id", section_word[sect], NULL);
    if (sect == S_WAY && r->walk < 0) return perr(p, y->line, "way rule %s needs walk: \"yes\", \"no\" or endpoint", r->id, NULL);
    if ((sect == S_FLAG || sect == S_NODE) && r->nfn == 0) return perr(p, y->line, "%s needs flags", r->id, NULL);
    if (sect == S_AREA && r->nif == 0) return perr(p, y->line, "area rule %s needs if", r->id, NULL);
    return BP_OK;
}

static rule *find_rule(rulelist *l, const char *id)
{
    for (size_t i = 0; i < l->n; i++)
        if (!strcmp(l->r[i].id, id)) return &l->r[i];
    return NULL;
}

/* Inserts r at position pos of l (taking it); 0 or -1. */
static int insert_rule(rulelist *l, size_t pos, rule *r)
{
    if (l->n == l->cap) {
        size_t nc = l->cap ? l->cap * 2 : 16;
        rule *nr = realloc(l->r, nc * sizeof *nr);
        if (!nr) return -1;
        l->r = nr;
        l->cap = nc;
    }
    memmove(&l->r[pos + 1], &l->r[pos], (l->n - pos) * sizeof *l->r);
    l->r[pos] = *r;
    l->n++;
    return 0;
}

static profile *find_profile(bp_rules *R, const char *name)
{
    for (size_t i = 0; i < R->nprof; i++)
        if (!strcmp(R->prof[i].name, name)) return &R->prof[i];
    return NULL;
}

/* "no" -> INFINITY, a number > 0 -> it; else -1. */
static double parse_factor(const char *s)
{
    if (!s) return -1;
    if (!strcmp(s, "no")) return INFINITY;
    char *end;
    double v = strtod(s, &end);
    while (*end == ' ') end++;
    return end != s && !*end && isfinite(v) && v > 0 ? v : -1;
}

static bp_status set_profile_flag(bp_rules *R, profile *pf, const char *flag, double f, int line, bp_ctx *ctx)
{
    for (size_t i = 0; i < pf->n; i++)
        if (!strcmp(pf->flag[i], flag)) {
            pf->factor[i] = f;
            pf->line[i] = line;
            return BP_OK;
        }
    if (pf->n == BP_MAX_FLAGS * 2) return bp_error(ctx, BP_ERR_USAGE, "%s: profile %s: too many flags", R->source, pf->name);
    if (!(pf->flag[pf->n] = bp_strdup(flag))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    pf->factor[pf->n] = f;
    pf->line[pf->n++] = line;
    return BP_OK;
}

static bp_status parse_profiles(const pctx *p, bp_rules *R, const bp_yaml *y)
{
    if (y->kind != BP_YAML_MAP) return perr(p, y->line, "profiles must be a map of profile: {flag: factor}", NULL, NULL);
    for (size_t i = 0; i < y->n; i++) {
        const bp_yaml *m = y->items[i];
        if (m->kind != BP_YAML_MAP) return perr(p, m->line, "profile %s must be a map of flag: factor", y->keys[i], NULL);
        profile *pf = find_profile(R, y->keys[i]);
        if (!pf) {
            profile *np = realloc(R->prof, (R->nprof + 1) * sizeof *np);
            if (!np) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
            R->prof = np;
            pf = &R->prof[R->nprof++];
            memset(pf, 0, sizeof *pf);
            if (!(pf->name = bp_strdup(y->keys[i]))) return bp_error(p->ctx, BP_ERR_NOMEM, "out of memory");
        }
        for (size_t j = 0; j < m->n; j++) {
            double f = parse_factor(scalar(m->items[j]));
            if (f < 0)
                return perr(p, m->items[j]->line, "profile %s: a factor above 0 or \"no\" (impassable) for each flag", pf->name, NULL);
            bp_status st = set_profile_flag(R, pf, m->keys[j], f, m->items[j]->line, p->ctx);
            if (st != BP_OK) return st;
        }
    }
    return BP_OK;
}

/* Reads one rules file into R: replacing (R empty) or, for a file that
 * extends the built-in rules, merging (see the top of the file). */
static bp_status parse_file(bp_rules *R, const bp_yaml *y, const char *file, int merging, bp_ctx *ctx)
{
    pctx p = {file, ctx};
    if (y->kind != BP_YAML_MAP) return perr(&p, y->line, "a rules file is a map (way_rules, flag_rules, ...)", NULL, NULL);
    size_t way_insert = 0; /* user way rules go before the built-in ones, in their order */
    for (size_t i = 0; i < y->n; i++) {
        const char *k = y->keys[i];
        const bp_yaml *v = y->items[i];
        int sect = -1;
        for (int s = 0; s < NSECT; s++)
            if (!strcmp(k, section_key[s])) sect = s;
        if (!strcmp(k, "version")) {
            if (!scalar(v) || strcmp(scalar(v), "1")) return perr(&p, v->line, "version must be 1", NULL, NULL);
            continue;
        }
        if (!strcmp(k, "extends")) continue; /* handled by the caller */
        if (!strcmp(k, "profiles")) {
            bp_status st = parse_profiles(&p, R, v);
            if (st != BP_OK) return st;
            continue;
        }
        if (sect < 0)
            return perr(&p, y->key_lines[i], "unknown key '%s' (known: version, extends, way_rules, flag_rules, node_rules, areas, profiles)", k, NULL);
        if (v->kind != BP_YAML_SEQ) return perr(&p, v->line, "%s must be a list of rules", k, NULL);
        rulelist *l = &R->sect[sect];
        size_t first_new = l->n;
        for (size_t j = 0; j < v->n; j++) {
            rule r;
            bp_status st = parse_rule(&p, sect, v->items[j], &r);
            if (st != BP_OK) {
                rule_clear(&r);
                return st;
            }
            rule *old = find_rule(l, r.id);
            if (old && (!merging || old >= l->r + first_new)) {
                rule_clear(&r);
                return perr(&p, v->items[j]->line, "two rules with id %s", old->id, NULL);
            }
            if (old) { /* replaces the built-in rule of that id, in its place */
                rule_clear(old);
                *old = r;
                continue;
            }
            size_t pos = sect == S_WAY && merging ? way_insert++ : l->n;
            if (insert_rule(l, pos, &r) < 0) {
                rule_clear(&r);
                return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            }
            if (pos < first_new) first_new++;
        }
    }
    return BP_OK;
}

/* ---- compiling -------------------------------------------------------------------- */

static int cmp_str(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

static long key_index(const bp_rules *R, const char *key)
{
    size_t lo = 0, hi = R->nkeys;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int c = strcmp(R->keys[mid], key);
        if (!c) return (long)mid;
        if (c < 0) lo = mid + 1;
        else hi = mid;
    }
    return -1;
}

static int flag_bit(const bp_rules *R, const char *name)
{
    for (int i = 0; i < R->nflags; i++)
        if (!strcmp(R->flags[i], name)) return i;
    return -1;
}

/* Interns the tag keys of every condition: R->keys sorted and unique,
 * each condition's index into it. */
static bp_status intern(bp_rules *R, bp_ctx *ctx)
{
    size_t nk = 0;
    for (int s = 0; s < NSECT; s++)
        for (size_t i = 0; i < R->sect[s].n; i++) nk += R->sect[s].r[i].nif + R->sect[s].r[i].nunl;
    R->keys = calloc(nk ? nk : 1, sizeof *R->keys);
    if (!R->keys) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    for (int s = 0; s < NSECT; s++)
        for (size_t i = 0; i < R->sect[s].n; i++) {
            rule *r = &R->sect[s].r[i];
            for (size_t j = 0; j < r->nif + r->nunl; j++) {
                cond *c = j < r->nif ? &r->ifc[j] : &r->unl[j - r->nif];
                if (!(R->keys[R->nkeys] = bp_strdup(c->key))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
                R->nkeys++;
            }
        }
    qsort(R->keys, R->nkeys, sizeof *R->keys, cmp_str);
    size_t u = 0;
    for (size_t i = 0; i < R->nkeys; i++) {
        if (u && !strcmp(R->keys[u - 1], R->keys[i])) free(R->keys[i]);
        else R->keys[u++] = R->keys[i];
    }
    R->nkeys = u;
    for (int s = 0; s < NSECT; s++)
        for (size_t i = 0; i < R->sect[s].n; i++) {
            rule *r = &R->sect[s].r[i];
            for (size_t j = 0; j < r->nif + r->nunl; j++) {
                cond *c = j < r->nif ? &r->ifc[j] : &r->unl[j - r->nif];
                c->k = (size_t)key_index(R, c->key);
            }
        }
    return BP_OK;
}

static bp_status intern_flags(bp_rules *R, bp_ctx *ctx)
{
    for (int s = 0; s < NSECT; s++)
        for (size_t i = 0; i < R->sect[s].n; i++) {
            rule *r = &R->sect[s].r[i];
            r->flags = 0;
            for (size_t j = 0; j < r->nfn; j++) {
                int b = flag_bit(R, r->fnames[j]);
                if (b < 0) {
                    if (R->nflags == BP_MAX_FLAGS)
                        return bp_error(ctx, BP_ERR_USAGE, "%s: at most %d different flags", R->source, BP_MAX_FLAGS);
                    if (!(R->flags[R->nflags] = bp_strdup(r->fnames[j]))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
                    b = R->nflags++;
                }
                r->flags |= 1u << b;
            }
        }
    return BP_OK;
}

/* ---- overrides --------------------------------------------------------------------- */

/* Calls fn(name, value) for each "name=value" of a comma-separated list;
 * returns the first non-OK status. */
static bp_status each_pair(const char *text, const char *key, bp_rules *R,
                           bp_status (*fn)(bp_rules *, const char *, const char *, const char *, bp_ctx *), bp_ctx *ctx)
{
    if (!text) return BP_OK;
    char *copy = bp_strdup(text);
    if (!copy) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_status st = BP_OK;
    for (char *save = NULL, *tok = strtok_r(copy, ",", &save); tok && st == BP_OK; tok = strtok_r(NULL, ",", &save)) {
        while (*tok == ' ') tok++;
        char *end = tok + strlen(tok);
        while (end > tok && end[-1] == ' ') *--end = '\0';
        if (!*tok) continue;
        char *eq = strchr(tok, '=');
        if (!eq || eq == tok || !eq[1]) {
            st = bp_error(ctx, BP_ERR_USAGE, "%s: '%s' is not name=value", key, tok);
            break;
        }
        *eq = '\0';
        char *ne = eq;
        while (ne > tok && ne[-1] == ' ') *--ne = '\0';
        const char *val = eq + 1;
        while (*val == ' ') val++;
        st = fn(R, key, tok, val, ctx);
    }
    free(copy);
    return st;
}

static bp_status apply_override(bp_rules *R, const char *key, const char *id, const char *val, bp_ctx *ctx)
{
    for (int s = 0; s < NSECT; s++) {
        rulelist *l = &R->sect[s];
        rule *r = find_rule(l, id);
        if (!r) continue;
        if (!strcmp(val, "off")) {
            size_t i = (size_t)(r - l->r);
            rule_clear(r);
            memmove(&l->r[i], &l->r[i + 1], (l->n - i - 1) * sizeof *l->r);
            l->n--;
            return BP_OK;
        }
        int w = !strcmp(val, "yes") ? BP_WALK_YES : !strcmp(val, "no") ? BP_WALK_NO : !strcmp(val, "endpoint") ? BP_WALK_ENDPOINT : -1;
        if (s != S_WAY)
            return bp_error(ctx, BP_ERR_USAGE, "%s: %s is %s: it can only be switched off (%s=off)", key, id, section_word[s], id);
        if (w < 0)
            return bp_error(ctx, BP_ERR_USAGE, "%s: %s=%s: a way rule is set to yes, no, endpoint or off", key, id, val);
        r->walk = w;
        return BP_OK;
    }
    return bp_error(ctx, BP_ERR_USAGE, "%s: no rule with id '%s' in %s", key, id, R->source);
}

static bp_status apply_cost(bp_rules *R, const char *key, const char *flag, const char *val, bp_ctx *ctx)
{
    double f = parse_factor(val);
    if (f < 0) return bp_error(ctx, BP_ERR_USAGE, "%s: %s=%s: a factor above 0, or no (impassable)", key, flag, val);
    if (flag_bit(R, flag) < 0) {
        char known[256] = "";
        for (int i = 0; i < R->nflags; i++) bp_str_append(known, sizeof known, R->flags[i]);
        return bp_error(ctx, BP_ERR_USAGE, "%s: no rule sets flag '%s' (flags: %s)", key, flag, known);
    }
    for (int i = 0; i < R->nflags; i++)
        if (!strcmp(R->flags[i], flag)) R->fac[i] = f;
    return BP_OK;
}

/* ---- loading ------------------------------------------------------------------------ */

static bp_yaml *parse_builtin(bp_ctx *ctx)
{
    const char *text = bp_embedded_text("walkability");
    if (!text) {
        bp_error(ctx, BP_ERR_NOMEM, "layers/walkability.yaml is not built in (a build defect)");
        return NULL;
    }
    return bp_yaml_parse(text, strlen(text), "layers/walkability.yaml", ctx);
}

bp_status bp_rules_load(const bp_rules_opts *o, bp_rules **out, bp_ctx *ctx)
{
    *out = NULL;
    bp_rules *R = calloc(1, sizeof *R);
    if (!R) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_status st = BP_OK;
    bp_yaml *user = NULL, *base = NULL;
    int extends = 0;
    if (o->path) {
        if (!(user = bp_yaml_parse_file(o->path, ctx))) st = bp_ctx_status(ctx);
        const bp_yaml *ex = user ? bp_yaml_get(user, "extends") : NULL;
        if (ex) {
            if (!scalar(ex) || strcmp(scalar(ex), "builtin"))
                st = bp_error(ctx, BP_ERR_USAGE, "%s line %d: extends: builtin is the only choice", o->path, ex->line);
            extends = 1;
        }
    }
    if (st == BP_OK && (!o->path || extends) && !(base = parse_builtin(ctx))) st = bp_ctx_status(ctx);
    R->source = bp_strfmt("%s%s%s", o->path ? o->path : "layers/walkability.yaml (built in)",
                          extends ? " extending " : "", extends ? "layers/walkability.yaml" : "");
    if (!R->source && st == BP_OK) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    if (st == BP_OK && base) st = parse_file(R, base, "layers/walkability.yaml", 0, ctx);
    if (st == BP_OK && user) st = parse_file(R, user, o->path, extends, ctx);
    bp_yaml_free(base);
    bp_yaml_free(user);
    if (st == BP_OK && R->sect[S_WAY].n == 0) st = bp_error(ctx, BP_ERR_USAGE, "%s: no way_rules", R->source);
    if (st == BP_OK) st = each_pair(o->override, "network.override", R, apply_override, ctx);
    if (st == BP_OK) st = intern(R, ctx);
    if (st == BP_OK) st = intern_flags(R, ctx);
    /* the profile */
    profile *pf = st == BP_OK ? find_profile(R, o->profile ? o->profile : "walk") : NULL;
    if (st == BP_OK && !pf) st = bp_error(ctx, BP_ERR_USAGE, "%s: no profile '%s' under profiles", R->source, o->profile);
    for (size_t i = 0; st == BP_OK && i < R->nprof; i++)
        for (size_t j = 0; j < R->prof[i].n; j++)
            if (flag_bit(R, R->prof[i].flag[j]) < 0)
                st = bp_error(ctx, BP_ERR_USAGE, "%s: profile %s: no rule sets flag '%s'", R->source, R->prof[i].name,
                              R->prof[i].flag[j]);
    for (int b = 0; st == BP_OK && b < R->nflags; b++) {
        R->fac[b] = 1;
        for (size_t j = 0; j < pf->n; j++)
            if (!strcmp(pf->flag[j], R->flags[b])) R->fac[b] = pf->factor[j];
    }
    if (st == BP_OK) st = each_pair(o->costs, "network.costs", R, apply_cost, ctx);
    for (unsigned s = 0; st == BP_OK && s < 256; s++) {
        double f = 1;
        int block = 0;
        for (int b = 0; b < R->nflags; b++)
            if (s & (1u << b)) {
                if (R->fac[b] > f) f = R->fac[b];
                block |= isinf(R->fac[b]);
            }
        R->table[s] = f;
        R->block[s] = (unsigned char)block;
    }
    if (st != BP_OK) {
        bp_rules_free(R);
        return st;
    }
    *out = R;
    return BP_OK;
}

/* ---- evaluating --------------------------------------------------------------------- */

size_t bp_rules_nkeys(const bp_rules *r) { return r->nkeys; }

size_t bp_rules_key(const bp_rules *r, const char *key)
{
    long k = key_index(r, key);
    return k < 0 ? (size_t)-1 : (size_t)k;
}

void bp_rules_bind(const bp_rules *r, const bp_tag *tags, size_t n, const char **vals)
{
    for (size_t k = 0; k < r->nkeys; k++) vals[k] = NULL;
    for (size_t i = 0; i < n; i++) {
        if (!tags[i].key || !tags[i].value) continue;
        long k = key_index(r, tags[i].key);
        if (k >= 0 && !vals[k]) vals[k] = tags[i].value;
    }
}

static int holds(const cond *c, const char *const *vals)
{
    const char *v = vals[c->k];
    if (c->kind == C_ABSENT) return v == NULL;
    if (c->kind == C_PRESENT) return v != NULL;
    if (!v) return 0;
    for (size_t i = 0; i < c->nval; i++)
        if (!strcmp(v, c->vals[i])) return 1;
    return 0;
}

static int matches(const rule *r, const char *const *vals)
{
    for (size_t i = 0; i < r->nif; i++)
        if (!holds(&r->ifc[i], vals)) return 0;
    for (size_t i = 0; i < r->nunl; i++)
        if (holds(&r->unl[i], vals)) return 0;
    return 1;
}

int bp_rules_way(const bp_rules *r, const char *const *vals, unsigned *attr, size_t *rule_idx)
{
    const rulelist *w = &r->sect[S_WAY];
    *attr = 0;
    *rule_idx = w->n;
    int walk = BP_WALK_NO;
    for (size_t i = 0; i < w->n; i++)
        if (matches(&w->r[i], vals)) {
            walk = w->r[i].walk;
            *attr = w->r[i].flags;
            *rule_idx = i;
            break;
        }
    if (*rule_idx == w->n || walk == BP_WALK_NO) return BP_WALK_NO; /* no rule matched: not walkable */
    const rulelist *f = &r->sect[S_FLAG];
    for (size_t i = 0; i < f->n; i++)
        if (matches(&f->r[i], vals)) *attr |= f->r[i].flags;
    if (walk == BP_WALK_ENDPOINT) *attr |= BP_ATTR_ENDPOINT;
    return walk;
}

unsigned bp_rules_node(const bp_rules *r, const char *const *vals)
{
    unsigned flags = 0;
    const rulelist *l = &r->sect[S_NODE];
    for (size_t i = 0; i < l->n; i++)
        if (matches(&l->r[i], vals)) flags |= l->r[i].flags;
    return flags;
}

int bp_rules_area(const bp_rules *r, const char *const *vals)
{
    const rulelist *l = &r->sect[S_AREA];
    for (size_t i = 0; i < l->n; i++)
        if (matches(&l->r[i], vals)) return 1;
    return 0;
}

double bp_rules_factor(const bp_rules *r, unsigned flags) { return r->table[flags & 0xff]; }
int bp_rules_blocks(const bp_rules *r, unsigned flags) { return r->block[flags & 0xff]; }
int bp_rules_nflags(const bp_rules *r) { return r->nflags; }
const char *bp_rules_flag_name(const bp_rules *r, int bit) { return bit >= 0 && bit < r->nflags ? r->flags[bit] : NULL; }
size_t bp_rules_nway(const bp_rules *r) { return r->sect[S_WAY].n; }
const char *bp_rules_way_id(const bp_rules *r, size_t i) { return r->sect[S_WAY].r[i].id; }
int bp_rules_way_walk(const bp_rules *r, size_t i) { return r->sect[S_WAY].r[i].walk; }
int bp_rules_steps_bit(const bp_rules *r) { return flag_bit(r, "steps"); }
const char *bp_rules_source(const bp_rules *r) { return r->source; }
