/* Unit tests of output/gpkg.c, the write stage: a small hand-built result
 * written through bp_write with the memory plot reader, reopened with OGR:
 * layers, fields and types, rows in rank order, rounding and NULLs,
 * gemeente_gap, facilities, run_info, the exact numbers' table; the
 * checks of bp_write_check; an aborted write leaves nothing. */
#include "unit.h"

#include <sys/stat.h>

#include "output/output.h"
#include "score/score.h"
#include "gap/gap.h"
#include "rank/rank.h"

static bp_crs crs;
static bp_geos g;
static char dir[512];
static const char *const cats[] = {"supermarkt", "zorg"};

/* What the writer is given. */
typedef struct {
    bp_layer plots, fac[2];
    bp_result *r;
    bp_plot_reader pr;
    char *sources[2];
} fixture;

static int setup(void **state)
{
    (void)state;
    unit_reading_begin(&crs, &g);
    unit_tmpdir(dir, sizeof dir, "gpkg");
    /* four plots: three areas and a point; an input field 'rank' clashes */
    char features[4096];
    snprintf(features, sizeof features,
             "{\"type\":\"Feature\",\"properties\":{\"eigendom\":\"gemeente\",\"rank\":7,\"opp\":1.5},\"geometry\":%s},"
             "{\"type\":\"Feature\",\"properties\":{\"eigendom\":\"corporatie\",\"rank\":8,\"opp\":null},\"geometry\":%s},"
             "{\"type\":\"Feature\",\"properties\":{\"eigendom\":null,\"rank\":9,\"opp\":3.25},\"geometry\":%s},"
             "{\"type\":\"Feature\",\"properties\":{\"eigendom\":\"particulier\",\"rank\":10,\"opp\":4.0},"
             "\"geometry\":{\"type\":\"Point\",\"coordinates\":[3000,3000]}}",
             unit_rect_json(0, 0, 100, 50), unit_rect_json(200, 0, 240, 25), unit_rect_json(400, 400, 450, 460));
    unit_geojson("/vsimem/gpkg/kavels.geojson", "EPSG:28992", features);
    unit_geojson("/vsimem/gpkg/super.geojson", "EPSG:28992",
                 "{\"type\":\"Feature\",\"properties\":{\"naam\":\"Appie\"},\"geometry\":{\"type\":\"Point\",\"coordinates\":[10,60]}},"
                 "{\"type\":\"Feature\",\"properties\":{\"naam\":null},\"geometry\":{\"type\":\"Point\",\"coordinates\":[2000,0]}}");
    snprintf(features, sizeof features,
             "{\"type\":\"Feature\",\"properties\":{\"naam\":\"Isala\"},\"geometry\":%s}", unit_rect_json(500, 0, 600, 80));
    unit_geojson("/vsimem/gpkg/zorg.geojson", "EPSG:28992", features);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    VSIUnlink("/vsimem/gpkg/super.geojson");
    VSIUnlink("/vsimem/gpkg/zorg.geojson");
    unit_reading_end(&crs, &g, "/vsimem/gpkg/kavels.geojson");
    unit_rmdir(dir);
    return 0;
}

/* The result: distances by hand, two gemeenten with plots or targets and
 * one with neither; the score, gap and rank stages run for geclusterd.
 * Plot ids are the GeoJSON feature ids:
 *   0: 5000 m², supermarkt 50.04 m, zorg 400.0004 m  -> rank 1 (score 92.5)
 *   1: 1000 m², supermarkt 1234.5678 m, zorg NaN      -> knocked out (size, zorg)
 *   2: 3000 m², supermarkt 700 m, zorg 300 m; no gemeente -> rank 2 (64.17)
 *   3: a point, supermarkt 900 m, zorg 1000 m         -> rank 3 (27.75) */
static void make(fixture *f)
{
    memset(f, 0, sizeof *f);
    bp_ctx *ctx = bp_ctx_new();
    f->r = bp_result_new();
    assert_int_equal(bp_result_set_categories(f->r, (char *const *)cats, 2, 500, ctx), BP_OK);
    bp_plots_opts po = {.source = "/vsimem/gpkg/kavels.geojson", .id_field = NULL, .where = NULL};
    assert_int_equal(bp_plots_read(&po, &crs, &g, NULL, NULL, &f->plots, f->r, ctx), BP_OK);
    bp_layer_opts lo = {.guess_name = 1};
    assert_int_equal(bp_layer_read(&f->fac[0], "/vsimem/gpkg/super.geojson", &lo, &crs, &g, NULL, NULL, ctx), BP_OK);
    assert_int_equal(bp_layer_read(&f->fac[1], "/vsimem/gpkg/zorg.geojson", &lo, &crs, &g, NULL, NULL, ctx), BP_OK);
    f->sources[0] = "/vsimem/gpkg/super.geojson";
    f->sources[1] = "/vsimem/gpkg/zorg.geojson";
    bp_result *r = f->r;
    const double dist[] = {50.0404, 400.0004, 1234.5678, NAN, 700, 300, 900, 1000};
    const int32_t count[] = {1, 1, 0, 0, 1, 1, 0, 0};
    memcpy(r->dist, dist, sizeof dist);
    memcpy(r->count, count, sizeof count);
    GEOSGeometry *square = GEOSGeom_createRectangle_r(g.h, 0, 0, 1000, 1000);
    GEOSWKBWriter *w = GEOSWKBWriter_create_r(g.h);
    size_t wkb_len;
    unsigned char *wkb = GEOSWKBWriter_write_r(g.h, w, square, &wkb_len);
    assert_int_equal(bp_result_add_gemeente(r, "GM0166", "Kampen", NULL, 0), 0); /* neither: not written */
    assert_int_equal(bp_result_add_gemeente(r, "GM0193", "Zwolle", wkb, wkb_len), 1);
    GEOSFree_r(g.h, wkb);
    GEOSWKBWriter_destroy_r(g.h, w);
    GEOSGeom_destroy_r(g.h, square);
    assert_int_equal(bp_result_add_gemeente(r, "GM0200", "Apeldoorn", NULL, 0), 2);
    for (int t = 0; t < BP_NTYPES; t++) {
        r->gm[1].has_target[t] = 1;
        r->gm[1].opgave[t] = 100, r->gm[1].plannen[t] = 20, r->gm[1].gerealiseerd[t] = 10; /* share 0.7 */
    }
    r->gm[1].plannen[BP_ZORGGESCHIKT] = NAN; /* unknown */
    r->gm[2].has_target[BP_GECLUSTERD] = 1;
    r->gm[2].opgave[BP_GECLUSTERD] = 30, r->gm[2].plannen[BP_GECLUSTERD] = 0, r->gm[2].gerealiseerd[BP_GECLUSTERD] = 0;
    const uint32_t gm[] = {1, 1, BP_NO_GEMEENTE, 1};
    memcpy(r->gemeente, gm, sizeof gm);
    bp_criterion crit[2] = {{500, 1000, 0, BP_DECAY_LINEAR, {4, 4, 3}}, {500, 1500, 1200, BP_DECAY_LINEAR, {1, 2, 5}}};
    bp_score_opts so = {.ncat = 2, .crit = crit, .min_homes = {1, 12, 12}, .density = 60, .profile = BP_GECLUSTERD};
    bp_gap_opts go = {0.25, BP_GECLUSTERD};
    bp_rank_opts ro = {BP_GECLUSTERD};
    assert_int_equal(bp_result_set_params(r, &so, &go, &ro, NULL, ctx), BP_OK);
    assert_int_equal(bp_score_apply(r, &so, ctx), BP_OK);
    assert_int_equal(bp_gap_apply(r, &go, ctx), BP_OK);
    assert_int_equal(bp_rank_apply(r, &ro, ctx), BP_OK);
    bp_kv_add(&r->info, "config.profile", "geclusterd");
    bp_kv_add(&r->info, "warning.1", "een waarschuwing");
    assert_int_equal(bp_plot_reader_memory(&f->pr, &f->plots, ctx), BP_OK);
    bp_ctx_free(ctx);
}

static void unmake(fixture *f)
{
    bp_plot_reader_memory_free(&f->pr);
    bp_layer_clear(&f->plots, &g);
    bp_layer_clear(&f->fac[0], &g);
    bp_layer_clear(&f->fac[1], &g);
    bp_result_free(f->r);
}

static bp_status write_out(fixture *f, const char *name, bp_format format, GDALProgressFunc progress, void *pdata,
                       char *out, size_t size, bp_ctx *ctx)
{
    snprintf(out, size, "%s/%s", dir, name);
    bp_write_input in = {.r = f->r, .plots = &f->pr, .facilities = f->fac, .fac_sources = f->sources};
    bp_write_opts wo = {out, format, 1, crs.target};
    return bp_write(&in, &wo, progress, pdata, ctx);
}

/* The names and types of a layer's fields, "name:Type,..." (subtypes after
 * a slash). */
static void fields_of(OGRLayerH lyr, char *buf, size_t size)
{
    buf[0] = '\0';
    OGRFeatureDefnH d = OGR_L_GetLayerDefn(lyr);
    for (int i = 0; i < OGR_FD_GetFieldCount(d); i++) {
        OGRFieldDefnH fd = OGR_FD_GetFieldDefn(d, i);
        size_t o = strlen(buf);
        snprintf(buf + o, size - o, "%s%s:%s%s", i ? "," : "", OGR_Fld_GetNameRef(fd),
                 OGR_GetFieldTypeName(OGR_Fld_GetType(fd)), OGR_Fld_GetSubType(fd) == OFSTBoolean ? "/Boolean" : "");
    }
}

static long sql_count(GDALDatasetH ds, const char *sql)
{
    OGRLayerH r = GDALDatasetExecuteSQL(ds, sql, NULL, NULL);
    assert_non_null(r);
    OGRFeatureH f = OGR_L_GetNextFeature(r);
    long n = (long)OGR_F_GetFieldAsInteger64(f, 0);
    OGR_F_Destroy(f);
    GDALDatasetReleaseResultSet(ds, r);
    return n;
}

static void geopackage(void **state)
{
    (void)state;
    fixture f;
    make(&f);
    char out[700], buf[4096];
    bp_ctx *ctx = bp_ctx_new();
    assert_int_equal(write_out(&f, "out.gpkg", BP_FMT_GPKG, NULL, NULL, out, sizeof out, ctx), BP_OK);
    /* the clashing input field is kept under another name, and said so */
    assert_int_equal(bp_ctx_warning_count(ctx), 1);
    assert_string_equal(bp_ctx_warning(ctx, 0), "/vsimem/gpkg/kavels.geojson, layer kavels: input field rank is kept as "
                                                "rank_input (the output has a field of that name)");
    /* nothing but the output in the folder */
    assert_int_equal(unit_count_files(dir), 1);

    GDALDatasetH ds = GDALOpenEx(out, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    assert_non_null(ds);
    buf[0] = '\0';
    for (int i = 0; i < GDALDatasetGetLayerCount(ds); i++) {
        size_t o = strlen(buf);
        snprintf(buf + o, sizeof buf - o, "%s%s", i ? "," : "", OGR_L_GetName(GDALDatasetGetLayer(ds, i)));
    }
    assert_string_equal(buf, "candidates,gemeente_gap,facilities,run_info,layer_styles,besluiten_log,besluiten_vervallen");

    /* candidates: the input fields, then every computed one */
    OGRLayerH c = GDALDatasetGetLayerByName(ds, "candidates");
    fields_of(c, buf, sizeof buf);
    assert_string_equal(buf, "eigendom:String,rank_input:Integer,opp:Real,plot_id:String,rank:Integer64,score:Real,"
                             "suitability:Real,score_nultreden:Real,score_geclusterd:Real,score_zorggeschikt:Real,"
                             "dist_supermarkt_m:Real,dist_zorg_m:Real,n_supermarkt_500m:Integer64,n_zorg_500m:Integer64,"
                             "score_supermarkt:Real,score_zorg:Real,gemeente_code:String,gemeente_naam:String,"
                             "gap_nultreden:Real,gap_geclusterd:Real,gap_zorggeschikt:Real,area_m2:Real,"
                             "capacity_homes:Integer64,knocked_out:Integer/Boolean,reason:String,besluit:String,"
                             "besluit_woningtype:String,besluit_woningen:Integer64,partner_corporatie:String,"
                             "partner_zorg:String,opmerking:String,besluit_gewijzigd:DateTime");
    assert_string_equal(OGR_L_GetGeometryColumn(c), "geom");
    assert_string_equal(OGR_L_GetFIDColumn(c), "fid");
    assert_int_equal(wkbFlatten(OGR_L_GetGeomType(c)), wkbUnknown); /* areas and a point */
    assert_int_equal(OGR_L_GetFeatureCount(c, TRUE), 4);
    /* rows in rank order, knocked-out plots last */
    static const char *const order[] = {"0", "2", "3", "1"};
    OGR_L_ResetReading(c);
    for (int k = 0; k < 4; k++) {
        OGRFeatureH ft = OGR_L_GetNextFeature(c);
        assert_non_null(ft);
        assert_int_equal(OGR_F_GetFID(ft), k + 1);
        assert_string_equal(OGR_F_GetFieldAsString(ft, OGR_F_GetFieldIndex(ft, "plot_id")), order[k]);
        int ri = OGR_F_GetFieldIndex(ft, "rank");
        if (k < 3) assert_int_equal(OGR_F_GetFieldAsInteger(ft, ri), k + 1);
        else assert_false(OGR_F_IsFieldSetAndNotNull(ft, ri));
        assert_int_equal(OGR_F_GetFieldAsInteger(ft, OGR_F_GetFieldIndex(ft, "knocked_out")), k == 3);
        /* the reason: why knocked out, and what a plot lacks (plot 2 has no gemeente) */
        const char *why = OGR_F_GetFieldAsString(ft, OGR_F_GetFieldIndex(ft, "reason"));
        if (OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "reason")) != (k == 3 || k == 1))
            fail_msg("row %d: reason '%s'", k, why);
        if (k == 1) assert_string_equal(why, "lies outside every gemeente: gap unknown");
        OGR_F_Destroy(ft);
    }
    /* values: rounded as documented, NULL where unknown */
    OGRFeatureH ft = OGR_L_GetFeature(c, 1); /* plot 0 */
    assert_string_equal(OGR_F_GetFieldAsString(ft, 0), "gemeente");
    assert_int_equal(OGR_F_GetFieldAsInteger(ft, 1), 7);
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, 2), 1.5, 0);
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "dist_supermarkt_m")), 50.04, 1e-9);
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "dist_zorg_m")), 400, 1e-9);
    /* suitability geclusterd (4 x 100 + 2 x 100) / 6 = 100; score 100 x (1 - 0.25 x 0.3) */
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "suitability")), 100, 0);
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "score")), 92.5, 1e-9);
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "score_zorggeschikt")), 87.5, 1e-9);
    assert_int_equal(OGR_F_GetFieldAsInteger(ft, OGR_F_GetFieldIndex(ft, "n_supermarkt_500m")), 1);
    assert_string_equal(OGR_F_GetFieldAsString(ft, OGR_F_GetFieldIndex(ft, "gemeente_code")), "GM0193");
    assert_string_equal(OGR_F_GetFieldAsString(ft, OGR_F_GetFieldIndex(ft, "gemeente_naam")), "Zwolle");
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "gap_geclusterd")), 70, 0);
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "gap_zorggeschikt")));
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "area_m2")), 5000, 0);
    assert_int_equal(OGR_F_GetFieldAsInteger(ft, OGR_F_GetFieldIndex(ft, "capacity_homes")), 30);
    OGRGeometryH geom = OGR_F_GetGeometryRef(ft);
    assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(geom)), wkbPolygon);
    assert_float_equal(OGR_G_Area(geom), 5000, 1e-9);
    OGR_F_Destroy(ft);
    ft = OGR_L_GetFeature(c, 4); /* plot 1: knocked out */
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "opp")));
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "dist_supermarkt_m")), 1234.568, 1e-9);
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "dist_zorg_m")));
    assert_string_equal(OGR_F_GetFieldAsString(ft, OGR_F_GetFieldIndex(ft, "reason")),
                        "no zorg reachable (knock-out beyond 1200 m); too small for geclusterd: 1000 m² holds 6 homes "
                        "at 60 homes/ha, 12 needed (2000 m²)");
    OGR_F_Destroy(ft);
    ft = OGR_L_GetFeature(c, 2); /* plot 2: no gemeente */
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "eigendom")));
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "gemeente_code")));
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "gap_nultreden")));
    OGR_F_Destroy(ft);
    ft = OGR_L_GetFeature(c, 3); /* plot 3: a point has no capacity */
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "capacity_homes")));
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "area_m2")), 0, 0);
    assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(OGR_F_GetGeometryRef(ft))), wkbPoint);
    OGR_F_Destroy(ft);
    /* a spatial index, in the analysis CRS */
    assert_int_equal(sql_count(ds, "SELECT count(*) FROM sqlite_master WHERE name = 'rtree_candidates_geom'"), 1);
    assert_string_equal(OSRGetAuthorityCode(OGR_L_GetSpatialRef(c), NULL), "28992");

    /* gemeente_gap: the gemeenten with plots or targets */
    OGRLayerH gg = GDALDatasetGetLayerByName(ds, "gemeente_gap");
    fields_of(gg, buf, sizeof buf);
    assert_string_equal(buf, "gemeente_code:String,gemeente_naam:String,opgave_nultreden:Real,opgave_geclusterd:Real,"
                             "opgave_zorggeschikt:Real,plannen_nultreden:Real,plannen_geclusterd:Real,"
                             "plannen_zorggeschikt:Real,gerealiseerd_nultreden:Real,gerealiseerd_geclusterd:Real,"
                             "gerealiseerd_zorggeschikt:Real,gap_nultreden:Real,gap_geclusterd:Real,gap_zorggeschikt:Real,"
                             "gap_share_nultreden:Real,gap_share_geclusterd:Real,gap_share_zorggeschikt:Real,"
                             "n_suitable:Integer64,capacity_homes:Integer64,profile:String,covers_gap:Integer/Boolean,"
                             "programmed_nultreden:Real,programmed_geclusterd:Real,programmed_zorggeschikt:Real,"
                             "remaining_nultreden:Real,remaining_geclusterd:Real,remaining_zorggeschikt:Real,"
                             "programma_nultreden:String,programma_geclusterd:String,programma_zorggeschikt:String");
    assert_int_equal(OGR_L_GetFeatureCount(gg, TRUE), 2);
    OGR_L_ResetReading(gg);
    ft = OGR_L_GetNextFeature(gg);
    assert_string_equal(OGR_F_GetFieldAsString(ft, 0), "GM0193");
    assert_float_equal(OGR_F_GetFieldAsDouble(ft, OGR_F_GetFieldIndex(ft, "gap_share_geclusterd")), 0.7, 1e-12);
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "plannen_zorggeschikt")));
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "gap_share_zorggeschikt")));
    /* plots 0 and 3 are suitable: 30 homes, and a point none */
    assert_int_equal(OGR_F_GetFieldAsInteger(ft, OGR_F_GetFieldIndex(ft, "n_suitable")), 2);
    assert_int_equal(OGR_F_GetFieldAsInteger(ft, OGR_F_GetFieldIndex(ft, "capacity_homes")), 30);
    assert_string_equal(OGR_F_GetFieldAsString(ft, OGR_F_GetFieldIndex(ft, "profile")), "geclusterd");
    assert_int_equal(OGR_F_GetFieldAsInteger(ft, OGR_F_GetFieldIndex(ft, "covers_gap")), 0); /* 30 < 70 */
    assert_float_equal(OGR_G_Area(OGR_F_GetGeometryRef(ft)), 1e6, 1e-6);
    OGR_F_Destroy(ft);
    ft = OGR_L_GetNextFeature(gg);
    assert_string_equal(OGR_F_GetFieldAsString(ft, 0), "GM0200");
    assert_int_equal(OGR_F_GetFieldAsInteger(ft, OGR_F_GetFieldIndex(ft, "n_suitable")), 0);
    assert_int_equal(OGR_F_GetFieldAsInteger(ft, OGR_F_GetFieldIndex(ft, "covers_gap")), 0);
    assert_false(OGR_F_IsFieldSetAndNotNull(ft, OGR_F_GetFieldIndex(ft, "opgave_nultreden")));
    assert_null(OGR_F_GetGeometryRef(ft));
    OGR_F_Destroy(ft);

    /* facilities: every one used, areas as a point on them */
    OGRLayerH fl = GDALDatasetGetLayerByName(ds, "facilities");
    fields_of(fl, buf, sizeof buf);
    assert_string_equal(buf, "category:String,name:String,is_area:Integer/Boolean,source:String,source_fid:Integer64");
    assert_int_equal(OGR_L_GetFeatureCount(fl, TRUE), 3);
    OGR_L_ResetReading(fl);
    static const char *const fcat[] = {"supermarkt", "supermarkt", "zorg"}, *const fname[] = {"Appie", NULL, "Isala"};
    for (int k = 0; k < 3; k++) {
        ft = OGR_L_GetNextFeature(fl);
        assert_string_equal(OGR_F_GetFieldAsString(ft, 0), fcat[k]);
        if (fname[k]) assert_string_equal(OGR_F_GetFieldAsString(ft, 1), fname[k]);
        else assert_false(OGR_F_IsFieldSetAndNotNull(ft, 1));
        assert_int_equal(OGR_F_GetFieldAsInteger(ft, 2), k == 2);
        assert_string_equal(OGR_F_GetFieldAsString(ft, 3), f.sources[k == 2]);
        assert_int_equal(OGR_F_GetFieldAsInteger64(ft, 4), k == 1);
        OGRGeometryH p = OGR_F_GetGeometryRef(ft);
        assert_int_equal(wkbFlatten(OGR_G_GetGeometryType(p)), wkbPoint);
        if (k == 2) assert_true(OGR_G_GetX(p, 0) > 500 && OGR_G_GetX(p, 0) < 600 && OGR_G_GetY(p, 0) > 0 &&
                                OGR_G_GetY(p, 0) < 80);
        OGR_F_Destroy(ft);
    }

    /* run_info: the rows of the result */
    OGRLayerH ri = GDALDatasetGetLayerByName(ds, "run_info");
    fields_of(ri, buf, sizeof buf);
    assert_string_equal(buf, "key:String,value:String");
    assert_int_equal(OGR_L_GetFeatureCount(ri, TRUE), 2);
    OGR_L_ResetReading(ri);
    ft = OGR_L_GetNextFeature(ri);
    assert_string_equal(OGR_F_GetFieldAsString(ft, 0), "config.profile");
    assert_string_equal(OGR_F_GetFieldAsString(ft, 1), "geclusterd");
    OGR_F_Destroy(ft);
    assert_null(OGR_L_GetSpatialRef(ri));

    /* the exact numbers, and the QGIS styles and project */
    assert_int_equal(sql_count(ds, "SELECT count(*) FROM " BP_RESULT_TABLE " WHERE name = 'format'"), 1);
    assert_int_equal(sql_count(ds, "SELECT count(*) FROM layer_styles"), 3);
    assert_int_equal(sql_count(ds, "SELECT count(*) FROM qgis_projects WHERE name = 'bodnaarplot'"), 1);
    GDALClose(ds);
    bp_result *back;
    assert_int_equal(bp_result_load(out, &back, ctx), BP_OK);
    assert_int_equal(bp_result_count(back), 4);
    for (size_t i = 0; i < 4; i++) assert_int_equal(bp_result_rank(back, i), f.r->rank[i]);
    bp_result_free(back);
    unlink(out);
    bp_ctx_free(ctx);
    unmake(&f);
}

static int CPL_STDCALL stop(double done, const char *msg, void *ud)
{
    (void)done;
    (void)msg;
    (*(int *)ud)++;
    return FALSE;
}

static void aborted_and_other_formats(void **state)
{
    (void)state;
    fixture f;
    make(&f);
    char out[700];
    bp_ctx *ctx = bp_ctx_new();
    /* an existing output stays as it was when the write stops */
    snprintf(out, sizeof out, "%s/old.gpkg", dir);
    unit_put(out, "the old result");
    int calls = 0;
    unit_expect_error(ctx, write_out(&f, "old.gpkg", BP_FMT_GPKG, stop, &calls, out, sizeof out, ctx), BP_ERR_ABORTED,
                      "interrupted");
    assert_true(calls > 0);
    assert_int_equal(unit_count_files(dir), 1); /* no temporary file left */
    VSIStatBufL st;
    assert_int_equal(VSIStatL(out, &st), 0);
    assert_int_equal(st.st_size, strlen("the old result"));
    unlink(out);
    bp_ctx_clear(ctx);
    /* another format: converted from the GeoPackage, which does not stay */
    assert_int_equal(write_out(&f, "out.csv", BP_FMT_CSV, NULL, NULL, out, sizeof out, ctx), BP_OK);
    assert_int_equal(unit_count_files(dir), 1);
    GDALDatasetH ds = GDALOpenEx(out, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL, NULL, NULL);
    assert_non_null(ds);
    assert_int_equal(OGR_L_GetFeatureCount(GDALDatasetGetLayer(ds, 0), TRUE), 4);
    GDALClose(ds);
    unlink(out);
    /* a folder that is not there: an error, nothing left */
    snprintf(out, sizeof out, "weg/out.gpkg");
    assert_int_equal(write_out(&f, "weg/out.gpkg", BP_FMT_GPKG, NULL, NULL, out, sizeof out, ctx), BP_ERR_IO);
    unit_assert_contains(bp_ctx_errmsg(ctx), "weg/out.gpkg: cannot create");
    assert_int_equal(unit_count_files(dir), 0);
    bp_ctx_free(ctx);
    unmake(&f);
}

static void write_check(void **state)
{
    (void)state;
    char existing[700], folder[700], missing[700], wrong[700], fresh[700], csv[700];
    snprintf(existing, sizeof existing, "%s/bestaat.gpkg", dir);
    unit_put(existing, "x");
    snprintf(folder, sizeof folder, "%s/map.gpkg", dir);
    mkdir(folder, 0700);
    snprintf(missing, sizeof missing, "%s/weg/out.gpkg", dir);
    snprintf(wrong, sizeof wrong, "%s/out.gpk", dir);
    snprintf(fresh, sizeof fresh, "%s/nieuw.gpkg", dir);
    snprintf(csv, sizeof csv, "%s/weg/out.csv", dir);
    const struct {
        const char *out;
        bp_format format;
        int overwrite;
        bp_status st;
        const char *message;
    } cases[] = {
        {fresh, BP_FMT_GPKG, 0, BP_OK, ""},
        {existing, BP_FMT_GPKG, 1, BP_OK, ""},
        {existing, BP_FMT_GPKG, 0, BP_ERR_USAGE, "bestaat.gpkg: exists; pass --overwrite to replace it"},
        {folder, BP_FMT_GPKG, 1, BP_ERR_USAGE, "map.gpkg: is a directory"},
        {missing, BP_FMT_GPKG, 0, BP_ERR_USAGE, "weg/out.gpkg: folder "},
        {csv, BP_FMT_CSV, 0, BP_ERR_USAGE, "weg/out.csv: folder "},
        {wrong, BP_FMT_GPKG, 0, BP_ERR_USAGE, "out.gpk: the output must be a GeoPackage ending in .gpkg"},
        {".gpkg", BP_FMT_GPKG, 0, BP_ERR_USAGE, ".gpkg: the output must be a GeoPackage ending in .gpkg"},
        {"kandidaten.GPKG", BP_FMT_GPKG, 0, BP_OK, ""}, /* the current folder */
        {fresh, BP_FMT_FLATGEOBUF, 0, BP_OK, ""},       /* other formats need not end in their extension */
        {"PG:dbname=gis", BP_FMT_POSTGRESQL, 0, BP_OK, ""},
        {"gis.gpkg", BP_FMT_POSTGRESQL, 0, BP_ERR_USAGE, "gis.gpkg: a PostgreSQL output is a connection string 'PG:...'"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        bp_ctx *ctx = bp_ctx_new();
        bp_write_opts o = {cases[i].out, cases[i].format, cases[i].overwrite, NULL};
        bp_status st = bp_write_check(&o, ctx);
        if (st != cases[i].st || !strstr(bp_ctx_errmsg(ctx), cases[i].message))
            fail_msg("%s: %d '%s', wanted %d '%s'", cases[i].out, st, bp_ctx_errmsg(ctx), cases[i].st, cases[i].message);
        bp_ctx_free(ctx);
    }
    unlink(existing);
    rmdir(folder);
}

int main(void)
{
    const struct CMUnitTest tests[] = {cmocka_unit_test(geopackage), cmocka_unit_test(aborted_and_other_formats),
                                       cmocka_unit_test(write_check)};
    return cmocka_run_group_tests(tests, setup, teardown);
}
