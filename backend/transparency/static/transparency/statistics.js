// The statistics page's charts (Chart.js from npm, /static/vendor/chart.js/), the wards'
// choropleth (MapLibre from npm) and sortable tables. The charts draw the API's own answers,
// embedded in the page (#stats-data); the map reads the open-data GeoJSON. Without script the
// page still shows every figure in its tables.
import { Map as MapLibre, NavigationControl, Popup } from "../vendor/maplibre-gl/maplibre-gl.mjs";

const data = JSON.parse(document.getElementById("stats-data").textContent);
const T = JSON.parse(document.getElementById("stats-strings").textContent);
const locale = data.lang === "en" ? "en-GB" : "vi-VN";
const percent = new Intl.NumberFormat(locale, { style: "percent", maximumFractionDigits: 2 });
const number = new Intl.NumberFormat(locale);
const name = (row) => (data.lang === "en" && row.name_en) || row.name || "—";
const RANKED = 20; // bars per ranking chart; the tables below hold every unit
const phone = window.matchMedia("(max-width: 600px)").matches;

function chart(id, config) {
  const canvas = document.getElementById(id);
  if (!canvas || !window.Chart) return null;
  return new window.Chart(canvas, {
    ...config,
    options: { responsive: true, maintainAspectRatio: false, animation: false, ...config.options },
  });
}

function trendChart() {
  const months = data.trend.months;
  return chart("trend-chart", {
    data: {
      labels: months.map((m) => m.month),
      datasets: [
        { type: "line", label: T.late_rate, data: months.map((m) => m.late_rate), yAxisID: "rate",
          borderColor: "#c0392b", backgroundColor: "#c0392b", spanGaps: true },
        { type: "bar", label: T.received, data: months.map((m) => m.received), yAxisID: "count",
          backgroundColor: "rgba(49, 130, 206, 0.35)" },
      ],
    },
    options: {
      scales: {
        rate: { position: "left", min: 0, ticks: { callback: (v) => percent.format(v) } },
        count: { position: "right", min: 0, grid: { drawOnChartArea: false },
          ticks: { callback: (v) => number.format(v) } },
        x: { ticks: { maxRotation: phone ? 90 : 0, autoSkip: true } },
      },
      plugins: { tooltip: { callbacks: { label: (c) => `${c.dataset.label}: ${
        c.dataset.yAxisID === "rate" ? percent.format(c.raw) : number.format(c.raw)}` } } },
    },
  });
}

function rankingChart(id, field, { descending, format, color, max }) {
  const rows = data.units.rows.filter((r) => r[field] !== null && r[field] !== undefined);
  rows.sort((a, b) => (descending ? b[field] - a[field] : a[field] - b[field]) || a.code.localeCompare(b.code));
  const shown = rows.slice(0, RANKED);
  const box = document.getElementById(id)?.parentElement;
  if (box) box.style.height = `${Math.max(120, 28 * shown.length + 60)}px`;
  return chart(id, {
    type: "bar",
    data: {
      labels: shown.map(name),
      datasets: [{ label: field === "late_rate" ? T.late_rate : T.rating,
        data: shown.map((r) => r[field]), backgroundColor: color,
        codes: shown.map((r) => r.code) }],
    },
    options: {
      indexAxis: "y",
      scales: { x: { min: 0, max, ticks: { callback: (v) => format(v) } },
        y: { ticks: { autoSkip: false, font: { size: phone ? 10 : 12 } } } },
      plugins: { legend: { display: false },
        tooltip: { callbacks: { label: (c) => format(c.raw) } } },
    },
  });
}

// ---------- wards' choropleth ----------
const RAMP = ["#fff5f0", "#fcbba1", "#fb6a4a", "#cb181d", "#67000d"];

function bounds(features) {
  let [w, s, e, n] = [180, 90, -180, -90];
  const walk = (c) => {
    if (typeof c[0] === "number") {
      w = Math.min(w, c[0]); e = Math.max(e, c[0]); s = Math.min(s, c[1]); n = Math.max(n, c[1]);
    } else c.forEach(walk);
  };
  features.forEach((f) => f.geometry && walk(f.geometry.coordinates));
  return [[w, s], [e, n]];
}

function fillColor(metric, top) {
  const stops = RAMP.flatMap((color, i) => [(top * i) / (RAMP.length - 1), color]);
  return ["case", ["==", ["get", metric], null], "#d9d9d9",
    ["interpolate", ["linear"], ["to-number", ["get", metric]], ...stops]];
}

function legend(metric, top) {
  const el = document.getElementById("ward-legend");
  const fmt = metric === "late_rate" ? (v) => percent.format(v) : (v) => number.format(Math.round(v));
  el.replaceChildren(...RAMP.map((color, i) => {
    const item = document.createElement("span");
    item.innerHTML = `<i style="background:${color}"></i>`;
    item.append(fmt((top * i) / (RAMP.length - 1)));
    return item;
  }));
}

async function wardMap() {
  const el = document.getElementById("ward-map");
  const response = await fetch(data.wards_url, { headers: { Accept: "application/geo+json" } });
  const geojson = await response.json();
  const top = (metric) => Math.max(...geojson.features.map((f) => f.properties[metric] || 0), 0) || 1;
  const map = new MapLibre({
    container: el,
    style: { version: 8, sources: {}, layers: [
      { id: "background", type: "background", paint: { "background-color": "#f7f7f4" } }] },
    bounds: bounds(geojson.features),
    fitBoundsOptions: { padding: 10 },
    attributionControl: false,
    cooperativeGestures: phone,
  });
  map.addControl(new NavigationControl({ showCompass: false }));
  map.on("load", () => {
    const metric = document.getElementById("ward-metric");
    map.addSource("wards", { type: "geojson", data: geojson });
    map.addLayer({ id: "wards-fill", type: "fill", source: "wards",
      paint: { "fill-color": fillColor(metric.value, top(metric.value)), "fill-opacity": 0.85 } });
    map.addLayer({ id: "wards-line", type: "line", source: "wards",
      paint: { "line-color": "#555", "line-width": 0.4 } });
    legend(metric.value, top(metric.value));
    metric.addEventListener("change", () => {
      map.setPaintProperty("wards-fill", "fill-color", fillColor(metric.value, top(metric.value)));
      legend(metric.value, top(metric.value));
    });
    map.on("click", "wards-fill", (e) => {
      const p = e.features[0].properties;
      const rate = p.late_rate === null || p.late_rate === undefined || p.late_rate === "null"
        ? T.no_data : percent.format(Number(p.late_rate));
      new Popup().setLngLat(e.lngLat)
        .setText(`${name(p)} — ${T.late_rate}: ${rate}; ${T.received}: ${number.format(p.received)}`)
        .addTo(map);
    });
    el.dataset.features = String(geojson.features.length);
    el.dataset.ready = "1";
  });
  return map;
}

// ---------- sortable tables ----------
function sortable(table) {
  const heads = [...table.tHead.rows[0].cells];
  heads.forEach((th, index) => {
    if (th.classList.contains("bars")) return;
    const button = document.createElement("button");
    button.type = "button";
    button.className = "sort";
    button.title = T.sort;
    button.append(...th.childNodes);
    th.append(button);
    button.addEventListener("click", () => {
      const ascending = th.getAttribute("aria-sort") !== "ascending";
      heads.forEach((h) => h.removeAttribute("aria-sort"));
      th.setAttribute("aria-sort", ascending ? "ascending" : "descending");
      const text = th.dataset.type === "text";
      const key = (row) => {
        const cell = row.cells[index];
        if (text) return cell.textContent.trim();
        const raw = cell.dataset.sort;
        return raw === undefined || raw === "" ? null : Number(raw);
      };
      const rows = [...table.tBodies[0].rows].filter((r) => r.cells.length > 1);
      rows.sort((a, b) => {
        const x = key(a), y = key(b);
        if (x === null || y === null) return (x === null) - (y === null); // empty cells last
        const order = text ? x.localeCompare(y, locale) : x - y;
        return ascending ? order : -order;
      });
      table.tBodies[0].append(...rows);
    });
  });
}

document.querySelectorAll("table.sortable").forEach(sortable);
trendChart();
rankingChart("units-chart", "late_rate", { descending: true, color: "#c0392b", max: 1,
  format: (v) => percent.format(v) });
rankingChart("ratings-chart", "average_rating", { descending: false, color: "#d69e2e", max: 5,
  format: (v) => number.format(v) });
wardMap().catch((err) => {
  document.getElementById("ward-map").textContent = `${T.no_data}: ${err.message}`;
});
