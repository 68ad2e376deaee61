// Shared by the portal's pages: the page's config, JSON calls with the CSRF token, a base map
// style (ward boundaries, optional raster basemap) and the phone + SMS code sign-in.
import { ApiError, fmt, idempotencyKey, requestJson } from "../common/kit.js";

export const config = JSON.parse(document.getElementById("portal-config").textContent);
export const T = config.strings || {};

export { ApiError, fmt, idempotencyKey };

// a path of the portal API, or an absolute one ("/…")
export const api = (path, options = {}) =>
  requestJson(path.startsWith("/") ? path : config.api + path, options);

export function errorText(err) {
  const details = Object.values(err.details || {}).flat().filter((v) => typeof v === "string");
  return [err.message, ...details].join(" ");
}

export function baseStyle() {
  const style = {
    version: 8,
    sources: { wards: { type: "geojson", data: config.wards_url } },
    layers: [
      { id: "background", type: "background", paint: { "background-color": "#f4f1ea" } },
      { id: "wards-fill", type: "fill", source: "wards", paint: { "fill-color": "#2b6cb0", "fill-opacity": 0.04 } },
      { id: "wards-line", type: "line", source: "wards",
        paint: { "line-color": "#4a5568", "line-width": ["interpolate", ["linear"], ["zoom"], 8, 0.4, 14, 1.5] } },
    ],
  };
  if (config.basemap?.url) {
    style.sources.basemap = { type: "raster", tiles: [config.basemap.url], tileSize: 256,
      attribution: config.basemap.attribution, maxzoom: 19 };
    style.layers.splice(1, 0, { id: "basemap", type: "raster", source: "basemap" });
  }
  return style;
}

// Phone → SMS code → a session (/api/public/v1/session): calls onSignedIn(phone) when done.
export function wireSignIn(onSignedIn) {
  const box = document.getElementById("sign-in");
  const msg = document.getElementById("sign-in-msg");
  const phoneForm = document.getElementById("phone-form");
  const codeForm = document.getElementById("code-form");
  phoneForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    msg.textContent = "";
    try {
      const sent = await api("session/code", { method: "POST", body: { phone: phoneForm.phone.value } });
      msg.textContent = fmt(T.code_sent, { phone: sent.phone });
      codeForm.hidden = false;
      codeForm.code.focus();
    } catch (err) { msg.textContent = errorText(err); }
  });
  codeForm.addEventListener("submit", async (e) => {
    e.preventDefault();
    try {
      const session = await api("session", { method: "POST",
        body: { phone: phoneForm.phone.value, code: codeForm.code.value.trim() } });
      msg.textContent = fmt(T.signed_in, { phone: session.phone });
      box.hidden = true;
      document.body.dataset.signedIn = "true";
      onSignedIn(session.phone);
    } catch (err) { msg.textContent = errorText(err); }
  });
}
