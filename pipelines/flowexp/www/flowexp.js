/* Flow export (IPFIX): on or off, sampling, timeouts, the collectors as
 * sxdp holds them, and what the exporter sent (records, messages,
 * templates) and failed to send, with rates. From /api/v1/counters
 * (flow_export). */
"use strict";
SX.register({
  id: "flowexp", title: "Flow export", order: 35,
  init: function (sec) {
    var E = SX.el;
    this.cf = E("div"); this.co = E("div"); this.ct = E("div");
    var ch = E("div");
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Export" }), this.cf]),
      E("div", { cls: "card" }, [E("h2", { text: "Collectors" }), this.co]),
      E("div", { cls: "card" }, [E("h2", { text: "Sent" }), this.ct, ch])]));
    this.chart = new SX.LineChart(ch, "per second", "flowexp");
  },
  update: function (d) {
    var x = d.counters.flow_export, t = d.countersAt, f = SX.fmt, td = SX.td, E = SX.el;
    if (d.counters._error) return;
    if (!x) {
      SX.replace(this.cf, [E("p", { cls: "muted", text: "sxdp has no flow export" })]);
      return;
    }
    var secs = function (v) { return v === null || v === undefined ? "–" : SX.num(v, 0) + " s"; };
    SX.replace(this.cf, [SX.table(["", "n:"], [
      ["state", SX.stateWord("flowexp/on", x.on ? "on" : "off")],
      ["sampling", SX.cell("td", "flowexp/sampling", x.sampling, function (v) { return v ? "1 in " + SX.num(v, 0) + " pkt" : "–"; })],
      ["active timeout", SX.cell("td", "flowexp/active_s", x.active_s, secs)],
      ["idle timeout", SX.cell("td", "flowexp/idle_s", x.idle_s, secs)],
      ["templates every", SX.cell("td", "flowexp/template_s", x.template_s, secs)],
      ["observation domain", td("flowexp/domain", x.domain, f.count)]])]);
    var cs = x.collectors || [];
    SX.replace(this.co, cs.length ? [SX.table(["#", "address", "n:UDP port"], cs.map(function (c) {
      return [String(c.id), SX.cell("span", "flowexp/collector/" + c.id + "/address", c.address, null, ""),
              td("flowexp/collector/" + c.id + "/port", c.port, String)];
    }))] : [E("p", { cls: "muted", text: "no collector: nothing is exported" })]);
    var c = SX.map(x.counters), per = new Map();
    var names = [["records", "records", "rec"], ["messages", "IPFIX messages", "msg"], ["templates", "template messages", "msg"],
                 ["send_error", "send errors", "msg"], ["flows", "flows started", "flows"], ["evicted", "flows evicted (cache full)", "flows"],
                 ["ring_full", "records lost (ring full)", "rec"], ["not_ip", "sampled, not IP", "pkt"]];
    SX.replace(this.ct, [SX.table(["", "n:rate", "n:total"], names.map(function (n) {
      var v = c.get(n[0]) || 0, r = SX.rate("flowexp/" + n[0], v, t);   /* sxdp lists only what is not 0 */
      if (n[0] === "records" || n[0] === "send_error") per.set(n[1] + " (" + n[2] + "/s)", r);
      return [n[1], td("flowexp/" + n[0] + "/rate", r, function (v) { return SX.si(v, n[2] + "/s"); }),
              td("flowexp/" + n[0], v, function (x) { return SX.num(x, 0) + " " + n[2]; })];
    }))]);
    this.chart.push(d.now, per);
  }
});
