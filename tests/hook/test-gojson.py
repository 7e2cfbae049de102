#!/usr/bin/env python3
"""Differential test of the hook's JSON reader (hook/gojson.c) against Python's json module,
which implements the same RFC 8259 grammar. Where Go's encoding/json (what runc uses) differs
from Python, Python's result is adjusted to Go's rule: every invalid UTF-8 byte and every lone
UTF-16 surrogate becomes U+FFFD, nesting beyond 10000 levels is an error, NaN/Infinity are not
JSON. Inputs: hand-picked edge cases and random mutations of valid documents.

    test-gojson.py GOJSON-DUMP"""

import json
import os
import random
import struct
import subprocess
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import hooktest  # noqa: E402

t = hooktest.Tap()


def go_string(s):
    """A Python string decoded with surrogateescape, as Go would have it: U+FFFD for each
    escaped byte and each lone surrogate."""
    out = []
    for ch in s:
        out.append("\ufffd" if 0xd800 <= ord(ch) <= 0xdfff else ch)
    return "".join(out).encode("utf-8")


def expected(doc):
    def reject(_):
        raise ValueError("not JSON")
    try:
        text = doc.decode("utf-8", "surrogateescape")
        v = json.loads(text, parse_int=lambda s: ("N", s), parse_float=lambda s: ("N", s),
                       parse_constant=reject, object_pairs_hook=lambda pairs: ("O", pairs))
    except (ValueError, RecursionError):
        return "ERR"
    out = []

    def walk(x):
        if isinstance(x, tuple) and x[0] == "O":
            out.append(f"O{len(x[1])}")
            for k, val in x[1]:
                out.append("K" + go_string(k).hex())
                walk(val)
        elif isinstance(x, tuple) and x[0] == "N":
            out.append("N" + x[1])
        elif isinstance(x, list):
            out.append(f"A{len(x)}")
            for val in x:
                walk(val)
        elif isinstance(x, str):
            out.append("S" + go_string(x).hex())
        elif x is True:
            out.append("T")
        elif x is False:
            out.append("F")
        elif x is None:
            out.append("Z")
    walk(v)
    return " ".join(out)


def run(dump, docs):
    data = b"".join(struct.pack("<I", len(d)) + d for d in docs)
    p = subprocess.run([dump], input=data, capture_output=True, check=True)
    return [line.strip() for line in p.stdout.decode().split("\n")[:len(docs)]]


EDGE = [
    b'{"a":18446744073709551615,"b":1e400,"c":-0,"d":1.5E+3,"e":-1.0e-7}', b'{"a":01}', b'{"a":1.}', b'{"a":.5}',
    b'{"a":+1}', b'[1,]', b'{"a":1,}', b'[tru]', b'[nul]', b'[-]', b'[1e]', b'[1e+]', b'["\x01"]', b'["\x7f"]',
    b'["\\x"]', b'["\\u12"]', b'["\\u12G4"]', b'["\\ud800"]', b'["\\udc00\\ud800x"]', b'["\\ud83d\\ude00"]',
    b'["\\ud83d\\u0041"]', b'["\xff"]', b'["\xed\xa0\x80"]', b'["\xc0\x80"]', b'["\xe2\x82"]', b'["\xf4\x90\x80\x80"]',
    b'{"\xff":1}', b'{"a":1,"a":2,"A":3}', b' \t\r\n[ ] \n', b'[]\x0c', b'\xef\xbb\xbf[]', b'', b' ', b'{} {}',
    b'"s"', b'1', b'null', b'[NaN]', b'[Infinity]', b'["\\u0000"]', b'{"k":"\\/\\b\\f\\n\\r\\t\\"\\\\"}',
    b"[" * 500 + b"]" * 500, b'{"a":[{"b":[{"c":{}}]}]}', b'[1 2]', b'{"a" 1}', b'{1:2}', b"['a']",
]


def mutate(rng, doc):
    b = bytearray(doc)
    for _ in range(rng.randint(1, 3)):
        op = rng.randrange(4)
        pos = rng.randrange(len(b) + 1)
        if op == 0 and b:
            del b[min(pos, len(b) - 1)]
        elif op == 1:
            b[pos:pos] = bytes([rng.choice(b'{}[],:"\\ -+.eE0123456789tfnu\x00\x1f\x7f\xc3\xa9\xff\xed\xa0')])
        elif op == 2 and b:
            b[min(pos, len(b) - 1)] = rng.randrange(256)
        else:
            b[pos:pos] = rng.choice([b'"\\ud800"', b'1e999', b'-0.0', b'[]', b'{}', b'"\\u017f"', b'null', b','])
    return bytes(b)


def main():
    dump = sys.argv[1]
    got = run(dump, EDGE)
    for doc, g in zip(EDGE, got):
        want = expected(doc)
        t.ok(g == want, f"edge case {doc[:40]!r}", f"hook: {g[:300]}\npython/Go: {want[:300]}")
    # Depth: Go allows 10000 levels, not 10001 (Python's recursion limit is lower: not compared).
    deep = run(dump, [b"[" * 10000 + b"]" * 10000, b"[" * 10001 + b"]" * 10001])
    t.ok(deep[0].startswith("A1 A1") and deep[1] == "ERR", "nesting: 10000 levels accepted, 10001 refused",
         f"{deep[0][:40]} / {deep[1][:40]}")
    rng = random.Random(9)
    base = [open(os.path.join(hooktest.CORPUS, n), "rb").read() for n in ("gpu0-default.json", "many.json")]
    base += [json.dumps({"a": [1, -2.5e3, "x\u00e9\U0001f600", None, True, False, {"b": {}}]}).encode()]
    docs = []
    for _ in range(3000):
        d = rng.choice(base)
        if len(d) > 4000:
            start = rng.randrange(len(d) - 2000)
            d = d[:start] + mutate(rng, d[start:start + 200]) + d[start + 200:]
        else:
            d = mutate(rng, d)
        docs.append(d)
    got = run(dump, docs)
    bad = [(d, g, expected(d)) for d, g in zip(docs, got) if g != expected(d)]
    accepted = sum(1 for g in got if g != "ERR")
    t.ok(not bad, f"3000 random mutations agree ({accepted} valid, {3000 - accepted} invalid)",
         "\n".join(f"{d[:120]!r}\nhook: {g[:200]}\nwant: {w[:200]}" for d, g, w in bad[:3]))
    return t.done()


if __name__ == "__main__":
    sys.exit(main())
