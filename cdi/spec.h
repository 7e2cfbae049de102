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
 * deviceNodes[].hostPath or a device name starting with a digit -> 0.5.0, annotations or a '.' in
 * the kind's class -> 0.6.0, intelRdt/additionalGids -> 0.7.0, netDevices and
 * intelRdt.schemata/enableMonitoring -> 1.1.0). ret_reason (may be NULL) names the feature that
 * forced it, for error messages ("deviceNodes[].hostPath"); it is set to NULL when the base version
 * 0.3.0 suffices. Returns 0. */
int cdi_spec_min_version(const json_t *spec, const char **ret_version, const char **ret_reason);

/* Calls fn for every use of a versioned feature in spec, in document order: field is its JSON path
 * ("devices[0].containerEdits.deviceNodes[1].hostPath", valid during the call only), version the
 * cdiVersion it needs, feature the description cdi_spec_min_version reports. Parts of the tree
 * with the wrong JSON type are skipped (validation reports those). */
typedef void (*cdi_feature_fn)(const char *field, const char *version, const char *feature, void *userdata);
void cdi_spec_foreach_feature(const json_t *spec, cdi_feature_fn fn, void *userdata);

/* Serialise with 2-space indent, keys in insertion order, final newline. */
int cdi_spec_dump(const json_t *spec, char **ret);
