// Renders the API's OpenAPI document with Swagger UI, from files on this origin only.
// The page is at /docs, so "openapi.json" resolves to /openapi.json (and under a path prefix too).
window.addEventListener("load", () => {
  window.ui = SwaggerUIBundle({
    url: new URL("openapi.json", document.baseURI).href,
    dom_id: "#swagger-ui",
    deepLinking: true,
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout",
    validatorUrl: null, // the default sends the spec to validator.swagger.io
    persistAuthorization: false,
    tryItOutEnabled: false,
  });
});
