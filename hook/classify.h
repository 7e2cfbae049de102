/* Classifiers over the tables: what a device number, a host path, a filesystem type or a
 * capability gives a container. */
#pragma once

#include <stdbool.h>
#include <stdint.h>

#include "host.h"
#include "oci.h"
#include "tables.h"

/* Component-wise fnmatch: equal; or path below pattern (allow_under); or path a proper ancestor of
 * pattern other than "/" (allow_above). */
bool path_match(const char *pattern, const char *path, bool allow_under, bool allow_above);
bool path_match_rule(const struct path_rule *p, const char *path);

bool gpu_path(const char *path);

/* Class of a node or a cgroup rule (minor -1: any minor; the worst class in the range counts). */
enum dev_class classify_device(struct hook_host *h, char type, int64_t major, int64_t minor, const char *path,
                               const char **ret_label);
/* Whether any GPU driver has a major on this host. */
bool gpu_drivers_loaded(struct hook_host *h);

/* The rule of a filesystem type as runc mounts it on this host ("cgroup" is cgroup2 on a unified
 * host; with h NULL, as written), NULL for a type no table knows. */
const struct fstype_rule *classify_fstype(struct hook_host *h, const char *type);

/* The rule a capability falls under, NULL when allowed. */
const char *classify_cap(int cap);

/* Whether the profile lets the syscall through: an unconditional allow-like rule, a conditional
 * one for a syscall the default profiles do not filter by argument, or the default action. */
bool seccomp_allows(const struct oci_config *c, const char *syscall);

/* The bind/overlay/root views of a mount, with the host paths they expose. */
bool mount_is_kernel_fs(const struct oci_mount *m);
bool mount_is_overlay(const struct oci_mount *m);
/* The path of a hook in the config that will add GPUs itself (NVIDIA's legacy hook, asked by
 * NVIDIA_VISIBLE_DEVICES), or NULL. */
const char *gpu_injecting_hook(const struct oci_config *c);
