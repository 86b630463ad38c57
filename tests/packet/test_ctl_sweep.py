#!/usr/bin/python3
"""Control-socket sweep against a real sxdp (switch pipeline): every method
rpc.discover lists gets the bad params its own declaration implies (each
member of each wrong type, out of range, not in its enum or format, naming
nothing, left out when required, unknown; each update member where its type
does not take it), generated from the schema; numbers as text mean one
thing; batch results say what happened. Each bad request must get a
JSON-RPC error with the data.reason and data.pointer the schema predicts
and change nothing (tables, generation); sxdp must still answer and exit 0
at the end. The schema the build writes (tests/sxdp-api.json) must be the
one sxdp serves.

    /usr/bin/python3 tests/packet/test_ctl_sweep.py [NAME-SUBSTRING ...]
"""

import json
import os
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import sxdptest as T  # noqa: E402
from sxdptest import Sxdp, expect, expect_eq  # noqa: E402

R = T.Runner()
U = Sxdp.update

def new_switch():
    # ports up from the start: port.set's template (admin up, mtu 1500) then
    # names the state they are in, so a valid probe changes nothing
    return Sxdp({"p0": [], "p1": []}, pipeline="switch", mem_mb=512, admin_down=False)


def entries(dp, table):
    """A table's entries without their counters, in a stable order."""
    out, off = [], 0
    while off is not None:
        r = dp.rpc("table.read", {"table": table, "offset": off, "limit": 1000})
        out += [json.dumps({k: v for k, v in e.items() if k not in ("hits", "idle_s")}, sort_keys=True)
                for e in r["entries"]]
        off = r["next_offset"]
    return sorted(out)


def state(dp):
    """What a refused request must not change."""
    tables = {}
    for t in dp.rpc("pipeline.describe")["tables"]:
        tables[t["name"]] = (t["entries"], t["default_action"], t.get("ageing"), entries(dp, t["name"]))
    ports = [(p["admin"], p["mtu"]) for p in dp.rpc("port.list")["ports"]]
    return dp.rpc("sys.hello")["generation"], tables, ports


def expect_error(dp, method, params, reason, pointer, what):
    r = dp.rpc_raw(method, params)
    expect("error" in r, "%s: %s %s was accepted: %s" % (what, method, params, r.get("result")))
    e = r["error"]
    data = e.get("data") or {}
    expect(e.get("message"), "%s: no message" % what)
    if reason is not None:
        expect_eq(data.get("reason"), reason, "%s: reason of %s %s (%s)" % (what, method, params, e))
    if pointer is not None:
        expect_eq(data.get("pointer"), pointer, "%s: pointer of %s %s (%s)" % (what, method, params, e))
    return e


@R.test
def test_every_method_refuses_bad_params():
    with new_switch() as dp:
        api = dp.api
        methods = dp.rpc("rpc.discover")["methods"]
        # table.write's template is a request sxdp takes; with its entry in
        # place, every request built from it below changes nothing even
        # where it is valid (an insert of an existing entry)
        tmpl = [m for m in methods if m["name"] == "table.write"][0]["params"]
        r = dp.rpc("table.write", tmpl)
        expect_eq((r["committed"], r["applied"]), (True, 1), "table.write template as a request")
        before = state(dp)
        expect(len(methods) >= 12, "rpc.discover lists %d methods" % len(methods))
        checked, kinds = 0, set()
        for m in methods:
            name, tmpl = m["name"], m.get("params") or {}
            props = m["params_schema"].get("properties", {})
            expect(m["params_schema"].get("additionalProperties") is False,
                   "%s takes members it does not declare" % name)
            expect(api.check_params(name, tmpl) is None,
                   "%s: its template %s is refused by its own schema: %s" % (name, tmpl, api.check_params(name, tmpl)))
            # an unknown member is refused wherever it is
            expect_error(dp, name, dict(tmpl, bogus=1), "unknown_field", "/bogus", "extra param")
            checked += 1
            for params, reason, pointer in api.bad_params(name):
                # what the schema predicts, sxdp says
                predicted = api.check_params(name, params)
                expect_eq(predicted and predicted[:2], (reason, pointer),
                          "%s %s: the schema's own prediction" % (name, json.dumps(params)[:200]))
                expect_error(dp, name, params, reason, pointer, "declared refusal")
                kinds.add(reason)
                checked += 1
            for k in props:
                # a required param left out is refused; an optional one is not
                # needed (and the request, built on the template, changes nothing)
                rest = {x: y for x, y in tmpl.items() if x != k}
                r = dp.rpc_raw(name, rest)
                if k in m["params_schema"].get("required", []):
                    expect_eq(("error" in r) and (r["error"]["data"]["reason"], r["error"]["data"]["pointer"]),
                              ("missing_field", "/" + k), "%s without %s: %s" % (name, k, r.get("error")))
                    checked += 1
                else:
                    expect("result" in r, "%s without optional %s refused: %s" % (name, k, r.get("error")))
            # params that are not an object
            expect_error(dp, name, [1, 2], None, None, "array params")
        expect_eq(kinds >= {"unknown_field", "missing_field", "wrong_type", "out_of_range", "bad_value",
                            "not_found"}, True, "kinds of refusal swept: %s" % sorted(kinds))
        expect_eq(state(dp), before, "state after %d refused requests" % checked)
        print("#   %d methods, %d refused requests, nothing changed" % (len(methods), checked))
        dp.stop()


@R.test
def test_schema_file_is_what_sxdp_serves():
    """The build's tests/sxdp-api.json (from the declarations alone) holds
    the methods, params and results sxdp serves; only the names this box
    holds (x-known) and its templates differ."""
    def strip(v):
        if isinstance(v, dict):
            return {k: strip(x) for k, x in v.items() if k != "x-known"}
        if isinstance(v, list):
            return [strip(x) for x in v]
        return v
    path = os.path.join(T.build_dir(), "tests", "sxdp-api.json")
    expect(os.path.exists(path), "%s is missing: build it (ninja -C %s)" % (path, T.build_dir()))
    built = T.ApiSchema.load(path)
    with new_switch() as dp:
        live = dp.api
        # the file is the core's; a feature in use adds its own methods
        # (named after it), which rpc.discover describes
        feats = {f["name"] for f in dp.rpc("pipeline.describe")["features"]}
        core = {n: m for n, m in live.methods.items() if n.split(".")[0] not in feats}
        expect_eq(sorted(built.methods), sorted(core), "methods in %s" % path)
        for name, m in core.items():
            b = built.methods[name]
            expect_eq(strip(b["params_schema"]), strip(m["params_schema"]), "%s params" % name)
            expect_eq(strip(b["result"]), strip(m["result"]), "%s result" % name)
            expect_eq(b["description"], m["description"], "%s description" % name)
            expect_eq(sorted(b["params"]), sorted(m["params"]), "%s template members" % name)
        # the file says which names a box must hold; sxdp lists the ones it holds
        port = live.param("port.set", "port")
        expect_eq(port["x-known"], ["p0", "p1"], "port names sxdp lists")
        expect("x-known" not in built.param("port.set", "port"), "a schema file lists no box's ports")
        dp.stop()


@R.test
def test_numbers_are_decimal():
    with new_switch() as dp:
        before = state(dp)
        for bad, reason in (("010", "bad_value"), ("0x11", "bad_value"), ("\t53", "bad_value"),
                            (" 53", "bad_value"), ("+5", "bad_value"), ("1e3", "bad_value"),
                            (-5, "out_of_range"), (70000, "out_of_range"), ("70000", "out_of_range")):
            r = dp.rpc_raw("table.write", {"updates": [
                U("interfaces", {"in_port": "p0", "vlan": bad}, "attach", {"slice": 1, "bd": 10})]})
            expect("error" in r, "vlan %r accepted" % (bad,))
            expect_eq((r["error"]["data"]["reason"], r["error"]["data"]["pointer"]),
                      (reason, "/updates/0/match/vlan"), "vlan %r" % (bad,))
        for bad in ("10.0.0.0/010", "10.0.0.0/08", "10.0.0.0/+8", "10.0.0.0/ 8", "10.0.0.0/33"):
            r = dp.rpc_raw("table.write", {"updates": [U("routes", {"vrf": 1, "dst": bad}, "drop")]})
            expect("error" in r and r["error"]["data"]["reason"] == "bad_value", "prefix %r: %s" % (bad, r))
        for bad in ("01", "1 ", "0x1"):
            expect_error(dp, "port.stats", {"port": bad}, "not_found", "/port", "port %r" % bad)
        expect_error(dp, "port.stats", {"port": 7}, "not_found", "/port", "port index 7")
        expect_eq(state(dp), before, "state after refused numbers")
        # what is accepted means what it says: "10" and 10 are both ten
        dp.table_write([U("interfaces", {"in_port": "p0", "vlan": "10"}, "attach", {"slice": 1, "bd": "10"}),
                        U("interfaces", {"in_port": "1", "vlan": 0}, "attach", {"slice": 1, "bd": 10})])
        ents = sorted((e["match"]["in_port"], e["match"]["vlan"], e["params"]["bd"])
                      for e in dp.table_read("interfaces")[0])
        expect_eq(ents, [("p0", 10, 10), ("p1", 0, 10)], "entries written with decimal strings")
        dp.stop()


@R.test
def test_results_do_not_mislead():
    with new_switch() as dp:
        gen = dp.rpc("sys.hello")["generation"]
        ok = U("interfaces", {"in_port": "p0", "vlan": 5}, "attach", {"slice": 1, "bd": 10})
        dp.table_write([ok])
        # a continue batch where every update fails committed nothing
        r = dp.rpc("table.write", {"atomicity": "continue", "updates": [ok, {"type": "delete", "table": "fdb", "match": {"bd": 1, "mac": "02:00:00:00:00:01"}}]})
        expect_eq((r["committed"], r["applied"], r["failed"]), (False, 0, 2), "all-failed continue batch")
        errs = [x["error"] for x in r["results"]]
        expect_eq([e["data"]["reason"] for e in errs], ["exists", "not_found"], "per-update reasons")
        for e in errs:
            expect("File exists" not in e["message"] and "No such file" not in e["message"],
                   "per-update message is strerror text: %s" % e["message"])
        expect_eq(dp.rpc("sys.hello")["generation"], gen + 1, "generation after a batch that changed nothing")
        # a continue batch with one good update committed it
        r = dp.rpc("table.write", {"atomicity": "continue", "updates": [ok, dict(ok, match={"in_port": "p1", "vlan": 5})]})
        expect_eq((r["committed"], r["applied"], r["failed"]), (True, 1, 1), "half-good continue batch")
        # rollback: nothing
        r = dp.rpc("table.write", {"atomicity": "rollback", "updates": [dict(ok, match={"in_port": "p1", "vlan": 6}), ok]})
        expect_eq((r["committed"], r["applied"], [x.get("ok") or x["error"]["data"]["reason"] for x in r["results"]]),
                  (False, 0, ["not_applied", "exists"]), "rollback batch with a failure")
        # limit 0 is refused rather than paging forever
        expect_error(dp, "table.read", {"table": "interfaces", "limit": 0}, "out_of_range", "/limit", "limit 0")
        # idle_timeout_s 0: ageing off, and the answer says so
        r = dp.rpc("table.config", {"table": "fdb", "idle_timeout_s": 0})
        expect_eq(r.get("ageing"), False, "idle_timeout_s 0 answer")
        # the templates rpc.discover offers are valid requests here
        for m in dp.rpc("rpc.discover")["methods"]:
            if m["name"] == "table.write":
                upd = m["params"]["updates"][0]
                expect("priority" not in upd or dp.rpc("pipeline.describe", {"table": upd["table"]})
                       ["tables"][0]["kind"] == "ternary", "table.write template offers priority: %s" % upd)
        dp.stop()


@R.test
def test_batches_and_after():
    with new_switch() as dp:
        before = state(dp)
        # JSON-RPC batches: a mix of good, bad and notifications
        reqs = [{"jsonrpc": "2.0", "id": 1, "method": "sys.hello"},
                {"jsonrpc": "2.0", "id": 2, "method": "no.such"},
                {"jsonrpc": "2.0", "id": 3, "method": "table.read", "params": {"table": "fdb", "limit": 0}},
                {"jsonrpc": "2.0", "method": "sys.hello"},
                {"jsonrpc": "2.0", "id": 4, "method": "port.set", "params": {"port": "p0"}},
                5]
        c = dp.rpcc
        c.sock.sendall(json.dumps(reqs).encode() + b"\n")
        while b"\n" not in c.buf:
            c.buf += c.sock.recv(1 << 20)
        line, c.buf = c.buf.split(b"\n", 1)
        resp = json.loads(line)
        expect(isinstance(resp, list) and len(resp) == 5, "batch answered with %s" % line[:300])
        by_id = {r.get("id"): r for r in resp}
        expect("result" in by_id[1], "hello in a batch")
        expect_eq(by_id[2]["error"]["code"], -32601, "unknown method in a batch")
        expect_eq(by_id[3]["error"]["data"]["reason"], "out_of_range", "limit 0 in a batch")
        expect_eq(by_id[4]["error"]["data"]["reason"], "missing_field", "port.set with nothing to set")
        expect_eq(by_id[None]["error"]["code"], -32600, "a number as a request")
        expect_eq(state(dp), before, "state after the batch")
        expect(dp.rpc("sys.hello")["boot_id"] == dp.hello["boot_id"], "same sxdp after the sweep")
        dp.stop()


GOOD = [U("interfaces", {"in_port": "p1", "vlan": 7}, "attach", {"slice": 1, "bd": 10}),
        U("routes", {"vrf": 1, "dst": "10.9.0.0/16"}, "drop")]


def bad_update(base=None, **kw):
    u = json.loads(json.dumps(base or GOOD[0]))
    for k, v in kw.items():
        if v is None:
            u.pop(k, None)
        else:
            u[k] = v
    return u


def with_member(obj, key, value):
    o = dict(obj)
    if value is None:
        o.pop(key, None)
    else:
        o[key] = value
    return o


G = GOOD[0]
RT = GOOD[1]
# (update, data.reason, pointer below /updates/N)
BAD_UPDATES = [
    ("x", "wrong_type", ""),
    ([G], "wrong_type", ""),
    (bad_update(type=None), "missing_field", "/type"),
    (bad_update(type="upsert"), "bad_value", "/type"),
    (bad_update(type=1), "wrong_type", "/type"),
    (bad_update(table=None), "missing_field", "/table"),
    (bad_update(table="nope"), "not_found", "/table"),
    (bad_update(table=5), "wrong_type", "/table"),
    (bad_update(bogus=1), "unknown_field", "/bogus"),
    (bad_update(match=None), "missing_field", "/match"),
    (bad_update(match=[]), "wrong_type", "/match"),
    (bad_update(match=with_member(G["match"], "vlan", None)), "missing_field", "/match/vlan"),
    (bad_update(match=with_member(G["match"], "x", 1)), "unknown_field", "/match/x"),
    (bad_update(match=with_member(G["match"], "vlan", "7x")), "bad_value", "/match/vlan"),
    (bad_update(match=with_member(G["match"], "vlan", "07")), "bad_value", "/match/vlan"),
    (bad_update(match=with_member(G["match"], "vlan", 65536)), "out_of_range", "/match/vlan"),
    # declared bounds: VLAN IDs and bridge domains are 12 bits (direct-array keys)
    (bad_update(match=with_member(G["match"], "vlan", 4096)), "out_of_range", "/match/vlan"),
    (bad_update(params=with_member(G["params"], "bd", 4096)), "out_of_range", "/params/bd"),
    (bad_update(table="flood", match={"bd": "4096"}, action="flood", params={"ports": 1}),
     "out_of_range", "/match/bd"),
    (bad_update(match=with_member(G["match"], "vlan", True)), "wrong_type", "/match/vlan"),
    (bad_update(match=with_member(G["match"], "vlan", 7.5)), "wrong_type", "/match/vlan"),
    (bad_update(match=with_member(G["match"], "in_port", "p9")), "not_found", "/match/in_port"),
    (bad_update(match=with_member(G["match"], "in_port", 1.5)), "wrong_type", "/match/in_port"),
    (bad_update(action=None), "missing_field", "/action"),
    (bad_update(action="fly"), "bad_value", "/action"),
    (bad_update(action=3), "wrong_type", "/action"),
    (bad_update(params=[]), "wrong_type", "/params"),
    (bad_update(params=with_member(G["params"], "bd", None)), "missing_field", "/params/bd"),
    (bad_update(params=with_member(G["params"], "x", 1)), "unknown_field", "/params/x"),
    (bad_update(params=with_member(G["params"], "bd", -1)), "out_of_range", "/params/bd"),
    (bad_update(params=with_member(G["params"], "bd", "0x0a")), "bad_value", "/params/bd"),
    (bad_update(priority=1), "unknown_field", "/priority"),
    (bad_update(type="default", match=None, priority=1), "unknown_field", "/priority"),
    (bad_update(type="default"), "unknown_field", "/match"),
    (bad_update(type="delete"), "unknown_field", "/action"),
    (bad_update(RT, match=with_member(RT["match"], "dst", "10.0.0.0/33")), "bad_value", "/match/dst"),
    (bad_update(RT, match=with_member(RT["match"], "dst", "10.0.0.0/016")), "bad_value", "/match/dst"),
    (bad_update(RT, match=with_member(RT["match"], "dst", 5)), "wrong_type", "/match/dst"),
    (bad_update(RT, match=with_member(RT["match"], "dst", "10.0.0.256/8")), "bad_value", "/match/dst"),
    (bad_update(type="delete", table="fdb", match={"bd": 1, "mac": "02:00:00:00:00"}, action=None,
                params=None), "bad_value", "/match/mac"),
]


@R.test
def test_describe_backends_and_bounds():
    """pipeline.describe says what holds each table and the bounds that make
    the small exact keys direct arrays."""
    with new_switch() as dp:
        t = {x["name"]: x for x in dp.rpc("pipeline.describe")["tables"]}
        expect_eq({n: t[n]["backend"] for n in t},
                  {"meters": "array", "meter_colors": "array", "meter_profiles": "array", "vdns": "rte_acl",
                   "sched_ports": "array", "sched_subports": "dp_em", "sched_pipes": "dp_em", "dscp_tc": "array",
                   "interfaces": "array", "bd_ports": "array", "flood": "array", "fdb": "dp_em",
                   "routes": "dp_lpm4", "neigh": "dp_em", "svi": "dp_em", "nexthops": "array",
                   "routes6": "dp_lpm6", "neigh6": "rte_hash", "svi6": "dp_em", "hosts": "dp_em",
                   "flood_more": "dp_em",
                   # the slice's edge (small ids: arrays; its way back an LPM), its firewall (rules by
                   # prefix and port range: rte_acl), DHCP and VRRP wherever the switch is
                   "edge_slices": "array", "edge_return": "dp_lpm4", "edge_pools": "array",
                   "edge_timeouts": "array", "fw_rules": "rte_acl", "fw_policy": "dp_em",
                   "dhcp_pools": "dp_em", "dhcp_static": "dp_em", "dhcp_relay": "dp_em", "dhcp_ra": "dp_em",
                   "vrrp": "dp_em", "vrrp6": "dp_em",
                   # flow export is in every box (dp_feature.always)
                   "flowexp_config": "dp_em", "flowexp_collectors": "array"},
                  "backends")
        expect_eq({n for n in t if t[n].get("derived")}, {"nexthops", "meter_profiles"}, "derived tables")
        expect_eq([k.get("max") for k in t["interfaces"]["keys"]], [15, 4095], "interfaces bounds")
        expect_eq([p.get("max") for p in t["interfaces"]["actions"][0]["params"]], [None, 4095, 1048575],
                  "attach params' bounds")
        dp.stop()


@R.test
def test_every_update_member_is_checked():
    """A malformed update anywhere in a batch refuses the whole request,
    whatever the atomicity, and names it; the valid updates before it are
    not applied."""
    with new_switch() as dp:
        before = state(dp)
        n = 0
        for bad, reason, sub in BAD_UPDATES:
            for mode in ("continue", "rollback", "dataplane-atomic"):
                expect_error(dp, "table.write", {"atomicity": mode, "updates": GOOD + [bad]},
                             reason, "/updates/2" + sub, "update %s (%s)" % (json.dumps(bad), mode))
                n += 1
        expect_eq(state(dp), before, "state after %d malformed batches" % n)
        print("#   %d malformed batches refused, nothing changed" % n)
        dp.stop()


def reasons(r):
    return [x["error"]["data"]["reason"] if not x["ok"] else "ok" for x in r["results"]]


@R.test
def test_batches_per_atomicity():
    """Well-formed batches in which some updates fail, in each mode: what was
    committed, the counts, each update's reason, the tables after."""
    A = U("interfaces", {"in_port": "p0", "vlan": 5}, "attach", {"slice": 1, "bd": 10})
    B = U("interfaces", {"in_port": "p0", "vlan": 6}, "attach", {"slice": 1, "bd": 10})
    A2 = U("interfaces", {"in_port": "p0", "vlan": 5}, "attach", {"slice": 1, "bd": 11}, type="modify")
    C = U("interfaces", {"in_port": "p1", "vlan": 9}, type="delete")
    OTHER_SLICE = U("interfaces", {"in_port": "p1", "vlan": 8}, "attach", {"slice": 2, "bd": 10})
    with new_switch() as dp:
        for mode in ("continue", "rollback", "dataplane-atomic"):
            dp.rpc("table.clear", {"table": "interfaces"})
            dp.table_write([A])
            gen, before = dp.rpc("sys.hello")["generation"], state(dp)
            r = dp.rpc("table.write", {"atomicity": mode, "updates": [B, A, C, A2]})
            if mode == "continue":
                expect_eq((r["committed"], r["applied"], r["failed"], reasons(r)),
                          (True, 2, 2, ["ok", "exists", "not_found", "ok"]), "mixed batch, continue")
                expect_eq(dp.rpc("sys.hello")["generation"], gen + 1, "generation after a continue batch")
                got = sorted((e["match"]["vlan"], e["params"]["bd"]) for e in dp.table_read("interfaces")[0])
                expect_eq(got, [(5, 11), (6, 10)], "interfaces after the continue batch")
            else:
                expect_eq((r["committed"], r["applied"], r["failed"], reasons(r)),
                          (False, 0, 4, ["not_applied", "exists", "not_applied", "not_applied"]),
                          "mixed batch, " + mode)
                expect_eq(dp.rpc("sys.hello")["generation"], gen, "generation after a %s batch" % mode)
                expect_eq(state(dp), before, "state after a failed %s batch" % mode)
            for x in r["results"]:
                if not x["ok"]:
                    expect(x["error"].get("message") and x["error"]["data"].get("pointer", "").startswith("/updates/"),
                           "per-update error %s" % x)
            # the pipeline's cross-table rule: a bridge domain belongs to one slice
            gen, before = dp.rpc("sys.hello")["generation"], state(dp)
            r = dp.rpc("table.write", {"atomicity": mode, "updates": [OTHER_SLICE]})
            expect_eq((r["committed"], r["applied"], r["failed"], reasons(r)),
                      (False, 0, 1, ["slice_conflict"]), "slice conflict, " + mode)
            expect_eq((dp.rpc("sys.hello")["generation"], state(dp)), (gen, before),
                      "state after a slice conflict (%s)" % mode)
            # and a batch that is all good commits, in every mode
            r = dp.rpc("table.write", {"atomicity": mode, "updates": [
                U("interfaces", {"in_port": "p1", "vlan": 20 + i}, "attach", {"slice": 1, "bd": 10})
                for i in range(3)]})
            expect_eq((r["committed"], r["applied"], r["failed"]), (True, 3, 0), "good batch, " + mode)
            expect_eq(dp.rpc("sys.hello")["generation"], gen + 1, "generation after a good %s batch" % mode)
        expect(dp.rpc("sys.hello")["boot_id"] == dp.hello["boot_id"], "same sxdp after the batches")
        dp.stop()


@R.test
def test_expect_compare_and_set():
    """A modify or delete with "expect" applies only while the entry holds
    what the client read: a read-modify-write cannot lose another writer's
    change. A stale expect fails as "changed" and changes nothing."""
    F = {"bd": 10}
    with new_switch() as dp:
        dp.table_add("flood", F, "flood", {"ports": 1})
        gen = dp.rpc("sys.hello")["generation"]
        r = dp.rpc("table.write", {"updates": [dict(U("flood", F, "flood", {"ports": 3}, type="modify"),
                                                    expect={"action": "flood", "params": {"ports": 1}})]})
        expect_eq((r["committed"], reasons(r)), (True, ["ok"]), "modify with a matching expect")
        # a second client still holding ports=1 must not overwrite ports=3
        for mode in ("continue", "rollback", "dataplane-atomic"):
            gen, before = dp.rpc("sys.hello")["generation"], state(dp)
            stale = dict(U("flood", F, "flood", {"ports": 5}, type="modify"),
                         expect={"action": "flood", "params": {"ports": 1}})
            r = dp.rpc("table.write", {"atomicity": mode, "updates": [stale]})
            expect_eq((r["committed"], r["failed"], reasons(r)), (False, 1, ["changed"]), "stale modify, " + mode)
            expect_eq(r["results"][0]["error"]["data"]["pointer"], "/updates/0/expect", "pointer of changed")
            expect_eq((dp.rpc("sys.hello")["generation"], state(dp)), (gen, before), "state after stale " + mode)
        # a table the switch's guard checks too: its pass does not undo the refusal
        dp.table_add("interfaces", {"in_port": "p1", "vlan": 7}, "attach", {"slice": 1, "bd": 10})
        gen, before = dp.rpc("sys.hello")["generation"], state(dp)
        stale = dict(U("interfaces", {"in_port": "p1", "vlan": 7}, "attach", {"slice": 1, "bd": 11}, type="modify"),
                     expect={"action": "attach", "params": {"slice": 1, "bd": 12}})
        r = dp.rpc("table.write", {"updates": [stale]})
        expect_eq((r["committed"], reasons(r)), (False, ["changed"]), "stale modify of a guarded table")
        expect_eq((dp.rpc("sys.hello")["generation"], state(dp)), (gen, before), "state after it")
        r = dp.rpc("table.write", {"atomicity": "continue", "updates": [
            dict(U("flood", F, type="delete"), expect={"action": "flood", "params": {"ports": 1}}),
            dict(U("flood", {"bd": 11}, type="delete"), expect={"action": "flood", "params": {"ports": 1}})]})
        expect_eq(reasons(r), ["changed", "not_found"], "stale and missing deletes")
        r = dp.rpc("table.write", {"updates": [dict(U("flood", F, type="delete"),
                                                    expect={"action": "flood", "params": {"ports": 3}})]})
        expect_eq(reasons(r), ["ok"], "delete with a matching expect")
        expect_eq(dp.table_read("flood")[1], 0, "flood entry deleted")
        # expect is for modify and delete; its action and params are checked like an update's
        gen = dp.rpc("sys.hello")["generation"]
        ins = dict(U("flood", F, "flood", {"ports": 1}), expect={"action": "flood", "params": {"ports": 1}})
        expect_error(dp, "table.write", {"updates": [ins]}, "unknown_field", "/updates/0/expect", "expect on insert")
        bad = dict(U("flood", F, "flood", {"ports": 1}, type="modify"), expect={"action": "flod"})
        expect_error(dp, "table.write", {"updates": [bad]}, "bad_value", "/updates/0/expect/action", "bad expect action")
        bad = dict(U("flood", F, "flood", {"ports": 1}, type="modify"), expect={"action": "flood", "x": 1})
        expect_error(dp, "table.write", {"updates": [bad]}, "unknown_field", "/updates/0/expect/x", "unknown expect field")
        expect_eq(dp.rpc("sys.hello")["generation"], gen, "refused expects change nothing")
        dp.stop()


# ------------------------------------------------ table.write's fast path

def write_line(params, general=False, rid=1):
    """A table.write request line. sxdp decodes plain JSON straight into its
    updates (the fast path); an escape anywhere sends the request the
    general way (jansson), which must answer the same."""
    line = json.dumps({"jsonrpc": "2.0", "id": rid, "method": "table.write", "params": params})
    if general:
        line = line.replace('"jsonrpc": "2.0"', '"jsonrpc": "2\\u002e0"', 1)
        expect("\\u002e" in line, "no escape in %s" % line[:80])
    return line.encode() + b"\n"


def answer(c, line):
    c.sock.sendall(line)
    while b"\n" not in c.buf:
        c.buf += c.sock.recv(1 << 20)
    out, c.buf = c.buf.split(b"\n", 1)
    return out


def both_ways(dp, c, params, what):
    """A request that changes nothing, sent both ways: the same bytes."""
    fast = answer(c, write_line(params))
    general = answer(c, write_line(params, general=True))
    expect_eq(fast, general, "%s: fast and general answers" % what)
    return json.loads(fast)


def members_first(u, *names):
    """u with those members first: a match before its table, params before
    their action."""
    return dict([(k, u[k]) for k in names] + [(k, v) for k, v in u.items() if k not in names])


def no_generation(line):
    r = json.loads(line)
    r.get("result", {}).pop("generation", None)
    return r


@R.test
def test_fast_path_answers_as_general():
    """table.write requests in plain JSON are decoded without a JSON tree;
    every answer, error, reason and pointer is the general path's, byte for
    byte, and a client's log line counts the calls each way took."""
    import re
    with new_switch() as dp:
        c = T.RpcClient(dp.sock_path)
        before = state(dp)
        n = n_fast = 0   # calls sent, and those the fast path must have taken
        # malformed updates, in every mode: the same refusal, nothing changed
        for bad, reason, sub in BAD_UPDATES:
            for mode in ("continue", "rollback", "dataplane-atomic"):
                r = both_ways(dp, c, {"atomicity": mode, "updates": GOOD + [bad]}, json.dumps(bad))
                expect_eq((r["error"]["data"]["reason"], r["error"]["data"]["pointer"]),
                          (reason, "/updates/2" + sub), "refusal of %s" % json.dumps(bad))
                n += 2
        for params in ({}, {"updates": []}, {"updates": GOOD, "atomicity": "all"}, {"updates": GOOD, "x": 1},
                       {"updates": [dict(G, params={"slice": 1, "bd": 10.0})]},
                       {"updates": [dict(G, params={"slice": 1, "bd": "10", "bd2": 1})]},
                       {"updates": [dict(G, table="interfaces", match={"in_port": "p0", "vlan": "+1"})]}):
            both_ways(dp, c, params, json.dumps(params))
            n += 2
        expect_eq(state(dp), before, "state after %d refused requests" % n)
        # well-formed batches that fail as a whole change nothing either
        dp.table_write([G])
        before = state(dp)
        for mode in ("rollback", "dataplane-atomic"):
            r = both_ways(dp, c, {"atomicity": mode, "updates": [GOOD[1], G]}, "exists, " + mode)
            expect_eq(r["result"]["failed"], 2, "failed updates")
            stale = dict(U("interfaces", G["match"], "attach", {"slice": 1, "bd": 11}, type="modify"),
                         expect={"params": {"slice": 1, "bd": 12}, "action": "attach"})
            r = both_ways(dp, c, {"atomicity": mode, "updates": [stale]}, "stale expect, " + mode)
            expect_eq(r["result"]["results"][0]["error"]["data"]["pointer"], "/updates/0/expect", "changed")
            n += 4
            n_fast += 2
        expect_eq(state(dp), before, "state after failed batches")
        # writes that apply: the same answer each way, but for the generation
        dp.rpc("table.clear", {"table": "interfaces"})
        pre = U("interfaces", {"in_port": "p0", "vlan": 99}, "attach", {"slice": 1, "bd": 10})
        ups = [U("interfaces", {"in_port": "p1", "vlan": 30 + i}, "attach", {"slice": 1, "bd": 10}) for i in range(20)]
        ups.append(members_first(U("interfaces", {"vlan": 30, "in_port": "1"}, "attach", {"bd": "10", "slice": 1},
                                   type="modify"), "params", "match"))
        ups.append(members_first(dict(U("interfaces", pre["match"], "attach", {"slice": 1, "bd": 11}, type="modify"),
                                      expect={"params": {"slice": 1, "bd": 10}, "action": "attach"}), "expect"))
        ups.append(U("routes", {"vrf": 1, "dst": "10.1.0.0/16"}, "drop"))
        ups.append(members_first({"type": "default", "table": "routes", "action": "drop"}, "action"))
        for mode in ("continue", "rollback", "dataplane-atomic"):
            answers = []
            for general in (False, True):
                dp.table_write([pre])
                snap = state(dp)
                answers.append(answer(c, write_line({"atomicity": mode, "updates": ups}, general)))
                after = state(dp)
                dp.rpc("table.clear", {"table": "interfaces"})
                dp.rpc("table.clear", {"table": "routes"})
                answers.append(after)
                expect(snap != after, "a %s write changed nothing" % mode)
            expect_eq(no_generation(answers[0]), no_generation(answers[2]), "answers of a %s write" % mode)
            expect_eq(json.loads(answers[0])["result"]["applied"], len(ups), "applied (%s)" % mode)
            expect_eq(answers[1][1:], answers[3][1:], "tables after a %s write each way" % mode)
            n += 2
            n_fast += 1
        # a JSON-RPC batch of table.write calls goes the fast way as a whole
        dp.table_write([G])
        lines = [write_line({"updates": [GOOD[1]]}, rid=i)[:-1] for i in range(1, 4)]
        fast = answer(c, b"[" + b",".join(lines) + b"]\n")
        dp.rpc("table.clear", {"table": "routes"})
        general = answer(c, b"[" + lines[0].replace(b'"2.0"', b'"2\\u002e0"') + b"," + b",".join(lines[1:]) + b"]\n")
        dp.rpc("table.clear", {"table": "routes"})
        expect_eq([no_generation(json.dumps(x)) for x in json.loads(fast)],
                  [no_generation(json.dumps(x)) for x in json.loads(general)], "batch of calls")
        expect_eq([x["result"]["failed"] for x in json.loads(fast)], [0, 1, 1], "batch of calls' outcomes")
        n += 6
        n_fast += 3
        c.close()
        deadline = time.time() + 5
        while time.time() < deadline and "decoded by a fast path" not in dp.log()[-4000:]:
            time.sleep(0.05)
        m = re.findall(r"client \d+ disconnected \(end of input\) after (\d+) calls, (\d+) decoded by a fast path",
                       dp.log())
        expect(m, "no disconnect line in the log")
        calls, fast_calls = map(int, m[-1])
        expect_eq((calls, fast_calls), (n, n_fast), "calls and fast calls of the client")
        dp.stop()


if __name__ == "__main__":
    R.main()
