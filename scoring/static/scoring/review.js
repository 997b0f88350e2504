// The review page's read-only copies of the candidate workspace: the investigation's tabs and the
// ticket queue's rows switch what is shown, and nothing in them can be edited. Without this script
// the first tab and the first ticket are shown.
(function () {
  "use strict";

  function readOnly(frame) {
    frame.querySelectorAll("input, select, textarea").forEach(function (el) {
      el.disabled = true;
      el.setAttribute("tabindex", "-1");
    });
    frame.querySelectorAll("[hx-get]").forEach(function (el) {
      el.removeAttribute("hx-get");
      el.removeAttribute("hx-trigger");
    });
  }

  function tabs(frame) {
    var list = frame.querySelector('[role="tablist"]');
    if (!list) return;
    var buttons = Array.prototype.slice.call(list.querySelectorAll('[role="tab"]')).filter(function (b) {
      return b.offsetParent !== null;
    });
    function select(button, focus) {
      buttons.forEach(function (b) {
        var on = b === button;
        b.setAttribute("aria-selected", on ? "true" : "false");
        b.setAttribute("tabindex", on ? "0" : "-1");
        b.classList.toggle("is-active", on);
        var panel = frame.querySelector('[data-tab-panel="' + b.dataset.tab + '"]');
        if (panel) panel.hidden = !on;
      });
      if (focus) button.focus();
    }
    buttons.forEach(function (button, index) {
      button.addEventListener("click", function () { select(button, false); });
      button.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowRight") next = buttons[(index + 1) % buttons.length];
        if (event.key === "ArrowLeft") next = buttons[(index - 1 + buttons.length) % buttons.length];
        if (event.key === "Home") next = buttons[0];
        if (event.key === "End") next = buttons[buttons.length - 1];
        if (next) { event.preventDefault(); select(next, true); }
      });
    });
  }

  function tickets(frame) {
    var rows = Array.prototype.slice.call(frame.querySelectorAll("[data-ticket-row]"));
    function select(row, focus) {
      rows.forEach(function (r) {
        var on = r === row;
        r.classList.toggle("is-selected", on);
        r.setAttribute("aria-selected", on ? "true" : "false");
        r.setAttribute("tabindex", on ? "0" : "-1");
        var pane = frame.querySelector('[data-ticket-pane="' + r.dataset.ticketRow + '"]');
        if (pane) pane.hidden = !on;
      });
      if (focus) row.focus();
    }
    rows.forEach(function (row, index) {
      row.addEventListener("click", function () { select(row, false); });
      row.addEventListener("keydown", function (event) {
        var next = null;
        if (event.key === "ArrowDown" || event.key === "j") next = rows[index + 1];
        if (event.key === "ArrowUp" || event.key === "k") next = rows[index - 1];
        if (next) { event.preventDefault(); select(next, true); }
      });
    });
  }

  // Scrolling boxes of the worked answers take keyboard focus, so they can be scrolled without a mouse.
  document.querySelectorAll("[data-worked-answer] .table-wrap").forEach(function (box) {
    if (box.scrollWidth > box.clientWidth || box.scrollHeight > box.clientHeight) {
      box.setAttribute("tabindex", "0");
      box.setAttribute("role", "region");
      box.setAttribute("aria-label", "Worked answer table");
    }
  });

  document.querySelectorAll("[data-print]").forEach(function (button) {
    button.addEventListener("click", function () { window.print(); });
  });

  document.querySelectorAll("[data-seen]").forEach(function (frame) {
    readOnly(frame);
    tabs(frame);
    tickets(frame);
  });
})();
