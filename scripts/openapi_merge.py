#!/usr/bin/env python3
"""sxcd's OpenAPI document from its generic part and the features' fragments.

openapi_merge.py OUT BASE [FRAGMENT...]: each fragment (a feature's kinds:
their specs' schemas under components.schemas) is merged into BASE, object
by object; a key two of them define other than as objects is an error, so
a fragment never overrides what another says. Standard library only.
"""
import collections
import json
import sys


def merge(into, frag, where, src):
    for k, v in frag.items():
        if k in into and isinstance(into[k], dict) and isinstance(v, dict):
            merge(into[k], v, where + "/" + k, src)
        elif k in into:
            sys.exit("openapi_merge: %s: %s/%s is defined already" % (src, where, k))
        else:
            into[k] = v


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: openapi_merge.py OUT BASE [FRAGMENT...]")
    load = lambda p: json.load(open(p), object_pairs_hook=collections.OrderedDict)
    doc = load(sys.argv[2])
    for p in sys.argv[3:]:
        merge(doc, load(p), "", p)
    with open(sys.argv[1], "w") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


main()
