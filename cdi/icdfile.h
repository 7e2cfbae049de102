/* Vulkan ICD/layer and EGL vendor JSON files name the driver library they load ("library_path").
 * A bare name is found by the loader's search in any image; an absolute host path (NixOS's
 * /nix/store/...-nvidia-x11/lib/...) does not exist in a container, so such files are rewritten to
 * name the library where the spec mounts it. */
#pragma once

#include <jansson.h>

/* Read the file at host_path (at most 64 KiB of JSON), once for every layout. -EBADMSG with a
 * message naming the file if it cannot be read or is not such a JSON file. */
int icd_load(const char *host_path, json_t **ret);

/* If any library_path in doc (loaded from host_path) is absolute, set *ret to the text of a copy
 * naming lib_dir/<file name> instead; else set *ret to NULL (mount the file as it is). */
int icd_rewrite(const json_t *doc, const char *host_path, const char *lib_dir, char **ret);
