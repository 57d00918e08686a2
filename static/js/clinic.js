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
