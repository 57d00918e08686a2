// Booking form: a proposed slot fills in the date and start time; the user then books. Delegated
// from the document, so slots swapped in by htmx work too. Without JavaScript, times are typed.
(function () {
  document.addEventListener("click", function (event) {
    var slot = event.target.closest("[data-slot-day]");
    if (!slot) { return; }
    var form = document.getElementById("appointment-form");
    if (!form) { return; }
    form.querySelector("#id_day").value = slot.dataset.slotDay;
    form.querySelector("#id_time").value = slot.dataset.slotTime;
    document.querySelectorAll("[data-slot-day]").forEach(function (other) {
      other.classList.toggle("active", other === slot);
      other.setAttribute("aria-pressed", other === slot ? "true" : "false");
    });
    form.querySelector("button[type=submit]").focus();
  });
})();
