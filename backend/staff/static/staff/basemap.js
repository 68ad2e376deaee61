// The street basemap under the pins: an XYZ raster template (by default OpenStreetMap's public
// tiles, settings MAP_BASEMAP_URL/ATTRIBUTION) or a self-hosted single-file archive
// `pmtiles://https://…/city.pmtiles` (raster, or vector in the Protomaps basemap schema).
// Whatever goes wrong with it — unreachable server, broken archive — the map works without it.
import { addProtocol } from "../vendor/maplibre-gl/maplibre-gl.mjs";

const PMTILES = "pmtiles://";
const PMTILES_SCRIPT = new URL("../vendor/pmtiles/pmtiles.js", import.meta.url).href;

function loadPmtiles() {
  if (window.pmtiles) return Promise.resolve(window.pmtiles);
  return new Promise((resolve, reject) => {
    const script = document.createElement("script");
    script.src = PMTILES_SCRIPT;
    script.onload = () => resolve(window.pmtiles);
    script.onerror = reject;
    document.head.append(script);
  });
}

// Streets, water and buildings of a Protomaps vector archive, drawn quietly (no labels: those
// need a glyph server; a raster archive carries its street names in the pictures).
function vectorLayers() {
  const fill = (id, layer, color, extra = {}) =>
    ({ id: `basemap-${id}`, type: "fill", source: "basemap", "source-layer": layer, paint: { "fill-color": color }, ...extra });
  return [
    fill("earth", "earth", "#f4f1ea"),
    fill("landuse", "landuse", "#e3ecd9", { paint: { "fill-color": "#e3ecd9", "fill-opacity": 0.6 } }),
    fill("water", "water", "#aad3df"),
    fill("buildings", "buildings", "#ddd6cb", { minzoom: 14 }),
    { id: "basemap-roads", type: "line", source: "basemap", "source-layer": "roads",
      paint: { "line-color": "#ffffff", "line-width": ["interpolate", ["linear"], ["zoom"], 10, 0.5, 16, 6] } },
  ];
}

/** {sources, layers} to put under the ward outlines, or null for none. */
export async function basemap({ url, attribution }) {
  if (!url) return null;
  if (!url.startsWith(PMTILES)) {
    return {
      sources: { basemap: { type: "raster", tiles: [url], tileSize: 256, attribution, maxzoom: 19 } },
      layers: [{ id: "basemap", type: "raster", source: "basemap" }],
    };
  }
  try {
    const lib = await loadPmtiles();
    const protocol = new lib.Protocol();
    addProtocol("pmtiles", protocol.tile);
    const archive = new lib.PMTiles(url.slice(PMTILES.length));
    protocol.add(archive);
    const header = await archive.getHeader();
    const source = { url, attribution, minzoom: header.minZoom, maxzoom: header.maxZoom };
    if (header.tileType === lib.TileType.Mvt) {
      return { sources: { basemap: { type: "vector", ...source } }, layers: vectorLayers() };
    }
    return {
      sources: { basemap: { type: "raster", tileSize: 256, ...source } },
      layers: [{ id: "basemap", type: "raster", source: "basemap" }],
    };
  } catch (err) {
    console.warn("basemap unavailable", err);
    return null;
  }
}
