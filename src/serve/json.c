/*
 * json.c — the live server's JSON: a growing text buffer with escaping
 * writers, and a small strict reader for request bodies (depth, count and
 * size capped; invalid UTF-8 passes through as bytes, NUL is refused).
 */
#include "serve/serve.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define JSON_MAX_DEPTH 16
#define JSON_MAX_VALUES 100000

void bp_serve_buf_add(bp_serve_buf *b, const char *s, size_t n)
{
    if (b->oom) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 256;
        while (cap < b->len + n + 1) cap *= 2;
        char *p = realloc(b->s, cap);
        if (!p) {
            b->oom = 1;
            return;
        }
        b->s = p;
        b->cap = cap;
    }
    memcpy(b->s + b->len, s, n);
    b->len += n;
    b->s[b->len] = '\0';
}

void bp_serve_buf_puts(bp_serve_buf *b, const char *s) { bp_serve_buf_add(b, s, strlen(s)); }

void bp_serve_buf_printf(bp_serve_buf *b, const char *fmt, ...)
{
    char tmp[512];
    va_list ap;
    va_start(ap, fmt);
    int n = vsnprintf(tmp, sizeof tmp, fmt, ap);
    va_end(ap);
    if (n < 0) return;
    if ((size_t)n < sizeof tmp) {
        bp_serve_buf_add(b, tmp, (size_t)n);
        return;
    }
    char *big = malloc((size_t)n + 1);
    if (!big) {
        b->oom = 1;
        return;
    }
    va_start(ap, fmt);
    vsnprintf(big, (size_t)n + 1, fmt, ap);
    va_end(ap);
    bp_serve_buf_add(b, big, (size_t)n);
    free(big);
}

void bp_serve_buf_json_str(bp_serve_buf *b, const char *s)
{
    if (!s) {
        bp_serve_buf_puts(b, "null");
        return;
    }
    bp_serve_buf_add(b, "\"", 1);
    const char *run = s;
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        const char *esc = NULL;
        char u[8];
        switch (*p) {
        case '"': esc = "\\\""; break;
        case '\\': esc = "\\\\"; break;
        case '\n': esc = "\\n"; break;
        case '\r': esc = "\\r"; break;
        case '\t': esc = "\\t"; break;
        case '<': case '>': case '&': case '\'':
            snprintf(u, sizeof u, "\\u%04x", *p);
            esc = u;
            break;
        default:
            if (*p < 0x20) {
                snprintf(u, sizeof u, "\\u%04x", *p);
                esc = u;
            }
        }
        if (esc) {
            bp_serve_buf_add(b, run, (size_t)((const char *)p - run));
            bp_serve_buf_puts(b, esc);
            run = (const char *)p + 1;
        }
    }
    bp_serve_buf_puts(b, run);
    bp_serve_buf_add(b, "\"", 1);
}

void bp_serve_buf_num(bp_serve_buf *b, double v, int dec)
{
    if (!isfinite(v)) {
        bp_serve_buf_puts(b, "null");
        return;
    }
    char tmp[64];
    int n = snprintf(tmp, sizeof tmp, "%.*f", dec, v);
    if (n <= 0 || (size_t)n >= sizeof tmp) {
        bp_serve_buf_puts(b, "null");
        return;
    }
    if (dec > 0) {
        while (n > 0 && tmp[n - 1] == '0') n--;
        if (n > 0 && tmp[n - 1] == '.') n--;
    }
    tmp[n] = '\0';
    if (!strcmp(tmp, "-0")) strcpy(tmp, "0");
    bp_serve_buf_puts(b, tmp);
}

void bp_serve_buf_free(bp_serve_buf *b)
{
    free(b->s);
    memset(b, 0, sizeof *b);
}

/* ---- reader ---------------------------------------------------------------- */

typedef struct {
    const char *p, *end;
    size_t values;
    const char *err;
} jparse;

void bp_serve_json_free(bp_json *j)
{
    if (!j) return;
    for (size_t i = 0; i < j->n; i++) {
        if (j->keys) free(j->keys[i]);
        bp_serve_json_free(j->items[i]);
    }
    free(j->keys);
    free(j->items);
    free(j->str);
    free(j);
}

static void skip_ws(jparse *s)
{
    while (s->p < s->end && (*s->p == ' ' || *s->p == '\t' || *s->p == '\n' || *s->p == '\r')) s->p++;
}

static int hex4(const char *p, unsigned *v)
{
    *v = 0;
    for (int i = 0; i < 4; i++) {
        char c = p[i];
        *v <<= 4;
        if (c >= '0' && c <= '9') *v |= (unsigned)(c - '0');
        else if (c >= 'a' && c <= 'f') *v |= (unsigned)(c - 'a' + 10);
        else if (c >= 'A' && c <= 'F') *v |= (unsigned)(c - 'A' + 10);
        else return 0;
    }
    return 1;
}

static void put_utf8(bp_serve_buf *b, unsigned cp)
{
    char u[4];
    size_t n;
    if (cp < 0x80) u[0] = (char)cp, n = 1;
    else if (cp < 0x800) u[0] = (char)(0xC0 | (cp >> 6)), u[1] = (char)(0x80 | (cp & 0x3F)), n = 2;
    else if (cp < 0x10000)
        u[0] = (char)(0xE0 | (cp >> 12)), u[1] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[2] = (char)(0x80 | (cp & 0x3F)),
        n = 3;
    else
        u[0] = (char)(0xF0 | (cp >> 18)), u[1] = (char)(0x80 | ((cp >> 12) & 0x3F)),
        u[2] = (char)(0x80 | ((cp >> 6) & 0x3F)), u[3] = (char)(0x80 | (cp & 0x3F)), n = 4;
    bp_serve_buf_add(b, u, n);
}

/* Reads a string literal (s->p at the opening quote) into a new string. */
static char *parse_string(jparse *s)
{
    bp_serve_buf b = {0};
    s->p++;
    while (s->p < s->end && *s->p != '"') {
        unsigned char c = (unsigned char)*s->p;
        if (c < 0x20) {
            s->err = "control character in a string";
            goto fail;
        }
        if (c != '\\') {
            bp_serve_buf_add(&b, s->p++, 1);
            continue;
        }
        if (++s->p >= s->end) break;
        char e = *s->p++;
        switch (e) {
        case '"': bp_serve_buf_add(&b, "\"", 1); break;
        case '\\': bp_serve_buf_add(&b, "\\", 1); break;
        case '/': bp_serve_buf_add(&b, "/", 1); break;
        case 'b': bp_serve_buf_add(&b, "\b", 1); break;
        case 'f': bp_serve_buf_add(&b, "\f", 1); break;
        case 'n': bp_serve_buf_add(&b, "\n", 1); break;
        case 'r': bp_serve_buf_add(&b, "\r", 1); break;
        case 't': bp_serve_buf_add(&b, "\t", 1); break;
        case 'u': {
            unsigned cp, lo;
            if (s->end - s->p < 4 || !hex4(s->p, &cp)) {
                s->err = "bad \\u escape";
                goto fail;
            }
            s->p += 4;
            if (cp >= 0xD800 && cp < 0xDC00) {
                if (s->end - s->p < 6 || s->p[0] != '\\' || s->p[1] != 'u' || !hex4(s->p + 2, &lo) || lo < 0xDC00 ||
                    lo > 0xDFFF) {
                    s->err = "bad surrogate pair";
                    goto fail;
                }
                s->p += 6;
                cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
            } else if (cp >= 0xDC00 && cp < 0xE000) {
                s->err = "bad surrogate pair";
                goto fail;
            }
            if (cp == 0) {
                s->err = "NUL in a string";
                goto fail;
            }
            put_utf8(&b, cp);
            break;
        }
        default: s->err = "bad escape"; goto fail;
        }
    }
    if (s->p >= s->end) {
        s->err = "unterminated string";
        goto fail;
    }
    s->p++;
    if (b.oom) {
        s->err = "out of memory";
        goto fail;
    }
    if (!b.s) {
        b.s = calloc(1, 1);
        if (!b.s) s->err = "out of memory";
    }
    return b.s;
fail:
    bp_serve_buf_free(&b);
    return NULL;
}

static bp_json *parse_value(jparse *s, int depth);

static int append(bp_json *j, char *key, bp_json *item)
{
    bp_json **it = realloc(j->items, (j->n + 1) * sizeof *it);
    if (!it) return 0;
    j->items = it;
    if (j->kind == BP_JSON_OBJ) {
        char **k = realloc(j->keys, (j->n + 1) * sizeof *k);
        if (!k) return 0;
        j->keys = k;
        j->keys[j->n] = key;
    }
    j->items[j->n++] = item;
    return 1;
}

static bp_json *parse_container(jparse *s, int depth, bp_json_kind kind)
{
    bp_json *j = calloc(1, sizeof *j);
    if (!j) {
        s->err = "out of memory";
        return NULL;
    }
    j->kind = kind;
    char close = kind == BP_JSON_OBJ ? '}' : ']';
    s->p++;
    skip_ws(s);
    if (s->p < s->end && *s->p == close) {
        s->p++;
        return j;
    }
    for (;;) {
        char *key = NULL;
        skip_ws(s);
        if (kind == BP_JSON_OBJ) {
            if (s->p >= s->end || *s->p != '"') {
                s->err = "expected a key";
                goto fail;
            }
            key = parse_string(s);
            if (!key) goto fail;
            skip_ws(s);
            if (s->p >= s->end || *s->p != ':') {
                free(key);
                s->err = "expected ':'";
                goto fail;
            }
            s->p++;
        }
        bp_json *v = parse_value(s, depth + 1);
        if (!v || !append(j, key, v)) {
            if (v) s->err = "out of memory";
            free(key);
            bp_serve_json_free(v);
            goto fail;
        }
        skip_ws(s);
        if (s->p < s->end && *s->p == ',') {
            s->p++;
            continue;
        }
        if (s->p < s->end && *s->p == close) {
            s->p++;
            return j;
        }
        s->err = kind == BP_JSON_OBJ ? "expected ',' or '}'" : "expected ',' or ']'";
        goto fail;
    }
fail:
    bp_serve_json_free(j);
    return NULL;
}

static int match(jparse *s, const char *word)
{
    size_t n = strlen(word);
    if ((size_t)(s->end - s->p) < n || memcmp(s->p, word, n)) return 0;
    s->p += n;
    return 1;
}

static bp_json *parse_value(jparse *s, int depth)
{
    if (depth > JSON_MAX_DEPTH) {
        s->err = "nested too deeply";
        return NULL;
    }
    if (++s->values > JSON_MAX_VALUES) {
        s->err = "too many values";
        return NULL;
    }
    skip_ws(s);
    if (s->p >= s->end) {
        s->err = "unexpected end";
        return NULL;
    }
    char c = *s->p;
    if (c == '{') return parse_container(s, depth, BP_JSON_OBJ);
    if (c == '[') return parse_container(s, depth, BP_JSON_ARR);
    bp_json *j = calloc(1, sizeof *j);
    if (!j) {
        s->err = "out of memory";
        return NULL;
    }
    if (c == '"') {
        j->kind = BP_JSON_STR;
        if (!(j->str = parse_string(s))) goto fail;
    } else if (match(s, "true")) {
        j->kind = BP_JSON_BOOL;
        j->num = 1;
    } else if (match(s, "false")) {
        j->kind = BP_JSON_BOOL;
    } else if (match(s, "null")) {
        j->kind = BP_JSON_NULL;
    } else if (c == '-' || (c >= '0' && c <= '9')) {
        /* the JSON number grammar, then strtod on a bounded copy */
        const char *q = s->p;
        if (q < s->end && *q == '-') q++;
        if (q >= s->end || *q < '0' || *q > '9') goto bad_num;
        if (*q == '0') q++;
        else
            while (q < s->end && *q >= '0' && *q <= '9') q++;
        if (q < s->end && *q == '.') {
            q++;
            if (q >= s->end || *q < '0' || *q > '9') goto bad_num;
            while (q < s->end && *q >= '0' && *q <= '9') q++;
        }
        if (q < s->end && (*q == 'e' || *q == 'E')) {
            q++;
            if (q < s->end && (*q == '+' || *q == '-')) q++;
            if (q >= s->end || *q < '0' || *q > '9') goto bad_num;
            while (q < s->end && *q >= '0' && *q <= '9') q++;
        }
        char tmp[64];
        size_t n = (size_t)(q - s->p);
        if (n >= sizeof tmp) goto bad_num;
        memcpy(tmp, s->p, n);
        tmp[n] = '\0';
        j->kind = BP_JSON_NUM;
        j->num = strtod(tmp, NULL);
        if (!isfinite(j->num)) goto bad_num;
        s->p = q;
    } else {
        s->err = "unexpected character";
        goto fail;
    }
    return j;
bad_num:
    s->err = "bad number";
fail:
    bp_serve_json_free(j);
    return NULL;
}

bp_json *bp_serve_json_parse(const char *text, size_t len, const char **err)
{
    jparse s = {text, text + len, 0, NULL};
    bp_json *j = text ? parse_value(&s, 0) : NULL;
    if (j) {
        skip_ws(&s);
        if (s.p != s.end) {
            s.err = "text after the value";
            bp_serve_json_free(j);
            j = NULL;
        }
    } else if (!s.err) s.err = "empty";
    if (err) *err = j ? NULL : s.err;
    return j;
}

const bp_json *bp_serve_json_get(const bp_json *j, const char *key)
{
    if (!j || j->kind != BP_JSON_OBJ) return NULL;
    for (size_t i = 0; i < j->n; i++)
        if (!strcmp(j->keys[i], key)) return j->items[i];
    return NULL;
}
