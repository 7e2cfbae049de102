/* What the CDI devices a container requested grant it, read from the specs podman read them from.
 * Only JSON specs are looked at: the hook's own entries come from gpucdi's JSON specs. */
#pragma once

#include <stddef.h>

#include "cdicontract.h"

struct cdispec_grant {
        char **node_paths;       /* container paths of granted device nodes */
        char **node_host_paths;  /* their host paths (hostPath, or the path itself) */
        size_t n_node_paths;
        char **mount_sources;    /* host paths of the specs' mounts */
        size_t n_mount_sources;
        char **missing;          /* requested names no spec defines */
        size_t n_missing;
};

/* names: fully-qualified "vendor.com/class=name". dirs: NULL-terminated (cdi_default_spec_dirs). */
int cdispec_lookup(const char *const *dirs, const char *const *names, size_t n_names, struct cdispec_grant *ret);
void cdispec_grant_free(struct cdispec_grant *g);

int hook_strv_push(char ***v, size_t *n, const char *s);
void hook_strv_free(char **v, size_t n);
