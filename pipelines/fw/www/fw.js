/* Slice firewalls: each slice's defaults per direction and its rules
 * (lowest id first) as sxdp holds them, with the new connections each
 * decided (a deny rule's: the packets it dropped) and their rates, and
 * the drops by reason. From /api/v1/counters (firewall). */
"use strict";
SX.register({
  id: "fw", title: "Firewall", order: 36,
  init: function (sec) {
    var E = SX.el;
    this.sl = E("div"); this.dr = E("div");
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Slices' firewalls" }), this.sl]),
      E("div", { cls: "card" }, [E("h2", { text: "Dropped" }), this.dr])]));
  },
  update: function (d) {
    var x = d.counters.firewall, t = d.countersAt, td = SX.td, E = SX.el;
    if (d.counters._error) return;
    if (!x) {
      SX.replace(this.sl, [E("p", { cls: "muted", text: "sxdp has no firewall (the fw feature runs with the edge)" })]);
      SX.replace(this.dr, []);
      return;
    }
    var hits = function (k, v) {
      var r = SX.rate(k, v || 0, t);
      return [td(k, v, function (n) { return SX.num(n || 0, 0); }), td(k + "/rate", r, function (n) { return SX.si(n, "/s"); })];
    };
    var parts = (x.slices || []).map(function (s) {
      var who = s.slice ? s.slice + " (vrf " + s.vrf + ")" : "vrf " + s.vrf, k = "fw/" + s.vrf;
      var rows = [["default", "in", s["default"].in, "", "", ""].concat(hits(k + "/default/in", s.default_hits.in)),
                  ["default", "out", s["default"].out, "", "", ""].concat(hits(k + "/default/out", s.default_hits.out))];
      (s.rules || []).forEach(function (r) {
        rows.push([String(r.id), r.dir, r.action, r.proto, r.src + " " + r.sport, r.dst + " " + r.dport]
                  .concat(hits(k + "/rule/" + r.id, r.hits)));
      });
      return E("div", {}, [E("h3", { text: who }),
        SX.table(["rule", "dir", "action", "proto", "source", "destination", "n:hits", "n:per s"], rows)]);
    });
    SX.replace(this.sl, parts.length ? parts : [E("p", { cls: "muted", text: "no slice has a firewall: every connection at a slice's edge goes" })]);
    SX.replace(this.dr, [SX.table(["", "n:packets", "n:per s"], [
      ["by a deny rule (fw.rule_deny)"].concat(hits("fw/drops/rule_deny", x.drops.rule_deny)),
      ["by a default (fw.default_deny)"].concat(hits("fw/drops/default_deny", x.drops.default_deny))])]);
  }
});
