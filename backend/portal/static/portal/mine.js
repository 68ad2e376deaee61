// My reports: rating a resolved report (low stars soon after: it reopens).
import { api, errorText } from "./common.js";

for (const form of document.querySelectorAll("form.rate")) {
  form.addEventListener("submit", async (e) => {
    e.preventDefault();
    const msg = form.querySelector(".msg");
    try {
      await api(`me/reports/${encodeURIComponent(form.dataset.reference)}/rating`, { method: "POST",
        body: { stars: Number(form.stars.value), comment: form.comment.value } });
      location.reload();
    } catch (err) { msg.textContent = errorText(err); }
  });
}
