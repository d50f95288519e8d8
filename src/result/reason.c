/*
 * reason.c — why a plot is knocked out, and why it has no walking
 * distances, in words: "supermarkt at 1830 m, beyond the knock-out distance
 * of 1500 m; too small for geclusterd: ...".  Made from the result's
 * numbers and the options it was scored with, when asked (the writer, the
 * live server), so the result keeps no text per plot.
 */
#include "result/result.h"

#include <math.h>
#include <stdio.h>
#include <string.h>

size_t bp_result_reason(const bp_result *r, size_t i, char *buf, size_t size)
{
    const bp_score_opts *o = &r->score_opts;
    const double *dist = &r->dist[i * r->ncat];
    char line[256];
    buf[0] = '\0';
    for (size_t c = 0; o->crit && c < r->ncat; c++) {
        const bp_criterion *k = &o->crit[c];
        if (k->knockout_m <= 0) continue;
        if (isnan(dist[c]))
            snprintf(line, sizeof line, "no %s reachable (knock-out beyond %.0f m)", r->cat[c], k->knockout_m);
        else if (dist[c] > k->knockout_m)
            snprintf(line, sizeof line, "%s at %.0f m, beyond the knock-out distance of %.0f m", r->cat[c], dist[c],
                     k->knockout_m);
        else
            continue;
        bp_str_append(buf, size, line);
    }
    if (r->knock[i] & BP_KO_SIZE) {
        bp_type t = o->profile;
        double need = o->min_homes[t], cap = r->capacity[i];
        snprintf(line, sizeof line, "too small for %s: %.0f m² holds %.0f homes at %g homes/ha, %.0f needed (%.0f m²)",
                 bp_type_name(t), r->area[i], cap, o->density, need, ceil(need / o->density * 10000.0));
        bp_str_append(buf, size, line);
    }
    size_t len = strlen(buf);
    if (r->knock[i] & BP_KO_FILTER) {
        snprintf(buf + len, size - len, "%sdoes not meet the filter: %s", len ? "; " : "", r->filter ? r->filter : "");
        len = strlen(buf);
    }
    if (r->ngm && r->gemeente[i] == BP_NO_GEMEENTE) { /* a result with gemeenten, and none for this plot */
        snprintf(buf + len, size - len, "%slies outside every gemeente: gap unknown", len ? "; " : "");
        len = strlen(buf);
    }
    if (r->attach && r->attach[i] > r->snap_tolerance_m) {
        if (isinf(r->attach[i]))
            snprintf(buf + len, size - len, "%sno walking distances: no walkable way", len ? "; " : "");
        else
            snprintf(buf + len, size - len,
                     "%sno walking distances: %.0f m from the nearest walkable way (snap tolerance %g m)",
                     len ? "; " : "", r->attach[i], r->snap_tolerance_m);
    } else if (r->attach) {
        for (size_t c = 0; c < r->ncat; c++)
            if (isnan(dist[c])) {
                len = strlen(buf);
                snprintf(buf + len, size - len, "%sno %s reachable over the walking network", len ? "; " : "",
                         r->cat[c]);
            }
    }
    return strlen(buf);
}
