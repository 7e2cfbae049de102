/* The spec directories: atomic writes of our own spec files, locking, listing what podman would read. */
#pragma once

#include <stdbool.h>
#include <jansson.h>
#include <stdio.h>

#include "cdicontract.h"

/* Our spec files are named GPUCDI_SPEC_PREFIX<vendor>.json; other files are never touched. */
#define GPUCDI_SPEC_PREFIX "gpucdi-"

/* Take an exclusive lock for the directory (flock on DIR/.gpucdi.lock, O_CLOEXEC), waiting for other
 * runs. Creates DIR (mode 0755, with parents) if missing. Returns the lock fd in ret_fd. A symlinked
 * DIR is followed, here and below. Failures are logged with the fix. Once locked, temp files that a
 * killed run left in DIR (".gpucdi-XXXXXX") are removed. */
int cdi_dir_lock(const char *dir, int *ret_fd);

/* Write content to dir/name atomically (temp file in dir, fsync, rename, fsync dir), mode 0644.
 * If the file already holds exactly content, nothing is written and *ret_changed is false (a wrong
 * mode is still repaired to 0644). Creates dir if missing. On any failure the old file is untouched,
 * no temp file is left, and the error is logged naming the directory and the fix: -EROFS, -ENOSPC,
 * -EDQUOT, -EACCES, -EPERM, -ENOTDIR are "cannot write the spec directory". */
int cdi_spec_write(const char *dir, const char *name, const char *content, bool *ret_changed);

/* Remove dir/name if it exists (our own file for a vendor that disappeared); fsync dir. */
int cdi_spec_remove(const char *dir, const char *name, bool *ret_removed);

/* Print the fully-qualified device names ("nvidia.com/gpu=0") of the valid specs in dirs (NULL-
 * terminated), one per line, sorted; later dirs override earlier ones for the same kind+name as
 * podman does. Invalid specs are skipped with a warning naming the file. Only spec files
 * (cdi_spec_format_of_name) are read (YAML with libyaml), as podman does. A directory met twice
 * (/var/run/cdi and /run/cdi) is read once. A device defined twice in one directory is a conflict podman resolves by
 * using neither: it is left out with a warning. Missing directories are skipped silently. */
int cdi_list(const char *const *dirs, FILE *out);

enum {
        CDI_LIST_SOURCES = 1 << 0, /* print "NAME<TAB>FILE": which spec file provides each device */
        CDI_LIST_JSON = 1 << 1,    /* a JSON array of {"name", "file", "status"}: every definition,
                                    * status "used", "overridden" (a later directory defines it too)
                                    * or "conflict" (twice in one directory: podman refuses it) */
};
int cdi_list_full(const char *const *dirs, unsigned flags, FILE *out);

/* Warn (one line per other file) when a spec file in dirs other than own_dir/own_name defines a
 * device of spec (its kind and a device name), naming the file and the fix. Returns the number of
 * files warned about. */
int cdi_warn_clashes(const char *const *dirs, const char *own_dir, const char *own_name, const json_t *spec);
