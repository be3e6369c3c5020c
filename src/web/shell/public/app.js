// GOV.UK Frontend's behaviour (menus, password reveal, error summary focus), then the send page's
// live outcomes: each file still being checked is asked for again until it is settled.
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
watch();
