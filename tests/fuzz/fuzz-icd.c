/* Fuzz target: a driver's loader JSON file (Vulkan ICD or layer, EGL vendor) as generate reads it,
 * from a file through icd_load(), then rewritten for both layouts. A rewrite must be valid JSON whose
 * every absolute library_path lies in the layout's library directory. */
#include <jansson.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "fuzz-files.h"
#include "icdfile.h"
#include "util.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char dir[64];
static char path[96];

static void cleanup(void) {
        unlink(path);
        rmdir(dir);
}

int LLVMFuzzerInitialize(int *argc, char ***argv) {
        log_set_quiet(true);
        fuzz_mkdtemp(dir, sizeof dir, "fuzz-icd");
        snprintf(path, sizeof path, "%s/nvidia_icd.json", dir);
        atexit(cleanup);
        return 0;
}

static void check_paths(const json_t *o, const char *lib_dir) {
        const char *lp = json_string_value(json_object_get(o, "library_path"));
        if (lp && lp[0] == '/' && (strncmp(lp, lib_dir, strlen(lib_dir)) != 0 || lp[strlen(lib_dir)] != '/'))
                abort();
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
        fuzz_write_file(path, data, size);
        json_t *doc = NULL;
        int r = icd_load(path, &doc);
        if (r < 0) {
                if (r != -EBADMSG && r != -ENOMEM)
                        abort(); /* a file that cannot be used is host data, exit 3 */
                return 0;
        }
        static const char *const lib_dirs[] = { "/run/opengl-driver/lib", "/usr/lib/x86_64-linux-gnu" };
        for (size_t i = 0; i < ELEMENTSOF(lib_dirs); i++) {
                _cleanup_free_ char *text = NULL;
                r = icd_rewrite(doc, path, lib_dirs[i], &text);
                if (r < 0) {
                        if (r != -EBADMSG && r != -ENOMEM)
                                abort();
                        continue;
                }
                if (!text)
                        continue;
                json_t *out = json_loads(text, 0, NULL);
                if (!out)
                        abort(); /* the rewrite is JSON */
                check_paths(json_object_get(out, "ICD"), lib_dirs[i]);
                check_paths(json_object_get(out, "layer"), lib_dirs[i]);
                size_t k;
                json_t *o;
                json_array_foreach(json_object_get(out, "layers"), k, o)
                        check_paths(o, lib_dirs[i]);
                json_decref(out);
        }
        json_decref(doc);
        return 0;
}
