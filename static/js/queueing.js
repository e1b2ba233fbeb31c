// The ticket's print button (data-print) is handled once, in behaviours.js.

// Slot picker: refresh the places left every few seconds without reloading the page.
(function () {
  "use strict";
  var table = document.getElementById("slots");
  if (!table || !window.fetch) { return; }
  var url = table.getAttribute("data-json");
  function update(slot) {
    var row = table.querySelector('tr[data-slot="' + slot.id + '"]');
    if (!row) { return; }
    var full = !slot.is_closed && slot.available === 0;
    row.classList.toggle("full", full);
    row.classList.toggle("closed", slot.is_closed);
    row.querySelector(".available").textContent = slot.is_closed ? row.querySelector(".available").textContent : String(slot.available);
    row.querySelector(".booked").textContent = slot.booked + " / " + slot.capacity;
    row.querySelectorAll(".book-form button").forEach(function (b) { b.disabled = slot.available === 0 || slot.is_closed; });
    row.querySelectorAll(".wait-form").forEach(function (f) { f.hidden = !full; });
  }
  function refresh() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { data.slots.forEach(update); } })
      .catch(function () { /* offline for a moment: try again at the next tick */ });
  }
  setInterval(refresh, 5000);
})();
