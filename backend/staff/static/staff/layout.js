// Phone layout and keyboard: on a narrow screen the list and the map are two views switched by
// tabs, the filters fold away, the detail panel takes the whole screen; everywhere Escape closes
// the detail panel (the close button returns the focus to the row it was opened from).
const body = document.body;
const tabs = document.querySelectorAll(".view-tabs [data-view]");
const filters = document.getElementById("filters");
const toggle = document.getElementById("filters-toggle");

export function showView(view) {
  body.classList.toggle("show-map", view === "map");
  body.classList.toggle("show-list", view === "list");
  for (const tab of tabs) tab.setAttribute("aria-pressed", String(tab.dataset.view === view));
  if (view === "map") window.hotlineMap?.resize(); // it was laid out while hidden
}

for (const tab of tabs) tab.addEventListener("click", () => showView(tab.dataset.view));
toggle.addEventListener("click", () => {
  const open = toggle.getAttribute("aria-expanded") !== "true";
  toggle.setAttribute("aria-expanded", String(open));
  filters.classList.toggle("open", open);
});

document.addEventListener("keydown", (e) => {
  if (e.key !== "Escape") return;
  const detail = document.getElementById("detail");
  if (!detail.hidden) detail.querySelector("button.close")?.click();
});
