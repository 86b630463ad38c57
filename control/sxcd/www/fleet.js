/* The fleet: every box on the fleet's store (live or stale, its last
 * report's age, its sxdp, its intents Ready of all with the others named,
 * its paths up) and every intent with the boxes where it is not Ready,
 * problems on top, from /api/v1/fleet. Asked every 2 s while shown (every
 * 15 s for the tab's count when not: the answer grows with the fleet); a
 * box not on a fleet (no store.fleet in /api/v1/status) is never asked, its
 * tab hidden and the view one line. Tables scroll within the card, so 100
 * boxes stay usable; each answer replaces the last (no history kept).
 * A box's report is whatever that box (or anyone with the store's
 * credentials) wrote: each part is checked, a part that is not what a
 * report carries is left out and the box flagged "malformed report" with
 * what is wrong, and the other boxes show as ever. */
"use strict";
(function () {
  var SHOWN_MS = 2000, HIDDEN_MS = 15000, NAMES = 4, PROBLEMS = 3;

  function ago(s) {
    if (s === null || s === undefined || isNaN(s)) return "never";
    s = Math.max(0, s);
    if (s < 120) return SX.num(s, 0) + " s ago";
    if (s < 7200) return SX.num(s / 60, 0) + " min ago";
    return SX.num(s / 3600, 1) + " h ago";
  }
  function str(v) { return typeof v === "string" ? v : null; }
  function count(v) { return typeof v === "number" && isFinite(v) && v >= 0 ? v : null; }
  function what(v) { return v === null ? "null" : Array.isArray(v) ? "an array" : typeof v === "object" ? "an object" : "a " + typeof v; }
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
    var w = Array.isArray(i.waiting_for) ? i.waiting_for.filter(function (x) { return typeof x === "string"; }) : [];
    return [str(i.reason), str(i.message), w.length ? "waiting for " + w.join(", ") : ""].filter(function (x) { return x; }).join(": ");
  }
  /* Box @x (the @n-th of the answer) as the view shows it; what is not
   * what a report carries goes to .malformed, named. */
  function boxOf(x, n) {
    var mal = [], bad = [], total = 0;
    if (!SX.isObj(x))
      return { site: "#" + (n + 1), state: "unknown", ago: null, seen: null, sxdpState: "unknown", store: "unknown", total: 0,
               bad: [], paths: { up: 0, total: 0 }, malformed: ["the report is " + what(x) + ", not an object"] };
    /* every report has its intents, sxdp and store; the rest may be left out */
    function check(ok, part, v, want, needed) {
      if (!ok && (v !== undefined || needed)) mal.push(v === undefined ? "no " + part : part + " is " + what(v) + ", not " + want);
      return ok;
    }
    var site = str(x.site) || "#" + (n + 1);
    var state = str(x.state) || "unknown";
    var ins = SX.map(x.intents);
    if (check(SX.isObj(x.intents), "intents", x.intents, "an object", true))
      SX.keys(ins).forEach(function (name) {
        var i = ins.get(name);
        if (!check(SX.isObj(i), "intent " + name, i, "an object")) return;
        var ph = check(typeof i.phase === "string", "intent " + name + "'s phase", i.phase, "a string") ? i.phase : null;
        total++;
        if (ph !== "Ready") bad.push({ name: name, phase: ph || "Pending", why: why(i) });
      });
    var sx = check(SX.isObj(x.sxdp), "sxdp", x.sxdp, "an object", true) ? x.sxdp : {};
    var sxState = check(typeof sx.state === "string", "sxdp's state", sx.state, "a string", SX.isObj(x.sxdp)) ? sx.state : "unknown";
    var store = check(typeof x.store === "string", "store", x.store, "a string", true) ? x.store : "unknown";
    var p = SX.isObj(x.paths) ? x.paths : {}, paths = { up: count(p.up) || 0, total: count(p.total) || 0 };
    var seen = check(typeof x.seen === "string", "seen", x.seen, "a string") ? x.seen : null;
    return { site: site, state: state, ago: count(x.seen_ago_s), seen: seen, sxdpState: sxState, store: store, total: total,
             bad: bad, paths: paths, malformed: mal };
  }
  /* A box's problems, worst first: its report unreadable, stale, sxdp away,
   * intents not Ready, paths down. */
  function boxRank(b) {
    /* a box that said it stopped is someone's doing; a silent one is not */
    return [b.malformed.length ? 1 : 0, b.state === "live" ? 0 : b.state === "stopped" ? 1 : 2, b.sxdpState === "connected" ? 0 : 1,
            b.bad.length, b.paths.total - b.paths.up];
  }
  function worse(ra, rb) {
    for (var i = 0; i < ra.length; i++) if (ra[i] !== rb[i]) return rb[i] - ra[i];
    return 0;
  }
  function byName(p, q) { return p.site < q.site ? -1 : p.site > q.site ? 1 : 0; }

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
      this.only.addEventListener("change", function () { self.show(); });
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
      if (this.busy || d.now - this.asked < (this.sec.hidden ? HIDDEN_MS : SHOWN_MS)) return;
      this.busy = true;
      this.asked = d.now;
      SX.api("fleet?brief=1").then(function (b) {
        self.data = b;
        self.err = null;
        self.at = Date.now();
      }, function (e) {
        self.err = e.message;
      }).then(function () {
        self.busy = false;
        if (self.on) self.show();
      });
    },
    /* The answer shown; one that cannot be (not what sxcd sends) says so
     * instead of leaving the last one up as if it were now. */
    show: function () {
      try {
        this.render();
      } catch (e) {
        SX.replace(this.line, [SX.stateWord("fleet/state", "not all well"), SX.el("span", { cls: "error",
          text: " the fleet's answer cannot be shown: " + e })]);
      }
    },
    render: function () {
      var b = this.data, f = SX.fmt, td = SX.td, only = this.only.checked, line = [];
      if (!b) {
        SX.replace(this.line, [SX.stateWord("fleet/state", this.err ? "store unreachable" : "reading"),
          SX.el("span", { cls: this.err ? "error" : "muted", text: " " + (this.err || "asking the fleet's store") })]);
        return;
      }
      /* --- the boxes, problems on top */
      var boxes = (Array.isArray(b.boxes) ? b.boxes : []).map(function (x, n) {
        try {
          return boxOf(x, n);
        } catch (e) {   /* what boxOf did not foresee: this box flagged, the others shown */
          return { site: SX.isObj(x) && typeof x.site === "string" ? x.site : "#" + (n + 1), state: "unknown", ago: null,
                   seen: null, sxdpState: "unknown", store: "unknown", total: 0, bad: [], paths: { up: 0, total: 0 },
                   malformed: [String(e)] };
        }
      });
      boxes.sort(function (p, q) { return worse(boxRank(p), boxRank(q)) || byName(p, q); });
      var stale = boxes.filter(function (x) { return x.state === "stale"; }).length;
      var stopped = boxes.filter(function (x) { return x.state === "stopped"; }).length;
      var malformed = boxes.filter(function (x) { return x.malformed.length; }).length;
      var sick = boxes.filter(function (x) { return boxRank(x).some(function (v) { return v > 0; }); });
      var rows = (only ? sick : boxes).map(function (x) {
        var k = "fleet/box/" + x.site, seen = td(k + "/seen_ago_s", x.ago, ago);
        if (x.seen) seen.title = x.seen;
        var stale = x.state !== "live", notes = [];
        if (x.malformed.length)
          notes.push(SX.stateWord(k + "/report", "malformed report"), SX.cell("span", k + "/malformed",
            x.malformed.slice(0, PROBLEMS).join("; ") + (x.malformed.length > PROBLEMS ? "; and " +
              (x.malformed.length - PROBLEMS) + " more" : ""), function (v) { return " " + v + (x.bad.length ? " · " : ""); },
            "error"));
        if (x.bad.length) notes.push(named(k + "/intent", x.bad));
        return [SX.el("span", { cls: "nw", text: x.site + (x.site === b.site ? " (this box)" : "") }),
                SX.stateWord(k + "/state", x.state), seen,
                SX.cell("td", k + "/ready", x.total - x.bad.length, function (v) { return v + " of " + x.total + " Ready"; }),
                SX.cell("td", k + "/paths_up", x.paths.up, function (v) {
                  return x.paths.total ? v + " of " + x.paths.total + " up" : "no path"; }),
                said(SX.stateWord(k + "/sxdp", x.sxdpState), stale), said(SX.stateWord(k + "/store", x.store), stale),
                notes.length ? SX.el("span", {}, notes) : SX.el("span", { cls: "muted", text: "–" })];
      });
      SX.replace(this.boxes, rows.length ? [SX.table(["site", "box", "n:last report", "n:intents", "n:paths", "sxdp", "store",
        "not Ready"], rows)] : [SX.el("p", { cls: "muted", text: boxes.length ? "every box is well" : "no box has reported" })]);
      /* --- the intents, those not Ready somewhere on top */
      var by = SX.map(b.intents), its = SX.keys(by).map(function (n) {
        var on = SX.map(by.get(n)), sites = SX.keys(on), bad = [];
        sites.forEach(function (s) {
          var p = on.get(s);
          if (p !== "Ready") bad.push({ name: s, phase: typeof p === "string" ? p : "unknown" });
        });
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
      var fs = SX.isObj(this.store) ? this.store : {};
      line.push(SX.stateWord("fleet/state", this.err ? "store unreachable" : sick.length ? "not all well" : "all well"));
      line.push(" ", SX.cell("span", "fleet/boxes", boxes.length, function (v) { return v + " boxes"; }, ""),
        ", ", SX.cell("span", "fleet/stale", stale, function (v) { return v + " stale"; }, stale ? "error" : ""),
        ", ", SX.cell("span", "fleet/stopped", stopped, function (v) { return v + " stopped"; }, ""),
        ", ", SX.cell("span", "fleet/malformed", malformed, function (v) { return v + " malformed"; }, malformed ? "error" : ""),
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
