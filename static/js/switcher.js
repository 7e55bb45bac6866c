// Contract selector: a <details> of links that works without JavaScript. This only adds
// what a menu is expected to do: Escape closes it (focus back on its button), and a
// click elsewhere closes it. It never changes page by itself.
(function () {
  "use strict";
  var switcher = document.querySelector("details.switcher");
  if (!switcher) return;
  var summary = switcher.querySelector("summary");
  switcher.addEventListener("keydown", function (event) {
    if (event.key === "Escape" && switcher.open) {
      switcher.open = false;
      summary.focus();
    }
  });
  document.addEventListener("click", function (event) {
    if (switcher.open && !switcher.contains(event.target)) switcher.open = false;
  });
})();
