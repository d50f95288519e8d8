/*
 * embedded.c — the files of layers/ (and the map script) that the build
 * embeds into the library (scripts/embed.cmake), so the binary needs no
 * data folder.  Read-only data.
 */
#include "core/core.h"

#include <string.h>

extern const size_t bp_layerdef_count;
extern const char *const bp_layerdef_names[];
extern const char *const bp_layerdef_texts[];
extern const size_t bp_qml_count;
extern const char *const bp_qml_names[];
extern const char *const bp_qml_texts[];
extern const char *const bp_script_names[];
extern const char *const bp_script_texts[];

static const char *lookup(const char *const *names, const char *const *texts, const char *name)
{
    for (size_t i = 0; names[i]; i++)
        if (!strcmp(names[i], name)) return texts[i];
    return NULL;
}

const char *bp_embedded_text(const char *name)
{
    return lookup(bp_layerdef_names, bp_layerdef_texts, name);
}

const char *bp_embedded_qml(const char *name)
{
    return lookup(bp_qml_names, bp_qml_texts, name);
}

const char *bp_embedded_script(const char *name)
{
    return lookup(bp_script_names, bp_script_texts, name);
}

const char *const *bp_embedded_names(void)
{
    return bp_layerdef_names;
}
