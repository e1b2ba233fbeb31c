/* Declarations: add formset rows on the edit page; keep the detail page's review states live. */
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

  // Forms that ask before they act (data-confirm) are handled once, in behaviours.js.

  // --- detail page: poll the status endpoint and update states, notes and buttons -------------
  var root = document.getElementById("declaration");
  if (!root) return;
  var url = root.dataset.statusUrl;
  var FINAL = ["rejected", "cancelled", "completed", "expired"];


  function render(data) {
    var badge = document.getElementById("declaration-state");
    badge.className = "state big " + data.state;
    badge.textContent = data.state_label;
    root.dataset.state = data.state;
    var channel = document.getElementById("declaration-channel");
    if (channel && data.channel) {
      channel.innerHTML = "";
      var span = document.createElement("span");
      span.className = "channel " + data.channel;
      span.textContent = data.channel_text || data.channel_label;
      channel.appendChild(span);
    }
    renderStep(data.step);
    var valid = document.getElementById("declaration-valid-until");
    if (valid && data.valid_until) valid.textContent = new Date(data.valid_until).toLocaleString();
    var tbody = document.querySelector("#reviews tbody");
    if (tbody && data.reviews.length) {
      var none = tbody.querySelector("tr.none");
      if (none) none.remove();
      data.reviews.forEach(function (r) {
        var row = tbody.querySelector('tr[data-review="' + r.id + '"]');
        if (!row) {
          row = document.createElement("tr");
          row.dataset.review = String(r.id);
          row.innerHTML = "<td></td><td><span></span></td><td class='note'></td>";
          row.cells[0].textContent = r.agency_label;
          tbody.appendChild(row);
        }
        var state = row.cells[1].querySelector("span");
        state.className = "state " + r.state;
        state.textContent = r.state_label;
        row.cells[2].textContent = r.note;
      });
    }
    document.querySelectorAll("#declaration-actions [data-action]").forEach(function (el) {
      el.hidden = data.actions.indexOf(el.dataset.action) < 0;
    });
    hideEmptyCards();
  }

  // What happened and the next step: texts and buttons come from the server (words.next_step).
  function renderStep(step) {
    var card = document.getElementById("next-step");
    if (!card || !step) return;
    card.className = "card next-step " + step.tone;
    document.getElementById("step-happened").textContent = step.happened;
    var detail = document.getElementById("step-detail");
    detail.textContent = step.detail;
    detail.hidden = !step.detail;
    document.querySelector("#step-next span").textContent = step.next;
    card.querySelectorAll("[data-step]").forEach(function (el) {
      el.hidden = step.actions.indexOf(el.dataset.step) < 0;
    });
  }

  // No empty cards: a card of buttons with none left to show hides itself.
  function hideEmptyCards() {
    document.querySelectorAll("[data-hide-when-empty]").forEach(function (card) {
      var visible = Array.prototype.some.call(card.children, function (el) { return !el.hidden; });
      card.hidden = !visible;
    });
  }

  var timer = null;
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (response) { return response.ok ? response.json() : null; })
      .then(function (data) {
        if (!data) return;
        render(data);
        if (FINAL.indexOf(data.state) >= 0 && timer) { clearInterval(timer); timer = null; }
      })
      .catch(function () { /* offline for a moment: the next tick tries again */ });
  }
  if (FINAL.indexOf(root.dataset.state) < 0) timer = setInterval(poll, 4000);
})();
