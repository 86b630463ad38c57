/* The UPF's view: sessions per slice and per SMF, uplink and downlink
 * rates, the local breakout (N6) vs N9 split, buffering, reports, its
 * events, the PFCP service. Sums only: one session is shown when the
 * operator asks for it by name (GET /api/v1/upf/sessions/{id}). From
 * /api/v1/counters (upf) and /api/v1/status (services). */
"use strict";
SX.register({
  id: "upf", title: "UPF", order: 30,
  init: function (sec) {
    var E = SX.el, ch = E("div"), self = this;
    this.ss = E("div"); this.tr = E("div"); this.bf = E("div"); this.ev = E("div"); this.sv = E("div");
    this.one = E("div");
    this.q = E("input", { id: "upf-session-id", type: "text", placeholder: "pfcp/NODE/SEID or upf/NAME/ID",
                          "aria-label": "session id", autocomplete: "off", spellcheck: "false" });
    var form = E("form", { id: "upf-session-form", cls: "lookup" }, [this.q, E("button", { type: "submit", text: "show" })]);
    form.addEventListener("submit", function (ev) {
      ev.preventDefault();
      var id = self.q.value.trim();
      self.sess = null; self.sessErr = null; self.sid = null;
      /* its parts go into the path each encoded, and none may be "." or
       * "..": the browser would take those as steps up the path (to
       * another of sxcd's routes) before sending it */
      if (id && id.split("/").some(function (p) { return p === "" || p === "." || p === ".."; }))
        self.sessErr = "not a session id: \"" + id + "\" has an empty, \".\" or \"..\" part (pfcp/NODE/SEID or upf/NAME/ID)";
      else
        self.sid = id || null;
      self.showOne();
      self.lookup();
    });
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Sessions" }), this.ss]),
      E("div", { cls: "card span2" }, [E("h2", { text: "Traffic" }), this.tr, ch]),
      E("div", { cls: "card" }, [E("h2", { text: "Buffering and reports" }), this.bf]),
      E("div", { cls: "card" }, [E("h2", { text: "Events" }), this.ev]),
      E("div", { cls: "card wide" }, [E("h2", { text: "One session" }), form, this.one]),
      E("div", { cls: "card" }, [E("h2", { text: "PFCP and services" }), this.sv])]));
    this.chart = new SX.LineChart(ch, "bit/s", "upf/bps");
  },
  /* The session asked for, again each second while it is shown (its id
   * checked when typed: no empty, "." or ".." part). */
  lookup: function () {
    var self = this, id = this.sid;
    if (!id || this.busy) return;
    this.busy = true;
    SX.api("upf/sessions/" + id.split("/").map(encodeURIComponent).join("/")).then(function (s) {
      if (self.sid === id) { self.sess = s; self.sessErr = null; }
    }, function (e) {
      if (self.sid === id) { self.sess = null; self.sessErr = String(e.message || e); self.sid = null; }
    }).then(function () { self.busy = false; self.showOne(); });
  },
  showOne: function () {
    var s = this.sess, E = SX.el, f = SX.fmt, td = SX.td, t = SX.sampleOf(s);
    if (this.sessErr) { SX.replace(this.one, [E("p", { cls: "error", "data-k": "upfsess/error", text: this.sessErr })]); return; }
    if (!s) { SX.replace(this.one, [E("p", { cls: "muted", text: "one session's rules and counters, by its id" })]); return; }
    var c = s.counters || {}, ul = c.uplink || {}, dl = c.downlink || {};
    var bits = function (k, v) { var r = SX.rate(k, v, t); return r === null ? null : r * 8; };
    var rules = function (title, rows, cols) {
      return [E("h3", { text: title + " (" + rows.length + ")" }), SX.table(cols, rows.map(function (r) {
        return cols.map(function (k) { var v = r[k.replace(/^n:/, "")]; return v === undefined ? "" : typeof v === "object" ? JSON.stringify(v) : String(v); });
      }))];
    };
    SX.replace(this.one, [E("div", { cls: "grid" }, [
      SX.table(["", ""], [
        ["id", SX.cell("span", "upfsess/id", s.id, null, "")],
        ["from", s.source === "pfcp" ? "PFCP: SMF " + s.smf + ", SEID " + s.seid + " (theirs " + s.cp_seid + "), UPF " + s.upf :
                 "intent " + s.intent + ", slice " + s.slice],
        ["state", s.source === "pfcp" ? SX.stateWord("upfsess/state", "in sxdp") : SX.stateWord("upfsess/state", s.phase || "unknown")],
        ["sxdp session", SX.cell("span", "upfsess/session", s.session, f.count, "")]]),
      SX.table(["", "n:packets", "n:bytes", "n:rate"], [
        ["uplink", td("upfsess/ul/packets", ul.packets, f.pkts), td("upfsess/ul/bytes", ul.bytes, f.bytes),
         td("upfsess/ul/bps", bits("upfsess/" + s.id + "/ul", ul.bytes), f.bps)],
        ["downlink", td("upfsess/dl/packets", dl.packets, f.pkts), td("upfsess/dl/bytes", dl.bytes, f.bytes),
         td("upfsess/dl/bps", bits("upfsess/" + s.id + "/dl", dl.bytes), f.bps)]])])]
      .concat(rules("PDRs", s.pdrs || [], ["id", "source_interface", "f_teid", "ue_ip", "far", "qers", "urrs"]))
      .concat(rules("FARs", s.fars || [], ["id", "apply_action", "destination_interface", "outer_header_creation"]))
      .concat(rules("QERs", s.qers || [], ["id", "gate_ul", "gate_dl", "mbr_kbps"]))
      .concat(rules("URRs", s.urrs || [], ["id", "measurement_method", "reporting_triggers", "volume_threshold_bytes"])));
  },
  update: function (d) {
    var u = d.counters.upf, t = d.countersAt, f = SX.fmt, td = SX.td, E = SX.el;
    if (d.counters._error) return;
    this.lookup();
    if (!u) {
      SX.replace(this.ss, [E("p", { cls: "muted", text: "sxdp runs no UPF" })]);
      return;
    }
    /* sessions: per slice, per SMF, per sxdp table */
    var bs = SX.map(u.sessions_by_slice), bm = SX.map(u.sessions_by_smf), tot = u.sessions_total || {}, ss = SX.map(u.sessions);
    SX.replace(this.ss, [
      SX.table(["slice", "n:intents", "n:PFCP", "n:total"], SX.keys(bs).map(function (k) {
        var r = bs.get(k) || {};
        return [k, td("upf/slice/" + k + "/intent", r.intent, f.count), td("upf/slice/" + k + "/pfcp", r.pfcp, f.count),
                td("upf/slice/" + k + "/total", r.intent + r.pfcp, f.count)];
      }).concat([[E("b", { text: "all" }), td("upf/total/intent", tot.intent, f.count), td("upf/total/pfcp", tot.pfcp, f.count),
                  td("upf/total", (tot.intent || 0) + (tot.pfcp || 0), f.count)]])),
      bm.size ? SX.table(["SMF (Node ID)", "n:PFCP sessions"], SX.keys(bm).map(function (k) {
        return [k, td("upf/smf/" + k, bm.get(k), f.count)];
      })) : E("p", { cls: "muted", text: "no PFCP session" }),
      SX.table(["sxdp table", "n:entries"], Array.from(ss.keys()).map(function (k) {
        return [k.replace(/^sessions_/, ""), td("upf/sessions/" + k, ss.get(k), f.count)];
      }))]);
    /* traffic: uplink (N6 breakout + N9), downlink, rates and totals */
    var ul = u.uplink || {}, dl = u.downlink || {}, n6 = ul.n6 || {}, n9 = ul.n9 || {}, bits = new Map();
    var row = function (label, k, x) {
      var pps = SX.rate("upf/" + k + "/packets", x.packets, t), bps = SX.rate("upf/" + k + "/bytes", x.bytes, t);
      bits.set(label, bps === null ? null : bps * 8);
      return [label, td("upf/" + k + "/pps", pps, f.pps), td("upf/" + k + "/bps", bps === null ? null : bps * 8, f.bps),
              td("upf/" + k + "/packets", x.packets, f.pkts), td("upf/" + k + "/bytes", x.bytes, f.bytes)];
    };
    var ub = SX.rate("upf/bytes", u.bytes, t);
    var share = ul.bytes > 0 ? 100 * n6.bytes / ul.bytes : null;
    SX.replace(this.tr, [SX.table(["", "n:pkt/s", "n:bit/s", "n:packets", "n:bytes"], [
      row("uplink", "ul", ul), row("↳ N6 local breakout", "n6", n6), row("↳ N9 to the anchor", "n9", n9),
      row("downlink (N3)", "dl", dl)]),
      E("p", {}, ["uplink bytes broken out locally: ", SX.cell("span", "upf/n6_share", share === null ? null : share.toFixed(1), f.pct, "n"),
                  " (N9: ", SX.cell("span", "upf/n9_share", share === null ? null : (100 - share).toFixed(1), f.pct, "n"), ")"]),
      SX.table(["URRs, all sessions", "n:rate", "n:total"], [
        ["packets", td("upf/pps", SX.rate("upf/packets", u.packets, t), f.pps), td("upf/packets", u.packets, f.pkts)],
        ["bytes", td("upf/bps", ub === null ? null : ub * 8, f.bps), td("upf/bytes", u.bytes, f.bytes)]])]);
    this.chart.push(d.now, bits);
    /* buffering and reports */
    var b = u.buffered || {}, rp = u.reports || {};
    var rr = function (label, k, v, unit) {
      return [label, td("upf/" + k + "/pps", SX.rate("upf/" + k, v, t), function (x) { return SX.si(x, unit + "/s"); }),
              td("upf/" + k, v, function (x) { return x === null || x === undefined ? "– (no PFCP)" : SX.num(x, 0) + " " + unit; })];
    };
    SX.replace(this.bf, [SX.table(["", "n:rate", "n:total"], [
      ["buffered now (BUFF)", "", td("upf/buffered/now", b.now, f.pkts)],
      rr("packets buffered", "buffered/packets", b.packets, "pkt"),
      rr("buffered, dropped", "buffered/dropped", b.dropped, "pkt"),
      rr("DL data notifications raised", "reports/dl_data_raised", rp.dl_data_raised, "ntf"),
      rr("usage reports raised", "reports/usage_raised", rp.usage_raised, "rep"),
      rr("PFCP reports sent", "reports/sent", rp.sent, "rep"),
      rr("PFCP DL Data Reports sent", "reports/dl_data_sent", rp.dl_data_sent, "rep"),
      rr("PFCP reports failed", "reports/failed", rp.failed, "rep")]),
      /* GTP-U paths: sxdp's Echo supervision of each far end in use */
      (u.paths || []).length ? SX.table(["GTP-U path (far end)", "state", "n:since", "n:RTT", "n:failures", "n:recoveries"],
        u.paths.map(function (p) {
          return [p.peer, SX.stateWord("upf/path/" + p.peer + "/state", p.state),
                  td("upf/path/" + p.peer + "/since", p.since_s, function (x) { return SX.num(x, 0) + " s"; }),
                  td("upf/path/" + p.peer + "/rtt", p.rtt_us, function (x) { return SX.num(x / 1000, 2) + " ms"; }),
                  td("upf/path/" + p.peer + "/fails", p.fails, f.count),
                  td("upf/path/" + p.peer + "/recoveries", p.recoveries, f.count)];
        })) : E("p", { cls: "muted", text: "no GTP-U path supervised (a link's echo_interval_s, peers in use)" })]);
    var ev = SX.map(u.events), names = SX.keys(ev);
    SX.replace(this.ev, names.length ? [SX.table(["event", "n:rate", "n:total"], names.map(function (k) {
      return [k, td("upf/event/" + k + "/pps", SX.rate("upf/event/" + k, ev.get(k), t), f.pps), td("upf/event/" + k, ev.get(k), f.count)];
    }))] : [E("p", { cls: "muted", text: "no event since start (buffered packets, end markers, reports show here)" })]);
    var sv = d.status.services || {};
    SX.replace(this.sv, [E("pre", { cls: "scroll", "data-k": "services", text: JSON.stringify(sv, null, 1) })]);
  }
});
