// Error summary (templates/_foutsamenvatting.html): after a failed submit, put focus on the
// summary so it is announced and in view, and make its links focus the field itself (a plain
// fragment link only scrolls, and a field under a sticky label can end up half hidden).
// An external file because the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var summary = document.querySelector("[data-foutsamenvatting]");
  if (!summary) { return; }

  function target(id) {
    var field = document.getElementById(id);
    if (!field) { return null; }
    // A radio group's id is on its first radio; a hidden fieldset (besluit.js) has no target.
    if (field.closest("[hidden]")) { return null; }
    // An error about a group (the product lines) points at its fieldset: focus its first field.
    if (!/^(INPUT|SELECT|TEXTAREA|BUTTON)$/.test(field.tagName)) {
      return field.querySelector("input:not([type=hidden]), select, textarea") || field;
    }
    return field;
  }

  var links = summary.querySelectorAll('a[href^="#"]');
  for (var i = 0; i < links.length; i++) {
    links[i].addEventListener("click", function (event) {
      var field = target(this.getAttribute("href").slice(1));
      if (!field) { return; }
      event.preventDefault();
      // The label, not the field, at the top: a user needs the question with the answer box.
      var label = document.querySelector('label[for="' + field.id + '"]') || field;
      label.scrollIntoView();
      field.focus({ preventScroll: true });
    });
  }

  summary.focus();
  summary.scrollIntoView();
})();
