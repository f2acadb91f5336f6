// Connect store: open Seller Central in a tab this page owns, keep the card live, and
// let the result page close that tab. No inline scripts (CSP); no state in the page.
(function () {
  "use strict";

  var consentTab = null;   // the tab opened by the last click, until it is sent to Amazon
  var openTab = null;      // the Seller Central tab this page opened, while it is open
  var openFor = null;      // the id of the card (or dashboard) that waits for it
  var TAB_NAME = "asc-seller-central";
  var watcher = null;

  // Open the tab during the click itself, so the browser treats it as user-initiated.
  document.addEventListener("submit", function (evt) {
    var form = evt.target;
    if (!form.matches || !form.matches("form[data-connect]") || !window.htmx) {
      return;
    }
    // A second click while Seller Central is open brings that tab forward.
    if (openTab && !openTab.closed) {
      evt.preventDefault();
      evt.stopImmediatePropagation();
      openTab.focus();
      return;
    }
    consentTab = window.open("", TAB_NAME);
    var waiting = form.closest("[id^='store-'], #dashboard");
    openFor = waiting ? waiting.id : null;
    if (consentTab) {
      try {
        consentTab.document.title = "Opening Amazon Seller Central…";
        consentTab.document.body.textContent = "Opening Amazon Seller Central…";
      } catch (e) { /* another origin already loaded: nothing to write */ }
      // If the server refused to start, nothing will navigate the tab: close it.
      var opened = consentTab;
      window.setTimeout(function () {
        if (consentTab === opened && !opened.closed) { opened.close(); consentTab = null; }
      }, 15000);
    }
  }, true);

  // The start response names the consent URL in HX-Trigger; send the tab there.
  document.addEventListener("asc:open-consent", function (evt) {
    var url = evt.detail && evt.detail.url;
    if (!url) { return; }
    if (consentTab && !consentTab.closed) {
      consentTab.location.href = url;
      watch(consentTab);
      consentTab = null;
    } else {
      // The browser blocked the new tab: run the same flow in this one.
      window.location.assign(url);
    }
  });

  // Closed without an answer (Cancel or "Invalid Access" on Amazon's page, or the tab
  // closed by hand): the waiting card stops waiting at once and says why. A tab closed
  // by the result page after the callback finds the attempt ended: the server ignores it.
  function watch(tab) {
    var waitingId = openFor;  // this tab's card: another click may start another meanwhile
    openTab = tab;
    if (watcher) { window.clearInterval(watcher); }
    watcher = window.setInterval(function () {
      if (!tab.closed) { return; }
      window.clearInterval(watcher);
      watcher = null;
      if (openTab === tab) { openTab = null; }
      // Let a result's own message arrive first.
      window.setTimeout(function () { stopWaiting(waitingId); }, 700);
    }, 500);
  }

  function stopWaiting(waitingId) {
    var live = waitingId ? document.getElementById(waitingId) : null;  // swapped since
    var form = live && live.querySelector("form[data-connect-cancel]");
    if (!form) { return; }  // no longer waiting
    form.querySelector("input[name=reason]").value = "abandoned";
    if (form.requestSubmit) { form.requestSubmit(); } else { form.submit(); }
  }

  function refreshAwaitingCards() {
    document.querySelectorAll(".connect-poller").forEach(function (poller) {
      poller.dispatchEvent(new CustomEvent("asc:refresh"));
    });
  }

  // Coming back to this tab, or hearing from the result tab, refreshes at once.
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "visible") { refreshAwaitingCards(); }
  });
  window.addEventListener("focus", refreshAwaitingCards);
  window.addEventListener("message", function (evt) {
    if (evt.origin === window.location.origin && evt.data === "asc:connect-finished") {
      refreshAwaitingCards();
    }
  });

  // On the result page: tell the opener, then close this tab (or go home without one).
  document.addEventListener("DOMContentLoaded", function () {
    var result = document.querySelector("[data-connect-result]");
    if (!result) { return; }
    // The opener's card shows any offer of more marketplaces; without an opener this page
    // shows it, and stays for the answer.
    if (window.opener && !window.opener.closed) {
      try { window.opener.postMessage("asc:connect-finished", window.location.origin); } catch (e) {}
      window.setTimeout(function () { window.close(); }, 1200);
    } else if (result.dataset.connectResult === "connected" && !result.hasAttribute("data-keep-open")) {
      window.setTimeout(function () { window.location.assign(result.dataset.homeUrl); }, 2500);
    }
  });
})();
