// The triage inbox in the console: open items (polled), claim one (a second operator sees who
// took it), complete it — category, place by map click — so it is routed like an app report,
// or reject it with a reason the reporter receives. Data through /api/contact/v1/inbox….
// An item a chat conversation handed over shows that conversation and a reply box (console_chat.js).
import { chatClose, chatOpen } from "./console_chat.js";
import { POLL_MS, T, api, config, fail, fmt, h, toast, when } from "./console_lib.js";

const list = document.getElementById("inbox-items");
const form = document.getElementById("inbox-form");
let current = null; // the item being completed
let point = null;

function row(item) {
  const mine = item.status === "claimed" && item.claimed_by_id === config.user_id;
  return h("li", { dataset: { item: item.id, status: item.status } },
    h("strong", {}, `#${item.id}`), " ", item.channel, " · ", when(item.created_at),
    item.flag ? h("span", { class: "flag" }, " · ", T.verify, ": ", item.flag) : null,
    h("br"), item.description, item.address ? h("small", {}, " — ", item.address) : null,
    item.status === "claimed" && !mine ? h("em", { class: "holder" }, " · ", fmt(T.held_by, { name: item.claimed_by })) : null,
    item.status === "waiting" ? h("button", { type: "button", class: "claim", onclick: () => claim(item.id) }, T.claim) : null,
    mine ? h("button", { type: "button", class: "open", onclick: () => open(item) }, T.open) : null);
}

async function refresh() {
  try {
    const { results } = await api("inbox");
    list.replaceChildren(...(results.length ? results.map(row) : [h("li", {}, T.inbox_empty)]));
    document.getElementById("inbox-count").textContent = results.length ? `(${results.length})` : "";
  } catch (err) { /* a missed poll is retried */ }
}

async function claim(id) {
  try { open(await api(`inbox/${id}/claim`, { method: "POST" })); } catch (err) {
    if (err.status === 409 && err.data) toast(fmt(T.held_by, { name: err.data.details.claimed_by || "?" }), true);
    else fail(err);
  }
  refresh();
}

function showPoint() {
  const el = document.getElementById("inbox-point");
  el.textContent = point ? `${point.lat.toFixed(5)}, ${point.lon.toFixed(5)}` : T.pick_place;
  if (point) el.dataset.lat = point.lat; else delete el.dataset.lat;
}

function open(item) {
  current = item;
  point = item.location;
  const f = form.elements;
  if (item.category) f.category.value = String(item.category);
  f.description.value = item.description;
  f.address.value = item.address;
  f.reason.value = "";
  document.getElementById("inbox-id").textContent = `#${item.id}`;
  document.getElementById("inbox-flag").textContent = item.flag ? `${T.verify}: ${item.flag}` : "";
  document.getElementById("inbox-done").textContent = "";
  form.hidden = false;
  document.body.dataset.mode = "inbox";
  showPoint();
  if (item.conversation) chatOpen(item.conversation); else chatClose();
}

function close(message) {
  form.hidden = true;
  current = null;
  chatClose();
  delete document.body.dataset.mode;
  const done = document.getElementById("inbox-done");
  done.textContent = message;
  toast(message);
  refresh();
}

document.addEventListener("console:point", (e) => { point = e.detail; showPoint(); });

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  if (!current) return;
  if (!point) { toast(T.pick_place, true); return; }
  const f = form.elements;
  const body = { category: Number(f.category.value), description: f.description.value,
    address: f.address.value, lat: point.lat, lon: point.lon };
  try {
    const { report } = await api(`inbox/${current.id}/complete`, { method: "POST", body });
    form.dataset.reference = report.reference;
    close(fmt(T.saved, report));
  } catch (err) { fail(err); }
});

document.getElementById("inbox-reject").addEventListener("click", async () => {
  if (!current) return;
  const reason = form.elements.reason.value.trim();
  if (!reason) { toast(T.reason_required, true); return; }
  try {
    await api(`inbox/${current.id}/reject`, { method: "POST", body: { reason } });
    close(T.rejected);
  } catch (err) { fail(err); }
});

setInterval(refresh, POLL_MS);
refresh();
