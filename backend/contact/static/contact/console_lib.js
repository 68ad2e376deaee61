// What the console's scripts share: the page's config, a DOM builder, the API client, toasts.
export const config = JSON.parse(document.getElementById("console-config").textContent);
export const T = config.strings;
export const POLL_MS = 2000;

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c !== null && c !== undefined && c !== false) el.append(c instanceof Node ? c : String(c));
  }
  return el;
}
export const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_, k) => values[k]);
const csrf = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
const dateFmt = new Intl.DateTimeFormat(config.lang === "en" ? "en-GB" : "vi-VN", {
  dateStyle: "short", timeStyle: "short", timeZone: "Asia/Ho_Chi_Minh",
});
export const when = (iso) => (iso ? dateFmt.format(new Date(iso)) : "–");

// `base`: the console API unless given ("" for an absolute path such as the conversations API)
export async function api(path, { method = "GET", body = null, base = config.api, key = "" } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": config.lang };
  if (method !== "GET") headers["X-CSRFToken"] = csrf();
  if (key) headers["Idempotency-Key"] = key; // a resent request is the same one
  if (body) { headers["Content-Type"] = "application/json"; body = JSON.stringify(body); }
  const response = await fetch(base + path, { method, headers, body, credentials: "same-origin" });
  const data = response.headers.get("Content-Type")?.includes("json") ? await response.json() : null;
  if (!response.ok) {
    const error = new Error((data && data.message) || response.statusText);
    error.status = response.status;
    error.data = data;
    throw error;
  }
  return data;
}

export function toast(text, isError = false) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.classList.toggle("error", isError);
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 4000);
}
export const fail = (err) => toast(`${T.error}: ${err.message}`, true);
