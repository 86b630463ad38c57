#!/usr/bin/env python3
"""sxcd's OpenAPI document from its generic part and the features' fragments.

openapi_merge.py OUT BASE [FRAGMENT...]: each fragment (a feature's kinds:
their specs' schemas under components.schemas) is merged into BASE, object
by object; a key two of them define other than as objects is an error, so
a fragment never overrides what another says. A fragment's "x-sxcd-kinds"
({"KIND": {"order": N, "one": true?}}: its kinds, as they register in sxcd
with that compile order) is taken out, and every "enum" of the document
that says "x-sxcd-kinds" becomes the kinds in their order ("-many": those
of many intents, without a path of their own), so the base names none;
sxcd checks at load that they are the kinds it has. Standard library only.
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


def fill(o, lists):
    if isinstance(o, dict):
        for k, v in o.items():
            if k == "enum" and isinstance(v, str):
                if v not in lists:
                    sys.exit("openapi_merge: unknown enum placeholder %s" % v)
                o[k] = lists[v]
            else:
                fill(v, lists)
    elif isinstance(o, list):
        for v in o:
            fill(v, lists)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: openapi_merge.py OUT BASE [FRAGMENT...]")
    load = lambda p: json.load(open(p), object_pairs_hook=collections.OrderedDict)
    doc = load(sys.argv[2])
    kinds = {}
    for p in sys.argv[3:]:
        frag = load(p)
        for k, v in frag.pop("x-sxcd-kinds", {}).items():
            if k in kinds:
                sys.exit("openapi_merge: %s: kind %s is defined already" % (p, k))
            kinds[k] = v
        merge(doc, frag, "", p)
    order = sorted(kinds, key=lambda k: kinds[k]["order"])
    fill(doc, {"x-sxcd-kinds": order,
               "x-sxcd-kinds-many": [k for k in order if not kinds[k].get("one")]})
    with open(sys.argv[1], "w") as f:
        f.write(json.dumps(doc, indent=2, ensure_ascii=False) + "\n")


main()
