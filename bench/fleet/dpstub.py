#!/usr/bin/python3
"""A stand-in for the dataplane side of many simulated sites: one asyncio
process serving N unix sockets, each answering sxcd as one sxdp would, so a
hundred sxcd can run on a small machine without a hundred sxdp (each a
DPDK process with its own memory and a worker lcore).

  dpstub.py --schema SCHEMA.json --dir DIR --n N

--size TABLE=N sets a table's size as sxdp's config.table_sizes would.
SCHEMA.json is what a real sxdp of this build answered once (fleetlib's
capture_schema: sys.hello, pipeline.describe, port.list, stats.get,
graph.stats): the tables, their sizes and fields, the ports, are this
build's. Socket i is DIR/dp<i>.sock (1..N).

What each socket does, as sxcd needs it (control/sxcd/sync/cd_sync.c, cd_write.c,
ctl_async.c, pipelines/overlay/control/ov_health.c):
  - sys.hello: the recorded answer with a boot id of its own (sxcd's
    keepalive calls it every second);
  - pipeline.describe: the recorded tables, with this socket's entry
    counts; port.list, stats.get, graph.stats: the recorded answers;
  - table.write: insert / modify / delete into an in-memory table per
    (socket, table), keyed by the match (and priority) as sxcd sends it
    (canonical: cd_tables.c): exists / not_found / table_full (the table's
    size from describe) / no such table, dataplane-atomic and rollback
    all-or-nothing, continue applying what it can; the result as sxdp's
    (generation, committed, applied, failed, results);
  - table.read: pages of what was written (offset, limit, next_offset),
    hits 0;
  - overlay.paths: every `paths` entry, state up (no probes are sent);
    overlay.active: every `policies` entry, its first path in use;
    overlay.events: an empty ring (the topology view, which each box's
    fleet report reads every 1.5 s, calls these three);
What it does not do: forward or look at packets, probe paths, check
params against the schema's types or ranges, run sxdp's cross-table checks
(a switch guard, derived tables), "expect" compare-and-set, table.clear,
ageing, or any feature method but overlay.paths (anything else answers
-32601, as sxdp answers an unknown method). Its memory is its own (RSS of
this process, printed apart), not a model of sxdp's.
"""
import argparse
import asyncio
import json
import os
import signal
import sys
import uuid


class Box:
    def __init__(self, schema, i):
        self.i = i
        self.schema = schema
        self.boot_id = str(uuid.uuid4())
        self.gen = 0
        self.tables = {}      # name -> {key: entry (dict)}
        self.order = {}       # name -> list of keys (read order), None: rebuild
        self.calls = 0
        self.writes = 0

    def tab(self, name):
        t = self.tables.get(name)
        if t is None:
            t = self.tables[name] = {}
        return t

    @staticmethod
    def key(u):
        return json.dumps(u.get("match"), sort_keys=True, separators=(",", ":")) + \
            ("/%s" % u["priority"] if "priority" in u else "")

    def write(self, p):
        ups = p.get("updates") or []
        mode = p.get("atomicity", "rollback")
        res = []
        sizes = self.schema["sizes"]
        counts = {}
        for u in ups:
            t, typ = u.get("table"), u.get("type")
            if t not in sizes:
                return None, {"code": -32602, "message": "no table %s" % t,
                              "data": {"reason": "not_found", "pointer": "/updates"}}
            rows = self.tab(t)
            k = self.key(u)
            n = counts.get(t, len(rows))
            if typ == "insert":
                bad = "exists" if k in rows else ("table_full" if n >= sizes[t] else None)
                if bad is None:
                    counts[t] = n + 1
            elif typ in ("modify", "delete"):
                bad = None if k in rows else "not_found"
                if bad is None and typ == "delete":
                    counts[t] = n - 1
            else:
                bad = "bad_value"
            res.append(bad)
        failed = sum(1 for r in res if r)
        apply_ok = failed == 0 or mode == "continue"
        out = []
        for i, (u, r) in enumerate(zip(ups, res)):
            if r is None and not apply_ok:
                r = "not_applied"
            if r is not None:
                out.append({"ok": False, "error": {"code": -32001, "message": r,
                                                   "data": {"reason": r, "pointer": "/updates/%d" % i}}})
                continue
            t, rows, k = u["table"], self.tab(u["table"]), self.key(u)
            if u["type"] == "delete":
                del rows[k]
            else:
                e = {"match": u.get("match"), "action": u.get("action"), "params": u.get("params") or {}}
                if "priority" in u:
                    e["priority"] = u["priority"]
                rows[k] = e
            self.order[t] = None
            out.append({"ok": True})
        applied = sum(1 for o in out if o["ok"])
        if applied:
            self.gen += 1
            self.writes += applied
        return {"generation": self.gen, "committed": applied > 0, "applied": applied,
                "failed": len(ups) - applied, "results": out}, None

    def read(self, p):
        t = p.get("table")
        if t not in self.schema["sizes"]:
            return None, {"code": -32602, "message": "no table %s" % t,
                          "data": {"reason": "not_found", "pointer": "/table"}}
        rows = self.tab(t)
        if self.order.get(t) is None:
            self.order[t] = list(rows)
        keys = self.order[t]
        off, lim = int(p.get("offset", 0)), int(p.get("limit", 1000))
        ents = []
        for k in keys[off:off + lim]:
            e = dict(rows[k])
            e["hits"] = 0
            ents.append(e)
        nxt = off + lim if off + lim < len(keys) else None
        return {"table": t, "total": len(keys), "offset": off, "entries": ents, "next_offset": nxt}, None

    def describe(self):
        d = json.loads(self.schema["describe_text"])
        for t in d.get("tables", []):
            t["entries"] = len(self.tables.get(t.get("name"), ()))
        return d

    def paths(self):
        out = []
        for e in self.tables.get("paths", {}).values():
            if e["action"] == "none":
                continue
            pid = next(iter(e["match"].values()))
            out.append({"id": pid, "probe": e["action"], "src": e["params"].get("src", "0.0.0.0"),
                        "dst": e["params"].get("dst", "0.0.0.0"), "state": "up", "since_ms": 0,
                        "rtt_us": 0, "jitter_us": 0, "loss_pm": 0, "packets": 0, "bytes": 0,
                        "probes_sent": 0, "probes_answered": 0, "probes_lost": 0, "probes_late": 0,
                        "downs": 0, "ups": 0})
        return out

    def active(self):
        # every policy's pick: its paths as written, all in use (every path is up here)
        out = []
        for e in self.tables.get("policies", {}).values():
            m, prm = e["match"], e.get("params") or {}
            paths = [prm[k] for k in ("p0", "p1", "p2", "p3") if prm.get(k)]
            out.append({"tunnel": m.get("tunnel", 0), "class": m.get("class", 0), "mode": e["action"],
                        "paths": paths, "active": paths[:1], "unmet": False})
        return out

    def call(self, m, p):
        self.calls += 1
        if m == "sys.hello":
            r = dict(self.schema["answers"]["sys.hello"])
            r["boot_id"] = self.boot_id
            r["generation"] = self.gen
            return r, None
        if m == "table.write":
            return self.write(p or {})
        if m == "table.read":
            return self.read(p or {})
        if m == "pipeline.describe":
            return self.describe(), None
        if m == "overlay.paths":
            return self.paths(), None
        if m == "overlay.active":
            return self.active(), None
        if m == "overlay.events":
            return {"capacity": 256, "next_seq": 0, "lost": 0, "events": []}, None
        if m in self.schema["answers"]:
            return self.schema["answers"][m], None
        return None, {"code": -32601, "message": "no method %s" % m}


async def serve(box, reader, writer):
    try:
        while True:
            line = await reader.readline()
            if not line:
                break
            try:
                msg = json.loads(line)
            except ValueError:
                continue
            r, e = box.call(msg.get("method"), msg.get("params"))
            ans = {"jsonrpc": "2.0", "id": msg.get("id")}
            if e is not None:
                ans["error"] = e
            else:
                ans["result"] = r
            writer.write(json.dumps(ans, separators=(",", ":")).encode() + b"\n")
            await writer.drain()
    except (ConnectionError, asyncio.IncompleteReadError):
        pass
    finally:
        writer.close()


def load_schema(path):
    s = json.load(open(path))
    s["sizes"] = {t["name"]: t["size"] for t in s["answers"]["pipeline.describe"]["tables"]}
    s["describe_text"] = json.dumps(s["answers"]["pipeline.describe"])
    return s


async def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--schema", required=True)
    ap.add_argument("--dir", required=True)
    ap.add_argument("--n", type=int, required=True)
    ap.add_argument("--first", type=int, default=1)
    ap.add_argument("--size", action="append", default=[],
                    help="TABLE=N: a table's size as sxdp's config.table_sizes would make it")
    a = ap.parse_args()
    schema = load_schema(a.schema)
    for kv in a.size:
        t, n = kv.split("=")
        if t not in schema["sizes"]:
            raise SystemExit("no table %s" % t)
        schema["sizes"][t] = int(n)
        d = json.loads(schema["describe_text"])
        for x in d["tables"]:
            if x["name"] == t:
                x["size"] = int(n)
        schema["describe_text"] = json.dumps(d)
    boxes = []
    for i in range(a.first, a.first + a.n):
        b = Box(schema, i)
        path = os.path.join(a.dir, "dp%d.sock" % i)
        if os.path.exists(path):
            os.unlink(path)
        await asyncio.start_unix_server(lambda r, w, b=b: serve(b, r, w), path=path, limit=1 << 26)
        boxes.append(b)

    def report(*_):
        tot = sum(sum(len(t) for t in b.tables.values()) for b in boxes)
        sys.stdout.write(json.dumps({"boxes": len(boxes), "entries": tot,
                                     "writes": sum(b.writes for b in boxes),
                                     "calls": sum(b.calls for b in boxes),
                                     "per_box": [{t: len(r) for t, r in b.tables.items() if r}
                                                 for b in boxes[:1]]}) + "\n")
        sys.stdout.flush()
    loop = asyncio.get_running_loop()
    loop.add_signal_handler(signal.SIGUSR1, report)
    stop = asyncio.Event()
    loop.add_signal_handler(signal.SIGTERM, stop.set)
    loop.add_signal_handler(signal.SIGINT, stop.set)
    sys.stdout.write("ready %d\n" % len(boxes))
    sys.stdout.flush()
    await stop.wait()


if __name__ == "__main__":
    asyncio.run(main())
