// The list's tools: export links that follow the current filter, and bulk assign/transfer of the
// checked rows — one request per incident through the same endpoints as the detail panel, each
// with its own result (a 409 for a row changed meanwhile is reported, the others go through).
import { config, T, API, h, fmt, api, toast } from "./kit.js";
import { field, unitPicker } from "./forms.js";

const BULK_ROLES = ["operator", "leader", "supervisor", "admin"];
export const bulkAllowed = config.me.roles.some((r) => BULK_ROLES.includes(r));

export function syncExports(params) {
  const query = params.toString();
  for (const [id, ext] of [["export-csv", "csv"], ["export-xlsx", "xlsx"]]) {
    document.getElementById(id).href = `${API}incidents.${ext}${query ? "?" + query : ""}`;
  }
}

const checked = new globalThis.Map(); // id → list row (reference, version, unit)
const bar = document.getElementById("bulk");
const results = h("ul", { class: "bulk-results", role: "status", "aria-live": "polite" });
let onDone = () => {};

/** The checkbox at the start of a list row (nothing for roles that cannot assign/transfer). */
export function rowCheckbox(row) {
  if (!bulkAllowed) return null;
  return h("input", { type: "checkbox", class: "pick", checked: checked.has(row.id),
    "aria-label": fmt(T.bulk_pick, { ref: row.reference }),
    onclick: (e) => e.stopPropagation(),
    onkeydown: (e) => e.stopPropagation(),
    onchange: (e) => {
      if (e.target.checked) checked.set(row.id, row);
      else checked.delete(row.id);
      drawBar();
    } });
}

export function initBulk(afterChange) {
  onDone = afterChange;
}

function drawBar() {
  bar.hidden = checked.size === 0 && !results.children.length;
  if (!checked.size) return bar.replaceChildren(results);
  const rows = [...checked.values()];
  const first = rows[0];
  const person = h("select", { name: "assignee", required: true },
    h("option", { value: "" }, T.choose_person));
  if (first.unit) api(`units/${first.unit.id}/members`).then((members) => {
    for (const m of members) {
      if (m.role === "handler" || m.role === "leader") {
        person.append(h("option", { value: m.user.id }, `${m.user.name} (${m.role_label})`));
      }
    }
  }).catch(() => {});
  const picker = unitPicker(() => api(`incidents/${first.id}/transfer-targets`));
  picker.select.size = 4;
  const reason = h("input", { name: "reason", required: true, "aria-label": T.transfer_reason, placeholder: T.transfer_reason });
  const assign = h("form", { class: "action", dataset: { action: "bulk-assign" }, onsubmit: (e) => {
    e.preventDefault();
    each((row) => api(`incidents/${row.id}/assign`, { method: "POST",
      body: { assignee: Number(person.value), version: row.version } }));
  } }, field(T.assign, person), h("button", { type: "submit" }, T.bulk_assign));
  const transfer = h("form", { class: "action", dataset: { action: "bulk-transfer" }, onsubmit: (e) => {
    e.preventDefault();
    each((row) => api(`incidents/${row.id}/transfer`, { method: "POST",
      body: { unit: Number(picker.select.value), reason: reason.value, version: row.version } }));
  } }, picker.search, picker.select, reason, h("button", { type: "submit" }, T.bulk_transfer));
  bar.replaceChildren(
    h("p", { class: "bulk-head" }, h("strong", {}, fmt(T.bulk_count, { n: checked.size })), " ",
      h("button", { type: "button", class: "secondary", onclick: clear }, T.bulk_clear)),
    assign, transfer, results);
}

function clear() {
  checked.clear();
  results.replaceChildren();
  for (const box of document.querySelectorAll("#incident-list input.pick")) box.checked = false;
  drawBar();
}

async function each(call) {
  results.replaceChildren();
  let ok = 0;
  for (const row of [...checked.values()]) {
    const line = h("li", { dataset: { id: row.id } }, `${row.reference}: …`);
    results.append(line);
    try {
      await call(row);
      ok += 1;
      line.className = "ok";
      line.textContent = `${row.reference}: ${T.done}`;
      checked.delete(row.id);
    } catch (err) {
      line.className = "failed";
      line.textContent = `${row.reference}: ${err.message}`;
    }
  }
  toast(fmt(T.bulk_result, { ok, n: results.children.length }), ok < results.children.length);
  onDone();
  drawBar(); // the results stay readable until the next action
}
