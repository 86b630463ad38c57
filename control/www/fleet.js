/* The fleet: every box on the fleet's store (live or stale, its last
 * report's age, its sxdp, its intents Ready of all with the others named,
 * its paths up) and every intent with the boxes where it is not Ready,
 * problems on top, from /api/v1/fleet. Asked every 2 s while shown (every
 * 15 s for the tab's count when not: the answer grows with the fleet); a
 * box not on a fleet (no store.fleet in /api/v1/status) is never asked, its
 * tab hidden and the view one line. Tables scroll within the card, so 100
 * boxes stay usable; each answer replaces the last (no history kept). */
"use strict";
(function () {
  var SHOWN_MS = 2000, HIDDEN_MS = 15000, NAMES = 4;

  function ago(s) {
    if (s === null || s === undefined || isNaN(s)) return "never";
    s = Math.max(0, s);
    if (s < 120) return SX.num(s, 0) + " s ago";
    if (s < 7200) return SX.num(s / 60, 0) + " min ago";
    return SX.num(s / 3600, 1) + " h ago";
  }
  /* "a Pending, b Failed and 3 more" (elements, each a state word). */
  function named(k, list) {
    var out = [];
    list.slice(0, NAMES).forEach(function (x, i) {
      if (i) out.push(", ");
      out.push(x.name + " ");
      out.push(SX.stateWord(k + "/" + x.name, x.phase));
      if (x.why) out.push(SX.el("span", { cls: "muted", text: " " + x.why }));
    });
    if (list.length > NAMES) out.push(" and " + (list.length - NAMES) + " more");
    return SX.el("span", { cls: "names" }, out);
  }
  /* A stale box's sxdp and store are what it last said, not what they are: greyed. */
  function said(e, stale) {
    if (stale) {
      e.classList.add("old");
      e.title = "as it last reported";
    }
    return e;
  }
  function why(i) {
    var w = (i.waiting_for || []).length ? "waiting for " + i.waiting_for.join(", ") : "";
    return [i.reason, i.message, w].filter(function (x) { return x; }).join(": ");
  }
  /* A box's problems, worst first: stale, sxdp away, intents not Ready, paths down. */
  function boxRank(b) {
    /* a box that said it stopped is someone's doing; a silent one is not */
    return [b.state === "live" ? 0 : b.state === "stopped" ? 1 : 2, b.sxdpState === "connected" ? 0 : 1, b.bad.length,
            b.paths.total - b.paths.up];
  }
  function worse(ra, rb) {
    for (var i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
    return 0;
  }

  SX.register({
    id: "fleet", title: "Fleet", order: 55,
    init: function (sec) {
      var E = SX.el, self = this;
      this.sec = sec;
      this.data = null;
      this.err = null;
      this.asked = 0;
      this.line = E("p", { id: "fleet-line" });
      this.only = E("input", { type: "checkbox", id: "fleet-only" });
      this.only.addEventListener("change", function () { self.render(); });
      this.boxes = E("div", { cls: "tall" });
      this.intents = E("div", { cls: "tall" });
      this.cards = E("div", { cls: "grid" }, [
        E("div", { cls: "card wide" }, [E("h2", { text: "Boxes" }), this.boxes]),
        E("div", { cls: "card wide" }, [E("h2", { text: "Intents across the fleet" }), this.intents])]);
      sec.appendChild(this.line);
      sec.appendChild(E("label", { cls: "muted", "for": "fleet-only" }, [this.only, " only what is not well"]));
      sec.appendChild(this.cards);
      SX.tab("fleet", false);
    },
    update: function (d) {
      var fl = ((d.status || {}).store || {}).fleet, self = this;
      if (!fl) {
        this.data = null;
        this.on = false;
        SX.tab("fleet", false);
        this.cards.hidden = this.only.parentNode.hidden = true;
        SX.replace(this.line, [SX.stateWord("fleet/state", "not in a fleet"), SX.el("span", { cls: "muted",
          text: " this sxcd keeps its intents in its own store (sxcd --store etcd://HOST:PORT/PREFIX --site SITE joins a fleet)." })]);
        return;
      }
      this.on = true;
      this.store = fl;
      SX.tab("fleet", true);
      this.cards.hidden = this.only.parentNode.hidden = false;
      if (this.busy || d.t - this.asked < (this.sec.hidden ? HIDDEN_MS : SHOWN_MS)) return;
      this.busy = true;
      this.asked = d.t;
      SX.api("fleet?brief=1").then(function (b) {
        self.data = b;
        self.err = null;
        self.at = Date.now();
      }, function (e) {
        self.err = e.message;
      }).then(function () {
        self.busy = false;
        if (self.on) self.render();
      });
    },
    render: function () {
      var b = this.data, f = SX.fmt, td = SX.td, only = this.only.checked, line = [];
      if (!b) {
        SX.replace(this.line, [SX.stateWord("fleet/state", this.err ? "store unreachable" : "reading"),
          SX.el("span", { cls: this.err ? "error" : "muted", text: " " + (this.err || "asking the fleet's store") })]);
        return;
      }
      /* --- the boxes, problems on top */
      var boxes = (b.boxes || []).map(function (x) {
        var ins = x.intents || {}, names = Object.keys(ins).sort(), bad = [];
        names.forEach(function (n) {
          if (ins[n].phase !== "Ready") bad.push({ name: n, phase: ins[n].phase || "Pending", why: why(ins[n]) });
        });
        return { site: x.site, state: x.state, ago: x.seen_ago_s, seen: x.seen, sxdpState: (x.sxdp || {}).state || "unknown",
                 store: x.store, total: names.length, bad: bad, paths: x.paths || { up: 0, total: 0 }, version: x.version };
      });
      boxes.sort(function (p, q) { return worse(boxRank(p), boxRank(q)) || (p.site < q.site ? -1 : p.site > q.site ? 1 : 0); });
      var stale = boxes.filter(function (x) { return x.state === "stale"; }).length;
      var stopped = boxes.filter(function (x) { return x.state === "stopped"; }).length;
      var sick = boxes.filter(function (x) { return boxRank(x).some(function (v) { return v > 0; }); });
      var rows = (only ? sick : boxes).map(function (x) {
        var k = "fleet/box/" + x.site, seen = td(k + "/seen_ago_s", x.ago, ago);
        if (x.seen) seen.title = x.seen;
        var stale = x.state !== "live";
        return [SX.el("span", { cls: "nw", text: x.site + (x.site === b.site ? " (this box)" : "") }),
                SX.stateWord(k + "/state", x.state), seen,
                SX.cell("td", k + "/ready", x.total - x.bad.length, function (v) { return v + " of " + x.total + " Ready"; }),
                SX.cell("td", k + "/paths_up", x.paths.up, function (v) {
                  return x.paths.total ? v + " of " + x.paths.total + " up" : "no path"; }),
                said(SX.stateWord(k + "/sxdp", x.sxdpState), stale), said(SX.stateWord(k + "/store", x.store || "unknown"), stale),
                x.bad.length ? named(k + "/intent", x.bad) : SX.el("span", { cls: "muted", text: "–" })];
      });
      SX.replace(this.boxes, rows.length ? [SX.table(["site", "box", "n:last report", "n:intents", "n:paths", "sxdp", "store",
        "not Ready"], rows)] : [SX.el("p", { cls: "muted", text: boxes.length ? "every box is well" : "no box has reported" })]);
      /* --- the intents, those not Ready somewhere on top */
      var by = b.intents || {}, its = Object.keys(by).map(function (n) {
        var sites = Object.keys(by[n]).sort(), bad = [];
        sites.forEach(function (s) { if (by[n][s] !== "Ready") bad.push({ name: s, phase: by[n][s] || "Pending" }); });
        return { name: n, n: sites.length, bad: bad };
      }).sort(function (p, q) { return q.bad.length - p.bad.length || (p.name < q.name ? -1 : 1); });
      var notReady = its.filter(function (x) { return x.bad.length; });
      rows = (only ? notReady : its).map(function (x) {
        var k = "fleet/intent/" + x.name;
        return [SX.el("span", { cls: "nw", text: x.name }), SX.cell("td", k + "/ready", x.n - x.bad.length, function (v) { return v + " of " + x.n + (x.n === 1 ? " box" : " boxes") + " Ready"; }),
                x.bad.length ? named(k, x.bad) : SX.el("span", { cls: "muted", text: "–" })];
      });
      SX.replace(this.intents, rows.length ? [SX.table(["intent", "n:Ready on", "not Ready on"], rows)]
        : [SX.el("p", { cls: "muted", text: its.length ? "every intent is Ready on every box that has it" : "no intent reported" })]);
      /* --- one line: the fleet at a glance */
      var fs = this.store;
      line.push(SX.stateWord("fleet/state", this.err ? "store unreachable" : sick.length ? "not all well" : "all well"));
      line.push(" ", SX.cell("span", "fleet/boxes", boxes.length, function (v) { return v + " boxes"; }, ""),
        ", ", SX.cell("span", "fleet/stale", stale, function (v) { return v + " stale"; }, stale ? "error" : ""),
        ", ", SX.cell("span", "fleet/stopped", stopped, function (v) { return v + " stopped"; }, ""),
        ", ", SX.cell("span", "fleet/intents_not_ready", notReady.length,
          function (v) { return v + " of " + its.length + " intents not Ready somewhere"; }, notReady.length ? "error" : ""),
        SX.el("span", { cls: "muted", text: " · prefix " + b.prefix + ", this box " + b.site + ", store " + (fs.state || "?") +
          " at revision " + b.revision + ", lease " + f.count(b.ttl_s) + " s" }));
      if (this.err)
        line.push(SX.el("span", { cls: "error", text: " · " + this.err + " (the view below is from " +
          ago((Date.now() - this.at) / 1000) + ")" }));
      SX.replace(this.line, [SX.el("span", {}, line)]);
      document.getElementById("tab-fleet").textContent = "Fleet" + (stale ? " · " + stale + " stale" : "");
    }
  });
})();
