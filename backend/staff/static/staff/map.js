// Staff map: ward boundaries + incident vector tiles (our MVT endpoint), a list synced with the
// map, a detail panel with the actions the user's role allows, and the stats strip.
// Plain ES module; MapLibre GL JS comes from npm (served under /static/vendor/).
import { Map as MapLibre, NavigationControl, Popup, ScaleControl } from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { duplicatesSection } from "./duplicates.js";

import { config, T, API, h, fmt, when, statusLabel, api, toast } from "./kit.js";
import { basemap } from "./basemap.js";
import { categoryForm, directionsSection, locationForm, noteBox, transferForm } from "./forms.js";
import { initBulk, rowCheckbox, syncExports } from "./work.js";
import "./layout.js";

const FILTER_NAMES = ["status", "category", "unit", "overdue", "created_from", "created_to", "q", "work"];
const STATUS_COLORS = {
  new: "#3182ce", received: "#805ad5", assigned: "#d69e2e", in_progress: "#dd6b20",
  transferred: "#718096", reopened: "#c53030", resolved: "#38a169", closed: "#2f855a",
  rejected: "#a0aec0", merged: "#a0aec0", cancelled: "#a0aec0",
};
// grid cells at low zoom: red if one of them is overdue, orange if one is open, green otherwise
const CELL_COLORS = { overdue: "#e53e3e", open: "#dd6b20", done: "#38a169" };

function countdown(dueIso) {
  if (!dueIso) return { text: T.no_deadline, late: false };
  let ms = new Date(dueIso) - Date.now();
  const late = ms < 0;
  ms = Math.abs(ms);
  const d = Math.floor(ms / 86400000), hrs = Math.floor((ms % 86400000) / 3600000);
  const min = Math.floor((ms % 3600000) / 60000);
  const parts = d ? [fmt(T.days, { n: d }), fmt(T.hours, { n: hrs })]
    : hrs ? [fmt(T.hours, { n: hrs }), fmt(T.minutes, { n: min })] : [fmt(T.minutes, { n: min })];
  return { text: fmt(late ? T.overdue_by : T.due_in, { time: parts.join(" ") }), late };
}

// ---------- filters <-> URL ----------
const form = document.getElementById("filters");

function readUrlIntoForm() {
  const params = new URLSearchParams(location.search);
  for (const name of FILTER_NAMES) {
    const input = form.elements[name];
    if (input.type === "checkbox") input.checked = params.get(name) === "true";
    else input.value = params.get(name) || "";
  }
}

readUrlIntoForm(); // before the style is built: the first tiles already carry the filter

function filterParams() {
  const params = new URLSearchParams();
  for (const name of FILTER_NAMES) {
    const input = form.elements[name];
    if (input.type === "checkbox") { if (input.checked) params.set(name, "true"); }
    else if (input.value.trim()) params.set(name, input.value.trim());
  }
  return params;
}

function apiParams() {
  const params = filterParams();
  if (params.get("status") === "open") params.set("status", config.open_statuses.join(","));
  return params;
}

// ---------- map ----------
let tileVersion = 0; // bumped after each action so the browser fetches fresh tiles
const style = {
  version: 8,
  sources: {
    wards: { type: "geojson", data: { type: "FeatureCollection", features: [] } },
    incidents: { type: "vector", tiles: [tileUrl()], minzoom: 0, maxzoom: 16 },
  },
  layers: [
    { id: "background", type: "background", paint: { "background-color": "#f4f1ea" } },
    { id: "wards-fill", type: "fill", source: "wards",
      paint: { "fill-color": "#2b6cb0", "fill-opacity": 0.04 } },
    { id: "wards-line", type: "line", source: "wards",
      paint: { "line-color": "#4a5568", "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.4, 14, 1.5] } },
    { id: "clusters", type: "circle", source: "incidents", "source-layer": "incidents",
      filter: ["has", "n"],
      paint: {
        "circle-radius": ["interpolate", ["linear"], ["sqrt", ["get", "n"]], 1, 6, 30, 22, 300, 40],
        "circle-color": ["case", [">", ["get", "overdue"], 0], CELL_COLORS.overdue,
          [">", ["get", "open"], 0], CELL_COLORS.open, CELL_COLORS.done],
        "circle-opacity": 0.75, "circle-stroke-color": "#ffffff", "circle-stroke-width": 1.5,
      } },
    { id: "points", type: "circle", source: "incidents", "source-layer": "incidents",
      filter: ["!", ["has", "n"]],
      paint: {
        "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 4, 17, 9],
        "circle-color": ["match", ["get", "status"],
          ...Object.entries(STATUS_COLORS).flat(), "#718096"],
        "circle-stroke-color": ["case", ["get", "overdue"], "#c53030", "#ffffff"],
        "circle-stroke-width": ["case", ["get", "overdue"], 3, 1],
      } },
    // open emergencies: their own marker, above the other points (issue 14)
    { id: "emergencies", type: "circle", source: "incidents", "source-layer": "incidents",
      filter: ["==", ["get", "emergency"], true],
      paint: { "circle-radius": ["interpolate", ["linear"], ["zoom"], 12, 7, 17, 13],
        "circle-color": "#9b2c2c", "circle-stroke-color": "#fefcbf", "circle-stroke-width": 3 } },
    { id: "selected", type: "circle", source: "incidents", "source-layer": "incidents",
      filter: ["==", ["id"], -1],
      paint: { "circle-radius": 14, "circle-color": "rgba(0,0,0,0)",
        "circle-stroke-color": "#1a202c", "circle-stroke-width": 3 } },
  ],
};
const streets = await basemap(config.basemap);
if (streets) {
  Object.assign(style.sources, streets.sources);
  style.layers.splice(1, 0, ...streets.layers);
}

function tileUrl() {
  const params = apiParams();
  if (tileVersion) params.set("v", tileVersion);
  const query = params.toString();
  return `${location.origin}${API}tiles/{z}/{x}/{y}.mvt${query ? "?" + query : ""}`;
}

// Tile requests carry a short-lived map token (backend/staff/map_tokens.py) so the server need
// not look up the session for each of them; renewed at half its age. Without a valid one the
// tiles are still served, through the session.
let mapToken = config.map_token;
function renewMapToken() {
  const seconds = mapToken ? mapToken.expires_in : 60;
  setTimeout(async () => {
    try { mapToken = await api("map/token"); } catch (err) { mapToken = null; }
    renewMapToken();
  }, Math.max(5, seconds / 2) * 1000);
}
renewMapToken();
const TILE_PREFIX = `${location.origin}${API}tiles/`;
function withMapToken(url, resourceType) {
  if (resourceType !== "Tile" || !mapToken?.token || !url.startsWith(TILE_PREFIX)) return undefined;
  return { url, headers: { "X-Map-Token": mapToken.token } };
}

let fitted = location.hash.includes("map="); // a shared link keeps its view
const map = new MapLibre({
  container: "map", style, center: [106.70, 10.78], zoom: 11, hash: "map",
  attributionControl: { compact: true }, maxZoom: 19, transformRequest: withMapToken,
});
window.hotlineMap = map; // for the browser tests and the console
map.addControl(new NavigationControl({ showCompass: false }), "top-right");
map.addControl(new ScaleControl(), "bottom-right");
map.addControl(legendControl(), "bottom-left");

// What the colours mean: statuses (one line per colour) at point zooms, cell colours below.
function legendControl() {
  const el = document.createElement("details");
  el.className = "maplibregl-ctrl legend";
  el.id = "legend";
  el.open = true;
  const summary = document.createElement("summary");
  summary.textContent = T.legend;
  const item = (color, text, kind) => {
    const li = document.createElement("li");
    const mark = document.createElement("span");
    mark.className = `swatch ${kind}`;
    mark.style.setProperty("--swatch", color);
    li.append(mark, text);
    return li;
  };
  const points = document.createElement("ul");
  const byColor = new globalThis.Map();
  for (const [status, color] of Object.entries(STATUS_COLORS)) {
    byColor.set(color, [...(byColor.get(color) || []), statusLabel(status)]);
  }
  for (const [color, labels] of byColor) points.append(item(color, labels.join(" / "), "point"));
  points.append(item("#ffffff", T.legend_overdue, "point overdue"));
  const cells = document.createElement("ul");
  cells.append(item(CELL_COLORS.overdue, T.legend_cell_overdue, "cell"),
    item(CELL_COLORS.open, T.legend_cell_open, "cell"), item(CELL_COLORS.done, T.legend_cell_done, "cell"));
  el.append(summary, points, cells);
  const sync = () => {
    const showCells = map.getZoom() < config.point_min_zoom;
    points.hidden = showCells;
    cells.hidden = !showCells;
  };
  return {
    onAdd() { map.on("zoomend", sync); sync(); return el; },
    onRemove() { map.off("zoomend", sync); el.remove(); },
  };
}

function fitToArea(features) {
  const codes = config.area_codes || [];
  const mine = config.me.is_global ? features : features.filter((f) => codes.includes(f.properties.code));
  const box = [180, 90, -180, -90];
  const walk = (c) => {
    if (typeof c[0] !== "number") return c.forEach(walk);
    box[0] = Math.min(box[0], c[0]); box[1] = Math.min(box[1], c[1]);
    box[2] = Math.max(box[2], c[0]); box[3] = Math.max(box[3], c[1]);
  };
  (mine.length ? mine : features).forEach((f) => walk(f.geometry.coordinates));
  if (box[0] < box[2]) map.fitBounds(box, { padding: 30, duration: 0 });
}
async function loadWards() {
  const data = await (await fetch(config.wards_url, { credentials: "same-origin" })).json();
  map.getSource("wards").setData(data);
  const codes = new Set(config.area_codes || []);
  if (!config.me.is_global) {
    map.setPaintProperty("wards-fill", "fill-opacity",
      ["case", ["in", ["get", "code"], ["literal", [...codes]]], 0.12, 0.03]);
  }
  if (!fitted) { fitted = true; fitToArea(data.features); }
}

function refreshTiles() {
  const source = map.getSource("incidents");
  if (source) source.setTiles([tileUrl()]);
}

map.on("click", "points", (e) => openDetail(e.features[0].id, { fly: false }));
map.on("click", "clusters", (e) =>
  map.easeTo({ center: e.features[0].geometry.coordinates, zoom: Math.min(map.getZoom() + 2, config.point_min_zoom) }));
// grid cells carry counts, not text (no glyph server): say them in a popup on hover
const cellPopup = new Popup({ closeButton: false, closeOnClick: false, offset: 12 });
map.on("mousemove", "clusters", (e) => {
  const p = e.features[0].properties;
  cellPopup.setLngLat(e.features[0].geometry.coordinates)
    .setText(fmt(T.cell, { n: p.n, open: p.open, overdue: p.overdue })).addTo(map);
});
map.on("mouseleave", "clusters", () => cellPopup.remove());
for (const layer of ["points", "clusters"]) {
  map.on("mouseenter", layer, () => (map.getCanvas().style.cursor = "pointer"));
  map.on("mouseleave", layer, () => (map.getCanvas().style.cursor = ""));
}

// ---------- list ----------
const list = document.getElementById("incident-list");
const more = document.getElementById("list-more");
let listNext = null;
let selectedId = null;
let listToken = 0;

function bboxParam() {
  const b = map.getBounds();
  return [b.getWest(), b.getSouth(), b.getEast(), b.getNorth()].map((v) => v.toFixed(5)).join(",");
}

async function loadList(append = false) {
  const token = ++listToken;
  let data;
  try {
    if (append && listNext) {
      const url = new URL(listNext);
      data = await api(url.pathname.replace(API, "") + url.search);
    } else {
      const params = apiParams();
      if (!params.get("work")) params.set("bbox", bboxParam()); // my work: wherever it is
      params.set("page_size", "50");
      data = await api(`incidents?${params}`);
    }
  } catch (err) {
    toast(`${T.error}: ${err.message}`, true);
    return;
  }
  if (token !== listToken) return;
  const focused = list.contains(document.activeElement) && document.activeElement.closest("li.row");
  if (!append) list.replaceChildren();
  for (const row of data.results) list.append(listRow(row));
  if (focused) list.querySelector(`li[data-id='${focused.dataset.id}']`)?.focus(); // redrawn
  listNext = data.next;
  more.hidden = !listNext;
  const n = list.children.length;
  document.getElementById("list-count").textContent = n
    ? fmt(filterParams().get("work") ? T.work_count : T.list_count, { n: `${n}${listNext ? "+" : ""}` })
    : T.empty;
}

function listRow(row) {
  const due = countdown(row.due_at);
  const li = h("li", {
    class: `row${row.overdue ? " overdue" : ""}${row.id === selectedId ? " selected" : ""}`,
    dataset: { id: row.id }, tabindex: 0,
    onclick: () => openDetail(row.id, { location: row.location }),
    onkeydown: (e) => e.key === "Enter" && openDetail(row.id, { location: row.location }),
  },
  h("div", { class: "row-top" },
    h("span", { class: "ref" }, rowCheckbox(row), row.reference),
    h("span", { class: `badge s-${row.status}` }, row.status_label)),
  h("div", { class: "row-desc" }, row.description),
  h("div", { class: "row-meta" },
    row.category ? row.category.name : "", " · ", row.ward ? row.ward.name : "",
    row.status && config.open_statuses.includes(row.status)
      ? h("span", { class: due.late ? "late" : "due" }, " · ", due.text) : null));
  return li;
}
more.addEventListener("click", () => loadList(true));

let moveTimer = null;
map.on("moveend", () => {
  clearTimeout(moveTimer);
  moveTimer = setTimeout(() => loadList(), 200);
});

function select(id) {
  selectedId = id;
  for (const li of list.querySelectorAll("li.row")) li.classList.toggle("selected", Number(li.dataset.id) === id);
  if (map.getLayer("selected")) map.setFilter("selected", ["==", ["id"], id ?? -1]);
}

// ---------- detail ----------
const detail = document.getElementById("detail");
let countdownTimer = null;

async function openDetail(id, { location: loc = null, fly = true } = {}) {
  select(id);
  detail.hidden = false;
  detail.replaceChildren(h("p", { class: "muted" }, T.loading));
  let incident;
  try {
    incident = await api(`incidents/${id}`);
  } catch (err) {
    detail.replaceChildren(closeButton(), h("p", { class: "error", role: "alert" }, `${T.error}: ${err.message}`));
    return;
  }
  const at = incident.location || loc;
  if (fly && at) map.easeTo({ center: [at.lon, at.lat], zoom: Math.max(map.getZoom(), 15) });
  renderDetail(incident);
  detail.querySelector("h2")?.focus(); // keyboard and screen-reader users land in the panel
}

function closeButton() {
  return h("button", { type: "button", class: "close", "aria-label": T.close_panel,
    onclick: () => {
      detail.querySelector("form[data-action=location]")?.stopPicking();
      detail.hidden = true;
      clearInterval(countdownTimer);
      const row = list.querySelector(`li[data-id='${selectedId}']`);
      select(null);
      row?.focus(); // back where the panel was opened from
    } }, "×");
}

function renderDetail(inc) {
  clearInterval(countdownTimer);
  detail.querySelector("form[data-action=location]")?.stopPicking();
  const due = h("span", { id: "countdown" });
  const tick = () => {
    const c = countdown(inc.due_at);
    const open = config.open_statuses.includes(inc.status);
    due.textContent = open ? c.text : when(inc.due_at);
    due.className = open && c.late ? "late" : "due";
  };
  tick();
  countdownTimer = setInterval(tick, 30000);
  const reporter = h("div", { id: "reporter" });
  const loc = inc.location;
  detail.replaceChildren(...[
    closeButton(),
    h("h2", { tabindex: -1 }, inc.reference, " ", h("span", { class: `badge s-${inc.status}`, id: "detail-status" }, inc.status_label)),
    h("dl", { class: "facts" },
      h("dt", {}, T.category), h("dd", {}, inc.category?.name || "–"),
      h("dt", {}, T.ward), h("dd", {}, inc.ward?.name || "–"),
      h("dt", {}, T.unit), h("dd", {}, inc.unit?.name || "–"),
      h("dt", {}, T.assignee), h("dd", {}, inc.assignee?.name || "–"),
      h("dt", {}, T.address), h("dd", {}, inc.address || "–"),
      h("dt", {}, T.created), h("dd", {}, when(inc.created_at)),
      h("dt", {}, T.deadline), h("dd", {}, due)),
    h("p", { class: "desc" }, inc.description),
    loc ? h("a", { class: "route", target: "_blank", rel: "noopener",
      href: `https://www.openstreetmap.org/directions?route=%3B${loc.lat}%2C${loc.lon}` }, T.directions_link) : null,
    reporter,
    inc.photos.length ? h("section", {}, h("h3", {}, T.photos),
      h("div", { class: "photos" }, inc.photos.map((p) =>
        h("a", { href: p.url, target: "_blank", rel: "noopener" },
          h("img", { src: p.thumbnail_url, alt: p.kind, loading: "lazy", class: `photo ${p.kind}` }))))) : null,
    actionsSection(inc),
    duplicatesSection(inc, duplicatesContext()),
    directionsSection(inc, runAction),
    h("section", {}, h("h3", {}, T.history),
      h("ol", { class: "timeline" }, inc.history.map((e) => h("li", { class: e.is_internal ? "internal" : "public" },
        h("span", { class: "badge" }, e.is_internal ? T.internal_badge : T.public_badge), " ",
        h("time", {}, when(e.created_at)), " ",
        h("b", {}, e.to_status ? statusLabel(e.to_status) : e.kind_label), " ",
        e.actor ? `— ${e.actor.name}` : "", e.note ? h("div", {}, e.note) : null)))),
  ].filter(Boolean));
  if (config.me.sees_contact) loadReporter(inc.id, reporter);
}

// the duplicates section (duplicates.js) with the panel's helpers
function duplicatesContext() {
  return {
    api, h, T, fmt, when,
    open: (id) => openDetail(id),
    merged: (result) => {
      toast(T.done);
      tileVersion += 1;
      refreshTiles();
      loadList();
      loadStats();
      renderDetail(result);
    },
    failed: (err) => toast(`${T.error}: ${err.message}`, true),
  };
}

async function loadReporter(id, el) {
  try {
    const r = await api(`incidents/${id}/reporter`);
    el.replaceChildren(h("h3", {}, T.reporter),
      h("p", {}, r.name || T.anonymous, r.phone ? [" · ", h("a", { href: `tel:${r.phone}` }, r.phone)] : ""));
  } catch {
    el.replaceChildren(); // not allowed for this incident's unit
  }
}

// ---------- actions ----------
async function runAction(fn) {
  try {
    const result = await fn();
    toast(T.done);
    afterChange();
    if (result && result.in_scope === false) { detail.hidden = true; select(null); }
    else if (result && result.id) renderDetail(result);
  } catch (err) {
    toast(`${T.error}: ${err.message}`, true);
  }
}

function afterChange() {
  tileVersion += 1;
  refreshTiles();
  loadList();
  loadStats();
}

function actionsSection(inc) {
  const moves = inc.allowed_moves;
  const box = h("section", { class: "actions" }, h("h3", {}, T.actions));
  const note = () => noteBox();
  const run = runAction;
  const transition = (to, label, needsNote) => {
    const f = h("form", { class: "action", dataset: { action: to },
      onsubmit: (e) => {
        e.preventDefault();
        run(() => api(`incidents/${inc.id}/transition`, {
          method: "POST", body: { to, note: f.elements.note?.value || "", version: inc.version } }));
      } }, needsNote ? note() : null, h("button", { type: "submit" }, label));
    return f;
  };
  if (moves.includes("received")) box.append(transition("received", T.verify, false));
  if (moves.includes("in_progress")) box.append(transition("in_progress", T.start, false));
  if (moves.includes("resolved")) {
    const f = h("form", { class: "action", dataset: { action: "resolved" },
      onsubmit: (e) => {
        e.preventDefault();
        run(async () => {
          let version = inc.version;
          const file = f.elements.photo.files[0];
          if (file) {
            const data = new FormData();
            data.append("photo", file);
            version = (await api(`incidents/${inc.id}/photos`, { method: "POST", body: data })).version;
          }
          return api(`incidents/${inc.id}/transition`, {
            method: "POST", body: { to: "resolved", note: f.elements.note.value, version } });
        });
      } },
    note(), h("label", {}, T.photo, " ", h("input", { type: "file", name: "photo", accept: "image/*" })),
    h("button", { type: "submit", class: "primary" }, T.resolve));
    box.append(f);
  }
  if (moves.includes("assigned")) {
    const select = h("select", { name: "assignee", required: true, "aria-label": T.choose_person },
      h("option", { value: "" }, T.choose_person));
    if (inc.unit) api(`units/${inc.unit.id}/members`).then((members) => {
      for (const m of members) select.append(h("option", { value: m.user.id }, `${m.user.name} (${m.role_label})`));
    }).catch(() => {});
    const f = h("form", { class: "action", dataset: { action: "assign" }, onsubmit: (e) => {
      e.preventDefault();
      run(() => api(`incidents/${inc.id}/assign`, { method: "POST",
        body: { assignee: Number(select.value), note: f.elements.note.value, version: inc.version } }));
    } }, select, note(), h("button", { type: "submit" }, T.assign));
    box.append(f);
  }
  if (moves.includes("transferred")) box.append(transferForm(inc, run));
  if (inc.allowed_actions.includes("category")) box.append(categoryForm(inc, run));
  if (inc.allowed_actions.includes("location")) box.append(locationForm(inc, run, map));
  if (moves.includes("rejected")) box.append(transition("rejected", T.reject, true));
  if (moves.includes("closed")) box.append(transition("closed", T.close, false));
  if (moves.includes("reopened")) box.append(transition("reopened", T.reopen, true));
  // A public reply and an internal note are two different buttons: the resident sees and is told
  // of the first, never of the second.
  const comment = h("form", { class: "action", dataset: { action: "comment" }, onsubmit: (e) => {
    e.preventDefault();
    const internal = e.submitter?.value === "internal";
    run(() => api(`incidents/${inc.id}/comments`, { method: "POST",
      body: { text: comment.elements.text.value, internal } }));
  } }, h("textarea", { name: "text", rows: 2, required: true, placeholder: T.comment, "aria-label": T.comment }),
  h("button", { type: "submit", name: "kind", value: "public" }, T.reply_public),
  h("button", { type: "submit", name: "kind", value: "internal", class: "secondary" }, T.save_internal),
  h("p", { class: "reply-hint" }, T.reply_hint));
  box.append(comment);
  if (inc.allowed_actions.includes("direct")) {
    const direct = h("form", { class: "action", dataset: { action: "direction" }, onsubmit: (e) => {
      e.preventDefault();
      run(() => api(`incidents/${inc.id}/directions`, { method: "POST", body: { text: direct.elements.text.value } }));
    } }, h("textarea", { name: "text", rows: 2, required: true, placeholder: T.directions, "aria-label": T.directions }),
    h("button", { type: "submit" }, T.direct));
    box.append(direct);
  }
  return box;
}

// ---------- stats strip ----------
async function loadStats() {
  try {
    const s = await api("stats/summary");
    const nf = new Intl.NumberFormat(config.lang === "en" ? "en" : "vi");
    document.getElementById("stat-open").textContent = nf.format(s.open);
    document.getElementById("stat-overdue").textContent = nf.format(s.overdue);
    document.getElementById("stat-week").textContent = nf.format(s.resolved_this_week);
    document.getElementById("stat-late").textContent =
      s.late_rate === null ? "–" : `${(s.late_rate * 100).toFixed(1)} %`;
  } catch { /* the strip stays at "–" */ }
}

// ---------- wiring ----------
function applyFilters() {
  syncExports(apiParams());
  const query = filterParams().toString();
  history.replaceState(null, "", `${location.pathname}${query ? "?" + query : ""}${location.hash}`);
  refreshTiles();
  loadList();
}
let typing = null;
form.addEventListener("change", applyFilters);
form.addEventListener("input", (e) => {
  if (e.target.name !== "q") return;
  clearTimeout(typing);
  typing = setTimeout(applyFilters, 400);
});
form.addEventListener("submit", (e) => { e.preventDefault(); applyFilters(); });
form.addEventListener("reset", () => setTimeout(applyFilters, 0));

map.on("load", async () => {
  select(selectedId); // a detail opened before the style was ready
  await loadWards().catch(() => {});
  loadList();
  document.body.dataset.mapReady = "true";
});
loadStats();
syncExports(apiParams());
initBulk(afterChange);
const opened = new URLSearchParams(location.search).get("incident"); // a link to one incident
if (opened) {
  fitted = true; // the detail panel moves the map to it
  openDetail(Number(opened));
}
