"""config.json as runc reads it: object keys matched the way Go's encoding/json matches them, duplicate
keys, numbers and bytes kept exactly as written (so a bundle rewritten by a test is the bundle runc and
the hook would get)."""

import json


class Raw(str):
    """A JSON number kept as written (2^64-1, 1e400 and 1.0 must reach runc unchanged)."""


class Obj(list):
    """A JSON object as its (key, value) pairs: duplicates and order kept."""


def parse(data):
    return json.loads(data.decode("utf-8", "surrogateescape"), object_pairs_hook=Obj, parse_int=Raw,
                      parse_float=Raw, parse_constant=Raw)


def dump(v):
    if isinstance(v, Obj):
        return "{" + ",".join(json.dumps(k, ensure_ascii=False) + ":" + dump(x) for k, x in v) + "}"
    if isinstance(v, list):
        return "[" + ",".join(dump(x) for x in v) + "]"
    if isinstance(v, Raw):
        return str(v)
    return json.dumps(v, ensure_ascii=False)


def fold(k):
    """Go encoding/json's key match: simple case folding (ſ is s, the Kelvin sign is k)."""
    return k.replace("ſ", "s").replace("\u212a", "k").lower()


def get(obj, key):
    return [v for k, v in obj if fold(k) == key] if isinstance(obj, Obj) else []


def first(obj, *path):
    for key in path:
        vals = get(obj, key)
        if not vals:
            return None
        obj = vals[-1]
    return obj


def drop(obj, key):
    obj[:] = [(k, v) for k, v in obj if fold(k) != key]


def put(obj, key, value):
    """Replace every spelling of key by one value."""
    for i, (k, v) in enumerate(obj):
        if fold(k) == key:
            obj[i] = (k, value)
            return
    obj.append((key, value))
