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

/* The least whole m² that holds 'need' homes at 'density', as the score
 * stage counts capacity (need / density * 1 ha can come out a hair above a
 * whole number: 35 homes at 1000/ha gave 351 m² where 350 hold them). */
/* Homes on area a at density, as score/criteria.c counts them. */
static double homes_on(double a, double density)
{
    return floor(a / 10000.0 * density + 1e-9);
}

static double needed_area(double need, double density)
{
    double a = ceil(need / density * 10000.0);
    while (a > 0 && homes_on(a - 1, density) >= need) a--;
    while (homes_on(a, density) < need) a++;
    return a;
}

/* 1 when category c had no facilities at all (run_info says 0 were used):
 * then no distance is no route problem but a gap in the data. */
static int no_facilities(const bp_result *r, size_t c)
{
    char key[160];
    snprintf(key, sizeof key, "input.facilities.%s.features_used", r->cat[c]);
    const char *v = bp_kv_get(&r->info, key);
    return v && strcmp(v, "0") == 0;
}

size_t bp_result_reason(const bp_result *r, size_t i, char *buf, size_t size)
{
    const bp_score_opts *o = &r->score_opts;
    const double *dist = &r->dist[i * r->ncat];
    char line[256];
    buf[0] = '\0';
    for (size_t c = 0; o->crit && c < r->ncat; c++) {
        const bp_criterion *k = &o->crit[c];
        if (k->knockout_m <= 0) continue;
        if (isnan(dist[c]) && no_facilities(r, c))
            snprintf(line, sizeof line, "no %s in the facilities data (knock-out beyond %.0f m)", r->cat[c],
                     k->knockout_m);
        else if (isnan(dist[c]))
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
        if (r->own_capacity && !isnan(r->own_capacity[i]))
            snprintf(line, sizeof line, "too small for %s: the plot's own estimate is %.0f homes, %.0f needed",
                     bp_type_name(t), cap, need);
        else if (r->levels && !isnan(r->levels[i]) && o->floor_area_per_home > 0)
            snprintf(line, sizeof line,
                     "too small for %s: %.0f m² in %g storeys holds %.0f homes at %g m² per home, %.0f needed",
                     bp_type_name(t), r->area[i], r->levels[i], cap, o->floor_area_per_home, need);
        else
            snprintf(line, sizeof line,
                     "too small for %s: %.0f m² holds %.0f homes at %g homes/ha, %.0f needed (%.0f m²)",
                     bp_type_name(t), r->area[i], cap, o->density, need, needed_area(need, o->density));
        bp_str_append(buf, size, line);
    }
    if (r->knock[i] & BP_KO_AFGEVALLEN) {
        const char *note = r->dtext ? r->dtext[i * BP_NDTEXT + BP_DT_OPMERKING] : NULL;
        snprintf(line, sizeof line, "afgevallen in werksessie%s%.200s", note ? ": " : "", note ? note : "");
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
                int empty = no_facilities(r, c);
                if (empty && o->crit && o->crit[c].knockout_m > 0) continue; /* said with the knock-out */
                snprintf(buf + len, size - len, empty ? "%sno %s in the facilities data"
                                                      : "%sno %s reachable over the walking network",
                         len ? "; " : "", r->cat[c]);
            }
    }
    return strlen(buf);
}
