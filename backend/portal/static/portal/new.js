// Filing a report from a browser: the place (map tap or the browser's location), field, text,
// photos, the phone sign-in, a look at similar reports nearby, then one idempotent submit.
import { Map as MapLibre, Marker, NavigationControl } from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { api, ApiError, baseStyle, config, errorText, fmt, idempotencyKey, T, wireSignIn } from "./common.js";

const form = document.getElementById("report-form");
const placeMsg = document.getElementById("place-msg");
const formMsg = document.getElementById("form-msg");
const submit = document.getElementById("submit");
let signedIn = config.signed_in;
let checked = false; // similar reports looked at for this place and field
// one key per report being written: a retry (double tap, lost answer) files it once
let key = idempotencyKey();

const map = new MapLibre({ container: "pick-map", style: baseStyle(), center: [106.70, 10.78], zoom: 12,
  attributionControl: { compact: true } });
window.portalMap = map; // for the browser tests
map.addControl(new NavigationControl({ showCompass: false }), "top-right");
map.on("load", () => { document.body.dataset.mapReady = "true"; });
const marker = new Marker({ color: "#c53030", draggable: true });

function place(lon, lat) {
  form.lon.value = lon.toFixed(7);
  form.lat.value = lat.toFixed(7);
  marker.setLngLat([lon, lat]).addTo(map);
  placeMsg.textContent = T.placed;
  checked = false;
}
map.on("click", (e) => place(e.lngLat.lng, e.lngLat.lat));
marker.on("dragend", () => { const p = marker.getLngLat(); place(p.lng, p.lat); });
document.getElementById("use-location").addEventListener("click", () => {
  placeMsg.textContent = T.locating;
  navigator.geolocation.getCurrentPosition(
    (pos) => { place(pos.coords.longitude, pos.coords.latitude); map.flyTo({ center: [pos.coords.longitude, pos.coords.latitude], zoom: 16 }); },
    () => { placeMsg.textContent = T.no_location; },
    { enableHighAccuracy: true, timeout: 10000 });
});
form.category.addEventListener("change", () => { checked = false; });

wireSignIn(() => { signedIn = true; formMsg.textContent = ""; });

// ---------- similar reports nearby (the duplicate check; absent or empty: go on) ----------
async function similar() {
  if (!form.lon.value || !form.category.value) return [];
  const q = new URLSearchParams({ lon: form.lon.value, lat: form.lat.value, category: form.category.value });
  try {
    return (await api(`similar-reports?${q}`)).results || [];
  } catch (err) {
    return []; // no endpoint (404) or any trouble: the resident's report goes on
  }
}

function showSimilar(results) {
  const box = document.getElementById("similar");
  const list = document.getElementById("similar-list");
  const template = document.getElementById("similar-item");
  list.replaceChildren();
  for (const r of results) {
    const li = template.content.firstElementChild.cloneNode(true);
    const a = li.querySelector(".ref");
    a.href = r.public_url;
    a.textContent = r.reference;
    li.querySelector(".what").textContent = `${r.status_display} · ${Math.round(r.distance_m)} m`;
    li.querySelector(".follow-this").addEventListener("click", async () => {
      try {
        await api(`follows/${encodeURIComponent(r.reference)}`, { method: "POST" });
        box.hidden = true;
        submit.hidden = true;
        formMsg.className = "msg";
        formMsg.textContent = fmt(T.followed, { ref: r.reference });
        document.body.dataset.followed = r.reference;
      } catch (err) { formMsg.textContent = errorText(err); }
    });
    list.append(li);
  }
  box.hidden = false;
  box.scrollIntoView({ block: "nearest" });
}
document.getElementById("send-anyway").addEventListener("click", () => {
  document.getElementById("similar").hidden = true;
  send();
});

// ---------- submit ----------
submit.addEventListener("click", async () => {
  formMsg.textContent = "";
  if (!form.reportValidity()) return;
  if (!signedIn) {
    formMsg.textContent = T.sign_in_first;
    document.getElementById("phone").focus();
    return;
  }
  if (!checked) {
    checked = true;
    const results = await similar();
    if (results.length) { showSimilar(results); return; }
  }
  send();
});

async function send() {
  const body = new FormData();
  for (const name of ["category", "description", "address", "lat", "lon"]) body.set(name, form[name].value);
  for (const file of form.photos.files) body.append("photos", file);
  submit.disabled = true;
  formMsg.textContent = T.sending;
  try {
    const done = await api("reports", { method: "POST", body, headers: { "Idempotency-Key": key } });
    key = idempotencyKey();
    formMsg.textContent = "";
    form.hidden = true;
    submit.hidden = true;
    document.getElementById("done-ref").textContent = done.reference;
    document.getElementById("done-link").href = done.public_url;
    document.getElementById("done").hidden = false;
    document.body.dataset.reference = done.reference;
  } catch (err) {
    if (err instanceof ApiError && err.code === "sign_in_required") {
      signedIn = false;
      document.getElementById("sign-in").hidden = false;
    }
    formMsg.textContent = err instanceof ApiError ? errorText(err) : T.error;
  } finally {
    submit.disabled = false;
  }
}
