/* The slices' view: per slice and VDN its traffic in and out (rates over
 * time, in pkt/s and bit/s: in as the slice's interfaces counted it and
 * its meter charged it, out as its scheduler sent it), meter colours, scheduler drops, guarantee conformance and the
 * phase of its intent with its error and pointer. From /api/v1/counters
 * (slices, vdns) and /api/v1/topology (their specs and status). */
"use strict";
(function () {
  /* within: the scheduler dropped nothing this second, or what left met
   * the guarantee; below: it dropped while under it */
  function conformance(gbps, outBps, drops) {
    if (!gbps) return "no guarantee";
    if (drops === null) return "measuring";
    return drops === 0 || outBps >= gbps ? "within" : "below";
  }
  function rows(kind, items, specs, t) {
    var f = SX.fmt, td = SX.td;
    return items.map(function (x) {
      var k = kind + "/" + x.name, sp = specs[x.name] || {}, spec = sp.spec || {}, st = sp.status || {};
      var g = kind === "slices" ? (spec.rate || {}).guaranteed_bps : spec.guaranteed_bps;
      /* both units, from the API's totals (null: not counted there) */
      function r(n, v) { return v === null || v === undefined ? null : SX.rate(k + "/" + n, v, t); }
      var inPps = r("in", x.in_packets), inBps = r("inB", x.in_bytes), outPkts = x.out_packets, drops = 0;
      (x.scheduler || []).forEach(function (q) { drops += q.drops; });
      if (outPkts === null || outPkts === undefined) {  /* no scheduler: what its tunnels carried */
        var tun = Object.keys(x.tunnels || {});
        outPkts = tun.length ? tun.reduce(function (a, p) { return a + (x.tunnels[p].packets || 0); }, 0) : null;
      }
      var outPps = r("out", outPkts), outBps = r("outB", x.out_bytes);
      if (inBps !== null) inBps *= 8;
      if (outBps !== null) outBps *= 8;
      var dDrops = SX.delta(k + "/drops", drops, t);
      var m = x.meter || null, col = {};
      ["green", "yellow", "red"].forEach(function (c) { col[c] = m ? SX.rate(k + "/meter/" + c, m[c].packets, t) : null; });
      var why = [];
      if (st.reason) why.push(SX.cell("span", k + "/reason", st.reason, null, "error"));
      if (st.message) why.push(": " + st.message);
      if (st.pointer) why.push(SX.el("span", { cls: "muted", "data-k": k + "/pointer", text: " at " + st.pointer }));
      return { name: x.name, inPps: inPps, inBps: inBps, outPps: outPps, outBps: outBps, cells: [
        x.name, SX.stateWord(k + "/phase", st.phase || "–"),
        td(k + "/rx_pps", inPps, f.pps), td(k + "/in_bps", inBps, f.bps),
        td(k + "/out_pps", outPps, f.pps), td(k + "/out_bps", outBps, f.bps),
        td(k + "/meter_green_pps", col.green, f.pps), td(k + "/meter_yellow_pps", col.yellow, f.pps), td(k + "/meter_red_pps", col.red, f.pps),
        td(k + "/sched_drops", drops, f.pkts),
        SX.stateWord(k + "/conformance", conformance(g, outBps || 0, dDrops)),
        td(k + "/guaranteed_bps", g === undefined ? "" : g, function (v) { return v === "" ? "–" : f.bps(v); }),
        SX.el("span", {}, why)] };
    });
  }
  var HEAD = ["name", "phase", "n:in", "n:in", "n:out", "n:out", "n:green", "n:yellow", "n:red", "n:sched drops", "guarantee", "n:guaranteed", "error"];
  SX.register({
    id: "slices", title: "Slices", order: 20,
    init: function (sec) {
      var E = SX.el, ci = E("div"), co = E("div"), bi = E("div"), bo = E("div");
      this.sl = E("div"); this.vd = E("div");
      sec.appendChild(E("div", { cls: "grid" }, [
        E("div", { cls: "card", style: "grid-column: 1 / -1" }, [E("h2", { text: "Slices" }), this.sl]),
        E("div", { cls: "card", style: "grid-column: 1 / -1" }, [E("h2", { text: "VDNs" }), this.vd]),
        E("div", { cls: "card" }, [E("h3", { text: "Traffic in (pkt/s)" }), ci]),
        E("div", { cls: "card" }, [E("h3", { text: "Traffic out (pkt/s)" }), co]),
        E("div", { cls: "card" }, [E("h3", { text: "Traffic in (bit/s)" }), bi]),
        E("div", { cls: "card" }, [E("h3", { text: "Traffic out (bit/s)" }), bo])]));
      this.cin = new SX.LineChart(ci, "pkt/s");
      this.cout = new SX.LineChart(co, "pkt/s");
      this.bin = new SX.LineChart(bi, "bit/s");
      this.bout = new SX.LineChart(bo, "bit/s");
    },
    update: function (d) {
      var c = d.counters, topo = d.topology, t = d.t;
      if (c._error || topo._error) return;
      var specs = { slices: {}, vdns: {} };
      (topo.slices || []).forEach(function (x) { specs.slices[x.name] = x; });
      (topo.vdns || []).forEach(function (x) { specs.vdns[x.name] = x; });
      var sr = rows("slices", c.slices || [], specs.slices, t), vr = rows("vdns", c.vdns || [], specs.vdns, t);
      SX.replace(this.sl, sr.length ? [SX.table(HEAD, sr.map(function (r) { return r.cells; }))] : [SX.el("p", { cls: "muted", text: "no slice" })]);
      SX.replace(this.vd, vr.length ? [SX.table(HEAD, vr.map(function (r) { return r.cells; }))] : [SX.el("p", { cls: "muted", text: "no VDN" })]);
      var vin = {}, vout = {}, bin = {}, bout = {};
      sr.concat(vr).forEach(function (r) {
        if (r.inPps !== null) vin[r.name] = r.inPps;
        if (r.outPps !== null) vout[r.name] = r.outPps;
        if (r.inBps !== null) bin[r.name] = r.inBps;
        if (r.outBps !== null) bout[r.name] = r.outBps;
      });
      this.cin.push(t, vin);
      this.cout.push(t, vout);
      this.bin.push(t, bin);
      this.bout.push(t, bout);
    }
  });
})();
