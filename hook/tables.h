/* What the hook knows about the host and the kernel, as data: device classes, sensitive host
 * paths, filesystem types, capabilities, system calls, /proc and /sys files. The classifiers
 * (classify.c) walk these tables; the rules (rules.c) only ask the classifiers. */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ---- devices, from the kernel's Documentation/admin-guide/devices.txt and /proc/devices ---- */

enum dev_class { DEV_OTHER, DEV_GPU, DEV_SENSITIVE };

struct dev_range {
        char type;                 /* 'c' or 'b' */
        uint16_t major_lo, major_hi;
        uint32_t minor_lo, minor_hi;
        const char *major_name;    /* a dynamic major, by its /proc/devices name (major range ignored) */
        enum dev_class cls;
        const char *label;
};
extern const struct dev_range dev_ranges[];
extern const size_t dev_ranges_count;

/* Dynamic major ranges: only these are looked up by name in /proc/devices. */
bool dev_major_dynamic(int64_t major);

/* Misc (char major 10) devices that are sensitive, by their <proc>/misc name: the kernel gives
 * most misc devices a dynamic minor (userfaultfd is 10:126 on one kernel, 10:257 on another), so
 * the static minors in dev_ranges alone miss them. */
struct misc_device {
        const char *name;
        const char *label;
};
extern const struct misc_device misc_devices[];
extern const size_t misc_devices_count;
#define MISC_MAJOR 10

/* GPU nodes whose major is a driver's dynamic one: the node is stale when its major is not the
 * kernel's major of that name (<proc>/devices), e.g. after the module was reloaded. */
struct node_major {
        const char *pattern;       /* container path, component-wise fnmatch */
        const char *major_name;
};
extern const struct node_major node_majors[];
extern const size_t node_majors_count;

/* GPU nodes by path (component-wise fnmatch patterns; a path below one is a GPU node too). */
extern const char *const gpu_paths[];
extern const size_t gpu_paths_count;
extern const char *const gpu_sysfs_paths[];
extern const size_t gpu_sysfs_paths_count;
extern const char *const gpu_injecting_hooks[];
extern const size_t gpu_injecting_hooks_count;

/* ---- host paths ------------------------------------------------------------------------ */

enum match {
        M_EXACT,     /* the path itself */
        M_UNDER,     /* the path or anything below it */
        M_ABOVE,     /* the path or a proper ancestor other than "/" (mounting it exposes the path) */
        M_COVERS,    /* under or above */
        M_PARENT_RO, /* a proper ancestor bound read-only but recursively: "ro" covers only the top
                      * mount, so this kernel mount point below it stays writable */
};

struct path_rule {
        const char *pattern;
        enum match match;
        bool rw_only;              /* only a writable exposure counts */
        const char *rule;
        const char *label;
        bool image_ok;             /* a read-only view of an image's own top layer does not count */
};
extern const struct path_rule path_rules[];
extern const size_t path_rules_count;

/* Paths of the engines' own container storage: normal as root.path, never flagged there. */
extern const char *const engine_rootfs_patterns[];
extern const size_t engine_rootfs_patterns_count;

/* containers/storage layouts where an image's top layer is mounted: <root>/<layers>/<id>/<mount>,
 * with the images of that root listed in <root>/<images> (podman --mount type=image reads it
 * through this directory, as an overlay lowerdir). */
struct image_store {
        const char *layers;        /* a directory name below the storage root */
        const char *mount;         /* the component below a layer's directory */
        const char *images;        /* the image list, relative to the storage root */
};
extern const struct image_store image_stores[];
extern const size_t image_stores_count;

/* Unix sockets under /run that a container may be given (logging, name service, the engine's
 * per-container directory): patterns, a path below one counts too. */
extern const char *const harmless_sockets[];
extern const size_t harmless_sockets_count;

/* ---- filesystem types of non-bind mounts ------------------------------------------------- */

enum fs_class {
        FS_OK,         /* a private instance: tmpfs, mqueue, devpts ... */
        FS_PROC,       /* fine at /proc, where masked and read-only paths apply */
        FS_RO,         /* fine read-only */
        FS_RO_OWN_NS,  /* fine read-only, or writable in a private cgroup namespace */
        FS_REFUSED,
};

struct fstype_rule {
        const char *type;
        enum fs_class cls;
        const char *rule;          /* for FS_PROC, FS_RO*, FS_REFUSED */
        const char *label;
        const char *unified_as;    /* what runc mounts for this type on a cgroup2 (unified) host */
};
extern const struct fstype_rule fstype_rules[];
extern const size_t fstype_rules_count;
/* Any other type: refused with this rule. */
#define FSTYPE_OTHER_RULE "mount-fstype"

/* ---- capabilities -------------------------------------------------------------------------- */

struct cap_class {
        int cap;                   /* CAP_* number */
        const char *rule;          /* NULL: allowed (podman's default set and harmless extras) */
        const char *why;           /* allowed: why it does not break isolation */
};
extern const struct cap_class cap_classes[];
extern const size_t cap_classes_count;
#define CAP_OTHER_RULE "cap-not-allowed"

/* ---- seccomp --------------------------------------------------------------------------------- */

/* System calls that podman's default profile (4.3 and 5.x) and containerd's deny, each a way into
 * the kernel or the host that containers do not need. */
struct denied_syscall {
        const char *name;
        int cap, cap2;             /* the default profiles allow it to a container with one of these, or -1 */
};
extern const struct denied_syscall denied_syscalls[];
extern const size_t denied_syscalls_count;
/* System calls the default profiles allow only with argument filters: a conditional allow of
 * these in a container's profile is the default's own restriction. */
extern const char *const conditional_syscalls[];
extern const size_t conditional_syscalls_count;
bool seccomp_action_allows(const char *action);

/* ---- /proc and /sys files ------------------------------------------------------------------ */

struct kernel_file {
        const char *path;
        bool read_danger;          /* reading leaks (must be masked); else writing harms (masked or ro) */
        const char *label;
};
extern const struct kernel_file kernel_files[];
extern const size_t kernel_files_count;
