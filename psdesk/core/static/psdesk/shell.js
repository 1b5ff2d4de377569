// The shell's menu button: on narrow screens the navigation and the "who" block collapse behind it.
// Without JavaScript the menu stays open (no .js class on <html>), so every link stays reachable.
(function () {
  "use strict";
  document.documentElement.classList.add("js");
  function init() {
    var header = document.getElementById("top");
    var button = header && header.querySelector(".menu-toggle");
    if (!button) return;
    function setOpen(open) {
      header.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () {
      setOpen(button.getAttribute("aria-expanded") !== "true");
    });
    document.addEventListener("keydown", function (event) {
      if (event.key === "Escape" && header.classList.contains("open")) {
        setOpen(false);
        button.focus();
      }
    });
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", init);
  else init();
})();
