/* The page's shell: views register here (the generic ones from control/sxcd/www,
 * each feature's from its feat/<f>.js, as sxcd's features register from
 * constructors); one poll a second of the public API feeds them all.
 * Memory stays bounded however long the page is open, whatever names come
 * and go: rates keep one previous sample per key seen in the last answer,
 * charts fixed rings of the series in the last answer only. Names are
 * the operator's (any of [A-Za-z0-9_.-], "constructor" and "__proto__"
 * too): they key Maps, never plain objects. The page holds no credential
 * but its session's key (login.js put it in this tab's sessionStorage),
 * sent as X-Sxcd-Session beside the HttpOnly session cookie the browser
 * sends by itself: sxcd wants both. */
"use strict";
var SX = (function () {
  var views = [];
  var HISTORY = 300;           /* samples a chart keeps: 5 minutes at 1 s */

  var KEY = "sxcd_session_key";
  function keyed(headers) {
    var k = null;
    try { k = sessionStorage.getItem(KEY); } catch (e) { /* storage off: no session here */ }
    if (k) headers["X-Sxcd-Session"] = k;
    return headers;
  }
  /* GET of the public API; 401 (no session, or it ended, or this tab has
   * not its key) sends the tab to the login page. */
  function api(path) {
    return fetch("/api/v1/" + path, { cache: "no-store", credentials: "same-origin", headers: keyed({}) }).then(function (r) {
      if (r.status === 401) {
        try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
        location.replace("/ui/login.html");
        throw new Error("401");
      }
      if (!r.ok) return r.json().then(function (b) { throw new Error(path + ": " + r.status + " " + ((b.error || {}).message || "")); },
                                      function () { throw new Error(path + ": " + r.status); });
      return r.json();
    });
  }

  /* ------------------------------------------------------------ JSON */
  function isObj(v) { return v !== null && typeof v === "object" && !Array.isArray(v); }
  /* A JSON object's own members as a Map (an empty one for anything else). */
  function map(o) {
    var m = new Map();
    if (isObj(o)) Object.keys(o).forEach(function (k) { m.set(k, o[k]); });
    return m;
  }
  /* The Map's keys, sorted. */
  function keys(m) { return Array.from(m.keys()).sort(); }

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
    /* null or undefined: not measured (a BFD path has no RTT) */
    us: function (v) { return v === null || v === undefined ? "–" : v >= 1000 ? num(v / 1000, 2) + " ms" : num(v, 0) + " µs"; },
    pm: function (v) { return v === null || v === undefined ? "–" : num(v / 10, 1) + " %"; },
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
    Object.keys(attrs || {}).forEach(function (a) {
      if (a === "text") e.textContent = attrs[a];
      else if (a === "cls") e.className = attrs[a];
      else e.setAttribute(a, attrs[a]);
    });
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
  /* Every rate is over the answers' own clock: "sample" in /counters,
   * /topology and an item's answer is when sxdp read the counters
   * ({ms, boot_id}, sxdp's clock). The browser's clock would turn an
   * answer held up on the way (sxcd's loop busy, a loaded box) into a
   * spike and the next one into a dip. No sample, no rate. */
  function sampleOf(answer) {
    var s = isObj(answer) ? answer.sample : null;
    return isObj(s) && typeof s.ms === "number" && isFinite(s.ms) ? { ms: s.ms, boot: String(s.boot_id) } : null;
  }
  var prev = new Map(), seen = new Set();
  /* @v's change since this key's previous sample (a restart of sxdp or a
   * counter cleared: none); the same sample again gives the same answer. */
  function change(k, v, at, per) {
    seen.add(k);
    if (!at || typeof v !== "number" || !isFinite(v)) return null;
    var p = prev.get(k), out = null;
    if (p && p.boot === at.boot && p.ms === at.ms && p.v === v) return p.out;
    if (p && p.boot === at.boot && at.ms > p.ms && v >= p.v) out = per ? (v - p.v) / ((at.ms - p.ms) / 1000) : v - p.v;
    prev.set(k, { v: v, ms: at.ms, boot: at.boot, out: out });
    return out;
  }
  /* Per second of counter @k now @v as sampled @at (sampleOf); null until two samples. */
  function rate(k, v, at) { return change(k, v, at, true); }
  function delta(k, v, at) { return change(k, v, at, false); }
  function prune() {
    prev.forEach(function (_, k) { if (!seen.has(k)) prev.delete(k); });
    seen.clear();
  }

  /* ------------------------------------------------------------ charts */
  /* A fixed ring of the last HISTORY samples of the series in the last
   * answer: a name gone from it goes from the ring with its history. A
   * chart draws all HISTORY slots from the first sample (the empty ones
   * blank): a fixed time window, and what it holds is fixed per series
   * from the start, not growing for 5 minutes. */
  function Ring(n) { this.n = n; this.t = new Array(n).fill(null); this.s = new Map(); this.i = 0; }
  /* @vals: Map name → value (null: no value this time, the series kept). */
  Ring.prototype.push = function (t, vals) {
    var self = this;
    this.s.forEach(function (_, k) { if (!vals.has(k)) self.s.delete(k); });
    vals.forEach(function (v, k) {
      var a = self.s.get(k);
      if (!a) { a = new Array(self.n).fill(null); self.s.set(k, a); }
      a[self.i] = typeof v === "number" && isFinite(v) ? v : null;
    });
    this.t[this.i] = t;
    this.i = (this.i + 1) % this.n;
  };
  /* @arr's slots, the oldest first. */
  Ring.prototype.ordered = function (arr) {
    var out = new Array(this.n);
    for (var j = 0; j < this.n; j++) out[j] = arr[(this.i + j) % this.n];
    return out;
  };
  var COLORS = ["#1f5fbf", "#1b873f", "#c62828", "#b26a00", "#7b3fbf", "#00838f", "#5b6676"];
  var charts = [];
  /* A line chart of a ring, in @box, named @id; numbers are shown
   * elsewhere, so no Chart.js (not installed) only loses the drawing. */
  function LineChart(box, unit, id) {
    this.ring = new Ring(HISTORY);
    this.unit = unit;
    this.id = id;
    this.chart = null;
    this.colors = 0;
    charts.push(this);
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
  /* One sample: @t (ms, the browser's: the time axis only, no rate from
   * it) and @vals, Map series → value. */
  LineChart.prototype.push = function (t, vals) {
    var r = this.ring, self = this;
    r.push(t, vals);
    if (!this.chart) return;
    var ds = this.chart.data.datasets.filter(function (d) { return r.s.has(d.label); }), have = new Set();
    ds.forEach(function (d) { have.add(d.label); d.data = r.ordered(r.s.get(d.label)); });
    r.s.forEach(function (arr, k) {
      if (have.has(k)) return;
      ds.push({ label: k, data: r.ordered(arr), borderColor: COLORS[self.colors++ % COLORS.length], borderWidth: 1.5,
                fill: false, spanGaps: true });
    });
    this.chart.data.datasets = ds;
    this.chart.data.labels = r.ordered(r.t).map(function (x) { return x === null ? "" : new Date(x).toLocaleTimeString("en-GB"); });
    this.chart.update("none");
  };
  /* What the charts hold (for a reader checking the page keeps no more
   * than the answer has): per chart its unit, series and datasets drawn. */
  function chartsNow() {
    return charts.map(function (c) {
      return { id: c.id, unit: c.unit, series: keys(c.ring.s), drawn: c.chart ? c.chart.data.datasets.length : null };
    });
  }

  /* ------------------------------------------------------------ the loop */
  function register(v) { views.push(v); }

  /* A banner when sxcd runs with no credential at all (--insecure-no-auth):
   * anyone who reaches it reads and writes everything. */
  function authShown(st) {
    var auth = isObj(st) && isObj(st.auth) ? st.auth : {}, none = auth.mode === "none";
    document.getElementById("sx-insecure").hidden = !none;
    document.getElementById("sx-logout").hidden = auth.mode !== "token";
  }

  var busy = false;
  function tick() {
    if (busy) return;          /* a slow answer does not pile polls up */
    busy = true;
    var conn = document.getElementById("sx-conn");
    Promise.all([api("status"), api("topology").catch(function (e) { return { _error: String(e) }; }),
                 api("counters").catch(function (e) { return { _error: String(e) }; })]).then(function (r) {
      /* now: the browser's, for the time axis and schedules; each
       * answer's sample: for its rates */
      var d = { now: Date.now(), status: r[0], topology: r[1], counters: r[2],
                topologyAt: sampleOf(r[1]), countersAt: sampleOf(r[2]) };
      authShown(r[0]);
      views.forEach(function (v) {
        try { v.update(d); } catch (e) { console.warn("view " + v.id + ": " + e); }
      });
      /* a failed answer keeps the samples: the next rates span the gap */
      if (!r[1]._error && !r[2]._error) prune();
      var st = ((isObj(r[0]) ? r[0].sxdp : null) || {}).state || "unknown";
      conn.dataset.state = st === "connected" ? "connected" : "error";
      conn.textContent = "sxdp " + st;
      document.getElementById("sx-updated").textContent = "updated " + new Date(d.now).toLocaleTimeString("en-GB");
      /* for a reader checking the rates: when sxdp read these counters */
      document.body.dataset.countersMs = d.countersAt ? String(d.countersAt.ms) : "";
      document.body.dataset.polls = String((+document.body.dataset.polls || 0) + 1);
    }, function (e) {
      conn.dataset.state = "error";
      conn.textContent = "sxcd: " + e.message;
    }).then(function () { busy = false; });
  }

  /* Log out: sxcd ends the session (the cookie then opens nothing), then
   * "/" (the login page). Said when sxcd does not answer. */
  function logout() {
    fetch("/api/v1/logout", { method: "POST", headers: keyed({ "Content-Type": "application/json" }), body: "{}",
                              credentials: "same-origin", cache: "no-store" }).then(function (r) {
      if (r.status === 204 || r.status === 401) {
        try { sessionStorage.removeItem(KEY); } catch (e) { /* nothing kept */ }
        location.replace("/");
        return;
      }
      throw new Error(String(r.status));
    }).catch(function (e) {
      var conn = document.getElementById("sx-conn");
      conn.dataset.state = "error";
      conn.textContent = "log out failed (" + e.message + "): the session is still open";
    });
  }

  function start() {
    views.sort(function (a, b) { return a.order - b.order; });
    var nav = document.getElementById("sx-tabs"), main = document.getElementById("sx-views");
    views.forEach(function (v) {
      var sec = el("section", { cls: "view", id: "view-" + v.id, "aria-label": v.title });
      var b = el("button", { type: "button", id: "tab-" + v.id, "aria-selected": "false", text: v.title });
      b.addEventListener("click", function () { show(v.id); });
      nav.appendChild(b);
      main.appendChild(sec);
      v.init(sec);
    });
    show(location.hash.slice(1));
    window.addEventListener("hashchange", function () { show(location.hash.slice(1)); });
    document.getElementById("sx-logout").addEventListener("click", logout);
    tick();
    setInterval(tick, 1000);
  }
  /* A view's tab shown or not (a view with nothing to show on this box, as
   * the fleet's on a box with no fleet); the view shown keeps its tab. */
  function tab(id, on) {
    var b = document.getElementById("tab-" + id);
    if (b) b.hidden = !on && b.getAttribute("aria-selected") !== "true";
  }
  /* View @id shown, the first one when there is no such view (a link
   * from elsewhere, a view this box does not have): never a blank page. */
  function show(id) {
    var want = views.some(function (v) { return v.id === id; }) ? id : views.length ? views[0].id : "";
    views.forEach(function (v) {
      var on = v.id === want;
      document.getElementById("view-" + v.id).hidden = !on;
      document.getElementById("tab-" + v.id).setAttribute("aria-selected", on ? "true" : "false");
    });
    if (want && location.hash !== "#" + want && history.replaceState) history.replaceState(null, "", "#" + want);
  }

  return { register: register, start: start, show: show, tab: tab, api: api, fmt: fmt, num: num, si: si,
           cell: cell, td: td, stateWord: stateWord, el: el, table: table, replace: replace,
           isObj: isObj, map: map, keys: keys, sampleOf: sampleOf,
           rate: rate, delta: delta, LineChart: LineChart, Ring: Ring, HISTORY: HISTORY, charts: chartsNow };
})();
