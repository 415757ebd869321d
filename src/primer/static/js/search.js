/* primer search page. */
(function () {
  "use strict";

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

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", search);
  else search();
})();
