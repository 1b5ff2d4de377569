// Behaviour every page shares, as delegated listeners (no inline event handlers, so the
// Content-Security-Policy forbids inline script).
// - <select data-autosubmit> submits its form when changed (filters, the account picker).
// - <button data-drawer-close> empties the board's drawer.
document.addEventListener("change", (ev) => {
  const el = ev.target;
  if (el instanceof HTMLElement && el.matches("[data-autosubmit]") && el.form) el.form.requestSubmit();
});
document.addEventListener("click", (ev) => {
  const el = ev.target instanceof Element ? ev.target.closest("[data-drawer-close]") : null;
  if (!el) return;
  const drawer = document.getElementById("drawer");
  if (drawer) drawer.innerHTML = "";
});
