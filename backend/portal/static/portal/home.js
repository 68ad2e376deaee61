// The public map: published reports as vector tiles from /api/public/v1/tiles (points from
// zoom 12, counts per cell below), filters by field, status, ward and period kept in the
// fragment (#xem=…&field=…), a click on a report opens its page.
import { Map as MapLibre, NavigationControl, Popup } from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { baseStyle, config, fmt, T } from "./common.js";

const COLORS = { new: "#d69e2e", received: "#3182ce", assigned: "#3182ce", in_progress: "#dd6b20",
  transferred: "#805ad5", reopened: "#e53e3e", resolved: "#38a169", closed: "#2f855a" };
const form = document.getElementById("filters");
const NAMES = ["field", "status", "ward", "period"];

function readFilters() {
  const params = new URLSearchParams(location.hash.slice(1));
  for (const name of NAMES) form.elements[name].value = params.get(name) || "";
}
function filterQuery() {
  const params = new URLSearchParams();
  for (const name of NAMES) if (form.elements[name].value) params.set(name, form.elements[name].value);
  return params.toString();
}
function tileUrl() {
  const q = filterQuery();
  return `${location.origin}${config.api}tiles/{z}/{x}/{y}.mvt${q ? "?" + q : ""}`;
}
readFilters();

const style = baseStyle();
style.sources.reports = { type: "vector", tiles: [tileUrl()], minzoom: 8, maxzoom: 16 };
style.layers.push(
  { id: "cells", type: "circle", source: "reports", "source-layer": "reports", filter: ["has", "n"],
    paint: { "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "n"]], 1, 6, 30, 22, 300, 40],
      "circle-color": "#2b6cb0", "circle-opacity": 0.7, "circle-stroke-color": "#fff", "circle-stroke-width": 1.5 } },
  { id: "points", type: "circle", source: "reports", "source-layer": "reports", filter: ["!", ["has", "n"]],
    paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 5, 17, 10],
      "circle-color": ["match", ["get", "status"], ...Object.entries(COLORS).flat(), "#718096"],
      "circle-stroke-color": "#fff", "circle-stroke-width": 1 } },
);
const view = new URLSearchParams(location.hash.slice(1)).get("xem")?.split("/").map(Number);
const map = new MapLibre({
  container: "map", style, attributionControl: { compact: true }, maxZoom: 19,
  center: view?.length === 3 ? [view[2], view[1]] : [106.70, 10.78], zoom: view?.length === 3 ? view[0] : 11,
});
window.portalMap = map; // for the browser tests
map.addControl(new NavigationControl({ showCompass: false }), "top-right");

function writeHash() {
  const c = map.getCenter();
  const params = new URLSearchParams(filterQuery());
  params.set("xem", `${map.getZoom().toFixed(2)}/${c.lat.toFixed(5)}/${c.lng.toFixed(5)}`);
  history.replaceState(null, "", `#${params.toString().replaceAll("%2F", "/")}`);
}
map.on("moveend", writeHash);
form.addEventListener("change", () => {
  map.getSource("reports").setTiles([tileUrl()]);
  writeHash();
});

map.on("click", "points", (e) => {
  const f = e.features[0];
  const ref = f.properties.ref;
  const box = document.createElement("div");
  const a = document.createElement("a");
  a.href = `/phan-anh/${encodeURIComponent(ref)}/`;
  a.className = "popup-link";
  a.textContent = `${T.open_page} ${ref}`;
  const p = document.createElement("p");
  p.textContent = `${config.categories[f.properties.field] || ""} · ${config.statuses[f.properties.status] || ""}`;
  box.append(p, a);
  new Popup({ closeButton: true }).setLngLat(f.geometry.coordinates).setDOMContent(box).addTo(map);
});
map.on("click", "cells", (e) => {
  map.easeTo({ center: e.features[0].geometry.coordinates, zoom: Math.min(map.getZoom() + 2, 13) });
});
for (const layer of ["points", "cells"]) {
  map.on("mouseenter", layer, () => { map.getCanvas().style.cursor = "pointer"; });
  map.on("mouseleave", layer, () => { map.getCanvas().style.cursor = ""; });
}
map.on("load", () => { document.body.dataset.mapReady = "true"; });
