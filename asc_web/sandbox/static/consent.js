// Keeps "Next" disabled until the "I understand" box is ticked. Loaded as an external
// file because the sandbox pages allow no inline scripts (strict CSP).
(function () {
  "use strict";
  function sync() {
    var box = document.getElementById("consent-ack");
    var next = document.getElementById("consent-next");
    if (box && next) {
      next.disabled = !box.checked;
    }
  }
  document.addEventListener("change", function (evt) {
    if (evt.target && evt.target.id === "consent-ack") {
      sync();
    }
  });
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", sync);
  } else {
    sync();
  }
  // Back to this page: the browser restores the tick after DOMContentLoaded (or brings the
  // page back from its cache) without a change event, so look again when it is shown.
  window.addEventListener("pageshow", sync);
})();
