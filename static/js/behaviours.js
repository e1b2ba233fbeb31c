// Small page behaviours declared in markup (no inline handlers: Content-Security-Policy).
//   <select data-autosubmit>            submits its form when changed
//   <button data-print>                 prints the page
//   <form data-confirm="question">      asks before submitting
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var el = event.target;
    if (el.matches && el.matches("[data-autosubmit]") && el.form) el.form.submit();
  });
  document.addEventListener("click", function (event) {
    var el = event.target.closest && event.target.closest("[data-print]");
    if (el) window.print();
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm && !window.confirm(form.dataset.confirm)) event.preventDefault();
  });
})();
