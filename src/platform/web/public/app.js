// GOV.UK Frontend's behaviour (menus, password reveal, error summary focus), the send page's live
// outcomes (each file still being checked is asked for again until it is settled), and a word
// while a long form's answer is on its way.
import { initAll } from "/static/govuk/govuk-frontend.min.js";

initAll();

const POLL_MS = 1000;

async function refresh(el) {
  const response = await fetch(el.dataset.outcomeUrl, { credentials: "same-origin" });
  // Signed out meanwhile (sent to the sign-in page) or refused: leave the page as it is.
  if (!response.ok || response.redirected) {
    el.dataset.settled = "unknown";
    return el;
  }
  const holder = document.createElement("div");
  holder.innerHTML = await response.text();
  const fresh = holder.firstElementChild;
  el.replaceWith(fresh);
  return fresh;
}

function watch() {
  const pending = [...document.querySelectorAll('[data-outcome-url][data-settled="false"]')];
  if (pending.length === 0) return;
  setTimeout(async () => {
    await Promise.all(pending.map((el) => refresh(el).catch(() => el)));
    watch();
  }, POLL_MS);
}

for (const el of document.querySelectorAll(".app-no-js-only")) el.hidden = true;

// A form field needed by one choice of role only shows while that role is chosen (without a
// script, every field shows, each saying which role it is for).
const roleFields = [...document.querySelectorAll("[data-app-for-role]")];
if (roleFields.length > 0) {
  const show = () => {
    const role = document.querySelector('input[name="role"]:checked')?.value;
    for (const el of roleFields) el.hidden = el.dataset.appForRole !== role;
  };
  for (const radio of document.querySelectorAll('input[name="role"]'))
    radio.addEventListener("change", show);
  show();
}
// A form that takes a while (an import of thousands of pupils) says so once sent, and is not
// sent twice by a second press while the first is on its way.
for (const form of document.querySelectorAll("form[data-app-working]")) {
  form.addEventListener("submit", () => {
    const status = form.querySelector("[data-app-working-status]");
    if (status) status.textContent = form.dataset.appWorking;
    for (const button of form.querySelectorAll("button")) {
      button.disabled = true;
      button.setAttribute("aria-disabled", "true");
    }
  });
}
watch();
