/* Ticks each rule of the Régie's password as the subscriber types.
   Progressive enhancement only: the server checks the same rules. */
(function () {
  "use strict";
  var lists = document.querySelectorAll("[data-password-rules]");
  Array.prototype.forEach.call(lists, function (list) {
    var help = list.closest(".field__help");
    var input = help && help.parentNode.querySelector("input[type=password]");
    if (!input) { return; }
    var minLength = parseInt(list.getAttribute("data-min-length"), 10) || 7;
    var checks = {
      length: function (v) { return Array.from(v).length >= minLength; },
      digit: function (v) { return /\p{Nd}/u.test(v); },
      lower: function (v) { return /\p{Ll}/u.test(v); },
      upper: function (v) { return /\p{Lu}/u.test(v); },
      special: function (v) { return /[^\p{L}\p{Nd}\s+\-]/u.test(v); },
      forbidden: function (v) { return !/[+\-]/.test(v); }
    };
    var items = list.querySelectorAll("[data-rule]");
    function update() {
      var value = input.value;
      Array.prototype.forEach.call(items, function (item) {
        var check = checks[item.getAttribute("data-rule")];
        if (!check) { return; }
        var ok = value.length > 0 && check(value);
        item.classList.toggle("password-rules__rule--ok", ok);
      });
    }
    list.classList.add("password-rules--live");
    input.addEventListener("input", update);
    update();
  });
})();
