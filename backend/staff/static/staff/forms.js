// Action forms of the detail panel beside the status moves: answer a leader's direction, change
// the field, move the point on the map (new ward and unit shown before saving), and transfer
// with a searchable picker of the units the server accepts for this incident.
import { Marker } from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { config, T, h, fmt, fold, api, when } from "./kit.js";

let formSeq = 0;
const uid = (name) => `${name}-${++formSeq}`;

/** A labelled control: a visible <label for> (screen readers and big touch targets). */
export function field(label, control) {
  control.id = control.id || uid(control.name || "field");
  return h("label", { class: "field", for: control.id }, h("span", {}, label), control);
}

export const noteBox = (label = T.note, name = "note", required = false) =>
  h("textarea", { name, rows: 2, required, "aria-label": label, placeholder: label });

// ---------- directions and their answers ----------
export function directionsSection(inc, run) {
  if (!inc.directions.length) return null;
  const mayAnswer = inc.allowed_actions.includes("answer_direction");
  return h("section", { class: "directions" }, h("h3", {}, T.directions),
    h("ul", { class: "timeline" }, inc.directions.map((d) => h("li", { dataset: { direction: d.id } },
      h("b", {}, d.actor?.name || ""), " ", h("time", {}, when(d.created_at)), h("div", {}, d.note),
      d.answers.map((a) => h("div", { class: "answer" },
        `${T.answers} (${a.actor?.name || ""}, ${when(a.created_at)}): ${a.note}`)),
      mayAnswer ? answerForm(inc, d, run) : null))));
}

function answerForm(inc, direction, run) {
  const text = noteBox(T.answer_direction, "text", true);
  return h("form", { class: "action answer-form", dataset: { action: "answer-direction" },
    onsubmit: (e) => {
      e.preventDefault();
      run(() => api(`incidents/${inc.id}/directions/${direction.id}/answers`,
        { method: "POST", body: { text: text.value } }));
    } }, text, h("button", { type: "submit" }, T.send_answer));
}

// ---------- field (category) ----------
export function categoryForm(inc, run) {
  const select = h("select", { name: "category", required: true },
    config.categories.map((c) => h("option", { value: c.id, selected: c.id === inc.category?.id }, c.name)));
  const note = noteBox();
  return h("form", { class: "action", dataset: { action: "category" }, onsubmit: (e) => {
    e.preventDefault();
    run(() => api(`incidents/${inc.id}/category`, { method: "POST",
      body: { category: Number(select.value), note: note.value, version: inc.version } }));
  } }, field(T.category, select), note, h("button", { type: "submit" }, T.change_category));
}

// ---------- location: drag the pin or click the map, see the new ward/unit, then save ----------
export function locationForm(inc, run, map) {
  let marker = null;
  const lat = h("input", { name: "lat", type: "number", step: "any", required: true, value: inc.location?.lat ?? "" });
  const lon = h("input", { name: "lon", type: "number", step: "any", required: true, value: inc.location?.lon ?? "" });
  const preview = h("p", { class: "preview", role: "status", "aria-live": "polite" });
  const save = h("button", { type: "submit", disabled: true }, T.save_location);
  const note = noteBox();
  let asked = 0;
  const show = async () => {
    const ask = ++asked;
    save.disabled = true;
    preview.textContent = T.loading;
    try {
      const p = await api(`incidents/${inc.id}/relocation?lat=${lat.value}&lon=${lon.value}`);
      if (ask !== asked) return;
      const unit = p.unit ? p.unit.name : "–";
      preview.replaceChildren(fmt(T.relocation, { ward: p.ward.name, unit }),
        p.unit_changes ? h("strong", {}, " ", T.unit_changes) : null);
      save.disabled = false;
    } catch (err) {
      if (ask === asked) preview.textContent = `${T.error}: ${err.message}`;
    }
  };
  const place = (lngLat) => {
    lat.value = lngLat.lat.toFixed(6);
    lon.value = lngLat.lng.toFixed(6);
    marker?.setLngLat(lngLat);
    show();
  };
  const onMapClick = (e) => place(e.lngLat);
  const stop = () => {
    marker?.remove();
    marker = null;
    map.off("click", onMapClick);
    map.getCanvas().classList.remove("picking");
  };
  const pick = h("button", { type: "button", class: "secondary", onclick: () => {
    stop();
    const at = inc.location ? [inc.location.lon, inc.location.lat] : map.getCenter().toArray();
    marker = new Marker({ draggable: true, color: "#c53030" }).setLngLat(at).addTo(map);
    marker.on("dragend", () => place(marker.getLngLat()));
    map.on("click", onMapClick);
    map.getCanvas().classList.add("picking");
    preview.textContent = T.pick_hint;
  } }, T.pick_on_map);
  lat.addEventListener("change", show);
  lon.addEventListener("change", show);
  const form = h("form", { class: "action", dataset: { action: "location" }, onsubmit: (e) => {
    e.preventDefault();
    stop();
    run(() => api(`incidents/${inc.id}/location`, { method: "POST",
      body: { lat: Number(lat.value), lon: Number(lon.value), note: note.value, version: inc.version } }));
  } }, pick, h("div", { class: "coords" }, field(T.latitude, lat), field(T.longitude, lon)),
  preview, note, save);
  form.stopPicking = stop;
  return form;
}

// ---------- transfer: the server's list of sensible targets, searchable without diacritics ----------
export function unitPicker(loadTargets) {
  const search = h("input", { type: "search", name: "unit_search", placeholder: T.search_unit,
    "aria-label": T.search_unit, autocomplete: "off" });
  const select = h("select", { name: "unit", required: true, size: 6, "aria-label": T.choose_unit });
  let targets = [];
  const draw = () => {
    const q = fold(search.value.trim());
    const groups = new globalThis.Map();
    for (const t of targets) {
      if (q && !fold(`${t.name} ${t.code}`).includes(q)) continue;
      if (!groups.has(t.group)) groups.set(t.group, []);
      groups.get(t.group).push(t);
    }
    const chosen = select.value;
    select.replaceChildren(...[...groups].map(([label, units]) => h("optgroup", { label },
      units.map((u) => h("option", { value: u.id, selected: String(u.id) === chosen }, u.name)))));
  };
  search.addEventListener("input", draw);
  loadTargets().then((list) => { targets = list; draw(); }).catch(() => {});
  return { search, select };
}

export function transferForm(inc, run) {
  const { search, select } = unitPicker(() => api(`incidents/${inc.id}/transfer-targets`));
  const reason = noteBox(T.transfer_reason, "note", true);
  return h("form", { class: "action transfer", dataset: { action: "transfer" }, onsubmit: (e) => {
    e.preventDefault();
    run(() => api(`incidents/${inc.id}/transfer`, { method: "POST",
      body: { unit: Number(select.value), reason: reason.value, version: inc.version } }));
  } }, search, select, reason, h("button", { type: "submit" }, T.transfer));
}
