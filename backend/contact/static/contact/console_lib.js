// What the console's scripts share: the page's config, a DOM builder, the API client, toasts.
import { dateFormatter, fmt, h, requestJson, toast } from "../common/kit.js";

export const config = JSON.parse(document.getElementById("console-config").textContent);
export const T = config.strings;
export const POLL_MS = 2000;

export { fmt, h, toast };
export const when = dateFormatter(config.lang);

// `base`: the console API unless given ("" for an absolute path such as the conversations API)
export const api = (path, { base = config.api, ...options } = {}) =>
  requestJson(base + path, { lang: config.lang, ...options });

export const fail = (err) => toast(`${T.error}: ${err.message}`, true);
