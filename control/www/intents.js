/* Intents: every intent's phase, with its reason, message and the pointer
 * into its spec when it has them (each kind's list, the kinds read once from
 * /api/v1/openapi.json so the page names none), and sxcd's link to sxdp. */
"use strict";
SX.register({
  id: "intents", title: "Intents", order: 50,
  init: function (sec) {
    var E = SX.el, self = this;
    this.kinds = null;
    this.docs = {};
    SX.api("openapi.json").then(function (doc) {
      var ks = ((((doc.components || {}).parameters || {}).kind || {}).schema || {}).enum || [];
      /* a kind of one intent has a path of its own (/api/v1/site) */
      var fixed = ["apply", "status", "topology", "counters", "openapi.json", "fleet"];
      Object.keys(doc.paths || {}).forEach(function (p) {
        var m = /^\/api\/v1\/([a-z_]+)$/.exec(p);
        if (m && fixed.indexOf(m[1]) < 0 && ks.indexOf(m[1]) < 0) ks.push(m[1]);
      });
      self.kinds = ks;
    }, function (e) { console.warn("intents: " + e); });
    this.list = E("div"); this.sx = E("div");
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Intents" }), this.list]),
      E("div", { cls: "card" }, [E("h2", { text: "sxcd ↔ sxdp" }), this.sx])]));
  },
  fetch: function () {
    var self = this;
    if (!this.kinds || this.busy) return;
    this.busy = true;
    Promise.all(this.kinds.map(function (k) {
      return SX.api(k).then(function (b) { return [k, b.items ? b.items : [b]]; }, function () { return [k, []]; });
    })).then(function (r) {
      var docs = {};
      r.forEach(function (x) { x[1].forEach(function (doc) { docs[x[0] + "/" + doc.metadata.name] = doc.status || {}; }); });
      self.docs = docs;
    }).then(function () { self.busy = false; });
  },
  update: function (d) {
    this.fetch();
    var ph = this.docs, names = Object.keys(ph).sort();
    SX.replace(this.list, names.length ? [SX.table(["intent", "phase", "why"], names.map(function (n) {
      var p = ph[n], why = [];
      if (p.reason) why.push(SX.cell("span", "intent/" + n + "/reason", p.reason, null, "error"));
      if (p.message) why.push(": " + p.message);
      if (p.pointer) why.push(SX.el("span", { cls: "muted", text: " at " + p.pointer, "data-k": "intent/" + n + "/pointer" }));
      if (p.waiting_for && p.waiting_for.length) why.push("waiting for " + p.waiting_for.join(", "));
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
