/* Kiosk and yard board: a few lines of plain JS, no library, nothing fetched from outside. */
(function () {
  "use strict";

  function postJSON(url, body, csrf) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "Accept": "application/json", "X-CSRFToken": csrf },
      body: JSON.stringify(body)
    }).then(function (r) {
      return r.json().catch(function () { return {}; }).then(function (data) { return { ok: r.ok, status: r.status, data: data }; });
    });
  }

  function text(id, value) { document.getElementById(id).textContent = value == null || value === "" ? "—" : value; }

  function localTime(iso) {
    // The API sends the gate's local time with its offset: show HH:MM as written there.
    return iso ? iso.slice(11, 16) : "";
  }

  function kiosk(root) {
    var labels = JSON.parse(document.getElementById("kiosk-labels").textContent);
    var form = document.getElementById("scan-form");
    var input = document.getElementById("scan-input");
    var panel = document.getElementById("verdict");
    var word = document.getElementById("verdict-word");
    var reason = document.getElementById("verdict-reason");
    var details = document.getElementById("details");
    var candidates = document.getElementById("candidates");
    var candidateButtons = document.getElementById("candidate-buttons");
    var actionButton = document.getElementById("action-button");
    var cashForm = document.getElementById("cash-form");
    var cashReceipt = document.getElementById("cash-receipt");
    var cashButton = document.getElementById("cash-button");
    var csrf = form.querySelector("[name=csrfmiddlewaretoken]").value;
    var current = null;  // the last scan's reply
    var busy = false;

    function refocus() { input.value = ""; input.focus(); }

    var bookedPlate = document.getElementById("verdict-plate");

    function show(kind, title, why) {
      panel.className = "verdict " + kind;
      word.textContent = title;
      reason.textContent = why || "";
      bookedPlate.hidden = true;
    }

    function showError(reply) {
      var detail = reply.data && reply.data.detail;
      if (detail && typeof detail === "object") { detail = JSON.stringify(detail); }
      show("error", labels.error, detail || labels.network);
      actionButton.hidden = true;
    }

    function render(data) {
      current = data;
      show(data.verdict, data.verdict_label, data.reason);
      // The booked plate, large: the person at the gate compares it with the truck in front of them.
      bookedPlate.hidden = !data.vehicle;
      if (data.vehicle) { text("verdict-plate-text", data.vehicle.plate); }
      candidateButtons.textContent = "";
      candidates.hidden = !(data.candidates && data.candidates.length);
      (data.candidates || []).forEach(function (plate) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "candidate";
        b.textContent = plate;
        b.addEventListener("click", function () { scan({ plate: plate }); });
        candidateButtons.appendChild(b);
      });
      actionButton.hidden = !data.action;
      if (data.action) {
        actionButton.textContent = data.action_label;
        actionButton.dataset.action = data.action;
        actionButton.className = "action-button action-" + data.action;
      }
      // Fee unpaid at release: staff may take it in cash here (the fees API records it), then rescan.
      cashForm.hidden = !data.fee_unpaid;
      if (data.fee_unpaid) {
        cashReceipt.value = "";
        cashButton.textContent = labels.cash.replace("%(amount)s", data.fee_unpaid.toLocaleString(document.documentElement.lang));
      }
      details.hidden = !data.booking;
      if (data.booking) {
        var v = data.vehicle, d = data.driver, decl = data.declaration, bk = data.booking;
        text("d-vehicle", v.plate + (v.trailer_plate ? " + " + v.trailer_plate : "") + " · " + v.kind_label);
        text("d-driver", d.full_name + " (" + d.nationality + ") " + d.id_number);
        text("d-declaration", decl.number + " · " + decl.state_label + " · " + decl.direction_label);
        text("d-channel", decl.channel_label);
        text("d-window", bk.window.start.slice(0, 10) + " " + localTime(bk.window.start) + "–" + localTime(bk.window.end));
        text("d-booking", bk.ticket + " · " + bk.state_label);
        text("d-queue", bk.queue_position);
      }
    }

    function scan(body) {
      if (busy) { return; }
      busy = true;
      body.gate = root.dataset.gate;
      show("busy", labels.working, "");
      postJSON(root.dataset.scanUrl, body, csrf).then(function (reply) {
        if (reply.ok) { render(reply.data); } else { showError(reply); }
      }).catch(function () { showError({}); }).then(function () { busy = false; refocus(); });
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      var read = input.value.trim();
      if (read) { scan({ read: read }); } else { refocus(); }
    });

    cashForm.addEventListener("submit", function (e) {
      e.preventDefault();
      var receipt = cashReceipt.value.trim();
      if (busy || !current || !current.fee_unpaid || !receipt) { cashReceipt.focus(); return; }
      var url = cashForm.dataset.url.replace("/0/", "/" + current.declaration.id + "/");
      var plate = current.vehicle.plate;
      busy = true;
      postJSON(url, { amount: current.fee_unpaid, receipt_number: receipt }, csrf).then(function (reply) {
        busy = false;
        if (reply.ok) { cashForm.hidden = true; scan({ plate: plate }); } else { showError(reply); refocus(); }
      }).catch(function () { busy = false; showError({}); refocus(); });
    });

    actionButton.addEventListener("click", function () {
      if (busy || !current || !current.action) { return; }
      busy = true;
      actionButton.disabled = true;
      postJSON(root.dataset.actionUrl, { event: current.event, action: current.action }, csrf).then(function (reply) {
        if (reply.ok) {
          show("done", current.action_label, labels.done.replace("%(state)s", reply.data.state_label));
          text("d-booking", reply.data.booking.ticket + " · " + reply.data.state_label);
          text("d-queue", reply.data.booking.queue_position);
          actionButton.hidden = true;
          current = null;
        } else { showError(reply); }
      }).catch(function () { showError({}); }).then(function () {
        busy = false; actionButton.disabled = false; refocus();
      });
    });

    // A keyboard-wedge scanner types wherever the focus is: send stray keys back to the input.
    document.addEventListener("keydown", function (e) {
      var el = document.activeElement;
      var typing = el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT");
      if (!typing && e.key && e.key.length === 1 && !e.ctrlKey && !e.metaKey && !e.altKey) {
        input.focus();
      }
    });
    refocus();
  }

  function board(root) {
    var texts = document.getElementById("board-texts").dataset;
    var seconds = parseInt(root.dataset.refresh, 10) || 10;

    function fill(list, rows, empty, line) {
      list.textContent = "";
      if (!rows.length) {
        var li = document.createElement("li");
        li.className = "empty";
        li.textContent = empty;
        list.appendChild(li);
      }
      rows.forEach(function (row) { list.appendChild(line(row)); });
    }

    function span(cls, value) { var s = document.createElement("span"); s.className = cls; s.textContent = value; return s; }

    function tick() {
      fetch(root.dataset.url, { headers: { "Accept": "application/json" }, cache: "no-store" })
        .then(function (r) { if (!r.ok) { throw new Error(r.status); } return r.json(); })
        .then(function (data) {
          fill(document.getElementById("board-called"), data.called, texts.noCalled, function (row) {
            var li = document.createElement("li"); li.appendChild(span("plate", row.plate)); return li;
          });
          fill(document.getElementById("board-queue"), data.queue, texts.noQueue, function (row) {
            var li = document.createElement("li");
            li.appendChild(span("pos", row.position));
            li.appendChild(document.createTextNode(" "));
            li.appendChild(span("plate", row.plate));
            if (row.at_inspection) { li.appendChild(document.createTextNode(" ")); li.appendChild(span("tag", texts.inspection)); }
            return li;
          });
          document.getElementById("board-updated").textContent = localTime(data.updated);
          document.body.classList.remove("stale");
        })
        .catch(function () { document.body.classList.add("stale"); });
    }
    setInterval(tick, seconds * 1000);
  }

  document.addEventListener("DOMContentLoaded", function () {
    var k = document.getElementById("kiosk");
    if (k) { kiosk(k); }
    var b = document.getElementById("board");
    if (b) { board(b); }
  });
})();
