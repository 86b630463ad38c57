/* Dataplane health: per-lcore busy share, cycles per packet per graph
 * node, the top drop reasons with their rates, mempool use, ports' errors
 * and rx_missed. From /api/v1/counters (dataplane, drops, ports). */
"use strict";
SX.register({
  id: "health", title: "Dataplane health", order: 40,
  init: function (sec) {
    var E = SX.el;
    this.lc = E("div"); this.mp = E("div"); this.dr = E("div"); this.nd = E("div"); this.pt = E("div");
    var cb = E("div");
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Lcores" }), this.lc, cb]),
      E("div", { cls: "card" }, [E("h2", { text: "Mempool" }), this.mp]),
      E("div", { cls: "card" }, [E("h2", { text: "Top drop reasons" }), this.dr]),
      E("div", { cls: "card" }, [E("h2", { text: "Ports" }), this.pt]),
      E("div", { cls: "card" }, [E("h2", { text: "Graph nodes" }), this.nd])]));
    this.chart = new SX.LineChart(cb, "busy %", "lcores/busy");
  },
  update: function (d) {
    var c = d.counters, t = d.countersAt, dp = c.dataplane || {}, f = SX.fmt, td = SX.td;
    if (c._error) return;
    var busy = new Map();
    SX.replace(this.lc, [SX.table(["lcore", "role", "n:busy", "n:rx", "n:cycles/pkt"],
      (dp.lcores || []).map(function (l) {
        var k = "lcore/" + l.lcore, db = SX.delta(k + "/busy", l.busy_cycles, t), di = SX.delta(k + "/idle", l.idle_cycles, t);
        var pct = db !== null && di !== null && db + di > 0 ? 100 * db / (db + di) : null;
        busy.set("lcore " + l.lcore, pct);
        return [String(l.lcore), l.role, td(k + "/busy_pct", pct === null ? "" : pct.toFixed(1), f.pct),
                td(k + "/rx_pps", SX.rate(k + "/rx", l.rx_packets, t), f.pps),
                td(k + "/cycles_per_packet", l.cycles_per_packet, f.cyc)];
      }))]);
    this.chart.push(d.now, busy);
    var m = dp.mempool || {};
    SX.replace(this.mp, [SX.table(["", "n:"], [
      ["in use", td("mempool/in_use", m.in_use, f.count)], ["available", td("mempool/available", m.available, f.count)],
      ["size", td("mempool/size", m.size, f.count)],
      ["use", td("mempool/use_pct", m.size ? (100 * m.in_use / m.size).toFixed(1) : "", f.pct)]]),
      SX.el("p", { cls: "muted", text: "packet buffers (mbufs)" })]);
    var drops = Array.from(SX.map(c.drops).entries()).map(function (x) {
      return { r: x[0], n: x[1], pps: SX.rate("drop/" + x[0], x[1], t) };
    }).sort(function (a, b) { return (b.pps || 0) - (a.pps || 0) || b.n - a.n; }).slice(0, 10);
    SX.replace(this.dr, drops.length ? [SX.table(["reason", "n:rate", "n:total"], drops.map(function (x) {
      return [x.r, td("drop/" + x.r + "/pps", x.pps, f.pps), td("drop/" + x.r, x.n, f.pkts)];
    }))] : [SX.el("p", { cls: "muted", text: "no drops since start" })]);
    SX.replace(this.pt, [SX.table(["port", "n:rx", "n:tx", "n:rx_missed", "n:tx_dropped"], (c.ports || []).map(function (p) {
      var k = "port/" + p.name;
      return [p.name, td(k + "/rx_pps", SX.rate(k + "/rx", p.rx_packets, t), f.pps), td(k + "/tx_pps", SX.rate(k + "/tx", p.tx_packets, t), f.pps),
              td(k + "/rx_missed", p.rx_missed, f.pkts), td(k + "/tx_dropped", p.tx_dropped, f.pkts)];
    }))]);
    var nodes = (dp.nodes || []).filter(function (n) { return n.packets > 0; })
      .sort(function (a, b) { return b.cycles_per_packet - a.cycles_per_packet; });
    SX.replace(this.nd, nodes.length ? [SX.table(["node", "n:cycles/pkt", "n:packets"], nodes.map(function (n) {
      return [n.node, td("node/" + n.node + "/cycles_per_packet", n.cycles_per_packet, f.cyc), td("node/" + n.node + "/packets", n.packets, f.pkts)];
    }))] : [SX.el("p", { cls: "muted", text: "no packet through the graph yet" })]);
  }
});
