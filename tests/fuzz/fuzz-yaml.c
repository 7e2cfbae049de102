/* Fuzz target: the YAML spec reader (cdi_yaml_load, what `gpucdi list`, `validate` and generate's
 * clash check use for *.yaml). Whatever it accepts must be a JSON tree that jansson can dump and
 * read back unchanged, and that the validator can walk; what it refuses must come with a message
 * that says where ("LINE:COLUMN: ..."). */
#include <jansson.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cdiyaml.h"
#include "util.h"
#include "validate.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        log_set_quiet(true);
        return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        json_t *doc = NULL;
        char err[256];
        memset(err, 0, sizeof err);
        int r = cdi_yaml_load((const char *) data, size, &doc, err, sizeof err);
        if (r < 0) {
                if (r != -EBADMSG && r != -ENOMEM)
                        abort();
                if (r == -EBADMSG && (!err[0] || !strchr(err, ':') || strnlen(err, sizeof err) == sizeof err))
                        abort();
                return 0;
        }
        if (!doc)
                abort();
        char *text = json_dumps(doc, JSON_ENCODE_ANY | JSON_SORT_KEYS);
        if (!text)
                abort();
        json_error_t jerr;
        json_t *back = json_loads(text, JSON_DECODE_ANY, &jerr);
        if (!back || !json_equal(doc, back))
                abort();
        if (cdi_validate_json(doc, "fuzz.yaml", NULL) < 0)
                abort();
        json_decref(back);
        free(text);
        json_decref(doc);
        return 0;
}
