// Capacity planning: while a scenario runs, refresh its progress (a partial rendered by the
// server) every two seconds; reload the page once the run has finished to show the report.
(function () {
  "use strict";
  var box = document.getElementById("sim-progress");
  if (!box || !window.fetch) { return; }
  var url = box.getAttribute("data-url");
  function finished() { return box.querySelector("[data-finished]") !== null; }
  if (finished()) { return; }
  var timer = setInterval(function () {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (r) { return r.ok ? r.text() : null; })
      .then(function (html) {
        if (html === null) { return; }
        box.innerHTML = html;
        if (finished()) { clearInterval(timer); window.location.reload(); }
      })
      .catch(function () { /* a moment offline: try again at the next tick */ });
  }, 2000);
})();
