// After a page that answers an action (a wrong password, a lock, an activation, a reset, a
// logout, an idle logout), focus goes to what it says, and the screen shows it: the form's
// error summary first, otherwise the messages. Without JavaScript the login form comes
// first on the page anyway, so its errors are in view (issue 17).
(function () {
  "use strict";
  var target = document.querySelector(".error-summary") || document.querySelector(".messages");
  if (!target) return;
  if (!target.hasAttribute("tabindex")) target.setAttribute("tabindex", "-1");
  target.focus({preventScroll: true});
  target.scrollIntoView({block: "nearest"});
})();
