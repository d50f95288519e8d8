/*
 * check.c — what the write stage checks before any work is done: that the
 * output is none of the inputs (the same file by device and inode, however
 * it is spelled or linked), and that the fields of the candidates layer
 * have distinct names and fit the format, so that a run never fails after
 * its whole computation for a name.
 */
#include "output/output.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* The path part of a source spec ("file.gpkg|layername=x"), into buf. */
static void source_path(const char *spec, char *buf, size_t size)
{
    snprintf(buf, size, "%.*s", (int)strcspn(spec, "|"), spec);
}

bp_status bp_write_check_inputs(const char *output, const char *const *inputs, const char *const *what, size_t n,
                                bp_ctx *ctx)
{
    struct stat so, si;
    if (!output || strncasecmp(output, "PG:", 3) == 0 || stat(output, &so) != 0) return BP_OK;
    char path[4096];
    for (size_t i = 0; i < n; i++) {
        if (!inputs[i]) continue;
        source_path(inputs[i], path, sizeof path);
        if (stat(path, &si) == 0 && si.st_dev == so.st_dev && si.st_ino == so.st_ino)
            return bp_error(ctx, BP_ERR_USAGE, "%s: is also an input (%s %s); the output must be another file",
                            output, what[i], inputs[i]);
    }
    return BP_OK;
}

/* Names an input field could clash with besides the layer's fields: the
 * CSV output's coordinates, and the columns every layer has. */
static const char *const reserved[] = {"x_rd", "y_rd", "fid", "geom"};

/* Is 'name' the name of a computed field of 'def' (or reserved)? */
static int computed(const bp_names *nm, const bp_layerdef *def, const char *name)
{
    char buf[160];
    for (size_t k = 0; k < sizeof reserved / sizeof *reserved; k++)
        if (!strcasecmp(name, reserved[k])) return 1;
    for (size_t i = 0; i < def->nfields; i++) {
        const bp_fielddef *fd = &def->fields[i];
        int per_cat = fd->per && !strcmp(fd->per, "category"), per_type = fd->per && !strcmp(fd->per, "type");
        int n = per_cat ? (int)nm->ncat : per_type ? BP_NTYPES : 1;
        for (int a = 0; a < n; a++) {
            bp_layerdef_expand(fd->name, per_cat ? nm->cat[a] : NULL, nm->radius_m,
                               per_type ? bp_type_name((bp_type)a) : NULL, buf, sizeof buf);
            if (!strcasecmp(buf, name)) return 1;
        }
    }
    return 0;
}

int bp_write_attr_name(const bp_names *nm, const bp_layerdef *def, const char *input, char *buf, size_t size)
{
    int clash = computed(nm, def, input);
    snprintf(buf, size, clash ? "%s_input" : "%s", input);
    return clash;
}

/* One field of the layer: its name and where it comes from, for messages. */
typedef struct {
    char name[160];
    const char *category;   /* a per-category field's category, or NULL */
    const char *input;      /* an input field's own name, or NULL */
} field;

bp_status bp_write_check_names(const bp_write_opts *o, const bp_names *nm, OGRFeatureDefnH input, bp_ctx *ctx)
{
    const bp_layerdef *def = bp_layerdef_get(nm->defs, "candidates", ctx);
    if (!def) return bp_ctx_status(ctx);
    int nattr = input ? OGR_FD_GetFieldCount(input) : 0;
    size_t ncomp = 0;
    for (size_t i = 0; i < def->nfields; i++) {
        const char *per = def->fields[i].per;
        ncomp += !per ? 1 : !strcmp(per, "category") ? nm->ncat : BP_NTYPES;
    }
    /* SQLite (the GeoPackage) holds at most 2000 columns, PostgreSQL 1600 */
    size_t limit = o->format == BP_FMT_POSTGRESQL ? 1600 : 2000;
    size_t total = 2 + (size_t)nattr + ncomp + (o->format == BP_FMT_CSV ? 2 : 0);
    if (total > limit)
        return bp_error(ctx, BP_ERR_USAGE,
                        "the candidates layer would have %zu fields (%zu facility categories, %d input fields), "
                        "more than the %zu a %s table holds; use fewer categories",
                        total, nm->ncat, nattr, limit, o->format == BP_FMT_POSTGRESQL ? "PostgreSQL" : "GeoPackage");
    field *f = calloc(ncomp + (size_t)nattr + 1, sizeof *f);
    if (!f) return bp_error(ctx, BP_ERR_NOMEM, "out of memory");
    size_t n = 0;
    for (size_t i = 0; i < def->nfields; i++) {
        const bp_fielddef *fd = &def->fields[i];
        int per_cat = fd->per && !strcmp(fd->per, "category"), per_type = fd->per && !strcmp(fd->per, "type");
        int k = per_cat ? (int)nm->ncat : per_type ? BP_NTYPES : 1;
        for (int a = 0; a < k; a++, n++) {
            f[n].category = per_cat ? nm->cat[a] : NULL;
            bp_layerdef_expand(fd->name, f[n].category, nm->radius_m, per_type ? bp_type_name((bp_type)a) : NULL,
                               f[n].name, sizeof f[n].name);
        }
    }
    for (int a = 0; a < nattr; a++, n++) {
        f[n].input = OGR_Fld_GetNameRef(OGR_FD_GetFieldDefn(input, a));
        bp_write_attr_name(nm, def, f[n].input, f[n].name, sizeof f[n].name);
    }
    bp_status st = BP_OK;
    for (size_t i = 0; i < n && st == BP_OK; i++)
        for (size_t j = i + 1; j < n && st == BP_OK; j++) {
            if (strcasecmp(f[i].name, f[j].name)) continue;
            /* name the field to rename: an input field kept under another
               name, an input field, or a facility category */
            const field *x = f[i].input && strcasecmp(f[i].input, f[i].name) ? &f[i]
                             : f[j].input && strcasecmp(f[j].input, f[j].name) ? &f[j]
                             : f[j].input ? &f[j] : f[i].category ? &f[i] : &f[j];
            if (x->input)
                st = bp_error(ctx, BP_ERR_USAGE,
                              "candidates: input field %s would be written as %s, but another field has that name; "
                              "rename one of them in the input",
                              x->input, x->name);
            else
                st = bp_error(ctx, BP_ERR_USAGE,
                              "facility category '%s' gives field %s, which another field of the candidates layer "
                              "has too; rename the category",
                              x->category ? x->category : "?", x->name);
        }
    free(f);
    return st;
}
