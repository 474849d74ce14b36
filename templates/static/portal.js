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

  document.addEventListener("DOMContentLoaded", function () {
    if (document.querySelector(".countdown[data-deadline]")) {
      setInterval(tick, 30000);
    }
    var print = document.querySelectorAll("[data-print]");
    for (var i = 0; i < print.length; i++) {
      print[i].addEventListener("click", function () { window.print(); });
    }
  });
})();
