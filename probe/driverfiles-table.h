/* The NVIDIA driver's user-space files by name, and where drivers put them: data only, no
 * dependencies. The probe searches for these files (driverfiles.h); the hook recognises them among
 * a container's mounts. */
#pragma once

#include <stdbool.h>
#include <stddef.h>

enum driver_file_kind {
        DRIVER_FILE_LIBRARY,       /* lib*.so.<version>, mounted under its soname and file name */
        DRIVER_FILE_BINARY,        /* nvidia-smi, ... */
        DRIVER_FILE_VULKAN_ICD,    /* vulkan/icd.d/nvidia_icd.json */
        DRIVER_FILE_VULKAN_LAYER,  /* vulkan/implicit_layer.d/nvidia_layers.json */
        DRIVER_FILE_EGL_VENDOR,    /* glvnd/egl_vendor.d/10_nvidia.json */
        _DRIVER_FILE_KIND_MAX,
};

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

/* Every library of the driver is named libnvidia-*, more of them than the table lists (other
 * generators mount libnvidia-egl-wayland and libnvidia-egl-gbm). */
#define DRIVER_LIBRARY_FAMILY_PREFIX "libnvidia-"

/* Whether a file name is one of the driver's: a library of the table under any of its names
 * (libcuda.so, libcuda.so.1, libcuda.so.580.159.04), another file of the table, or a
 * DRIVER_LIBRARY_FAMILY_PREFIX library. */
bool driver_file_name_known(const char *name);
