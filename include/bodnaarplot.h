/*
 * bodnaarplot.h — public interface of libbodnaarplot.
 *
 * bodnaarplot scores candidate plots for housing for older people by their
 * distance to facilities, overlays each gemeente's gap between woondeal
 * target and plans, and writes ranked candidates to a GeoPackage.
 *
 * Conventions (after Redis and liblwgeom):
 *   - every public symbol starts with bp_;
 *   - *_new() returns an object the caller owns and frees with the matching
 *     *_free(); *_free(NULL) is a no-op;
 *   - functions returning bp_status leave their outputs unaltered on failure
 *     and put a one-line message, naming the file, layer, field or line at
 *     fault, in the bp_ctx they were given;
 *   - the library never prints and never exits.
 *
 * A run is: bp_config_new() -> bp_config_set()/bp_config_load_yaml()/
 * bp_config_parse_args() -> bp_run() -> bp_config_free().  Progress follows
 * GDAL's convention: a GDALProgressFunc that returns FALSE aborts the run
 * (BP_ERR_ABORTED).  It may be called from a helper thread of the run
 * (reading the plots ahead), but never from two threads at once.
 *
 * A finished result can be loaded back from its GeoPackage and re-ranked
 * in memory with other weights, profile, gap weight or criteria:
 * bp_result_load() -> bp_result_config() -> bp_config_set() ->
 * bp_result_rerank() -> bp_result_*() accessors -> bp_result_free().
 *
 * The library holds no mutable global state: calls on different objects
 * may run at the same time in different threads (each thread with its own
 * bp_ctx).  One object is used by one thread at a time.
 */
#ifndef BODNAARPLOT_H
#define BODNAARPLOT_H

#include <stddef.h>
#include <cpl_progress.h>

#ifdef __cplusplus
extern "C" {
#endif

#define BP_VERSION "0.1.0"

/* Status codes; the CLI uses them as exit codes (documented in README). */
typedef enum {
    BP_OK = 0,
    BP_ERR_DATA = 1,    /* input contents are wrong: values, duplicates, empty layer */
    BP_ERR_USAGE = 2,   /* bad flag or key, missing file/layer/field, output exists */
    BP_ERR_IO = 3,      /* writing the output failed (disk full, permissions) */
    BP_ERR_NOMEM = 4,   /* out of memory or an internal library failure */
    BP_ERR_ABORTED = 5  /* the progress callback asked to stop */
} bp_status;

/* The three housing types of the woondeals, also the three scoring profiles. */
typedef enum {
    BP_NULTREDEN = 0,   /* step-free */
    BP_GECLUSTERD = 1,  /* >= 12 step-free homes around a meeting room */
    BP_ZORGGESCHIKT = 2 /* clustered and fit for intensive care */
} bp_type;
#define BP_NTYPES 3

/* Name of a type ("nultreden", ...); NULL for an invalid value. */
const char *bp_type_name(bp_type t);
/* Parses a type name (case-insensitive); returns -1 when unknown. */
int bp_type_parse(const char *name);

/* ---- context: errors and warnings -------------------------------------- */

typedef struct bp_ctx bp_ctx;

/* Called for each warning as it is raised (e.g. to print it). */
typedef void (*bp_warning_fn)(const char *msg, void *userdata);

/* Returns a new context, or NULL when out of memory. */
bp_ctx *bp_ctx_new(void);
void bp_ctx_free(bp_ctx *ctx);
/* The first error raised since the last bp_ctx_clear(), or "" when none.
 * The string is owned by ctx and valid until the next call on ctx. */
const char *bp_ctx_errmsg(const bp_ctx *ctx);
bp_status bp_ctx_status(const bp_ctx *ctx);
void bp_ctx_clear(bp_ctx *ctx);
/* Warnings collected so far (owned by ctx). */
size_t bp_ctx_warning_count(const bp_ctx *ctx);
const char *bp_ctx_warning(const bp_ctx *ctx, size_t i);
/* Installs a handler called for every new warning; NULL removes it. */
void bp_ctx_set_warning_handler(bp_ctx *ctx, bp_warning_fn fn, void *userdata);

/* Called when a library underneath meets an error it cannot return from:
 * GDAL aborts the process after a fatal error, such as running out of
 * memory inside CPLMalloc.  By then the run's temporary files are removed;
 * the handler may report msg and end the process with _exit() (the CLI
 * exits 4).  Without a handler the process aborts, as GDAL does. */
typedef void (*bp_fatal_fn)(const char *msg, void *userdata);
void bp_ctx_set_fatal_handler(bp_ctx *ctx, bp_fatal_fn fn, void *userdata);
/* Removes the temporary files of the run reporting into ctx.  Only
 * unlink(): safe in a signal handler, for an application that catches
 * SIGABRT (GDAL, and C++ code that runs out of memory, abort). */
void bp_ctx_remove_tmp(bp_ctx *ctx);

/* ---- configuration ------------------------------------------------------ */

typedef struct bp_config bp_config;

/* Returns a configuration holding every documented default, or NULL when
 * out of memory. */
bp_config *bp_config_new(void);
void bp_config_free(bp_config *cfg);

/*
 * Sets one parameter by its project-file key path, e.g. "profile",
 * "candidates.source", "facilities.supermarkt.source",
 * "criteria.supermarkt.full_m", "profiles.geclusterd.weights.zorg".
 * 'origin' names where the value came from for messages ("--radius",
 * "project.yaml line 12"); it may be NULL.  Relative paths in values are
 * taken as given (the YAML loader resolves them against the project file).
 * Returns BP_OK, or BP_ERR_USAGE with cfg unaltered.
 */
bp_status bp_config_set(bp_config *cfg, const char *key, const char *value,
                        const char *origin, bp_ctx *ctx);

/*
 * Reads a project file (YAML) into cfg, on top of what cfg holds.  Keys
 * are those of bp_config_set(); relative paths are resolved against the
 * project file's folder.  Anchors/aliases, unknown keys and wrong types are
 * errors naming the line.  On failure cfg may hold the keys read before the
 * faulty one; callers discard it.
 */
bp_status bp_config_load_yaml(bp_config *cfg, const char *path, bp_ctx *ctx);

/* Checks that cfg is complete and consistent (inputs given, weights sum
 * above zero, criteria name known categories, full < zero, ...). */
bp_status bp_config_validate(const bp_config *cfg, bp_ctx *ctx);

/* Calls fn(key, value) for every effective parameter, in a stable order.
 * Used for run_info and `--print-config`. */
void bp_config_foreach(const bp_config *cfg,
                       void (*fn)(const char *key, const char *value, void *ud),
                       void *ud);

/* Output path of the configuration (NULL when unset). */
const char *bp_config_output(const bp_config *cfg);

/* The commands whose flags the configuration knows; a flag is taken by the
 * commands listed for it in the key table (bp_config_help shows them). */
typedef enum {
    BP_CMD_SCORE = 1,   /* score and run: every input, scoring and output flag */
    BP_CMD_RESCORE = 2  /* rescore: scoring and output flags only */
} bp_command;

/* Flags that are not configuration, reported by bp_config_parse_args(). */
enum { BP_ARG_QUIET = 1, BP_ARG_PRINT_CONFIG = 2, BP_ARG_HELP = 4 };

/*
 * Sets the configuration from command-line flags (argv[0..argc-1], the
 * flags only): "--radius 400", "--radius=400", "-o out.gpkg", "--facility
 * CAT=SRC", switches.  *switches gets the BP_ARG_* bits seen; parsing stops
 * at --help.  Returns BP_OK, or BP_ERR_USAGE naming the flag (cfg then
 * holds the flags before it).
 */
bp_status bp_config_parse_args(bp_config *cfg, bp_command cmd, int argc, char *const *argv, unsigned *switches,
                               bp_ctx *ctx);

/* The flags of a command for --help, grouped under headings, with their
 * defaults; a new string the caller frees with free(), or NULL when out of
 * memory. */
char *bp_config_help(bp_command cmd);

/* ---- running ------------------------------------------------------------ */

/* What a run did; filled by bp_run(). */
typedef struct {
    size_t n_candidates;      /* plots scored */
    size_t n_knocked_out;     /* plots knocked out for the chosen profile */
    size_t n_facilities;      /* facilities of all categories */
    size_t n_gemeenten;       /* gemeenten in gemeente_gap */
    size_t n_repaired;        /* invalid geometries repaired, all inputs */
    size_t n_skipped;         /* features without geometry, all inputs */
    double seconds;           /* wall time */
} bp_summary;

/*
 * Runs the whole analysis: load -> distances -> scores -> gap -> rank ->
 * write.  The output is written to a temporary file beside it and renamed
 * into place only when complete; on any failure the temporary file is
 * removed and an existing output is left as it was.  'progress' may be
 * NULL; it is called with the run's fraction done (0..1, roughly in
 * proportion to the time) and, as the message, the name of the phase
 * ("reading plots", "distances", "writing", ...; NULL between phases);
 * returning FALSE stops the run with BP_ERR_ABORTED.  'summary' may be NULL.
 */
bp_status bp_run(const bp_config *cfg, GDALProgressFunc progress,
                 void *progress_data, bp_summary *summary, bp_ctx *ctx);

/* ---- results ------------------------------------------------------------ */

/* A result: per plot its distances, counts, scores per housing type,
 * gemeente and gap, capacity, knock-outs and rank; per gemeente its gap.
 * No geometry: that stays in the source or the output. */
typedef struct bp_result bp_result;

/* Returns an empty result, or NULL when out of memory. */
bp_result *bp_result_new(void);
/* Frees a result; NULL is a no-op. */
void bp_result_free(bp_result *r);

/*
 * Loads the result a GeoPackage written by bp_run() holds (its exact
 * numbers, table bodnaarplot_result) and ranks it as it was written.  On
 * success *out is a new result the caller frees with bp_result_free();
 * on failure *out is NULL: BP_ERR_USAGE when the file is not a bodnaarplot
 * result, BP_ERR_DATA when it is damaged.
 */
bp_status bp_result_load(const char *gpkg, bp_result **out, bp_ctx *ctx);

/* A new configuration holding the scoring parameters r was ranked with
 * (profile, criteria and weights per category, min_homes, density, gap
 * weight, filter), to change and pass to bp_result_rerank(); NULL when out
 * of memory.  The caller frees it with bp_config_free(). */
bp_config *bp_result_config(const bp_result *r);

/*
 * Re-scores, re-gaps and re-ranks r in memory with the scoring parameters
 * of cfg: its profile, density, min_homes, gap weight, and the criteria and
 * weights of the categories it names (others keep r's).  Gives exactly
 * what a full run with those parameters gives.  A changed filter is
 * BP_ERR_USAGE (it needs the plots' attributes and geometry).  On failure
 * r is unaltered or, after BP_ERR_NOMEM, must be freed.
 */
bp_status bp_result_rerank(bp_result *r, const bp_config *cfg, bp_ctx *ctx);

/*
 * rescore: re-ranks the result GeoPackage 'gpkg' with the scoring
 * parameters of cfg (start from bp_rescore_config(gpkg) and change keys,
 * e.g. with bp_config_parse_args(..., BP_CMD_RESCORE, ...)) and rewrites it
 * atomically, or writes cfg's output when that is another file: scores,
 * ranks, knock-outs, gemeente_gap and run_info (recording what changed);
 * geometry, attributes, facilities and decisions stay.  No inputs needed.
 * The candidates table equals that of a full run with the same parameters.
 * On failure the file is as it was.
 */
bp_status bp_rescore(const char *gpkg, const bp_config *cfg, GDALProgressFunc progress, void *pdata,
                     bp_summary *summary, bp_ctx *ctx);
/* The configuration a result was ranked with (scoring keys), its output
 * set to gpkg; NULL with the error in ctx. */
bp_config *bp_rescore_config(const char *gpkg, bp_ctx *ctx);

/* Accessors; i is a plot index (0..count-1), c a category index, t a type.
 * Strings are owned by r and valid until r changes. */
size_t bp_result_count(const bp_result *r);
size_t bp_result_ncategories(const bp_result *r);
const char *bp_result_category_name(const bp_result *r, size_t c);
const char *bp_result_plot_id(const bp_result *r, size_t i);
/* Rank of plot i for the ranked profile: 1 = best, 0 = knocked out. */
int bp_result_rank(const bp_result *r, size_t i);
/* The plot at rank position k (0-based, knocked-out plots last). */
size_t bp_result_at(const bp_result *r, size_t k);
/* Final score 0-100 for type t (rounded to 0.01, as written). */
double bp_result_score(const bp_result *r, size_t i, bp_type t);
/* Suitability 0-100 for type t, before the gap. */
double bp_result_suitability(const bp_result *r, size_t i, bp_type t);
/* Distance in metres to the nearest facility of category c (NaN: none
 * reachable), its criterion score 0-100, and the count within the radius. */
double bp_result_distance(const bp_result *r, size_t i, size_t c);
double bp_result_criterion_score(const bp_result *r, size_t i, size_t c);
int bp_result_facility_count(const bp_result *r, size_t i, size_t c);
/* Capacity in homes (NaN for points and lines). */
double bp_result_capacity(const bp_result *r, size_t i);
/* The gemeente code of plot i, or NULL when it lies in none. */
const char *bp_result_gemeente(const bp_result *r, size_t i);
/* 1 when plot i is knocked out for the ranked profile; why, in words
 * ("" when nothing is to be said), into buf. */
int bp_result_knocked_out(const bp_result *r, size_t i);
size_t bp_result_reason(const bp_result *r, size_t i, char *buf, size_t size);
/* The profile r is ranked for. */
bp_type bp_result_profile(const bp_result *r);

/* ---- workshop: the table's decisions and the programme ----------------- */

/* What the table decided about a plot (field besluit of candidates). */
typedef enum {
    BP_BESLUIT_OPEN = 0,         /* nothing decided (the default) */
    BP_BESLUIT_KANSRIJK = 1,     /* promising */
    BP_BESLUIT_GERESERVEERD = 2, /* reserved: counted first by the programme */
    BP_BESLUIT_AFGEVALLEN = 3    /* dropped: knocked out, never programmed */
} bp_besluit;

/* Name of a besluit ("open", ...); NULL for an invalid value. */
const char *bp_besluit_name(bp_besluit b);

/* An edit of a plot's decision as a form or a flag gives it, in text: a
 * NULL field is left as it is, "" clears it.  Values are checked:
 * besluit open|kansrijk|gereserveerd|afgevallen, woningtype
 * nultreden|geclusterd|zorggeschikt, woningen a whole number 0-100000,
 * partners at most 200 characters, opmerking at most 2000. */
typedef struct {
    const char *besluit;
    const char *woningtype;
    const char *woningen;
    const char *partner_corporatie;
    const char *partner_zorg;
    const char *opmerking;
} bp_decision_edit;

/*
 * Records a decision on plot 'plot_id' in the result GeoPackage 'gpkg', in
 * one transaction, waiting up to 10 s while another program (QGIS) holds
 * the file: updates the plot's row of candidates, sets besluit_gewijzigd
 * to now, and appends the change to table besluiten_log (time, plot, old
 * and new values, the weights in force, 'who' when not NULL).  Returns
 * BP_OK; BP_ERR_USAGE for an unknown plot, a value out of its enumeration
 * or length, or a file that is not a bodnaarplot result (nothing written);
 * BP_ERR_IO when the file stays locked or cannot be written.
 */
bp_status bp_decision_save(const char *gpkg, const char *plot_id, const bp_decision_edit *e, const char *who,
                           bp_ctx *ctx);
/* Undoes the last logged change of plot 'plot_id' (of any plot when NULL),
 * logging the undo too.  BP_ERR_USAGE when there is nothing to undo. */
bp_status bp_decision_undo(const char *gpkg, const char *plot_id, const char *who, bp_ctx *ctx);
/* Reads the decisions of the GeoPackage into r (loaded from it), e.g. after
 * edits in QGIS or by another server; the knock-outs of dropped plots
 * follow at the next bp_result_rerank(). */
bp_status bp_result_read_decisions(bp_result *r, const char *gpkg, bp_ctx *ctx);

/* The decision on plot i: besluit, woningtype (-1: none), woningen (NaN:
 * the capacity), and a text field by name ("partner_corporatie",
 * "partner_zorg", "opmerking", "besluit_gewijzigd"; NULL when empty). */
bp_besluit bp_result_besluit(const bp_result *r, size_t i);
int bp_result_decision_type(const bp_result *r, size_t i);
double bp_result_decision_homes(const bp_result *r, size_t i);
const char *bp_result_decision_text(const bp_result *r, size_t i, const char *field);

/*
 * Proposes the programme: per gemeente and housing type, plots whose homes
 * cover the gap — reserved plots of that type first, then the best by that
 * type's score, each plot serving one type, chosen plots of one type at
 * least program.min_spacing_m apart, never knocked-out or dropped plots —
 * with the parameters of cfg (program.*).  Deterministic.  The outcome is
 * kept in r (accessors below).
 */
bp_status bp_result_program(bp_result *r, const bp_config *cfg, bp_ctx *ctx);
/* The type plot i serves in the programme (-1: none), its homes, and
 * whether it was reserved by the table. */
int bp_result_program_type(const bp_result *r, size_t i);
double bp_result_program_homes(const bp_result *r, size_t i);
int bp_result_program_reserved(const bp_result *r, size_t i);

/* The gemeenten of a result: code, name, and per type the target (opgave),
 * plans, realised, gap (NaN: unknown) and the homes programmed. */
size_t bp_result_ngemeenten(const bp_result *r);
const char *bp_result_gemeente_code(const bp_result *r, size_t g);
const char *bp_result_gemeente_name(const bp_result *r, size_t g);
double bp_result_gemeente_figure(const bp_result *r, size_t g, bp_type t, const char *figure);

/*
 * Renders the QGIS project inside a GeoPackage written by bp_run() to a PNG
 * of width x height pixels (200-10000), with QGIS itself (python3-qgis must
 * be installed: BP_ERR_USAGE otherwise).  The image is written to a
 * temporary file and renamed into place; on failure nothing is left.  Like
 * bp_run(): an existing png is BP_ERR_USAGE unless overwrite, and the png
 * may never be the GeoPackage itself.
 */
bp_status bp_map_render(const char *gpkg, const char *png, int width, int height, int overwrite, bp_ctx *ctx);

/* Options of bp_report_render(); NULL gives the defaults (all zero). */
typedef struct {
    int overwrite; /* replace an existing PDF (never the GeoPackage itself) */
    int top;       /* plots listed per gemeente without programme or reservations; 0: 10 */
} bp_report_options;

/*
 * Renders the handout of a workshop (werksessie) for the
 * volkshuisvestingsprogramma from a GeoPackage written by bp_run() to a PDF
 * (A4), with a QGIS print layout, in Dutch: an overview page, then per
 * gemeente its map (the candidates over streets, gemeente outlines and,
 * when PDOK can be reached, the basemap, zoomed to the gemeente's plots),
 * its figures per housing type (target, plans, realised, gap, programmed,
 * remaining) and its programmed and reserved plots with partners, reasons
 * and notes; the 'top' best-ranked plots where the result has no programme
 * or reservations.  QGIS runs as for bp_map_render().  The PDF is written
 * to a temporary file beside 'pdf' and renamed into place; on failure
 * nothing is left and an existing PDF is unaltered.  BP_ERR_USAGE when
 * 'pdf' exists without overwrite, is the GeoPackage, or QGIS is missing;
 * BP_ERR_DATA when the file is not a bodnaarplot result; BP_ERR_IO when
 * writing failed.
 */
bp_status bp_report_render(const char *gpkg, const char *pdf, const bp_report_options *options, bp_ctx *ctx);

/* ---- the live server ----------------------------------------------------- */

/* Options of bp_serve(); zero-initialise and fill.  Strings are borrowed
 * for the duration of the call. */
typedef struct {
    const char *gpkg;        /* the result GeoPackage (required); decisions are written into it */
    const char *listen;      /* IPv4 address to bind; NULL: "127.0.0.1" */
    int port;                /* TCP port; 0: 8080; -1: any free port (see 'ready') */
    const char *token;       /* required on every request when set (>= 16 characters); any
                                address but 127.0.0.1 needs one */
    const char *parties;     /* YAML file of the parties' weight profiles, or NULL (see README) */
    const char *leaflet_dir; /* Leaflet's files; NULL: Debian's libjs-leaflet folder */
    int threads;             /* in-memory results re-ranked in parallel; 0: 2 */
    volatile int *stop;      /* the server stops soon after *stop becomes non-zero (a signal
                                handler of the caller sets it; the library installs none) */
    /* called once when the server listens, with its URL (without the
     * token) and port; NULL: not called */
    void (*ready)(const char *url, int port, void *userdata);
    void *userdata;
} bp_serve_opts;

/*
 * Serves the workshop map of a result GeoPackage: one page (in Dutch), the
 * candidates, gemeenten, facilities and walking network in WGS84, and a
 * JSON API that re-ranks the result in memory, explains a plot, records
 * decisions into the GeoPackage and computes the parties' consensus and a
 * plot's rank stability (README, "Live workshop map").  Blocks until
 * *o->stop is set; returns BP_OK then.  BP_ERR_USAGE for a bad option
 * (address, port in use, no token for a public address, missing Leaflet,
 * bad parties file) or a file that is not a bodnaarplot result; nothing is
 * written to the GeoPackage but the decisions the page sends.
 */
bp_status bp_serve(const bp_serve_opts *o, bp_ctx *ctx);

/* Versions of bodnaarplot and the libraries it runs on, one per line, as
 * "name version\n", into buf (truncated to size); returns the length the
 * whole text needs.  512 bytes are enough. */
size_t bp_versions(char *buf, size_t size);

#ifdef __cplusplus
}
#endif
#endif /* BODNAARPLOT_H */
