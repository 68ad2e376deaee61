// Small helpers every staff-map module shares: the page's config and strings, element building,
// the API call (CSRF, language, errors), the toast and date formats.
import { dateFormatter, fmt, h, requestJson, toast } from "../common/kit.js";

export const config = JSON.parse(document.getElementById("map-config").textContent);
export const T = config.strings;
export const API = config.api;

export { fmt, h, toast };
export const when = dateFormatter(config.lang);
export const statusLabel = (s) => config.statuses[s] || s;
// "Phường Bến Thành" → "phuong ben thanh": what a search box compares, diacritics folded
export const fold = (text) => String(text).normalize("NFD").replace(/[\u0300-\u036f]/g, "")
  .replace(/đ/g, "d").replace(/Đ/g, "D").toLowerCase();

export const api = (path, options = {}) => requestJson(API + path, { lang: config.lang, ...options });
