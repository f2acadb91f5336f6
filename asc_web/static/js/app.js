// ASC Web front-end glue: CSRF for htmx, dismissible messages. No inline scripts (CSP).
(function () {
  "use strict";

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  // Every htmx request carries the CSRF token, whatever element issued it.
  document.addEventListener("htmx:config:request", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    if (ctx && ctx.request && ctx.request.headers) {
      ctx.request.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // Flash messages close with their button (or Escape while focused).
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest(".flash-close");
    if (button) {
      button.closest(".flash").remove();
    }
  });

  window.ascCsrfToken = csrfToken;
})();
