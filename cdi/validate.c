#include "validate.h"
#include "validate-walk.h"

#include <stdint.h>

#include "cdiyaml.h"
#include "spec.h"
#include "cdicontract.h"
#include "util.h"

/* The newest cdiVersion podman 4.3 (which bundles CDI library v0.5) accepts. */
#define PODMAN_43_MAX_VERSION "0.5.0"

/* Larger spec files than this are not something a generator writes. */

/* ---- scalars ---- */

static bool check_string(struct vctx *c, const json_t *v) {
        if (json_is_string(v))
                return true;
        vc_problem(c, "must be a string, found %s", vc_type_name(v));
        return false;
}

static void check_string_field(struct vctx *c, const json_t *v) {
        check_string(c, v);
}

static void check_bool(struct vctx *c, const json_t *v) {
        if (!json_is_boolean(v))
                vc_problem(c, "must be true or false, found %s", vc_type_name(v));
}

static bool check_integer(struct vctx *c, const json_t *v, json_int_t min, json_int_t max, const char *range) {
        /* Go decodes 1.0 into an integer field as an error, so a real is refused even when integral. */
        if (!json_is_integer(v)) {
                vc_problem(c, "must be an integer (%s), found %s", range, vc_type_name(v));
                return false;
        }
        json_int_t n = json_integer_value(v);
        if (n < min || n > max) {
                vc_problem(c, "%" JSON_INTEGER_FORMAT " is out of range (%s)", n, range);
                return false;
        }
        return true;
}

static void check_uint32(struct vctx *c, const json_t *v) {
        check_integer(c, v, 0, UINT32_MAX, "0 to 4294967295");
}

static void check_int64(struct vctx *c, const json_t *v) {
        check_integer(c, v, INT64_MIN, INT64_MAX, "a 64-bit signed integer");
}

static void check_abs_path(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        const char *s = json_string_value(v);
        if (s[0] != '/')
                vc_problem(c, "\"%s\" is not an absolute path: paths in a CDI spec must start with '/'", s);
}

static void check_string_array(struct vctx *c, const json_t *v) {
        vc_array(c, v, check_string_field, "strings");
}

static void check_env_item(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        const char *s = json_string_value(v);
        const char *eq = strchr(s, '=');
        if (!eq || eq == s)
                vc_problem(c, "\"%s\" is not an environment variable: it must have the form NAME=VALUE", s);
}

static void check_env(struct vctx *c, const json_t *v) {
        vc_array(c, v, check_env_item, "\"NAME=VALUE\" strings");
}

/* ---- names ---- */

static bool is_alpha(char ch) {
        return (ch >= 'A' && ch <= 'Z') || (ch >= 'a' && ch <= 'z');
}

static bool is_alnum(char ch) {
        return is_alpha(ch) || (ch >= '0' && ch <= '9');
}

/* The name syntax of container-device-interface: a first character, then characters from a set,
 * then an alphanumeric last character. */
struct name_rule {
        const char *what;
        bool digit_first;       /* may start with a digit, not only a letter */
        const char *inner;      /* punctuation allowed inside */
        bool one_char_panics;   /* podman 4.3.1's CDI library indexes name[1:len-1] without a length check */
};

static const struct name_rule vendor_rule = { "vendor", false, "_.-", true };
/* A '.' in the class is CDI 0.6.0 syntax: the version check reports it against cdiVersion. */
static const struct name_rule class_rule = { "class", false, "_.-", true };
static const struct name_rule device_rule = { "device name", true, "_.:-", false };

static bool check_name(struct vctx *c, const struct name_rule *rule, const char *s) {
        size_t n = strlen(s);
        if (n == 0) {
                vc_problem(c, "the %s is empty", rule->what);
                return false;
        }
        if (rule->digit_first ? !is_alnum(s[0]) : !is_alpha(s[0])) {
                vc_problem(c, "%s \"%s\" must start with a letter%s", rule->what, s,
                        rule->digit_first ? " or digit" : "");
                return false;
        }
        if (n == 1 && rule->one_char_panics) {
                vc_problem(c, "one-character %s \"%s\": podman 4.3.1 panics on it; use a longer name", rule->what, s);
                return false;
        }
        for (size_t i = 1; i + 1 < n; i++)
                if (!is_alnum(s[i]) && !strchr(rule->inner, s[i])) {
                        unsigned char ch = (unsigned char) s[i];
                        if (ch >= 0x20 && ch < 0x7f)
                                vc_problem(c, "%s \"%s\" contains '%c'; allowed are letters, digits and \"%s\"",
                                        rule->what, s, ch, rule->inner);
                        else
                                vc_problem(c, "%s \"%s\" contains byte 0x%02x; allowed are letters, digits and \"%s\"",
                                        rule->what, s, ch, rule->inner);
                        return false;
                }
        if (n > 1 && !is_alnum(s[n - 1])) {
                vc_problem(c, "%s \"%s\" must end with a letter or digit", rule->what, s);
                return false;
        }
        return true;
}

static void check_kind(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        const char *kind = json_string_value(v);
        const char *slash = strchr(kind, '/');
        if (!slash || slash == kind || !slash[1]) {
                vc_problem(c, "\"%s\" is not of the form vendor/class (e.g. \"nvidia.com/gpu\")", kind);
                return;
        }
        _cleanup_free_ char *vendor = strndup(kind, (size_t) (slash - kind));
        if (!vendor) {
                vc_problem(c, "out of memory");
                return;
        }
        if (check_name(c, &vendor_rule, vendor))
                check_name(c, &class_rule, slash + 1);
}

static void check_device_name(struct vctx *c, const json_t *v) {
        if (check_string(c, v))
                check_name(c, &device_rule, json_string_value(v));
}

/* Linux network interface names: 1-15 bytes, no '/', ':' or whitespace, not "." or "..". */
static void check_ifname(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        const char *s = json_string_value(v);
        size_t n = strlen(s);
        if (n == 0 || n > 15 || streq(s, ".") || streq(s, "..") || strpbrk(s, "/: \t\n\r\v\f"))
                vc_problem(c, "\"%s\" is not a valid network interface name (1-15 characters, no '/', ':' or spaces)", s);
}

/* ---- containerEdits ---- */

static void check_device_type(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        /* "" means "take it from the host node", as in the CDI library. */
        static const char *const types[] = { "", "c", "b", "u", "p" };
        const char *s = json_string_value(v);
        for (size_t i = 0; i < ELEMENTSOF(types); i++)
                if (streq(types[i], s))
                        return;
        vc_problem(c, "invalid device type \"%s\": use \"c\" (character), \"b\" (block), \"u\" (unbuffered) or \"p\" (FIFO)", s);
}

static void check_permissions(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        const char *s = json_string_value(v);
        if (s[strspn(s, "rwm")] != 0)
                vc_problem(c, "invalid permissions \"%s\": only the letters r, w and m are allowed", s);
}

static const struct field device_node_fields[] = {
        { "path", check_abs_path, true },
        { "hostPath", check_abs_path, false },
        { "type", check_device_type, false },
        { "major", check_int64, false },
        { "minor", check_int64, false },
        { "fileMode", check_uint32, false },
        { "permissions", check_permissions, false },
        { "uid", check_uint32, false },
        { "gid", check_uint32, false },
};

static void check_device_node(struct vctx *c, const json_t *v) {
        vc_object(c, v, device_node_fields, ELEMENTSOF(device_node_fields));
}

static const struct field mount_fields[] = {
        { "hostPath", check_string_field, true },
        { "containerPath", check_abs_path, true },
        { "type", check_string_field, false },
        { "options", check_string_array, false },
};

static void check_mount(struct vctx *c, const json_t *v) {
        if (!vc_object(c, v, mount_fields, ELEMENTSOF(mount_fields)))
                return;
        /* A bind mount's source is a host path; other types (tmpfs, proc...) name a source such as "tmpfs". */
        const char *host = json_string_value(json_object_get(v, "hostPath"));
        const json_t *type = json_object_get(v, "type");
        const char *t = json_string_value(type);
        bool bind = !type || (t && (streq(t, "") || streq(t, "bind") || streq(t, "rbind")));
        if (host && bind && host[0] != '/') {
                size_t old = vc_push_key(c, "hostPath");
                vc_problem(c, "\"%s\" is not an absolute path: a bind mount's source must start with '/'", host);
                vc_pop(c, old);
        }
}

/* The OCI hook stages (runtime-spec config.md "POSIX-platform Hooks"). */
static const char *const hook_names[] = {
        "prestart", "createRuntime", "createContainer", "startContainer", "poststart", "poststop",
};

static void check_hook_name(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        const char *s = json_string_value(v);
        for (size_t i = 0; i < ELEMENTSOF(hook_names); i++)
                if (streq(hook_names[i], s))
                        return;
        vc_problem(c, "unknown hook stage \"%s\": use prestart, createRuntime, createContainer, startContainer, "
                   "poststart or poststop", s);
}

static void check_hook_timeout(struct vctx *c, const json_t *v) {
        if (!check_integer(c, v, 0, UINT32_MAX, "0 to 4294967295"))
                return;
        if (json_integer_value(v) == 0)
                vc_problem(c, "must be greater than zero (OCI runtime spec); leave it out for no timeout");
}

static const struct field hook_fields[] = {
        { "hookName", check_hook_name, true },
        { "path", check_abs_path, true },
        { "args", check_string_array, false },
        { "env", check_env, false },
        { "timeout", check_hook_timeout, false },
};

static void check_hook(struct vctx *c, const json_t *v) {
        vc_object(c, v, hook_fields, ELEMENTSOF(hook_fields));
}

static void check_clos_id(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        /* It names a directory under /sys/fs/resctrl. */
        const char *s = json_string_value(v);
        if (streq(s, ".") || streq(s, "..") || strchr(s, '/'))
                vc_problem(c, "\"%s\" is not a valid CLOS name: it names a resctrl group directory", s);
}

static const struct field intel_rdt_fields[] = {
        { "closID", check_clos_id, false },
        { "l3CacheSchema", check_string_field, false },
        { "memBwSchema", check_string_field, false },
        { "schemata", check_string_array, false },
        { "enableMonitoring", check_bool, false },
};

static void check_intel_rdt(struct vctx *c, const json_t *v) {
        vc_object(c, v, intel_rdt_fields, ELEMENTSOF(intel_rdt_fields));
}

static const struct field net_device_fields[] = {
        { "hostInterfaceName", check_ifname, true },
        { "name", check_ifname, true },
};

static void check_net_device(struct vctx *c, const json_t *v) {
        vc_object(c, v, net_device_fields, ELEMENTSOF(net_device_fields));
}

static void check_device_nodes(struct vctx *c, const json_t *v) {
        vc_array(c, v, check_device_node, "device node objects");
}

static void check_mounts(struct vctx *c, const json_t *v) {
        vc_array(c, v, check_mount, "mount objects");
}

static void check_hooks(struct vctx *c, const json_t *v) {
        vc_array(c, v, check_hook, "hook objects");
}

static void check_gids(struct vctx *c, const json_t *v) {
        vc_array(c, v, check_uint32, "group ids");
}

static void check_net_devices(struct vctx *c, const json_t *v) {
        vc_array(c, v, check_net_device, "network device objects");
}

static const struct field edits_fields[] = {
        { "env", check_env, false },
        { "deviceNodes", check_device_nodes, false },
        { "mounts", check_mounts, false },
        { "hooks", check_hooks, false },
        { "intelRdt", check_intel_rdt, false },
        { "additionalGids", check_gids, false },
        { "netDevices", check_net_devices, false },
};

static void check_edits(struct vctx *c, const json_t *v) {
        vc_object(c, v, edits_fields, ELEMENTSOF(edits_fields));
}

/* What the CDI library calls empty edits: nothing that would change the container. */
static bool edits_empty(const json_t *edits) {
        static const char *const lists[] = { "env", "deviceNodes", "mounts", "hooks", "additionalGids", "netDevices" };
        for (size_t i = 0; i < ELEMENTSOF(lists); i++)
                if (json_array_size(json_object_get(edits, lists[i])) > 0)
                        return false;
        const json_t *rdt = json_object_get(edits, "intelRdt");
        return !rdt || json_is_null(rdt);
}

static void check_device_edits(struct vctx *c, const json_t *v) {
        if (!vc_object(c, v, edits_fields, ELEMENTSOF(edits_fields)))
                return;
        if (edits_empty(v))
                vc_problem(c, "the device changes nothing: podman refuses a device with empty containerEdits; "
                           "give it deviceNodes, mounts, env or hooks");
}

/* ---- top level ---- */

static void check_annotations(struct vctx *c, const json_t *v) {
        if (!json_is_object(v)) {
                vc_problem(c, "must be an object of string values, found %s", vc_type_name(v));
                return;
        }
        const char *key;
        const json_t *val;
        json_object_foreach((json_t *) v, key, val) {
                size_t old = vc_push_key(c, key);
                if (!*key)
                        vc_problem(c, "annotation keys must not be empty");
                else
                        check_string(c, val);
                vc_pop(c, old);
        }
}

static const struct field device_fields[] = {
        { "name", check_device_name, true },
        { "annotations", check_annotations, false },
        { "containerEdits", check_device_edits, true },
};

static void check_device(struct vctx *c, const json_t *v) {
        vc_object(c, v, device_fields, ELEMENTSOF(device_fields));
}

static void check_devices(struct vctx *c, const json_t *v) {
        if (!vc_array(c, v, check_device, "device objects"))
                return;
        if (json_array_size(v) == 0) {
                vc_problem(c, "no devices: a spec must define at least one device");
                return;
        }
        /* Each name's first index, in a hash table: linear in the number of devices. */
        json_auto_t *first = json_object();
        if (!first) {
                vc_problem(c, "out of memory while checking device names for duplicates");
                return;
        }
        size_t i;
        const json_t *d;
        json_array_foreach(v, i, d) {
                const char *name = json_string_value(json_object_get(d, "name"));
                if (!name)
                        continue;
                const json_t *seen = json_object_get(first, name);
                if (seen) {
                        size_t old = vc_push_fmt(c, "[%zu].name", i);
                        vc_problem(c, "duplicate device name \"%s\" (also devices[%zu]): names must be unique", name,
                                (size_t) json_integer_value(seen));
                        vc_pop(c, old);
                } else if (json_object_set_new_nocheck(first, name, json_integer((json_int_t) i)) < 0) {
                        vc_problem(c, "out of memory while checking device names for duplicates");
                        return;
                }
        }
}

static void check_version(struct vctx *c, const json_t *v) {
        if (!check_string(c, v))
                return;
        const char *s = json_string_value(v);
        if (cdi_version_known(s))
                return;
        char known[128] = "";
        for (const char *const *k = cdi_known_versions; *k; k++)
                snprintf(known + strlen(known), sizeof known - strlen(known), "%s%s", k == cdi_known_versions ? "" : ", ", *k);
        vc_problem(c, "unknown version \"%s\" (podman reports \"invalid version\"); known versions: %s", s, known);
}

static const struct field spec_fields[] = {
        { "cdiVersion", check_version, true },
        { "kind", check_kind, true },
        { "annotations", check_annotations, false },
        { "devices", check_devices, true },
        { "containerEdits", check_edits, false },
};

struct version_check {
        struct vctx *c;
        const char *declared;
};

static void check_feature_version(const char *field, const char *version, const char *feature, void *userdata) {
        struct version_check *vc = userdata;
        if (cdi_version_compare(version, vc->declared) <= 0)
                return;
        size_t old = vc_push_fmt(vc->c, "%s", field);
        vc_problem(vc->c, "needs cdiVersion %s, spec declares %s (raise cdiVersion or remove %s)",
                version, vc->declared, feature);
        vc_pop(vc->c, old);
}

int cdi_validate_json(const json_t *spec, const char *file, FILE *out) {
        struct vctx c = { .file = file, .out = out };

        if (!vc_object(&c, spec, spec_fields, ELEMENTSOF(spec_fields)))
                return c.problems;

        const char *declared = json_string_value(json_object_get(spec, "cdiVersion"));
        if (!cdi_version_known(declared))
                return c.problems;

        struct version_check vc = { &c, declared };
        cdi_spec_foreach_feature(spec, check_feature_version, &vc);

        if (cdi_version_compare(declared, PODMAN_43_MAX_VERSION) > 0) {
                const char *need, *reason;
                cdi_spec_min_version(spec, &need, &reason);
                size_t old = vc_push_key(&c, "cdiVersion");
                if (cdi_version_compare(need, PODMAN_43_MAX_VERSION) <= 0)
                        vc_warning(&c, "podman 4.3 refuses cdiVersion %s (\"invalid version\"); this content needs "
                                    "only %s: declare that", declared, need);
                else
                        vc_warning(&c, "podman 4.3 refuses cdiVersion %s (\"invalid version\"); this content needs "
                                    "%s because of %s", declared, need, reason);
                vc_pop(&c, old);
        }
        return c.problems;
}

int cdi_validate_file(const char *path, FILE *out) {
        struct vctx c = { .file = path, .out = out };
        _cleanup_free_ char *text = NULL;
        size_t size;
        int r = read_file(path, CDI_SPEC_SIZE_MAX, &text, &size);
        if (r < 0) {
                if (out)
                        fprintf(out, "%s: (file): cannot read: %s\n", path,
                                r == -EFBIG ? "larger than 64 MiB, not a CDI spec" : strerror(-r));
                return r;
        }
        if (text[strspn(text, " \t\r\n")] == 0) {
                vc_push_fmt(&c, "(file)");
                vc_problem(&c, "the file is empty; a CDI spec is a JSON object with \"cdiVersion\", \"kind\" and \"devices\"");
                return c.problems;
        }

        /* *.yaml as YAML (podman reads both); duplicate keys are refused in both, as podman does. */
        json_auto_t *spec = NULL;
        char err[256];
        r = cdi_spec_load(path, text, size, &spec, err, sizeof err);
        if (r == -ENOMEM)
                return r;
        if (r < 0) {
                const char *colon = strchr(err, ' ');
                size_t where = colon && colon > err && colon[-1] == ':' ? (size_t) (colon - err - 1) : 0;
                vc_push_fmt(&c, "%.*s", (int) where, err);
                vc_problem(&c, "%s", where ? colon + 1 : err);
                return c.problems;
        }
        return cdi_validate_json(spec, path, out);
}
