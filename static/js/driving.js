// "I am driving": after the driver agreed (the server renders this script only then), send the
// browser's position every data-interval seconds while the page is open, and show the trip's
// estimate exactly as the server renders it.
(function () {
  "use strict";
  var page = document.getElementById("driving");
  if (!page || page.getAttribute("data-consent") !== "yes") { return; }
  var status = document.getElementById("sharing-status");
  var token = document.querySelector("#position-form input[name=csrfmiddlewaretoken]");
  var url = page.getAttribute("data-url");
  // "Position sent at 14:05": the clock of the gate the driver is heading to (its time zone).
  var clock = new Intl.DateTimeFormat(document.documentElement.lang || undefined, {
    hour: "2-digit", minute: "2-digit", second: "2-digit", timeZone: page.getAttribute("data-zone") || undefined
  });
  var every = Math.min(Math.max(parseInt(page.getAttribute("data-interval"), 10) || 30, 30), 60);
  if (!navigator.geolocation || !window.fetch) {
    status.textContent = status.getAttribute("data-denied");
    status.classList.add("error");
    return;
  }
  function say(key, extra) {
    status.textContent = status.getAttribute(key) + (extra ? " " + extra : "");
    status.classList.toggle("error", key !== "data-sent");
  }
  function send(position) {
    var c = position.coords;
    var body = new URLSearchParams();
    body.set("lat", String(c.latitude));
    body.set("lon", String(c.longitude));
    body.set("time", new Date(position.timestamp || Date.now()).toISOString());
    if (typeof c.speed === "number" && isFinite(c.speed)) { body.set("speed", String(c.speed * 3.6)); }
    if (typeof c.accuracy === "number" && isFinite(c.accuracy)) { body.set("accuracy", String(c.accuracy)); }
    fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "X-CSRFToken": token ? token.value : "" },
      body: body
    }).then(function (response) {
      if (!response.ok) { say("data-failed"); return null; }
      return response.text();
    }).then(function (html) {
      if (html === null || html === undefined) { return; }
      var box = document.getElementById("trip-estimate");
      var fresh = new DOMParser().parseFromString(html, "text/html").getElementById("trip-estimate");
      if (box && fresh) { box.replaceWith(document.importNode(fresh, true)); }
      say("data-sent", clock.format(new Date()));
    }).catch(function () { say("data-failed"); });
  }
  function tick() {
    navigator.geolocation.getCurrentPosition(send, function () { say("data-denied"); }, {
      enableHighAccuracy: true, maximumAge: 15000, timeout: 20000
    });
  }
  tick();
  setInterval(tick, every * 1000);
})();
