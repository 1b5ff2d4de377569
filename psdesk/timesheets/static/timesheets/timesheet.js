// The weekly timesheet by keyboard: arrow keys move between the hour cells of the grid
// (left/right across days, up/down across tasks); Tab and Enter work as in any form.
(function () {
  "use strict";
  const table = document.querySelector("table.timesheet");
  if (!table) return;
  table.addEventListener("keydown", (ev) => {
    const input = ev.target;
    if (!(input instanceof HTMLInputElement) || input.type === "hidden" || input.type === "checkbox") return;
    const cell = input.closest("td");
    const row = cell && cell.parentElement;
    if (!cell || !row) return;
    const col = Array.prototype.indexOf.call(row.children, cell);
    let target = null;
    if (ev.key === "ArrowLeft" && input.selectionStart === 0) target = cell.previousElementSibling;
    else if (ev.key === "ArrowRight" && input.selectionEnd === input.value.length) target = cell.nextElementSibling;
    else if (ev.key === "ArrowUp") target = row.previousElementSibling && row.previousElementSibling.children[col];
    else if (ev.key === "ArrowDown") target = row.nextElementSibling && row.nextElementSibling.children[col];
    const next = target && target.querySelector("input:not([type=hidden]):not([type=checkbox])");
    if (next) {
      ev.preventDefault();
      next.focus();
      next.select();
    }
  });
})();
