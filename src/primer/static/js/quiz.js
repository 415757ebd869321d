/* primer quizzes: check answers on the page for all nine question types. Without this script every
   question still shows its answer, explanation and sources in a disclosure. Scoring mirrors
   primer.quiz.scoring (tests/data/scoring-cases.json is run against both). */
(function () {
  "use strict";

  var S = window.primerScoring, score = S.score, norm = S.normalise, parseNumber = S.parseNumber;

  /* ---------- reading and writing responses in the form ---------- */

  function read(section, q) {
    var form = section.querySelector("form");
    switch (q.type) {
      case "single": {
        var c = form.querySelector("input:checked");
        return c ? Number(c.value) : null;
      }
      case "multiple": {
        var all = Array.prototype.map.call(form.querySelectorAll("input:checked"), function (c) { return Number(c.value); });
        return all.length ? all.sort(function (a, b) { return a - b; }) : null;
      }
      case "true-false": {
        var t = form.querySelector("input:checked");
        return t ? t.value === "true" : null;
      }
      case "short": case "open": {
        var v = form.querySelector("input[type=text], textarea").value;
        return v.trim() ? v : null;
      }
      case "numeric": {
        var typed = form.querySelector("input[type=text]").value;
        return typed.trim() ? parseNumber(typed) : null;
      }
      case "ordering":
        return Array.prototype.map.call(form.querySelectorAll(".order-list > li"), function (li) { return Number(li.getAttribute("data-index")); });
      case "matching": {
        var picks = Array.prototype.map.call(form.querySelectorAll("select"), function (s) { return s.value; });
        return picks.some(Boolean) ? picks : null;
      }
      case "cloze": {
        var out = {}, any = false;
        form.querySelectorAll("input, select").forEach(function (el) { out[el.name] = el.value; if (el.value.trim()) any = true; });
        return any ? out : null;
      }
    }
    return null;
  }

  function write(section, q, r) {
    var form = section.querySelector("form");
    if (r === null || r === undefined) return;
    switch (q.type) {
      case "single": case "true-false":
        form.querySelectorAll("input").forEach(function (i) { i.checked = i.value === String(r); });
        break;
      case "multiple":
        form.querySelectorAll("input").forEach(function (i) { i.checked = r.indexOf(Number(i.value)) >= 0; });
        break;
      case "short": case "numeric": case "open":
        form.querySelector("input[type=text], textarea").value = String(r);
        break;
      case "ordering": {
        var list = form.querySelector(".order-list");
        r.forEach(function (k) { var li = list.querySelector('li[data-index="' + k + '"]'); if (li) list.append(li); });
        break;
      }
      case "matching":
        form.querySelectorAll("select").forEach(function (s, k) { s.value = r[k] || ""; });
        break;
      case "cloze":
        form.querySelectorAll("input, select").forEach(function (el) { el.value = r[el.name] || ""; });
        break;
    }
  }

  /* ---------- feedback ---------- */

  function say(region, text) {
    region.textContent = "";
    window.setTimeout(function () { region.textContent = text; }, 30);
  }

  function feedbackText(q, r, result) {
    if (result === null) {
      return "Saved. Your teacher marks this one; compare your answer with the model answer shown below.";
    }
    var words = result.correct ? "Correct." : result.fraction > 0 ? "Partly right." : "Not correct.";
    var extra = [];
    if (q.type === "single" && q.choices[r]) extra.push(q.choices[r].feedback);
    if (q.type === "multiple") {
      q.choices.forEach(function (c, k) {
        var picked = r.indexOf(k) >= 0;
        if (picked && !c.correct) extra.push("“" + c.text + "” is not right: " + c.feedback);
        if (!picked && c.correct) extra.push("You missed “" + c.text + "”.");
      });
    }
    if (q.type === "true-false") extra.push(r ? q.feedback_true : q.feedback_false);
    if (result.parts && (q.type === "matching" || q.type === "cloze")) {
      var n = result.parts.filter(Boolean).length;
      extra.push(n + " of " + result.parts.length + " right.");
    }
    extra.push("The answer, the reason and its sources are shown below.");
    return words + " " + extra.join(" ");
  }

  /* ---------- one quiz ---------- */

  function shuffle(list) {
    for (var i = list.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1));
      var t = list[i]; list[i] = list[j]; list[j] = t;
    }
    return list;
  }

  function orderingControls(section, announce) {
    var list = section.querySelector(".order-list");
    if (!list) return;
    list.querySelectorAll("li").forEach(function (li) {
      var text = li.querySelector(".item-text").textContent;
      var box = document.createElement("span");
      box.className = "move";
      [["up", "Move up"], ["down", "Move down"]].forEach(function (d) {
        var b = document.createElement("button");
        b.type = "button";
        b.className = "move-" + d[0];
        b.textContent = d[1];
        b.setAttribute("aria-label", d[1] + ": " + text);
        b.addEventListener("click", function () {
          var other = d[0] === "up" ? li.previousElementSibling : li.nextElementSibling;
          if (!other) { announce("“" + text + "” is already " + (d[0] === "up" ? "first." : "last.")); return; }
          if (d[0] === "up") list.insertBefore(li, other); else list.insertBefore(other, li);
          b.focus();
          var pos = Array.prototype.indexOf.call(list.children, li) + 1;
          announce("“" + text + "” moved to position " + pos + " of " + list.children.length + ".");
        });
        box.append(b);
      });
      li.append(box);
    });
  }

  /* ---------- printed versions: quiz.html?version=B shows exactly the order of version B's sheet ---------- */

  function applyVersion(root, sections) {
    var match = /[?&]version=([A-Za-z])(?:&|$)/.exec(window.location.search);
    var data = root.querySelector(".quiz-versions");
    if (!match || !data) return sections;
    var letter = match[1].toUpperCase();
    var versions = JSON.parse(data.textContent);
    var note = document.createElement("p");
    note.className = "version-note";
    root.insertBefore(note, root.firstChild);
    var v = versions[letter];
    if (!v) {
      note.textContent = "There is no version " + letter + " of this quiz; the questions are in their usual order.";
      return sections;
    }
    var byId = {};
    sections.forEach(function (s) { byId[s.id] = s; });
    var anchor = root.querySelector(".score");
    var ordered = v.order.map(function (id) { return byId[id]; }).filter(Boolean);
    sections.forEach(function (s) { if (ordered.indexOf(s) < 0) ordered.push(s); });
    ordered.forEach(function (s, k) {
      s.parentNode.insertBefore(s, anchor);
      s.querySelector(".q-title").firstChild.textContent = "Question " + (k + 1) + " ";
      var parts = v.parts[s.id];
      if (!parts) return;
      var box = s.querySelector(".options") || s.querySelector(".order-list");
      if (box) {
        parts.forEach(function (i) {
          var item = box.querySelector('[data-index="' + i + '"]');
          if (item) box.append(item);
        });
      }
      var q = JSON.parse(s.querySelector(".q-data").textContent);
      if (q.type === "matching") {
        /* The sheet letters the answers A, B, C … in the version's order; so does the projected quiz. */
        var rights = q.pairs.map(function (p) { return p.right; }).concat(q.distractors || []);
        s.querySelectorAll("select").forEach(function (select) {
          parts.forEach(function (i, k) {
            var option = Array.prototype.find.call(select.options, function (o) { return o.value === rights[i]; });
            if (!option) return;
            option.value = rights[i];
            option.textContent = String.fromCharCode(65 + k) + ". " + rights[i];
            select.append(option);
          });
        });
        var printed = s.querySelector(".match-answers ol");
        if (printed) {
          parts.forEach(function (i) {
            var li = Array.prototype.find.call(printed.children, function (el) { return el.textContent === rights[i]; });
            if (li) printed.append(li);
          });
        }
      }
    });
    note.textContent = "Version " + letter + " · code " + v.code + ": the questions and options are in the order of the printed sheet of version " + letter + ".";
    return ordered;
  }

  function setupQuiz(root) {
    var key = "primer-quiz:" + root.getAttribute("data-quiz");
    var store = {};
    try { store = JSON.parse(localStorage.getItem(key) || "{}"); } catch (e) { store = {}; }
    var sections = applyVersion(root, Array.prototype.slice.call(root.querySelectorAll("section.question")));
    var results = {};
    var scoreBox = root.querySelector(".score");

    function save() { try { localStorage.setItem(key, JSON.stringify(store)); } catch (e) { /* private mode */ } }

    function summary() {
      if (!scoreBox) return;
      var answered = 0, right = 0, got = 0, total = 0, open = 0;
      sections.forEach(function (s) {
        var q = s._q;
        if (q.type === "open") { open += 1; if (results[q.id] !== undefined) answered += 1; return; }
        total += q.points;
        var res = results[q.id];
        if (res) { answered += 1; got += q.points * res.fraction; if (res.correct) right += 1; }
      });
      scoreBox.hidden = false;
      scoreBox.querySelector(".score-text").textContent = "You have answered " + answered + " of " + sections.length +
        " questions; " + right + " fully right. Score: " + (Math.round(got * 10) / 10) + " of " + total + " points" +
        (open ? " (plus " + open + " open question" + (open === 1 ? "" : "s") + " for your teacher)." : ".");
    }

    function check(section, quiet) {
      var q = section._q;
      var region = section.querySelector(".feedback");
      var r = read(section, q);
      if (r === null) { say(region, "Give an answer first, then check it."); return; }
      if (typeof r === "number" && isNaN(r)) { say(region, "Type a number, such as 28500 or 2.5, then check it."); return; }
      var result = score(q, r);
      results[q.id] = result;
      store[q.id] = r;
      save();
      section.classList.remove("is-right", "is-wrong", "is-partly");
      if (result) section.classList.add(result.correct ? "is-right" : result.fraction > 0 ? "is-partly" : "is-wrong");
      var text = feedbackText(q, r, result);
      if (quiet) region.textContent = text; else say(region, text);
      section.querySelector("details.answer").open = true;
      summary();
    }

    /* Every question's data first: restoring one answer updates the summary, which reads them all. */
    sections.forEach(function (section) { section._q = JSON.parse(section.querySelector(".q-data").textContent); });
    sections.forEach(function (section) {
      var actions = section.querySelector(".q-actions");
      actions.hidden = false;
      orderingControls(section, function (text) { say(section.querySelector(".feedback"), text); });
      section.querySelector("form").addEventListener("submit", function (e) { e.preventDefault(); check(section, false); });
    });
    /* Restore saved answers. An answer saved by an older build of the quiz (question removed, changed
       type or options) is dropped, never allowed to break the page. */
    sections.forEach(function (section) {
      var q = section._q, saved = store[q.id];
      if (saved === undefined) return;
      try {
        write(section, q, saved);
        if (read(section, q) === null) throw new Error("the saved answer no longer fits");
        check(section, true);
      } catch (e) {
        delete store[q.id]; delete results[q.id]; save();
        section.querySelector("form").reset();
        section.classList.remove("is-right", "is-wrong", "is-partly");
        section.querySelector(".feedback").textContent = "";
      }
    });
    Object.keys(store).forEach(function (id) {
      if (!sections.some(function (s) { return s._q.id === id; })) { delete store[id]; save(); }
    });

    var retry = root.querySelector(".retry");
    if (retry) {
      retry.addEventListener("click", function () {
        store = {}; results = {}; save();
        var versionNote = root.querySelector(".version-note");
        if (versionNote) versionNote.remove();  /* reshuffled: no longer a printed version's order */
        var parent = sections[0].parentNode;
        shuffle(sections.slice()).forEach(function (s) { parent.insertBefore(s, scoreBox); });
        sections = Array.prototype.slice.call(root.querySelectorAll("section.question"));
        sections.forEach(function (s, k) {
          s.querySelector("form").reset();
          s.classList.remove("is-right", "is-wrong", "is-partly");
          s.querySelector(".feedback").textContent = "";
          s.querySelector("details.answer").open = false;
          var opts = s.querySelector(".options");
          if (opts) shuffle(Array.prototype.slice.call(opts.children)).forEach(function (o) { opts.append(o); });
          var list = s.querySelector(".order-list");
          if (list) shuffle(Array.prototype.slice.call(list.children)).forEach(function (o) { list.append(o); });
          var title = s.querySelector(".q-title");
          title.firstChild.textContent = "Question " + (k + 1) + " ";
        });
        summary();
        say(scoreBox.querySelector(".score-text"), "Questions and options reshuffled. Start again from question 1.");
        var first = sections[0].querySelector("input, select, textarea, button");
        if (first) first.focus();
      });
    }
    if (Object.keys(store).length) summary();
  }

  window.primerQuiz = { score: score, normalise: norm, parseNumber: parseNumber };
  function start() { document.querySelectorAll("[data-quiz]").forEach(setupQuiz); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
