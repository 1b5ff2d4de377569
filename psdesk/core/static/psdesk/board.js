// Board interactions: drag-and-drop, keyboard moves and the move menu all POST to one endpoint,
// which calls the same transition service as the API. Refusals are shown inline on the card.
(function () {
  "use strict";

  function board() { return document.querySelector(".board"); }
  function moveUrl(id) { return board().dataset.moveUrlTemplate.replace("/0/", "/" + id + "/"); }
  function csrf() {
    const b = board();
    if (b && b.dataset.csrf) return b.dataset.csrf;
    const input = document.querySelector("input[name=csrfmiddlewaretoken]");
    return input ? input.value : "";
  }
  function column(state) { return document.querySelector('.column[data-state="' + state + '"]'); }

  function showRefusal(el, message) {
    const p = el.querySelector(".refusal");
    if (!p) return;
    p.textContent = message;
    p.hidden = false;
  }

  function bumpCount(state, delta) {
    const c = column(state);
    if (!c) return;
    const n = c.querySelector("[data-count]");
    n.textContent = String(parseInt(n.textContent, 10) + delta);
  }

  async function post(url, body) {
    const resp = await fetch(url, {
      method: "POST",
      headers: { "X-CSRFToken": csrf(), "X-Requested-With": "fetch" },
      body: body,
      credentials: "same-origin",
    });
    let data;
    try { data = await resp.json(); } catch (e) { data = { ok: false, message: "Unexpected server response (" + resp.status + ")." }; }
    return data;
  }

  async function moveCard(card, body) {
    body.append("version", card.dataset.version);
    const data = await post(moveUrl(card.dataset.id), body);
    if (!data.ok) { showRefusal(card, data.message); card.focus(); return; }
    placeCard(card, data);
  }

  function placeCard(card, data) {
    const tmp = document.createElement("ol");
    tmp.innerHTML = data.card_html.trim();
    const fresh = tmp.firstElementChild;
    const target = column(data.state);
    if (card) card.remove();
    if (target) setCollapsed(target, false);
    if (target) target.querySelector(".cards").appendChild(fresh);
    bumpCount(data.source, -1);
    bumpCount(data.state, +1);
    fresh.focus();
  }

  function reasonFor(target) {
    if (target === "on_hold" || target === "closed_lost") {
      return window.prompt("Reason for moving to " + target.replace("_", " ") + ":") || "";
    }
    return "";
  }

  document.addEventListener("dragstart", function (e) {
    const card = e.target.closest && e.target.closest(".card");
    if (!card) return;
    e.dataTransfer.setData("text/plain", card.dataset.id);
    e.dataTransfer.effectAllowed = "move";
    card.classList.add("dragging");
  });
  document.addEventListener("dragend", function (e) {
    const card = e.target.closest && e.target.closest(".card");
    if (card) card.classList.remove("dragging");
  });
  document.addEventListener("dragover", function (e) {
    const col = e.target.closest && e.target.closest(".column");
    if (col) { e.preventDefault(); e.dataTransfer.dropEffect = "move"; col.classList.add("over"); }
  });
  document.addEventListener("dragleave", function (e) {
    const col = e.target.closest && e.target.closest(".column");
    if (col) col.classList.remove("over");
  });
  document.addEventListener("drop", function (e) {
    const col = e.target.closest && e.target.closest(".column");
    if (!col) return;
    e.preventDefault();
    col.classList.remove("over");
    const id = e.dataTransfer.getData("text/plain");
    const card = document.getElementById("card-" + id);
    if (!card || card.closest(".column") === col) return;
    const body = new FormData();
    body.append("to", col.dataset.state);
    body.append("reason", reasonFor(col.dataset.state));
    moveCard(card, body);
  });

  document.addEventListener("keydown", function (e) {
    const card = e.target.closest && e.target.closest(".card");
    if (!card) return;
    if (e.key === "Enter") { const a = card.querySelector("a.title"); if (a) a.click(); return; }
    if (!e.shiftKey || (e.key !== "ArrowRight" && e.key !== "ArrowLeft")) return;
    e.preventDefault();
    const cols = Array.from(document.querySelectorAll(".column"));
    const i = cols.indexOf(card.closest(".column"));
    const next = cols[i + (e.key === "ArrowRight" ? 1 : -1)];
    if (!next) return;
    const body = new FormData();
    body.append("to", next.dataset.state);
    body.append("reason", reasonFor(next.dataset.state));
    moveCard(card, body);
  });

  // Collapsible columns: the header's button folds a column to its name (remembered per browser).
  const COLLAPSED_KEY = "psdesk.board.collapsed";
  function collapsedStates() {
    try { return JSON.parse(window.localStorage.getItem(COLLAPSED_KEY) || "[]"); } catch (e) { return []; }
  }
  function setCollapsed(col, collapsed) {
    col.classList.toggle("collapsed", collapsed);
    const btn = col.querySelector("button.collapse");
    if (btn) {
      btn.setAttribute("aria-expanded", collapsed ? "false" : "true");
      const label = btn.querySelector(".sr-only");
      const name = col.querySelector(".col-name");
      if (label && name) label.textContent = (collapsed ? "Expand " : "Collapse ") + name.textContent;
    }
  }
  function applyCollapsed() {
    const states = collapsedStates();
    document.querySelectorAll(".column").forEach(function (col) {
      setCollapsed(col, states.indexOf(col.dataset.state) !== -1);
    });
  }
  document.addEventListener("click", function (e) {
    const btn = e.target.closest && e.target.closest(".column button.collapse");
    if (!btn) return;
    const col = btn.closest(".column");
    const collapsed = !col.classList.contains("collapsed");
    setCollapsed(col, collapsed);
    const states = collapsedStates().filter(function (s) { return s !== col.dataset.state; });
    if (collapsed) states.push(col.dataset.state);
    try { window.localStorage.setItem(COLLAPSED_KEY, JSON.stringify(states)); } catch (err) { /* private mode */ }
  });
  document.addEventListener("DOMContentLoaded", applyCollapsed);
  document.addEventListener("htmx:afterSwap", function (e) {
    if (e.target && e.target.id === "board-columns") applyCollapsed();
  });

  // The move menu in the card drawer.
  document.addEventListener("submit", async function (e) {
    const form = e.target.closest && e.target.closest(".move-form");
    if (!form) return;
    e.preventDefault();
    // getAttribute: the form has an input named "action", which shadows form.action
    const data = await post(form.getAttribute("action"), new FormData(form));
    const drawer = form.closest(".drawer-body") || document;
    if (!data.ok) { showRefusal(drawer, data.message); return; }
    if (board()) {
      placeCard(document.getElementById("card-" + form.dataset.id), data);
      if (window.htmx) htmx.ajax("GET", "/engagements/" + form.dataset.id + "/", { target: "#drawer" });
    } else {
      window.location.reload();
    }
  });
})();
