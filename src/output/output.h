/*
 * output/ — the write stage: a result becomes a GeoPackage (candidates in
 * rank order, gemeente_gap, facilities, walk_network, run_info, and the
 * result's exact numbers), with its QGIS styles and project, written to a
 * temporary file and renamed into place; other formats are converted from
 * that GeoPackage with GDAL; the map image is rendered by QGIS.
 *
 * The layers' fields come from the declarative definitions in layers/
 * (layerdef.c); the writer only knows which value fills which field.
 *
 * Module prefixes: bp_layerdefs_ / bp_layerdef_ (layerdef.c), bp_write
 * (gpkg.c), bp_qgis_ (qgis.c), bp_formats_ (formats.c), bp_map_ (map.c),
 * bp_tmpfile_ (tmpfile.c), bp_rtree_ (rtree.c).
 */
#ifndef BP_OUTPUT_H
#define BP_OUTPUT_H

#include "core/core.h"
#include "result/result.h"

#include <limits.h>
#include <stdint.h>
#include <sqlite3.h>
#include "input/input.h"
#include "distance/distance.h"
#include "workshop/workshop.h"

/* ---- layerdef.c: the declarative layer definitions of layers/ ------------- */

typedef enum { BP_FT_INTEGER, BP_FT_REAL, BP_FT_STRING, BP_FT_BOOLEAN, BP_FT_DATETIME } bp_ftype;

typedef struct {
    char *name;        /* may hold {category}, {radius}, {type} */
    bp_ftype type;
    char *per;         /* NULL, "category" or "type" */
    char *alias;       /* Dutch alias for QGIS */
    char *description; /* what the field holds, in English */
    char **values;     /* the allowed values (a drop-down in QGIS), NULL-terminated, or NULL */
    int editable;      /* the user edits it (a decision); else read-only in QGIS */
} bp_fielddef;

typedef struct {
    char *name, *title, *description;
    bp_fielddef *fields;
    size_t nfields;
} bp_layerdef;

typedef struct bp_layerdefs bp_layerdefs;
/* Parses the layer definitions built in from layers/NAME.yaml.  NULL with
 * BP_ERR_NOMEM in ctx when out of memory or a definition is malformed (a
 * build defect). */
bp_layerdefs *bp_layerdefs_load(bp_ctx *ctx);
void bp_layerdefs_free(bp_layerdefs *defs);
/* The definition of a layer by name; NULL with an error in ctx when there
 * is none. */
const bp_layerdef *bp_layerdef_get(const bp_layerdefs *defs, const char *name, bp_ctx *ctx);
/* The same without an error (NULL: layers/ defines no such layer). */
const bp_layerdef *bp_layerdef_find(const bp_layerdefs *defs, const char *name);
/* Expands a templated field name into buf. */
void bp_layerdef_expand(const char *tmpl, const char *category, int radius, const char *type, char *buf,
                        size_t bufsize);

/* What names the fields of a result's layers: its categories, the count
 * radius, the ranked profile, and the definitions. */
typedef struct {
    bp_type profile;
    size_t ncat;
    char *const *cat;
    int radius_m;
    const bp_layerdefs *defs;
} bp_names;

/* ---- gpkg.c: the write stage ----------------------------------------------- */

/* Where the writer gets each plot's geometry and input attributes: the
 * plots held in memory by a run, or those of an earlier output. */
typedef struct {
    const char *what;              /* the plots' source, for messages */
    OGRFeatureDefnH defn;          /* input attribute fields, or NULL */
    OGRwkbGeometryType geom_type;  /* of the candidates layer */
    /* Plot i: *attrs its attributes (fields of defn; borrowed until the
       next call, or NULL) and *geom its geometry in the analysis CRS (new,
       the caller destroys it). */
    bp_status (*get)(void *ud, size_t i, OGRFeatureH *attrs, OGRGeometryH *geom, bp_ctx *ctx);
    void *ud;
} bp_plot_reader;

/* A plot reader over plots held in memory (the read stage's layer); the
 * reader borrows the layer and converts geometries in its own GEOS
 * context.  Free with bp_plot_reader_memory_free(). */
bp_status bp_plot_reader_memory(bp_plot_reader *pr, const bp_layer *plots, bp_ctx *ctx);
void bp_plot_reader_memory_free(bp_plot_reader *pr);
/* A plot reader over the candidates of an earlier output 'gpkg' of result
 * r (matched by plot_id): its geometry, and its input attributes (the
 * fields layers/candidates.yaml does not define for r).  Free with
 * bp_plot_reader_gpkg_free(). */
bp_status bp_plot_reader_gpkg(bp_plot_reader *pr, const char *gpkg, const bp_result *r, const bp_layerdefs *defs,
                              bp_ctx *ctx);
void bp_plot_reader_gpkg_free(bp_plot_reader *pr);
/* A plot reader that reads each plot again from its source 'spec' (the
 * candidates' source and where filter) by the feature id r->fid[i] (random
 * access by fid), geometry processed as on the first read; 'type' is the
 * candidates layer type found then.  Asked in rank order (r->order[0],
 * [1], ...: the writer's order) it reads 'window' plots (0: 65536) ahead
 * at a time in fid order, holding them until asked; any other plot is read
 * on its own.
 * Holds the source open and borrows crs and r (r->fid) until freed with
 * bp_plot_reader_source_free(); on failure nothing is left open. */
bp_status bp_plot_reader_source(bp_plot_reader *pr, const char *spec, const char *where, const bp_crs *crs,
                                const bp_result *r, OGRwkbGeometryType type, size_t window, bp_ctx *ctx);
void bp_plot_reader_source_free(bp_plot_reader *pr);

typedef struct {
    const char *output;
    bp_format format;              /* resolved, never BP_FMT_AUTO */
    int overwrite;
    OGRSpatialReferenceH srs;      /* the analysis CRS */
} bp_write_opts;

typedef struct {
    const bp_result *r;
    const bp_plot_reader *plots;
    const bp_layer *facilities;    /* r->ncat layers */
    char *const *fac_sources;      /* r->ncat source specs, for the facilities layer */
    bp_network *net;               /* for walk_network, or NULL */
    const double *vertex_dist;     /* of net */
    const char *previous;          /* the output being replaced (its decision history is carried over), or NULL */
    GDALDatasetH copy_from;        /* facilities and walk_network copied from it (rescore), or NULL */
    const bp_decisions *gone;      /* decisions whose plot is gone, or NULL */
    /* Called just before the new file replaces the output; returns 1 when
       the output changed meanwhile (a decision made in QGIS during the run):
       then nothing is replaced and *again is set.  NULL: not checked. */
    int (*changed_meanwhile)(void *ud);
    void *changed_ud;
    int *again;
} bp_write_input;

/* Writes the result: the GeoPackage through a temporary file renamed into
 * place, or another format converted from it.  On failure nothing is left
 * and an existing output is untouched. */
bp_status bp_write(const bp_write_input *in, const bp_write_opts *o, GDALProgressFunc progress, void *pdata,
                   bp_ctx *ctx);
/* Checks the output before any work: a GeoPackage ends in .gpkg, an
 * existing file needs overwrite, its folder exists; a database is PG:. */
bp_status bp_write_check(const bp_write_opts *o, bp_ctx *ctx);

/* ---- check.c: before any work ------------------------------------------------- */

/* Refuses an output that is one of the inputs (source specs; what[i] names
 * each in the message): the same file by device and inode, however it is
 * spelled or linked.  BP_ERR_USAGE; BP_OK when the output does not exist
 * yet or is a database. */
bp_status bp_write_check_inputs(const char *output, const char *const *inputs, const char *const *what, size_t n,
                                bp_ctx *ctx);
/* The name an input attribute gets in the candidates layer: its own, or
 * NAME_input when a computed field (or x_rd, y_rd, fid, geom) has it;
 * returns 1 when renamed. */
int bp_write_attr_name(const bp_names *nm, const bp_layerdef *def, const char *input, char *buf, size_t size);
/* Checks the fields the candidates layer will have, from the categories
 * and the input's fields ('input' may be NULL): no two with one name (a
 * category named like a housing type, input fields 'rank' and
 * 'rank_input'), and no more than the format holds.  BP_ERR_USAGE naming
 * what to rename. */
bp_status bp_write_check_names(const bp_write_opts *o, const bp_names *nm, OGRFeatureDefnH input, bp_ctx *ctx);

/* ---- tmpfile.c: outputs written beside their place, moved into it -------- */

/* The temporary names of one run on one output. */
typedef struct {
    char stem[PATH_MAX];  /* FOLDER/.NAME.bodnaarplot-tmp-PID-TID */
    int lock_fd;          /* flock()ed on stem.lock while writing; -1: none */
} bp_tmpfile;

/* The file an output path stands for: the target of a symbolic link (so
 * the link is kept and its file replaced), else the path itself.  Returns
 * 0, or -1 when it does not fit buf. */
int bp_tmpfile_resolve(const char *output, char *buf, size_t size);
/* Reserves temporary names for 'output' in its folder ('dir' may override
 * the folder, e.g. the temp folder for a database output): creates and
 * locks STEM.lock, tracked in ctx for bp_ctx_fatal().  BP_ERR_IO when the
 * folder cannot be written; BP_ERR_USAGE when the path is too long.  End
 * with bp_tmpfile_end(). */
bp_status bp_tmpfile_begin(bp_tmpfile *t, const char *output, const char *dir, bp_ctx *ctx);
/* STEM + ext into buf; 0, or -1 when it does not fit. */
int bp_tmpfile_path(const bp_tmpfile *t, const char *ext, char *buf, size_t size);
/* Removes and unlocks STEM.lock (the caller removes its other files). */
void bp_tmpfile_end(bp_tmpfile *t, bp_ctx *ctx);
/* Removes a file and its SQLite sidecars (-journal, -wal, -shm). */
void bp_tmpfile_remove(const char *path);
/* Flushes 'tmp' to disk and moves it to 'output', then flushes the folder.
 * Without overwrite the move never replaces a file: BP_ERR_USAGE when the
 * output exists by then.  BP_ERR_IO naming the output on other failures.
 * On failure 'tmp' is left for the caller to remove. */
bp_status bp_tmpfile_commit(const char *tmp, const char *output, int overwrite, bp_ctx *ctx);
/* Removes temporary files of earlier runs on 'output' (in its folder, or in
 * 'dir' when not NULL) whose run is gone: their lock is free. */
void bp_tmpfile_cleanup_stale(const char *output, const char *dir);

/* ---- rtree.c: a layer's GeoPackage spatial index, packed in one pass -------- */

/* The boxes of a layer's features, collected while writing (floats,
 * rounded outwards as SQLite stores them). */
typedef struct {
    int64_t *id;    /* feature ids, n */
    float *box;     /* minx, maxx, miny, maxy per feature, 4n */
    size_t n, cap;
} bp_rtree;

void bp_rtree_init(bp_rtree *t);
void bp_rtree_clear(bp_rtree *t);
/* Adds feature id's box; an empty box (min > max, NaN) is not indexed, as
 * the GeoPackage's triggers leave out empty geometries.  -1: out of
 * memory. */
int bp_rtree_add(bp_rtree *t, int64_t id, double minx, double maxx, double miny, double maxy);
/* Room for n boxes in one piece, when their number is known (no slack from
 * growing).  -1: out of memory. */
int bp_rtree_reserve(bp_rtree *t, size_t n);
/* Creates the GeoPackage R-tree index rtree_<table>_<geom> of a layer
 * created without one (SPATIAL_INDEX=NO) in the open GeoPackage db, filled
 * with t's boxes as a packed tree, with the extension's triggers and its
 * gpkg_extensions row.  Runs inside the caller's transaction. */
bp_status bp_rtree_build(sqlite3 *db, const char *table, const char *geom, const char *fid, const bp_rtree *t,
                         const char *what, bp_ctx *ctx);

/* ---- pyrun.c: the QGIS scripts (map.py, report.py) ------------------------ */

/* Checks the paths of a rendering: gpkg readable, out not gpkg itself nor a
 * directory, and out absent unless overwrite.  BP_ERR_USAGE naming the file. */
bp_status bp_pyrun_check(const char *gpkg, const char *out, int overwrite, bp_ctx *ctx);
/* Runs the embedded script 'name' (after qgis_common.py) with python3 as
 * NAME.py GPKG TMP ARGS... (args NULL-terminated, may be NULL); TMP is a
 * hidden temporary name beside 'out' ending in 'ext', renamed to 'out' when
 * the script succeeds (replacing an existing 'out' only with overwrite) and
 * removed otherwise.  BP_ERR_USAGE without QGIS,
 * BP_ERR_DATA for a GeoPackage the script cannot show, BP_ERR_IO when
 * writing failed; the message is the script's last line on stderr. */
bp_status bp_pyrun(const char *name, const char *gpkg, const char *out, const char *ext, char *const *args,
                   int overwrite, bp_ctx *ctx);

/* ---- qgis.c: QGIS styles and the QGIS project inside the GeoPackage ------- */

/* Name of the QGIS project stored in every output GeoPackage. */
#define BP_QGIS_PROJECT "bodnaarplot"

/* The QGIS style (QML) of layer 'lyr', exported as 'name': layers/NAME.qml
 * with {profile} replaced by the ranked profile, the Dutch aliases of
 * layers/NAME.yaml for the fields the layer has, and, for a categorized
 * renderer on "category", one category for each facility category (known
 * ones keep their colour and marker; others get new, distinct ones).
 * Returns BP_OK with *qml a new string the caller frees with free(), or
 * with *qml NULL when layers/ holds no style for the layer; BP_ERR_NOMEM (a
 * malformed built-in style, or no memory) with *qml NULL. */
bp_status bp_qgis_style(const char *name, OGRLayerH lyr, const bp_names *nm, char **qml, bp_ctx *ctx);

/* Writes QGIS metadata into 'ds', a GeoPackage open for writing: the style
 * of every layer of ds that has one in layers/ as its default style (table
 * layer_styles), and a QGIS project named BP_QGIS_PROJECT (table
 * qgis_projects) showing every layer of ds, zoomed to the candidates, with
 * Dutch layer titles, aliases and field descriptions.  'extent' is the
 * candidates' extent (tracked while writing), NULL: computed.  Layer
 * sources are relative to the GeoPackage: 'gpkg_name' is the file name it
 * will finally have (no folder).  'what' names the output in messages.
 * Returns BP_OK, or BP_ERR_IO / BP_ERR_NOMEM with ds partly written. */
bp_status bp_qgis_write(GDALDatasetH ds, const bp_names *nm, const OGREnvelope *extent, const char *gpkg_name,
                        const char *what, bp_ctx *ctx);

/* ---- formats.c: outputs other than the GeoPackage ---------------------------- */

/* Converts the complete result GeoPackage 'gpkg' to format o->format: a
 * file format into tmp_out (the caller renames it into place), or the
 * database o->output in one transaction (tmp_out unused), refusing to
 * replace existing tables unless o->overwrite.  A file is read back before
 * BP_OK: GDAL's writers do not all report a failed write.  'progress'
 * returning FALSE stops it (BP_ERR_ABORTED).  Returns BP_OK, BP_ERR_USAGE
 * (database cannot be opened, tables exist), BP_ERR_IO or BP_ERR_ABORTED;
 * on failure tmp_out may hold a partial file (the caller removes it) and
 * the database is unchanged. */
bp_status bp_formats_write(const char *gpkg, const bp_write_opts *o, const char *tmp_out, GDALProgressFunc progress,
                           void *pdata, bp_ctx *ctx);

#endif /* BP_OUTPUT_H */
