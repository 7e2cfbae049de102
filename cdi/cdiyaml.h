/* Reading CDI spec files as podman does: *.json with jansson, *.yaml with libyaml into the same tree. */
#pragma once

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Parse one YAML document (text need not be NUL-terminated) into a JSON value. On a syntax error,
 * an alias/anchor, a duplicate or non-scalar key, or a second document: -EBADMSG with
 * "LINE:COLUMN: what" in err. */
int cdi_yaml_load(const char *text, size_t size, json_t **ret, char *err, size_t err_size);

/* "*.yaml": podman reads these as YAML (not *.yml). */
bool cdi_spec_name_is_yaml(const char *name);

/* A spec file's content by its name: YAML for *.yaml, JSON otherwise. -EBADMSG with err set. */
int cdi_spec_load(const char *path, const char *text, size_t size, json_t **ret, char *err, size_t err_size);
