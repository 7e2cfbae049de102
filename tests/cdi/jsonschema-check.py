#!/usr/bin/python3
"""Validate CDI spec files against the CDI JSON schema with python3-jsonschema.

Usage: jsonschema-check.py SCHEMA_DIR FILE...

SCHEMA_DIR holds schema.json and the defs.json it refers to. Every problem is printed as
"FILE: FIELD: PROBLEM" (FIELD a JSON path such as devices[0].containerEdits); the exit status is 0
when every file is valid, 1 when some file is not, 2 on usage errors or an unusable schema.

This is an independent second opinion on what `gpucdi validate` accepts: it shares no code with it.
"""

import json
import pathlib
import sys


def field_path(parts):
    out = ""
    for p in parts:
        if isinstance(p, int):
            out += "[%d]" % p
        else:
            out += ("." if out else "") + str(p)
    return out or "(top level)"


def make_validator(schema_dir):
    import jsonschema

    base = schema_dir.resolve().as_uri() + "/"
    schema = json.loads((schema_dir / "schema.json").read_text())
    defs = json.loads((schema_dir / "defs.json").read_text())
    schema = dict(schema, **{"$id": base + "schema.json"})
    try:
        # jsonschema >= 4.18 resolves references through a registry.
        from referencing import Registry, Resource
        from referencing.jsonschema import DRAFT7

        registry = Registry().with_resources([
            (base + "defs.json", Resource.from_contents(defs, default_specification=DRAFT7)),
        ])
        return jsonschema.Draft7Validator(schema, registry=registry)
    except ImportError:
        # Debian 12's jsonschema 4.10 has only the RefResolver.
        resolver = jsonschema.RefResolver(base_uri=base + "schema.json", referrer=schema,
                                          store={base + "defs.json": defs, base + "schema.json": schema})
        return jsonschema.Draft7Validator(schema, resolver=resolver)


def check(validator, path):
    """Returns the problems of one file as (field, message) pairs."""
    try:
        text = pathlib.Path(path).read_text()
    except (OSError, UnicodeDecodeError) as e:
        return [("(file)", "cannot read: %s" % (e.strerror if isinstance(e, OSError) else e))]
    if not text.strip():
        return [("(file)", "the file is empty")]
    try:
        doc = json.loads(text)
    except json.JSONDecodeError as e:
        return [("%d:%d" % (e.lineno, e.colno), "invalid JSON: %s" % e.msg)]
    errors = sorted(validator.iter_errors(doc), key=lambda e: [str(p) for p in e.absolute_path])
    return [(field_path(e.absolute_path), e.message) for e in errors]


def main(argv):
    if len(argv) < 3:
        print("usage: jsonschema-check.py SCHEMA_DIR FILE...", file=sys.stderr)
        return 2
    schema_dir = pathlib.Path(argv[1])
    try:
        validator = make_validator(schema_dir)
    except ImportError:
        print("jsonschema-check: python3-jsonschema is not installed (apt-get install python3-jsonschema)",
              file=sys.stderr)
        return 2
    except (OSError, ValueError) as e:
        print("jsonschema-check: cannot load the schema from %s: %s" % (schema_dir, e), file=sys.stderr)
        return 2
    status = 0
    for path in argv[2:]:
        for field, message in check(validator, path):
            print("%s: %s: %s" % (path, field, message))
            status = 1
    return status


if __name__ == "__main__":
    sys.exit(main(sys.argv))
