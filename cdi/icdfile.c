#include "icdfile.h"

#include <jansson.h>

#include "spec.h"
#include "util.h"

#define ICD_MAX_SIZE (64 * 1024)

/* Where library_path sits in each format: Vulkan ICD and EGL vendor files ("ICD"), Vulkan layer
 * files ("layer" or a "layers" array). */
static const char *const icd_objects[] = { "ICD", "layer" };
static const char *const icd_arrays[] = { "layers" };

/* Returns 1 if obj's library_path was rewritten, 0 if it was left, -EBADMSG if it is not a string. */
static int rewrite_one(json_t *obj, const char *lib_dir) {
        json_t *lp = json_object_get(obj, "library_path");
        if (!lp)
                return 0;
        const char *s = json_string_value(lp);
        if (!s || !*s)
                return -EBADMSG;
        if (s[0] != '/')
                return 0;
        const char *base = strrchr(s, '/') + 1;
        if (!*base)
                return -EBADMSG;
        _cleanup_free_ char *target = NULL;
        if (!(target = strprintf("%s/%s", lib_dir, base)))
                return -ENOMEM;
        if (json_object_set_new(obj, "library_path", json_string(target)) < 0)
                return -ENOMEM;
        return 1;
}

int icd_load(const char *host_path, json_t **ret) {
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = read_file(host_path, ICD_MAX_SIZE, &text, &size);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                log_error_errno(r, "Failed to read %s: %m; reinstall the driver or run gpucdi generate again", host_path);
                return -EBADMSG; /* host data, like a malformed file */
        }

        json_error_t err;
        json_auto_t *root = json_loadb(text, size, JSON_REJECT_DUPLICATES, &err);
        if (!root || !json_is_object(root)) {
                log_error("%s: not a loader JSON file (%s); reinstall the driver", host_path,
                          root ? "not an object" : err.text);
                return -EBADMSG;
        }
        *ret = TAKE_PTR(root);
        return 0;
}

int icd_rewrite(const json_t *doc, const char *host_path, const char *lib_dir, char **ret) {
        /* Rewrites are per layout: work on a copy. */
        json_auto_t *root = json_deep_copy(doc);
        if (!root)
                return -ENOMEM;
        int r, changed = 0;
        for (size_t i = 0; i < ELEMENTSOF(icd_objects); i++) {
                json_t *o = json_object_get(root, icd_objects[i]);
                if (!json_is_object(o))
                        continue;
                if ((r = rewrite_one(o, lib_dir)) < 0)
                        goto bad;
                changed |= r;
        }
        for (size_t i = 0; i < ELEMENTSOF(icd_arrays); i++) {
                json_t *a = json_object_get(root, icd_arrays[i]), *o;
                size_t k;
                json_array_foreach(a, k, o) {
                        if (!json_is_object(o))
                                continue;
                        if ((r = rewrite_one(o, lib_dir)) < 0)
                                goto bad;
                        changed |= r;
                }
        }
        if (!changed) {
                *ret = NULL;
                return 0;
        }
        return cdi_spec_dump(root, ret);

bad:
        if (r == -ENOMEM)
                return r;
        log_error("%s: library_path is not a file path; reinstall the driver", host_path);
        return -EBADMSG;
}
