// "Afficher le mot de passe" (issue 17): a toggle button after each password field, with
// aria-pressed telling its state; its name stays the same. Without JavaScript the field is
// a plain password field. The label comes translated from the script tag's data-label.
(function () {
  "use strict";
  var script = document.currentScript;
  var label = (script && script.dataset.label) || "Show the password";
  var fields = document.querySelectorAll("input[type=password]");
  Array.prototype.forEach.call(fields, function (field) {
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button button--link password-toggle";
    button.textContent = label;
    button.setAttribute("aria-pressed", "false");
    button.setAttribute("aria-controls", field.id);
    button.addEventListener("click", function () {
      var shown = field.type === "password";
      field.type = shown ? "text" : "password";
      button.setAttribute("aria-pressed", shown ? "true" : "false");
    });
    field.insertAdjacentElement("afterend", button);
  });
  // Never send or leave a password shown: hide it again before the form goes.
  document.addEventListener("submit", function () {
    Array.prototype.forEach.call(fields, function (field) { field.type = "password"; });
  }, true);
})();
