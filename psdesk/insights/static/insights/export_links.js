// Export links that carry a filter form's current values (the board filters change without a page
// load): <a data-export-filters="<form id>" href="/exports/board.csv">. A static file (CSP).
(function () {
  "use strict";
  document.addEventListener("click", (ev) => {
    const link = ev.target instanceof Element ? ev.target.closest("a[data-export-filters]") : null;
    if (!link) return;
    const form = document.getElementById(link.dataset.exportFilters);
    if (!form) return;
    const params = new URLSearchParams();
    new FormData(form).forEach((value, key) => { if (value !== "") params.append(key, String(value)); });
    const url = new URL(link.href, window.location.href);
    url.search = params.toString();
    link.href = url.toString();
  });
})();
