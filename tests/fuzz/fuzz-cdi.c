/* Fuzz target: reading a CDI spec as `gpucdi validate` and `gpucdi list` do (jansson with
 * duplicate keys refused, then cdi_validate_json), the version rules, and serialisation. A spec
 * that validates must satisfy what the rest of gpucdi relies on: a string kind, named devices, a
 * declared cdiVersion that covers its content, and a dump that reads back as the same tree. */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>

#include "spec.h"
#include "util.h"
#include "validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static FILE *devnull;

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        log_set_quiet(true);
        /* Problems are formatted as for `gpucdi validate`, then thrown away. */
        devnull = fopen("/dev/null", "we");
        return 0;
}

static void count_feature(const char *field, const char *version, const char *feature, void *userdata) {
        if (!field || !version || !feature || !cdi_version_known(version))
                abort();
        (*(size_t *) userdata)++;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_error_t err;
        json_t *spec = json_loadb((const char *) data, size, JSON_REJECT_DUPLICATES, &err);
        if (!spec)
                return 0;

        int problems = cdi_validate_json(spec, "fuzz.json", devnull);
        if (problems < 0 || cdi_validate_json(spec, "fuzz.json", NULL) != problems)
                abort(); /* counting must not depend on printing */

        const char *version = NULL, *reason = NULL;
        cdi_spec_min_version(spec, &version, &reason);
        if (!version || !cdi_version_known(version))
                abort();
        size_t n_features = 0;
        cdi_spec_foreach_feature(spec, count_feature, &n_features);

        if (problems == 0) {
                const char *declared = json_string_value(json_object_get(spec, "cdiVersion"));
                const char *kind = json_string_value(json_object_get(spec, "kind"));
                const json_t *devices = json_object_get(spec, "devices");
                if (!declared || !kind || !json_is_array(devices) || cdi_version_compare(version, declared) > 0)
                        abort();
                size_t i;
                const json_t *d;
                json_array_foreach(devices, i, d)
                        if (!json_string_value(json_object_get(d, "name")))
                                abort();

                char *text = NULL;
                if (cdi_spec_dump(spec, &text) == 0) {
                        json_t *again = json_loads(text, JSON_REJECT_DUPLICATES, &err);
                        if (!again || !json_equal(spec, again))
                                abort();
                        json_decref(again);
                        free(text);
                }
        }
        json_decref(spec);
        return 0;
}
