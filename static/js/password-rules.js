/* Ticks each rule of the Régie's password as the subscriber types.
   Progressive enhancement only: the server checks the same rules.
   The tick and the colour are only seen: each rule also gets its state in words, hidden
   but read with the list, and a polite status says how many rules are met once typing
   pauses, so that a screen reader is not interrupted at every keystroke. */
(function () {
  "use strict";
  var PAUSE_MS = 1000;
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
    var metText = list.getAttribute("data-met") || "";
    var unmetText = list.getAttribute("data-unmet") || "";
    var summary = list.getAttribute("data-summary") || "";
    var rules = [];
    Array.prototype.forEach.call(list.querySelectorAll("[data-rule]"), function (item) {
      var check = checks[item.getAttribute("data-rule")];
      if (!check) { return; }
      var state = document.createElement("span");
      state.className = "visually-hidden password-rules__state";
      item.appendChild(state);
      rules.push({ item: item, check: check, state: state });
    });
    // Outside the field's description (aria-describedby), which already reads each state.
    var status = document.createElement("div");
    status.className = "visually-hidden password-rules__status";
    status.setAttribute("role", "status");
    help.parentNode.insertBefore(status, help.nextSibling);
    var met = 0;
    var pause = null;

    function update() {
      var value = input.value;
      met = 0;
      rules.forEach(function (rule) {
        var ok = value.length > 0 && rule.check(value);
        if (ok) { met += 1; }
        rule.item.classList.toggle("password-rules__rule--ok", ok);
        rule.state.textContent = ", " + (ok ? metText : unmetText);
      });
    }
    function announce() {
      var text = summary.replace("{met}", met).replace("{total}", rules.length);
      if (status.textContent !== text) { status.textContent = text; }
    }
    list.classList.add("password-rules--live");
    input.addEventListener("input", function () {
      update();
      window.clearTimeout(pause);
      pause = window.setTimeout(announce, PAUSE_MS);
    });
    update();
  });
})();
