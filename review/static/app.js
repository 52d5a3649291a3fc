// Keyboard shortcuts on the queue: j/k move, c confirm, d dismiss, m merge, s snooze, o open, / filters.
(function () {
  "use strict";
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("li.cand")); }
  function current() {
    var el = document.activeElement;
    while (el && !(el.classList && el.classList.contains("cand"))) { el = el.parentElement; }
    return el;
  }
  function move(step) {
    var all = rows(); if (!all.length) { return; }
    var i = all.indexOf(current());
    if (step > 0 && i === all.length - 1) {  // past the last row: load the next page of the queue
      var more = document.querySelector("li.more a"); if (more) { more.click(); return; }
    }
    var next = all[Math.max(0, Math.min(all.length - 1, i < 0 ? 0 : i + step))];
    next.focus(); next.scrollIntoView({block: "nearest"});
  }
  function open(row, cls) {
    if (!row) { return; }
    var d = row.querySelector("details." + cls);
    if (d) { d.open = true; focusIn(d); }
  }
  function focusIn(el) {
    var f = el.querySelector("input:not([type=hidden]), button"); if (f) { f.focus(); }
  }
  // An action form arrives when its <details> opens: put the cursor in it.
  document.body.addEventListener("htmx:afterSwap", function (e) {
    var d = e.target.closest ? e.target.closest("details[open]") : null;
    if (d) { focusIn(d); }
  });
  document.addEventListener("keydown", function (e) {
    var tag = (e.target.tagName || "").toLowerCase();
    if (tag === "input" || tag === "textarea" || tag === "select" || e.ctrlKey || e.metaKey || e.altKey) { return; }
    var row = current();
    switch (e.key) {
      case "j": move(1); break;
      case "k": move(-1); break;
      case "c": open(row, "confirm"); break;
      case "d": open(row, "dismiss"); break;
      case "m": open(row, "merge"); break;
      case "s":
        if (row) { var b = row.querySelector("form.snooze button"); if (b) { b.click(); } }
        break;
      case "o": if (row) { window.location.href = row.getAttribute("data-story"); } break;
      case "/":
        var f = document.getElementById("filter-agency"); if (f) { f.focus(); } break;
      default: return;
    }
    e.preventDefault();
  });
})();
