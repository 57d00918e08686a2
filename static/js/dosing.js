// The dosing page's header keeps time between page loads: minutes since the start, and the next
// reading turning late. The server computes both on every load (the numbers first shown); this
// only moves them on while the tablet sits on its stand. No data is sent anywhere.
(function () {
  var bar = document.querySelector("[data-testid=dose-bar][data-started]");
  if (!bar) { return; }
  var started = Date.parse(bar.dataset.started);
  var due = bar.dataset.due ? Date.parse(bar.dataset.due) : NaN;
  var minutes = bar.querySelector(".js-minutes");
  var chip = bar.querySelector("[data-testid=next-due]");
  var late = bar.querySelector(".js-late");
  function tick() {
    var now = Date.now();
    if (minutes && !isNaN(started)) {
      minutes.textContent = String(Math.max(0, Math.floor((now - started) / 60000)));
    }
    if (chip && late && !isNaN(due)) {
      var over = Math.floor((now - due) / 60000);
      chip.classList.toggle("dose-due-late", over > 0);
      late.textContent = over > 0 ? " · late by " + over + " min" : "";
    }
  }
  tick();
  setInterval(tick, 20000);
})();
