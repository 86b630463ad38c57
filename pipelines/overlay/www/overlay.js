/* The overlay's view: this site, its WAN links, the peer sites and every
 * path (SVG), each coloured by state with its state word and live RTT,
 * jitter and loss; the active path per slice, policy and peer as sxdp
 * picks it (active_paths); the last path and active-path changes sxdp
 * kept, with their time and cause (path_events). From /api/v1/topology. */
"use strict";
(function () {
  var NS = "http://www.w3.org/2000/svg";
  function s(tag, attrs, text) {
    var e = document.createElementNS(NS, tag);
    Object.keys(attrs).forEach(function (a) { e.setAttribute(a, attrs[a]); });
    if (text !== undefined) e.textContent = text;
    return e;
  }
  SX.register({
    id: "topology", title: "Topology", order: 10,
    init: function (sec) {
      var E = SX.el;
      this.svg = s("svg", { viewBox: "0 0 900 300", role: "img", "aria-label": "site, WAN links, peers and paths" });
      this.paths = E("div"); this.active = E("div"); this.ev = E("ol", { cls: "events", reversed: "" });
      sec.appendChild(E("div", { cls: "grid" }, [
        E("div", { cls: "card topo", style: "grid-column: 1 / -1" }, [E("h2", { text: "Site and paths" }), this.svg]),
        E("div", { cls: "card" }, [E("h2", { text: "Paths" }), this.paths]),
        E("div", { cls: "card" }, [E("h2", { text: "Active path per slice, policy and peer" }), this.active]),
        E("div", { cls: "card" }, [E("h2", { text: "Failover events (sxdp keeps the last 256)" }), this.ev])]));
    },
    update: function (d) {
      var topo = d.topology, at = d.topologyAt, f = SX.fmt, td = SX.td;
      function bits(r) { return r === null ? null : r * 8; }
      if (topo._error) return;
      var wan = topo.wan || [], peers = topo.peers || [], site = ((topo.box || {}).site || {}).spec || {};
      /* --- the drawing: site | WAN links | peers */
      var svg = this.svg, H = Math.max(300, 70 * Math.max(wan.length, peers.length, 1) + 40);
      svg.setAttribute("viewBox", "0 0 900 " + H);
      while (svg.firstChild) svg.removeChild(svg.firstChild);
      var siteY = H / 2, wy = new Map(), py = new Map();
      wan.forEach(function (w, i) { wy.set(w.name, (i + 1) * H / (wan.length + 1)); });
      peers.forEach(function (p, i) { py.set(p.name, (i + 1) * H / (peers.length + 1)); });
      wan.forEach(function (w) { svg.appendChild(s("line", { x1: 110, y1: siteY, x2: 300, y2: wy.get(w.name), stroke: "#5b6676", "stroke-width": 2 })); });
      peers.forEach(function (p) {
        (p.paths || []).forEach(function (pa, j) {
          var y1 = wy.has(pa.wan) ? wy.get(pa.wan) : siteY, y2 = py.get(p.name) + (j - ((p.paths.length - 1) / 2)) * 10;
          var ln = s("line", { x1: 410, y1: y1, x2: 700, y2: y2, "class": "path", "data-state": pa.state, "data-k": "path/" + p.name + "/" + pa.id });
          ln.appendChild(s("title", {}, "path " + pa.id + " " + pa.wan + " → " + p.name + " " + pa.address + ": " + pa.state));
          svg.appendChild(ln);
          var mx = 540, my = (y1 + y2) / 2 - 4 + (j % 2 ? 14 : 0);
          svg.appendChild(s("text", { x: mx, y: my, "text-anchor": "middle", "data-k": "pathlabel/" + p.name + "/" + pa.id },
            (pa.encryption ? "🔒 " : "") + pa.state + " · " + f.us(pa.rtt_us) + " · loss " + f.pm(pa.loss_pm)));
        });
      });
      function box(x, y, w, label, sub) {
        var g = s("g", { "class": "node" });
        g.appendChild(s("rect", { x: x - w / 2, y: y - 22, width: w, height: 44, rx: 6 }));
        g.appendChild(s("text", { x: x, y: y - 3, "text-anchor": "middle", "font-weight": 600 }, label));
        g.appendChild(s("text", { x: x, y: y + 13, "text-anchor": "middle" }, sub));
        svg.appendChild(g);
      }
      box(60, siteY, 100, "this site", site.id !== undefined ? "id " + site.id : "");
      wan.forEach(function (w) { box(340, wy.get(w.name), 140, w.name, w.port + (w.rate_bps ? " · " + SX.si(w.rate_bps, "bit/s", 0) : "")); });
      peers.forEach(function (p) {
        box(790, py.get(p.name), 150, p.name, p.paths_up + "/" + (p.paths || []).length + " paths up");
      });
      /* a path's encryption in words: the lock and what it is, or "clear" */
      function cipherWords(e) {
        if (!e) return "clear";
        var a = Number(e.age_ms) / 1000;
        var age = a < 120 ? SX.num(a, 0) + " s" : a < 7200 ? SX.num(a / 60, 0) + " min" : SX.num(a / 3600, 1) + " h";
        if (e.protocol === "wireguard")
          return "🔒 WireGuard (ChaCha20-Poly1305), index 0x" + Number(e.spi).toString(16) + ", session of " + age +
            (e.sas > 1 ? " (renewing: " + e.sas + " sessions)" : "");
        return "🔒 " + String(e.protocol).toUpperCase() + " " + e.cipher + ", SPI 0x" + Number(e.spi).toString(16) +
          ", keyed " + age + " ago" + (e.sas > 1 ? " (rekeying: " + e.sas + " SAs)" : "");
      }
      /* --- the table */
      var rows = [];
      peers.forEach(function (p) {
        (p.paths || []).forEach(function (pa) {
          var k = "path/" + p.name + "/" + pa.id;
          rows.push([p.name + " #" + pa.id, pa.wan + " → " + pa.address, SX.stateWord(k + "/state", pa.state),
            SX.el("span", { "data-k": k + "/encryption", text: cipherWords(pa.encryption) }),
            td(k + "/rtt_us", pa.rtt_us, f.us), td(k + "/jitter_us", pa.jitter_us, f.us), td(k + "/loss_pm", pa.loss_pm, f.pm),
            td(k + "/pps", SX.rate(k + "/packets", pa.packets, at), f.pps), td(k + "/bps", bits(SX.rate(k + "/bytes", pa.bytes, at)), f.bps)]);
        });
      });
      SX.replace(this.paths, rows.length ? [SX.table(["peer", "via", "state", "encryption", "n:RTT", "n:jitter", "n:loss", "n:rate", "n:"], rows)]
        : [SX.el("p", { cls: "muted", text: "no peer" })]);
      /* --- active path per slice, policy and peer: sxdp's own picks */
      function pathText(x) { return "#" + x.id + (x.wan ? " via " + x.wan : ""); }
      var STATE = new Map([["ok", "in use"], ["none_up", "none up"], ["sla_unmet", "SLA unmet"]]);
      var act = (topo.active_paths || []).map(function (a) {
        var k = "active/" + a.slice + "/" + a.peer + (a["class"] ? "/c" + a["class"] : ""), first = (a.active || [])[0];
        return [a.slice || "–", a.policy || (a["class"] ? "class " + a["class"] : "slice default"), a.peer || "–", a.mode,
          first ? SX.cell("span", k, first.id, function () { return a.active.map(pathText).join(", "); }, "")
                : SX.cell("span", k, "", function () { return "–"; }, "muted"),
          SX.stateWord(k + "/state", STATE.get(a.state) || String(a.state)),
          (a.paths || []).map(pathText).join(" › ")];
      });
      SX.replace(this.active, act.length ? [SX.table(["slice", "policy", "peer", "mode", "active path", "state", "preference"], act)]
        : [SX.el("p", { cls: "muted", text: "no slice stretched to a peer" })]);
      /* --- failover events: sxdp's ring (newest first), not what the
       * page saw between polls */
      var pe = topo.path_events || { events: [] }, evs = (pe.events || []).slice().reverse();
      function where(x) { return x ? (x.peer ? x.peer + " " : "") + "path " + x.id + (x.wan ? " (" + x.wan + " → " + x.address + ")" : "") : ""; }
      SX.replace(this.ev, evs.map(function (e) {
        var li = SX.el("li", { "data-k": "event", "data-seq": String(e.seq), "data-type": e.type, "data-why": e.why }), txt;
        li.appendChild(document.createTextNode(new Date(e.time_ms).toLocaleTimeString("en-GB") + " "));
        if (e.type === "path") {
          li.appendChild(SX.stateWord("event/state", e["new"]));
          txt = " " + where(e.path) + " " + e.old + " → " + e["new"] + ": " + e.why.replace(/_/g, " ") +
            " (RTT " + f.us(e.rtt_us) + ", loss " + f.pm(e.loss_pm) + ")";
        } else {
          li.appendChild(SX.stateWord("event/state", (e["new"] || []).length ? "moved" : "none up"));
          txt = " " + (e.slice || "tunnel " + e.tunnel) + (e.policy ? "/" + e.policy : "") + " → " + (e.peer || "") + ": " +
            ((e.old || []).map(pathText).join(", ") || "none") + " → " + ((e["new"] || []).map(pathText).join(", ") || "none") +
            " (" + e.mode + "): " + e.why.replace(/_/g, " ");
        }
        li.appendChild(document.createTextNode(txt));
        return li;
      }));
      if (pe.lost) this.ev.appendChild(SX.el("li", { cls: "muted", text: SX.num(pe.lost, 0) + " older events overwritten" }));
      if (!evs.length) this.ev.appendChild(SX.el("li", { cls: "muted", text: "no path change since sxdp started" }));
    }
  });
})();
