/* primer: progressive enhancement for every page. Everything here adds to pages that already
   work without JavaScript: inline glossary definitions, the timeline filter, and search. */
(function () {
  "use strict";

  /* Glossary: a button after the first use of a term shows its definition inline (keyboard friendly). */
  function glossary() {
    document.querySelectorAll("a.term[data-def]").forEach(function (link) {
      var def = document.getElementById(link.getAttribute("data-def"));
      if (!def) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "term-toggle";
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", def.id);
      button.innerHTML = '<span aria-hidden="true">?</span><span class="visually-hidden">Define ' +
        link.textContent.replace(/[&<>"]/g, "") + "</span>";
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") === "true";
        button.setAttribute("aria-expanded", open ? "false" : "true");
        def.hidden = open;
      });
      link.after(button);
    });
  }

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

  /* Search: the index ships inside the search page, so it works from file:// with no fetch(). */
  function normalise(text) {
    return text.toLowerCase().normalize("NFKD").replace(/[\u0300-\u036f]/g, "").replace(/[^a-z0-9]+/g, " ").trim();
  }

  function search() {
    var data = document.getElementById("search-index");
    var form = document.getElementById("search-form");
    if (!data || !form) return;
    var raw = JSON.parse(data.textContent);
    var index = raw.entries.map(function (e) {
      return {
        title: e[0], path: raw.pages[e[1]] + (e[2] ? "#" + e[2] : ""), kind: raw.kinds[e[3]], text: e[4],
        hay: " " + normalise(e[0] + " " + e[4] + " " + e[5]) + " ", head: " " + normalise(e[0]) + " "
      };
    });
    var input = document.getElementById("q");
    var status = document.querySelector(".search-status");
    var list = document.getElementById("search-results");
    var root = document.querySelector('link[rel="stylesheet"]').getAttribute("href").replace(/static\/css\/primer\.css$/, "");

    function run(query) {
      var words = normalise(query).split(" ").filter(Boolean);
      list.textContent = "";
      if (!words.length) { status.textContent = ""; return; }
      var hits = index.map(function (e) {
        var score = 0;
        for (var i = 0; i < words.length; i++) {
          var w = words[i];
          if (e.hay.indexOf(" " + w) < 0) return null;
          score += e.head.indexOf(" " + w + " ") >= 0 ? 10 : e.head.indexOf(" " + w) >= 0 ? 5 : 1;
        }
        return { e: e, score: score };
      }).filter(Boolean).sort(function (a, b) { return b.score - a.score || a.e.title.localeCompare(b.e.title); });
      hits.slice(0, 50).forEach(function (h) {
        var li = document.createElement("li");
        var a = document.createElement("a");
        a.href = root + h.e.path;
        a.textContent = h.e.title;
        var kind = document.createElement("span");
        kind.className = "result-kind";
        kind.textContent = " (" + h.e.kind + ")";
        var p = document.createElement("p");
        p.textContent = h.e.text.length > 180 ? h.e.text.slice(0, 177) + "…" : h.e.text;
        li.append(a, kind, p);
        list.append(li);
      });
      status.textContent = hits.length
        ? hits.length + " result" + (hits.length === 1 ? "" : "s") + " for “" + query + "”" + (hits.length > 50 ? "; showing the first 50." : ".")
        : "No results for “" + query + "”.";
    }

    form.addEventListener("submit", function (e) {
      e.preventDefault();
      run(input.value);
      try { history.replaceState(null, "", "?q=" + encodeURIComponent(input.value)); } catch (err) { /* file:// in some browsers */ }
    });
    var initial = new URLSearchParams(location.search).get("q");
    if (initial) { input.value = initial; run(initial); }
  }

  function start() { glossary(); timeline(); search(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
