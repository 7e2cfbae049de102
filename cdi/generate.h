/* Building CDI specs from a probed host: one spec per GPU vendor. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

#include "cdicontract.h"
#include "driverfiles.h"
#include "probe.h"

enum cdi_layout {
        CDI_LAYOUT_NIX = 1 << 0,   /* /run/opengl-driver/{lib,share,bin}: what nixpkgs' addDriverRunpath finds */
        CDI_LAYOUT_FHS = 1 << 1,   /* <fhs-libdir>, /usr/share, /usr/bin: found by ld.so's default search */
        CDI_LAYOUT_BOTH = CDI_LAYOUT_NIX | CDI_LAYOUT_FHS,
};

int cdi_layout_from_string(const char *s, enum cdi_layout *ret);

struct generate_options {
        const struct probe_roots *roots;
        enum cdi_layout layout;
        const char *fhs_libdir;    /* default: the multiarch dir of this build's architecture */
        const char *hook_path;     /* NULL: no hook entries */
        const char *cdi_version;   /* NULL: the lowest the content needs */
        const char *state_dir;     /* where rewritten loader JSON files live (struct aux_files) */
};

/* Files the spec mounts that generate writes itself (loader JSON files whose library_path was
 * rewritten); the caller writes them into state_dir before the spec that names them. */
struct aux_file {
        char *name;
        char *content;
};

struct aux_files {
        struct aux_file *files;
        size_t n_files;
};

void aux_files_clear(struct aux_files *a);

/* Build the spec of one vendor. files is the NVIDIA driver's user-space files (NULL for AMD and
 * Intel, whose user space ships inside images). Only nodes that are what the kernel says they must be
 * go in: a GPU (or MIG instance) whose nodes are not there yet is left out with a warning naming it,
 * and *ret_incomplete (may be NULL) is set, also when it returns -ENODEV. -ENODEV if the host has no
 * usable GPU of it with its device nodes; -ENXIO (logged, with the command that fixes it) if a
 * required NVIDIA control node (nvidiactl, nvidia-uvm) is missing although its module is loaded;
 * -ERANGE with a message if a forced cdiVersion cannot carry the content. */
int cdi_generate_spec(const struct host *h, enum gpu_vendor vendor, const struct driver_files *files,
                      const struct generate_options *opts, json_t **ret, struct aux_files *aux, bool *ret_incomplete);

/* The spec file name of a vendor: "gpucdi-nvidia.json". */
int cdi_spec_filename(enum gpu_vendor vendor, char **ret);
/* Set spec's cdiVersion: the lowest its content needs, or forced when that is a known version that
 * can carry it; -EINVAL (reported) for an unknown version, -ERANGE (reported, naming kind and what
 * needs more) for one too low. */
int cdi_spec_set_version(json_t *spec, const char *kind, const char *forced);
