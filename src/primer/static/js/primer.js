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

  function start() { glossary(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
