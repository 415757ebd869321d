/* primer: progressive enhancement for every page. Everything here adds to pages that already
   work without JavaScript: glossary terms open their definition in a small popover (without
   JavaScript they link to the glossary), the menus close with Escape or a click elsewhere, and an
   explainer's "On this page" list starts open on wide screens. */
(function () {
  "use strict";
  var open = null; // the glossary button whose definition is showing

  function close(button, focus) {
    if (!button) return;
    button.setAttribute("aria-expanded", "false");
    document.getElementById(button.getAttribute("aria-controls")).hidden = true;
    if (open === button) open = null;
    if (focus) button.focus();
  }

  /* Keep the popover inside the viewport: shift it left or right from under its word. */
  function place(def) {
    def.style.left = "0px";
    var box = def.getBoundingClientRect();
    var width = document.documentElement.clientWidth;
    var shift = Math.max(8 - box.left, Math.min(0, width - 8 - box.right));
    def.style.left = shift + "px";
  }

  /* Glossary: the term becomes a button that shows its definition next to it. */
  function glossary() {
    document.querySelectorAll("a.term[data-def]").forEach(function (link) {
      var def = document.getElementById(link.getAttribute("data-def"));
      if (!def) return;
      var button = document.createElement("button");
      button.type = "button";
      button.className = "term";
      button.textContent = link.textContent;
      button.setAttribute("aria-expanded", "false");
      button.setAttribute("aria-controls", def.id);
      var more = document.createElement("a");
      more.href = link.href;
      more.textContent = "Open in the glossary";
      def.appendChild(document.createTextNode(" "));
      def.appendChild(more);
      def.classList.add("pop");
      button.addEventListener("click", function () {
        if (button.getAttribute("aria-expanded") === "true") return close(button, false);
        close(open, false);
        button.setAttribute("aria-expanded", "true");
        def.hidden = false;
        place(def);
        open = button;
      });
      link.replaceWith(button);
    });
  }

  /* "On this page": open beside the text on wide screens, and marks the section being read. */
  function contents() {
    var toc = document.querySelector(".toc details");
    if (!toc) return;
    if (window.matchMedia("(min-width: 76em)").matches) toc.open = true;
    if (!window.IntersectionObserver) return;
    var links = {};
    toc.querySelectorAll("a[href^='#']").forEach(function (a) { links[a.getAttribute("href").slice(1)] = a; });
    var seen = new IntersectionObserver(function (entries) {
      entries.forEach(function (entry) {
        var link = links[entry.target.id];
        if (!entry.isIntersecting || !link) return;
        toc.querySelectorAll("[aria-current]").forEach(function (a) { a.removeAttribute("aria-current"); });
        link.setAttribute("aria-current", "true");
      });
    }, { rootMargin: "0px 0px -70% 0px" });
    Object.keys(links).forEach(function (id) {
      var heading = document.getElementById(id);
      if (heading) seen.observe(heading);
    });
  }

  document.addEventListener("keydown", function (event) {
    if (event.key !== "Escape") return;
    var menu = document.querySelector("details.more[open]");
    if (menu && menu.contains(document.activeElement)) {
      menu.open = false;
      menu.querySelector("summary").focus();
    } else if (open) {
      close(open, true);
    }
  });
  document.addEventListener("click", function (event) {
    var menu = document.querySelector("details.more[open]");
    if (menu && !menu.contains(event.target)) menu.open = false;
    if (open && !open.parentNode.contains(event.target)) close(open, false);
  });

  function start() { glossary(); contents(); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
