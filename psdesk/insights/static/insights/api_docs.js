// Starts the vendored Swagger UI on /api/v1/docs (a static file: the CSP forbids inline scripts).
(function () {
  "use strict";
  const root = document.getElementById("swagger-ui");
  if (!root || typeof window.SwaggerUIBundle === "undefined") return;
  window.psdeskSwagger = window.SwaggerUIBundle({
    url: root.dataset.openapiUrl,
    dom_id: "#swagger-ui",
    deepLinking: true,
    layout: "BaseLayout",
    // Tags start collapsed: ~150 operations expanded at once do not all render (Swagger UI 5), and
    // a person looks for one area anyway.
    docExpansion: "none",
    filter: true,
    presets: [window.SwaggerUIBundle.presets.apis],
    // Try-it-out requests carry the session's CSRF token, like htmx does on the pages.
    requestInterceptor: (req) => {
      const token = root.dataset.csrfToken;
      if (token) req.headers["X-CSRFToken"] = token;
      return req;
    },
  });
})();
