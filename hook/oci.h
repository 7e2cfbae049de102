/* The parts of an OCI runtime state and config.json that the hook's rules look at, read as runc
 * reads them (Go's encoding/json: struct keys matched case-insensitively, last key wins).
 * Strings point into the document kept in the structure; free with oci_*_free(). */
#pragma once

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "gojson.h"

/* runc sets no limit; these are far above what engines write (a few KiB to a few hundred), and
 * beyond them a container is judged as if its bundle were unreadable. */
#define OCI_STATE_MAX (16u * 1024u * 1024u)
#define OCI_CONFIG_MAX (16u * 1024u * 1024u)

struct oci_state {
        char *buf;
        struct gj_doc doc;
        const char *id;
        const char *bundle;
        int64_t pid;            /* 0: none */
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

/* A device node entry, numbers as the runtime applies them: mknod gets a 32-bit dev_t, so the
 * major keeps 12 bits and the minor 20. */
struct oci_device {
        const char *path;
        char type;             /* 'c', 'b', 'p' ('u' is read as 'c') */
        int64_t major, minor;
};

/* A device cgroup rule; major/minor -1 stand for "any" (absent or negative, as runc reads them). */
struct oci_cgroup_rule {
        bool allow;
        char type;             /* 'a', 'c', 'b' */
        int64_t major, minor;
        bool rw;               /* access grants read or write, not just mknod */
};

/* A range of linux.uidMappings or gidMappings: the runtime's IDs host..host+size-1. */
struct oci_idmap {
        bool gid;
        int64_t host, size;
};

struct oci_mount {
        const char *destination;
        const char *source;    /* may be NULL */
        const char *type;      /* may be NULL */
        bool bind;             /* type "bind" or a bind/rbind option */
        bool recursive;        /* rbind: the host mounts below the source come along */
        bool ro;               /* the top mount is read-only */
        bool rro;              /* every mount of a recursive bind is read-only */
        bool shared;           /* shared or rshared propagation */
        bool remount;          /* reconfigures the mount already at destination */
        /* overlay: every lowerdir/lowerdir+=/datadir+= path, and every upperdir/workdir (writable);
         * all of them, whichever the kernel keeps */
        const char **lowerdirs;
        size_t n_lowerdirs;
        const char **upperdirs;
        size_t n_upperdirs;
        char **bufs;           /* own the overlay path strings */
        size_t n_bufs;
};

struct oci_hook {
        const char *path;
        const char **args;     /* NULL-terminated */
        size_t n_args;
};

struct oci_syscall_rule {
        const char **names;    /* NULL-terminated */
        const char *action;
        bool conditional;      /* has argument filters */
};

#define OCI_MAX_NOTES 4

struct oci_config {
        char *buf;
        struct gj_doc doc;

        const char *root_path;  /* NULL when absent */
        bool root_readonly;

        uint64_t caps;          /* union of every capability set, bit = CAP_* number */
        const char *unknown_cap;/* a capability name that is not known, or NULL */
        bool no_new_privileges;
        const char *apparmor;   /* may be NULL */

        bool ns_present[_OCI_NS_MAX];
        const char *ns_path[_OCI_NS_MAX];
        struct oci_idmap *idmaps;  /* uid and gid mappings, every candidate */
        size_t n_idmaps;

        struct oci_device *devices;
        size_t n_devices;
        struct oci_cgroup_rule *cgroup_rules;
        size_t n_cgroup_rules;
        struct oci_mount *mounts;
        size_t n_mounts;
        struct oci_hook *prestart;
        size_t n_prestart;
        const char **hook_paths;  /* every hook run before the process: prestart, createRuntime, createContainer */
        size_t n_hook_paths;
        const char **env;         /* process.env */
        size_t n_env;
        const char *rootfs_propagation;

        bool seccomp;
        const char *seccomp_default_action;
        struct oci_syscall_rule *syscalls;
        size_t n_syscalls;
        const char **masked_paths;
        size_t n_masked_paths;
        const char **readonly_paths;
        size_t n_readonly_paths;

        /* What makes the document unfit to judge a GPU container by (never a container without
         * one): keys that fold to one struct field, values of the wrong type or range. */
        char *ambiguous[OCI_MAX_NOTES];
        size_t n_ambiguous;
        char *malformed[OCI_MAX_NOTES];
        size_t n_malformed;
};

/* Capability names, indexed by number. */
#define OCI_CAP_LAST 40
extern const char *const oci_cap_names[OCI_CAP_LAST + 1];
int oci_cap_from_name(const char *name);

const char *oci_ns_name(enum oci_ns ns);

/* Parse a state or config document from a malloc'ed, NUL-terminated buffer, which the structure
 * takes over (also on failure). `what` names the input in messages. Return -EBADMSG on invalid
 * JSON or a top level that is not an object (logged), -ENOMEM. Wrong types and folded keys in a
 * config are recorded in ambiguous/malformed, not failures: runc may still run it. */
int oci_state_parse(char *buf, size_t len, const char *what, struct oci_state *ret);
int oci_config_parse(char *buf, size_t len, const char *what, struct oci_config *ret);
void oci_state_free(struct oci_state *s);
void oci_config_free(struct oci_config *c);

/* Open <bundle>/config.json without following a symlink in the last component, check that it is a
 * regular file no larger than OCI_CONFIG_MAX, and parse it. */
int oci_config_load_bundle(const char *bundle, struct oci_config *ret);
/* Same for a config.json named directly (gpucdi check). */
int oci_config_load_file(const char *path, struct oci_config *ret);
