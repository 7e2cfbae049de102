/* Validation: the vendored reference testdata (tests/reference/cdi-schema) (good accepted, bad rejected), one inline spec per rule
 * with the exact FIELD path it must be reported at, and the file-level errors.
 * Usage: test-validate CDI_SCHEMA_DIR (the testdata lives in CDI_SCHEMA_DIR/testdata/{good,bad}). */
#include <dirent.h>
#include <fcntl.h>
#include <jansson.h>
#include <stdlib.h>
#include <sys/stat.h>

#include "tap.h"
#include "util.h"
#include "validate.h"

/* Inline specs are written with ' for " to stay readable. */
static char *dq(const char *text) {
        char *s = strdup(text);
        if (!s)
                abort();
        for (char *p = s; *p; p++)
                if (*p == '\'')
                        *p = '"';
        return s;
}

/* Runs the validator on text as file "t.json"; returns its problem count and output. */
static int validate_text(const char *text, char **ret_out) {
        _cleanup_free_ char *s = dq(text);
        json_error_t err;
        json_auto_t *spec = json_loads(s, JSON_REJECT_DUPLICATES, &err);
        if (!spec) {
                tap_diag("bad test JSON %s: %s", s, err.text);
                *ret_out = strdup("");
                return -1;
        }
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (!out)
                abort();
        int n = cdi_validate_json(spec, "t.json", out);
        fclose(out);
        *ret_out = buf;
        return n;
}

static void diag_block(const char *text) {
        _cleanup_free_ char *copy = strdup(text);
        char *save = NULL;
        for (char *line = strtok_r(copy, "\n", &save); line; line = strtok_r(NULL, "\n", &save))
                tap_diag("  %s", line);
}

/* Does some line of out start with prefix and contain needle? */
static bool has_line(const char *out, const char *prefix, const char *needle) {
        for (const char *line = out; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t n = end ? (size_t) (end - line) : strlen(line);
                _cleanup_free_ char *l = strndup(line, n);
                if (startswith(l, prefix) && strstr(l + strlen(prefix), needle))
                        return true;
                line = end ? end + 1 : NULL;
        }
        return false;
}

/* Lines of out that report problems (warnings are not problems). */
static size_t count_problem_lines(const char *out) {
        size_t n = 0;
        for (const char *line = out; line && *line;) {
                const char *end = strchr(line, '\n');
                size_t len = end ? (size_t) (end - line) : strlen(line);
                _cleanup_free_ char *l = strndup(line, len);
                n += !strstr(l, ": warning: ");
                line = end ? end + 1 : NULL;
        }
        return n;
}

static size_t count_lines(const char *out) {
        size_t n = 0;
        for (const char *p = out; *p; p++)
                n += *p == '\n';
        return n;
}

#define V(ver) "'cdiVersion':'" ver "'"
#define KIND "'kind':'vendor.com/gpu'"
#define NODE "{'deviceNodes':[{'path':'/dev/x'}]}"
#define DEV(edits) "{'name':'gpu','containerEdits':" edits "}"
#define DEVS(...) "'devices':[" __VA_ARGS__ "]"
/* A valid spec of version ver with extra top-level members and one device with the given edits. */
#define SPEC_E(ver, extra, edits) "{" V(ver) "," KIND extra "," DEVS(DEV(edits)) "}"

static const struct bad_case {
        const char *spec;
        const char *field;   /* exact FIELD of the report */
        const char *problem; /* a substring of PROBLEM */
        int count;           /* problems expected in total */
} bad[] = {
        /* top level */
        { "{" KIND "," DEVS(DEV(NODE)) "}", "cdiVersion", "required field is missing", 1 },
        { "{" V("0.3.0") "," DEVS(DEV(NODE)) "}", "kind", "required field is missing", 1 },
        { "{" V("0.3.0") "," KIND "}", "devices", "required field is missing", 1 },
        { SPEC_E("0.3.0", ",'kindShort':['gpu']", NODE), "kindShort", "unknown field", 1 },
        { "[]", "(top level)", "must be an object, found an array", 1 },
        { SPEC_E("0.9.0", "", NODE), "cdiVersion", "unknown version \"0.9.0\"", 1 },
        { SPEC_E("0.2.0", "", NODE), "cdiVersion", "known versions: 0.3.0, 0.4.0, 0.5.0, 0.6.0, 0.7.0, 0.8.0, 1.0.0, 1.1.0", 1 },
        { "{'cdiVersion':3," KIND "," DEVS(DEV(NODE)) "}", "cdiVersion", "must be a string, found an integer", 1 },
        /* kind */
        { "{" V("0.3.0") ",'kind':'vendor.com'," DEVS(DEV(NODE)) "}", "kind", "not of the form vendor/class", 1 },
        { "{" V("0.3.0") ",'kind':'/gpu'," DEVS(DEV(NODE)) "}", "kind", "not of the form vendor/class", 1 },
        { "{" V("0.3.0") ",'kind':'vendor.com/'," DEVS(DEV(NODE)) "}", "kind", "not of the form vendor/class", 1 },
        { "{" V("0.3.0") ",'kind':'vendor.com/g'," DEVS(DEV(NODE)) "}", "kind", "one-character class \"g\": podman 4.3.1 panics", 1 },
        { "{" V("0.3.0") ",'kind':'v/gpu'," DEVS(DEV(NODE)) "}", "kind", "one-character vendor \"v\": podman 4.3.1 panics", 1 },
        { "{" V("0.3.0") ",'kind':'1vendor.com/gpu'," DEVS(DEV(NODE)) "}", "kind", "vendor \"1vendor.com\" must start with a letter", 1 },
        { "{" V("0.3.0") ",'kind':'vendor.com/2gpu'," DEVS(DEV(NODE)) "}", "kind", "class \"2gpu\" must start with a letter", 1 },
        { "{" V("0.3.0") ",'kind':'ven$dor.com/gpu'," DEVS(DEV(NODE)) "}", "kind", "contains '$'", 1 },
        { "{" V("0.3.0") ",'kind':'vendor.com/g:pu'," DEVS(DEV(NODE)) "}", "kind", "class \"g:pu\" contains ':'", 1 },
        { "{" V("0.3.0") ",'kind':'vendor.com/a/b'," DEVS(DEV(NODE)) "}", "kind", "contains '/'", 1 },
        { "{" V("0.3.0") ",'kind':'vendor-/gpu'," DEVS(DEV(NODE)) "}", "kind", "must end with a letter or digit", 1 },
        { "{" V("0.3.0") ",'kind':'vendor.com/gpu_'," DEVS(DEV(NODE)) "}", "kind", "must end with a letter or digit", 1 },
        { "{" V("0.5.0") ",'kind':'vendor.com/gpu.x'," DEVS(DEV(NODE)) "}", "kind", "needs cdiVersion 0.6.0, spec declares 0.5.0", 1 },
        { "{" V("0.3.0") ",'kind':7," DEVS(DEV(NODE)) "}", "kind", "must be a string", 1 },
        /* devices */
        { "{" V("0.3.0") "," KIND "," DEVS() "}", "devices", "at least one device", 1 },
        { "{" V("0.3.0") "," KIND ",'devices':{}}", "devices", "must be an array of device objects, found an object", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("'gpu'") "}", "devices[0]", "must be an object, found a string", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("{'containerEdits':" NODE "}") "}", "devices[0].name", "required field is missing", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("{'name':'-gpu','containerEdits':" NODE "}") "}", "devices[0].name",
          "device name \"-gpu\" must start with a letter or digit", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("{'name':'a b','containerEdits':" NODE "}") "}", "devices[0].name", "contains ' '", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("{'name':'ab.','containerEdits':" NODE "}") "}", "devices[0].name",
          "must end with a letter or digit", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("{'name':'','containerEdits':" NODE "}") "}", "devices[0].name", "is empty", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS(DEV(NODE) "," DEV(NODE)) "}", "devices[1].name",
          "duplicate device name \"gpu\" (also devices[0])", 1 },
        { "{" V("0.4.0") "," KIND "," DEVS("{'name':'0','containerEdits':" NODE "}") "}", "devices[0].name",
          "needs cdiVersion 0.5.0, spec declares 0.4.0", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("{'name':'gpu'}") "}", "devices[0].containerEdits", "required field is missing", 1 },
        { SPEC_E("0.3.0", "", "{}"), "devices[0].containerEdits", "empty containerEdits", 1 },
        { SPEC_E("0.3.0", "", "{'env':[],'deviceNodes':[]}"), "devices[0].containerEdits", "empty containerEdits", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("{'name':'gpu','nameShort':['g'],'containerEdits':" NODE "}") "}",
          "devices[0].nameShort", "unknown field", 1 },
        /* env */
        { SPEC_E("0.3.0", "", "{'env':['FOO']}"), "devices[0].containerEdits.env[0]", "must have the form NAME=VALUE", 1 },
        { SPEC_E("0.3.0", "", "{'env':['=x']}"), "devices[0].containerEdits.env[0]", "must have the form NAME=VALUE", 1 },
        { SPEC_E("0.3.0", "", "{'env':[1]}"), "devices[0].containerEdits.env[0]", "must be a string", 1 },
        { SPEC_E("0.3.0", "", "{'env':'A=B'}"), "devices[0].containerEdits.env", "must be an array", 2 /* + empty edits */ },
        /* deviceNodes */
        { SPEC_E("0.3.0", "", "{'deviceNodes':{}}"), "devices[0].containerEdits.deviceNodes", "must be an array", 2 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{}]}"), "devices[0].containerEdits.deviceNodes[0].path", "required field is missing", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'dev/x'}]}"), "devices[0].containerEdits.deviceNodes[0].path",
          "\"dev/x\" is not an absolute path", 1 },
        { SPEC_E("0.5.0", "", "{'deviceNodes':[{'path':'/dev/x','hostPath':'x'}]}"), "devices[0].containerEdits.deviceNodes[0].hostPath",
          "not an absolute path", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','hostPath':'/h/x'}]}"),
          "devices[0].containerEdits.deviceNodes[0].hostPath", "needs cdiVersion 0.5.0, spec declares 0.3.0", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','type':'x'}]}"), "devices[0].containerEdits.deviceNodes[0].type",
          "invalid device type \"x\"", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','major':'195'}]}"), "devices[0].containerEdits.deviceNodes[0].major",
          "must be an integer", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','minor':1.5}]}"), "devices[0].containerEdits.deviceNodes[0].minor",
          "must be an integer", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','uid':-1}]}"), "devices[0].containerEdits.deviceNodes[0].uid",
          "-1 is out of range", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','gid':4294967296}]}"), "devices[0].containerEdits.deviceNodes[0].gid",
          "4294967296 is out of range", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','fileMode':'0666'}]}"),
          "devices[0].containerEdits.deviceNodes[0].fileMode", "must be an integer", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','permissions':'rwx'}]}"),
          "devices[0].containerEdits.deviceNodes[0].permissions", "invalid permissions \"rwx\"", 1 },
        { SPEC_E("0.3.0", "", "{'deviceNodes':[{'path':'/dev/x','containerPath':'/dev/x'}]}"),
          "devices[0].containerEdits.deviceNodes[0].containerPath", "unknown field", 1 },
        /* mounts */
        { SPEC_E("0.3.0", "", "{'mounts':[{'containerPath':'/x'}]}"), "devices[0].containerEdits.mounts[0].hostPath",
          "required field is missing", 1 },
        { SPEC_E("0.3.0", "", "{'mounts':[{'hostPath':'/x'}]}"), "devices[0].containerEdits.mounts[0].containerPath",
          "required field is missing", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS(DEV(NODE) ",{'name':'b','containerEdits':{'mounts':[{'hostPath':'/x','containerPath':'x'}]}}") "}",
          "devices[1].containerEdits.mounts[0].containerPath", "\"x\" is not an absolute path", 1 },
        { SPEC_E("0.3.0", "", "{'mounts':[{'hostPath':'lib/x','containerPath':'/x'}]}"), "devices[0].containerEdits.mounts[0].hostPath",
          "a bind mount's source must start with '/'", 1 },
        { SPEC_E("0.4.0", "", "{'mounts':[{'hostPath':'lib/x','containerPath':'/x','type':'bind'}]}"),
          "devices[0].containerEdits.mounts[0].hostPath", "a bind mount's source must start with '/'", 1 },
        { SPEC_E("0.3.0", "", "{'mounts':[{'hostPath':'/x','containerPath':'/x','type':'bind'}]}"),
          "devices[0].containerEdits.mounts[0].type", "needs cdiVersion 0.4.0, spec declares 0.3.0", 1 },
        { SPEC_E("0.3.0", "", "{'mounts':[{'hostPath':'/x','containerPath':'/x','options':'ro'}]}"),
          "devices[0].containerEdits.mounts[0].options", "must be an array of strings", 1 },
        { SPEC_E("0.3.0", "", "{'mounts':[{'hostPath':'/x','containerPath':'/x','options':['ro',1]}]}"),
          "devices[0].containerEdits.mounts[0].options[1]", "must be a string", 1 },
        { "{" V("0.3.0") "," KIND ",'containerEdits':{'mounts':[{'hostPath':'/x','containerPath':'/x','opts':[]}]}," DEVS(DEV(NODE)) "}",
          "containerEdits.mounts[0].opts", "unknown field", 1 },
        /* hooks */
        { SPEC_E("0.3.0", "", "{'hooks':[{'path':'/bin/h'}]}"), "devices[0].containerEdits.hooks[0].hookName", "required field is missing", 1 },
        { SPEC_E("0.3.0", "", "{'hooks':[{'hookName':'prestart'}]}"), "devices[0].containerEdits.hooks[0].path", "required field is missing", 1 },
        { SPEC_E("0.3.0", "", "{'hooks':[{'hookName':'preStart','path':'/bin/h'}]}"), "devices[0].containerEdits.hooks[0].hookName",
          "unknown hook stage \"preStart\"", 1 },
        { SPEC_E("0.3.0", "", "{'hooks':[{'hookName':'prestart','path':'bin/h'}]}"), "devices[0].containerEdits.hooks[0].path",
          "not an absolute path", 1 },
        { SPEC_E("0.3.0", "", "{'hooks':[{'hookName':'prestart','path':'/bin/h','env':['PATH']}]}"),
          "devices[0].containerEdits.hooks[0].env[0]", "NAME=VALUE", 1 },
        { SPEC_E("0.3.0", "", "{'hooks':[{'hookName':'prestart','path':'/bin/h','args':'h'}]}"),
          "devices[0].containerEdits.hooks[0].args", "must be an array of strings", 1 },
        { SPEC_E("0.3.0", "", "{'hooks':[{'hookName':'prestart','path':'/bin/h','timeout':0}]}"),
          "devices[0].containerEdits.hooks[0].timeout", "must be greater than zero", 1 },
        { SPEC_E("0.3.0", "", "{'hooks':[{'hookName':'prestart','path':'/bin/h','timeout':-5}]}"),
          "devices[0].containerEdits.hooks[0].timeout", "out of range", 1 },
        { "{" V("0.3.0") "," KIND ",'containerEdits':{'hooks':[{'hookName':'poststop','path':'/bin/h','name':'x'}]}," DEVS(DEV(NODE)) "}",
          "containerEdits.hooks[0].name", "unknown field", 1 },
        /* containerEdits */
        { "{" V("0.3.0") "," KIND ",'containerEdits':[]," DEVS(DEV(NODE)) "}", "containerEdits", "must be an object, found an array", 1 },
        { "{" V("0.3.0") "," KIND ",'containerEdits':{'devices':[]}," DEVS(DEV(NODE)) "}", "containerEdits.devices", "unknown field", 1 },
        /* annotations, intelRdt, additionalGids, netDevices */
        { SPEC_E("0.6.0", ",'annotations':{'a':1}", NODE), "annotations.a", "must be a string", 1 },
        { SPEC_E("0.6.0", ",'annotations':{'':'x'}", NODE), "annotations.", "must not be empty", 1 },
        { SPEC_E("0.6.0", ",'annotations':['a']", NODE), "annotations", "must be an object of string values", 1 },
        { SPEC_E("0.5.0", ",'annotations':{'a':'b'}", NODE), "annotations", "needs cdiVersion 0.6.0, spec declares 0.5.0", 1 },
        { "{" V("0.3.0") "," KIND "," DEVS("{'name':'gpu','annotations':{'a':'b'},'containerEdits':" NODE "}") "}",
          "devices[0].annotations", "needs cdiVersion 0.6.0, spec declares 0.3.0", 1 },
        { "{" V("0.6.0") "," KIND ",'containerEdits':{'intelRdt':{'closID':'c'}}," DEVS(DEV(NODE)) "}",
          "containerEdits.intelRdt", "needs cdiVersion 0.7.0, spec declares 0.6.0", 1 },
        { SPEC_E("0.7.0", "", "{'intelRdt':{'closID':'../x'}}"), "devices[0].containerEdits.intelRdt.closID", "not a valid CLOS name", 1 },
        { SPEC_E("1.1.0", "", "{'intelRdt':{'enableMonitoring':'yes'}}"), "devices[0].containerEdits.intelRdt.enableMonitoring",
          "must be true or false", 1 },
        { SPEC_E("0.7.0", "", "{'intelRdt':{'schemata':['L3:0=f']}}"), "devices[0].containerEdits.intelRdt.schemata",
          "needs cdiVersion 1.1.0, spec declares 0.7.0", 1 },
        { SPEC_E("0.7.0", "", "{'intelRdt':{'clos':'x'}}"), "devices[0].containerEdits.intelRdt.clos", "unknown field", 1 },
        { SPEC_E("0.7.0", "", "{'additionalGids':[-1]}"), "devices[0].containerEdits.additionalGids[0]", "-1 is out of range", 1 },
        { SPEC_E("0.7.0", "", "{'additionalGids':['video']}"), "devices[0].containerEdits.additionalGids[0]", "must be an integer", 1 },
        { SPEC_E("0.6.0", "", "{'additionalGids':[44]}"), "devices[0].containerEdits.additionalGids",
          "needs cdiVersion 0.7.0, spec declares 0.6.0", 1 },
        { SPEC_E("1.0.0", "", "{'netDevices':[{'hostInterfaceName':'eth0','name':'eth1'}]}"), "devices[0].containerEdits.netDevices",
          "needs cdiVersion 1.1.0, spec declares 1.0.0", 1 },
        { SPEC_E("1.1.0", "", "{'netDevices':[{'name':'eth1'}]}"), "devices[0].containerEdits.netDevices[0].hostInterfaceName",
          "required field is missing", 1 },
        { SPEC_E("1.1.0", "", "{'netDevices':[{'hostInterfaceName':'eth0','name':'averyveryverylongname'}]}"),
          "devices[0].containerEdits.netDevices[0].name", "not a valid network interface name", 1 },
        { SPEC_E("1.1.0", "", "{'netDevices':[{'hostInterfaceName':'a/b','name':'eth1'}]}"),
          "devices[0].containerEdits.netDevices[0].hostInterfaceName", "not a valid network interface name", 1 },
};

static void test_bad_inline(void) {
        for (size_t i = 0; i < ELEMENTSOF(bad); i++) {
                _cleanup_free_ char *out = NULL;
                int n = validate_text(bad[i].spec, &out);
                _cleanup_free_ char *prefix = NULL;
                if (asprintf(&prefix, "t.json: %s: ", bad[i].field) < 0)
                        abort();
                bool pass = n == bad[i].count && (size_t) n == count_problem_lines(out) && has_line(out, prefix, bad[i].problem);
                if (!ok(pass, "refused at %s: %s (%d problem%s)", bad[i].field, bad[i].problem, bad[i].count,
                        bad[i].count == 1 ? "" : "s")) {
                        tap_diag("spec: %s", bad[i].spec);
                        tap_diag("got %d problems:", n);
                        diag_block(out);
                }
        }
}

static const struct good_case {
        const char *desc;
        const char *spec;
        const char *warning; /* substring of the expected warning line, NULL if none */
} good[] = {
        { "a generator-like 0.5.0 spec",
          "{'cdiVersion':'0.5.0','kind':'nvidia.com/gpu','devices':["
          "{'name':'0','containerEdits':{'deviceNodes':[{'path':'/dev/nvidia0','hostPath':'/dev/nvidia0','type':'c',"
          "'major':195,'minor':0,'permissions':'rw','fileMode':8630,'uid':0,'gid':44}]}},"
          "{'name':'GPU-4a5e7d8b-1c2d-3e4f-5a6b-7c8d9e0f1a2b','containerEdits':{'deviceNodes':[{'path':'/dev/nvidia0'}]}},"
          "{'name':'0000:00:06.0','containerEdits':{'deviceNodes':[{'path':'/dev/nvidia0'}]}},"
          "{'name':'all','containerEdits':{'deviceNodes':[{'path':'/dev/nvidia0'}]}}],"
          "'containerEdits':{'env':['NVIDIA_VISIBLE_DEVICES=void','EMPTY='],"
          "'deviceNodes':[{'path':'/dev/nvidiactl'}],"
          "'mounts':[{'hostPath':'/usr/lib/libcuda.so.580','containerPath':'/run/opengl-driver/lib/libcuda.so.1',"
          "'options':['ro','nosuid','nodev','bind']}],"
          "'hooks':[{'hookName':'prestart','path':'/usr/libexec/gpucdi/gpucdi-hook','args':['gpucdi-hook','prestart'],"
          "'env':['GPUCDI_HOOK=1'],'timeout':5}]}}",
          NULL },
        { "a tmpfs mount names its source without a path",
          "{'cdiVersion':'0.4.0','kind':'vendor.com/gpu','devices':[{'name':'a','containerEdits':"
          "{'mounts':[{'hostPath':'tmpfs','containerPath':'/scratch','type':'tmpfs','options':['size=1m']}]}}]}",
          NULL },
        { "every hook stage",
          "{'cdiVersion':'0.3.0','kind':'vendor.com/gpu','devices':[{'name':'a','containerEdits':{'hooks':["
          "{'hookName':'prestart','path':'/h'},{'hookName':'createRuntime','path':'/h'},"
          "{'hookName':'createContainer','path':'/h'},{'hookName':'startContainer','path':'/h'},"
          "{'hookName':'poststart','path':'/h'},{'hookName':'poststop','path':'/h'}]}}]}",
          NULL },
        { "device type \"\" and every valid type",
          "{'cdiVersion':'0.3.0','kind':'vendor.com/gpu','devices':[{'name':'a','containerEdits':{'deviceNodes':["
          "{'path':'/a','type':''},{'path':'/b','type':'b'},{'path':'/c','type':'c'},{'path':'/u','type':'u'},"
          "{'path':'/p','type':'p'}]}}]}",
          NULL },
        { "a two-character class and vendor",
          "{'cdiVersion':'0.3.0','kind':'ab/cd','devices':[{'name':'x','containerEdits':{'env':['A=1']}}]}",
          NULL },
        { "a device with only intelRdt",
          "{'cdiVersion':'0.7.0','kind':'vendor.com/rdt','devices':[{'name':'x','containerEdits':{'intelRdt':{'closID':'c1'}}}]}",
          "needs 0.7.0 because of intelRdt" },
        { "0.6.0 with base content (warned: podman 4.3 refuses it)",
          "{'cdiVersion':'0.6.0','kind':'vendor.com/gpu','devices':[{'name':'x','containerEdits':{'env':['A=1']}}]}",
          "podman 4.3 refuses cdiVersion 0.6.0 (\"invalid version\"); this content needs only 0.3.0: declare that" },
        { "a dotted class at 0.6.0",
          "{'cdiVersion':'0.6.0','kind':'vendor.com/gpu.x','devices':[{'name':'x','containerEdits':{'env':['A=1']}}]}",
          "needs 0.6.0 because of a '.' in the kind's class" },
        { "everything at 1.1.0",
          "{'cdiVersion':'1.1.0','kind':'vendor.com/gpu','annotations':{'a':'b'},'devices':[{'name':'x',"
          "'annotations':{'c':'d'},'containerEdits':{'intelRdt':{'closID':'c','l3CacheSchema':'L3:0=f','memBwSchema':'MB:0=50',"
          "'schemata':['L3:0=f'],'enableMonitoring':true},'additionalGids':[44,0],"
          "'netDevices':[{'hostInterfaceName':'eth0','name':'net1'}]}}]}",
          "needs 1.1.0 because of intelRdt.schemata" },
};

static void test_good_inline(void) {
        for (size_t i = 0; i < ELEMENTSOF(good); i++) {
                _cleanup_free_ char *out = NULL;
                int n = validate_text(good[i].spec, &out);
                bool pass = n == 0 && (good[i].warning ? count_lines(out) == 1 && has_line(out, "t.json: cdiVersion: warning: ", good[i].warning)
                                                       : streq(out, ""));
                if (!ok(pass, "accepted: %s", good[i].desc)) {
                        tap_diag("got %d problems:", n);
                        diag_block(out);
                }
        }
}

static int write_tmp(const char *dir, const char *name, const char *content, char **ret_path) {
        char *path;
        if (asprintf(&path, "%s/%s", dir, name) < 0)
                return -ENOMEM;
        FILE *f = fopen(path, "we");
        if (!f) {
                free(path);
                return -errno;
        }
        fputs(content, f);
        fclose(f);
        *ret_path = path;
        return 0;
}

static int validate_path(const char *path, char **ret_out) {
        char *buf = NULL;
        size_t len = 0;
        FILE *out = open_memstream(&buf, &len);
        if (!out)
                abort();
        int n = cdi_validate_file(path, out);
        fclose(out);
        *ret_out = buf;
        return n;
}

static void test_files(void) {
        char dir[] = "/tmp/test-validate-XXXXXX";
        if (!mkdtemp(dir)) {
                ok(false, "mkdtemp: %m");
                return;
        }
        static const struct {
                const char *name;
                const char *content;
                const char *field;
                const char *problem;
        } cases[] = {
                { "empty.json", "", "(file)", "the file is empty" },
                { "blank.json", " \n\t\n", "(file)", "the file is empty" },
                { "syntax.json", "{\n  \"cdiVersion\": \"0.3.0\",\n  \"kind\": ,\n}\n", "3:11", "invalid JSON" },
                { "truncated.json", "{\n  \"cdiVersion\": \"0.3.0\",\n  \"kind\": \"a.com/b\"", "3:19", "invalid JSON: '}' expected near end of file" },
                { "duplicate.json", "{\"kind\": \"a.com/b\", \"kind\": \"a.com/c\"}", "1:26", "duplicate object key near '\"kind\"'" },
                { "scalar.json", "42", "1:2", "invalid JSON" },
                { "trailing.json", "{} {}", "1:4", "invalid JSON" },
                { "object.json", "{}", "cdiVersion", "required field is missing" },
        };
        for (size_t i = 0; i < ELEMENTSOF(cases); i++) {
                _cleanup_free_ char *path = NULL, *out = NULL, *prefix = NULL;
                if (write_tmp(dir, cases[i].name, cases[i].content, &path) < 0) {
                        ok(false, "write %s", cases[i].name);
                        continue;
                }
                int n = validate_path(path, &out);
                if (asprintf(&prefix, "%s: %s: ", path, cases[i].field) < 0)
                        abort();
                if (!ok(n > 0 && has_line(out, prefix, cases[i].problem), "file %s: reported at %s: %s", cases[i].name,
                        cases[i].field, cases[i].problem)) {
                        tap_diag("got %d problems:", n);
                        diag_block(out);
                }
                unlink(path);
        }

        _cleanup_free_ char *missing = NULL, *out = NULL, *prefix = NULL;
        if (asprintf(&missing, "%s/missing.json", dir) < 0 || asprintf(&prefix, "%s: (file): ", missing) < 0)
                abort();
        int n = validate_path(missing, &out);
        ok(n == -ENOENT && has_line(out, prefix, "cannot read: No such file or directory"),
           "a missing file is reported and returns -ENOENT (%d)", n);

        _cleanup_free_ char *out2 = NULL, *prefix2 = NULL;
        if (asprintf(&prefix2, "%s: (file): ", dir) < 0)
                abort();
        n = validate_path(dir, &out2);
        ok(n == -EISDIR && has_line(out2, prefix2, "cannot read"), "a directory is reported and returns -EISDIR (%d)", n);

        _cleanup_free_ char *path = NULL;
        if (write_tmp(dir, "quiet.json", "{}", &path) == 0) {
                ok(cdi_validate_file(path, NULL) == 3, "out may be NULL: {} counts 3 problems");
                unlink(path);
        }
        rmdir(dir);
}

static bool is_json_file(const struct dirent *de) {
        size_t n = strlen(de->d_name);
        return de->d_name[0] != '.' && n > 5 && streq(de->d_name + n - 5, ".json");
}

static int cmp_str(const void *a, const void *b) {
        return strcmp(*(char *const *) a, *(char *const *) b);
}

static void test_reference_dir(const char *schema_dir, const char *kind, bool want_valid) {
        _cleanup_free_ char *dir = NULL;
        if (asprintf(&dir, "%s/testdata/%s", schema_dir, kind) < 0)
                abort();
        DIR *d = opendir(dir);
        if (!d) {
                tap_skip("tests/reference not found", "reference testdata %s", dir);
                return;
        }
        char *names[256];
        size_t n = 0;
        struct dirent *de;
        while ((de = readdir(d)) && n < ELEMENTSOF(names))
                if (is_json_file(de))
                        names[n++] = strdup(de->d_name);
        closedir(d);
        qsort(names, n, sizeof *names, cmp_str);
        ok(n > 0, "reference testdata/%s has %zu spec files", kind, n);
        for (size_t i = 0; i < n; i++) {
                _cleanup_free_ char *path = NULL, *out = NULL;
                if (asprintf(&path, "%s/%s", dir, names[i]) < 0)
                        abort();
                int r = validate_path(path, &out);
                bool pass = want_valid ? r == 0 : r > 0;
                if (!ok(pass, "reference %s/%s is %s (%d problems)", kind, names[i], want_valid ? "accepted" : "refused", r))
                        diag_block(out);
                free(names[i]);
        }
}

int main(int argc, char *argv[]) {
        test_bad_inline();
        test_good_inline();
        test_files();
        const char *schema_dir = argc > 1 ? argv[1] : "tests/reference/cdi-schema";
        test_reference_dir(schema_dir, "good", true);
        test_reference_dir(schema_dir, "bad", false);
        return tap_done();
}
