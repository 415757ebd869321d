/* primer timeline page. */
(function () {
  "use strict";

  /* Timeline: filter events by actor; the full list stays in the page for no-JS readers. */
  function timeline() {
    var form = document.getElementById("timeline-filter");
    if (!form) return;
    var select = form.querySelector("select");
    var count = form.querySelector(".filter-count");
    var events = Array.prototype.slice.call(document.querySelectorAll(".timeline > li"));
    form.hidden = false;
    form.addEventListener("submit", function (e) { e.preventDefault(); });
    select.addEventListener("change", function () {
      var actor = select.value;
      var shown = 0;
      events.forEach(function (li) {
        var match = !actor || (" " + li.getAttribute("data-actors") + " ").indexOf(" " + actor + " ") >= 0;
        li.hidden = !match;
        if (match) shown += 1;
      });
      count.textContent = actor
        ? "Showing " + shown + " of " + events.length + " events involving " + select.options[select.selectedIndex].text + "."
        : "Showing all " + events.length + " events.";
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", timeline);
  else timeline();
})();
