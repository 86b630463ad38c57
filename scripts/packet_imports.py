#!/usr/bin/env python3
"""packet_imports.py [DIR]: no packet test file imports another.

DIR (default tests/packet) holds the packet tier: its test files (test_*.py,
each run by run.sh on its own) and its library (every other .py: sxdptest,
sxcdtest, the topologies, ...; tests/README.md). What two test files share
lives in the library; a test file that imports another runs that file's
module-level code (its environment, its exits) and ties the two together.
So no .py of DIR may import a test_* module: `import test_x`, `from test_x
import ...`, `importlib.import_module("test_x")` or `__import__("test_x")`,
at the top or inside a function. Prints each one found (file:line); exit 1 if
any. Standard library only.
"""
import ast
import os
import sys

DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..", "tests", "packet")


def test_module(name):
    """Whether the dotted module name @name is a test file's (its first part test_*)."""
    return bool(name) and name.split(".")[0].startswith("test_")


def imports_of(path):
    """(line, module) of every import of a test_* module in the Python file @path."""
    with open(path, encoding="utf-8") as f:
        tree = ast.parse(f.read(), path)
    out = []
    for n in ast.walk(tree):
        if isinstance(n, ast.Import):
            out += [(n.lineno, a.name) for a in n.names if test_module(a.name)]
        elif isinstance(n, ast.ImportFrom):
            if test_module(n.module):
                out.append((n.lineno, n.module))
            elif not n.module:   # from . import test_x
                out += [(n.lineno, a.name) for a in n.names if test_module(a.name)]
        elif isinstance(n, ast.Call) and n.args and isinstance(n.args[0], ast.Constant) and \
                isinstance(n.args[0].value, str) and test_module(n.args[0].value):
            f = n.func
            name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else ""
            if name in ("import_module", "__import__"):
                out.append((n.lineno, n.args[0].value))
    return out


def main():
    bad = 0
    files = sorted(f for f in os.listdir(DIR) if f.endswith(".py"))
    for f in files:
        for line, mod in imports_of(os.path.join(DIR, f)):
            print("%s:%d: imports %s, a test file: what test files share goes in the library "
                  "(tests/README.md)" % (os.path.join(DIR, f), line, mod))
            bad += 1
    if not any(f.startswith("test_") for f in files):
        print("%s: no test_*.py here" % DIR)
        bad += 1
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
