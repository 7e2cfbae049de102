#!/usr/bin/python3
"""Checks a udev rules file the way udev parses it (udev(7)): KEY{attr}OP"value" pairs joined by
commas, known keys and operators, GOTO targets that have a LABEL, RUN programs with absolute paths
(udev runs them without a useful PATH). Prints FILE:LINE: PROBLEM, exits 1 if there are any."""
import re
import sys

MATCH_KEYS = {"ACTION", "DEVPATH", "KERNEL", "KERNELS", "NAME", "SYMLINK", "SUBSYSTEM", "SUBSYSTEMS",
              "DRIVER", "DRIVERS", "ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TAG", "TAGS", "TEST",
              "PROGRAM", "RESULT"}
ASSIGN_KEYS = {"NAME", "SYMLINK", "OWNER", "GROUP", "MODE", "SECLABEL", "ATTR", "SYSCTL", "ENV", "TAG",
               "RUN", "LABEL", "GOTO", "IMPORT", "OPTIONS"}
WITH_ATTR = {"ATTR", "ATTRS", "SYSCTL", "ENV", "CONST", "TEST", "RUN", "IMPORT", "SECLABEL"}
PAIR = re.compile(r'\s*([A-Z]+)(\{([^}]*)\})?\s*(==|!=|\+=|-=|:=|=)\s*"((?:[^"\\]|\\.)*)"\s*(,|$)')


def check(path):
    problems = []
    labels, gotos = set(), []
    text = open(path).read().replace("\\\n", "")
    for lineno, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        pos = 0
        while pos < len(line):
            m = PAIR.match(line, pos)
            if not m:
                problems.append(f"{path}:{lineno}: cannot parse at '{line[pos:].strip()}'")
                break
            key, attr, op, value = m.group(1), m.group(3), m.group(4), m.group(5)
            is_match = op in ("==", "!=")
            if key not in (MATCH_KEYS if is_match else ASSIGN_KEYS):
                problems.append(f"{path}:{lineno}: unknown {'match' if is_match else 'assignment'} key {key}")
            if attr is not None and key not in WITH_ATTR:
                problems.append(f"{path}:{lineno}: {key} takes no {{attribute}}")
            if key == "LABEL":
                labels.add(value)
            if key == "GOTO":
                gotos.append((lineno, value))
            if key == "RUN" and attr in (None, "program") and not value.startswith("/"):
                problems.append(f"{path}:{lineno}: RUN program '{value.split()[0]}' is not an absolute path")
            pos = m.end()
    for lineno, target in gotos:
        if target not in labels:
            problems.append(f"{path}:{lineno}: GOTO=\"{target}\" has no LABEL")
    return problems


def main():
    problems = [p for f in sys.argv[1:] for p in check(f)]
    for p in problems:
        print(p)
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
