// Staff pages: copy an invitation link to the clipboard, and confirm before a destructive POST.
(function () {
  "use strict";

  var status = document.getElementById("copy-status");

  function announce(text) {
    if (status) {
      status.textContent = "";
      window.setTimeout(function () { status.textContent = text; }, 30);
    }
  }

  function copyWithSelection(text) {
    // Clipboard API needs a secure context; a plain-http laptop install falls back to execCommand.
    var area = document.createElement("textarea");
    area.value = text;
    area.setAttribute("readonly", "");
    area.style.position = "fixed";
    area.style.opacity = "0";
    document.body.appendChild(area);
    area.select();
    var ok = false;
    try { ok = document.execCommand("copy"); } catch (e) { ok = false; }
    document.body.removeChild(area);
    return ok ? Promise.resolve() : Promise.reject(new Error("copy refused"));
  }

  function copy(text) {
    if (navigator.clipboard && window.isSecureContext) {
      return navigator.clipboard.writeText(text).catch(function () { return copyWithSelection(text); });
    }
    return copyWithSelection(text);
  }

  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button) return;
    var label = button.firstChild;
    var original = label.nodeValue;
    copy(button.getAttribute("data-copy")).then(function () {
      label.nodeValue = "Copied ✓";
      button.classList.add("is-copied");
      announce("Link copied to the clipboard");
    }, function () {
      window.prompt("Copy the link:", button.getAttribute("data-copy"));
    });
    window.setTimeout(function () { label.nodeValue = original; button.classList.remove("is-copied"); }, 2000);
  });

  document.addEventListener("submit", function (event) {
    var form = event.target.closest("form[data-confirm]");
    if (form && !window.confirm(form.getAttribute("data-confirm"))) {
      event.preventDefault();
    }
  });
})();
