// The detail panel's "possible duplicates" section: candidates scored by the API
// (GET incidents/{id}/duplicates: distance, time, category, photo and text likeness), the
// report's demand, and merging this report into a candidate (POST incidents/{id}/merge).
// Kept apart from map.js: the panel hands in its helpers.

const pct = (x) => Math.round(100 * (x || 0));

// ctx: { api, h, T, fmt, when, open(id), merged(result) }
export function duplicatesSection(inc, ctx) {
  const { h, T, fmt } = ctx;
  const list = h("ol", { class: "duplicates", id: "duplicates" }, h("li", { class: "muted" }, T.loading));
  const box = h("section", { class: "duplicates-section", "aria-labelledby": "dup-title" },
    h("h3", { id: "dup-title" }, T.dup_title),
    h("p", { id: "demand", class: "demand" }, fmt(T.dup_demand, { n: inc.demand ?? 1 })),
    inc.merged_into ? h("p", { class: "merged" }, fmt(T.dup_merged_into, { reference: inc.merged_into.reference })) : null,
    list);
  loadCandidates(inc, list, ctx);
  return box;
}

async function loadCandidates(inc, list, ctx) {
  const { api, h, T } = ctx;
  let body;
  try {
    body = await api(`incidents/${inc.id}/duplicates`);
  } catch (err) {
    list.replaceChildren(h("li", { class: "error", role: "alert" }, `${T.error}: ${err.message}`));
    return;
  }
  if (!body.results.length) {
    list.replaceChildren(h("li", { class: "muted" }, T.dup_none));
    return;
  }
  list.replaceChildren(...body.results.map((c) => candidateItem(inc, c, ctx)));
}

function candidateItem(inc, c, ctx) {
  const { h, T, fmt, when } = ctx;
  const s = c.signals;
  const facts = [
    fmt(T.dup_distance, { m: Math.round(c.distance_m) }),
    fmt(T.dup_hours, { h: Math.round(c.hours_apart) }),
    s.photo === null ? null : fmt(T.dup_photo, { p: pct(s.photo) }),
    fmt(T.dup_text, { p: pct(s.text) }),
    fmt(T.dup_demand, { n: c.demand }),
  ].filter(Boolean).join(" · ");
  const mayMerge = inc.allowed_moves.includes("merged") && c.status !== "merged";
  return h("li", { class: "duplicate", dataset: { id: c.id, reference: c.reference } },
    c.thumbnail_url ? h("img", { src: c.thumbnail_url, alt: "", loading: "lazy", class: "photo" }) : null,
    h("div", {},
      h("b", {}, c.reference), " ",
      h("span", { class: `badge s-${c.status}` }, c.status_label), " ",
      h("span", { class: "score" }, fmt(T.dup_score, { score: pct(c.score) })),
      h("div", { class: "muted" }, `${c.category?.name || ""} · ${when(c.created_at)}`),
      h("div", { class: "facts" }, facts),
      h("div", { class: "desc" }, c.description),
      h("button", { type: "button", class: "secondary", onclick: () => ctx.open(c.id) }, T.dup_open), " ",
      mayMerge ? h("button", { type: "button", class: "merge", dataset: { master: c.id },
        onclick: () => merge(inc, c, ctx) }, fmt(T.dup_merge, { reference: c.reference })) : null));
}

async function merge(inc, c, ctx) {
  const { api, T, fmt } = ctx;
  if (!window.confirm(fmt(T.dup_confirm, { this: inc.reference, master: c.reference }))) return;
  try {
    const result = await api(`incidents/${inc.id}/merge`, {
      method: "POST", body: { master: c.id, note: "", version: inc.version } });
    ctx.merged(result);
  } catch (err) {
    ctx.failed(err);
  }
}
