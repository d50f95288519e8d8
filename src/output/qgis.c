/*
 * qgis.c — what makes the GeoPackage open as a finished map in QGIS:
 *   - default styles (table layer_styles): the QML of layers/NAME.qml, with
 *     what depends on the run filled in (the chosen profile, the Dutch field
 *     aliases of layers/NAME.yaml, the facility categories of the run);
 *   - a QGIS project (table qgis_projects): every layer in a sensible order,
 *     styled, with Dutch titles and field descriptions, zoomed to the
 *     candidates, over PDOK's basemap for results in the Netherlands; a .qgz
 *     (zip of the .qgs XML) stored as hex text.
 * The table layouts are those QGIS 3.22 reads (see the notes in README,
 * "QGIS").  XML is handled with GDAL's CPL minixml, the zip with GDAL's CPL
 * zip writer.
 */
#include "output/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_minixml.h>
#include <cpl_string.h>
#include <cpl_vsi.h>

/* Layers of the project, top of the legend first; others follow. */
static const char *const layer_order[] = {"programma", "candidates", "facilities", "walk_network", "gemeente_gap", "run_info",
                                          "besluiten_log", "besluiten_vervallen"};
/* Layers shown unchecked (too dense for a first look); none today: the
 * walking network is the street map under the plots. */
static const char *const hidden_layers[] = {NULL};
/* Further styles of a layer, switchable in QGIS (Layer Properties > Styles,
 * or the layer's context menu): the layer's default style (layers/NAME.qml)
 * is the first, named default_title; the others are layers/QML.qml, offered
 * when the layer has field 'needs'. */
static const struct {
    const char *layer, *default_title, *qml, *title, *needs;
} alt_styles[] = {
    {"walk_network", "Straten (grijs)", "walk_network_looplengte", "Looplengte tot supermarkt", "dist_supermarkt_m"},
};

/* The national basemap, PDOK BRT-Achtergrondkaart (Kadaster), grey
 * variant, as WMTS in RD New (tile matrix set EPSG:28992), the data source
 * QGIS itself writes for it (Layer > Add WMS/WMTS Layer, or the PDOK
 * services plugin).  QGIS reads the service's capabilities when it loads
 * the layer: offline the layer is unavailable and draws nothing, the rest
 * of the project is unaffected. */
#define BASEMAP_ID "brt_achtergrondkaart_grijs"
#define BASEMAP_TITLE "Achtergrondkaart (PDOK BRT, grijs)"
#define BASEMAP_SOURCE                                                                                 \
    "contextualWMSLegend=0&crs=EPSG:28992&dpiMode=7&featureCount=10&format=image/png&layers=grijs"   \
    "&styles=default&tileMatrixSet=EPSG:28992"                                                       \
    "&url=https://service.pdok.nl/brt/achtergrondkaart/wmts/v2_0?request%3DGetCapabilities%26service%3DWMTS"

static const char *qml_template(const char *name)
{
    return bp_embedded_qml(name);
}

/* ---- small XML helpers (CPL minixml works on sibling chains) ------------ */

/* XML text of a CPL minixml tree.  Not CPLSerializeXMLTree: in GDAL 3.6 it
 * crashes when its buffer cannot grow (out of memory). */
typedef struct {
    char *s;
    size_t len, cap;
    int failed;
} xml_text;

static void xml_put(xml_text *b, const char *t, size_t n)
{
    if (b->failed) return;
    if (b->len + n + 1 > b->cap) {
        size_t cap = b->cap ? b->cap : 4096;
        while (cap < b->len + n + 1) cap *= 2;
        char *ns = realloc(b->s, cap);
        if (!ns) {
            b->failed = 1;
            return;
        }
        b->s = ns;
        b->cap = cap;
    }
    memcpy(b->s + b->len, t, n);
    b->len += n;
    b->s[b->len] = '\0';
}

static void xml_str(xml_text *b, const char *t)
{
    xml_put(b, t, strlen(t));
}

static void xml_escaped(xml_text *b, const char *t, int in_attribute)
{
    for (const char *p = t; *p; p++) {
        const char *e = *p == '&' ? "&amp;" : *p == '<' ? "&lt;" : *p == '>' ? "&gt;"
                      : in_attribute && *p == '"' ? "&quot;" : NULL;
        if (e) xml_str(b, e);
        else xml_put(b, p, 1);
    }
}

static void xml_node(xml_text *b, const CPLXMLNode *n, int depth)
{
    if (!n->pszValue || depth > 500) {
        b->failed = 1;
        return;
    }
    switch (n->eType) {
    case CXT_Text: xml_escaped(b, n->pszValue, 0); return;
    case CXT_Comment: xml_str(b, "<!--"), xml_str(b, n->pszValue), xml_str(b, "-->"); return;
    case CXT_Literal: xml_str(b, n->pszValue); return;
    case CXT_Attribute: return; /* written with its element */
    case CXT_Element: break;
    }
    xml_str(b, "<");
    xml_str(b, n->pszValue);
    int content = 0;
    for (const CPLXMLNode *c = n->psChild; c; c = c->psNext) {
        if (c->eType != CXT_Attribute) {
            content = 1;
            continue;
        }
        xml_str(b, " ");
        xml_str(b, c->pszValue ? c->pszValue : "");
        xml_str(b, "=\"");
        if (c->psChild && c->psChild->pszValue) xml_escaped(b, c->psChild->pszValue, 1);
        xml_str(b, "\"");
    }
    if (n->pszValue[0] == '?') {
        xml_str(b, "?>\n");
        return;
    }
    if (!content) {
        xml_str(b, "/>\n");
        return;
    }
    xml_str(b, ">");
    for (const CPLXMLNode *c = n->psChild; c; c = c->psNext)
        if (c->eType == CXT_Element) {
            xml_str(b, "\n");
            break;
        }
    for (const CPLXMLNode *c = n->psChild; c; c = c->psNext) xml_node(b, c, depth + 1);
    xml_str(b, "</");
    xml_str(b, n->pszValue);
    xml_str(b, ">\n");
}

/* Serializes one node without its following siblings; free() the result.
 * NULL when out of memory. */
static char *serialize_one(CPLXMLNode *n)
{
    xml_text b = {0};
    if (!n) return NULL;
    xml_node(&b, n, 0);
    if (b.failed) {
        free(b.s);
        return NULL;
    }
    return b.s;
}

static CPLXMLNode *clone_one(CPLXMLNode *n)
{
    CPLXMLNode *next = n->psNext;
    n->psNext = NULL;
    CPLXMLNode *c = CPLCloneXMLTree(n);
    n->psNext = next;
    return c;
}

static CPLXMLNode *child(CPLXMLNode *parent, const char *name)
{
    for (CPLXMLNode *c = parent ? parent->psChild : NULL; c; c = c->psNext)
        if (c->eType == CXT_Element && !strcmp(c->pszValue, name)) return c;
    return NULL;
}

static void remove_children_named(CPLXMLNode *parent, const char *name)
{
    CPLXMLNode *c;
    while ((c = child(parent, name)) != NULL) {
        CPLRemoveXMLChild(parent, c);
        CPLDestroyXMLNode(c);
    }
}

static CPLXMLNode *element(CPLXMLNode *parent, const char *name)
{
    return CPLCreateXMLNode(parent, CXT_Element, name);
}

static void attr(CPLXMLNode *n, const char *name, const char *value)
{
    CPLAddXMLAttributeAndValue(n, name, value ? value : "");
}

/* Sets attributes from a NULL-terminated list of names and values. */
static void attrs(CPLXMLNode *n, const char *const *kv)
{
    for (; kv[0] && kv[1]; kv += 2) attr(n, kv[0], kv[1]);
}

/* Sets the value of <Option name=KEY value=.../> and <prop k=KEY v=.../>
 * in a symbol layer. */
static void set_symbol_prop(CPLXMLNode *layer, const char *key, const char *value)
{
    CPLXMLNode *map = child(layer, "Option");
    for (CPLXMLNode *o = map ? map->psChild : NULL; o; o = o->psNext)
        if (o->eType == CXT_Element && !strcmp(o->pszValue, "Option") &&
            !strcmp(CPLGetXMLValue(o, "name", ""), key))
            CPLSetXMLValue(o, "#value", value);
    for (CPLXMLNode *p = layer->psChild; p; p = p->psNext)
        if (p->eType == CXT_Element && !strcmp(p->pszValue, "prop") && !strcmp(CPLGetXMLValue(p, "k", ""), key))
            CPLSetXMLValue(p, "#v", value);
}

/* Replaces every "{profile}" in text; returns a new string or NULL. */
static char *fill_profile(const char *text, const char *profile)
{
    static const char tag[] = "{profile}";
    size_t n = 0, tl = sizeof tag - 1, pl = strlen(profile);
    for (const char *p = strstr(text, tag); p; p = strstr(p + tl, tag)) n++;
    char *out = malloc(strlen(text) + n * pl + 1);
    if (!out) return NULL;
    char *o = out;
    for (const char *p = text;;) {
        const char *q = strstr(p, tag);
        size_t len = q ? (size_t)(q - p) : strlen(p);
        memcpy(o, p, len);
        o += len;
        if (!q) break;
        memcpy(o, profile, pl);
        o += pl;
        p = q + tl;
    }
    *o = '\0';
    return out;
}

/* ---- field metadata from layers/NAME.yaml -------------------------------- */

/* Alias and description of output field 'field' of layer definition def,
 * expanded for the run's categories, types and radius; 0 when the
 * definition does not name the field. */
static int field_meta(const bp_layerdef *def, const bp_names *nm, const char *field, char *alias,
                      size_t asize, char *desc, size_t dsize)
{
    char name[160];
    for (size_t i = 0; def && i < def->nfields; i++) {
        const bp_fielddef *fd = &def->fields[i];
        int n = !fd->per ? 1 : !strcmp(fd->per, "category") ? (int)nm->ncat : BP_NTYPES;
        for (int a = 0; a < n; a++) {
            const char *cat = fd->per && !strcmp(fd->per, "category") ? nm->cat[a] : NULL;
            const char *typ = fd->per && !strcmp(fd->per, "type") ? bp_type_name((bp_type)a) : NULL;
            bp_layerdef_expand(fd->name, cat, nm->radius_m, typ, name, sizeof name);
            if (strcmp(name, field)) continue;
            bp_layerdef_expand(fd->alias, cat, nm->radius_m, typ, alias, asize);
            bp_layerdef_expand(fd->description, cat, nm->radius_m, typ, desc, dsize);
            return 1;
        }
    }
    return 0;
}

/* Replaces <aliases> of the style root by the aliases of the layer's fields. */
static void put_aliases(CPLXMLNode *root, const char *name, OGRLayerH lyr, const bp_names *nm)
{
    const bp_layerdef *def = bp_layerdef_find(nm->defs, name);
    remove_children_named(root, "aliases");
    if (!def) return;
    CPLXMLNode *al = element(root, "aliases");
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(lyr);
    char alias[256], desc[1024];
    for (int i = 0; i < OGR_FD_GetFieldCount(fd); i++) {
        const char *fname = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i));
        if (!field_meta(def, nm, fname, alias, sizeof alias, desc, sizeof desc)) continue;
        CPLXMLNode *a = element(al, "alias");
        attr(a, "field", fname);
        attr(a, "name", alias);
    }
}

/* Replaces <fieldConfiguration> and <editable> of the style root: a
 * drop-down (ValueMap) for fields with values, a date-time editor for
 * datetime fields, and only the fields marked editable in layers/ open to
 * editing (the decisions); the computed ones are read-only. */
static void put_edit_widgets(CPLXMLNode *root, const char *name, OGRLayerH lyr, const bp_names *nm)
{
    const bp_layerdef *def = bp_layerdef_find(nm->defs, name);
    if (!def) return;
    int any = 0;
    for (size_t i = 0; i < def->nfields; i++) any |= def->fields[i].editable;
    if (!any) return;
    remove_children_named(root, "fieldConfiguration");
    remove_children_named(root, "editable");
    CPLXMLNode *fc = element(root, "fieldConfiguration"), *ed = element(root, "editable");
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(lyr);
    for (int i = 0; i < OGR_FD_GetFieldCount(fd); i++) {
        const char *fname = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i));
        const bp_fielddef *f = NULL;
        for (size_t k = 0; k < def->nfields && !f; k++)
            if (!strcmp(def->fields[k].name, fname)) f = &def->fields[k];
        CPLXMLNode *e = element(ed, "field");
        attr(e, "name", fname);
        /* input attributes stay editable; computed fields are the run's */
        int computed = 0;
        char alias[8], desc[8];
        computed = field_meta(def, nm, fname, alias, sizeof alias, desc, sizeof desc);
        attr(e, "editable", !computed || (f && f->editable) ? "1" : "0");
        if (!f || (!f->values && f->type != BP_FT_DATETIME)) continue;
        CPLXMLNode *field = element(fc, "field");
        attr(field, "name", fname);
        attr(field, "configurationFlags", "None");
        CPLXMLNode *w = element(field, "editWidget");
        attr(w, "type", f->values ? "ValueMap" : "DateTime");
        CPLXMLNode *opt = element(element(w, "config"), "Option");
        attr(opt, "type", "Map");
        if (f->values) {
            CPLXMLNode *list = element(opt, "Option");
            attr(list, "type", "List");
            attr(list, "name", "map");
            for (size_t k = 0; f->values[k]; k++) {
                CPLXMLNode *m = element(list, "Option");
                attr(m, "type", "Map");
                CPLXMLNode *v = element(m, "Option");
                attr(v, "type", "QString");
                attr(v, "name", f->values[k]);
                attr(v, "value", f->values[k]);
            }
        } else {
            CPLXMLNode *v = element(opt, "Option");
            attr(v, "type", "QString");
            attr(v, "name", "display_format");
            attr(v, "value", "yyyy-MM-dd HH:mm");
        }
    }
}

/* ---- facility categories -------------------------------------------------- */

/* Okabe-Ito colours and marker shapes QGIS 3.22 draws, for categories the
 * built-in style does not know; colour and shape both vary. */
static const char *const extra_colours[] = {"230,159,0,255", "86,180,233,255", "0,158,115,255",
                                            "240,228,66,255", "0,114,178,255", "213,94,0,255",
                                            "204,121,167,255", "0,0,0,255"};
static const char *const extra_shapes[] = {"octagon", "equilateral_triangle", "semi_circle",
                                           "square_with_corners", "asterisk_fill", "half_square",
                                           "left_half_triangle", "cross2"};

/* Makes the categories of a categorized renderer on "category" those of
 * the run, in its order. */
static bp_status fit_categories(CPLXMLNode *renderer, const bp_names *nm, const char *name, bp_ctx *ctx)
{
    CPLXMLNode *cats = child(renderer, "categories"), *syms = child(renderer, "symbols");
    if (!cats || !syms || !child(syms, "symbol"))
        return bp_error(ctx, BP_ERR_NOMEM, "layers/%s.qml: categorized renderer without categories or symbols", name);
    CPLXMLNode *ncats = CPLCreateXMLNode(NULL, CXT_Element, "categories");
    CPLXMLNode *nsyms = CPLCreateXMLNode(NULL, CXT_Element, "symbols");
    size_t extra = 0;
    for (size_t c = 0; c < nm->ncat; c++) {
        const char *cat = nm->cat[c];
        CPLXMLNode *found = NULL, *sym = NULL;
        for (CPLXMLNode *k = cats->psChild; k && !found; k = k->psNext)
            if (k->eType == CXT_Element && !strcmp(CPLGetXMLValue(k, "value", ""), cat)) found = k;
        const char *symname = found ? CPLGetXMLValue(found, "symbol", "") : NULL;
        for (CPLXMLNode *s = syms->psChild; s && symname && !sym; s = s->psNext)
            if (s->eType == CXT_Element && !strcmp(CPLGetXMLValue(s, "name", ""), symname)) sym = s;
        CPLXMLNode *nsym = clone_one(sym ? sym : child(syms, "symbol"));
        char sname[32];
        snprintf(sname, sizeof sname, "%zu", c);
        CPLSetXMLValue(nsym, "#name", sname);
        if (!sym) {
            /* unknown category: a colour and shape of its own */
            size_t i = extra++;
            for (CPLXMLNode *l = nsym->psChild; l; l = l->psNext)
                if (l->eType == CXT_Element && !strcmp(l->pszValue, "layer")) {
                    set_symbol_prop(l, "color", extra_colours[i % 8]);
                    set_symbol_prop(l, "name", extra_shapes[(i + i / 8) % 8]);
                }
        }
        CPLAddXMLChild(nsyms, nsym);
        CPLXMLNode *k = element(ncats, "category");
        attr(k, "value", cat);
        attr(k, "symbol", sname);
        attr(k, "label", found ? CPLGetXMLValue(found, "label", cat) : cat);
        attr(k, "render", "true");
    }
    /* swap in the new lists where the old ones were */
    if (cats->psChild) CPLDestroyXMLNode(cats->psChild);
    cats->psChild = ncats->psChild;
    ncats->psChild = NULL;
    CPLDestroyXMLNode(ncats);
    CPLDestroyXMLNode(syms->psChild);
    syms->psChild = nsyms->psChild;
    nsyms->psChild = NULL;
    CPLDestroyXMLNode(nsyms);
    return BP_OK;
}

/* ---- the style of one layer ---------------------------------------------- */

/* The style root <qgis> of a layer, standalone (no siblings): from
 * layers/NAME.qml when there is one (*styled = 1), else an empty one with
 * the aliases only.  NULL on failure (error in ctx). */
static CPLXMLNode *style_tree(const char *name, OGRLayerH lyr, const bp_names *nm, int *styled, bp_ctx *ctx)
{
    const char *tmpl = qml_template(name);
    *styled = tmpl != NULL;
    CPLXMLNode *root = NULL;
    if (tmpl) {
        char *text = fill_profile(tmpl, bp_type_name(nm->profile));
        if (!text) {
            bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            return NULL;
        }
        CPLErrorReset();
        CPLXMLNode *doc = CPLParseXMLString(text);
        free(text);
        /* the document may start with <!DOCTYPE>: find <qgis> among the top nodes */
        for (CPLXMLNode *n = doc; n && !root; n = n->psNext)
            if (n->eType == CXT_Element && !strcmp(n->pszValue, "qgis")) root = clone_one(n);
        CPLDestroyXMLNode(doc);
        if (!root) {
            bp_error(ctx, BP_ERR_NOMEM, "layers/%s.qml: not a QGIS style: %s", name, bp_cpl_msg());
            return NULL;
        }
    } else {
        root = CPLCreateXMLNode(NULL, CXT_Element, "qgis");
    }
    put_aliases(root, name, lyr, nm);
    put_edit_widgets(root, name, lyr, nm);
    CPLXMLNode *r = child(root, "renderer-v2");
    if (r && !strcmp(CPLGetXMLValue(r, "type", ""), "categorizedSymbol") &&
        !strcmp(CPLGetXMLValue(r, "attr", ""), "category") && nm->ncat > 0 &&
        fit_categories(r, nm, name, ctx) != BP_OK) {
        CPLDestroyXMLNode(root);
        return NULL;
    }
    return root;
}

bp_status bp_qgis_style(const char *name, OGRLayerH lyr, const bp_names *nm, char **qml, bp_ctx *ctx)
{
    *qml = NULL;
    int styled;
    CPLXMLNode *root = style_tree(name, lyr, nm, &styled, ctx);
    if (!root) return bp_ctx_status(ctx);
    if (styled) {
        char *s = serialize_one(root);
        *qml = s ? bp_strdup(s) : NULL;
        CPLFree(s);
    }
    CPLDestroyXMLNode(root);
    if (styled && !*qml) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    return BP_OK;
}

/* ---- layer_styles --------------------------------------------------------- */

static bp_status sql(GDALDatasetH ds, const char *stmt, const char *what, const char *table, bp_ctx *ctx)
{
    CPLErrorReset();
    OGRLayerH r = GDALDatasetExecuteSQL(ds, stmt, NULL, NULL);
    if (r) GDALDatasetReleaseResultSet(ds, r);
    if (CPLGetLastErrorType() >= CE_Failure)
        return bp_error(ctx, BP_ERR_IO, "%s: writing table %s failed: %s", what, table, bp_cpl_msg());
    return BP_OK;
}

static OGRLayerH create_styles_table(GDALDatasetH ds, const char *what, bp_ctx *ctx)
{
    static const char *const text_fields[] = {"f_table_catalog", "f_table_schema", "f_table_name",
                                              "f_geometry_column", "styleName", "styleQML", "styleSLD"};
    const char *opts[] = {"FID=id", "DESCRIPTION=QGIS layer styles", NULL};
    CPLErrorReset();
    OGRLayerH t = GDALDatasetCreateLayer(ds, "layer_styles", NULL, wkbNone, (char **)opts);
    if (!t) {
        bp_error(ctx, BP_ERR_IO, "%s: cannot create table layer_styles: %s", what, bp_cpl_msg());
        return NULL;
    }
    int ok = 1;
    for (size_t i = 0; i < sizeof text_fields / sizeof *text_fields; i++) {
        OGRFieldDefnH f = OGR_Fld_Create(text_fields[i], OFTString);
        ok &= OGR_L_CreateField(t, f, TRUE) == OGRERR_NONE;
        OGR_Fld_Destroy(f);
    }
    OGRFieldDefnH f = OGR_Fld_Create("useAsDefault", OFTInteger);
    OGR_Fld_SetSubType(f, OFSTBoolean);
    ok &= OGR_L_CreateField(t, f, TRUE) == OGRERR_NONE;
    OGR_Fld_Destroy(f);
    static const char *const more[] = {"description", "owner", "ui"};
    for (size_t i = 0; i < 3; i++) {
        f = OGR_Fld_Create(more[i], OFTString);
        ok &= OGR_L_CreateField(t, f, TRUE) == OGRERR_NONE;
        OGR_Fld_Destroy(f);
    }
    f = OGR_Fld_Create("update_time", OFTDateTime);
    OGR_Fld_SetDefault(f, "CURRENT_TIMESTAMP");
    ok &= OGR_L_CreateField(t, f, TRUE) == OGRERR_NONE;
    OGR_Fld_Destroy(f);
    if (!ok) {
        bp_error(ctx, BP_ERR_IO, "%s: cannot create the fields of table layer_styles: %s", what, bp_cpl_msg());
        return NULL;
    }
    return t;
}

/* ---- the project ---------------------------------------------------------- */

typedef struct {
    char name[128];
    OGRLayerH lyr;
    CPLXMLNode *style; /* standalone <qgis> root, owned */
    int styled;
    int alt;           /* index into alt_styles, or -1 */
    CPLXMLNode *alt_style; /* the alternative style's <qgis> root, owned, or NULL */
    const OGREnvelope *extent; /* known extent (tracked while writing), or NULL */
} proj_layer;

/* The layer's extent: the one tracked while writing, else from GDAL. */
static int layer_extent(const proj_layer *pl, OGREnvelope *env)
{
    if (pl->extent) {
        *env = *pl->extent;
        return 1;
    }
    return OGR_L_GetExtent(pl->lyr, env, TRUE) == OGRERR_NONE;
}

static void add_srs(CPLXMLNode *parent, OGRSpatialReferenceH srs)
{
    CPLXMLNode *s = element(parent, "spatialrefsys");
    char *wkt = NULL, *proj4 = NULL;
    const char *wopts[] = {"FORMAT=WKT2_2019", NULL};
    if (srs) {
        OSRExportToWktEx(srs, &wkt, wopts);
        OSRExportToProj4(srs, &proj4);
    }
    CPLCreateXMLElementAndValue(s, "wkt", wkt ? wkt : "");
    CPLCreateXMLElementAndValue(s, "proj4", proj4 ? proj4 : "");
    const char *an = srs ? OSRGetAuthorityName(srs, NULL) : NULL, *ac = srs ? OSRGetAuthorityCode(srs, NULL) : NULL;
    char authid[64] = "";
    if (an && ac) snprintf(authid, sizeof authid, "%s:%s", an, ac);
    CPLCreateXMLElementAndValue(s, "srid", ac ? ac : "0");
    CPLCreateXMLElementAndValue(s, "authid", authid);
    CPLCreateXMLElementAndValue(s, "description", srs && OSRGetName(srs) ? OSRGetName(srs) : "");
    CPLCreateXMLElementAndValue(s, "geographicflag", srs && OSRIsGeographic(srs) ? "true" : "false");
    CPLFree(wkt);
    CPLFree(proj4);
}

static void add_extent(CPLXMLNode *parent, const char *tag, const OGREnvelope *e)
{
    CPLXMLNode *x = element(parent, tag);
    char v[64];
    snprintf(v, sizeof v, "%.3f", e->MinX);
    CPLCreateXMLElementAndValue(x, "xmin", v);
    snprintf(v, sizeof v, "%.3f", e->MinY);
    CPLCreateXMLElementAndValue(x, "ymin", v);
    snprintf(v, sizeof v, "%.3f", e->MaxX);
    CPLCreateXMLElementAndValue(x, "xmax", v);
    snprintf(v, sizeof v, "%.3f", e->MaxY);
    CPLCreateXMLElementAndValue(x, "ymax", v);
}

/* Appends "text" to a growing string; keeps *s on failure. */
static void append(char **s, size_t *len, const char *text)
{
    size_t tl = strlen(text);
    char *n = realloc(*s, *len + tl + 1);
    if (!n) return;
    memcpy(n + *len, text, tl + 1);
    *s = n;
    *len += tl;
}

/* The layer's abstract: its description and what each field holds. */
static char *layer_abstract(const proj_layer *pl, const bp_names *nm)
{
    const bp_layerdef *def = bp_layerdef_find(nm->defs, pl->name);
    char *s = NULL;
    size_t len = 0;
    append(&s, &len, def ? def->description : "");
    OGRFeatureDefnH fd = OGR_L_GetLayerDefn(pl->lyr);
    char alias[256], desc[1024], line[1600];
    int first = 1;
    for (int i = 0; def && i < OGR_FD_GetFieldCount(fd); i++) {
        const char *fname = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i));
        if (!field_meta(def, nm, fname, alias, sizeof alias, desc, sizeof desc)) continue;
        snprintf(line, sizeof line, "%s%s (%s): %s", first ? "\n\nVelden / fields:\n" : "\n", fname, alias, desc);
        append(&s, &len, line);
        first = 0;
    }
    return s;
}

static void add_maplayer(CPLXMLNode *projectlayers, const proj_layer *pl, const char *id, const char *source,
                         const char *title, const bp_names *nm)
{
    CPLXMLNode *m = element(projectlayers, "maplayer");
    /* the style root's attributes (labelsEnabled, scale limits, ...) */
    for (CPLXMLNode *a = pl->style->psChild; a; a = a->psNext)
        if (a->eType == CXT_Attribute && strcmp(a->pszValue, "version") && strcmp(a->pszValue, "styleCategories"))
            attr(m, a->pszValue, a->psChild ? a->psChild->pszValue : "");
    attr(m, "type", "vector");
    OGREnvelope env;
    OGRSpatialReferenceH srs = OGR_L_GetSpatialRef(pl->lyr);
    if (srs && layer_extent(pl, &env)) add_extent(m, "extent", &env);
    CPLCreateXMLElementAndValue(m, "id", id);
    CPLCreateXMLElementAndValue(m, "datasource", source);
    CPLCreateXMLElementAndValue(m, "layername", title);
    CPLCreateXMLElementAndValue(m, "title", title);
    char *abstract = layer_abstract(pl, nm);
    CPLCreateXMLElementAndValue(m, "abstract", abstract ? abstract : "");
    if (srs) add_srs(element(m, "srs"), srs);
    CPLXMLNode *md = element(m, "resourceMetadata");
    CPLCreateXMLElementAndValue(md, "identifier", pl->name);
    CPLCreateXMLElementAndValue(md, "type", "dataset");
    CPLCreateXMLElementAndValue(md, "title", title);
    CPLCreateXMLElementAndValue(md, "abstract", abstract ? abstract : "");
    free(abstract);
    CPLXMLNode *prov = CPLCreateXMLElementAndValue(m, "provider", "ogr");
    attr(prov, "encoding", "UTF-8");
    for (CPLXMLNode *c = pl->style->psChild; c; c = c->psNext)
        if (c->eType == CXT_Element) CPLAddXMLChild(m, clone_one(c));
    if (pl->alt_style) { /* the current style is the one above; the others are kept whole */
        CPLXMLNode *sm = element(m, "map-layer-style-manager");
        attr(sm, "current", alt_styles[pl->alt].default_title);
        attr(element(sm, "map-layer-style"), "name", alt_styles[pl->alt].default_title);
        CPLXMLNode *st = element(sm, "map-layer-style");
        attr(st, "name", alt_styles[pl->alt].title);
        CPLAddXMLChild(st, clone_one(pl->alt_style));
    }
}

/* 1 when the middle of env (in srs) lies in the Netherlands, which the
 * basemap covers (a generous box: 3.0-7.5 E, 50.5-53.8 N). */
static int in_netherlands(OGRSpatialReferenceH srs, const OGREnvelope *env)
{
    OGRSpatialReferenceH wgs = OSRNewSpatialReference(NULL);
    int in = 0;
    if (wgs && OSRImportFromEPSG(wgs, 4326) == OGRERR_NONE) {
        OSRSetAxisMappingStrategy(wgs, OAMS_TRADITIONAL_GIS_ORDER);
        OGRCoordinateTransformationH ct = OCTNewCoordinateTransformation(srs, wgs);
        double x = (env->MinX + env->MaxX) / 2, y = (env->MinY + env->MaxY) / 2;
        if (ct && OCTTransform(ct, 1, &x, &y, NULL)) in = x >= 3.0 && x <= 7.5 && y >= 50.5 && y <= 53.8;
        if (ct) OCTDestroyCoordinateTransformation(ct);
    }
    if (wgs) OSRDestroySpatialReference(wgs);
    return in;
}

/* The basemap as the bottom layer of the project: checked, so QGIS shows it
 * whenever it can reach PDOK (see BASEMAP_SOURCE). */
static void add_basemap(CPLXMLNode *tree, CPLXMLNode *projectlayers)
{
    static const char *const node[] = {"id", BASEMAP_ID, "name", BASEMAP_TITLE, "source", BASEMAP_SOURCE,
                                       "providerKey", "wms", "checked", "Qt::Checked", "expanded", "0", NULL};
    static const char *const layer[] = {"type", "raster", "hasScaleBasedVisibilityFlag", "0", "minScale", "1e+08",
                                        "maxScale", "0", "autoRefreshEnabled", "0", "autoRefreshTime", "0",
                                        "refreshOnNotifyEnabled", "0", "refreshOnNotifyMessage", "", NULL};
    static const char *const renderer[] = {"type", "singlebandcolordata", "band", "1", "opacity", "1",
                                           "alphaBand", "-1", "nodataColor", "", NULL};
    static const char *const bc[] = {"brightness", "0", "contrast", "0", "gamma", "1", NULL};
    attrs(element(tree, "layer-tree-layer"), node);
    CPLXMLNode *m = element(projectlayers, "maplayer");
    attrs(m, layer);
    /* the extent of the RD tile matrix set */
    OGREnvelope rd = {-285401.92, 595401.92, 22598.08, 903401.92};
    add_extent(m, "extent", &rd);
    CPLCreateXMLElementAndValue(m, "id", BASEMAP_ID);
    CPLCreateXMLElementAndValue(m, "datasource", BASEMAP_SOURCE);
    CPLCreateXMLElementAndValue(m, "layername", BASEMAP_TITLE);
    CPLCreateXMLElementAndValue(m, "title", BASEMAP_TITLE);
    CPLCreateXMLElementAndValue(m, "abstract",
                                "BRT-Achtergrondkaart van het Kadaster via PDOK (WMTS, EPSG:28992), grijze variant: "
                                "straten, water, bebouwing en namen onder de kavels. Alleen zichtbaar met internet; "
                                "zonder verbinding tekent deze laag niets. Bron: Kadaster / PDOK, CC BY 4.0.");
    OGRSpatialReferenceH srs = OSRNewSpatialReference(NULL);
    if (srs && OSRImportFromEPSG(srs, 28992) == OGRERR_NONE) add_srs(element(m, "srs"), srs);
    if (srs) OSRDestroySpatialReference(srs);
    CPLXMLNode *prov = CPLCreateXMLElementAndValue(m, "provider", "wms");
    attr(prov, "encoding", "");
    CPLXMLNode *pipe = element(m, "pipe");
    CPLXMLNode *r = element(pipe, "rasterrenderer");
    attrs(r, renderer);
    element(r, "rasterTransparency");
    attrs(element(pipe, "brightnesscontrast"), bc);
    attr(element(pipe, "rasterresampler"), "maxOversampling", "2");
    CPLCreateXMLElementAndValue(pipe, "resamplingStage", "resamplingFilter");
    CPLCreateXMLElementAndValue(m, "blendMode", "0");
}

/* The .qgs XML of the project; CPLFree the result. */
static char *project_xml(proj_layer *pls, size_t n, const char *gpkg_name, const bp_names *nm)
{
    CPLXMLNode *root = CPLCreateXMLNode(NULL, CXT_Element, "qgis");
    attr(root, "version", "3.22.0-Białowieża");
    attr(root, "projectname", "bodnaarplot: kandidaatlocaties ouderenhuisvesting");
    attr(element(root, "homePath"), "path", "");
    char title[200];
    snprintf(title, sizeof title, "Kandidaatlocaties ouderenhuisvesting (%s)", bp_type_name(nm->profile));
    CPLCreateXMLElementAndValue(root, "title", title);
    /* project CRS and extent: those of the candidates (else the first layer with a CRS) */
    OGRSpatialReferenceH srs = NULL;
    OGREnvelope env = {0, 0, 0, 0};
    int have_env = 0;
    for (size_t i = 0; i < n && !have_env; i++) {
        OGRSpatialReferenceH s = OGR_L_GetSpatialRef(pls[i].lyr);
        if (s && layer_extent(&pls[i], &env)) {
            srs = s;
            have_env = 1;
        }
    }
    if (have_env) { /* a margin around the plots */
        double dx = (env.MaxX - env.MinX) * 0.05 + 100, dy = (env.MaxY - env.MinY) * 0.05 + 100;
        env.MinX -= dx, env.MaxX += dx, env.MinY -= dy, env.MaxY += dy;
    }
    add_srs(element(root, "projectCrs"), srs);
    CPLXMLNode *tree = element(root, "layer-tree-group");
    CPLXMLNode *canvas = element(root, "mapcanvas");
    attr(canvas, "name", "theMapCanvas");
    attr(canvas, "annotationsVisible", "1");
    CPLCreateXMLElementAndValue(canvas, "units", "meters");
    if (have_env) add_extent(canvas, "extent", &env);
    CPLCreateXMLElementAndValue(canvas, "rotation", "0");
    add_srs(element(canvas, "destinationsrs"), srs);
    CPLCreateXMLElementAndValue(canvas, "rendermaptile", "0");
    CPLXMLNode *players = element(root, "projectlayers");
    for (size_t i = 0; i < n; i++) {
        char id[200], source[1200];
        snprintf(id, sizeof id, "%s_bodnaarplot", pls[i].name);
        snprintf(source, sizeof source, "./%s|layername=%s", gpkg_name, pls[i].name);
        const bp_layerdef *def = bp_layerdef_find(nm->defs, pls[i].name);
        const char *ltitle = def && def->title ? def->title : pls[i].name;
        int hidden = 0;
        for (size_t h = 0; h < sizeof hidden_layers / sizeof *hidden_layers; h++)
            hidden |= hidden_layers[h] && !strcmp(hidden_layers[h], pls[i].name);
        CPLXMLNode *tl = element(tree, "layer-tree-layer");
        attr(tl, "id", id);
        attr(tl, "name", ltitle);
        attr(tl, "source", source);
        attr(tl, "providerKey", "ogr");
        attr(tl, "checked", hidden ? "Qt::Unchecked" : "Qt::Checked");
        attr(tl, "expanded", i == 0 ? "1" : "0");
        add_maplayer(players, &pls[i], id, source, ltitle, nm);
    }
    if (have_env && srs && in_netherlands(srs, &env)) add_basemap(tree, players);
    CPLXMLNode *props = element(root, "properties");
    CPLXMLNode *paths = element(props, "Paths");
    attr(CPLCreateXMLElementAndValue(paths, "Absolute", "false"), "type", "bool");
    /* without it QGIS ignores <projectCrs> */
    attr(CPLCreateXMLElementAndValue(element(props, "SpatialRefSys"), "ProjectionsEnabled", "1"), "type", "int");
    CPLXMLNode *view = element(root, "ProjectViewSettings");
    attr(view, "UseProjectScales", "0");
    attr(view, "rotation", "0");
    element(view, "Scales");
    if (have_env) {
        CPLXMLNode *dv = element(view, "DefaultViewExtent");
        char v[64];
        snprintf(v, sizeof v, "%.3f", env.MinX);
        attr(dv, "xmin", v);
        snprintf(v, sizeof v, "%.3f", env.MinY);
        attr(dv, "ymin", v);
        snprintf(v, sizeof v, "%.3f", env.MaxX);
        attr(dv, "xmax", v);
        snprintf(v, sizeof v, "%.3f", env.MaxY);
        attr(dv, "ymax", v);
        add_srs(dv, srs);
    }
    char *xml = serialize_one(root);
    CPLDestroyXMLNode(root);
    return xml;
}

/* Zips the .qgs into a .qgz in memory; returns the bytes (CPLFree) or NULL. */
static GByte *make_qgz(const char *qgs, vsi_l_offset *len)
{
    char path[128];
    snprintf(path, sizeof path, "/vsimem/bodnaarplot-%ld-%p.qgz", (long)getpid(), (const void *)qgs);
    void *z = CPLCreateZip(path, NULL);
    if (!z) return NULL;
    int ok = CPLCreateFileInZip(z, BP_QGIS_PROJECT ".qgs", NULL) == CE_None &&
             CPLWriteFileInZip(z, qgs, (int)strlen(qgs)) == CE_None && CPLCloseFileInZip(z) == CE_None;
    ok &= CPLCloseZip(z) == CE_None;
    GByte *bytes = VSIGetMemFileBuffer(path, len, TRUE);
    VSIUnlink(path);
    if (!ok) {
        CPLFree(bytes);
        return NULL;
    }
    return bytes;
}

static bp_status write_project(GDALDatasetH ds, proj_layer *pls, size_t n, const char *gpkg_name,
                               const bp_names *nm, const char *what, bp_ctx *ctx)
{
    char *qgs = project_xml(pls, n, gpkg_name, nm);
    if (!qgs) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    vsi_l_offset zlen = 0;
    GByte *qgz = make_qgz(qgs, &zlen);
    CPLFree(qgs);
    if (!qgz) return bp_error(ctx, BP_ERR_IO, "%s: cannot zip the QGIS project: %s", what, bp_cpl_msg());
    char ts[32];
    time_t now = time(NULL);
    struct tm tm;
    strftime(ts, sizeof ts, "%Y-%m-%dT%H:%M:%S", localtime_r(&now, &tm));
    static const char hexd[] = "0123456789abcdef";
    size_t head = 512, total = head + (size_t)zlen * 2 + 8;
    char *stmt = malloc(total);
    bp_status st = BP_OK;
    if (!stmt) {
        CPLFree(qgz);
        return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    }
    /* content is the .qgz as hex text, as QGIS writes and reads it */
    int k = snprintf(stmt, head,
                     "INSERT INTO qgis_projects(name, metadata, content) VALUES ('%s', "
                     "'{\"last_modified_time\": \"%s\", \"last_modified_user\": \"bodnaarplot\"}', '",
                     BP_QGIS_PROJECT, ts);
    char *o = stmt + k;
    for (vsi_l_offset i = 0; i < zlen; i++) {
        *o++ = hexd[qgz[i] >> 4];
        *o++ = hexd[qgz[i] & 15];
    }
    strcpy(o, "')");
    CPLFree(qgz);
    st = sql(ds, "CREATE TABLE qgis_projects(name TEXT PRIMARY KEY, metadata BLOB, content BLOB)", what,
             "qgis_projects", ctx);
    if (st == BP_OK) st = sql(ds, stmt, what, "qgis_projects", ctx);
    free(stmt);
    return st;
}

/* ---- GeoPackage schema extension: column titles and descriptions --------- */

/* gpkg_data_columns (with its constraints table and the two
 * gpkg_extensions rows the schema extension asks for; GDAL may have made
 * them already for JSON fields): the alias as name
 * and title, the description, for every field layers/ defines.  GDAL 3.7+
 * reads these as alternative names and comments; QGIS 3.22 reads the QML. */
static bp_status write_data_columns(GDALDatasetH ds, proj_layer *pls, size_t n, const bp_names *nm,
                                    const char *what, bp_ctx *ctx)
{
    static const char *const ddl[] = {
        "CREATE TABLE IF NOT EXISTS gpkg_extensions (table_name TEXT, column_name TEXT, "
        "extension_name TEXT NOT NULL, definition TEXT NOT NULL, scope TEXT NOT NULL, "
        "CONSTRAINT ge_tce UNIQUE (table_name, column_name, extension_name))",
        "CREATE TABLE IF NOT EXISTS gpkg_data_columns (table_name TEXT NOT NULL, column_name TEXT NOT NULL, name TEXT, "
        "title TEXT, description TEXT, mime_type TEXT, constraint_name TEXT, "
        "CONSTRAINT pk_gdc PRIMARY KEY (table_name, column_name), CONSTRAINT gdc_tn UNIQUE (table_name, name))",
        "CREATE TABLE IF NOT EXISTS gpkg_data_column_constraints (constraint_name TEXT NOT NULL, constraint_type TEXT NOT NULL, "
        "value TEXT, min NUMERIC, min_is_inclusive BOOLEAN, max NUMERIC, max_is_inclusive BOOLEAN, "
        "description TEXT, CONSTRAINT gdcc_ntv UNIQUE (constraint_name, constraint_type, value))",
        "INSERT INTO gpkg_extensions SELECT 'gpkg_data_columns', NULL, 'gpkg_schema', "
        "'http://www.geopackage.org/spec121/#extension_schema', 'read-write' WHERE NOT EXISTS "
        "(SELECT 1 FROM gpkg_extensions WHERE table_name = 'gpkg_data_columns' AND extension_name = 'gpkg_schema')",
        "INSERT INTO gpkg_extensions SELECT 'gpkg_data_column_constraints', NULL, 'gpkg_schema', "
        "'http://www.geopackage.org/spec121/#extension_schema', 'read-write' WHERE NOT EXISTS "
        "(SELECT 1 FROM gpkg_extensions WHERE table_name = 'gpkg_data_column_constraints' AND extension_name = 'gpkg_schema')",
    };
    bp_status st = BP_OK;
    for (size_t i = 0; i < sizeof ddl / sizeof *ddl && st == BP_OK; i++)
        st = sql(ds, ddl[i], what, "gpkg_data_columns", ctx);
    char alias[256], desc[1024];
    for (size_t l = 0; l < n && st == BP_OK; l++) {
        const bp_layerdef *def = bp_layerdef_find(nm->defs, pls[l].name);
        OGRFeatureDefnH fd = OGR_L_GetLayerDefn(pls[l].lyr);
        for (int i = 0; def && i < OGR_FD_GetFieldCount(fd) && st == BP_OK; i++) {
            const char *fname = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(fd, i));
            if (!field_meta(def, nm, fname, alias, sizeof alias, desc, sizeof desc)) continue;
            char *et = CPLEscapeString(pls[l].name, -1, CPLES_SQL), *ef = CPLEscapeString(fname, -1, CPLES_SQL);
            char *ea = CPLEscapeString(alias, -1, CPLES_SQL), *ed = CPLEscapeString(desc, -1, CPLES_SQL);
            /* GDAL may have registered the column already (JSON fields get a
               mime type): keep its row, add the title and description.  A
               table GDAL made has name UNIQUE over all tables: the alias goes
               into name only where no other column has it. */
            char *stmt = bp_strfmt("INSERT INTO gpkg_data_columns(table_name, column_name, name, title, description) "
                                   "SELECT '%s', '%s', CASE WHEN EXISTS (SELECT 1 FROM gpkg_data_columns WHERE "
                                   "name = '%s') THEN NULL ELSE '%s' END, '%s', '%s' WHERE 1 "
                                   "ON CONFLICT(table_name, column_name) DO UPDATE SET title = excluded.title, "
                                   "description = excluded.description",
                                   et, ef, ea, ea, ea, ed);
            CPLFree(et);
            CPLFree(ef);
            CPLFree(ea);
            CPLFree(ed);
            st = stmt ? sql(ds, stmt, what, "gpkg_data_columns", ctx) : bp_error(ctx, BP_ERR_NOMEM, "out of memory");
            free(stmt);
        }
    }
    return st;
}

/* ---- both ------------------------------------------------------------------ */

static int order_of(const char *name)
{
    for (size_t i = 0; i < sizeof layer_order / sizeof *layer_order; i++)
        if (!strcmp(layer_order[i], name)) return (int)i;
    return (int)(sizeof layer_order / sizeof *layer_order);
}

static int cmp_layers(const void *a, const void *b)
{
    const proj_layer *x = a, *y = b;
    int ox = order_of(x->name), oy = order_of(y->name);
    return ox != oy ? ox - oy : strcmp(x->name, y->name);
}

/* One row of layer_styles: style 'root' of layer pl under 'stylename'. */
static bp_status style_row(OGRLayerH t, const proj_layer *pl, CPLXMLNode *root, const char *stylename, int is_default,
                           const char *desc, const char *what, bp_ctx *ctx)
{
    char *qml = serialize_one(root);
    if (!qml) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    OGRFeatureH f = OGR_F_Create(OGR_L_GetLayerDefn(t));
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "f_table_catalog"), "");
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "f_table_schema"), "");
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "f_table_name"), pl->name);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "f_geometry_column"), OGR_L_GetGeometryColumn(pl->lyr));
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "styleName"), stylename);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "styleQML"), qml);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "styleSLD"), "");
    OGR_F_SetFieldInteger(f, OGR_F_GetFieldIndex(f, "useAsDefault"), is_default);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "description"), desc);
    OGR_F_SetFieldString(f, OGR_F_GetFieldIndex(f, "owner"), "");
    CPLFree(qml);
    bp_status st = BP_OK;
    if (OGR_L_CreateFeature(t, f) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing the style of %s into layer_styles failed: %s", what, pl->name,
                      bp_cpl_msg());
    OGR_F_Destroy(f);
    return st;
}

bp_status bp_qgis_write(GDALDatasetH ds, const bp_names *nm, const OGREnvelope *extent, const char *gpkg_name,
                        const char *what, bp_ctx *ctx)
{
    int nl = GDALDatasetGetLayerCount(ds);
    proj_layer *pls = calloc(nl > 0 ? (size_t)nl : 1, sizeof *pls);
    if (!pls) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t n = 0;
    bp_status st = BP_OK;
    for (int i = 0; i < nl && st == BP_OK; i++) {
        OGRLayerH l = GDALDatasetGetLayer(ds, i);
        const char *name = OGR_L_GetName(l);
        if (!strcmp(name, "layer_styles")) continue;
        proj_layer *p = &pls[n];
        snprintf(p->name, sizeof p->name, "%s", name);
        p->lyr = l;
        p->extent = extent && !strcmp(name, "candidates") ? extent : NULL;
        p->style = style_tree(name, l, nm, &p->styled, ctx);
        p->alt = -1;
        for (size_t a = 0; a < sizeof alt_styles / sizeof *alt_styles && p->style; a++) {
            int astyled = 0;
            if (strcmp(alt_styles[a].layer, name) ||
                OGR_FD_GetFieldIndex(OGR_L_GetLayerDefn(l), alt_styles[a].needs) < 0 || !qml_template(alt_styles[a].qml))
                continue;
            p->alt_style = style_tree(alt_styles[a].qml, l, nm, &astyled, ctx);
            if (!p->alt_style) {
                CPLDestroyXMLNode(p->style);
                p->style = NULL;
            } else {
                put_aliases(p->alt_style, name, l, nm);
                p->alt = (int)a;
            }
        }
        if (!p->style) st = bp_ctx_status(ctx);
        else n++;
    }
    qsort(pls, n, sizeof *pls, cmp_layers);
    OGRLayerH t = NULL;
    if (st == BP_OK && (t = create_styles_table(ds, what, ctx)) == NULL) st = bp_ctx_status(ctx);
    if (st == BP_OK) GDALDatasetStartTransaction(ds, FALSE);
    for (size_t i = 0; i < n && st == BP_OK; i++) {
        if (!pls[i].styled) continue;
        const bp_layerdef *def = bp_layerdef_find(nm->defs, pls[i].name);
        char desc[300];
        snprintf(desc, sizeof desc, "bodnaarplot: %s", def && def->title ? def->title : pls[i].name);
        st = style_row(t, &pls[i], pls[i].style, pls[i].name, 1, desc, what, ctx);
        if (st == BP_OK && pls[i].alt_style) {
            snprintf(desc, sizeof desc, "bodnaarplot: %s, %s", def && def->title ? def->title : pls[i].name,
                     alt_styles[pls[i].alt].title);
            st = style_row(t, &pls[i], pls[i].alt_style, alt_styles[pls[i].alt].title, 0, desc, what, ctx);
        }
    }
    if (st == BP_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
        st = bp_error(ctx, BP_ERR_IO, "%s: writing table layer_styles failed: %s", what, bp_cpl_msg());
    if (st == BP_OK) {
        GDALDatasetStartTransaction(ds, FALSE);
        st = write_data_columns(ds, pls, n, nm, what, ctx);
        if (st == BP_OK && GDALDatasetCommitTransaction(ds) != OGRERR_NONE)
            st = bp_error(ctx, BP_ERR_IO, "%s: writing table gpkg_data_columns failed: %s", what, bp_cpl_msg());
        else if (st != BP_OK)
            GDALDatasetRollbackTransaction(ds);
    }
    if (st == BP_OK) st = write_project(ds, pls, n, gpkg_name, nm, what, ctx);
    for (size_t i = 0; i < n; i++) {
        CPLDestroyXMLNode(pls[i].style);
        if (pls[i].alt_style) CPLDestroyXMLNode(pls[i].alt_style);
    }
    free(pls);
    return st;
}
