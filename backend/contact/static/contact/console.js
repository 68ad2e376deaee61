// Operator console: waiting calls (polled), the call card with the caller's earlier reports, a
// report by map click with a live preview (ward, unit, deadline) before saving, place and
// knowledge-base search, closing a call with a reason. Data through /api/contact/v1/.
import { Map as MapLibre, Marker, NavigationControl } from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { POLL_MS, T, api, config, fail, fmt, h, toast, when } from "./console_lib.js";

// ---------- map ----------
const style = {
  version: 8,
  sources: { wards: { type: "geojson", data: { type: "FeatureCollection", features: [] } } },
  layers: [
    { id: "background", type: "background", paint: { "background-color": "#f4f1ea" } },
    { id: "wards-fill", type: "fill", source: "wards", paint: { "fill-color": "#2b6cb0", "fill-opacity": 0.05 } },
    { id: "wards-line", type: "line", source: "wards", paint: { "line-color": "#4a5568", "line-width": 0.8 } },
  ],
};
if (config.basemap.url) {
  style.sources.basemap = { type: "raster", tiles: [config.basemap.url], tileSize: 256,
    attribution: config.basemap.attribution, maxzoom: 19 };
  style.layers.splice(1, 0, { id: "basemap", type: "raster", source: "basemap" });
}
const map = new MapLibre({ container: "map", style, center: [106.70, 10.78], zoom: 12, maxZoom: 19 });
window.consoleMap = map; // for the browser tests
map.addControl(new NavigationControl({ showCompass: false }), "top-right");
let marker = null;
map.on("load", async () => {
  const data = await (await fetch(config.wards_url, { credentials: "same-origin" })).json();
  map.getSource("wards").setData(data);
  document.body.dataset.mapReady = "true";
});
map.on("click", (e) => {
  // the inbox form, when open, takes the point (console_inbox.js); the call card otherwise
  if (document.body.dataset.mode === "inbox") {
    document.dispatchEvent(new CustomEvent("console:point", { detail: { lon: e.lngLat.lng, lat: e.lngLat.lat } }));
    if (!marker) marker = new Marker({ color: "#c53030" });
    marker.setLngLat([e.lngLat.lng, e.lngLat.lat]).addTo(map);
  } else choosePoint(e.lngLat.lng, e.lngLat.lat);
});

// ---------- the call card ----------
let contact = null; // the card on screen
let point = null; // {lon, lat} chosen for the report
const reportForm = document.getElementById("report");

function showCard(card) {
  contact = card;
  point = null;
  document.getElementById("card").hidden = false;
  document.getElementById("card-phone").textContent = card.caller_phone;
  const list = document.getElementById("card-reports");
  list.replaceChildren(...(card.reports.length ? card.reports.map((r) => h("li", { dataset: { reference: r.reference } },
    h("strong", {}, r.reference), " · ", r.status_label, " · ", r.category, " · ", r.ward,
    r.is_emergency ? h("span", { class: "emergency" }, " ", T.emergency) : null,
    r.sms_status !== "sent" ? h("span", { class: "not-informed", dataset: { sms: r.sms_status || "" } }, " · ", T.not_informed) : null,
    h("br"), h("small", {}, when(r.created_at), " — ", r.description))) : [h("li", {}, T.none_earlier)]));
  for (const id of ["preview-ward", "preview-unit", "preview-due"]) document.getElementById(id).textContent = "–";
  document.getElementById("saved").textContent = "";
  reportForm.reset();
}

async function take(id) {
  try { showCard(await api(`calls/${id}/take`, { method: "POST" })); } catch (err) { fail(err); }
  poll();
}

async function poll() {
  try {
    const calls = await api("calls");
    const list = document.getElementById("waiting");
    const rows = calls.waiting.map((c) => h("li", { dataset: { contact: c.id } },
      h("strong", {}, c.caller_phone), " ", when(c.started_at), " ",
      h("button", { type: "button", class: "take", onclick: () => take(c.id) }, T.take)));
    list.replaceChildren(...(rows.length ? rows : [h("li", {}, T.no_calls)]));
  } catch (err) { /* a missed poll is retried */ }
}
setInterval(poll, POLL_MS);
poll();

document.getElementById("dial").addEventListener("submit", async (e) => {
  e.preventDefault();
  const caller = e.target.elements.caller.value;
  try { showCard(await api("calls", { method: "POST", body: { caller } })); e.target.reset(); } catch (err) { fail(err); }
});

// ---------- place, preview, report ----------
async function preview() {
  if (!point) return;
  const category = reportForm.elements.category.value;
  const params = new URLSearchParams({ lat: point.lat, lon: point.lon, category });
  try {
    const p = await api(`preview?${params}`);
    document.getElementById("preview-ward").textContent = p.ward.name;
    document.getElementById("preview-unit").textContent = p.unit ? p.unit.name : T.no_unit;
    const due = document.getElementById("preview-due");
    due.textContent = when(p.due_at);
    due.dataset.iso = p.due_at || "";
    document.getElementById("preview").dataset.ward = p.ward.id;
  } catch (err) {
    document.getElementById("preview-ward").textContent = err.status === 422 ? T.outside : err.message;
    document.getElementById("preview-unit").textContent = "–";
    document.getElementById("preview-due").textContent = "–";
  }
}

function choosePoint(lon, lat) {
  point = { lon, lat };
  if (!marker) marker = new Marker({ color: "#c53030" });
  marker.setLngLat([lon, lat]).addTo(map);
  preview();
}
reportForm.elements.category.addEventListener("change", preview);

let placeTimer = null;
reportForm.elements.place.addEventListener("input", (e) => {
  clearTimeout(placeTimer);
  const q = e.target.value.trim();
  placeTimer = setTimeout(async () => {
    const list = document.getElementById("places");
    if (q.length < 2) { list.replaceChildren(); return; }
    try {
      const { results } = await api(`places?${new URLSearchParams({ q })}`);
      list.replaceChildren(...(results.length ? results.map((p) => h("li", {},
        h("button", { type: "button", onclick: () => {
          if (p.lon !== null) { choosePoint(p.lon, p.lat); map.flyTo({ center: [p.lon, p.lat], zoom: 16 }); }
          if (p.kind === "address") reportForm.elements.address.value = p.name;
        } }, p.name), p.kind === "address" ? h("small", {}, " · ", p.ward.name) : null)) : [h("li", {}, T.no_results)]));
    } catch (err) { fail(err); }
  }, 250);
});

reportForm.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!contact) return;
  const f = reportForm.elements;
  const body = {
    category: Number(f.category.value), description: f.description.value, address: f.address.value,
    sms_consent: f.sms_consent.checked, emergency: f.emergency.checked, verify: f.verify.value,
  };
  if (point) Object.assign(body, { lat: point.lat, lon: point.lon }); // none: the inbox
  try {
    const saved = await api(`calls/${contact.id}/report`, { method: "POST", body });
    const text = document.getElementById("saved");
    if (saved.report) {
      text.textContent = fmt(T.saved, saved.report);
      text.dataset.reference = saved.report.reference;
      text.dataset.due = saved.report.due_at || "";
    } else {
      text.textContent = fmt(T.queued, { id: saved.inbox_item });
      text.dataset.inboxItem = saved.inbox_item;
    }
    toast(text.textContent);
  } catch (err) { fail(err); }
});

// ---------- knowledge base ----------
const kbForm = document.getElementById("kb");
let kbTimer = null;
kbForm.addEventListener("submit", (e) => e.preventDefault());
kbForm.elements.q.addEventListener("input", (e) => {
  clearTimeout(kbTimer);
  const q = e.target.value.trim();
  kbTimer = setTimeout(async () => {
    const list = document.getElementById("articles");
    if (q.length < 2) { list.replaceChildren(); return; }
    try {
      const { results } = await api(`articles?${new URLSearchParams({ q })}`);
      list.replaceChildren(...(results.length ? results.map((a) => h("li", {},
        h("strong", {}, a.question), h("p", {}, a.answer),
        h("button", { type: "button", onclick: () => answer(a.id) }, T.answer))) : [h("li", {}, T.no_results)]));
    } catch (err) { fail(err); }
  }, 250);
});
async function answer(articleId) {
  if (!contact) return;
  try {
    await api(`calls/${contact.id}/answer`, { method: "POST",
      body: { article: articleId, send_sms: kbForm.elements.send_sms.checked } });
    toast(T.answered);
  } catch (err) { fail(err); }
}

document.getElementById("close").addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!contact) return;
  const f = e.target.elements;
  try {
    await api(`calls/${contact.id}/close`, { method: "POST", body: { outcome: f.outcome.value, reason: f.reason.value } });
    toast(T.closed);
    document.getElementById("card").hidden = true;
    contact = null;
  } catch (err) { fail(err); }
});
