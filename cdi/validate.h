/* Validation of CDI specs: the JSON schema's rules plus the semantic rules podman's CDI library
 * applies. Every problem is printed to out as "FILE: FIELD: PROBLEM", FIELD being a JSON path such as
 * "devices[1].containerEdits.mounts[0].containerPath", "(top level)", "(file)" for a file that is
 * empty or unreadable, or "LINE:COLUMN" for a JSON syntax error. Valid specs that podman 4.3 still
 * refuses (cdiVersion above 0.5.0) get "FILE: cdiVersion: warning: ..." lines, which are not counted
 * as problems. out may be NULL to count only. */
#pragma once

#include <jansson.h>
#include <stdio.h>

/* Returns the number of problems found (0 = valid). */
int cdi_validate_json(const json_t *spec, const char *file, FILE *out);
/* Reads and parses path (JSON syntax errors are reported with line and column); returns the number
 * of problems, or -errno when the file cannot be read (reported too). */
int cdi_validate_file(const char *path, FILE *out);
