/* primer timeline page: filters that combine (actor, topic, period), zoom of the time axis, and
   arrow keys between its marks. Without JavaScript the full list and the scrollable axis remain. */
(function () {
  "use strict";

  function has(list, value) {
    return (" " + list + " ").indexOf(" " + value + " ") >= 0;
  }

  function timeline() {
    var form = document.getElementById("timeline-filter");
    if (!form) return;
    var selects = [].slice.call(form.querySelectorAll("select"));
    var count = form.querySelector(".filter-count");
    var items = [].slice.call(document.querySelectorAll(".timeline > li"));
    var track = document.querySelector(".tl-track");
    var marks = track ? [].slice.call(track.querySelectorAll("a")) : [];
    var box = track && track.parentNode;
    var zoom = 1;
    var byId = {};
    marks.forEach(function (m, i) {
      byId[m.hash.slice(1)] = m;
      m.tabIndex = i ? -1 : 0;
    });

    function setZoom(z, centre) {
      zoom = Math.min(8, Math.max(0.25, z));
      track.style.setProperty("--z", zoom);
      box.scrollLeft = centre * track.offsetWidth - box.clientWidth / 2;
    }

    /* Show the events every filter allows; `s` is the select just changed. */
    function update(s) {
      var want = {};
      var names = [];
      var shown = 0;
      selects.forEach(function (t) {
        want[t.id.charAt(0)] = t.value;
        if (t.value) names.push(t.options[t.selectedIndex].text);
      });
      var period = (want.p || "").split("-");
      items.forEach(function (li) {
        var year = li.querySelector("time").dateTime.slice(0, 4);
        var ok = (!want.a || has(li.dataset.actors, want.a)) &&
          (!want.t || has(li.dataset.t, want.t)) &&
          (!period[0] || (year >= period[0] && year <= period[1]));
        li.hidden = !ok;
        if (ok) shown += 1;
        if (byId[li.id]) byId[li.id].classList.toggle("off", !ok);
      });
      count.textContent = names.length
        ? "Showing " + shown + " of " + items.length + " events: " + names.join(", ") + "."
        : "Showing all " + items.length + " events.";
      var option = track && s.id.charAt(0) === "p" && s.options[s.selectedIndex];
      if (option && option.value) {
        var left = option.dataset.left / 100;
        var width = option.dataset.width / 100;
        setZoom(box.clientWidth / (width * track.offsetWidth / zoom), left + width / 2);
      }
    }

    form.addEventListener("submit", function (e) { e.preventDefault(); });
    selects.forEach(function (s) {
      s.addEventListener("change", function () { update(s); });
    });
    if (!track) return;
    box.scrollLeft = track.dataset.start / 100 * track.offsetWidth;
    [].forEach.call(document.querySelectorAll("[data-zoom]"), function (b) {
      b.addEventListener("click", function () {
        setZoom(zoom * b.dataset.zoom, (box.scrollLeft + box.clientWidth / 2) / track.offsetWidth);
      });
    });
    track.addEventListener("keydown", function (e) {
      var i = marks.indexOf(e.target);
      var step = { ArrowRight: 1, ArrowDown: 1, ArrowLeft: -1, ArrowUp: -1 }[e.key];
      var next = step ? i + step : e.key === "Home" ? 0 : e.key === "End" ? marks.length - 1 : -1;
      if (i < 0 || !marks[next]) return;
      e.preventDefault();
      marks[i].tabIndex = -1;
      marks[next].tabIndex = 0;
      marks[next].focus();
    });
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", timeline);
  else timeline();
})();
