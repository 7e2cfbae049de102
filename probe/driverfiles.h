/* The NVIDIA driver's user-space files (libraries, binaries, ICD/vendor JSON files) of the running
 * driver version, found through the host's ld.so.cache and driver roots. The names to look for are
 * one data table (driverfiles-table.c), not code. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "probe.h"

enum driver_file_kind {
        DRIVER_FILE_LIBRARY,       /* lib*.so.<version>, mounted under its soname and file name */
        DRIVER_FILE_BINARY,        /* nvidia-smi, ... */
        DRIVER_FILE_VULKAN_ICD,    /* vulkan/icd.d/nvidia_icd.json */
        DRIVER_FILE_VULKAN_LAYER,  /* vulkan/implicit_layer.d/nvidia_layers.json */
        DRIVER_FILE_EGL_VENDOR,    /* glvnd/egl_vendor.d/10_nvidia.json */
        _DRIVER_FILE_KIND_MAX,
};

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

/* The data behind the search (driverfiles-table.c). */
struct driver_file_pattern {
        enum driver_file_kind kind;
        const char *group;
        /* Libraries: the stem, "libcuda" for libcuda.so.<driver version>; others: the file name. */
        const char *name;
        /* Libraries: soname suffix, ".so.1" for libcuda.so.1; NULL when the soname is the file name. */
        const char *soname_suffix;
        bool required;
};
extern const struct driver_file_pattern driver_file_patterns[];
extern const size_t n_driver_file_patterns;

/* Directories searched for each kind, relative to every driver root (host = false) or to the host
 * root (host = true), in priority order. Host libraries come from ld.so.cache instead. */
struct driver_file_location {
        enum driver_file_kind kind;
        bool host;
        const char *subdir;   /* "" is the driver root itself (a lib dir given as root) */
};
extern const struct driver_file_location driver_file_locations[];
extern const size_t n_driver_file_locations;

/* Driver roots used, relative to the host root, when none is given and they exist. */
extern const char *const driver_default_roots[];
extern const size_t n_driver_default_roots;
void driver_files_free(struct driver_files *f);
static inline void driver_files_freep(struct driver_files **f) { if (*f) driver_files_free(*f); }
