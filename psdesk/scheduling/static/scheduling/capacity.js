// The capacity page's allocation timeline (booked share per consultant and week, with a hover tip),
// drawn from the JSON the template embeds with json_script. The heat map is an HTML table and the
// per-role charts are Chart.js (psdesk/charts.js). A static file, not an inline script, so the
// Content-Security-Policy can forbid inline scripts.
(function () {
  const source = document.getElementById("timeline-data");
  if (!source) return;
  const tl = JSON.parse(source.textContent);
  const label = 110;
  const tc = document.getElementById("timeline");
  tc.height = Math.max(100, Math.min(3000, tl.pct.length * 14));
  const ctx = tc.getContext("2d");
  const w = (tc.width - label) / (tl.pct[0] ? tl.pct[0].length : 1);
  const h = Math.max(1, Math.min(14, tc.height / Math.max(1, tl.pct.length)));
  tl.pct.forEach((r, i) => {
    if (h >= 8) { ctx.fillStyle = "#333"; ctx.font = "11px sans-serif"; ctx.fillText(tl.names[i], 0, i * h + h - 2); }
    r.forEach((v, j) => { ctx.fillStyle = `rgba(200,60,40,${0.05 + 0.95 * (v / 100)})`; ctx.fillRect(label + j * w, i * h, Math.ceil(w), h - 1); });
  });
  tc.addEventListener("mousemove", (ev) => {
    const r = tc.getBoundingClientRect();
    const sx = tc.width / r.width, sy = tc.height / r.height;
    const i = Math.floor(((ev.clientY - r.top) * sy) / h), j = Math.floor(((ev.clientX - r.left) * sx - label) / w);
    if (tl.pct[i] && j >= 0 && j < tl.pct[i].length) {
      const d = new Date(tl.week0); d.setDate(d.getDate() + 7 * j);
      document.getElementById("tip").textContent = `${tl.names[i]} (${tl.roles[i]}), week of ${d.toISOString().slice(0, 10)}: ${tl.pct[i][j]}% booked`;
    }
  });
})();
