// Keeps "Next" disabled until the "I understand" box is ticked. Loaded as an external
// file because the sandbox pages allow no inline scripts (strict CSP).
(function () {
  "use strict";
  function wire() {
    var box = document.getElementById("consent-ack");
    var next = document.getElementById("consent-next");
    if (!box || !next) {
      return;
    }
    function sync() {
      next.disabled = !box.checked;
    }
    box.addEventListener("change", sync);
    sync();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", wire);
  } else {
    wire();
  }
})();
