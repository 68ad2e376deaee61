// The alerts bell of the staff pages: polls my in-app alerts (staff API `alerts`), shows the
// unread count and the list, marks them read, and edits my alert preference. Where the person
// granted it (and chose it), a new alert also shows as a browser notification from the open
// page (the Notification API; no push service: the page must be open).
import { requestJson } from "../common/kit.js";

const root = document.getElementById("alerts-bell");
const POLL_MS = window.HOTLINE_ALERT_POLL_MS || 30000; // tests poll faster

if (root) {
  const T = JSON.parse(root.dataset.strings);
  const request = (url, method = "GET", body = null) => requestJson(url, { method, body });
  const el = (tag, attrs = {}, ...children) => {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs)) if (v !== false && v != null) node.setAttribute(k, v === true ? "" : v);
    node.append(...children.filter((c) => c != null));
    return node;
  };

  const badge = el("span", { class: "badge", id: "alerts-unread", hidden: true });
  const button = el("button", { type: "button", "aria-expanded": "false", "aria-controls": "alerts-panel" }, `🔔 ${T.title}`, badge);
  const list = el("ul", { id: "alerts-list" });
  const panel = el("div", { class: "alerts-panel", id: "alerts-panel", hidden: true, role: "region", "aria-label": T.title });
  root.append(button, panel);

  let newest = 0;
  let alerts = [];
  let preference = null;

  function draw(unread) {
    badge.textContent = unread;
    badge.hidden = !unread;
    list.replaceChildren(...(alerts.length ? alerts.map((a) => el("li", {
      class: [a.read ? "" : "unread", a.is_emergency || a.kind === "emergency" ? "emergency" : ""].join(" ").trim(),
      "data-kind": a.kind, "data-id": a.id }, a.body)) : [el("li", {}, T.empty)]));
  }

  function notifyBrowser(fresh) {
    if (!preference?.by_browser || !("Notification" in window) || Notification.permission !== "granted") return;
    for (const a of fresh) new Notification(a.subject, { body: a.body, tag: `alert-${a.id}` });
  }

  async function poll(first = false) {
    try {
      const data = await request(`${root.dataset.list}${newest && !first ? `?after=${newest}` : ""}`);
      const fresh = data.alerts.filter((a) => a.id > newest);
      if (first) alerts = data.alerts; else alerts = [...fresh, ...alerts].slice(0, 50);
      if (!first && fresh.length) notifyBrowser(fresh);
      if (alerts.length) newest = Math.max(newest, ...alerts.map((a) => a.id));
      draw(data.unread);
      root.dataset.polled = String(Date.now());
    } catch (err) {
      root.dataset.error = err.message;
    }
  }

  function settingsForm() {
    const form = el("form", { id: "alert-settings" });
    const check = (name) => el("label", {}, el("input", { type: "checkbox", name, checked: preference[name] }), ` ${T[name]}`);
    const time = (name) => el("input", { type: "time", name, value: (preference[name] || "").slice(0, 5) });
    const status = el("span", { role: "status" });
    form.append(el("strong", {}, T.settings), check("by_email"), check("by_sms"), check("by_browser"),
      check("quiet_hours"), el("label", {}, `${T.from} `, time("quiet_start"), ` ${T.to} `, time("quiet_end")),
      el("button", { type: "submit" }, T.save), status);
    form.addEventListener("submit", async (event) => {
      event.preventDefault();
      const data = new FormData(form);
      const body = { quiet_start: data.get("quiet_start"), quiet_end: data.get("quiet_end") };
      for (const name of ["by_email", "by_sms", "by_browser", "quiet_hours"]) body[name] = data.has(name);
      try {
        preference = await request(root.dataset.preferences, "PUT", body);
        status.textContent = T.saved;
        if (preference.by_browser && "Notification" in window && Notification.permission === "default") {
          Notification.requestPermission();
        }
      } catch (err) { status.textContent = err.message; }
    });
    return form;
  }

  button.addEventListener("click", async () => {
    const open = panel.hidden;
    panel.hidden = !open;
    button.setAttribute("aria-expanded", String(open));
    if (!open) return;
    const readAll = el("button", { type: "button", id: "alerts-read-all" }, T.read_all);
    readAll.addEventListener("click", async () => {
      const data = await request(root.dataset.read, "POST", {});
      alerts = alerts.map((a) => ({ ...a, read: true }));
      draw(data.unread);
    });
    panel.replaceChildren(list, readAll, settingsForm());
  });

  request(root.dataset.preferences).then((p) => { preference = p; }).catch(() => {});
  poll(true);
  setInterval(poll, POLL_MS);
}
