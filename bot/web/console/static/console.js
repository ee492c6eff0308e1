// regbot support console: the live list follows server-sent events (no reload), and the
// time in step ticks between updates. No other script; nothing from elsewhere.
"use strict";
(function () {
  function pad(n) { return (n < 10 ? "0" : "") + n; }
  function shown(seconds) {
    var h = Math.floor(seconds / 3600), m = Math.floor((seconds % 3600) / 60), s = seconds % 60;
    return h ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }
  var received = Date.now();
  function tick() {
    var elapsed = Math.floor((Date.now() - received) / 1000);
    document.querySelectorAll(".ticker").forEach(function (el) {
      el.textContent = shown(parseInt(el.dataset.seconds, 10) + elapsed);
    });
  }
  var rows = document.getElementById("rows");
  if (!rows || !window.EventSource) { return; }
  var state = document.getElementById("live-state");
  var url = rows.dataset.stream + window.location.search;
  var source = new EventSource(url);
  source.addEventListener("rows", function (event) {
    rows.innerHTML = event.data;
    received = Date.now();
    if (state) { state.hidden = true; }
    document.body.dataset.liveUpdates = String(parseInt(document.body.dataset.liveUpdates || "0", 10) + 1);
  });
  source.addEventListener("error", function () { if (state) { state.hidden = false; } });
  window.setInterval(tick, 1000);
}());
