/**
 * The status page served at `GET /` next to the metrics: one self-contained HTML document (no
 * external script, font or style, so it works offline and through a port-forward) that reads
 * `status.json` (status.ts) every two seconds and draws it. Names from the clusters are only ever
 * set as text, never as markup. The URL is relative so the page works under any path prefix.
 */

const STYLE = `
body{font:14px/1.4 system-ui,sans-serif;margin:0;color:#1d232a;background:#f6f7f9}
header{background:#1d3557;color:#fff;padding:12px 20px}
header h1{font-size:18px;margin:0 0 4px}
header .ends{opacity:.85;font-size:13px;word-break:break-all}
main{padding:16px 20px;max-width:1200px}
.cards{display:flex;flex-wrap:wrap;gap:12px;margin-bottom:12px}
.card{background:#fff;border:1px solid #dde1e6;border-radius:6px;padding:8px 12px;flex:1 1 100px}
.card b{display:block;font-size:18px}
.card span{color:#5c6670;font-size:12px}
.bar{background:#e4e7eb;border-radius:4px;height:10px;overflow:hidden;min-width:80px}
.bar i{display:block;height:100%;background:#2a9d8f}
.big.bar{height:16px;margin:4px 0 12px}
table{border-collapse:collapse;width:100%;background:#fff;border:1px solid #dde1e6}
th,td{padding:4px 8px;border-bottom:1px solid #eef0f2;text-align:left;vertical-align:middle}
td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
.state-done{color:#2a7a3a}.state-failed{color:#b00020;font-weight:600}
.state-copying{color:#1d4e89}.state-skipped,.state-waiting{color:#6b7480}
#outcome{display:none;padding:10px 14px;border-radius:6px;margin-bottom:12px;font-weight:600}
#outcome.succeeded{display:block;background:#e3f4e6;color:#1e5a2a}
#outcome.failed,#outcome.interrupted{display:block;background:#fde8ea;color:#8a1020}
#stale{display:none;background:#fff4d6;padding:6px 12px;border-radius:6px;margin-bottom:12px}
svg{background:#fff;border:1px solid #dde1e6;border-radius:6px;width:100%;height:160px}
h2{font-size:15px;margin:18px 0 6px}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(320px,1fr));gap:12px}
footer{color:#6b7480;font-size:12px;padding:12px 20px}
`;

const SCRIPT = `
const $ = (id) => document.getElementById(id);
const count = (n) => Math.round(n).toLocaleString("en-US");
function duration(s) {
  if (s === null || s === undefined) return "unknown";
  s = Math.max(0, Math.round(s));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  if (h > 0) return h + "h" + String(m).padStart(2, "0") + "m";
  if (m > 0) return m + "m" + String(r).padStart(2, "0") + "s";
  return r + "s";
}
function cell(row, text, cls) {
  const td = row.insertCell();
  td.textContent = text;
  if (cls) td.className = cls;
  return td;
}
function bar(td, copied, expected) {
  const outer = document.createElement("div");
  outer.className = "bar";
  const inner = document.createElement("i");
  inner.style.width = (expected > 0 ? Math.min(100, 100 * copied / expected) : 100) + "%";
  outer.appendChild(inner);
  td.appendChild(outer);
}
function chart(svg, points, label) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const ns = "http://www.w3.org/2000/svg";
  const w = Math.max(300, Math.round(svg.getBoundingClientRect().width) || 600), h = 160, pad = 28;
  svg.setAttribute("viewBox", "0 0 " + w + " " + h);
  const max = Math.max(1, ...points.map((p) => p[1]));
  const t0 = points.length ? points[0][0] : 0, t1 = points.length ? points[points.length - 1][0] : 1;
  const x = (t) => pad + (w - 2 * pad) * (t1 > t0 ? (t - t0) / (t1 - t0) : 1);
  const y = (v) => h - pad + 4 - (h - 2 * pad) * v / max;
  const text = (tx, ty, s, anchor) => {
    const el = document.createElementNS(ns, "text");
    el.setAttribute("x", tx); el.setAttribute("y", ty); el.setAttribute("font-size", "11");
    el.setAttribute("fill", "#5c6670");
    if (anchor) el.setAttribute("text-anchor", anchor);
    el.textContent = s; svg.appendChild(el);
  };
  text(pad, 14, label + " (max " + count(max) + ")");
  const axis = document.createElementNS(ns, "line");
  axis.setAttribute("x1", pad); axis.setAttribute("x2", w - pad);
  axis.setAttribute("y1", y(0)); axis.setAttribute("y2", y(0)); axis.setAttribute("stroke", "#c8ced5");
  svg.appendChild(axis);
  text(w - pad, h - 6, duration(t1 - t0) + " shown", "end");
  const line = document.createElementNS(ns, "polyline");
  line.setAttribute("fill", "none"); line.setAttribute("stroke", "#1d4e89");
  line.setAttribute("stroke-width", "2");
  line.setAttribute("points", points.map((p) => x(p[0]).toFixed(1) + "," + y(p[1]).toFixed(1)).join(" "));
  line.setAttribute("data-last", points.length ? String(points[points.length - 1][1]) : "");
  svg.appendChild(line);
}
function reasons(list, counts) {
  list.textContent = "";
  const entries = Object.entries(counts.by_reason);
  if (entries.length === 0) {
    const li = document.createElement("li");
    li.textContent = counts.total > 0 ? count(counts.total) + " (no reason recorded)" : "none";
    list.appendChild(li);
  }
  for (const [reason, n] of entries.sort((a, b) => b[1] - a[1])) {
    const li = document.createElement("li");
    li.textContent = count(n) + " \\u00d7 " + reason;
    list.appendChild(li);
  }
}
function progressRow(body, key, name, item, state, stateClass) {
  const row = body.insertRow();
  row.dataset[key] = name;
  cell(row, name, "name");
  bar(row.insertCell(), item.documents_copied, item.documents_expected);
  cell(row, count(item.documents_copied), "n copied");
  cell(row, count(item.documents_expected), "n expected");
  cell(row, count(item.docs_per_second), "n rate");
  cell(row, state, stateClass);
}
function renderTotals(s) {
  $("ends").textContent = (s.source ? s.source.url : "source not known here") + " \\u2192 " +
    (s.target ? s.target.url : "target not known here");
  $("command").textContent = s.command;
  $("phase").textContent = s.phase;
  $("elapsed").textContent = duration(s.elapsed_seconds);
  $("copied").textContent = count(s.documents_copied);
  $("expected").textContent = count(s.documents_expected);
  $("percent").textContent = s.percent === null ? "\\u2013" : s.percent.toFixed(1) + "%";
  $("rate").textContent = count(s.docs_per_second);
  $("eta").textContent = s.phase === "done" ? "\\u2013" : duration(s.eta_seconds);
  $("overall").style.width = (s.percent === null ? 0 : s.percent) + "%";
  const outcome = $("outcome");
  outcome.className = s.outcome ? s.outcome.status : "";
  outcome.textContent = s.outcome ? s.outcome.status + ": " + s.outcome.message : "";
}
function renderIndices(s) {
  const body = $("indices");
  body.textContent = "";
  for (const index of s.indices) {
    const state = index.state + (index.reason ? ": " + index.reason : "");
    progressRow(body, "index", index.name, index, state, "state state-" + index.state);
  }
  const none = $("no-indices");
  none.style.display = s.indices.length ? "none" : "block";
  none.textContent = s.sync
    ? "Following " + count(s.sync.indices) + " indices (copied by an earlier run of this sync)."
    : s.phase === "done" ? "No index was copied." : "None yet: the plan is being made.";
}
function renderLag(s) {
  $("lag-box").style.display = s.lag ? "block" : "none";
  if (!s.lag) return;
  chart($("lag-chart"), s.lag_history || [], "operations behind the source");
  $("lag").textContent = count(s.lag.operations) + " operations, " + duration(s.lag.seconds);
  $("sync").textContent = s.sync ? count(s.sync.passes) + " passes over " + count(s.sync.indices) +
    " indices: " + count(s.sync.changes) + " changes and " + count(s.sync.deletes) +
    " deletes applied" : "";
}
function renderParts(s) {
  $("parts-box").style.display = s.parts ? "block" : "none";
  if (!s.parts) return;
  const body = $("parts");
  body.textContent = "";
  for (const part of s.parts) {
    const state = part.reachable ? (part.outcome ? part.outcome.status : part.phase) : "not answering";
    progressRow(body, "part", part.url, part, state, "state");
  }
}
function render(s) {
  renderTotals(s);
  renderIndices(s);
  chart($("rate-chart"), s.rate_history, "documents per second");
  renderLag(s);
  reasons($("retries"), s.retries);
  reasons($("dead-letters"), s.dead_letters);
  renderParts(s);
}
let last = 0, ended = false;
async function refresh() {
  try {
    const response = await fetch("status.json", { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    const status = await response.json();
    render(status);
    last = Date.now();
    ended = !!status.outcome;
    $("stale").style.display = "none";
    $("updated").textContent = new Date().toLocaleTimeString();
    document.body.dataset.loaded = "true";
  } catch (error) {
    const stale = $("stale");
    stale.style.display = "block";
    stale.textContent = (ended ? "The run has ended and its server is gone; these are its last figures. " :
      "No answer from the server (" + error.message + "). ") +
      (last ? "Last update " + duration((Date.now() - last) / 1000) + " ago." : "");
  }
}
refresh();
setInterval(refresh, 2000);
`;

const BODY = `
<header><h1>Fetch Migration \u2014 <span id="command">status</span></h1>
<div class="ends" id="ends">loading\u2026</div></header>
<main>
<div id="outcome"></div>
<div id="stale"></div>
<div class="cards">
<div class="card"><span>phase</span><b id="phase">\u2013</b></div>
<div class="card"><span>elapsed</span><b id="elapsed">\u2013</b></div>
<div class="card"><span>documents copied</span><b id="copied">\u2013</b></div>
<div class="card"><span>of expected</span><b id="expected">\u2013</b></div>
<div class="card"><span>done</span><b id="percent">\u2013</b></div>
<div class="card"><span>documents/s</span><b id="rate">\u2013</b></div>
<div class="card"><span>time left</span><b id="eta">\u2013</b></div>
</div>
<div class="big bar"><i id="overall" style="width:0"></i></div>
<div class="charts">
<div><h2>Copy rate</h2><svg id="rate-chart" role="img" aria-label="copy rate"></svg></div>
<div id="lag-box" style="display:none"><h2>Lag: <span id="lag"></span></h2>
<svg id="lag-chart" role="img" aria-label="lag"></svg><p id="sync"></p></div>
</div>
<div id="parts-box" style="display:none"><h2>Engines</h2><table>
<thead><tr><th>endpoint</th><th>progress</th><th class="n">copied</th><th class="n">expected</th>
<th class="n">docs/s</th><th>state</th></tr></thead><tbody id="parts"></tbody></table></div>
<h2>Indices and data streams</h2>
<table><thead><tr><th>name</th><th>progress</th><th class="n">copied</th><th class="n">expected</th>
<th class="n">docs/s</th><th>state</th></tr></thead><tbody id="indices"></tbody></table>
<p id="no-indices">None yet: the plan is being made.</p>
<div class="charts">
<div><h2>Retries by reason</h2><ul id="retries"></ul></div>
<div><h2>Dead letters by reason</h2><ul id="dead-letters"></ul></div>
</div>
</main>
<footer>Refreshed every 2 s from <a href="status.json">status.json</a>; last update
<span id="updated">never</span>. Prometheus series: <a href="metrics/prometheus">metrics/prometheus</a>.
</footer>
`;

/** The page, whole. */
export const STATUS_PAGE_HTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Fetch Migration status</title>
<style>${STYLE}</style></head>
<body>${BODY}<script>${SCRIPT}</script></body></html>
`;

/** Security headers: the page runs only its own inline script and talks only to its server. */
export const STATUS_PAGE_HEADERS: Readonly<Record<string, string>> = {
  "content-type": "text/html; charset=utf-8",
  "content-security-policy":
    "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; " +
    "connect-src 'self'; img-src 'self'",
  "x-content-type-options": "nosniff",
  "cache-control": "no-store",
};

/** Answers `GET /` (the page) and `GET /status.json`, or undefined for any other path. */
export function statusResponse(path: string, status: () => unknown): Response | undefined {
  if (path === "/" || path === "/index.html") {
    return new Response(STATUS_PAGE_HTML, { headers: { ...STATUS_PAGE_HEADERS } });
  }
  if (path === "/status.json") {
    return new Response(JSON.stringify(status()), {
      headers: { "content-type": "application/json", "cache-control": "no-store" },
    });
  }
  return undefined;
}
