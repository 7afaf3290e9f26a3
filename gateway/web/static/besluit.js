// Decision form on /aanvragen/{id}: show only the fields that belong to the chosen decision.
// Progressive enhancement: without this script every fieldset stays visible and the form
// works the same (the server ignores the fields of the other choices).
(function () {
  "use strict";
  var form = document.querySelector("form.besluit");
  if (!form) { return; }
  var radios = form.querySelectorAll('input[name="besluit"]');
  var sets = form.querySelectorAll("fieldset[data-keuze]");

  function update() {
    var chosen = form.querySelector('input[name="besluit"]:checked');
    var value = chosen ? chosen.value : "";
    for (var i = 0; i < sets.length; i++) {
      var keuzes = sets[i].getAttribute("data-keuze").split(" ");
      sets[i].hidden = keuzes.indexOf(value) === -1;
    }
  }

  for (var i = 0; i < radios.length; i++) {
    radios[i].addEventListener("change", update);
  }
  update();
})();
