// The leaders' dashboard: every number is drawn from the staff API (dashboard, hotspots,
// digest), which reads the one dashboard selector — the page computes nothing of its own.
// Charts: Chart.js from npm (window.Chart, /static/vendor/chart.js/); map: MapLibre GL JS.
import { Map as MapLibre, NavigationControl, Popup } from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { requestJson } from "../common/kit.js";

const config = JSON.parse(document.getElementById("dashboard-config").textContent);
const T = config.strings;
const API = config.api;
const form = document.getElementById("scope");
const hotspotForm = document.getElementById("hotspot-form");

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}

function api(path, params) {
  const query = params && params.toString() ? `?${params}` : "";
  return requestJson(`${API}${path}${query}`);
}

const percent = (rate) => (rate === null || rate === undefined ? "—" : `${(rate * 100).toFixed(1)}%`);
const number = (n) => new Intl.NumberFormat(config.lang).format(n);
const when = (iso) => new Date(iso).toLocaleString(config.lang, { timeZone: "Asia/Ho_Chi_Minh" });

function scopeParams() {
  const data = new FormData(form);
  const params = new URLSearchParams({ scope: data.get("scope") });
  const kind = data.get("scope");
  if (kind !== "city") params.set(kind, data.get(kind));
  return params;
}

function showScopeInputs() {
  const kind = form.elements.scope.value;
  for (const name of ["unit", "ward", "field"]) form.elements[name].hidden = name !== kind;
}

function table(el, head, rows) {
  // a caption for screen readers: the heading of the section the table sits in
  const heading = el.closest("section")?.querySelector("h2");
  el.replaceChildren(
    h("caption", { class: "sr-only" }, heading ? heading.textContent : ""),
    h("thead", {}, h("tr", {}, head.map((cell) => h("th", { scope: "col" }, cell)))),
    h("tbody", {}, rows.length ? rows.map((row) => h("tr", {}, row.map((cell) => h("td", {}, cell))))
      : h("tr", {}, h("td", { colspan: head.length }, T.none))),
  );
}

let trendChart = null;
function drawTrend(trend) {
  const data = {
    labels: trend.map((w) => w.week.slice(5)),
    datasets: [
      { label: T.late_rate, data: trend.map((w) => (w.late_rate === null ? null : +(w.late_rate * 100).toFixed(1))),
        borderColor: "#c53030", backgroundColor: "#c53030", yAxisID: "rate", tension: 0.2 },
      { label: T.resolved, data: trend.map((w) => w.resolved), type: "bar",
        backgroundColor: "rgba(49,130,206,.35)", yAxisID: "count" },
    ],
  };
  const options = {
    animation: false, maintainAspectRatio: false,
    scales: { rate: { position: "left", min: 0, ticks: { callback: (v) => `${v}%` } },
      count: { position: "right", grid: { drawOnChartArea: false } } },
  };
  if (trendChart) { trendChart.data = data; trendChart.update(); return; }
  trendChart = new window.Chart(document.getElementById("trend-chart"), { type: "line", data, options });
}

function render(board) {
  document.getElementById("kpi-open").textContent = number(board.open);
  document.getElementById("kpi-overdue").textContent = number(board.overdue);
  document.getElementById("kpi-due-soon").textContent = number(board.due_soon);
  const rating = board.rating;
  document.getElementById("kpi-rating").textContent = rating.average === null ? "—" : rating.average.toFixed(2);
  document.getElementById("kpi-rating").title = T.ratings.replace("%(n)s", rating.count);
  table(document.getElementById("periods"),
    ["", T.resolved, T.on_time, T.late, T.late_rate, `${T.previous}: ${T.resolved}`, `${T.previous}: ${T.late_rate}`],
    board.periods.map((p) => [T[p.period], number(p.current.resolved), number(p.current.on_time),
      number(p.current.late), percent(p.current.late_rate), number(p.previous.resolved), percent(p.previous.late_rate)]));
  drawTrend(board.trend);
  table(document.getElementById("units"), [T.rank, T.unit, T.resolved, T.late_rate, T.overdue],
    board.units.slice(0, 20).map((u) => [u.rank, u.name, number(u.resolved), percent(u.late_rate), number(u.overdue)]));
  table(document.getElementById("oldest"), [T.reference, T.unit, T.category, T.overdue_hours],
    board.oldest_overdue.map((i) => [i.reference, i.unit || "—", i.category, number(i.overdue_hours)]));
  document.getElementById("directions-count").textContent = number(board.directions.count);
  const list = document.getElementById("directions");
  list.replaceChildren(...(board.directions.oldest.length
    ? board.directions.oldest.map((d) => h("li", {}, h("strong", {}, d.reference), ` — ${d.note} (${d.by || ""}, ${when(d.created_at)})`))
    : [h("li", {}, T.none)]));
}

// ---------- hotspots: a heat layer and the cells as circles, beside the ranked list ----------
const style = {
  version: 8,
  sources: {
    wards: { type: "geojson", data: config.wards_url },
    hotspots: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
  },
  layers: [
    { id: "background", type: "background", paint: { "background-color": "#f4f1ea" } },
    { id: "wards-line", type: "line", source: "wards", paint: { "line-color": "#a0aec0", "line-width": 0.6 } },
    { id: "heat", type: "heatmap", source: "hotspots", maxzoom: 16,
      paint: { "heatmap-weight": ["interpolate", ["linear"], ["get", "n"], 0, 0, 50, 1],
        "heatmap-radius": ["interpolate", ["linear"], ["zoom"], 9, 12, 15, 40], "heatmap-opacity": 0.8 } },
    { id: "cells", type: "circle", source: "hotspots", minzoom: 12,
      paint: { "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "n"]], 1, 5, 20, 24],
        "circle-color": ["case", [">", ["get", "change"], 0], "#c53030", "#3182ce"],
        "circle-opacity": 0.7, "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
  ],
};
if (config.basemap.url) {
  style.sources.basemap = { type: "raster", tiles: [config.basemap.url], tileSize: 256,
    attribution: config.basemap.attribution, maxzoom: 19 };
  style.layers.splice(1, 0, { id: "basemap", type: "raster", source: "basemap" });
}
let map = null;
try {
  map = new MapLibre({ container: "hotspot-map", style, center: [106.70, 10.78], zoom: 10 });
  map.addControl(new NavigationControl({ showCompass: false }));
} catch (err) {
  document.getElementById("hotspot-map").textContent = String(err); // no WebGL: the list still works
}
let hotspotFeatures = { type: "FeatureCollection", features: [] };
function setHotspots(features) {
  hotspotFeatures = features;
  if (!map) return;
  const apply = () => map.getSource("hotspots").setData(features);
  if (map.isStyleLoaded() && map.getSource("hotspots")) apply(); else map.once("load", apply);
}

async function loadHotspots() {
  const params = scopeParams();
  for (const [k, v] of new FormData(hotspotForm)) if (v) params.set(k, v);
  const answer = await api("hotspots", params);
  const rows = answer.hotspots;
  setHotspots({ type: "FeatureCollection", features: rows.map((c) => ({
    type: "Feature", id: c.rank, geometry: { type: "Point", coordinates: [c.lon, c.lat] },
    properties: { n: c.n, previous: c.previous, change: c.change, rank: c.rank } })) });
  table(document.getElementById("hotspot-list"), ["#", T.reports, T.previous, T.change],
    rows.slice(0, 30).map((c) => {
      const link = h("a", { href: "#", dataset: { lon: c.lon, lat: c.lat } }, `${c.lat.toFixed(4)}, ${c.lon.toFixed(4)}`);
      return [h("span", {}, `${c.rank}. `, link), number(c.n), number(c.previous),
        c.previous ? `${c.change > 0 ? "+" : ""}${c.change}` : T.new_hotspot];
    }));
}
document.getElementById("hotspot-list").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-lon]");
  if (!link || !map) return;
  event.preventDefault();
  map.flyTo({ center: [+link.dataset.lon, +link.dataset.lat], zoom: 15 });
});
if (map) {
  map.on("click", "cells", (event) => {
    const p = event.features[0].properties;
    new Popup().setLngLat(event.lngLat).setText(`#${p.rank}: ${p.n} ${T.reports} (${T.previous}: ${p.previous})`).addTo(map);
  });
}

// ---------- the weekly digest preview (a unit's) and its history ----------
async function loadDigest(week) {
  const section = document.getElementById("digest-section");
  const data = new FormData(form);
  if (data.get("scope") !== "unit") { section.hidden = true; return; }
  section.hidden = false;
  const params = new URLSearchParams({ unit: data.get("unit") });
  if (week) params.set("week", week);
  const digest = await api("digest", params);
  document.getElementById("digest-sms").textContent = digest.sms;
  const line = (name, c) => [name, number(c.received), number(c.resolved), number(c.on_time),
    number(c.late), number(c.overdue), percent(c.late_rate), percent(c.prev_late_rate)];
  table(document.getElementById("digest"),
    ["", T.received, T.resolved, T.on_time, T.late, T.still_overdue, T.late_rate, T.previous],
    [line(`${T.total} (${digest.week.label})`, digest.total),
      ...Object.entries(digest.by_field).map(([k, c]) => line(k, c)),
      ...Object.entries(digest.by_ward).map(([k, c]) => line(k, c))]);
  const history = document.getElementById("digest-history");
  history.replaceChildren(...(digest.history.length ? digest.history.map((w) => h("li", {},
    h("a", { href: "#", dataset: { week: w.week } }, w.week), " ",
    Object.entries(w.notices).map(([status, n]) => `${n} ${T[status] || status}`).join(", ")))
    : [h("li", {}, T.none)]));
}
document.getElementById("digest-history").addEventListener("click", (event) => {
  const link = event.target.closest("a[data-week]");
  if (!link) return;
  event.preventDefault();
  loadDigest(link.dataset.week).catch(showError);
});

function showError(err) {
  const board = document.getElementById("board");
  board.dataset.error = err.message;
  board.prepend(h("p", { role: "alert", class: "error" }, `${T.error}: ${err.message}`));
}

async function load() {
  const board = document.getElementById("board");
  board.setAttribute("aria-busy", "true");
  board.querySelectorAll("p.error").forEach((p) => p.remove());
  try {
    render(await api("dashboard", scopeParams()));
    await Promise.all([loadHotspots(), loadDigest()]);
    board.dataset.loaded = String(Date.now());
  } catch (err) {
    showError(err);
  } finally {
    board.setAttribute("aria-busy", "false");
  }
}

form.elements.scope.value = config.choices.city ? "city" : "unit";
showScopeInputs();
form.addEventListener("change", () => { showScopeInputs(); load(); });
hotspotForm.addEventListener("submit", (event) => { event.preventDefault(); loadHotspots().catch(showError); });
load();
