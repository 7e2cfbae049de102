#!/usr/bin/python3
"""TAP test of jsonschema-check.py against the vendored CDI schema and testdata.

Usage: test-jsonschema-check.py CHECKER SCHEMA_DIR
"""

import os
import subprocess
import sys
import tempfile

sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), ".."))
from taplib import Tap  # noqa: E402

PYTHON = sys.executable  # the interpreter meson found (find_program)


def run(checker, *args):
    p = subprocess.run([PYTHON, checker] + list(args), capture_output=True, text=True)
    return p.returncode, p.stdout, p.stderr


GENERATED_LIKE = """{
  "cdiVersion": "0.5.0",
  "kind": "nvidia.com/gpu",
  "devices": [
    {"name": "0", "containerEdits": {"deviceNodes": [{"path": "/dev/nvidia0", "hostPath": "/dev/nvidia0"}],
     "hooks": [{"hookName": "prestart", "path": "/usr/libexec/gpucdi/gpucdi-hook",
                "args": ["gpucdi-hook", "prestart", "--cdi-device", "nvidia.com/gpu=0"], "env": ["GPUCDI_HOOK=1"]}]}}
  ],
  "containerEdits": {
    "deviceNodes": [{"path": "/dev/nvidiactl"}],
    "mounts": [{"hostPath": "/usr/lib/libcuda.so.1", "containerPath": "/run/opengl-driver/lib/libcuda.so.1",
                "options": ["ro", "nosuid", "nodev", "bind"]}]
  }
}
"""

# (file content, FIELD the problem is reported at, a substring of the message)
INVALID = [
    ('{"kind": "a.com/b", "devices": []}', "(top level)", "'cdiVersion' is a required property"),
    ('{"cdiVersion": 3, "kind": "a.com/b", "devices": []}', "cdiVersion", "is not of type 'string'"),
    ('{"cdiVersion": "0.3.0", "kind": "a.com/b", "devices": [{"name": "x"}]}', "devices[0]",
     "'containerEdits' is a required property"),
    ('{"cdiVersion": "0.3.0", "kind": "a.com/b", "devices": [{"name": "x", "containerEdits": '
     '{"deviceNodes": [{"hostPath": "/dev/x"}]}}]}', "devices[0].containerEdits.deviceNodes[0]",
     "'path' is a required property"),
    ('{"cdiVersion": "0.3.0", "kind": "a.com/b", "devices": [{"name": "x", "containerEdits": '
     '{"deviceNodes": [{"path": "/dev/x", "gid": -1}]}}]}', "devices[0].containerEdits.deviceNodes[0].gid",
     "less than the minimum of 0"),
    ('{"cdiVersion": "0.3.0", "kind": "a.com/b", "devices": [], "containerEdits": '
     '{"hooks": [{"path": "/bin/h"}]}}', "containerEdits.hooks[0]", "'hookName' is a required property"),
    ('{"cdiVersion": "0.6.0", "kind": "a.com/b", "annotations": {"a": 1}, "devices": []}', "annotations.a",
     "is not of type 'string'"),
    ('{"cdiVersion": "0.3.0", "kind": "a.com/b", "devices": [{"name": "x", "containerEdits": '
     '{"mounts": [{"hostPath": "/a", "containerPath": "/a", "options": "ro"}]}}]}',
     "devices[0].containerEdits.mounts[0].options", "is not of type 'array'"),
    ('{"cdiVersion": "0.3.0",\n "kind": }', "2:10", "invalid JSON"),
]


def main(argv):
    checker, schema_dir = argv[1], argv[2]
    t = Tap()
    if not os.path.isfile(os.path.join(schema_dir, "schema.json")):
        t.skip("the checker against the CDI schema", "CDI schema not found at %s (tests/reference)" % schema_dir)
        return t.done()
    if not os.path.exists(PYTHON):
        t.skip("the checker against the CDI schema", "%s not found" % PYTHON)
        return t.done()
    probe = subprocess.run([PYTHON, "-c", "import jsonschema"], capture_output=True, text=True)
    t.ok(probe.returncode == 0, "%s has python3-jsonschema" % PYTHON, probe.stderr)

    for kind, want_valid in (("good", True), ("bad", False)):
        d = os.path.join(schema_dir, "testdata", kind)
        files = sorted(f for f in os.listdir(d) if f.endswith(".json"))
        t.ok(len(files) > 0, "testdata/%s has spec files" % kind)
        for f in files:
            path = os.path.join(d, f)
            rc, out, err = run(checker, schema_dir, path)
            if want_valid:
                t.ok(rc == 0 and out == "", "testdata/good/%s is valid" % f, out + err)
            else:
                t.ok(rc == 1 and out.startswith(path + ": "), "testdata/bad/%s is invalid and reported" % f, out + err)

    with tempfile.TemporaryDirectory() as tmp:
        good = os.path.join(tmp, "generated-like.json")
        with open(good, "w") as fh:
            fh.write(GENERATED_LIKE)
        rc, out, err = run(checker, schema_dir, good)
        t.ok(rc == 0 and out == "", "a generated-like spec is valid", out + err)

        for i, (content, field, needle) in enumerate(INVALID):
            path = os.path.join(tmp, "bad%d.json" % i)
            with open(path, "w") as fh:
                fh.write(content)
            rc, out, err = run(checker, schema_dir, path)
            prefix = "%s: %s: " % (path, field)
            hit = any(line.startswith(prefix) and needle in line for line in out.splitlines())
            t.ok(rc == 1 and hit, "invalid spec reported at %s: %s" % (field, needle), out + err)

        rc, out, err = run(checker, schema_dir, good, os.path.join(tmp, "bad0.json"))
        t.ok(rc == 1 and good not in out and "bad0.json" in out, "several files: only the invalid one is reported",
           out + err)

        rc, out, err = run(checker, schema_dir, os.path.join(tmp, "missing.json"))
        t.ok(rc == 1 and "(file): cannot read" in out, "a missing file is reported", out + err)

        rc, out, err = run(checker, tmp, good)
        t.ok(rc == 2 and "cannot load the schema" in err, "a directory without the schema is a usage error", out + err)

    rc, out, err = run(checker)
    t.ok(rc == 2 and "usage:" in err, "no arguments print usage and exit 2", out + err)

    return t.done()


if __name__ == "__main__":
    sys.exit(main(sys.argv))
