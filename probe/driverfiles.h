/* The NVIDIA driver's user-space files (libraries, binaries, ICD/vendor JSON files) of the running
 * driver version, found through the host's ld.so.cache and driver roots. The names to look for are
 * one data table (driverfiles-table.h), not code. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "driverfiles-table.h"
#include "probe.h"

/* "library", "binary", "vulkan-icd", "vulkan-layer", "egl-vendor" */
const char *driver_file_kind_name(enum driver_file_kind k);

struct driver_file {
        enum driver_file_kind kind;
        const char *group;   /* "compute", "utility", "graphics" or "video", from the table */
        char *host_path;     /* absolute host path of the regular file (symlinks resolved, root-prefixed) */
        char *name;          /* file name: "libcuda.so.580.159.04", "nvidia-smi", "nvidia_icd.json" */
        char *soname;        /* libraries: "libcuda.so.1" (== name for libraries versioned in full) */
        bool required;       /* missing it is an error (libcuda, libnvidia-ml) rather than a note */
};

struct driver_files {
        struct driver_file *files;  /* sorted by kind, then name */
        size_t n_files;
};

/* Look up every table entry for driver_version. A library present in a different version than the
 * kernel module's is an error (-EPROTO) whose message names both versions and says to regenerate or
 * reboot; a missing required library is -ENOENT with a message naming the roots searched.
 * Driver roots: roots->driver_roots as given (-ENOENT if one does not exist), else
 * /usr/local/nvidia and /run/opengl-driver under roots->root when they exist; then the host's
 * etc/ld.so.cache (-EBADMSG if corrupt). Every file is resolved to its real regular file, symlinks
 * followed inside roots->root; with roots->root "/" it and every directory above it must be owned
 * by root, and in any root they must not be writable by group or others, sticky directories
 * excepted (-EPERM otherwise; under a test root only its own directories are checked, and the
 * caller's files stand in for root's). Errors are logged. */
int nvidia_driver_files(const struct probe_roots *roots, const char *driver_version,
                        struct driver_files **ret);

void driver_files_free(struct driver_files *f);
static inline void driver_files_freep(struct driver_files **f) { if (*f) driver_files_free(*f); }
