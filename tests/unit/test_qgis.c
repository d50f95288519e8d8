/* Unit tests of output/qgis.c: layer styles with the run's profile, Dutch
 * aliases and facility categories; the layer_styles rows, the
 * gpkg_data_columns rows and the QGIS project (hex of a .qgz zip) written
 * into a GeoPackage. */
#include "unit.h"

#include <cpl_error.h>
#include <cpl_minixml.h>
#include <cpl_string.h>

#include "output/output.h"

static bp_layerdefs *defs;
static const char *const cats[] = {"supermarkt", "bakker", "slager"};

/* A GeoPackage with the layers of an output (and fields of their
 * definitions, plus an input field) at path. */
static GDALDatasetH output(const char *path)
{
    GDALDatasetH ds = unit_gpkg_create(path);
    static const char *const cand[] = {"POLYGON((0 0,100 0,100 50,0 50,0 0));gemeente;1;80.5;120;2;75",
                                       "POLYGON((20 10,30 10,30 20,20 10));particulier;2;60;300;0;50"};
    unit_layer(ds, "candidates", 28992, wkbPolygon,
               "eigendom:s,plot_id:s,score:r,dist_supermarkt_m:r,n_supermarkt_500m:i,score_geclusterd:r", cand, 2);
    static const char *const fac[] = {"POINT(5 5);supermarkt;Appie", "POINT(7 7);bakker;"};
    unit_layer(ds, "facilities", 28992, wkbPoint, "category:s,name:s", fac, 2);
    static const char *const walk[] = {"LINESTRING(0 0,10 0);0"};
    unit_layer(ds, "walk_network", 28992, wkbLineString, "edge_id:i", walk, 1);
    static const char *const gm[] = {"POLYGON((-10 -10,200 -10,200 200,-10 -10));GM0193;0.7"};
    unit_layer(ds, "gemeente_gap", 28992, wkbPolygon, "gemeente_code:s,gap_share_geclusterd:r", gm, 1);
    static const char *const info[] = {";config.profile;geclusterd"};
    unit_layer(ds, "run_info", 0, wkbNone, "key:s,value:s", info, 1);
    return ds;
}

static int setup(void **state)
{
    (void)state;
    GDALAllRegister();
    defs = bp_layerdefs_load(NULL);
    assert_non_null(defs);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    bp_layerdefs_free(defs);
    return 0;
}

/* The first element called name below node (depth first), or NULL. */
static CPLXMLNode *find(CPLXMLNode *node, const char *name)
{
    for (CPLXMLNode *n = node; n; n = n->psNext) {
        if (n->eType != CXT_Element) continue;
        if (!strcmp(n->pszValue, name)) return n;
        CPLXMLNode *c = find(n->psChild, name);
        if (c) return c;
    }
    return NULL;
}

static int count_children(CPLXMLNode *node, const char *name)
{
    int n = 0;
    for (CPLXMLNode *c = node ? node->psChild : NULL; c; c = c->psNext) n += c->eType == CXT_Element && !strcmp(c->pszValue, name);
    return n;
}

/* The alias QML gives field, or NULL. */
static const char *alias_of(CPLXMLNode *root, const char *field)
{
    CPLXMLNode *al = find(root, "aliases");
    for (CPLXMLNode *a = al ? al->psChild : NULL; a; a = a->psNext)
        if (a->eType == CXT_Element && !strcmp(CPLGetXMLValue(a, "field", ""), field)) return CPLGetXMLValue(a, "name", NULL);
    return NULL;
}

/* The value of <prop k=key> of the first symbol layer of symbol s. */
static const char *symbol_prop(CPLXMLNode *s, const char *key)
{
    CPLXMLNode *layer = find(s->psChild, "layer");
    for (CPLXMLNode *p = layer ? layer->psChild : NULL; p; p = p->psNext)
        if (p->eType == CXT_Element && !strcmp(p->pszValue, "prop") && !strcmp(CPLGetXMLValue(p, "k", ""), key))
            return CPLGetXMLValue(p, "v", NULL);
    return NULL;
}

static void styles(void **state)
{
    (void)state;
    GDALDatasetH ds = output("/vsimem/qgis/styles.gpkg");
    bp_names nm = {BP_GECLUSTERD, 3, (char *const *)cats, 500, defs};
    bp_ctx *ctx = bp_ctx_new();
    char *qml = NULL;

    /* candidates: the style, with Dutch aliases for the fields layers/ defines */
    assert_int_equal(bp_qgis_style("candidates", GDALDatasetGetLayerByName(ds, "candidates"), &nm, &qml, ctx), BP_OK);
    assert_non_null(qml);
    assert_null(strstr(qml, "{profile}"));
    CPLXMLNode *root = CPLParseXMLString(qml);
    assert_non_null(root);
    assert_string_equal(root->pszValue, "qgis");
    assert_string_equal(alias_of(root, "plot_id"), "Kavel");
    assert_string_equal(alias_of(root, "dist_supermarkt_m"), "Afstand supermarkt (m)");
    assert_string_equal(alias_of(root, "n_supermarkt_500m"), "Aantal supermarkt binnen 500 m");
    assert_string_equal(alias_of(root, "score_geclusterd"), "Score geclusterd");
    assert_null(alias_of(root, "eigendom")); /* an input field */
    assert_int_equal(count_children(find(root, "aliases"), "alias"), 5);
    CPLDestroyXMLNode(root);
    free(qml);

    /* gemeente_gap: {profile} becomes the ranked profile */
    assert_int_equal(bp_qgis_style("gemeente_gap", GDALDatasetGetLayerByName(ds, "gemeente_gap"), &nm, &qml, ctx), BP_OK);
    assert_null(strstr(qml, "{profile}"));
    unit_assert_contains(qml, "attr=\"gap_share_geclusterd\"");
    free(qml);
    nm.profile = BP_ZORGGESCHIKT;
    assert_int_equal(bp_qgis_style("gemeente_gap", GDALDatasetGetLayerByName(ds, "gemeente_gap"), &nm, &qml, ctx), BP_OK);
    unit_assert_contains(qml, "attr=\"gap_share_zorggeschikt\"");
    free(qml);
    nm.profile = BP_GECLUSTERD;

    /* facilities: one category per facility category of the run, in its order;
       a known one keeps its symbol, unknown ones get a colour and shape each */
    assert_int_equal(bp_qgis_style("facilities", GDALDatasetGetLayerByName(ds, "facilities"), &nm, &qml, ctx), BP_OK);
    root = CPLParseXMLString(qml);
    CPLXMLNode *renderer = find(root, "renderer-v2");
    assert_string_equal(CPLGetXMLValue(renderer, "attr", ""), "category");
    CPLXMLNode *categories = find(renderer->psChild, "categories"), *symbols = find(renderer->psChild, "symbols");
    assert_int_equal(count_children(categories, "category"), 3);
    assert_int_equal(count_children(symbols, "symbol"), 3);
    const char *colour[3], *shape[3];
    int k = 0;
    for (CPLXMLNode *c = categories->psChild; c; c = c->psNext) {
        if (c->eType != CXT_Element) continue;
        char sym[16];
        snprintf(sym, sizeof sym, "%d", k);
        assert_string_equal(CPLGetXMLValue(c, "value", ""), cats[k]);
        assert_string_equal(CPLGetXMLValue(c, "label", ""), cats[k]);
        assert_string_equal(CPLGetXMLValue(c, "symbol", ""), sym);
        k++;
    }
    k = 0;
    for (CPLXMLNode *s = symbols->psChild; s; s = s->psNext) {
        if (s->eType != CXT_Element) continue;
        char sym[16];
        snprintf(sym, sizeof sym, "%d", k);
        assert_string_equal(CPLGetXMLValue(s, "name", ""), sym);
        colour[k] = symbol_prop(s, "color");
        shape[k] = symbol_prop(s, "name");
        k++;
    }
    assert_string_equal(colour[0], "213,94,0,255"); /* supermarkt, as in layers/facilities.qml */
    assert_string_equal(shape[0], "square");
    assert_string_equal(colour[1], "230,159,0,255");
    assert_string_equal(shape[1], "octagon");
    assert_string_equal(colour[2], "86,180,233,255");
    assert_string_equal(shape[2], "equilateral_triangle");
    assert_string_equal(alias_of(root, "category"), "Categorie");
    CPLDestroyXMLNode(root);
    free(qml);

    /* no style for a table, nor for a layer layers/ does not know */
    qml = (char *)1;
    assert_int_equal(bp_qgis_style("run_info", GDALDatasetGetLayerByName(ds, "run_info"), &nm, &qml, ctx), BP_OK);
    assert_null(qml);
    qml = (char *)1;
    assert_int_equal(bp_qgis_style("walk", GDALDatasetGetLayerByName(ds, "run_info"), &nm, &qml, ctx), BP_OK);
    assert_null(qml);
    assert_int_equal(bp_ctx_status(ctx), BP_OK);
    bp_ctx_free(ctx);
    GDALClose(ds);
    VSIUnlink("/vsimem/qgis/styles.gpkg");
}

/* The rows of an SQL query as "a|b;a|b". */
static void rows(GDALDatasetH ds, const char *sql, char *buf, size_t size)
{
    buf[0] = '\0';
    OGRLayerH r = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
    assert_non_null(r);
    OGRFeatureH f;
    while ((f = OGR_L_GetNextFeature(r)) != NULL) {
        size_t o = strlen(buf);
        snprintf(buf + o, size - o, "%s", o ? ";" : "");
        for (int i = 0; i < OGR_F_GetFieldCount(f); i++) {
            o = strlen(buf);
            snprintf(buf + o, size - o, "%s%s", i ? "|" : "", OGR_F_GetFieldAsString(f, i));
        }
        OGR_F_Destroy(f);
    }
    GDALDatasetReleaseResultSet(ds, r);
}

/* The project XML of a GeoPackage: content hex -> .qgz -> bodnaarplot.qgs. */
static CPLXMLNode *project(GDALDatasetH ds, char *metadata, size_t size)
{
    /* hex as text in a BLOB column, as QGIS writes it */
    char type[32];
    rows(ds, "SELECT typeof(content) FROM qgis_projects", type, sizeof type);
    assert_string_equal(type, "text");
    OGRLayerH r = GDALDatasetExecuteSQL(ds, "SELECT name, CAST(metadata AS TEXT), CAST(content AS TEXT) FROM qgis_projects",
                                        NULL, NULL);
    assert_non_null(r);
    OGRFeatureH f = OGR_L_GetNextFeature(r);
    assert_non_null(f);
    assert_string_equal(OGR_F_GetFieldAsString(f, 0), "bodnaarplot");
    snprintf(metadata, size, "%s", OGR_F_GetFieldAsString(f, 1));
    const char *hex = OGR_F_GetFieldAsString(f, 2);
    size_t n = strlen(hex);
    assert_true(n > 100 && n % 2 == 0);
    assert_int_equal(strspn(hex, "0123456789abcdef"), n);
    GByte *zip = CPLMalloc(n / 2);
    for (size_t i = 0; i < n / 2; i++) {
        unsigned v;
        sscanf(hex + 2 * i, "%2x", &v);
        zip[i] = (GByte)v;
    }
    OGR_F_Destroy(f);
    assert_null(OGR_L_GetNextFeature(r)); /* one project */
    GDALDatasetReleaseResultSet(ds, r);
    assert_memory_equal(zip, "PK\x03\x04", 4);
    VSIFCloseL(VSIFileFromMemBuffer("/vsimem/qgis/p.zip", zip, n / 2, TRUE));
    char **files = VSIReadDir("/vsizip//vsimem/qgis/p.zip");
    assert_int_equal(CSLCount(files), 1);
    assert_string_equal(files[0], "bodnaarplot.qgs");
    CSLDestroy(files);
    CPLXMLNode *qgs = CPLParseXMLFile("/vsizip//vsimem/qgis/p.zip/bodnaarplot.qgs");
    VSIUnlink("/vsimem/qgis/p.zip");
    assert_non_null(qgs);
    return qgs;
}

static void write_into_geopackage(void **state)
{
    (void)state;
    GDALDatasetH ds = output("/vsimem/qgis/out.gpkg");
    bp_names nm = {BP_GECLUSTERD, 3, (char *const *)cats, 500, defs};
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(bp_qgis_write(ds, &nm, NULL, "kandidaten.gpkg", "out.gpkg", ctx), BP_OK);
    char buf[8192], meta[512];
    /* a default style per styled layer, as QGIS matches them */
    rows(ds, "SELECT f_table_catalog, f_table_schema, f_table_name, f_geometry_column, styleName, useAsDefault, "
             "description, length(styleQML) > 1000, styleSLD FROM layer_styles ORDER BY f_table_name",
         buf, sizeof buf);
    assert_string_equal(buf, "||candidates|geom|candidates|1|bodnaarplot: Kandidaatlocaties voor ouderenhuisvesting|1|;"
                             "||facilities|geom|facilities|1|bodnaarplot: Voorzieningen|1|;"
                             "||gemeente_gap|geom|gemeente_gap|1|bodnaarplot: Opgave en tekort per gemeente|1|;"
                             "||walk_network|geom|walk_network|1|bodnaarplot: Looproutenetwerk|1|");
    char *big = malloc(1 << 20);
    rows(ds, "SELECT styleQML FROM layer_styles WHERE f_table_name = 'candidates'", big, 1 << 20);
    assert_true(strlen(big) < (1 << 20) - 1);
    unit_assert_contains(big, "<alias field=\"dist_supermarkt_m\" name=\"Afstand supermarkt (m)\"");
    free(big);
    /* titles and descriptions of the fields layers/ defines */
    rows(ds, "SELECT table_name, column_name, title, length(description) > 5 FROM gpkg_data_columns "
             "WHERE table_name IN ('candidates', 'run_info') ORDER BY table_name, column_name",
         buf, sizeof buf);
    assert_string_equal(buf, "candidates|dist_supermarkt_m|Afstand supermarkt (m)|1;"
                             "candidates|n_supermarkt_500m|Aantal supermarkt binnen 500 m|1;"
                             "candidates|plot_id|Kavel|1;candidates|score|Score (gekozen profiel)|1;"
                             "candidates|score_geclusterd|Score geclusterd|1;"
                             "run_info|key|Sleutel|1;run_info|value|Waarde|1");

    /* the project: every layer, candidates on top, walk_network off,
       sources beside the GeoPackage, zoomed to the candidates */
    CPLXMLNode *qgs = project(ds, meta, sizeof meta);
    unit_assert_contains(meta, "\"last_modified_user\": \"bodnaarplot\"");
    CPLXMLNode *root = find(qgs, "qgis");
    assert_string_equal(CPLGetXMLValue(root, "title", ""), "Kandidaatlocaties ouderenhuisvesting (geclusterd)");
    CPLXMLNode *tree = find(root->psChild, "layer-tree-group");
    static const char *const order[] = {"candidates", "facilities", "walk_network", "gemeente_gap", "run_info"};
    int k = 0;
    for (CPLXMLNode *l = tree->psChild; l; l = l->psNext) {
        if (l->eType != CXT_Element) continue;
        char source[128];
        snprintf(source, sizeof source, "./kandidaten.gpkg|layername=%s", order[k]);
        assert_string_equal(CPLGetXMLValue(l, "source", ""), source);
        assert_string_equal(CPLGetXMLValue(l, "checked", ""), "Qt::Checked"); /* walk_network: the streets as context */
        k++;
    }
    assert_int_equal(k, 5);
    assert_int_equal(count_children(find(root->psChild, "projectlayers"), "maplayer"), 5);
    CPLXMLNode *m = find(root->psChild, "maplayer");
    assert_string_equal(CPLGetXMLValue(m, "layername", ""), "Kandidaatlocaties voor ouderenhuisvesting");
    unit_assert_contains(CPLGetXMLValue(m, "abstract", ""), "dist_supermarkt_m (Afstand supermarkt (m)): ");
    assert_string_equal(CPLGetXMLValue(m, "srs.spatialrefsys.authid", ""), "EPSG:28992");
    assert_non_null(find(m->psChild, "renderer-v2"));
    /* the extent of the candidates (0,0 - 100,50) with a margin of 5% + 100 m */
    CPLXMLNode *canvas = find(root->psChild, "mapcanvas");
    assert_string_equal(CPLGetXMLValue(canvas, "extent.xmin", ""), "-105.000");
    assert_string_equal(CPLGetXMLValue(canvas, "extent.ymin", ""), "-102.500");
    assert_string_equal(CPLGetXMLValue(canvas, "extent.xmax", ""), "205.000");
    assert_string_equal(CPLGetXMLValue(canvas, "extent.ymax", ""), "152.500");
    assert_string_equal(CPLGetXMLValue(root, "projectCrs.spatialrefsys.authid", ""), "EPSG:28992");
    CPLDestroyXMLNode(qgs);
    GDALClose(ds);
    VSIUnlink("/vsimem/qgis/out.gpkg");

    /* an extent tracked while writing is used as given */
    ds = output("/vsimem/qgis/out2.gpkg");
    OGREnvelope e = {1000, 2000, 3000, 4000};
    assert_int_equal(bp_qgis_write(ds, &nm, &e, "x.gpkg", "out2.gpkg", ctx), BP_OK);
    qgs = project(ds, meta, sizeof meta);
    canvas = find(qgs, "mapcanvas");
    assert_string_equal(CPLGetXMLValue(canvas, "extent.xmin", ""), "850.000");
    assert_string_equal(CPLGetXMLValue(canvas, "extent.ymax", ""), "4150.000");
    CPLDestroyXMLNode(qgs);
    /* a second project into the same GeoPackage: the tables exist */
    CPLPushErrorHandler(CPLQuietErrorHandler);
    assert_int_equal(bp_qgis_write(ds, &nm, &e, "x.gpkg", "out2.gpkg", ctx), BP_ERR_IO);
    CPLPopErrorHandler();
    unit_assert_contains(bp_ctx_errmsg(ctx), "out2.gpkg: ");
    GDALClose(ds);
    VSIUnlink("/vsimem/qgis/out2.gpkg");
    bp_ctx_free(ctx);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(styles), cmocka_unit_test(write_into_geopackage)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
