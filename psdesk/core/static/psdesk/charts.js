// Charts on server-rendered pages (Chart.js, vendored in vendor/chartjs-4.5.1/).
// A page embeds a Chart.js configuration with {{ config|json_script:"chart-x" }} and draws it with
//   <canvas data-chart="chart-x" role="img" aria-label="..."></canvas>
// plus, beside it, a table or list with the same figures for keyboard and screen-reader users.
// Pages using charts load, in {% block scripts %}:
//   <script src="{% static 'vendor/chartjs-4.5.1/chart.umd.min.js' %}" defer></script>
//   <script src="{% static 'psdesk/charts.js' %}" defer></script>
// After drawing, each canvas carries data-rendered="<number of data points>" and
// window.psdeskCharts[id] is the Chart instance, so browser tests can compare the drawn series with
// the data endpoint.
(function () {
  "use strict";
  window.psdeskCharts = window.psdeskCharts || {};
  function draw(canvas) {
    const id = canvas.dataset.chart;
    const source = id ? document.getElementById(id) : null;
    if (!source || typeof window.Chart === "undefined" || canvas.dataset.rendered) return;
    let config;
    try {
      config = JSON.parse(source.textContent || "{}");
    } catch (err) {
      canvas.dataset.rendered = "error";
      return;
    }
    config.options = Object.assign({ responsive: true, maintainAspectRatio: false, animation: false }, config.options || {});
    const chart = new window.Chart(canvas, config);
    window.psdeskCharts[id] = chart;
    const points = (config.data && config.data.datasets ? config.data.datasets : []).reduce(
      (n, ds) => n + (Array.isArray(ds.data) ? ds.data.length : 0), 0);
    canvas.dataset.rendered = String(points);
  }
  function drawAll(root) {
    (root || document).querySelectorAll("canvas[data-chart]").forEach(draw);
  }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", () => drawAll());
  else drawAll();
  // Charts inside fragments swapped in by htmx.
  document.addEventListener("htmx:afterSettle", (ev) => drawAll(ev.target instanceof Element ? ev.target : document));
})();
