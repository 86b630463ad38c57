#!/usr/bin/env python3
"""include_circles.py [ROOT]: the circles of modules the C sources' includes make.

A module is a .c/.h pair (or a lone file) under dataplane/, pipelines/,
control/, gtp/ and proto/; `#include "x.h"` is an edge to the module of the x.h of
that name (names are unique in the tree; a system header is none). A circle
(A uses B, B uses A, through any chain) means two modules are one in
truth: the house rule is none. It also checks that no file of dataplane/
includes one of pipelines/, that a file of dataplane/ or of control/
includes only headers of its own room or of rooms below it (DP_ROOMS,
ROOMS), and that a feature's parts include of control/ only the rooms they
are given (FEATURE_ROOMS). Prints what it finds; exit 1 if anything.
Standard library only.
"""
import os
import re
import sys

ROOT = sys.argv[1] if len(sys.argv) > 1 else os.path.join(os.path.dirname(__file__), "..")
DIRS = ("dataplane", "pipelines", "control", "gtp", "proto")
INC = re.compile(r'^\s*#\s*include\s+"([^"]+)"', re.M)
# dataplane/'s rooms (dataplane/README.md), bottom up: a file includes only
# headers of its own room and of the rooms before it. "" is dataplane/
# itself: sxdp.c, which puts the rest together.
DP_ROOMS = ("lib", "table", "base", "pkt", "parse", "xdp", "port", "graph", "ctl", "")
# control/'s rooms (control/meson.build), each chain bottom up: a room
# includes only headers of its own and of the rooms before it in a chain
ROOMS = (("base", "client", "intent", "sxctl"),
         ("base", "client", "intent", "sxcd/plug", "sxcd/compile", "sxcd/store", "sxcd/sync",
          "sxcd/view", "sxcd/fleet", "sxcd/http", "sxcd"))
# what a feature's parts (pipelines/<f>/<part>/...) see of control/: its
# sxcd kinds and PFCP the plug and what lies under it that has no sxcd
# state, its sxctl commands sxctl's
FEATURE_ROOMS = {"control": ("base", "intent", "sxcd/plug"),
                 "pfcp": ("base", "intent", "sxcd/plug"),
                 "cli": ("base", "client", "intent", "sxctl")}


def room(path):
    """The room of a file of control/ ("sxcd/plug"), None elsewhere."""
    return os.path.dirname(path)[len("control/"):] if path.startswith("control/") else None


def dp_room(path):
    """The room of a file of dataplane/ ("graph"; "" for dataplane/ itself), None elsewhere."""
    return os.path.dirname(path)[len("dataplane/"):] if path.startswith("dataplane/") else None


def dp_room_check(path, dst):
    """Why @path (of dataplane/) may not include @dst by the rooms' order, or None."""
    here, to = dp_room(path), dp_room(dst)
    if here is None or to is None:
        return None
    for r in (here, to):
        if r not in DP_ROOMS:
            return "%s is in no room of dataplane/ (include_circles.py's DP_ROOMS)" % (path if r == here else dst)
    if DP_ROOMS.index(to) <= DP_ROOMS.index(here):
        return None
    return "%s includes %s: room %s is not below room %s" % (path, dst, to or "dataplane/", here or "dataplane/")


def room_check(path, dst):
    """Why @path may not include @dst by the rooms' order, or None."""
    to = room(dst)
    if to is None:
        return None
    here = room(path)
    if here is not None:
        if not any(here in c for c in ROOMS):
            return "%s is in no room of control/ (include_circles.py's ROOMS)" % path
        if any(here in c and to in c and c.index(to) <= c.index(here) for c in ROOMS):
            return None
        return "%s includes %s: room %s is not below room %s" % (path, dst, to, here)
    parts = path.split("/")
    if parts[0] == "pipelines" and len(parts) > 3 and parts[2] in FEATURE_ROOMS:
        if to not in FEATURE_ROOMS[parts[2]]:
            return "%s includes %s: a feature's %s/ sees of control/ only %s" % (
                path, dst, parts[2], ", ".join(FEATURE_ROOMS[parts[2]]))
    return None


def main():
    files = {}
    for d in DIRS:
        for top, _, names in os.walk(os.path.join(ROOT, d)):
            for n in names:
                if n.endswith((".c", ".h", ".def", ".inc")):
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
                for why in (room_check(path, dst), dp_room_check(path, dst)):
                    if why:
                        bad.append(why)
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
