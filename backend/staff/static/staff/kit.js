// Small helpers every staff-map module shares: the page's config and strings, element building,
// the API call (CSRF, language, errors), the toast and date formats.
export const config = JSON.parse(document.getElementById("map-config").textContent);
export const T = config.strings;
export const API = config.api;

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith("on")) el.addEventListener(k.slice(2), v);
    else if (k === "dataset") Object.assign(el.dataset, v);
    else el.setAttribute(k, v === true ? "" : v);
  }
  for (const c of children.flat()) {
    if (c === null || c === undefined || c === false) continue;
    el.append(c instanceof Node ? c : document.createTextNode(String(c)));
  }
  return el;
}
export const fmt = (template, values) => template.replace(/%\((\w+)\)s/g, (_, k) => values[k]);
const csrf = () => (document.cookie.match(/(?:^|;\s*)csrftoken=([^;]+)/) || [])[1] || "";
const dateFmt = new Intl.DateTimeFormat(config.lang === "en" ? "en-GB" : "vi-VN", {
  dateStyle: "short", timeStyle: "short", timeZone: "Asia/Ho_Chi_Minh",
});
export const when = (iso) => (iso ? dateFmt.format(new Date(iso)) : "–");
export const statusLabel = (s) => config.statuses[s] || s;
// "Phường Bến Thành" → "phuong ben thanh": what a search box compares, diacritics folded
export const fold = (text) => String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "")
  .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();

export async function api(path, { method = "GET", body = null } = {}) {
  const headers = { Accept: "application/json", "Accept-Language": config.lang };
  if (method !== "GET") headers["X-CSRFToken"] = csrf();
  if (body && !(body instanceof FormData)) {
    headers["Content-Type"] = "application/json";
    body = JSON.stringify(body);
  }
  const response = await fetch(API + path, { method, headers, body, credentials: "same-origin" });
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
  el.className = isError ? "toast error" : "toast";
  el.hidden = false;
  clearTimeout(toast.timer);
  toast.timer = setTimeout(() => (el.hidden = true), 4000);
}
