/* Declarations: add formset rows on the edit page. */
(function () {
  "use strict";

  // --- edit page: "Add a cargo line" / "Add a container" clone the empty form ----------------
  document.querySelectorAll("button.add-row").forEach(function (button) {
    button.addEventListener("click", function () {
      var prefix = button.dataset.prefix;
      var total = document.getElementById("id_" + prefix + "-TOTAL_FORMS");
      var template = document.getElementById(prefix + "-empty");
      var rows = document.getElementById(prefix + "-rows");
      if (!total || !template || !rows) return;
      var index = parseInt(total.value, 10);
      var html = template.innerHTML.replace(/__prefix__/g, String(index));
      rows.insertAdjacentHTML("beforeend", html);
      total.value = String(index + 1);
    });
  });

  // Forms that ask before they act (data-confirm) are handled once, in behaviours.js. The detail
  // page's review states and buttons are server-rendered partials refreshed by htmx
  // (templates/declarations/live/).
})();
