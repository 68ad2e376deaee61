// The contact centre's figures: per operator and per shift (tables), and for leaders the map of
// the reports created from calls, filtered by the hour the call started.
import { Map as MapLibre, NavigationControl } from "../vendor/maplibre-gl/maplibre-gl.mjs";

const config = JSON.parse(document.getElementById("stats-config").textContent);
const T = config.strings;
let period = "";

function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, v);
  for (const c of children.flat()) el.append(c instanceof Node ? c : String(c ?? "–"));
  return el;
}

async function get(path, params = {}) {
  const query = new URLSearchParams(Object.entries(params).filter(([, v]) => v !== "" && v !== null));
  const response = await fetch(`${config.api}${path}?${query}`,
    { headers: { Accept: "application/json", "Accept-Language": config.lang }, credentials: "same-origin" });
  const body = await response.json();
  if (!response.ok) throw new Error(body.message || response.statusText);
  return body;
}

const minutes = (s) => (s === null ? "–" : (s / 60).toFixed(1));

function table(el, rows, key, label) {
  const head = h("tr", {}, h("th", {}, label), h("th", {}, T.contacts), h("th", {}, T.handling),
    ...config.outcomes.map(([, name]) => h("th", {}, name)));
  el.replaceChildren(head, ...rows.map((r) => h("tr", { "data-id": String(r[key].id) },
    h("td", {}, r[key].name), h("td", {}, r.contacts), h("td", {}, minutes(r.average_handling_seconds)),
    ...config.outcomes.map(([value]) => h("td", {}, r.outcomes[value])))));
}

async function loadTables() {
  try {
    const body = await get("stats", { period });
    document.getElementById("period-label").textContent = body.period.label;
    table(document.getElementById("by-operator"), body.operators, "operator", T.operator);
    table(document.getElementById("by-shift"), body.shifts, "shift", T.shift);
    document.body.dataset.loaded = "true";
  } catch (err) { document.getElementById("period-label").textContent = `${T.error}: ${err.message}`; }
}

let map = null;
async function loadMap() {
  if (!map) return;
  const hour = document.getElementById("hour").value;
  const data = await get("stats/map", { period, hour });
  map.getSource("contacts").setData(data);
  document.getElementById("map-count").textContent = T.points.replace("%(n)s", data.features.length);
}

if (config.map) {
  const style = {
    version: 8,
    sources: { contacts: { type: "geojson", data: { type: "FeatureCollection", features: [] } } },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#f4f1ea" } },
      { id: "contacts", type: "circle", source: "contacts",
        paint: { "circle-radius": 6, "circle-color": "#2b6cb0", "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
    ],
  };
  if (config.basemap.url) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap.url], tileSize: 256,
      attribution: config.basemap.attribution, maxzoom: 19 };
    style.layers.splice(1, 0, { id: "basemap", type: "raster", source: "basemap" });
  }
  map = new MapLibre({ container: "map", style, center: [106.70, 10.78], zoom: 11 });
  map.addControl(new NavigationControl({ showCompass: false }), "top-right");
  map.on("load", loadMap);
  document.getElementById("hour").addEventListener("change", loadMap);
}

document.getElementById("period").addEventListener("submit", (e) => {
  e.preventDefault();
  period = e.target.elements.period.value.trim();
  loadTables();
  loadMap();
});
loadTables();
