/* Kiosk and yard board. The verdict panel and the board's lists are rendered by the server
   (templates/kiosk/_verdict.html, _board.html) and swapped in by htmx; this file only keeps the
   scanner's input ready and says when the server cannot be reached. */
(function () {
  "use strict";

  function inKiosk(el) { return el && el.closest && el.closest("#kiosk"); }

  function scanInput() { return document.getElementById("scan-input"); }

  function refocus() {
    var input = scanInput();
    if (input) { input.value = ""; input.focus(); }
  }

  // A refusal (4xx) comes with its own panel, which says why: show it like any verdict.
  document.addEventListener("htmx:beforeSwap", function (event) {
    var status = event.detail.xhr.status;
    if (inKiosk(event.target) && status >= 400 && status < 500) {
      event.detail.shouldSwap = true;
      event.detail.isError = false;
    }
  });

  // No answer, or a server error: say so in the panel; the next scan tries again.
  function unreachable(event) {
    if (!inKiosk(event.target)) { return; }
    var verdict = document.getElementById("verdict");
    if (!verdict) { return; }
    verdict.className = "verdict error";
    // gettext: Django's JavaScriptCatalog (/jsi18n/, loaded first by base.html) in the page's language
    document.getElementById("verdict-word").textContent = gettext("Error");
    document.getElementById("verdict-reason").textContent = gettext("No connection to the server. Try again.");
  }
  document.addEventListener("htmx:sendError", unreachable);
  document.addEventListener("htmx:responseError", unreachable);

  // After every scan, action or payment the input is empty and focused for the next scan.
  document.addEventListener("htmx:afterRequest", function (event) {
    if (inKiosk(event.target)) { refocus(); }
  });

  // The board: marked stale while its refresh fails (the lists shown may be old).
  function boardStale(stale) {
    return function (event) {
      var config = event.detail.requestConfig;  // the board is swapped out: ask what asked
      if (config && config.elt && config.elt.id === "board") { document.body.classList.toggle("stale", stale); }
    };
  }
  document.addEventListener("htmx:afterOnLoad", boardStale(false));
  document.addEventListener("htmx:sendError", boardStale(true));
  document.addEventListener("htmx:responseError", boardStale(true));

  document.addEventListener("DOMContentLoaded", function () {
    if (!document.getElementById("kiosk")) { return; }
    // A keyboard-wedge scanner types wherever the focus is: send stray keys back to the input.
    document.addEventListener("keydown", function (e) {
      var el = document.activeElement;
      var typing = el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
      if (!typing && e.key && e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
        scanInput().focus();
      }
    });
    refocus();
  });
})();
