// Inbox badge: poll the unread count and update the badge in the navigation without a reload.
(function () {
  "use strict";
  var link = document.getElementById("inbox-link");
  if (!link || !window.fetch) { return; }
  var url = link.getAttribute("data-count-url") || "/api/v1/notifications/unread-count/";
  var every = 30000;
  function show(count) {
    var badge = link.querySelector(".badge");
    if (count > 0) {
      if (!badge) {
        badge = document.createElement("span");
        badge.className = "badge";
        link.appendChild(document.createTextNode(" "));
        link.appendChild(badge);
      }
      badge.textContent = String(count);
    } else if (badge) {
      badge.remove();
    }
  }
  function refresh() {
    if (document.hidden) { return; }  // a background tab asks nothing
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data && typeof data.unread === "number") { show(data.unread); } })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  window.cuakhauInboxRefresh = refresh;
  setInterval(refresh, every);
  document.addEventListener("visibilitychange", refresh);
})();
