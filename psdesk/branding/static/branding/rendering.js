// Documents rendered by the worker (psdesk/branding/renditions.py). Every element with
// data-render-status="<JSON status URL>" polls that URL until the document is ready or failed:
// ready shows its [data-when-ready] children (the download links) and hides [data-when-rendering];
// failed shows [data-when-failed] with the reason in [data-error]. No inline script (CSP).
(function () {
  "use strict";
  function show(el, which) {
    ["rendering", "ready", "failed"].forEach(function (s) {
      el.querySelectorAll("[data-when-" + s + "]").forEach(function (n) { n.hidden = s !== which; });
    });
    el.dataset.renderState = which;
  }
  function poll(el, delay) {
    fetch(el.dataset.renderStatus, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.state === "ready") {
          show(el, "ready");
        } else if (s.state === "failed" || s.state === "absent") {
          el.querySelectorAll("[data-error]").forEach(function (n) { n.textContent = s.error || ""; });
          show(el, "failed");
        } else {
          setTimeout(function () { poll(el, Math.min(delay * 1.5, 5000)); }, delay);
        }
      })
      .catch(function () { setTimeout(function () { poll(el, 5000); }, 5000); });
  }
  function start() {
    document.querySelectorAll("[data-render-status]").forEach(function (el) {
      if (el.dataset.renderState === "rendering") { poll(el, 800); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
