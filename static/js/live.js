// The live parts of pages are rendered by the server and refreshed by htmx (static/vendor/htmx):
// each declares its partial URL and interval in its own markup (hx-get, hx-trigger). This file
// only adds what htmx's markup cannot say without eval (Content-Security-Policy):
// 1. a part marked data-live-visible asks nothing while the tab is in the background, and is
//    refreshed (its "live-refresh" trigger) when the tab comes back;
// 2. every htmx request names the page's language (?lang=), so a part comes back in the language
//    the page is in, whatever the cookie or the profile says;
// 3. a refresh answered by a redirect (the session ended: the login page) is not swapped into
//    the part; the page reloads and asks to log in.
(function () {
  "use strict";
  document.addEventListener("htmx:confirm", function (event) {
    var el = event.target;
    if (document.hidden && el.hasAttribute && el.hasAttribute("data-live-visible")) {
      event.preventDefault();  // a background tab asks nothing
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.hidden || !window.htmx) { return; }
    document.querySelectorAll("[data-live-visible]").forEach(function (el) {
      window.htmx.trigger(el, "live-refresh");
    });
  });
  document.addEventListener("htmx:configRequest", function (event) {
    var lang = document.documentElement.lang;
    var path = event.detail.path;
    if (!lang || /[?&]lang=/.test(path)) { return; }
    event.detail.path = path + (path.indexOf("?") < 0 ? "?" : "&") + "lang=" + encodeURIComponent(lang);
  });
  document.addEventListener("htmx:beforeSwap", function (event) {
    var xhr = event.detail.xhr;
    var asked = event.detail.requestConfig && event.detail.requestConfig.path;
    if (!xhr || !xhr.responseURL || !asked) { return; }
    var answered = new URL(xhr.responseURL, window.location.href).pathname;
    if (answered !== new URL(asked, window.location.href).pathname) {
      event.detail.shouldSwap = false;
      window.location.reload();
    }
  });
})();
