#include "spec.h"

#include <stdint.h>

#include "util.h"

const char *const cdi_known_versions[] = {
        "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0", NULL,
};

bool cdi_version_known(const char *v) {
        if (!v)
                return false;
        for (const char *const *k = cdi_known_versions; *k; k++)
                if (streq(*k, v))
                        return true;
        return false;
}

/* "X.Y.Z" with decimal components; anything else is not a version. */
static bool version_parse(const char *s, unsigned long ret[3]) {
        for (int i = 0; i < 3; i++) {
                if (*s < '0' || *s > '9')
                        return false;
                unsigned long n = 0;
                while (*s >= '0' && *s <= '9') {
                        if (n > UINT32_MAX)
                                return false;
                        n = n * 10 + (unsigned long) (*s++ - '0');
                }
                ret[i] = n;
                if (i < 2 && *s++ != '.')
                        return false;
        }
        return *s == 0;
}

int cdi_version_compare(const char *a, const char *b) {
        unsigned long va[3], vb[3];
        if (!version_parse(a, va) || !version_parse(b, vb)) {
                int r = strcmp(a, b);
                return (r > 0) - (r < 0);
        }
        for (int i = 0; i < 3; i++)
                if (va[i] != vb[i])
                        return va[i] < vb[i] ? -1 : 1;
        return 0;
}

/* Fields that appeared after 0.3.0, with the version that introduced them (container-device-interface's
 * own minimum-version rules). */
enum feature {
        F_MOUNT_TYPE,
        F_HOST_PATH,
        F_DIGIT_NAME,
        F_ANNOTATIONS,
        F_CLASS_DOT,
        F_INTEL_RDT,
        F_ADDITIONAL_GIDS,
        F_RDT_SCHEMATA,
        F_RDT_MONITORING,
        F_NET_DEVICES,
        _F_MAX,
};

static const struct {
        const char *version;
        const char *what;
} features[_F_MAX] = {
        [F_MOUNT_TYPE] = { "0.4.0", "mounts[].type" },
        [F_HOST_PATH] = { "0.5.0", "deviceNodes[].hostPath" },
        [F_DIGIT_NAME] = { "0.5.0", "a device name starting with a digit" },
        [F_ANNOTATIONS] = { "0.6.0", "annotations" },
        [F_CLASS_DOT] = { "0.6.0", "a '.' in the kind's class" },
        [F_INTEL_RDT] = { "0.7.0", "intelRdt" },
        [F_ADDITIONAL_GIDS] = { "0.7.0", "additionalGids" },
        [F_RDT_SCHEMATA] = { "1.1.0", "intelRdt.schemata" },
        [F_RDT_MONITORING] = { "1.1.0", "intelRdt.enableMonitoring" },
        [F_NET_DEVICES] = { "1.1.0", "netDevices" },
};

#define CDI_BASE_VERSION "0.3.0"

struct walk {
        cdi_feature_fn fn;
        void *userdata;
};

static void report(const struct walk *w, enum feature f, const char *fmt, ...) _printf_(3, 4);
static void report(const struct walk *w, enum feature f, const char *fmt, ...) {
        /* Indices are at most 20 digits each: the deepest path fits with room to spare. */
        char field[256];
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(field, sizeof field, fmt, ap);
        va_end(ap);
        w->fn(field, features[f].version, features[f].what, w->userdata);
}

static bool nonempty_string(const json_t *v) {
        return json_is_string(v) && json_string_length(v) > 0;
}

static void walk_edits(const struct walk *w, const json_t *edits, const char *prefix) {
        if (!json_is_object(edits))
                return;
        size_t i;
        const json_t *e;

        const json_t *nodes = json_object_get(edits, "deviceNodes");
        json_array_foreach(nodes, i, e)
                if (nonempty_string(json_object_get(e, "hostPath")))
                        report(w, F_HOST_PATH, "%scontainerEdits.deviceNodes[%zu].hostPath", prefix, i);

        const json_t *mounts = json_object_get(edits, "mounts");
        json_array_foreach(mounts, i, e)
                if (nonempty_string(json_object_get(e, "type")))
                        report(w, F_MOUNT_TYPE, "%scontainerEdits.mounts[%zu].type", prefix, i);

        /* Go decodes a JSON null into a nil pointer: only a present, non-null value counts. */
        const json_t *rdt = json_object_get(edits, "intelRdt");
        if (rdt && !json_is_null(rdt)) {
                report(w, F_INTEL_RDT, "%scontainerEdits.intelRdt", prefix);
                const json_t *s = json_object_get(rdt, "schemata");
                if (s && !json_is_null(s))
                        report(w, F_RDT_SCHEMATA, "%scontainerEdits.intelRdt.schemata", prefix);
                if (json_is_true(json_object_get(rdt, "enableMonitoring")))
                        report(w, F_RDT_MONITORING, "%scontainerEdits.intelRdt.enableMonitoring", prefix);
        }

        if (json_array_size(json_object_get(edits, "additionalGids")) > 0)
                report(w, F_ADDITIONAL_GIDS, "%scontainerEdits.additionalGids", prefix);
        if (json_array_size(json_object_get(edits, "netDevices")) > 0)
                report(w, F_NET_DEVICES, "%scontainerEdits.netDevices", prefix);
}

void cdi_spec_foreach_feature(const json_t *spec, cdi_feature_fn fn, void *userdata) {
        const struct walk w = { fn, userdata };
        if (!json_is_object(spec))
                return;

        const char *kind = json_string_value(json_object_get(spec, "kind"));
        const char *class = kind ? strchr(kind, '/') : NULL;
        if (class && strchr(class + 1, '.'))
                report(&w, F_CLASS_DOT, "kind");

        if (json_object_size(json_object_get(spec, "annotations")) > 0)
                report(&w, F_ANNOTATIONS, "annotations");

        size_t i;
        const json_t *d;
        const json_t *devices = json_object_get(spec, "devices");
        json_array_foreach(devices, i, d) {
                if (!json_is_object(d))
                        continue;
                const char *name = json_string_value(json_object_get(d, "name"));
                if (name && name[0] >= '0' && name[0] <= '9')
                        report(&w, F_DIGIT_NAME, "devices[%zu].name", i);
                if (json_object_size(json_object_get(d, "annotations")) > 0)
                        report(&w, F_ANNOTATIONS, "devices[%zu].annotations", i);
                char prefix[64];
                snprintf(prefix, sizeof prefix, "devices[%zu].", i);
                walk_edits(&w, json_object_get(d, "containerEdits"), prefix);
        }

        walk_edits(&w, json_object_get(spec, "containerEdits"), "");
}

struct min_version {
        const char *version;
        const char *reason;
};

static void note_min(const char *field, const char *version, const char *feature, void *userdata) {
        struct min_version *m = userdata;
        if (cdi_version_compare(version, m->version) > 0) {
                m->version = version;
                m->reason = feature;
        }
}

int cdi_spec_min_version(const json_t *spec, const char **ret_version, const char **ret_reason) {
        struct min_version m = { CDI_BASE_VERSION, NULL };
        cdi_spec_foreach_feature(spec, note_min, &m);
        *ret_version = m.version;
        if (ret_reason)
                *ret_reason = m.reason;
        return 0;
}

int cdi_spec_dump(const json_t *spec, char **ret) {
        if (!json_is_object(spec) && !json_is_array(spec))
                return -EINVAL;
        /* No JSON_ESCAPE_SLASH: paths stay readable ("/dev/nvidia0", not "\/dev\/nvidia0"). */
        _cleanup_free_ char *s = json_dumps(spec, JSON_INDENT(2) | JSON_PRESERVE_ORDER);
        if (!s)
                return -ENOMEM;
        size_t n = strlen(s);
        char *t = realloc(s, n + 2);
        if (!t)
                return -ENOMEM;
        s = NULL;
        t[n] = '\n';
        t[n + 1] = 0;
        *ret = t;
        return 0;
}
