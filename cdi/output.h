/* A host's specs, from probing to files: which specs are built, the checks before writing, and the
 * write order and locks (rewritten loader files under the state directory's lock first, then the
 * specs under the spec directory's, all built before the first write). */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "generate.h"
#include "render.h"

struct cdi_request {
        struct generate_options opts;
        unsigned slots;            /* bit per spec slot (vendor, CDI_SPEC_RENDER, CDI_SPEC_IMEX); 0 = all */
        bool single;               /* one spec to one file or stdout: IMEX only when asked by name */
        bool create_nodes;         /* create missing NVIDIA nodes (as root only) */
};

struct cdi_generated {
        json_t *specs[_CDI_SPEC_MAX];
        struct aux_files aux;
        bool incomplete;           /* a GPU whose nodes are not there yet was left out */
};

void cdi_generated_clear(struct cdi_generated *g);

/* Whether a spec slot is wanted by req. */
bool cdi_request_wants(const struct cdi_request *req, int slot);

/* The NVIDIA driver's user-space files when req wants a spec of a GPU on the nvidia driver (*ret
 * NULL otherwise), after creating the nodes its module registered when req says so and we are
 * root. -ENOENT (reported) when the module is not loaded; other -errno from reading the host. */
int cdi_request_nvidia_files(const struct cdi_request *req, struct host *h, struct driver_files **ret);

/* Every spec req wants that h has. -EINVAL (reported) for an option value the content cannot take
 * (a forced cdiVersion too low), -EBADMSG or -ENXIO (reported) for inconsistent host data,
 * -ENOMEM or another -errno otherwise. */
int cdi_generate_all(const struct cdi_request *req, const struct host *h, const struct driver_files *nvfiles,
                     struct cdi_generated *ret);

/* Where the specs go: a directory (one file per slot), one file, or stdout (written by the caller
 * after cdi_generated_write_aux, from cdi_generated_single). */
struct cdi_output {
        const char *dir;
        const char *file;
        const char *state_dir;
        const char *const *spec_dirs;  /* where other tools' specs are looked for clashes; NULL: the
                                        * default directories and the output directory */
};

/* Warns about other tools' specs that define our devices (podman refuses or shadows ours). */
void cdi_generated_warn_clashes(const struct cdi_generated *g, const struct cdi_output *out);

/* The one spec built; -ENODEV when none, -ENOTUNIQ when several (of *ret_n). */
int cdi_generated_single(const struct cdi_generated *g, const json_t **ret, size_t *ret_n);

/* The rewritten loader files into state_dir, under its lock, which also clears temp files a killed
 * run left there. Files a spec mounts exist before the spec that names them. */
int cdi_generated_write_aux(const struct cdi_generated *g, const char *state_dir);

enum cdi_write_outcome {
        CDI_OUTCOME_NONE,
        CDI_OUTCOME_WRITTEN,
        CDI_OUTCOME_UNCHANGED,
        CDI_OUTCOME_REMOVED,       /* our own file of a slot the host no longer has */
};

/* Writes the loader files, then each spec: into out->dir for every slot req wants (our own file of
 * a slot without a spec is removed), or the single spec into out->file. Under the directory's lock;
 * every spec is serialized before the first write, so a failure leaves existing specs as they were.
 * ret_outcome[slot] says what was done (may be NULL). */
int cdi_generated_write(const struct cdi_generated *g, const struct cdi_request *req, const struct cdi_output *out,
                        enum cdi_write_outcome ret_outcome[_CDI_SPEC_MAX]);
