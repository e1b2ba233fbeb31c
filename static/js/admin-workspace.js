// The officers' workspace in the admin: no inline script (Content-Security-Policy).
// 1. A select marked data-autosubmit sends its form when changed (the language switcher).
// 2. A button marked data-print opens the browser's print dialog (the A4 declaration).
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var target = event.target;
    if (target && target.matches && target.matches("select[data-autosubmit]") && target.form) {
      target.form.submit();
    }
  });
  document.addEventListener("click", function (event) {
    var target = event.target;
    if (target && target.closest && target.closest("[data-print]")) {
      window.print();
    }
  });
})();
