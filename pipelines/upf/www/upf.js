/* The UPF's view: sessions per table, what its URRs counted (rates),
 * its events with their rates (buffered, end markers, reports...), the
 * PFCP services' state. Sums only: never one row per session. From
 * /api/v1/counters (upf) and /api/v1/status (services). */
"use strict";
SX.register({
  id: "upf", title: "UPF", order: 30,
  init: function (sec) {
    var E = SX.el, ch = E("div");
    this.ss = E("div"); this.us = E("div"); this.ev = E("div"); this.sv = E("div");
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Sessions" }), this.ss]),
      E("div", { cls: "card" }, [E("h2", { text: "Traffic (URRs, all sessions)" }), this.us, ch]),
      E("div", { cls: "card" }, [E("h2", { text: "Events" }), this.ev]),
      E("div", { cls: "card" }, [E("h2", { text: "PFCP and services" }), this.sv])]));
    this.chart = new SX.LineChart(ch, "bit/s");
  },
  update: function (d) {
    var u = d.counters.upf, t = d.t, f = SX.fmt, td = SX.td;
    if (d.counters._error) return;
    if (!u) {
      SX.replace(this.ss, [SX.el("p", { cls: "muted", text: "sxdp runs no UPF" })]);
      return;
    }
    var ss = u.sessions || {};
    SX.replace(this.ss, [SX.table(["table", "n:sessions"], Object.keys(ss).map(function (k) {
      return [k.replace(/^sessions_/, ""), td("upf/sessions/" + k, ss[k], f.count)];
    }))]);
    var pps = SX.rate("upf/packets", u.packets, t), bps = SX.rate("upf/bytes", u.bytes, t);
    SX.replace(this.us, [SX.table(["", "n:rate", "n:total"], [
      ["packets", td("upf/pps", pps, f.pps), td("upf/packets", u.packets, f.pkts)],
      ["bytes", td("upf/bps", bps === null ? null : bps * 8, f.bps), td("upf/bytes", u.bytes, f.bytes)]])]);
    if (bps !== null) this.chart.push(t, { "all sessions": bps * 8 });
    var ev = u.events || {}, names = Object.keys(ev).sort();
    SX.replace(this.ev, names.length ? [SX.table(["event", "n:rate", "n:total"], names.map(function (k) {
      return [k, td("upf/event/" + k + "/pps", SX.rate("upf/event/" + k, ev[k], t), f.pps), td("upf/event/" + k, ev[k], f.count)];
    }))] : [SX.el("p", { cls: "muted", text: "no event since start (buffered packets, end markers, reports show here)" })]);
    var sv = d.status.services || {};
    SX.replace(this.sv, [SX.el("pre", { cls: "scroll", "data-k": "services", text: JSON.stringify(sv, null, 1) })]);
  }
});
