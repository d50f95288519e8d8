/*
 * format.c — the output formats by name, extension and output name: the
 * one place where a format is derived from text.
 */
#include "core/core.h"

#include <string.h>
#include <strings.h>

static const struct {
    bp_format f;
    const char *name;  /* GDAL driver name, as -f takes it */
    const char *ext;   /* file name extension, NULL for a database */
    const char *alias; /* another name accepted */
} formats[] = {
    {BP_FMT_GPKG, "GPKG", ".gpkg", "geopackage"},
    {BP_FMT_FLATGEOBUF, "FlatGeobuf", ".fgb", "fgb"},
    {BP_FMT_GEOJSON, "GeoJSON", ".geojson", "json"},
    {BP_FMT_CSV, "CSV", ".csv", NULL},
    {BP_FMT_POSTGRESQL, "PostgreSQL", NULL, "pg"},
};
#define NFORMATS (sizeof formats / sizeof *formats)

bp_format bp_format_parse(const char *name)
{
    for (size_t i = 0; name && i < NFORMATS; i++)
        if (!strcasecmp(name, formats[i].name) || (formats[i].alias && !strcasecmp(name, formats[i].alias)))
            return formats[i].f;
    return BP_FMT_AUTO;
}

const char *bp_format_name(bp_format f)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].f == f) return formats[i].name;
    return "";
}

const char *bp_format_extension(bp_format f)
{
    for (size_t i = 0; i < NFORMATS; i++)
        if (formats[i].f == f) return formats[i].ext;
    return NULL;
}

bp_format bp_format_of_output(const char *out)
{
    if (!out) return BP_FMT_GPKG;
    if (!strncasecmp(out, "PG:", 3)) return BP_FMT_POSTGRESQL;
    size_t len = strlen(out);
    for (size_t i = 0; i < NFORMATS; i++) {
        const char *e = formats[i].ext;
        if (e && len > strlen(e) && !strcasecmp(out + len - strlen(e), e)) return formats[i].f;
    }
    if (len > 5 && !strcasecmp(out + len - 5, ".json")) return BP_FMT_GEOJSON;
    return BP_FMT_GPKG;
}
