#!/usr/bin/env python3
"""include_circles.py [ROOT]: the circles of modules the C sources' includes make.

A module is a .c/.h pair (or a lone file) under dataplane/, pipelines/,
control/, gtp/ and proto/; `#include "x.h"` is an edge to the module of the x.h of
that name (names are unique in the tree; a system header is none). A circle
(A uses B, B uses A, through any chain) means two modules are one in
truth: the house rule is none. It also checks that no file of dataplane/
includes one of pipelines/. Prints what it finds; exit 1 if anything.
Standard library only.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
DIRS = ("dataplane", "pipelines", "control", "gtp", "proto")
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)


def main():
    files = {}
    for d in DIRS:
        for top, _, names in os.walk(os.path.join(ROOT, d)):
            for n in names:
                if n.endswith((".c", ".h")):
                    files.setdefault(n, []).append(os.path.relpath(os.path.join(top, n), ROOT))
    module = lambda path: os.path.splitext(path)[0]
    edges, bad = {}, []
    for name, paths in files.items():
        for path in paths:
            src = open(os.path.join(ROOT, path), encoding="utf-8", errors="replace").read()
            for inc in INC.findall(src):
                to = files.get(os.path.basename(inc))
                if not to:
                    continue
                if len(to) > 1:
                    bad.append("%s: %s names %d files" % (path, inc, len(to)))
                dst = to[0]
                if path.startswith("dataplane/") and dst.startswith("pipelines/"):
                    bad.append("%s includes a feature's %s" % (path, dst))
                if module(dst) != module(path):
                    edges.setdefault(module(path), set()).add(module(dst))
    # strongly connected components (Tarjan), iteratively
    index, low, on, stack, sccs, n = {}, {}, set(), [], [], [0]
    for start in sorted(edges):
        if start in index:
            continue
        work = [(start, iter(sorted(edges.get(start, ()))))]
        index[start] = low[start] = n[0]; n[0] += 1; stack.append(start); on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = n[0]; n[0] += 1; stack.append(w); on.add(w)
                    work.append((w, iter(sorted(edges.get(w, ())))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    c = []
                    while True:
                        w = stack.pop(); on.discard(w); c.append(w)
                        if w == v:
                            break
                    if len(c) > 1:
                        sccs.append(sorted(c))
    for c in sccs:
        bad.append("circle: " + " <-> ".join(c))
    for b in bad:
        print(b)
    print("%d modules, %d circles" % (len(edges), len(sccs)))
    return 1 if bad else 0


sys.exit(main())
