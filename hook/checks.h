/* The rules' check functions and the evaluation state they share (internal to rules*.c). */
#pragma once

#include <stdbool.h>
#include <stddef.h>

#include "cdispec.h"
#include "classify.h"
#include "rules.h"
#include "util.h"

/* A host path a mount exposes to the container. */
struct exposure {
        const char *how;            /* "bind", "overlay lowerdir", "overlay upperdir", "root.path" */
        const char *destination;
        const char *source;         /* as written */
        char *lex, *res;            /* normalised; resolved (symlinks followed), NULL when missing */
        bool writable;              /* the top mount */
        bool below_writable;        /* recursive without rro: host mounts below keep their own flags */
        bool trusted;               /* a mount of a requested CDI device's spec */
        bool image;                 /* read-only, and (lexically and resolved) an image's top layer */
        const struct oci_mount *mount;  /* NULL for root.path */
};

struct eval {
        const struct rules_input *in;
        const struct oci_config *cfg;
        char ***items;              /* per rule: what was found */
        size_t *n_items;
        struct cdispec_grant grant;
        struct exposure *exp;
        size_t n_exp;
};

void add(struct eval *e, size_t rule, const char *fmt, ...) _printf_(3, 4);
bool rule_is(size_t self, const char *id);
bool host_ns(const struct eval *e, int ns);
bool granted_node(const struct eval *e, const char *path);
bool in_strv(char **v, size_t n, const char *s);
bool rule_allows_all(const struct oci_cgroup_rule *r);

/* Whether root.path is the engine's own container storage (or below the bundle). */
bool engine_rootfs(const char *path, const char *bundle);
/* Fill e->exp from the config's mounts and root.path. */
int exposures_build(struct eval *e);
void exposures_free(struct eval *e);

/* checks.c */
void check_privileged(struct eval *e, size_t self);
void check_cgroup_allow_all(struct eval *e, size_t self);
void check_cap_all(struct eval *e, size_t self);
void check_caps(struct eval *e, size_t self);
void check_sensitive_devices(struct eval *e, size_t self);
void check_gpu_not_requested(struct eval *e, size_t self);
void check_ns(struct eval *e, size_t self);
void check_seccomp(struct eval *e, size_t self);
void check_seccomp_permissive(struct eval *e, size_t self);
void check_apparmor(struct eval *e, size_t self);
void check_spec_stale(struct eval *e, size_t self);

/* checks-mounts.c */
void check_paths(struct eval *e, size_t self);
void check_fstypes(struct eval *e, size_t self);
void check_sockets(struct eval *e, size_t self);
void check_propagation(struct eval *e, size_t self);
void check_masked(struct eval *e, size_t self);
void check_readonly(struct eval *e, size_t self);
void check_driver_writable(struct eval *e, size_t self);
bool driver_exposure(const struct exposure *x);
const char *driver_version_of(const char *name);
