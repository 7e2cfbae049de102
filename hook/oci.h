/* The parts of an OCI runtime state and config.json that the hook's rules look at.
 * Strings point into the jansson tree kept in the structure; free with oci_*_free(). */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define OCI_STATE_MAX (64u * 1024u)
#define OCI_CONFIG_MAX (4u * 1024u * 1024u)

struct oci_state {
        json_t *root;
        const char *id;
        const char *bundle;
};

enum oci_ns {
        OCI_NS_PID,
        OCI_NS_NET,
        OCI_NS_IPC,
        OCI_NS_UTS,
        OCI_NS_MOUNT,
        OCI_NS_USER,
        OCI_NS_CGROUP,
        OCI_NS_TIME,
        _OCI_NS_MAX,
};

struct oci_device {
        const char *path;
        char type;             /* 'c', 'b', 'u', 'p' */
        int64_t major, minor;
};

/* A device cgroup rule; major/minor -1 stand for "any". */
struct oci_cgroup_rule {
        bool allow;
        char type;             /* 'a', 'c', 'b' */
        int64_t major, minor;
        bool rw;               /* access grants read or write, not just mknod */
};

struct oci_mount {
        const char *destination;
        const char *source;    /* may be NULL */
        const char *type;      /* may be NULL */
        bool bind;
        bool ro;
};

struct oci_hook {
        const char *path;
        const char **args;     /* NULL-terminated */
        size_t n_args;
};

struct oci_config {
        json_t *root;

        uint64_t caps;         /* union of every capability set, bit = CAP_* number */
        bool no_new_privileges;
        const char *apparmor;  /* may be NULL */

        bool ns_present[_OCI_NS_MAX];
        const char *ns_path[_OCI_NS_MAX];

        struct oci_device *devices;
        size_t n_devices;
        struct oci_cgroup_rule *cgroup_rules;
        size_t n_cgroup_rules;
        struct oci_mount *mounts;
        size_t n_mounts;
        struct oci_hook *prestart;
        size_t n_prestart;

        bool seccomp;
        const char *seccomp_default_action;
        size_t seccomp_n_syscalls;
        const char **masked_paths;
        size_t n_masked_paths;
        const char **readonly_paths;
        size_t n_readonly_paths;
};

/* Capability names, indexed by number; NULL-free up to OCI_CAP_LAST. */
#define OCI_CAP_LAST 40
extern const char *const oci_cap_names[OCI_CAP_LAST + 1];
int oci_cap_from_name(const char *name);

const char *oci_ns_name(enum oci_ns ns);

/* Parse a state or config document. `what` names the input in messages. Return -EBADMSG on
 * malformed input (logged), -ENOMEM. */
int oci_state_parse(const char *buf, size_t len, const char *what, struct oci_state *ret);
int oci_config_parse(const char *buf, size_t len, const char *what, struct oci_config *ret);
void oci_state_free(struct oci_state *s);
void oci_config_free(struct oci_config *c);

/* Open <bundle>/config.json without following a symlink in the last component, check that it is a
 * regular file no larger than OCI_CONFIG_MAX, and parse it. */
int oci_config_load_bundle(const char *bundle, struct oci_config *ret);
/* Same for a config.json named directly (gpucdi check). */
int oci_config_load_file(const char *path, struct oci_config *ret);
