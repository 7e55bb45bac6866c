/* Warns two minutes before an idle logout and offers "Rester connecté".
   The server ends the session whatever happens here; without this script the page
   simply asks to log in again at the next click. */
(function () {
  "use strict";
  var dialog = document.getElementById("idle-warning");
  if (!dialog || !window.fetch) { return; }
  var timeout = parseInt(dialog.getAttribute("data-idle-timeout"), 10);
  var before = parseInt(dialog.getAttribute("data-idle-warning"), 10);
  if (!timeout || !before) { return; }
  var form = dialog.querySelector("form");
  var button = dialog.querySelector("button");
  var warnTimer = null;
  var endTimer = null;
  var returnFocus = null;

  function schedule() {
    window.clearTimeout(warnTimer);
    window.clearTimeout(endTimer);
    warnTimer = window.setTimeout(show, Math.max(timeout - before, 0) * 1000);
    // At the end, reload: the server answers with the login page and its message.
    endTimer = window.setTimeout(function () { window.location.reload(); }, timeout * 1000 + 1000);
  }

  function show() {
    returnFocus = document.activeElement;
    dialog.hidden = false;
    button.focus();
  }

  function hide() {
    dialog.hidden = true;
    if (returnFocus && returnFocus.focus) { returnFocus.focus(); }
  }

  dialog.addEventListener("keydown", function (event) {
    if (event.key === "Escape") {
      event.preventDefault();
      hide();
    } else if (event.key === "Tab") {
      // One control in the dialog: focus stays on it.
      event.preventDefault();
      button.focus();
    }
  });

  form.addEventListener("submit", function (event) {
    event.preventDefault();
    button.disabled = true;
    window.fetch(form.action, {
      method: "POST",
      body: new FormData(form),
      headers: { "X-Requested-With": "fetch" },
      credentials: "same-origin",
      redirect: "manual"
    }).then(function (response) {
      button.disabled = false;
      if (response.status === 204) {
        hide();
        schedule();
      } else {
        window.location.reload();
      }
    }, function () {
      button.disabled = false;
      form.submit();
    });
  });

  schedule();
}());
