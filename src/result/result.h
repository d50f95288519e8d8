/*
 * result/ — the result type (struct bp_result) that carries a run from
 * stage to stage, and the parameters each stage computes it with.
 *
 * A result holds compact per-plot numbers only: ids, distances and counts
 * per category, area, gemeente, flags, and what the score, gap and rank
 * stages derive from them.  It holds no geometry and no input attributes:
 * those stay in the source (a run) or in the output GeoPackage (a loaded
 * result), and the writer fetches them through a plot reader.  So a result
 * can be re-scored, re-gapped and re-ranked in memory as often as wanted
 * (rescore, the live server), and its memory grows by a couple of hundred
 * bytes per plot.
 *
 * Who fills what:
 *   input     ids, fid, area, BP_PLOT_POLYGON            (bp_result_alloc_plots)
 *   distance  dist, count, attach
 *   gap       gemeente (bp_gap_assign), the gemeente table gm[]
 *   score     filter flag (bp_filter_eval), cat_score, suit, capacity, knock
 *   gap       score (final, per type), per-gemeente sums (bp_gap_apply)
 *   rank      rank, order                                (bp_rank_apply)
 *   store     everything, to and from a GeoPackage table (store.c)
 *
 * Module prefix: bp_result_.
 */
#ifndef BP_RESULT_H
#define BP_RESULT_H

#include "core/core.h"

/* ---- the parameters of the stages that work on a result ----------------- */

typedef enum { BP_DECAY_LINEAR = 0, BP_DECAY_LOGISTIC = 1 } bp_decay;

/* The criterion of one facility category. */
typedef struct {
    double full_m;            /* score 100 up to this distance */
    double zero_m;            /* score 0 from this distance */
    double knockout_m;        /* knocked out beyond it; 0 = none */
    bp_decay decay;
    double weight[BP_NTYPES]; /* weight per profile */
} bp_criterion;

/* Options of the score stage (score/score.c). */
typedef struct {
    size_t ncat;
    const bp_criterion *crit;        /* ncat, in the result's category order */
    double min_homes[BP_NTYPES];     /* knocked out below this capacity */
    double density;                  /* homes per hectare, for plots of land */
    bp_type profile;                 /* the knock-outs are the profile's */
    double floor_area_per_home;      /* m² gross floor area per home, for buildings with storeys */
} bp_score_opts;

/* Options of the gap stage (gap/gap.c). */
typedef struct {
    double gap_weight;               /* 0..1, see score/criteria.c */
    bp_type profile;                 /* the profile of the per-gemeente sums */
} bp_gap_opts;

/* Options of the rank stage (rank/rank.c). */
typedef struct {
    bp_type profile;
} bp_rank_opts;

/* ---- per plot ------------------------------------------------------------ */

enum {
    BP_PLOT_POLYGON = 1,      /* the plot is an area (capacity applies) */
    BP_PLOT_FILTER_FAIL = 2,  /* the plot does not meet the SQL filter */
    BP_PLOT_REPAIRED = 4,     /* its geometry was invalid and is repaired (read again through GEOS) */
};

/* Why a plot is knocked out for the profile (bits of knock[]). */
enum {
    BP_KO_DISTANCE = 1,       /* a facility beyond its knockout_m */
    BP_KO_SIZE = 2,           /* too small for the profile's min_homes */
    BP_KO_FILTER = 4,         /* fails the filter */
    BP_KO_AFGEVALLEN = 8,     /* dropped by the workshop (besluit afgevallen) */
};

/* The text fields of a decision (dtext[i * BP_NDTEXT + k]). */
enum { BP_DT_CORPORATIE = 0, BP_DT_ZORG = 1, BP_DT_OPMERKING = 2, BP_DT_GEWIJZIGD = 3, BP_NDTEXT = 4 };

#define BP_NO_GEMEENTE UINT32_MAX

/* ---- per gemeente -------------------------------------------------------- */

typedef struct {
    char *code;                      /* normalised GMxxxx */
    char *name;
    int has_target[BP_NTYPES];
    double opgave[BP_NTYPES], plannen[BP_NTYPES], gerealiseerd[BP_NTYPES]; /* NaN = missing */
    unsigned char *wkb;              /* the gemeente polygon (analysis CRS), ISO WKB */
    size_t wkb_len;
    /* filled by the gap stage, for its profile */
    size_t n_plots;                  /* plots assigned */
    size_t n_suitable;               /* not knocked out */
    double capacity;                 /* homes on those plots */
    /* filled by the programme */
    double programmed[BP_NTYPES];    /* homes programmed per type */
    char *program_note[BP_NTYPES];   /* "gedekt", "tekort: ...", or NULL */
} bp_gm;

/* ---- the result ---------------------------------------------------------- */

struct bp_result {
    size_t n;                 /* plots */
    size_t ncat;              /* facility categories */
    char **cat;               /* ncat category names (field names) */
    int radius_m;             /* radius of the counts n_<category>_<radius>m */

    /* plot ids: strings in one buffer, and as numbers when all are whole
       numbers (then ties are ordered numerically) */
    char *id_buf;
    size_t *id_off;           /* n offsets into id_buf */
    size_t id_len, id_cap;
    int64_t *id_num;          /* n, or NULL when the ids are not numeric */
    char *id_field;           /* the field the ids come from, NULL: feature ids */
    int64_t *fid;             /* n feature ids in the source */

    double *area;             /* n, m² (0 for points and lines) */
    double *own_capacity;     /* n, the plot's own estimate of homes (--capacity-field), NaN: none; or NULL */
    double *levels;           /* n, storeys (--levels-field), NaN: unknown; or NULL */
    unsigned char *flags;     /* n, BP_PLOT_* */
    uint32_t *gemeente;       /* n, index into gm, or BP_NO_GEMEENTE */

    double *dist;             /* n*ncat metres, NaN: none reachable */
    int32_t *count;           /* n*ncat within radius_m */
    double *attach;           /* n metres to the walking network (INFINITY:
                                 none), or NULL for straight distances */
    double snap_tolerance_m;  /* of the network, for the reasons */

    double *cat_score;        /* n*ncat 0-100 */
    double *suit;             /* n*BP_NTYPES suitability 0-100 */
    double *score;            /* n*BP_NTYPES final score, rounded to 0.01 */
    double *capacity;         /* n homes, NaN for points and lines */
    unsigned char *knock;     /* n, BP_KO_* for the ranked profile */
    int32_t *rank;            /* n, 1 = best, 0 = knocked out */
    uint32_t *order;          /* n plot indexes in rank order (knocked out last) */

    /* the workshop's decisions (workshop/decisions.c); NULL when none */
    unsigned char *besluit;   /* n, bp_besluit */
    signed char *dtype;       /* n, woningtype decided, -1 none */
    double *dhomes;           /* n, homes decided, NaN: the capacity */
    char **dtext;             /* n * BP_NDTEXT, NULL when empty; NULL when no decision has text */

    /* the programme (workshop/program.c); NULL until proposed */
    signed char *ptype;       /* n, type served, -1 none */
    double *phomes;           /* n, homes counted */
    unsigned char *preserved; /* n, 1: reserved by the table */
    double *px, *py;          /* n, a point on each plot (analysis CRS) */

    bp_gm *gm;
    size_t ngm;

    /* what the result was last computed with (copies, owned) */
    bp_criterion *crit;       /* ncat */
    bp_score_opts score_opts; /* .crit points at crit */
    bp_gap_opts gap_opts;
    bp_rank_opts rank_opts;
    char *filter;             /* the SQL filter, or NULL */

    bp_kv info;               /* run_info rows: configuration, inputs, warnings */
};

/* Sets the categories (copies of the names) and the count radius; the
 * result must have none yet.  Returns BP_OK or BP_ERR_NOMEM. */
bp_status bp_result_set_categories(bp_result *r, char *const *names, size_t ncat, int radius_m,
                                   bp_ctx *ctx);
/* Allocates every per-plot array for n plots (categories set first):
 * distances NaN, counts 0, flags 0, gemeente BP_NO_GEMEENTE, attach NULL.
 * Returns BP_OK or BP_ERR_NOMEM (then the result holds no plots). */
bp_status bp_result_alloc_plots(bp_result *r, size_t n, bp_ctx *ctx);
/* Grows every per-plot array to n plots (n >= r->n; plots 0..r->n-1 keep
 * their values, the new ones start as in bp_result_alloc_plots): for a read
 * in chunks.  Returns BP_OK or BP_ERR_NOMEM (then r is unchanged in size
 * but some arrays may be larger). */
bp_status bp_result_grow_plots(bp_result *r, size_t n, bp_ctx *ctx);
/* Allocates attach[] (network distances); BP_OK or BP_ERR_NOMEM. */
bp_status bp_result_alloc_attach(bp_result *r, bp_ctx *ctx);
/* Appends plot id 'id' for plot i (ids must be set in plot order).
 * Returns BP_OK or BP_ERR_NOMEM. */
bp_status bp_result_set_id(bp_result *r, size_t i, const char *id, bp_ctx *ctx);
/* The id of plot i (owned by r). */
const char *bp_result_id(const bp_result *r, size_t i);
/* Sets id_num[] from the ids when 'numeric' (they come from an integer
 * field or are feature ids; ties are then ordered numerically), then
 * refuses duplicate ids: BP_ERR_DATA naming 'what', the id field and both
 * plots' feature ids. */
bp_status bp_result_check_ids(bp_result *r, int numeric, const char *what, bp_ctx *ctx);
/* Compares the ids of plots a and b: numerically when numeric. */
int bp_result_cmp_id(const bp_result *r, size_t a, size_t b);
/* Copies the scoring parameters into the result (crit, opts, filter).
 * Returns BP_OK or BP_ERR_NOMEM (the old ones are kept). */
bp_status bp_result_set_params(bp_result *r, const bp_score_opts *so, const bp_gap_opts *go,
                               const bp_rank_opts *ro, const char *filter, bp_ctx *ctx);
/* Adds a gemeente (copies code and name; WKB may be NULL) and returns its
 * index, or -1 when out of memory. */
long bp_result_add_gemeente(bp_result *r, const char *code, const char *name, const unsigned char *wkb,
                            size_t wkb_len);
/* Index of a category by name, or -1. */
int bp_result_category(const bp_result *r, const char *name);
/* Allocates the decision arrays (all open, no type, no homes, no text);
 * BP_OK or BP_ERR_NOMEM.  Does nothing when they exist. */
bp_status bp_result_alloc_decisions(bp_result *r, bp_ctx *ctx);
/* The decisions' texts (dtext), allocated when a decision has one: 32
 * bytes a plot that most runs do not need. */
bp_status bp_result_alloc_dtext(bp_result *r, bp_ctx *ctx);
/* Allocates the points px/py (NaN) when missing; BP_OK or BP_ERR_NOMEM. */
bp_status bp_result_alloc_points(bp_result *r, bp_ctx *ctx);
/* Index of the plot with this id, or -1 (a sorted lookup built on use;
 * *index caches it: NULL first, free() when done). */
long bp_result_find_id(const bp_result *r, const char *id, size_t **index);

/* ---- store.c: the result inside its GeoPackage --------------------------- */

/* Name of the table that keeps a result's exact numbers in the output
 * GeoPackage (the candidates layer rounds them for display). */
#define BP_RESULT_TABLE "bodnaarplot_result"

/* Writes what the score, gap and rank stages start from (ids, feature ids,
 * areas, flags, gemeenten, distances, counts, network attachment, the
 * parameters, run_info) into table BP_RESULT_TABLE of the closed
 * GeoPackage 'gpkg' (SQLite; the table is not registered in gpkg_contents,
 * so GIS programs do not list it).  Arrays are little-endian, in chunks.
 * 'what' names the output in messages.  BP_OK, BP_ERR_IO or BP_ERR_NOMEM. */
bp_status bp_result_store(const bp_result *r, const char *gpkg, const char *what, bp_ctx *ctx);
/* Reads a result stored by bp_result_store() back into r (empty, from
 * bp_result_new()): everything up to the stages' inputs and parameters;
 * the caller re-runs score, gap and rank.  BP_ERR_USAGE when gpkg is not a
 * bodnaarplot result; BP_ERR_DATA when it is damaged. */
bp_status bp_result_restore(bp_result *r, const char *gpkg, bp_ctx *ctx);

#endif /* BP_RESULT_H */
