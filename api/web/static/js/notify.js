// One place that shows errors to the user, always with the API's own message. A 401 goes to the
// key panel instead (the key is missing, wrong or revoked).

import { $ } from "./dom.js";

let unauthorized = null;
let hideTimer = null;

export function onUnauthorized(handler) {
  unauthorized = handler;
}

export function toast(message, { kind = "error", seconds = 10 } = {}) {
  const box = $("#toast");
  $("#toast-text").textContent = message;
  box.dataset.kind = kind;
  box.hidden = false;
  clearTimeout(hideTimer);
  if (seconds) hideTimer = setTimeout(() => { box.hidden = true; }, seconds * 1000);
}

export function hideToast() {
  $("#toast").hidden = true;
}

/** Shows what went wrong; returns nothing. Aborted requests are not errors. */
export function report(error) {
  if (!error || error.name === "AbortError") return;
  if (error.status === 401 && unauthorized) {
    unauthorized(error);
    return;
  }
  console.error(error);
  toast(error.message || String(error));
}
