// coprocure portal: small enhancements; every page works without them. Loaded from this
// origin only (CSP script-src 'self'); writes text with textContent only.
(function () {
  "use strict";
  var lang = document.documentElement.lang === "en" ? "en" : "ko";

  function left(ms) {
    if (ms <= 0) return null;
    var minutes = Math.ceil(ms / 60000);
    var d = Math.floor(minutes / 1440), h = Math.floor((minutes % 1440) / 60), m = minutes % 60;
    if (lang === "ko") {
      if (d > 0) return d + "일 " + h + "시간 남음";
      if (h > 0) return h + "시간 " + m + "분 남음";
      return m + "분 남음";
    }
    function n(v, one, many) { return v + " " + (v === 1 ? one : many); }
    if (d > 0) return n(d, "day", "days") + " " + n(h, "hour", "hours") + " left";
    if (h > 0) return n(h, "hour", "hours") + " " + n(m, "minute", "minutes") + " left";
    return n(m, "minute", "minutes") + " left";
  }

  // Countdowns: the server rendered the text; keep it current. The server's clock decides
  // what may still be done.
  function tick() {
    var nodes = document.querySelectorAll(".countdown[data-deadline]");
    for (var i = 0; i < nodes.length; i++) {
      var at = Date.parse(nodes[i].getAttribute("data-deadline"));
      if (isNaN(at)) continue;
      var text = left(at - Date.now());
      nodes[i].textContent = text === null ? (lang === "ko" ? "마감됨" : "Closed") : text;
    }
  }

  // Price-break rows of the quote form: add and remove (without this, the blank rows the
  // server renders are the rows there are). Names carry the row number; new rows take the
  // next free one.
  function breakRows() {
    function clear(row) {
      var inputs = row.querySelectorAll("input");
      for (var i = 0; i < inputs.length; i++) {
        inputs[i].value = "";
        inputs[i].removeAttribute("aria-invalid");
      }
      var errs = row.querySelectorAll(".field-error");
      for (var k = 0; k < errs.length; k++) errs[k].parentNode.removeChild(errs[k]);
    }
    function renumber(row, n) {
      var els = row.querySelectorAll("[name], [id], [for], [aria-describedby]");
      for (var i = 0; i < els.length; i++) {
        ["name", "id", "for", "aria-describedby"].forEach(function (a) {
          var v = els[i].getAttribute(a);
          if (v) els[i].setAttribute(a, v.replace(/price_breaks\[\d+\]/, "price_breaks[" + n + "]").replace(/-b\d+-/g, "-b" + n + "-"));
        });
      }
      var label = row.getAttribute("aria-label");
      if (label) row.setAttribute("aria-label", label.replace(/\d+/, String(n + 1)));
    }
    function remove(e) {
      var row = e.currentTarget.closest(".break-row");
      var box = row.parentNode;
      if (box.querySelectorAll(".break-row").length > 1) box.removeChild(row); else clear(row);
    }
    var boxes = document.querySelectorAll(".break-rows");
    for (var i = 0; i < boxes.length; i++) {
      (function (box) {
        var add = box.parentNode.querySelector("[data-add-break]");
        var removes = box.querySelectorAll("[data-remove-break]");
        for (var r = 0; r < removes.length; r++) {
          removes[r].hidden = false;
          removes[r].addEventListener("click", remove);
        }
        if (!add) return;
        add.hidden = false;
        add.addEventListener("click", function () {
          var rows = box.querySelectorAll(".break-row");
          if (!rows.length || rows.length >= 20) return;
          var next = 0;
          for (var k = 0; k < rows.length; k++) {
            var named = rows[k].querySelector("[name]");
            var m = named && /price_breaks\[(\d+)\]/.exec(named.getAttribute("name"));
            if (m) next = Math.max(next, parseInt(m[1], 10) + 1);
          }
          var row = rows[rows.length - 1].cloneNode(true);
          clear(row);
          renumber(row, next);
          row.querySelector("[data-remove-break]").addEventListener("click", remove);
          box.appendChild(row);
          row.querySelector("input").focus();
        });
      })(boxes[i]);
    }
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector(".countdown[data-deadline]")) {
      setInterval(tick, 30000);
    }
    // A form that must go once (quotes, withdrawals): the server's idempotency key makes a
    // second send harmless; this only spares the wait.
    var once = document.querySelectorAll("form[data-once]");
    for (var f = 0; f < once.length; f++) {
      once[f].addEventListener("submit", function (e) {
        if (this.getAttribute("data-sent")) { e.preventDefault(); return; }
        this.setAttribute("data-sent", "1");
        var buttons = this.querySelectorAll("button[type=submit]");
        for (var b = 0; b < buttons.length; b++) buttons[b].setAttribute("aria-disabled", "true");
      });
    }
    breakRows();
    var print = document.querySelectorAll("[data-print]");
    for (var i = 0; i < print.length; i++) {
      print[i].addEventListener("click", function () { window.print(); });
    }
  });
})();
