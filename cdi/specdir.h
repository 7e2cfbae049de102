/* The spec directories: atomic writes of our own spec files, locking, listing what podman would read. */
#pragma once

#include <stdbool.h>
#include <stdio.h>

/* Our spec files are named GPUCDI_SPEC_PREFIX<vendor>.json; other files are never touched. */
#define GPUCDI_SPEC_PREFIX "gpucdi-"

/* Directories podman reads, in order (later overrides earlier). */
extern const char *const cdi_default_spec_dirs[];

/* Take an exclusive lock for the directory (flock on DIR/.gpucdi.lock), waiting for other runs.
 * Returns the lock fd in ret_fd. */
int cdi_dir_lock(const char *dir, int *ret_fd);

/* Write content to dir/name atomically (temp file in dir, fsync, rename, fsync dir), mode 0644.
 * If the file already holds exactly content, nothing is written and *ret_changed is false.
 * On any failure the old file is untouched and no temp file is left. */
int cdi_spec_write(const char *dir, const char *name, const char *content, bool *ret_changed);

/* Remove dir/name if it exists (our own file for a vendor that disappeared); fsync dir. */
int cdi_spec_remove(const char *dir, const char *name, bool *ret_removed);

/* Print the fully-qualified device names ("nvidia.com/gpu=0") of the valid specs in dirs (NULL-
 * terminated), one per line, sorted; later dirs override earlier ones for the same kind+name as
 * podman does. Invalid specs are skipped with a warning naming the file. */
int cdi_list(const char *const *dirs, FILE *out);
