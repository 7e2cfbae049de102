/* The CDI spec as a jansson tree: version rules, deterministic serialisation. */
#pragma once

#include <jansson.h>
#include <stdbool.h>

/* Known cdiVersion values, ascending; NULL-terminated. */
extern const char *const cdi_known_versions[];

/* <0, 0, >0 like strcmp; -2 is never returned: unknown versions sort as invalid via cdi_version_known. */
int cdi_version_compare(const char *a, const char *b);
bool cdi_version_known(const char *v);

/* The lowest cdiVersion the spec's content needs (fields per CDI-NOTES: mounts[].type -> 0.4.0,
 * deviceNodes[].hostPath or a device name starting with a digit -> 0.5.0, annotations -> 0.6.0,
 * intelRdt/additionalGids -> 0.7.0, netDevices -> 1.1.0). ret_reason (may be NULL) names the field
 * that forced it, for error messages. Returns 0. */
int cdi_spec_min_version(const json_t *spec, const char **ret_version, const char **ret_reason);

/* Serialise with 2-space indent, keys in insertion order, final newline. */
int cdi_spec_dump(const json_t *spec, char **ret);
