// A report's page: a small map at its place, and the follow button.
import { Map as MapLibre, Marker } from "../vendor/maplibre-gl/maplibre-gl.mjs";
import { api, baseStyle, config, errorText } from "./common.js";

const { lon, lat } = config.location;
const map = new MapLibre({ container: "small-map", style: baseStyle(), center: [lon, lat], zoom: 15,
  interactive: false, attributionControl: { compact: true } });
new Marker({ color: "#c53030" }).setLngLat([lon, lat]).addTo(map);
map.on("load", () => { document.body.dataset.mapReady = "true"; });

const button = document.getElementById("follow");
const reference = document.getElementById("report").dataset.reference;
const interested = document.getElementById("interested");
if (button) {
  button.addEventListener("click", async () => {
    const following = button.dataset.following === "true";
    try {
      if (following) {
        await api(`follows/${encodeURIComponent(reference)}`, { method: "DELETE" });
        button.dataset.following = "false";
        button.textContent = button.dataset.labelFollow;
        interested.textContent = interested.textContent.replace(/\d+/, (n) => String(Math.max(1, Number(n) - 1)));
      } else {
        const done = await api(`follows/${encodeURIComponent(reference)}`, { method: "POST" });
        button.dataset.following = "true";
        button.textContent = button.dataset.labelUnfollow;
        interested.textContent = interested.textContent.replace(/\d+/, String(done.interested));
      }
    } catch (err) {
      if (err.code === "sign_in_required") location.assign(button.dataset.signIn);
      else button.after(Object.assign(document.createElement("p"), { className: "msg error", textContent: errorText(err) }));
    }
  });
}
