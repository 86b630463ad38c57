/* DHCP: the leases the box's DHCP server holds per slice (bound, of them
 * static, offered, declined) as sxdp keeps them in its lease file, its
 * answers (offers, ACKs, NAKs, relayed) and its drops by reason, with
 * their rates. From /api/v1/counters (dhcp). */
"use strict";
SX.register({
  id: "dhcp", title: "DHCP", order: 37,
  init: function (sec) {
    var E = SX.el;
    this.sl = E("div"); this.ev = E("div"); this.dr = E("div");
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Leases by slice" }), this.sl]),
      E("div", { cls: "card" }, [E("h2", { text: "Answers" }), this.ev]),
      E("div", { cls: "card" }, [E("h2", { text: "Dropped requests" }), this.dr])]));
  },
  update: function (d) {
    var x = d.counters.dhcp, t = d.countersAt, td = SX.td, E = SX.el;
    if (d.counters._error) return;
    if (!x) {
      SX.replace(this.sl, [E("p", { cls: "muted", text: "sxdp has no DHCP server (the dhcp feature runs with the switch)" })]);
      SX.replace(this.ev, []);
      SX.replace(this.dr, []);
      return;
    }
    var count = function (n) { return SX.num(n || 0, 0); };
    var rated = function (k, v) {
      return [td(k, v || 0, count), td(k + "/rate", SX.rate(k, v || 0, t), function (n) { return SX.si(n, "/s"); })];
    };
    var rows = (x.slices || []).map(function (s) {
      var k = "dhcp/" + s.vrf + "/";
      return [s.slice ? s.slice + " (vrf " + s.vrf + ")" : "vrf " + s.vrf, td(k + "bound", s.bound, count),
              td(k + "static", s["static"], count), td(k + "offered", s.offered, count),
              td(k + "declined", s.declined, count)];
    });
    SX.replace(this.sl, rows.length ?
      [SX.table(["slice", "n:bound", "n:static", "n:offered", "n:declined"], rows),
       E("p", { cls: "muted", text: "kept in " + (x.file || "the lease file") + " across sxdp's restarts" })] :
      [E("p", { cls: "muted", text: "no leases (a slice's dhcp gives its hosts addresses)" })]);
    var list = function (o, prefix) {
      return Object.keys(o || {}).sort().map(function (k) {
        return [k].concat(rated(prefix + k, o[k]));
      });
    };
    var ev = list(x.events, "dhcp/ev/"), dr = list(x.drops, "dhcp/drop/");
    SX.replace(this.ev, ev.length ? [SX.table(["dhcp.", "n:count", "n:per s"], ev)] :
      [E("p", { cls: "muted", text: "none yet" })]);
    SX.replace(this.dr, dr.length ? [SX.table(["dhcp.", "n:packets", "n:per s"], dr)] :
      [E("p", { cls: "muted", text: "none" })]);
  }
});
