// The capacity page's two canvases (heat map of free hours, allocation timeline with a hover tip),
// drawn from the JSON the template embeds with json_script. A static file, not an inline script,
// so the Content-Security-Policy can forbid inline scripts.
(function () {
  const heatData = document.getElementById("heat-data");
  if (!heatData) return;
  const heat = JSON.parse(heatData.textContent);
  const tl = JSON.parse(document.getElementById("timeline-data").textContent);
  const label = 110;
  function draw(canvas, rows, names, value, colour) {
    const ctx = canvas.getContext("2d");
    const w = (canvas.width - label) / (rows[0] ? rows[0].length : 1);
    const h = Math.max(1, Math.min(10, canvas.height / Math.max(1, rows.length)));
    rows.forEach((r, i) => {
      if (h >= 8) { ctx.fillStyle = "#333"; ctx.font = "9px sans-serif"; ctx.fillText(names[i], 0, i * h + h - 1); }
      r.forEach((v, j) => { ctx.fillStyle = colour(value(v)); ctx.fillRect(label + j * w, i * h, Math.ceil(w), h); });
    });
    return { w, h };
  }
  const hc = document.getElementById("heat");
  hc.height = heat.rows.length * 10;
  draw(hc, heat.rows.map(r => r.free), heat.rows.map(r => r.skill), v => v / heat.peak, x => `rgba(20,120,60,${0.1 + 0.9 * x})`);
  const tc = document.getElementById("timeline");
  tc.height = Math.max(100, Math.min(3000, tl.pct.length * 10));
  const geom = draw(tc, tl.pct, tl.names, v => v / 100, x => `rgba(200,60,40,${0.05 + 0.95 * x})`);
  tc.addEventListener("mousemove", (ev) => {
    const r = tc.getBoundingClientRect();
    const i = Math.floor((ev.clientY - r.top) / geom.h), j = Math.floor((ev.clientX - r.left - label) / geom.w);
    if (tl.pct[i] && j >= 0 && j < tl.pct[i].length) {
      const d = new Date(tl.week0); d.setDate(d.getDate() + 7 * j);
      document.getElementById("tip").textContent = `${tl.names[i]} (${tl.roles[i]}), week of ${d.toISOString().slice(0, 10)}: ${tl.pct[i][j]}% booked`;
    }
  });
})();
