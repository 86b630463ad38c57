/* Intents: every intent's phase, with its reason, message and the pointer
 * into its spec when it has them (one list of them all, /api/v1/intents:
 * the page names no kind, and a kind of one intent that has none is just
 * not listed), and sxcd's link to sxdp. */
"use strict";
SX.register({
  id: "intents", title: "Intents", order: 50,
  init: function (sec) {
    var E = SX.el;
    this.docs = new Map();
    this.list = E("div"); this.sx = E("div");
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Intents" }), this.list]),
      E("div", { cls: "card" }, [E("h2", { text: "sxcd ↔ sxdp" }), this.sx])]));
  },
  fetch: function () {
    var self = this;
    if (this.busy) return;
    this.busy = true;
    SX.api("intents").then(function (b) {
      var docs = new Map();
      (b.items || []).forEach(function (x) { docs.set(x.kind + "/" + x.name, SX.isObj(x.status) ? x.status : {}); });
      self.docs = docs;
    }, function (e) { console.warn("intents: " + e); }).then(function () { self.busy = false; });
  },
  update: function (d) {
    this.fetch();
    var ph = this.docs, names = SX.keys(ph);
    SX.replace(this.list, names.length ? [SX.table(["intent", "phase", "why"], names.map(function (n) {
      var p = ph.get(n), why = [];
      if (p.reason) why.push(SX.cell("span", "intent/" + n + "/reason", p.reason, null, "error"));
      if (p.message) why.push(": " + p.message);
      if (p.pointer) why.push(SX.el("span", { cls: "muted", text: " at " + p.pointer, "data-k": "intent/" + n + "/pointer" }));
      if (Array.isArray(p.waiting_for) && p.waiting_for.length) why.push("waiting for " + p.waiting_for.join(", "));
      return [n, SX.stateWord("intent/" + n + "/phase", p.phase), SX.el("span", {}, why)];
    }))] : [SX.el("p", { cls: "muted", text: "no intent" })]);
    var s = d.status.sxdp || {}, r = s.reconcile || {}, lag = s.loop_lag || {}, f = SX.fmt, td = SX.td;
    SX.replace(this.sx, [SX.table(["", "n:"], [
      ["state", SX.stateWord("sxdp/state", s.state || "unknown")],
      ["reconcile runs", td("sxdp/runs", r.runs, f.count)], ["failed runs", td("sxdp/runs_failed", r.runs_failed, f.count)],
      ["writes", td("sxdp/writes", r.writes, f.count)],
      ["loop lag (max)", td("sxdp/lag_max", lag.max_seconds === undefined ? "" : lag.max_seconds * 1e6, f.us)]])]);
  }
});
