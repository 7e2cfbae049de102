/* Shared by hook/oci.c (the config reader) and hook/oci-mounts.c (mount options). */
#pragma once

#include <stddef.h>

#include "oci.h"

/* Appends a copy of item (size bytes) to the vector *vp of *n items, keeping a zeroed item after
 * the last (pointer vectors stay NULL-terminated); -ENOMEM. */
int oci_vec_push(void *vp, size_t *n, size_t size, const void *item);
/* An empty, terminated vector where there is none yet (oci_vec_push may grow it later). */
int oci_vec_empty(void *vp, size_t size);

/* Applies the options of a mount (opts, n of them) to m as runc reads them; -ENOMEM. */
int oci_mount_options(struct oci_mount *m, const char **opts, size_t n);
