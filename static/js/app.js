// ASC Web front-end glue: CSRF for htmx, messages, dialogs, menus and the add form's
// Connect button. No inline scripts (CSP); every page works without this file too.
(function () {
  "use strict";

  document.documentElement.classList.add("js");

  function csrfToken() {
    var meta = document.querySelector('meta[name="csrf-token"]');
    return meta ? meta.getAttribute("content") : "";
  }

  function flash(category, text) {
    var region = document.getElementById("flash-messages");
    if (!region) { return; }
    var box = document.createElement("div");
    box.className = "flash flash-" + category;
    var span = document.createElement("span");
    span.className = "flash-text";
    span.textContent = text;
    var close = document.createElement("button");
    close.type = "button";
    close.className = "flash-close";
    close.setAttribute("aria-label", "Dismiss message");
    close.textContent = "×";
    box.append(span, close);
    region.append(box);
  }

  // Every htmx request carries the CSRF token, whatever element issued it.
  document.addEventListener("htmx:config:request", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    if (ctx && ctx.request && ctx.request.headers) {
      ctx.request.headers["X-CSRFToken"] = csrfToken();
    }
  });

  // Server errors are not swapped into the page (hx-status:5xx="swap:none"): say so here.
  document.addEventListener("htmx:response:error", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    if (ctx && ctx.response && ctx.response.status >= 500) {
      flash("error", "Something went wrong on our side. Nothing was changed; please try again.");
    }
  });
  document.addEventListener("htmx:error", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    if (!ctx || !ctx.response) {
      flash("error", "ASC Web could not be reached. Check your connection, then try again.");
    }
  });

  // Flash messages close with their button.
  document.addEventListener("click", function (evt) {
    var button = evt.target.closest && evt.target.closest(".flash-close");
    if (button) {
      button.closest(".flash").remove();
    }
  });

  // Dialogs: a link with data-dialog-open opens its <dialog> instead of navigating.
  function closeMenus(except) {
    document.querySelectorAll("details.menu[open]").forEach(function (menu) {
      if (menu !== except) { menu.removeAttribute("open"); }
    });
  }

  document.addEventListener("click", function (evt) {
    var opener = evt.target.closest && evt.target.closest("[data-dialog-open]");
    if (!opener) { return; }
    var dialog = document.getElementById(opener.getAttribute("data-dialog-open"));
    if (dialog && typeof dialog.showModal === "function") {
      evt.preventDefault();
      dialog.showModal();
    }
  });

  // Content loaded into a dialog (a confirmation) opens it.
  document.addEventListener("htmx:after:swap", function (evt) {
    var target = evt.detail && evt.detail.ctx && evt.detail.ctx.target;
    if (target && target.tagName === "DIALOG" && !target.open && target.children.length) {
      closeMenus(null);
      target.showModal();
    }
  });

  // A form marked data-close-dialog closes its dialog once the server accepted it.
  document.addEventListener("htmx:after:request", function (evt) {
    var ctx = evt.detail && evt.detail.ctx;
    var form = evt.target.closest && evt.target.closest("[data-close-dialog]");
    var dialog = form && form.closest("dialog");
    if (dialog && ctx && ctx.response && ctx.response.status < 400) {
      dialog.close();
    }
  });

  // A closed dialog hands focus back; if its opener is gone (a deleted card), to the page.
  document.addEventListener("close", function (evt) {
    if (evt.target.tagName !== "DIALOG") { return; }
    window.setTimeout(function () {
      if (!document.activeElement || document.activeElement === document.body) {
        var main = document.getElementById("main");
        if (main) { main.focus(); }
      }
    }, 0);
  }, true);

  // Action menus (<details>): one open at a time, closed by Escape or a click elsewhere.
  document.addEventListener("click", function (evt) {
    var inside = evt.target.closest && evt.target.closest("details.menu");
    closeMenus(inside);
  });
  document.addEventListener("keydown", function (evt) {
    if (evt.key !== "Escape") { return; }
    var menu = evt.target.closest && evt.target.closest("details.menu[open]");
    if (menu) {
      menu.removeAttribute("open");
      menu.querySelector("summary").focus();
    }
  });

  // New content (a swapped fragment): its forms may need their Connect button updated.
  document.addEventListener("htmx:after:process", function (evt) {
    if (evt.target && evt.target.querySelectorAll) { watchForms(evt.target); }
  });

  // The add form's Connect button looks unavailable (aria-disabled) until the browser finds
  // every field valid, yet stays in the Tab order and can be pressed: pressed early, it shows
  // what is missing (below). The server checks again on submit and has the last word.
  function updateSubmit(form) {
    var button = form.querySelector('button[type="submit"]');
    if (!button) { return; }
    if (form.checkValidity()) {
      button.removeAttribute("aria-disabled");
    } else {
      button.setAttribute("aria-disabled", "true");
    }
  }

  function dimmed(button) {
    return button.getAttribute("aria-disabled") === "true";
  }

  // Connect pressed early (or Enter in a field): stay on the page, focus the first field to
  // fix, and have the server say what each unfinished field needs, as when leaving a field;
  // untouched selects get their "Choose …" message too.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.hasAttribute || !form.hasAttribute("data-submit-when-valid") || form.checkValidity()) {
      return;
    }
    evt.preventDefault();
    var unfinished = Array.prototype.filter.call(form.elements, function (element) {
      return element.willValidate && !element.validity.valid;
    });
    unfinished[0].focus();
    unfinished.forEach(function (element) {
      element.dispatchEvent(new Event("change", { bubbles: true }));
    });
  }, true);

  function watchForms(root) {
    var form = root.closest && root.closest("form[data-submit-when-valid]");
    if (form) { updateSubmit(form); }
    root.querySelectorAll("form[data-submit-when-valid]").forEach(updateSubmit);
  }

  // Pressing Connect blurs the last field, whose check would swap in a message and move the
  // button away before the click lands. The submit answers for every field: skip that check.
  document.addEventListener("pointerdown", function (evt) {
    var button = evt.target.closest && evt.target.closest('button[type="submit"]');
    if (button && !dimmed(button) && button.form && button.form.hasAttribute("data-submit-when-valid")) {
      button.form.ascSubmitting = Date.now();
    }
  }, true);
  document.addEventListener("htmx:config:request", function (evt) {
    var form = evt.target.form;
    if (form && form.ascSubmitting && Date.now() - form.ascSubmitting < 1500) {
      evt.preventDefault();
    }
  });

  ["input", "change"].forEach(function (name) {
    document.addEventListener(name, function (evt) {
      var form = evt.target.form || (evt.target.closest && evt.target.closest("form"));
      if (form && form.hasAttribute("data-submit-when-valid")) { updateSubmit(form); }
    });
  });
  document.addEventListener("DOMContentLoaded", function () { watchForms(document); });
  // Back/forward cache: the browser may restore filled-in values without new events.
  window.addEventListener("pageshow", function () { watchForms(document); });
})();
