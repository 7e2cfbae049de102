/* What the CDI devices a container requested grant it, read from the specs podman read them from.
 * Only JSON specs are looked at: the hook's own entries come from gpucdi's JSON specs. */
#pragma once

#include <stddef.h>

/* Default spec directories, lowest priority first (podman 4.3: /etc/cdi, then /var/run/cdi). */
extern const char *const cdi_default_spec_dirs[];

struct cdi_grant {
        char **node_paths;       /* container paths of granted device nodes */
        size_t n_node_paths;
        char **mount_sources;    /* host paths of the specs' mounts */
        size_t n_mount_sources;
        char **missing;          /* requested names no spec defines */
        size_t n_missing;
};

/* names: fully-qualified "vendor.com/class=name". dirs: NULL-terminated. */
int cdi_grant_lookup(const char *const *dirs, const char *const *names, size_t n_names, struct cdi_grant *ret);
void cdi_grant_free(struct cdi_grant *g);

int strv_push(char ***v, size_t *n, const char *s);
void strv_free(char **v, size_t n);
