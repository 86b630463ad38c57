/* Slice edges: each slice's edge as sxdp holds it (its outside VRF, its
 * NAT44 pool), the workers' connection and mapping tables, the first
 * connections across the edges with their translation, and the edge's
 * drops by reason with their rates. From /api/v1/counters (edge). */
"use strict";
SX.register({
  id: "edge", title: "Edge (NAT44)", order: 34,
  init: function (sec) {
    var E = SX.el;
    this.sl = E("div"); this.wk = E("div"); this.cn = E("div"); this.dr = E("div");
    sec.appendChild(E("div", { cls: "grid" }, [
      E("div", { cls: "card" }, [E("h2", { text: "Slices' edges" }), this.sl]),
      E("div", { cls: "card" }, [E("h2", { text: "Workers" }), this.wk]),
      E("div", { cls: "card" }, [E("h2", { text: "Connections" }), this.cn]),
      E("div", { cls: "card" }, [E("h2", { text: "Dropped" }), this.dr])]));
  },
  update: function (d) {
    var x = d.counters.edge, t = d.countersAt, td = SX.td, E = SX.el;
    if (d.counters._error) return;
    if (!x) {
      SX.replace(this.sl, [E("p", { cls: "muted", text: "sxdp has no edge (pipelines/edge not built)" })]);
      SX.replace(this.wk, []); SX.replace(this.cn, []); SX.replace(this.dr, []);
      return;
    }
    var num = function (n) { return SX.num(n || 0, 0); };
    var rows = (x.slices || []).map(function (s) {
      var p = s.pool, who = s.slice ? s.slice + " (vrf " + s.vrf + ")" : "vrf " + s.vrf;
      return [who, String(s.outside), p ? p.first + " - " + p.last : "no NAT",
              p ? p.ports + " / " + p.block + " x " + p.blocks + (p.deterministic ? " det " + p.deterministic : "") : "",
              td("edge/" + s.vrf + "/conns", s.connections, num)];
    });
    SX.replace(this.sl, rows.length ? [SX.table(["slice", "outside vrf", "pool", "ports / block x blocks", "n:connections"], rows)]
      : [E("p", { cls: "muted", text: "no slice has an edge" })]);
    SX.replace(this.wk, [SX.table(["worker", "n:connections", "n:capacity", "n:mappings", "n:hosts"],
      (x.workers || []).map(function (w, i) {
        return [String(i), td("edge/w" + i + "/c", w.connections, num), td("edge/w" + i + "/cap", w.capacity, num),
                td("edge/w" + i + "/m", w.mappings, num), td("edge/w" + i + "/h", w.hosts, num)];
      })), E("p", { cls: "muted", text: "timeouts (s): " + Object.keys(x.timeouts || {}).map(function (k) {
        return k + " " + x.timeouts[k]; }).join(", ") })]);
    var proto = function (p) { return p === 6 ? "tcp" : p === 17 ? "udp" : p === 1 ? "icmp" : String(p); };
    var cs = (x.connections || []).map(function (c) {
      var o = c.outside || {}, icmp = c.proto === 1;
      /* an ICMP query's identifier stands for its port */
      var ep = function (a, p) { return icmp ? a + " id " + p : a + ":" + p; };
      return [String(c.vrf), proto(c.proto), c.state, c.dir, ep(c.src, c.sport), icmp ? c.dst : c.dst + ":" + c.dport,
              o.src ? ep(o.src, o.sport) : "-", c.replied ? "yes" : "no",
              td("edge/c/" + c.worker + "/" + c.src + ":" + c.sport + "/" + c.dst + ":" + c.dport, c.packets, num),
              SX.num(c.idle_s || 0, 1) + " s"];
    });
    SX.replace(this.cn, cs.length ? [SX.table(["vrf", "proto", "state", "dir", "inside", "remote", "outside", "replied",
      "n:packets", "n:idle"], cs), E("p", { cls: "muted", text: cs.length + " of " + x.total + " connections" })]
      : [E("p", { cls: "muted", text: "no connection across a slice's edge" })]);
    var drops = Object.keys(x.drops || {}).sort().map(function (k) {
      var v = x.drops[k], r = SX.rate("edge/drops/" + k, v || 0, t);
      return ["edge." + k, td("edge/drops/" + k, v, num), td("edge/drops/" + k + "/rate", r, function (n) { return SX.si(n, "/s"); })];
    });
    SX.replace(this.dr, [SX.table(["reason", "n:packets", "n:per s"], drops)]);
  }
});
