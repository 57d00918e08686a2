// Automatic logoff: the server ends the session after the idle limit counted from the last
// request; this sends the page to the sign-in screen at the same moment, so no PHI stays on an
// unattended screen. Only requests (page loads, htmx calls) restart the count, as on the server.
(function () {
  var body = document.body;
  var seconds = parseInt(body.dataset.idleLogoffSeconds || "0", 10);
  if (!seconds) { return; }
  var timer;
  function restart() {
    clearTimeout(timer);
    timer = setTimeout(function () { window.location.assign(body.dataset.loginUrl); }, seconds * 1000);
  }
  document.addEventListener("htmx:afterRequest", restart);
  restart();
})();

// A table wider than the screen scrolls sideways in its wrapper: keyboard users reach it with Tab
// and scroll it with the arrow keys, and screen readers hear it named by its caption (issue 19).
(function () {
  function reachable() {
    document.querySelectorAll(".table-responsive").forEach(function (box) {
      if (box.scrollWidth > box.clientWidth) {
        var caption = box.querySelector("caption");
        box.setAttribute("tabindex", "0");
        box.setAttribute("role", "region");
        box.setAttribute("aria-label", caption ? caption.textContent.trim() : "Table");
      } else if (box.getAttribute("role") === "region") {
        box.removeAttribute("tabindex");
        box.removeAttribute("role");
        box.removeAttribute("aria-label");
      }
    });
  }
  reachable();
  window.addEventListener("resize", reachable);
  document.addEventListener("htmx:afterSettle", reachable);
})();
