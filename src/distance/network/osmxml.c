/*
 * osmxml.c — OpenStreetMap XML (.osm) read with expat, handing nodes, ways
 * and relations to the same callbacks readosm calls for .osm.pbf.  Our own
 * reader because readosm 1.1.0 crashes on a <tag> without k or v and leaks
 * its parser on malformed XML (both found by tests/fuzz/fuzz_osm.c): here a
 * malformed file is an error naming its line.  Elements other than node,
 * way, relation and their tag, nd and member children are ignored, and so
 * are nodes without coordinates (deleted ones).
 */
#include "distance/network/network.h"

#include <errno.h>
#include <expat.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <readosm.h>

enum { X_NONE, X_NODE, X_WAY, X_RELATION };

typedef struct {
    XML_Parser p;
    const char *path;
    bp_ctx *ctx;
    void *ud;
    readosm_node_callback on_node;
    readosm_way_callback on_way;
    readosm_relation_callback on_relation;
    int kind;                 /* the object being read */
    long long id;
    double lat, lon;
    int has_coords;
    char *buf;                /* tag keys and values, member roles */
    size_t nbuf, capbuf;
    size_t *koff, *voff;
    size_t ntags, captags;
    long long *refs;
    size_t nrefs, caprefs;
    int *mtype;
    long long *mref;
    size_t *mrole;
    size_t nmem, capmem;
    bp_status st;             /* an error recorded: the parse stops */
    int stopped;              /* a callback asked to stop */
} xstate;

static void fail(xstate *x, bp_status st, const char *what)
{
    if (x->st == BP_OK) {
        if (st == BP_ERR_NOMEM) bp_error(x->ctx, st, "out of memory reading %s", x->path);
        else
            bp_error(x->ctx, st, "%s line %lu: %s", x->path, (unsigned long)XML_GetCurrentLineNumber(x->p), what);
        x->st = st;
    }
    XML_StopParser(x->p, XML_FALSE);
}

static const char *attr(const XML_Char **atts, const char *name)
{
    for (; atts && atts[0]; atts += 2)
        if (!strcmp(atts[0], name)) return atts[1];
    return NULL;
}

/* A whole number (an id or a ref); 0 when it is none. */
static int whole(const char *s, long long *out)
{
    if (!s || !*s) return 0;
    char *end;
    errno = 0;
    long long v = strtoll(s, &end, 10);
    if (*end || errno) return 0;
    *out = v;
    return 1;
}

static int decimal(const char *s, double lo, double hi, double *out)
{
    if (!s || !*s) return 0;
    char *end;
    double v = strtod(s, &end);
    if (*end || !isfinite(v) || v < lo || v > hi) return 0;
    *out = v;
    return 1;
}

/* Copies s into the buffer; its offset, or (size_t)-1 out of memory. */
static size_t keep(xstate *x, const char *s)
{
    size_t n = strlen(s) + 1;
    if (x->nbuf + n > x->capbuf) {
        size_t c = x->capbuf ? x->capbuf : 1024;
        while (c < x->nbuf + n) c *= 2;
        char *nb = realloc(x->buf, c);
        if (!nb) return (size_t)-1;
        x->buf = nb;
        x->capbuf = c;
    }
    memcpy(x->buf + x->nbuf, s, n);
    x->nbuf += n;
    return x->nbuf - n;
}

static void start_object(xstate *x, int kind, const XML_Char **atts)
{
    if (x->kind != X_NONE) { fail(x, BP_ERR_DATA, "an element inside a node, way or relation that is not tag, nd or member"); return; }
    if (!whole(attr(atts, "id"), &x->id)) { fail(x, BP_ERR_DATA, "no whole-number id"); return; }
    x->kind = kind;
    x->ntags = x->nrefs = x->nmem = x->nbuf = 0;
    x->has_coords = 0;
    if (kind == X_NODE) {
        const char *lat = attr(atts, "lat"), *lon = attr(atts, "lon");
        if (!lat && !lon) return; /* a deleted node: no coordinates */
        if (!decimal(lat, -90, 90, &x->lat) || !decimal(lon, -180, 180, &x->lon))
            { fail(x, BP_ERR_DATA, "a node's lat or lon is no coordinate"); return; }
        x->has_coords = 1;
    }
}

static void start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    xstate *x = ud;
    if (x->st != BP_OK || x->stopped) return;
    if (!strcmp(name, "node")) return start_object(x, X_NODE, atts);
    if (!strcmp(name, "way")) return start_object(x, X_WAY, atts);
    if (!strcmp(name, "relation")) return start_object(x, X_RELATION, atts);
    if (x->kind == X_NONE) return; /* osm, bounds, changeset, ... */
    if (!strcmp(name, "tag")) {
        const char *k = attr(atts, "k"), *v = attr(atts, "v");
        if (!k || !v) { fail(x, BP_ERR_DATA, "a tag without k or v"); return; }
        if (x->ntags == x->captags) {
            size_t c = x->captags ? x->captags * 2 : 16;
            size_t *nk = realloc(x->koff, c * sizeof *nk);
            if (nk) x->koff = nk;
            size_t *nv = nk ? realloc(x->voff, c * sizeof *nv) : NULL;
            if (!nv) { fail(x, BP_ERR_NOMEM, NULL); return; }
            x->voff = nv;
            x->captags = c;
        }
        size_t ko = keep(x, k), vo = ko == (size_t)-1 ? ko : keep(x, v);
        if (vo == (size_t)-1) { fail(x, BP_ERR_NOMEM, NULL); return; }
        x->koff[x->ntags] = ko, x->voff[x->ntags++] = vo;
    } else if (!strcmp(name, "nd") && x->kind == X_WAY) {
        long long ref;
        if (!whole(attr(atts, "ref"), &ref)) { fail(x, BP_ERR_DATA, "an nd without a whole-number ref"); return; }
        if (GROW(x->refs, x->nrefs, x->caprefs) < 0) {
            x->nrefs = x->caprefs = 0;
            fail(x, BP_ERR_NOMEM, NULL);
            return;
        }
        x->refs[x->nrefs++] = ref;
    } else if (!strcmp(name, "member") && x->kind == X_RELATION) {
        long long ref;
        const char *type = attr(atts, "type"), *role = attr(atts, "role");
        if (!whole(attr(atts, "ref"), &ref) || !type) { fail(x, BP_ERR_DATA, "a member without type or whole-number ref"); return; }
        int t = !strcmp(type, "node") ? READOSM_MEMBER_NODE : !strcmp(type, "way") ? READOSM_MEMBER_WAY
              : !strcmp(type, "relation") ? READOSM_MEMBER_RELATION : READOSM_UNDEFINED;
        if (x->nmem == x->capmem) {
            size_t c = x->capmem ? x->capmem * 2 : 16;
            int *nt = realloc(x->mtype, c * sizeof *nt);
            if (nt) x->mtype = nt;
            long long *nr = nt ? realloc(x->mref, c * sizeof *nr) : NULL;
            if (nr) x->mref = nr;
            size_t *no = nr ? realloc(x->mrole, c * sizeof *no) : NULL;
            if (!no) { fail(x, BP_ERR_NOMEM, NULL); return; }
            x->mrole = no;
            x->capmem = c;
        }
        size_t ro = keep(x, role ? role : "");
        if (ro == (size_t)-1) { fail(x, BP_ERR_NOMEM, NULL); return; }
        x->mtype[x->nmem] = t, x->mref[x->nmem] = ref, x->mrole[x->nmem++] = ro;
    }
}

static void end(void *ud, const XML_Char *name)
{
    xstate *x = ud;
    if (x->st != BP_OK || x->stopped || x->kind == X_NONE) return;
    int kind = !strcmp(name, "node") ? X_NODE : !strcmp(name, "way") ? X_WAY : !strcmp(name, "relation") ? X_RELATION : X_NONE;
    if (kind == X_NONE) return;
    if (kind != x->kind) { fail(x, BP_ERR_DATA, "a node, way or relation does not close"); return; }
    x->kind = X_NONE;
    readosm_tag *tags = malloc((x->ntags ? x->ntags : 1) * sizeof *tags);
    readosm_member *members = kind == X_RELATION ? malloc((x->nmem ? x->nmem : 1) * sizeof *members) : NULL;
    if (!tags || (kind == X_RELATION && !members)) {
        free(tags);
        free(members);
        { fail(x, BP_ERR_NOMEM, NULL); return; }
    }
    for (size_t i = 0; i < x->ntags; i++) tags[i] = (readosm_tag){x->buf + x->koff[i], x->buf + x->voff[i]};
    int rc = READOSM_OK;
    if (kind == X_NODE && x->has_coords) {
        readosm_node n = {.id = x->id, .latitude = x->lat, .longitude = x->lon, .tag_count = (int)x->ntags,
                          .tags = tags};
        rc = x->on_node(x->ud, &n);
    } else if (kind == X_WAY) {
        readosm_way w = {.id = x->id, .node_ref_count = (int)x->nrefs, .node_refs = x->refs,
                         .tag_count = (int)x->ntags, .tags = tags};
        rc = x->on_way(x->ud, &w);
    } else if (kind == X_RELATION) {
        for (size_t i = 0; i < x->nmem; i++) {
            readosm_member m = {.member_type = x->mtype[i], .id = x->mref[i], .role = x->buf + x->mrole[i]};
            memcpy(&members[i], &m, sizeof m);
        }
        readosm_relation r = {.id = x->id, .member_count = (int)x->nmem, .members = members,
                              .tag_count = (int)x->ntags, .tags = tags};
        rc = x->on_relation(x->ud, &r);
    }
    free(tags);
    free(members);
    if (rc != READOSM_OK) {
        x->stopped = 1;
        XML_StopParser(x->p, XML_FALSE);
    }
}

bp_status bp_osmxml_parse(const char *path, void *ud, readosm_node_callback nodes, readosm_way_callback ways,
                          readosm_relation_callback relations, int *stopped, bp_ctx *ctx)
{
    *stopped = 0;
    FILE *f = fopen(path, "rb");
    if (!f) return bp_error(ctx, BP_ERR_USAGE, "%s: %s", path, strerror(errno));
    xstate x = {.path = path, .ctx = ctx, .ud = ud, .on_node = nodes, .on_way = ways, .on_relation = relations};
    x.p = XML_ParserCreate(NULL);
    if (!x.p) {
        fclose(f);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    }
    XML_SetUserData(x.p, &x);
    XML_SetElementHandler(x.p, start, end);
    int seen_osm = 0;
    for (;;) {
        void *buf = XML_GetBuffer(x.p, 65536);
        if (!buf) {
            fail(&x, BP_ERR_NOMEM, NULL);
            break;
        }
        size_t n = fread(buf, 1, 65536, f);
        int last = n < 65536;
        if (!seen_osm && n) seen_osm = memmem(buf, n, "<osm", 4) != NULL;
        if (last && ferror(f)) {
            x.st = bp_error(ctx, BP_ERR_IO, "%s: %s", path, strerror(errno));
            break;
        }
        if (XML_ParseBuffer(x.p, (int)n, last) == XML_STATUS_ERROR) {
            if (x.st == BP_OK && !x.stopped)
                x.st = bp_error(ctx, BP_ERR_DATA, "%s line %lu: not well-formed OpenStreetMap XML (%s)", path,
                                (unsigned long)XML_GetCurrentLineNumber(x.p), XML_ErrorString(XML_GetErrorCode(x.p)));
            break;
        }
        if (last || x.st != BP_OK || x.stopped) break;
    }
    if (x.st == BP_OK && !x.stopped && !seen_osm)
        x.st = bp_error(ctx, BP_ERR_DATA, "%s: not OpenStreetMap XML (no <osm> element)", path);
    *stopped = x.stopped;
    XML_ParserFree(x.p);
    fclose(f);
    free(x.buf), free(x.koff), free(x.voff), free(x.refs), free(x.mtype), free(x.mref), free(x.mrole);
    return x.st;
}
