/* Fuzz harness: a project file (YAML) through the parser, the key setter,
 * validation and the configuration listing. */
#include <stddef.h>
#include <stdint.h>

#include "run/run.h"

static void sink(const char *k, const char *v, void *ud)
{
    (void)k;
    (void)v;
    (*(size_t *)ud)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    bp_config *c = bp_config_new();
    bp_ctx *ctx = bp_ctx_new();
    if (c && ctx &&
        bp_config_load_yaml_text(c, (const char *)data, size, "fuzz/project.yaml", ctx) == BP_OK) {
        bp_config_validate(c, ctx);
        size_t n = 0;
        bp_config_foreach(c, sink, &n);
    }
    bp_config_free(c);
    bp_ctx_free(ctx);
    return 0;
}
