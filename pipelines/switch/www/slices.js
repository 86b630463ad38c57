/* The slices' view: per slice and VDN its traffic in and out (rates over
 * time, in pkt/s and bit/s: in as the slice's interfaces counted it and
 * its meter charged it, out as its scheduler sent it), meter colours,
 * scheduler drops, guarantee conformance and the phase of its intent with
 * its error and pointer; a slice's routing: its twin (the network
 * namespace a routing suite runs in) and what it learned there, installed
 * in sxdp or not. From /api/v1/counters (slices, vdns) and
 * /api/v1/topology (their specs, status and routing); the charts hold the
 * slices and VDNs of the last answer only. */
"use strict";
(function () {
  /* What a slice may miss of what it owes and still be within: its in
   * (meter) and out (scheduler) counters are read a moment apart, and a
   * frame's bytes are not quite the same at both (a tunnel's header). */
  var TOL = 0.05, SLACK_BPS = 1518 * 8;
  /* A slice owes what it was offered up to its guarantee: within when it
   * delivered that, below when not, whichever stage dropped the rest (the
   * meter, the pipeline before the scheduler, the scheduler). Offered: the
   * bytes its meter saw (every colour); delivered: what its scheduler sent. */
  function conformance(g, counted, offered, delivered) {
    if (!g) return "no guarantee";
    if (!counted) return "not measured";
    if (offered === null || delivered === null) return "measuring";
    return delivered + SLACK_BPS >= Math.min(offered, g) * (1 - TOL) ? "within" : "below";
  }
  function count(v) { return typeof v === "number" && isFinite(v) ? v : null; }
  function rows(kind, items, specs, t) {
    var f = SX.fmt, td = SX.td;
    return items.filter(function (x) { return SX.isObj(x) && typeof x.name === "string"; }).map(function (x) {
      var k = kind + "/" + x.name, sp = specs.get(x.name) || {}, spec = sp.spec || {}, st = sp.status || {};
      var g = kind === "slices" ? (spec.rate || {}).guaranteed_bps : spec.guaranteed_bps;
      /* both units, from the API's totals (null: not counted there) */
      function r(n, v) { return count(v) === null ? null : SX.rate(k + "/" + n, v, t); }
      var inPps = r("in", x.in_packets), inBps = r("inB", x.in_bytes), outPkts = x.out_packets, drops = 0;
      (Array.isArray(x.scheduler) ? x.scheduler : []).forEach(function (q) { drops += count((q || {}).drops) || 0; });
      if (count(outPkts) === null) {  /* no scheduler: what its tunnels carried */
        var tun = SX.map(x.tunnels);
        outPkts = tun.size ? Array.from(tun.values()).reduce(function (a, p) { return a + (count((p || {}).packets) || 0); }, 0) : null;
      }
      var outPps = r("out", outPkts), outBps = r("outB", x.out_bytes);
      if (inBps !== null) inBps *= 8;
      if (outBps !== null) outBps *= 8;
      var m = SX.isObj(x.meter) ? x.meter : null, col = new Map();
      ["green", "yellow", "red"].forEach(function (c) { col.set(c, m ? r("meter/" + c, (m[c] || {}).packets) : null); });
      var why = [];
      if (st.reason) why.push(SX.cell("span", k + "/reason", st.reason, null, "error"));
      if (st.message) why.push(": " + st.message);
      if (st.pointer) why.push(SX.el("span", { cls: "muted", "data-k": k + "/pointer", text: " at " + st.pointer }));
      var conf = conformance(g, count(x.in_bytes) !== null && count(x.out_bytes) !== null, inBps, outBps);
      return { name: kind === "vdns" ? "VDN " + x.name : x.name, inPps: inPps, inBps: inBps, outPps: outPps, outBps: outBps, cells: [
        x.name, SX.stateWord(k + "/phase", st.phase || "–"),
        td(k + "/rx_pps", inPps, f.pps), td(k + "/in_bps", inBps, f.bps),
        td(k + "/out_pps", outPps, f.pps), td(k + "/out_bps", outBps, f.bps),
        td(k + "/meter_green_pps", col.get("green"), f.pps), td(k + "/meter_yellow_pps", col.get("yellow"), f.pps),
        td(k + "/meter_red_pps", col.get("red"), f.pps),
        td(k + "/sched_drops", drops, f.pkts),
        SX.stateWord(k + "/conformance", conf),
        td(k + "/guaranteed_bps", g === undefined ? "" : g, function (v) { return v === "" ? "–" : f.bps(v); }),
        SX.el("span", {}, why)] };
    });
  }
  var HEAD = ["name", "phase", "n:in", "n:in", "n:out", "n:out", "n:green", "n:yellow", "n:red", "n:sched drops", "guarantee", "n:guaranteed", "error"];
  var RHEAD = ["slice", "namespace", "twin", "import", "n:learned", "n:installed", "n:shadowed", "n:unresolved", "n:refused"];
  /* slices with routing: their twin and what it learned */
  function routingRows(topo) {
    return (Array.isArray(topo) ? topo : []).filter(function (x) {
      return SX.isObj(x) && typeof x.name === "string" && SX.isObj(x.routing);
    }).map(function (x) {
      var k = "slices/" + x.name + "/routing", r = x.routing, n = SX.isObj(r.routes) ? r.routes : {};
      function num(key) { return SX.td(k + "/" + key, count(n[key]), SX.fmt.pkts); }
      return [x.name, SX.cell("span", k + "/netns", String(r.netns || "–"), null, ""),
        SX.cell("span", k + "/twin", String(r.twin || "–"), null, r.twin === "ok" ? "" : "error"),
        r.import ? "on" : "off", num("learned"), num("installed"), num("shadowed"), num("unresolved"), num("refused")];
    });
  }
  SX.register({
    id: "slices", title: "Slices", order: 20,
    init: function (sec) {
      var E = SX.el, ci = E("div"), co = E("div"), bi = E("div"), bo = E("div");
      this.sl = E("div"); this.vd = E("div"); this.rt = E("div");
      sec.appendChild(E("div", { cls: "grid" }, [
        E("div", { cls: "card", style: "grid-column: 1 / -1" }, [E("h2", { text: "Slices" }), this.sl]),
        E("div", { cls: "card", style: "grid-column: 1 / -1" }, [E("h2", { text: "VDNs" }), this.vd]),
        E("div", { cls: "card", style: "grid-column: 1 / -1" }, [E("h2", { text: "Routes learned" }), this.rt]),
        E("div", { cls: "card" }, [E("h3", { text: "Traffic in (pkt/s)" }), ci]),
        E("div", { cls: "card" }, [E("h3", { text: "Traffic out (pkt/s)" }), co]),
        E("div", { cls: "card" }, [E("h3", { text: "Traffic in (bit/s)" }), bi]),
        E("div", { cls: "card" }, [E("h3", { text: "Traffic out (bit/s)" }), bo])]));
      this.cin = new SX.LineChart(ci, "pkt/s", "slices/in_pps");
      this.cout = new SX.LineChart(co, "pkt/s", "slices/out_pps");
      this.bin = new SX.LineChart(bi, "bit/s", "slices/in_bps");
      this.bout = new SX.LineChart(bo, "bit/s", "slices/out_bps");
    },
    update: function (d) {
      var c = d.counters, topo = d.topology, t = d.countersAt;
      if (c._error || topo._error) return;
      var specs = { slices: new Map(), vdns: new Map() };
      ["slices", "vdns"].forEach(function (kind) {
        (Array.isArray(topo[kind]) ? topo[kind] : []).forEach(function (x) {
          if (SX.isObj(x)) specs[kind].set(x.name, x);
        });
      });
      var sr = rows("slices", Array.isArray(c.slices) ? c.slices : [], specs.slices, t);
      var vr = rows("vdns", Array.isArray(c.vdns) ? c.vdns : [], specs.vdns, t);
      SX.replace(this.sl, sr.length ? [SX.table(HEAD, sr.map(function (r) { return r.cells; }))] : [SX.el("p", { cls: "muted", text: "no slice" })]);
      SX.replace(this.vd, vr.length ? [SX.table(HEAD, vr.map(function (r) { return r.cells; }))] : [SX.el("p", { cls: "muted", text: "no VDN" })]);
      var rr = routingRows(topo.slices);
      SX.replace(this.rt, rr.length ? [SX.table(RHEAD, rr)] : [SX.el("p", { cls: "muted", text: "no slice with routing (a slice's routing and the site's host port)" })]);
      /* every slice and VDN of the answer (no rate yet: a gap), none other */
      var vin = new Map(), vout = new Map(), bin = new Map(), bout = new Map();
      sr.concat(vr).forEach(function (r) {
        vin.set(r.name, r.inPps);
        vout.set(r.name, r.outPps);
        bin.set(r.name, r.inBps);
        bout.set(r.name, r.outBps);
      });
      this.cin.push(d.now, vin);
      this.cout.push(d.now, vout);
      this.bin.push(d.now, bin);
      this.bout.push(d.now, bout);
    }
  });
})();
