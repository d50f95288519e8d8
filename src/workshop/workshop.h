/*
 * workshop/ — what the table around the map adds to a result: decisions
 * per plot (decisions.c: kept in the candidates layer, carried over by
 * plot id through every re-run, imported from another result, logged in
 * besluiten_log with undo, kept in besluiten_vervallen when their plot is
 * gone), and the programme (program.c: per gemeente and housing type the
 * plots that cover the gap).
 *
 * Module prefixes: bp_decisions_ (decisions.c), bp_program_ (program.c).
 */
#ifndef BP_WORKSHOP_H
#define BP_WORKSHOP_H

#include "core/core.h"
#include "result/result.h"

/* ---- decisions.c ---------------------------------------------------------- */

/* One plot's decision as read from a result GeoPackage. */
typedef struct {
    char *plot_id;
    int besluit;               /* bp_besluit */
    int dtype;                 /* -1: none */
    double dhomes;             /* NaN: the capacity */
    char *text[BP_NDTEXT];     /* NULL when empty */
} bp_decision;

typedef struct {
    bp_decision *d;
    size_t n;
} bp_decisions;

void bp_decisions_clear(bp_decisions *ds);
/* Reads every decision that differs from the default (open, no type, the
 * capacity, no text) from the candidates layer of 'gpkg'.  A GeoPackage
 * without decision fields (an older result) gives none.  BP_ERR_DATA when
 * the file is not a readable result. */
bp_status bp_decisions_read(const char *gpkg, bp_decisions *out, bp_ctx *ctx);
/* A fingerprint of the decisions in 'gpkg' (its log's length and last
 * change); 0 when it has none.  Two equal fingerprints: no decision was
 * made in between. */
uint64_t bp_decisions_fingerprint(const char *gpkg);
/* Puts the decisions on the result's plots by plot id (allocating its
 * decision arrays); those whose plot is not in r go to *gone (when not
 * NULL), in order.  Returns BP_OK or BP_ERR_NOMEM. */
bp_status bp_decisions_apply(bp_result *r, const bp_decisions *ds, bp_decisions *gone, bp_ctx *ctx);
/* Parses "open", ...: the bp_besluit, or -1. */
int bp_decisions_parse_besluit(const char *s);

/* What the writer adds after GDAL has closed the new GeoPackage 'gpkg':
 * the rows of besluiten_log and besluiten_vervallen carried over from
 * 'previous' (the output being replaced, or NULL), the decisions that lost
 * their plot ('gone', with 'when' as the time they went), and the trigger
 * that logs edits made in QGIS.  BP_ERR_IO on failure. */
bp_status bp_decisions_finish(const char *gpkg, const char *previous, const bp_decisions *gone, const char *when,
                              const char *what, bp_ctx *ctx);

/* ---- program.c ------------------------------------------------------------ */

/* Options of the programme stage. */
typedef struct {
    double min_spacing_m[BP_NTYPES]; /* chosen plots of a type at least this far apart */
    int exact;                       /* solve exactly (CBC); 0: the greedy choice only */
    double time_limit_s;             /* for the exact solve, per gemeente */
    size_t max_pairs;                /* candidate plots per type and gemeente for the exact solve */
} bp_program_opts;

/* How the programme was found: gemeenten solved greedily, exactly (the
 * solver's choice was taken), and proven optimal. */
typedef struct {
    size_t greedy, exact, proven;
} bp_program_stats;

/* Proposes the programme on a ranked result (score, gap and rank done):
 * sets r->ptype, phomes, preserved and per gemeente programmed[] and
 * program_note[].  Deterministic.  BP_OK or BP_ERR_NOMEM. */
bp_status bp_program_apply(bp_result *r, const bp_program_opts *o, bp_program_stats *stats, bp_ctx *ctx);

#endif /* BP_WORKSHOP_H */
