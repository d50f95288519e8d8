/*
 * osm.c — one pass over an OpenStreetMap extract (.osm.pbf read with
 * readosm, .osm with osmxml.c) for both the walking graph and the
 * facilities:
 *   - every node (id, lon, lat), and the node rules' flags of tagged nodes;
 *   - every way's node ids (a multipolygon's member ways may carry any tag
 *     or none, and relations come last in the file), and for each way the
 *     way rules' decision, whether it is an area walked across, and the
 *     facility categories whose tags it carries (closed ways);
 *   - multipolygon relations that are pedestrian areas or facilities, with
 *     their member ways.
 * Then, in the analysis CRS: walkable ways into the graph builder (split
 * where a node lies outside the extract), areas (closed ways; relations'
 * rings joined end to end by node id, holes found by containment, as
 * GDAL's OSM driver does), tagged nodes; and facilities as points and
 * polygons (repaired when invalid; rings that leave the extract or do not
 * close are skipped and counted).
 * Memory: about 24 bytes a node and 8 a way node reference, for the length
 * of the read.
 */
#include "distance/network/network.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

#include <readosm.h>

/* ---- what the pass collects --------------------------------------------------- */

enum { M_NODE = 0, M_WAY = 1, M_REL = 2 };

typedef struct {
    int kind;              /* M_* */
    size_t idx;            /* node index as read, way or relation index */
    double lon, lat;       /* a node */
    size_t cat;
    char *name;
} match;

typedef struct {
    int64_t id;
    size_t mfirst, mcount; /* members in mway/mrole */
    int area;              /* a pedestrian area of the graph */
    unsigned attr;
} relation;

typedef struct {
    /* configuration */
    const bp_rules *rules;
    const char **vals;
    bp_tag *tags;
    size_t captags;
    char ***want;          /* per category: NULL-terminated "key=value", or NULL */
    size_t ncat;
    bp_read_stats *stats;
    size_t highway_key;    /* index of 'highway' among the rules' keys, or (size_t)-1 */
    /* nodes */
    int64_t *nid;
    double *lon, *lat;
    size_t nn, capn;
    int sorted;
    int64_t *tn_id;        /* tagged nodes with node flags */
    unsigned char *tn_flags;
    size_t ntn, captn;
    /* ways */
    int64_t *wid;
    size_t *wstart;        /* refs of way w: wstart[w] .. wstart[w+1]-1 */
    unsigned char *wwalk;  /* BP_WALK_*, and 4: an area walked across */
    uint16_t *wattr;
    size_t nw, capw;
    int wsorted;
    int64_t *refs;
    size_t nrefs, caprefs;
    /* relations */
    relation *rel;
    size_t nrel, caprel;
    int64_t *mway;
    unsigned char *mrole;
    size_t nmem, capmem;
    /* facilities */
    match *m;
    size_t nm, capm;
    /* progress */
    GDALProgressFunc progress;
    void *pdata;
    size_t seen, estimate;
    int failed, aborted;
} osm_state;

#define WALK_AREA 4

static int fail(osm_state *s) { return s->failed = 1, READOSM_ABORT; }

/* Polls the progress every 65536 elements; READOSM_ABORT when it says stop. */
static int tick(osm_state *s)
{
    if ((++s->seen & 0xffff) || !s->progress) return READOSM_OK;
    double f = s->estimate ? (double)s->seen / (double)s->estimate : 0;
    if (!s->progress(f < 0.95 ? f : 0.95, NULL, s->pdata)) return s->aborted = 1, READOSM_ABORT;
    return READOSM_OK;
}

/* The tags as bp_tag, bound to the rules' keys in s->vals; -1 out of memory. */
static int bind(osm_state *s, const readosm_tag *t, int n)
{
    if ((size_t)n > s->captags) {
        bp_tag *nt = realloc(s->tags, (size_t)n * sizeof *nt);
        if (!nt) return -1;
        s->tags = nt;
        s->captags = (size_t)n;
    }
    for (int i = 0; i < n; i++) s->tags[i] = (bp_tag){t[i].key, t[i].value};
    bp_rules_bind(s->rules, s->tags, (size_t)n, s->vals);
    return 0;
}

static const char *tag_value(const readosm_tag *tags, int n, const char *key)
{
    for (int i = 0; i < n; i++)
        if (!strcmp(tags[i].key, key)) return tags[i].value;
    return NULL;
}

static int tags_match(char **want, const readosm_tag *tags, int n)
{
    for (; want && *want; want++) {
        const char *eq = strchr(*want, '=');
        size_t klen = (size_t)(eq - *want);
        for (int i = 0; i < n; i++)
            if (strlen(tags[i].key) == klen && !strncmp(tags[i].key, *want, klen) && !strcmp(tags[i].value, eq + 1))
                return 1;
    }
    return 0;
}

/* Records a facility match for every category whose tags the object
 * carries; -1 out of memory. */
static int add_matches(osm_state *s, int kind, size_t idx, double lon, double lat, const readosm_tag *tags, int n)
{
    for (size_t c = 0; n && c < s->ncat; c++) {
        if (!s->want[c] || !tags_match(s->want[c], tags, n)) continue;
        if (GROW(s->m, s->nm, s->capm) < 0) return s->nm = s->capm = 0, -1;
        const char *name = tag_value(tags, n, "name");
        match *m = &s->m[s->nm];
        *m = (match){kind, idx, lon, lat, c, name ? bp_strdup(name) : NULL};
        if (name && !m->name) return -1;
        s->nm++;
    }
    return 0;
}

static int on_node(const void *ud, const readosm_node *node)
{
    osm_state *s = (osm_state *)ud;
    if (s->nn == s->capn) {
        size_t c = s->capn ? s->capn * 2 : 4096;
        int64_t *id = realloc(s->nid, c * sizeof *id);
        if (!id) return fail(s);
        s->nid = id;
        double *lo = realloc(s->lon, c * sizeof *lo);
        if (!lo) return fail(s);
        s->lon = lo;
        double *la = realloc(s->lat, c * sizeof *la);
        if (!la) return fail(s);
        s->lat = la;
        s->capn = c;
    }
    if (s->nn && node->id <= s->nid[s->nn - 1]) s->sorted = 0;
    s->nid[s->nn] = node->id;
    s->lon[s->nn] = node->longitude;
    s->lat[s->nn] = node->latitude;
    s->nn++;
    if (node->tag_count && s->rules) {
        if (bind(s, node->tags, node->tag_count) < 0) return fail(s);
        unsigned flags = bp_rules_node(s->rules, s->vals);
        if (flags) {
            if (s->ntn == s->captn) {
                size_t c = s->captn ? s->captn * 2 : 256;
                int64_t *id = realloc(s->tn_id, c * sizeof *id);
                if (!id) return fail(s);
                s->tn_id = id;
                unsigned char *f = realloc(s->tn_flags, c);
                if (!f) return fail(s);
                s->tn_flags = f;
                s->captn = c;
            }
            s->tn_id[s->ntn] = node->id;
            s->tn_flags[s->ntn++] = (unsigned char)flags;
        }
    }
    if (node->tag_count && add_matches(s, M_NODE, s->nn - 1, node->longitude, node->latitude, node->tags,
                                       node->tag_count) < 0)
        return fail(s);
    return tick(s);
}

static int on_way(const void *ud, const readosm_way *way)
{
    osm_state *s = (osm_state *)ud;
    if (s->nw + 1 >= s->capw) {
        size_t c = s->capw ? s->capw * 2 : 4096;
        int64_t *id = realloc(s->wid, c * sizeof *id);
        if (!id) return fail(s);
        s->wid = id;
        size_t *ws = realloc(s->wstart, (c + 1) * sizeof *ws);
        if (!ws) return fail(s);
        s->wstart = ws;
        unsigned char *wk = realloc(s->wwalk, c);
        if (!wk) return fail(s);
        s->wwalk = wk;
        uint16_t *wa = realloc(s->wattr, c * sizeof *wa);
        if (!wa) return fail(s);
        s->wattr = wa;
        s->capw = c;
    }
    size_t nref = way->node_ref_count > 0 ? (size_t)way->node_ref_count : 0;
    if (s->nrefs + nref > s->caprefs) {
        size_t c = s->caprefs ? s->caprefs : 16384;
        while (c < s->nrefs + nref) c *= 2;
        int64_t *r = realloc(s->refs, c * sizeof *r);
        if (!r) return fail(s);
        s->refs = r;
        s->caprefs = c;
    }
    size_t w = s->nw;
    if (w == 0) s->wstart[0] = 0;
    if (w && way->id <= s->wid[w - 1]) s->wsorted = 0;
    s->wid[w] = way->id;
    if (nref) memcpy(s->refs + s->nrefs, way->node_refs, nref * sizeof *s->refs);
    s->nrefs += nref;
    s->wstart[w + 1] = s->nrefs;
    s->wwalk[w] = BP_WALK_NO;
    s->wattr[w] = 0;
    int closed = nref >= 4 && way->node_refs[0] == way->node_refs[nref - 1];
    if (s->rules && nref >= 2) {
        if (bind(s, way->tags, way->tag_count) < 0) return fail(s);
        unsigned attr;
        size_t rule;
        int walk = bp_rules_way(s->rules, s->vals, &attr, &rule);
        if (s->highway_key != (size_t)-1 && s->vals[s->highway_key] && rule < bp_rules_nway(s->rules))
            s->stats->rule_ways[rule]++;
        if (walk != BP_WALK_NO) {
            s->wwalk[w] = (unsigned char)(walk | (closed && bp_rules_area(s->rules, s->vals) ? WALK_AREA : 0));
            s->wattr[w] = (uint16_t)attr;
        }
    }
    s->nw++;
    if (closed && add_matches(s, M_WAY, w, 0, 0, way->tags, way->tag_count) < 0) return fail(s);
    return tick(s);
}

static int on_relation(const void *ud, const readosm_relation *rel)
{
    osm_state *s = (osm_state *)ud;
    const char *type = tag_value(rel->tags, rel->tag_count, "type");
    if (!type || strcmp(type, "multipolygon") || rel->member_count <= 0) return tick(s);
    relation r = {rel->id, s->nmem, 0, 0, 0};
    if (s->rules) {
        if (bind(s, rel->tags, rel->tag_count) < 0) return fail(s);
        unsigned attr;
        size_t rule;
        if (bp_rules_area(s->rules, s->vals) && bp_rules_way(s->rules, s->vals, &attr, &rule) != BP_WALK_NO)
            r.area = 1, r.attr = attr;
    }
    size_t nm0 = s->nm;
    if (add_matches(s, M_REL, s->nrel, 0, 0, rel->tags, rel->tag_count) < 0) return fail(s);
    if (!r.area && s->nm == nm0) return tick(s);
    for (int i = 0; i < rel->member_count; i++) {
        const readosm_member *mb = &rel->members[i];
        if (mb->member_type != READOSM_MEMBER_WAY) continue;
        if (s->nmem == s->capmem) {
            size_t c = s->capmem ? s->capmem * 2 : 256;
            int64_t *mw = realloc(s->mway, c * sizeof *mw);
            if (!mw) return fail(s);
            s->mway = mw;
            unsigned char *mr = realloc(s->mrole, c);
            if (!mr) return fail(s);
            s->mrole = mr;
            s->capmem = c;
        }
        s->mway[s->nmem] = mb->id;
        s->mrole[s->nmem++] = mb->role && !strcmp(mb->role, "inner");
    }
    r.mcount = s->nmem - r.mfirst;
    if (GROW(s->rel, s->nrel, s->caprel) < 0) return s->nrel = s->caprel = 0, fail(s);
    s->rel[s->nrel++] = r;
    return tick(s);
}

static void state_free(osm_state *s)
{
    free(s->vals);
    free(s->tags);
    for (size_t c = 0; s->want && c < s->ncat; c++) {
        for (size_t w = 0; s->want[c] && s->want[c][w]; w++) free(s->want[c][w]);
        free(s->want[c]);
    }
    free(s->want);
    free(s->nid), free(s->lon), free(s->lat);
    free(s->tn_id), free(s->tn_flags);
    free(s->wid), free(s->wstart), free(s->wwalk), free(s->wattr), free(s->refs);
    free(s->rel), free(s->mway), free(s->mrole);
    for (size_t i = 0; i < s->nm; i++) free(s->m[i].name);
    free(s->m);
}

/* ---- after the pass: lookups ------------------------------------------------------ */

static int cmp_by_key(const void *a, const void *b, void *ud)
{
    const int64_t *keys = ud;
    int64_t x = keys[*(const uint32_t *)a], y = keys[*(const uint32_t *)b];
    return x < y ? -1 : x > y;
}

/* perm: indexes in id order (NULL when the ids are sorted as read). */
static size_t find_id(const int64_t *ids, const uint32_t *perm, size_t n, int64_t id)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = (lo + hi) / 2;
        int64_t v = ids[perm ? perm[mid] : mid];
        if (v == id) return perm ? perm[mid] : mid;
        if (v < id) lo = mid + 1;
        else hi = mid;
    }
    return (size_t)-1;
}

static uint32_t *sort_ids(const int64_t *ids, size_t n)
{
    uint32_t *perm = malloc((n ? n : 1) * sizeof *perm);
    if (!perm) return NULL;
    for (size_t i = 0; i < n; i++) perm[i] = (uint32_t)i;
    qsort_r(perm, n, sizeof *perm, cmp_by_key, (void *)ids);
    return perm;
}

typedef struct {
    osm_state *s;
    uint32_t *nperm, *wperm; /* NULL: sorted as read */
    OGRCoordinateTransformationH ct;
    GEOSContextHandle_t h;
    double *x, *y;           /* scratch */
    size_t cap;
} ctxt;

static int scratch(ctxt *c, size_t n)
{
    if (n <= c->cap) return 0;
    size_t nc = c->cap ? c->cap : 256;
    while (nc < n) nc *= 2;
    double *x = realloc(c->x, nc * sizeof *x);
    if (!x) return -1;
    c->x = x;
    double *y = realloc(c->y, nc * sizeof *y);
    if (!y) return -1;
    c->y = y;
    c->cap = nc;
    return 0;
}

/* Coordinates of node ids in the analysis CRS into c->x/c->y (NaN for a
 * node outside the extract); returns how many are missing, -1 on error. */
static long coords(ctxt *c, const int64_t *ids, size_t n)
{
    if (scratch(c, n) < 0) return -1;
    long missing = 0;
    for (size_t i = 0; i < n; i++) {
        size_t k = find_id(c->s->nid, c->nperm, c->s->nn, ids[i]);
        if (k == (size_t)-1) {
            c->x[i] = c->y[i] = NAN;
            missing++;
        } else {
            c->x[i] = c->s->lon[k], c->y[i] = c->s->lat[k];
        }
    }
    if (!c->ct || !n) return missing;
    int *ok = malloc(n * sizeof *ok);
    if (!ok) return -1;
    for (size_t i = 0; i < n; i++) ok[i] = !isnan(c->x[i]);
    for (size_t i = 0; i < n; i++)
        if (!ok[i]) c->x[i] = c->y[i] = 0; /* placeholders, NaN again below */
    int *done = malloc(n * sizeof *done);
    if (!done) {
        free(ok);
        return -1;
    }
    OCTTransformEx(c->ct, (int)n, c->x, c->y, NULL, done);
    for (size_t i = 0; i < n; i++)
        if (!ok[i] || !done[i]) {
            missing += ok[i] != 0;
            c->x[i] = c->y[i] = NAN;
        }
    free(ok);
    free(done);
    return missing;
}

static GEOSGeometry *make_ring(GEOSContextHandle_t h, const double *x, const double *y, size_t n)
{
    GEOSCoordSequence *cs = GEOSCoordSeq_create_r(h, (unsigned)n, 2);
    if (!cs) return NULL;
    for (size_t k = 0; k < n; k++) GEOSCoordSeq_setXY_r(h, cs, (unsigned)k, x[k], y[k]);
    return GEOSGeom_createLinearRing_r(h, cs);
}

/* The polygon of a closed way in the analysis CRS, or NULL (a node outside
 * the extract, GEOS failed). */
static GEOSGeometry *way_polygon(ctxt *c, size_t w)
{
    osm_state *s = c->s;
    size_t n = s->wstart[w + 1] - s->wstart[w];
    if (coords(c, s->refs + s->wstart[w], n) != 0) return NULL;
    GEOSGeometry *ring = make_ring(c->h, c->x, c->y, n);
    return ring ? GEOSGeom_createPolygon_r(c->h, ring, NULL, 0) : NULL;
}

/* The member ways of relation r joined into closed rings (a way continues
 * the ring where one of its ends meets the ring's open end), as GEOS rings
 * with their areas, appended to rings/area (*nrings of them; the caller
 * frees them also on failure).  0 when a member way is missing or a ring
 * does not close. */
static int relation_rings(ctxt *c, const relation *r, GEOSGeometry **rings, double *area, size_t *nrings)
{
    osm_state *s = c->s;
    size_t nm = r->mcount;
    size_t *way = malloc((nm ? nm : 1) * sizeof *way);
    unsigned char *used = calloc(nm ? nm : 1, 1);
    int64_t *seq = NULL;
    size_t nseq = 0, capseq = 0;
    int ok = way && used;
    for (size_t i = 0; ok && i < nm; i++) {
        size_t w = find_id(s->wid, c->wperm, s->nw, s->mway[r->mfirst + i]);
        if (w == (size_t)-1 || s->wstart[w + 1] - s->wstart[w] < 2) ok = 0;
        else way[i] = w;
    }
    for (size_t start = 0; ok && start < nm; start++) {
        if (used[start]) continue;
        used[start] = 1;
        nseq = 0;
        size_t w = way[start], n = s->wstart[w + 1] - s->wstart[w];
        if (n > capseq) {
            capseq = n * 2 + 16;
            int64_t *ns = realloc(seq, capseq * sizeof *ns);
            if (!ns) { ok = 0; break; }
            seq = ns;
        }
        memcpy(seq, s->refs + s->wstart[w], n * sizeof *seq);
        nseq = n;
        while (ok && seq[0] != seq[nseq - 1]) {
            size_t found = nm;
            int rev = 0;
            for (size_t j = 0; j < nm && found == nm; j++) {
                if (used[j]) continue;
                const int64_t *rr = s->refs + s->wstart[way[j]];
                size_t rn = s->wstart[way[j] + 1] - s->wstart[way[j]];
                if (rr[0] == seq[nseq - 1]) found = j, rev = 0;
                else if (rr[rn - 1] == seq[nseq - 1]) found = j, rev = 1;
            }
            if (found == nm) { ok = 0; break; } /* the ring does not close */
            used[found] = 1;
            const int64_t *rr = s->refs + s->wstart[way[found]];
            size_t rn = s->wstart[way[found] + 1] - s->wstart[way[found]];
            if (nseq + rn > capseq) {
                capseq = (nseq + rn) * 2;
                int64_t *ns = realloc(seq, capseq * sizeof *ns);
                if (!ns) { ok = 0; break; }
                seq = ns;
            }
            for (size_t k = 1; k < rn; k++) seq[nseq++] = rev ? rr[rn - 1 - k] : rr[k];
        }
        if (!ok || nseq < 4 || coords(c, seq, nseq) != 0) { ok = 0; break; }
        double a2 = 0;
        for (size_t k = 0; k + 1 < nseq; k++) a2 += c->x[k] * c->y[k + 1] - c->x[k + 1] * c->y[k];
        GEOSGeometry *ring = make_ring(c->h, c->x, c->y, nseq);
        if (!ring) { ok = 0; break; }
        area[*nrings] = fabs(a2) / 2;
        rings[(*nrings)++] = ring;
    }
    free(seq);
    free(way);
    free(used);
    return ok;
}

/* Which ring lies in which.  Sorts the rings largest first; a ring inside
 * an outer ring (and not in one of its holes) is a hole of the smallest
 * such outer: parent[i] is that outer, or (size_t)-1 for an outer ring,
 * whose polygon goes to shell[i].  0 on failure. */
static int nest_rings(GEOSContextHandle_t h, GEOSGeometry **rings, double *area, size_t nrings, size_t *parent,
                      GEOSGeometry **shell)
{
    for (size_t i = 1; i < nrings; i++)
        for (size_t j = i; j > 0 && area[j] > area[j - 1]; j--) {
            double ta = area[j]; area[j] = area[j - 1]; area[j - 1] = ta;
            GEOSGeometry *tg = rings[j]; rings[j] = rings[j - 1]; rings[j - 1] = tg;
        }
    for (size_t i = 0; i < nrings; i++) {
        parent[i] = (size_t)-1;
        double px, py;
        GEOSCoordSeq_getXY_r(h, GEOSGeom_getCoordSeq_r(h, rings[i]), 0, &px, &py);
        GEOSGeometry *pt = GEOSGeom_createPointFromXY_r(h, px, py);
        for (size_t j = i; pt && j-- > 0;) {
            if (!shell[j]) continue;
            if (GEOSContains_r(h, shell[j], pt) == 1) {
                /* inside outer j: a hole, unless inside one of j's holes */
                int in_hole = 0;
                for (size_t k = j + 1; k < i && !in_hole; k++)
                    if (parent[k] == j) {
                        GEOSGeometry *hr = GEOSGeom_clone_r(h, rings[k]);
                        GEOSGeometry *hp = hr ? GEOSGeom_createPolygon_r(h, hr, NULL, 0) : NULL;
                        in_hole = hp && GEOSContains_r(h, hp, pt) == 1;
                        if (hp) GEOSGeom_destroy_r(h, hp);
                    }
                if (!in_hole) parent[i] = j;
                break;
            }
        }
        if (pt) GEOSGeom_destroy_r(h, pt);
        if (parent[i] == (size_t)-1) {
            GEOSGeometry *sr = GEOSGeom_clone_r(h, rings[i]);
            shell[i] = sr ? GEOSGeom_createPolygon_r(h, sr, NULL, 0) : NULL;
            if (!shell[i]) return 0;
        }
    }
    return 1;
}

/* Each outer ring with its holes (nest_rings), as one polygon or a
 * multipolygon; the rings used are taken out of rings[].  NULL on
 * failure. */
static GEOSGeometry *rings_to_polygons(GEOSContextHandle_t h, GEOSGeometry **rings, const size_t *parent,
                                       GEOSGeometry *const *shell, size_t nrings)
{
    GEOSGeometry **polys = calloc(nrings, sizeof *polys);
    size_t np = 0;
    int ok = polys != NULL;
    for (size_t i = 0; ok && i < nrings; i++) {
        if (!shell[i]) continue;
        size_t nh = 0;
        for (size_t k = 0; k < nrings; k++) nh += parent[k] == i;
        GEOSGeometry **holes = malloc((nh ? nh : 1) * sizeof *holes);
        if (!holes) { ok = 0; break; }
        nh = 0;
        for (size_t k = 0; k < nrings; k++)
            if (parent[k] == i) holes[nh++] = rings[k], rings[k] = NULL;
        GEOSGeometry *outer = rings[i];
        rings[i] = NULL;
        polys[np] = GEOSGeom_createPolygon_r(h, outer, holes, (unsigned)nh);
        free(holes);
        if (!polys[np]) { ok = 0; break; }
        np++;
    }
    GEOSGeometry *out = NULL;
    if (ok && np) out = np == 1 ? polys[0] : GEOSGeom_createCollection_r(h, GEOS_MULTIPOLYGON, polys, (unsigned)np);
    else
        for (size_t i = 0; polys && i < np; i++) GEOSGeom_destroy_r(h, polys[i]);
    free(polys);
    return out;
}

/* Rings of a multipolygon relation: member ways joined end to end by node
 * id.  Returns the polygon (holes inside the outer ring that contains
 * them, by geometry), or NULL when a member is missing or a ring does not
 * close. */
static GEOSGeometry *relation_polygon(ctxt *c, const relation *r)
{
    GEOSContextHandle_t h = c->h;
    size_t nm = r->mcount, nrings = 0;
    GEOSGeometry **rings = calloc(nm ? nm : 1, sizeof *rings);
    double *area = calloc(nm ? nm : 1, sizeof *area);
    GEOSGeometry *out = NULL;
    if (rings && area && relation_rings(c, r, rings, area, &nrings) && nrings) {
        size_t *parent = malloc(nrings * sizeof *parent);
        GEOSGeometry **shell = calloc(nrings, sizeof *shell);
        if (parent && shell && nest_rings(h, rings, area, nrings, parent, shell))
            out = rings_to_polygons(h, rings, parent, shell, nrings);
        for (size_t i = 0; shell && i < nrings; i++)
            if (shell[i]) GEOSGeom_destroy_r(h, shell[i]);
        free(shell);
        free(parent);
    }
    for (size_t i = 0; rings && i < nrings; i++)
        if (rings[i]) GEOSGeom_destroy_r(h, rings[i]);
    free(rings);
    free(area);
    return out;
}

/* ---- the graph --------------------------------------------------------------------- */

static bp_status build_graph(ctxt *c, bp_build *b, bp_read_stats *stats, bp_ctx *ctx)
{
    osm_state *s = c->s;
    for (size_t w = 0; w < s->nw; w++) {
        if ((s->wwalk[w] & 3) == BP_WALK_NO) continue;
        size_t n = s->wstart[w + 1] - s->wstart[w];
        if (coords(c, s->refs + s->wstart[w], n) < 0) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        long added = bp_build_polyline(b, c->x, c->y, n, s->wattr[w]);
        if (added < 0) return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        if (added > 0) stats->ways++;
        if (added > 0 && (s->wwalk[w] & WALK_AREA)) {
            GEOSGeometry *poly = way_polygon(c, w);
            if (poly && bp_build_area(b, c->h, poly, s->wattr[w], 0) < 0)
                return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        }
    }
    for (size_t i = 0; i < s->nrel; i++) {
        if (!s->rel[i].area) continue;
        GEOSGeometry *poly = relation_polygon(c, &s->rel[i]);
        if (!poly) continue;
        if (bp_build_area(b, c->h, poly, s->rel[i].attr, 1) < 0)
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
        stats->relations++;
    }
    for (size_t i = 0; i < s->ntn; i++) {
        if (coords(c, &s->tn_id[i], 1) < 0) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        if (!isnan(c->x[0]) && bp_build_node(b, c->x[0], c->y[0], s->tn_flags[i]) < 0)
            return bp_error(ctx, BP_ERR_NOMEM, "out of memory building the network");
    }
    return BP_OK;
}

/* ---- the facilities ------------------------------------------------------------------ */

/* "key=value, key=value" -> a NULL-terminated array in *out. */
static bp_status parse_tags(const char *text, const char *cat, char ***out, bp_ctx *ctx)
{
    size_t n = 1;
    for (const char *p = text; *p; p++) n += *p == ',';
    char **w = calloc(n + 1, sizeof *w);
    if (!w) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    *out = w;
    size_t k = 0;
    for (const char *p = text; *p;) {
        while (*p == ' ' || *p == ',') p++;
        const char *e = p;
        while (*e && *e != ',') e++;
        const char *t = e;
        while (t > p && t[-1] == ' ') t--;
        if (t > p) {
            if (!(w[k] = malloc((size_t)(t - p) + 1))) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            memcpy(w[k], p, (size_t)(t - p));
            w[k][t - p] = '\0';
            if (!strchr(w[k], '='))
                return bp_error(ctx, BP_ERR_USAGE, "osm_facilities.%s: '%s' is not key=value", cat, w[k]);
            k++;
        }
        p = e;
    }
    return BP_OK;
}

/* Appends a facility to layer l (*cap its capacity); takes geom and name. */
static int layer_append(bp_layer *l, size_t *cap, GEOSGeometry *geom, char *name, int64_t fid, GEOSContextHandle_t h)
{
    if (l->n == *cap) {
        size_t nc = *cap ? *cap * 2 : 64;
        GEOSGeometry **ng = realloc(l->geom, nc * sizeof *ng);
        if (ng) l->geom = ng;
        char **nn = ng ? realloc(l->names, nc * sizeof *nn) : NULL;
        if (nn) l->names = nn;
        int64_t *nf = nn ? realloc(l->fid, nc * sizeof *nf) : NULL;
        if (nf) l->fid = nf;
        if (!nf) return -1;
        *cap = nc;
    }
    int dim = GEOSGeom_getDimensions_r(h, geom);
    if (dim > l->max_dim) l->max_dim = dim;
    l->geom[l->n] = geom;
    l->names[l->n] = name;
    l->fid[l->n] = fid;
    l->n++;
    return 0;
}

static bp_status build_facilities(ctxt *c, const bp_osm_request *req, const char *path, bp_ctx *ctx)
{
    osm_state *s = c->s;
    GEOSContextHandle_t h = c->h;
    size_t *cap = calloc(req->ncat ? req->ncat : 1, sizeof *cap);
    if (!cap) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    bp_status st = BP_OK;
    for (size_t k = 0; k < req->ncat && st == BP_OK; k++)
        if (req->tags[k]) {
            memset(&req->fac[k], 0, sizeof req->fac[k]);
            req->fac[k].what = bp_strfmt("%s (OpenStreetMap %s)", path, req->names[k]);
            if (!req->fac[k].what) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        }
    for (size_t i = 0; i < s->nm && st == BP_OK; i++) {
        match *mt = &s->m[i];
        bp_layer *l = &req->fac[mt->cat];
        GEOSGeometry *geom = NULL;
        if (mt->kind == M_NODE) {
            double x = mt->lon, y = mt->lat;
            if (!c->ct || OCTTransform(c->ct, 1, &x, &y, NULL)) geom = GEOSGeom_createPointFromXY_r(h, x, y);
        } else {
            geom = mt->kind == M_WAY ? way_polygon(c, mt->idx) : relation_polygon(c, &s->rel[mt->idx]);
        }
        l->n_read++;
        if (geom && GEOSisValid_r(h, geom) != 1) {
            GEOSGeometry *fixed = GEOSMakeValid_r(h, geom);
            GEOSGeom_destroy_r(h, geom);
            geom = fixed;
            l->n_repaired++;
        }
        if (!geom) {
            l->n_skipped++; /* leaves the extract, or does not close */
            continue;
        }
        int64_t fid = mt->kind == M_NODE ? s->nid[mt->idx] : mt->kind == M_WAY ? s->wid[mt->idx] : s->rel[mt->idx].id;
        if (layer_append(l, &cap[mt->cat], geom, mt->name, fid, h) < 0) {
            GEOSGeom_destroy_r(h, geom);
            st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            break;
        }
        mt->name = NULL;
    }
    for (size_t k = 0; k < req->ncat && st == BP_OK; k++)
        if (req->tags[k] && req->fac[k].n == 0)
            bp_warn(ctx,
                    "%s: no OpenStreetMap object tagged %s: category %s has no facilities, so its "
                    "distances are empty and it scores 0 for every plot",
                    path, req->tags[k], req->names[k]);
    free(cap);
    return st;
}

/* ---- the pass ------------------------------------------------------------------------- */

/* .osm.pbf through readosm, .osm (XML) through our own reader (osmxml.c). */
static bp_status parse(const char *path, osm_state *s, bp_ctx *ctx)
{
    size_t len = strlen(path);
    int rc = READOSM_OK;
    if (!(len > 4 && !strcasecmp(path + len - 4, ".pbf"))) {
        int stopped;
        bp_status st = bp_osmxml_parse(path, s, on_node, on_way, on_relation, &stopped, ctx);
        if (st != BP_OK) return st;
        rc = stopped ? READOSM_ABORT : READOSM_OK;
    } else {
        const void *hd = NULL;
        rc = readosm_open(path, &hd);
        if (rc != READOSM_OK) {
            readosm_close(hd);
            struct stat st;
            if (stat(path, &st) != 0) return bp_error(ctx, BP_ERR_USAGE, "%s: %s", path, strerror(errno));
            return bp_error(ctx, BP_ERR_DATA, "%s: not an OpenStreetMap file readosm can open (error %d)", path, rc);
        }
        rc = readosm_parse(hd, s, on_node, on_way, on_relation);
        readosm_close(hd);
    }
    if (s->failed) return bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    if (s->aborted) return bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    if (rc != READOSM_OK)
        return bp_error(ctx, BP_ERR_DATA, "%s: damaged or truncated OpenStreetMap data (readosm error %d)", path, rc);
    return BP_OK;
}

bp_status bp_osm_read(const char *path, const bp_rules *rules, bp_build *b, bp_read_stats *stats,
                      const bp_osm_request *req, const bp_crs *crs, bp_geos *g, GDALProgressFunc progress,
                      void *pdata, bp_ctx *ctx)
{
    osm_state s = {.rules = rules, .stats = stats, .sorted = 1, .wsorted = 1, .progress = progress, .pdata = pdata,
                   .highway_key = (size_t)-1};
    bp_status st = BP_OK;
    struct stat sb;
    size_t plen = strlen(path);
    if (stat(path, &sb) == 0)
        s.estimate = (size_t)sb.st_size / (plen > 4 && !strcmp(path + plen - 4, ".pbf") ? 9 : 100);
    if (rules) {
        size_t nk = bp_rules_nkeys(rules);
        s.vals = calloc(nk ? nk : 1, sizeof *s.vals);
        if (!s.vals) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        s.highway_key = bp_rules_key(rules, "highway"); /* for the per-rule counts */
    }
    if (req) {
        s.ncat = req->ncat;
        s.want = calloc(req->ncat ? req->ncat : 1, sizeof *s.want);
        if (!s.want && st == BP_OK) st = bp_error(ctx, BP_ERR_NOMEM, "out of memory");
        for (size_t c = 0; c < req->ncat && st == BP_OK; c++)
            if (req->tags[c]) st = parse_tags(req->tags[c], req->names[c], &s.want[c], ctx);
    }
    if (st == BP_OK) st = parse(path, &s, ctx);
    ctxt c = {&s, NULL, NULL, NULL, g->h, NULL, NULL, 0};
    if (st == BP_OK && !s.sorted && !(c.nperm = sort_ids(s.nid, s.nn)))
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    if (st == BP_OK && !s.wsorted && !(c.wperm = sort_ids(s.wid, s.nw)))
        st = bp_error(ctx, BP_ERR_NOMEM, "out of memory reading %s", path);
    if (st == BP_OK) st = bp_crs_transform_from_wgs84(crs, path, &c.ct, ctx);
    if (st == BP_OK && progress && !progress(0.96, NULL, pdata)) st = bp_error(ctx, BP_ERR_ABORTED, "interrupted");
    if (st == BP_OK && rules && b) st = build_graph(&c, b, stats, ctx);
    if (st == BP_OK && req) st = build_facilities(&c, req, path, ctx);
    if (c.ct) OCTDestroyCoordinateTransformation(c.ct);
    free(c.nperm);
    free(c.wperm);
    free(c.x);
    free(c.y);
    state_free(&s);
    if (st == BP_OK && progress) progress(1.0, NULL, pdata);
    return st;
}

bp_status bp_osm_facilities(const char *path, char *const *tags, char *const *names, size_t ncat, const bp_crs *crs,
                            bp_geos *g, bp_layer *fac, bp_ctx *ctx)
{
    bp_osm_request req = {tags, names, ncat, fac};
    return bp_osm_read(path, NULL, NULL, NULL, &req, crs, g, NULL, NULL, ctx);
}
