/* cdiVersion handling: known versions, ordering, the minimum version of each feature, and the
 * serialisation format. */
#include <jansson.h>

#include "spec.h"
#include "tap.h"
#include "util.h"

/* Inline specs are written with ' for " to stay readable. */
static json_t *parse(const char *text) {
        _cleanup_free_ char *s = strdup(text);
        if (!s)
                return NULL;
        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        json_error_t err;
        json_t *j = json_loads(s, JSON_REJECT_DUPLICATES, &err);
        if (!j)
                tap_diag("bad test JSON %s: %s", text, err.text);
        return j;
}

static void test_known(void) {
        static const char *const known[] = { "0.3.0", "0.4.0", "0.5.0", "0.6.0", "0.7.0", "0.8.0", "1.0.0", "1.1.0" };
        static const char *const unknown[] = { "0.1.0", "0.2.0", "0.9.0", "1.2.0", "0.3", "0.3.0 ", "v0.3.0", "", "1.0.0-rc1" };
        size_t n = 0;
        for (const char *const *k = cdi_known_versions; *k; k++)
                n++;
        ok(n == ELEMENTSOF(known), "cdi_known_versions lists %zu versions", n);
        for (size_t i = 0; i < ELEMENTSOF(known); i++) {
                ok(cdi_version_known(known[i]), "%s is known", known[i]);
                ok(i < n && streq(cdi_known_versions[i], known[i]), "cdi_known_versions[%zu] is %s", i, known[i]);
        }
        for (size_t i = 0; i < ELEMENTSOF(unknown); i++)
                ok(!cdi_version_known(unknown[i]), "\"%s\" is not known", unknown[i]);
        ok(!cdi_version_known(NULL), "NULL is not known");
}

static void test_compare(void) {
        bool ordered = true;
        for (size_t i = 0; cdi_known_versions[i]; i++)
                for (size_t j = 0; cdi_known_versions[j]; j++) {
                        int r = cdi_version_compare(cdi_known_versions[i], cdi_known_versions[j]);
                        int want = (i > j) - (i < j);
                        if (r != want) {
                                tap_diag("compare(%s, %s) = %d, want %d", cdi_known_versions[i], cdi_known_versions[j], r, want);
                                ordered = false;
                        }
                }
        ok(ordered, "known versions compare in table order, antisymmetric, equal to themselves");
        ok(cdi_version_compare("0.10.0", "0.9.0") > 0, "components compare as numbers (0.10.0 > 0.9.0)");
        ok(cdi_version_compare("1.0.0", "0.99.99") > 0, "major dominates");
        ok(cdi_version_compare("0.5.1", "0.5.0") > 0, "patch counts");
        ok(cdi_version_compare("0.5.0", "0.5.0") == 0, "equal versions compare 0");
        int r = cdi_version_compare("abc", "0.3.0");
        ok(r == 1 || r == -1, "an unparsable version still orders (%d)", r);
}

#define DEV(edits) "{'name':'gpu','containerEdits':" edits "}"
#define NODE "{'deviceNodes':[{'path':'/dev/x'}]}"
#define SPEC(extra, devices) "{'cdiVersion':'0.3.0','kind':'vendor.com/gpu'" extra ",'devices':[" devices "]}"

static const struct {
        const char *desc;
        const char *spec;
        const char *version;
        const char *reason; /* NULL: base version */
} min_cases[] = {
        { "base content", SPEC("", DEV(NODE)), "0.3.0", NULL },
        { "a mount without type", SPEC("", DEV("{'mounts':[{'hostPath':'/a','containerPath':'/a'}]}")), "0.3.0", NULL },
        { "an empty mount type", SPEC("", DEV("{'mounts':[{'hostPath':'/a','containerPath':'/a','type':''}]}")), "0.3.0", NULL },
        { "device mounts[].type", SPEC("", DEV("{'mounts':[{'hostPath':'/a','containerPath':'/a','type':'bind'}]}")),
          "0.4.0", "mounts[].type" },
        { "spec mounts[].type", SPEC(",'containerEdits':{'mounts':[{'hostPath':'/a','containerPath':'/a','type':'bind'}]}", DEV(NODE)),
          "0.4.0", "mounts[].type" },
        { "device deviceNodes[].hostPath", SPEC("", DEV("{'deviceNodes':[{'path':'/dev/x','hostPath':'/h/x'}]}")),
          "0.5.0", "deviceNodes[].hostPath" },
        { "spec deviceNodes[].hostPath", SPEC(",'containerEdits':{'deviceNodes':[{'path':'/dev/y','hostPath':'/h/y'}]}", DEV(NODE)),
          "0.5.0", "deviceNodes[].hostPath" },
        { "an empty hostPath", SPEC("", DEV("{'deviceNodes':[{'path':'/dev/x','hostPath':''}]}")), "0.3.0", NULL },
        { "a device name starting with a digit", SPEC("", "{'name':'0','containerEdits':" NODE "}"),
          "0.5.0", "a device name starting with a digit" },
        { "a digit inside a device name", SPEC("", "{'name':'gpu0','containerEdits':" NODE "}"), "0.3.0", NULL },
        { "the second device's digit name", SPEC("", DEV(NODE) ",{'name':'1','containerEdits':" NODE "}"),
          "0.5.0", "a device name starting with a digit" },
        { "spec annotations", SPEC(",'annotations':{'a':'b'}", DEV(NODE)), "0.6.0", "annotations" },
        { "device annotations", SPEC("", "{'name':'g','annotations':{'a':'b'},'containerEdits':" NODE "}"),
          "0.6.0", "annotations" },
        { "empty annotations", SPEC(",'annotations':{}", DEV(NODE)), "0.3.0", NULL },
        { "a '.' in the class", "{'cdiVersion':'0.3.0','kind':'vendor.com/gpu.x','devices':[" DEV(NODE) "]}",
          "0.6.0", "a '.' in the kind's class" },
        { "dots in the vendor only", "{'cdiVersion':'0.3.0','kind':'a.b.c/gpu','devices':[" DEV(NODE) "]}", "0.3.0", NULL },
        { "device intelRdt", SPEC("", DEV("{'intelRdt':{'closID':'c'}}")), "0.7.0", "intelRdt" },
        { "spec intelRdt", SPEC(",'containerEdits':{'intelRdt':{}}", DEV(NODE)), "0.7.0", "intelRdt" },
        { "a null intelRdt", SPEC(",'containerEdits':{'intelRdt':null}", DEV(NODE)), "0.3.0", NULL },
        { "device additionalGids", SPEC("", DEV("{'additionalGids':[44]}")), "0.7.0", "additionalGids" },
        { "spec additionalGids", SPEC(",'containerEdits':{'additionalGids':[44]}", DEV(NODE)), "0.7.0", "additionalGids" },
        { "empty additionalGids", SPEC(",'containerEdits':{'additionalGids':[]}", DEV(NODE)), "0.3.0", NULL },
        { "intelRdt.schemata", SPEC("", DEV("{'intelRdt':{'schemata':[]}}")), "1.1.0", "intelRdt.schemata" },
        { "intelRdt.enableMonitoring", SPEC(",'containerEdits':{'intelRdt':{'enableMonitoring':true}}", DEV(NODE)),
          "1.1.0", "intelRdt.enableMonitoring" },
        { "intelRdt.enableMonitoring false", SPEC("", DEV("{'intelRdt':{'enableMonitoring':false}}")), "0.7.0", "intelRdt" },
        { "device netDevices", SPEC("", DEV("{'netDevices':[{'hostInterfaceName':'a','name':'b'}]}")), "1.1.0", "netDevices" },
        { "spec netDevices", SPEC(",'containerEdits':{'netDevices':[{'hostInterfaceName':'a','name':'b'}]}", DEV(NODE)),
          "1.1.0", "netDevices" },
        { "the highest feature wins", SPEC(",'containerEdits':{'mounts':[{'hostPath':'/a','containerPath':'/a','type':'bind'}]}",
                                           DEV("{'deviceNodes':[{'path':'/dev/x','hostPath':'/h/x'}]}")),
          "0.5.0", "deviceNodes[].hostPath" },
        { "fields of the wrong type are ignored", SPEC(",'containerEdits':{'mounts':{'type':'x'},'deviceNodes':[3]}", "3"),
          "0.3.0", NULL },
};

static void test_min_version(void) {
        for (size_t i = 0; i < ELEMENTSOF(min_cases); i++) {
                json_auto_t *spec = parse(min_cases[i].spec);
                const char *version = "unset", *reason = "unset";
                int r = spec ? cdi_spec_min_version(spec, &version, &reason) : -EINVAL;
                bool reason_ok = min_cases[i].reason ? reason && streq(reason, min_cases[i].reason) : !reason;
                ok(r == 0 && streq(version, min_cases[i].version) && reason_ok, "min version of %s: %s (%s), got %s (%s)",
                   min_cases[i].desc, min_cases[i].version, min_cases[i].reason ? min_cases[i].reason : "base", version, reason ? reason : "base");
        }
        json_auto_t *spec = parse(SPEC("", DEV(NODE)));
        const char *version = NULL;
        ok(spec && cdi_spec_min_version(spec, &version, NULL) == 0 && version && streq(version, "0.3.0"),
           "ret_reason may be NULL");
}

struct collected {
        char text[2048];
};

static void collect(const char *field, const char *version, const char *feature, void *userdata) {
        struct collected *c = userdata;
        size_t n = strlen(c->text);
        snprintf(c->text + n, sizeof c->text - n, "%s %s|", field, version);
}

static void test_foreach(void) {
        json_auto_t *spec = parse(
                "{'cdiVersion':'0.3.0','kind':'vendor.com/gpu','annotations':{'a':'b'},'devices':["
                "{'name':'a','containerEdits':{'deviceNodes':[{'path':'/dev/a'},{'path':'/dev/b','hostPath':'/h/b'}]}},"
                "{'name':'1','annotations':{'x':'y'},'containerEdits':{'mounts':[{'hostPath':'/a','containerPath':'/a','type':'bind'}],"
                "'intelRdt':{'schemata':['L3:0=f']},'additionalGids':[5],'netDevices':[{'hostInterfaceName':'a','name':'b'}]}}],"
                "'containerEdits':{'deviceNodes':[{'path':'/dev/c','hostPath':'/h/c'}]}}");
        struct collected c = { "" };
        if (spec)
                cdi_spec_foreach_feature(spec, collect, &c);
        const char *want =
                "annotations 0.6.0|"
                "devices[0].containerEdits.deviceNodes[1].hostPath 0.5.0|"
                "devices[1].name 0.5.0|"
                "devices[1].annotations 0.6.0|"
                "devices[1].containerEdits.mounts[0].type 0.4.0|"
                "devices[1].containerEdits.intelRdt 0.7.0|"
                "devices[1].containerEdits.intelRdt.schemata 1.1.0|"
                "devices[1].containerEdits.additionalGids 0.7.0|"
                "devices[1].containerEdits.netDevices 1.1.0|"
                "containerEdits.deviceNodes[0].hostPath 0.5.0|";
        if (!ok(streq(c.text, want), "every feature use is reported with its JSON path and version"))
                tap_diag("got  %s\nwant %s", c.text, want);

        struct collected none = { "" };
        cdi_spec_foreach_feature(NULL, collect, &none);
        json_auto_t *arr = json_array();
        cdi_spec_foreach_feature(arr, collect, &none);
        ok(streq(none.text, ""), "a NULL or non-object spec has no features");
}

static void test_dump(void) {
        json_auto_t *spec = json_object();
        json_object_set_new(spec, "cdiVersion", json_string("0.5.0"));
        json_object_set_new(spec, "kind", json_string("nvidia.com/gpu"));
        json_t *dev = json_object();
        json_object_set_new(dev, "name", json_string("0"));
        json_t *edits = json_object();
        json_t *node = json_object();
        json_object_set_new(node, "path", json_string("/dev/nvidia0"));
        json_object_set_new(node, "major", json_integer(195));
        json_t *nodes = json_array();
        json_array_append_new(nodes, node);
        json_object_set_new(edits, "deviceNodes", nodes);
        json_object_set_new(edits, "env", json_array());
        json_object_set_new(dev, "containerEdits", edits);
        json_t *devices = json_array();
        json_array_append_new(devices, dev);
        json_object_set_new(spec, "devices", devices);
        /* Inserted last although it sorts first: insertion order must win. */
        json_object_set_new(spec, "annotations", json_object());

        _cleanup_free_ char *text = NULL;
        int r = cdi_spec_dump(spec, &text);
        const char *want =
                "{\n"
                "  \"cdiVersion\": \"0.5.0\",\n"
                "  \"kind\": \"nvidia.com/gpu\",\n"
                "  \"devices\": [\n"
                "    {\n"
                "      \"name\": \"0\",\n"
                "      \"containerEdits\": {\n"
                "        \"deviceNodes\": [\n"
                "          {\n"
                "            \"path\": \"/dev/nvidia0\",\n"
                "            \"major\": 195\n"
                "          }\n"
                "        ],\n"
                "        \"env\": []\n"
                "      }\n"
                "    }\n"
                "  ],\n"
                "  \"annotations\": {}\n"
                "}\n";
        if (!ok(r == 0 && text && streq(text, want), "dump: 2-space indent, insertion order, plain '/', final newline"))
                tap_diag("got:\n%s", text ? text : "(null)");
        ok(text && !strstr(text, "\\/"), "dump does not escape '/'");

        json_error_t err;
        json_auto_t *back = text ? json_loads(text, 0, &err) : NULL;
        ok(back && json_equal(back, spec), "dump output parses back to the same tree");

        _cleanup_free_ char *again = NULL;
        ok(cdi_spec_dump(back, &again) == 0 && again && text && streq(again, text), "dump is deterministic");

        _cleanup_free_ char *bad = NULL;
        json_auto_t *str = json_string("x");
        ok(cdi_spec_dump(str, &bad) == -EINVAL && !bad, "dump refuses a non-container and leaves ret unset");
}

int main(void) {
        test_known();
        test_compare();
        test_min_version();
        test_foreach();
        test_dump();
        return tap_done();
}
