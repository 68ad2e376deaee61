// What every page of the project shares (staff map, staff alerts, contact console, residents'
// portal): one JSON client for the project's APIs — the CSRF token on writes, the page's
// language, an Idempotency-Key when given, FormData as is, errors carrying the API's status,
// code, message and details — a DOM builder, message formatting, dates in Vietnam time and the
// page's toast. Each page's own kit adds its config (API base, language, strings).

export function csrfToken() {
  const m = document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/);
  return m ? decodeURIComponent(m[1]) : "";
}

export class ApiError extends Error {
  constructor(status, body) {
    super(body?.message || `HTTP ${status}`);
    this.status = status;
    this.code = body?.code;
    this.details = body?.details || {};
    this.data = body;
  }
}

export async function requestJson(url, { method = "GET", body = null, headers = {}, key = "",
  lang = document.documentElement.lang } = {}) {
  const init = { method, credentials: "same-origin",
    headers: { Accept: "application/json", "Accept-Language": lang, ...headers } };
  if (method !== "GET") init.headers["X-CSRFToken"] = csrfToken();
  if (key) init.headers["Idempotency-Key"] = key; // a resent request is the same one
  if (body instanceof FormData) init.body = body;
  else if (body !== null && body !== undefined) {
    init.body = JSON.stringify(body);
    init.headers["Content-Type"] = "application/json";
  }
  const response = await fetch(url, init);
  if (response.status === 204) return null;
  const json = response.headers.get("Content-Type")?.includes("json");
  const data = json ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return data;
}

// a fresh key for one thing being sent (a report, a reply): its retries carry the same one
export function idempotencyKey() {
  if (crypto.randomUUID) return crypto.randomUUID(); // secure contexts (https, localhost)
  return Array.from(crypto.getRandomValues(new Uint8Array(16)),
    (b) => b.toString(16).padStart(2, "0")).join("");
}

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

export const fmt = (template, values) =>
  template.replace(/%\((\w+)\)s/g, (_, k) => String(values[k] ?? ""));

// "dd/mm/yyyy hh:mm" in Vietnam time, in the page's language; "–" for nothing
export function dateFormatter(lang) {
  const format = new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "vi-VN", {
    dateStyle: "short", timeStyle: "short", timeZone: "Asia/Ho_Chi_Minh",
  });
  return (iso) => (iso ? format.format(new Date(iso)) : "–");
}

export function toast(text, isError = false) {
  const el = document.getElementById("toast");
  el.textContent = text;
  el.classList.toggle("error", isError);
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 4000);
}
