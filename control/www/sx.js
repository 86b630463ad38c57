/* The page's shell: views register here (the generic ones from control/www,
 * each feature's from its feat/<f>.js, as sxcd's features register from
 * constructors); one poll a second of the public API feeds them all.
 * Memory stays bounded however long the page is open: rates keep one
 * previous sample per key seen in the last answer, charts fixed rings. */
"use strict";
var SX = (function () {
  var views = [];
  var HISTORY = 300;           /* samples a chart keeps: 5 minutes at 1 s */

  function token() { return sessionStorage.getItem("sxcd_token"); }

  /* GET of the public API; 401 sends the tab to the login page. */
  function api(path) {
    var h = {};
    if (token()) h.Authorization = "Bearer " + token();
    return fetch("/api/v1/" + path, { headers: h, cache: "no-store" }).then(function (r) {
      if (r.status === 401) {
        sessionStorage.removeItem("sxcd_token");
        document.cookie = "sxcd_token=; Path=/; Max-Age=0; SameSite=Strict";
        location.replace("/");
        throw new Error("401");
      }
      if (!r.ok) return r.json().then(function (b) { throw new Error(path + ": " + r.status + " " + ((b.error || {}).message || "")); });
      return r.json();
    });
  }

  /* ------------------------------------------------------------ numbers */
  function num(v, digits) {
    if (v === null || v === undefined || isNaN(v)) return "–";
    return Number(v).toLocaleString("en-US", { maximumFractionDigits: digits === undefined ? 1 : digits });
  }
  var SI = [[1e9, "G"], [1e6, "M"], [1e3, "k"]];
  function si(v, unit, digits) {
    if (v === null || v === undefined || isNaN(v)) return "– " + unit;
    for (var i = 0; i < SI.length; i++)
      if (Math.abs(v) >= SI[i][0]) return num(v / SI[i][0], digits === undefined ? 2 : digits) + " " + SI[i][1] + unit;
    return num(v, digits === undefined ? 1 : digits) + " " + unit;
  }
  var fmt = {
    pps: function (v) { return si(v, "pkt/s"); },
    bps: function (v) { return si(v, "bit/s"); },
    pkts: function (v) { return num(v, 0) + " pkt"; },
    bytes: function (v) { return si(v, "B"); },
    us: function (v) { return v >= 1000 ? num(v / 1000, 2) + " ms" : num(v, 0) + " µs"; },
    pm: function (v) { return num(v / 10, 1) + " %"; },
    pct: function (v) { return num(v, 1) + " %"; },
    cyc: function (v) { return num(v, 1) + " cycles/pkt"; },
    count: function (v) { return num(v, 0); },
    bpsRate: function (v) { return si(v, "bit/s"); }
  };

  /* A cell that shows @v with its unit and carries the raw value (data-v)
   * and what it is (data-k), for a reader that compares with the API. */
  function cell(tag, k, v, f, cls) {
    var e = document.createElement(tag);
    e.className = cls === undefined ? "n" : cls;
    e.dataset.k = k;
    e.dataset.v = v === null || v === undefined ? "" : String(v);
    e.textContent = f ? f(v) : String(v);
    return e;
  }
  function stateWord(k, s) {
    var e = document.createElement("span");
    e.className = "state";
    e.dataset.k = k;
    e.dataset.state = s;
    e.dataset.v = s;
    e.textContent = s;
    return e;
  }
  function el(tag, attrs, kids) {
    var e = document.createElement(tag);
    for (var a in attrs || {}) {
      if (a === "text") e.textContent = attrs[a];
      else if (a === "cls") e.className = attrs[a];
      else e.setAttribute(a, attrs[a]);
    }
    (kids || []).forEach(function (c) { if (c !== null && c !== undefined) e.appendChild(typeof c === "string" ? document.createTextNode(c) : c); });
    return e;
  }
  /* A table from @head (["name", "n:rate"...]: "n:" right-aligned) and rows
   * of cells (elements or strings). */
  function table(head, rows) {
    var t = el("table"), tr = el("tr");
    head.forEach(function (h) { tr.appendChild(el("th", { cls: h.indexOf("n:") === 0 ? "n" : "", text: h.replace(/^n:/, "") })); });
    t.appendChild(el("thead", {}, [tr]));
    var tb = el("tbody");
    rows.forEach(function (r) {
      var row = el("tr");
      r.forEach(function (c) { row.appendChild(c instanceof Element && c.tagName === "TD" ? c : el("td", {}, [c])); });
      tb.appendChild(row);
    });
    t.appendChild(tb);
    return el("div", { cls: "scroll" }, [t]);
  }
  function td(k, v, f) { return cell("td", k, v, f); }
  function replace(node, kids) {
    while (node.firstChild) node.removeChild(node.firstChild);
    kids.forEach(function (k) { if (k) node.appendChild(k); });
  }

  /* ------------------------------------------------------------ rates */
  var prev = new Map(), seen = new Set();
  /* Per second of counter @k now @v (null until two samples). */
  function rate(k, v, t) {
    seen.add(k);
    var p = prev.get(k);
    prev.set(k, { v: v, t: t });
    if (!p || t <= p.t || v < p.v) return p && v < p.v ? 0 : null;
    return (v - p.v) / ((t - p.t) / 1000);
  }
  function delta(k, v, t) {
    seen.add(k);
    var p = prev.get(k);
    prev.set(k, { v: v, t: t });
    return p && v >= p.v ? v - p.v : null;
  }
  function prune() {
    prev.forEach(function (_, k) { if (!seen.has(k)) prev.delete(k); });
    seen.clear();
  }

  /* ------------------------------------------------------------ charts */
  /* A fixed ring of the last HISTORY samples of one or more series. */
  function Ring(n) { this.n = n; this.t = new Array(n).fill(null); this.s = {}; this.i = 0; this.len = 0; }
  Ring.prototype.push = function (t, vals) {
    for (var k in vals) {
      if (!this.s[k]) this.s[k] = new Array(this.n).fill(null);
      this.s[k][this.i] = vals[k];
    }
    for (var k2 in this.s) if (!(k2 in vals)) this.s[k2][this.i] = null;
    this.t[this.i] = t;
    this.i = (this.i + 1) % this.n;
    this.len = Math.min(this.len + 1, this.n);
  };
  Ring.prototype.ordered = function (arr) {
    var out = [];
    for (var j = 0; j < this.len; j++) out.push(arr[(this.i - this.len + j + this.n) % this.n]);
    return out;
  };
  var COLORS = ["#1f5fbf", "#1b873f", "#c62828", "#b26a00", "#7b3fbf", "#00838f", "#5b6676"];
  /* A line chart of a ring, in @box; numbers are shown elsewhere, so no
   * Chart.js (not installed) only loses the drawing. */
  function LineChart(box, unit) {
    this.ring = new Ring(HISTORY);
    this.unit = unit;
    this.chart = null;
    if (typeof Chart === "undefined") {
      box.appendChild(el("p", { cls: "muted", text: "(charts need Chart.js: libjs-chart.js)" }));
      return;
    }
    var c = el("canvas", { role: "img", "aria-label": "chart in " + unit });
    box.appendChild(el("div", { cls: "chart" }, [c]));
    this.chart = new Chart(c, {
      type: "line",
      data: { labels: [], datasets: [] },
      options: { animation: false, responsive: true, maintainAspectRatio: false, parsing: true,
        elements: { point: { radius: 0 } },
        scales: { x: { ticks: { maxTicksLimit: 6 } }, y: { beginAtZero: true, title: { display: true, text: unit } } },
        plugins: { legend: { labels: { boxWidth: 12 } } } }
    });
  }
  LineChart.prototype.push = function (t, vals) {
    this.ring.push(t, vals);
    if (!this.chart) return;
    var r = this.ring, ds = this.chart.data.datasets, keys = Object.keys(r.s);
    this.chart.data.labels = r.ordered(r.t).map(function (x) { return new Date(x).toLocaleTimeString("en-GB"); });
    keys.forEach(function (k, i) {
      var d = ds.find(function (x) { return x.label === k; });
      if (!d) { d = { label: k, data: [], borderColor: COLORS[i % COLORS.length], borderWidth: 1.5, fill: false, spanGaps: true }; ds.push(d); }
      d.data = r.ordered(r.s[k]);
    });
    this.chart.update("none");
  };

  /* ------------------------------------------------------------ the loop */
  function register(v) { views.push(v); }

  var busy = false;
  function tick() {
    if (busy) return;          /* a slow answer does not pile polls up */
    busy = true;
    var t = Date.now(), conn = document.getElementById("sx-conn");
    Promise.all([api("status"), api("topology").catch(function (e) { return { _error: String(e) }; }),
                 api("counters").catch(function (e) { return { _error: String(e) }; })]).then(function (r) {
      var d = { t: t, status: r[0], topology: r[1], counters: r[2] };
      views.forEach(function (v) {
        try { v.update(d); } catch (e) { console.warn("view " + v.id + ": " + e); }
      });
      prune();
      var st = (r[0].sxdp || {}).state || "unknown";
      conn.dataset.state = st === "connected" ? "connected" : "error";
      conn.textContent = "sxdp " + st;
      document.getElementById("sx-updated").textContent = "updated " + new Date(t).toLocaleTimeString("en-GB");
      document.body.dataset.polls = String((+document.body.dataset.polls || 0) + 1);
    }, function (e) {
      conn.dataset.state = "error";
      conn.textContent = "sxcd: " + e.message;
    }).then(function () { busy = false; });
  }

  function start() {
    views.sort(function (a, b) { return a.order - b.order; });
    var nav = document.getElementById("sx-tabs"), main = document.getElementById("sx-views");
    var want = (location.hash || "").slice(1);
    views.forEach(function (v, i) {
      var sec = el("section", { cls: "view", id: "view-" + v.id, "aria-label": v.title });
      var b = el("button", { type: "button", id: "tab-" + v.id, "aria-selected": "false", text: v.title });
      b.addEventListener("click", function () { show(v.id); });
      nav.appendChild(b);
      main.appendChild(sec);
      v.init(sec);
      if (!want && i === 0) want = v.id;
    });
    show(want);
    if (token()) {
      var lo = document.getElementById("sx-logout");
      lo.hidden = false;
      lo.addEventListener("click", function () {
        sessionStorage.removeItem("sxcd_token");
        document.cookie = "sxcd_token=; Path=/; Max-Age=0; SameSite=Strict";
        location.replace("/");
      });
    }
    tick();
    setInterval(tick, 1000);
  }
  /* A view's tab shown or not (a view with nothing to show on this box, as
   * the fleet's on a box with no fleet); the view shown keeps its tab. */
  function tab(id, on) {
    var b = document.getElementById("tab-" + id);
    if (b) b.hidden = !on && b.getAttribute("aria-selected") !== "true";
  }
  function show(id) {
    views.forEach(function (v) {
      var on = v.id === id;
      document.getElementById("view-" + v.id).hidden = !on;
      document.getElementById("tab-" + v.id).setAttribute("aria-selected", on ? "true" : "false");
    });
    if (history.replaceState) history.replaceState(null, "", "#" + id);
  }

  return { register: register, start: start, show: show, tab: tab, api: api, fmt: fmt, num: num, si: si,
           cell: cell, td: td, stateWord: stateWord, el: el, table: table, replace: replace,
           rate: rate, delta: delta, LineChart: LineChart, Ring: Ring, HISTORY: HISTORY };
})();
