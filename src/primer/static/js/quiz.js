/* primer quizzes: check answers on the page for all nine question types, mark each answer right or
   wrong in words and icons, and keep the answers given in the browser. Without this script every
   question shows on one page with its answer, explanation and sources in a disclosure. On a quiz
   page (it has a .quiz-meta script) the first try is the one that counts, "Show answer" scores 0,
   and the script adds one question at a time, the review and the results receipt (receipt.js).
   Progress is saved per build of the quiz (data-quiz-version). Scoring is window.primerScoring
   (scoring.js). */
(() => {
  "use strict";

  var S = window.primerScoring, score = S.score;

  /* ---------- small helpers ---------- */

  var $ = (sel, el) => (el || document).querySelector(sel);
  var $$ = (sel, el) => [...(el || document).querySelectorAll(sel)];
  var text = el => el ? el.textContent.replace(/\s+/g, " ").trim() : "";
  var cap = t => t.charAt(0).toUpperCase() + t.slice(1);
  var plural = (n, w) => n + " " + w + (n === 1 ? "" : "s");
  function make(tag, cls, words) {
    var el = document.createElement(tag);
    if (cls) el.className = cls;
    if (words !== undefined) el.textContent = words;
    return el;
  }
  function button(words, cls, act) {
    var b = make("button", cls, words);
    b.type = "button";
    b.onclick = act;
    return b;
  }
  function shuffle(list) {
    for (var i = list.length - 1; i > 0; i--) {
      var j = Math.floor(Math.random() * (i + 1)), t = list[i];
      list[i] = list[j]; list[j] = t;
    }
    return list;
  }
  /* Feedback written as a verdict ("Right: …", "No; …") loses it: the page says right or wrong once. */
  var plain = t => cap(String(t || "").replace(/^(right|correct|yes|no|wrong|incorrect|not quite|not right)\s*[.:;,!]\s*/i, ""));
  function say(region, words) {
    region.textContent = "";
    setTimeout(() => { region.textContent = words; }, 30);
  }

  /* ---------- reading and writing responses in the form ---------- */

  function read(s, q) {
    var f = $("form", s), c = $("input:checked", f), box = $("input[type=text], textarea", f);
    switch (q.type) {
      case "single": return c ? Number(c.value) : null;
      case "true-false": return c ? c.value === "true" : null;
      case "multiple": {
        var picked = $$("input:checked", f).map(i => Number(i.value));
        return picked.length ? picked.sort((a, b) => a - b) : null;
      }
      case "short": case "open": return box.value.trim() ? box.value : null;
      case "numeric": return box.value.trim() ? S.parseNumber(box.value) : null;
      case "ordering": return $$(".order-list > li", f).map(li => Number(li.dataset.index));
      case "matching": {
        var picks = $$("select", f).map(el => el.value);
        return picks.some(Boolean) ? picks : null;
      }
      case "cloze": {
        var out = {}, any = false;
        $$("input, select", f).forEach(el => { out[el.name] = el.value; if (el.value.trim()) any = true; });
        return any ? out : null;
      }
    }
    return null;
  }

  function write(s, q, r) {
    var f = $("form", s);
    switch (q.type) {
      case "single": case "true-false":
        $$("input", f).forEach(i => { i.checked = i.value === String(r); });
        break;
      case "multiple":
        $$("input", f).forEach(i => { i.checked = r.indexOf(Number(i.value)) >= 0; });
        break;
      case "short": case "numeric": case "open":
        $("input[type=text], textarea", f).value = String(r);
        break;
      case "ordering": {
        var list = $(".order-list", f);
        r.forEach(k => { var li = $('li[data-index="' + k + '"]', list); if (li) list.append(li); });
        break;
      }
      case "matching":
        $$("select", f).forEach((el, k) => { el.value = r[k] || ""; });
        break;
      case "cloze":
        $$("input, select", f).forEach(el => { el.value = r[el.name] || ""; });
    }
  }

  /* ---------- words: a response, the right answer and an option's feedback, as the page shows them ---------- */

  var label = (s, k) => text($('.option[data-index="' + k + '"] label', s));
  var optionFeedback = (s, k) => text($$(".option-feedback > li > span", s)[k]);
  var rightWords = (s, q) => q.type === "open" ? "" : text($("details.answer p", s)).replace(/^Answer:\s*/, "");

  function feedbackText(s, q, r, res, tries) {
    if (!res) return "Saved. Your teacher marks this one; compare your answer with the model answer below.";
    var parts = res.parts, n = parts ? parts.filter(Boolean).length : 0, more = [];
    var head = res.fraction > 0 ? "Partly right: " : "Not correct: ";
    if (res.correct) {
      head = tries === 1 ? "Correct." : tries ? "Correct on the " + (["", "", "second", "third"][tries] || "next") + " try. Only your first try counts towards your score." : "Correct, but the answer was shown first, so it scores 0.";
    } else if (q.type === "multiple") {
      var hits = r.filter(k => q.choices[k].correct).length;
      head += hits + " of " + q.choices.filter(c => c.correct).length + " right options chosen" + (r.length > hits ? ", and " + plural(r.length - hits, "wrong one") : "") + ".";
    } else if (parts) head += n + " of " + parts.length + (q.type === "ordering" ? " in the right place." : " right.");
    else head = "Not correct.";
    if (q.type === "single") more.push(optionFeedback(s, r));
    if (q.type === "true-false") more.push(plain(r ? q.feedback_true : q.feedback_false));
    if (q.type === "multiple") {
      q.choices.forEach((c, k) => {
        if ((r.indexOf(k) >= 0) !== c.correct) {
          more.push((c.correct ? "You missed “" + label(s, k) + "”: " : "“" + label(s, k) + "” is not one to choose: ") + optionFeedback(s, k));
        }
      });
    }
    if (!res.correct && (q.type === "short" || q.type === "numeric")) more.push("The answer: " + rightWords(s, q) + ".");
    more.push(res.correct ? "The reason and its sources are below." : "The right " + (q.type === "ordering" ? "places are" : parts ? "answers are" : "answer is") + " marked; the reason and its sources are below.");
    return head + " " + more.filter(Boolean).join(" ");
  }

  /* ---------- marks: an icon and words beside each answer, never colour alone ---------- */

  function addMark(where, how, words, after) {
    var m = make("span", "mark " + how), icon = make("span", "", how === "bad" ? "✗" : "✓");
    icon.setAttribute("aria-hidden", "true");
    m.append(icon, " " + words);
    if (after) where.after(m); else where.append(m);
  }

  function unmark(s) {
    $$(".mark", s).forEach(m => m.remove());
    s.classList.remove("is-right", "is-wrong", "is-partly");
  }

  /* Marks for a checked response (res), or with no result the right answers only (a shown answer). */
  function mark(s, q, res) {
    unmark(s);
    if (res) s.classList.add(res.correct ? "is-right" : res.fraction > 0 ? "is-partly" : "is-wrong");
    var parts = res && res.parts || [], how = ok => !res ? "miss" : ok ? "ok" : "bad";
    switch (q.type) {
      case "single": case "multiple": case "true-false":
        $$(".option", s).forEach(opt => {
          var i = $("input", opt), right = q.type === "true-false" ? i.value === String(q.answer) : q.choices[i.value].correct;
          if (i.checked && res) addMark(opt, how(right), right ? "Your answer — right" : "Your answer — wrong");
          else if (right) addMark(opt, "miss", "Right answer");
        });
        break;
      case "ordering":
        $$(".order-list > li", s).forEach((li, p) => {
          var k = Number(li.dataset.index);
          addMark($(".item-text", li), how(k === p), k === p ? "in the right place" : "belongs at number " + (k + 1), true);
        });
        break;
      case "matching":
        $$("select", s).forEach((el, k) => addMark(el, how(parts[k]), parts[k] ? "Right" : "Right answer: " + q.pairs[k].right, true));
        break;
      case "cloze":
        q.blanks.forEach((b, k) => {
          var el = $('[name="' + b.id + '"]', s);
          if (el) addMark(el, how(parts[k]), parts[k] ? "Right" : "Right answer: " + (b.choices && b.choices.length ? b.answer : b.accept[0]), true);
        });
        break;
      case "short": case "numeric": {
        var box = $("input[type=text]", s);
        if (!res || !res.correct) addMark(box, "miss", "Right answer: " + rightWords(s, q), true);
        if (res) addMark(box, how(res.correct), res.correct ? "Your answer — right" : "Your answer — wrong", true);
      }
    }
  }

  /* ---------- ordering controls ---------- */

  function orderingControls(s) {
    var list = $(".order-list", s);
    if (!list) return;
    $$("li", list).forEach(li => {
      var words = text($(".item-text", li)), box = make("span", "move");
      ["up", "down"].forEach(d => {
        var b = button("Move " + d, "move-" + d, () => {
          var other = d === "up" ? li.previousElementSibling : li.nextElementSibling;
          if (!other) return say($(".feedback", s), "“" + words + "” is already " + (d === "up" ? "first." : "last."));
          if (d === "up") list.insertBefore(li, other); else list.insertBefore(other, li);
          b.focus();
          say($(".feedback", s), "“" + words + "” moved to position " + ([...list.children].indexOf(li) + 1) + " of " + list.children.length + ".");
        });
        b.setAttribute("aria-label", "Move " + d + ": " + words);
        box.append(b);
      });
      li.append(box);
    });
  }

  /* ---------- one quiz ---------- */

  function setupQuiz(root) {
    var meta = $(".quiz-meta", root), topic = root.dataset.quiz, version = root.dataset.quizVersion || "";
    var key = "primer-quiz:" + topic, store = null, changed = false;
    var sections = $$("section.question", root), byId = {};
    meta = meta && JSON.parse(meta.textContent);
    sections.forEach((s, k) => { s.q = JSON.parse($(".q-data", s).textContent); s.k = k; byId[s.q.id] = s; });
    try { store = JSON.parse(localStorage.getItem(key)); } catch (e) { /* unreadable: start fresh */ }
    if (!store || store.v !== version || typeof store.q !== "object" || !store.q) {
      changed = !!store;
      store = { v: version, q: {} };
    }
    var page = null, rec = store.q, shown = "The answer is shown below. This question scores 0, but you can still try it.";
    var save = () => { try { localStorage.setItem(key, JSON.stringify(store)); } catch (e) { /* private mode */ } };
    /* Time on the quiz: the gaps between actions, each at most 5 minutes (a break is not quiz time). */
    function tick() {
      var now = Date.now();
      if (!store.t0) { store.t0 = new Date(now).toISOString(); store.t = 0; }
      if (store.last) store.t += Math.min(now - store.last, 3e5) / 1000;
      store.last = now;
    }
    function show(s, res, words) {
      var d = $("details.answer", s);
      mark(s, s.q, res);
      if (words) say($(".feedback", s), words);
      d.hidden = false;
      d.open = true;
    }
    function check(s) {
      var q = s.q, region = $(".feedback", s), r = read(s, q);
      if (r === null) return say(region, "Give an answer first, then check it.");
      if (typeof r === "number" && isNaN(r)) return say(region, "Type a number, such as 28500 or 2.5, then check it.");
      var res = score(q, r), got = rec[q.id] || (rec[q.id] = { n: 0 });
      got.n += 1;
      got.r = r;
      got.ok = !!(res && res.correct);
      if (got.f === undefined) { got.f = res ? res.fraction : null; got.c = res ? res.correct : null; got.p = r; }
      tick();
      save();
      show(s, res, feedbackText(s, q, r, res, got.x ? 0 : got.n));
      $("button.check", s).textContent = "Check again";
      if (page) page.update();
    }
    /* A question as it was before any answer (its answer hidden again on a quiz page). */
    function reset(s) {
      var d = $("details.answer", s);
      $("form", s).reset();
      unmark(s);
      $(".feedback", s).textContent = "";
      $("button.check", s).textContent = "Check answer";
      d.open = false;
      d.hidden = !!meta;
    }
    function reveal(s) {
      var got = rec[s.q.id] || (rec[s.q.id] = { n: 0 });
      got.x = true;
      if (got.f === undefined) { got.f = 0; got.c = false; }
      tick();
      save();
      show(s, null, shown);
      page.update();
    }

    sections.forEach(s => {
      var actions = $(".q-actions", s);
      actions.hidden = false;
      if (meta) {
        actions.append(button("Show answer", "reveal", () => reveal(s)));
        $("details.answer", s).hidden = true;
      }
      orderingControls(s);
      $("form", s).addEventListener("submit", e => { e.preventDefault(); check(s); });
      $(".q-title", s).tabIndex = -1;
    });
    /* Saved answers. One that no longer fits its question (changed type or options) is dropped, never
       allowed to break the page. */
    Object.keys(rec).forEach(id => {
      var s = byId[id], got = rec[id];
      try {
        if (got.r !== undefined) {
          write(s, s.q, got.r);
          if (read(s, s.q) === null) throw new Error("the saved answer no longer fits");
          var res = score(s.q, got.r);
          show(s, res);
          $(".feedback", s).textContent = feedbackText(s, s.q, got.r, res, got.x ? 0 : got.n);
          $("button.check", s).textContent = "Check again";
        } else if (got.x) show(s, null, shown);
        else throw new Error("nothing saved");
      } catch (e) {
        delete rec[id];
        if (s) reset(s);
      }
    });
    save();
    if (!meta) return;
    page = { root: root, meta: meta, topic: topic, version: version, changed: changed, store: store, sections: sections, byId: byId, save: save, tick: tick, reset: reset };
    quizPage(page);
  }

  /* ---------- the quiz page: one question at a time, the run of questions (the short quiz, the full
     bank, or the ones missed), the review at the end and the results receipt (receipt.js) ---------- */

  function quizPage(page) {
    var root = page.root, meta = page.meta, topic = page.topic, version = page.version, store = page.store, rec = store.q;
    var sections = page.sections, byId = page.byId, save = page.save, tick = page.tick, prefKey = "primer-quiz-all";

    /* ---------- words for the review and the receipt ---------- */

    function answerWords(s, q, r) {
      if (r === null || r === undefined) return "";
      switch (q.type) {
        case "single": return label(s, r);
        case "multiple": return r.map(k => label(s, k)).join("; ");
        case "true-false": return r ? "True" : "False";
        case "ordering": return r.map(k => text($('.order-list [data-index="' + k + '"] .item-text', s))).join(" → ");
        case "matching": return $$(".match-row label", s).map((l, k) => text(l) + " → " + (r[k] || "no answer")).join("; ");
        case "cloze": return $$(".cloze [name]", s).map(el => r[el.name] || "no answer").join("; ");
      }
      return String(r);
    }

    /* The stem in plain text, at most 200 characters (blanks as "___"). */
    function prompt(s) {
      var box = $(".cloze", s), words;
      if (box) {
        box = box.cloneNode(true);
        $$(".mark", box).forEach(el => el.remove());
        $$("[name]", box).forEach(el => el.replaceWith("___"));
        words = text(box);
      } else words = (text($("legend", s)) + " " + text($(".stem-more, .stem", s))).trim();
      return words.length > 200 ? words.slice(0, 199).replace(/\s+\S*$/, "") + "…" : words;
    }

    /* ---------- printed versions: quiz.html?version=B shows exactly the order of version B's sheet ---------- */

    function applyVersion(root, sections) {
      var match = /[?&]version=([A-Za-z])(?:&|$)/.exec(location.search), data = $(".quiz-versions", root);
      if (!match || !data) return null;
      var letter = match[1].toUpperCase(), v = JSON.parse(data.textContent)[letter], note = make("p", "version-note");
      root.prepend(note);
      note.textContent = "There is no version " + letter + " of this quiz; the questions are in their usual order.";
      if (!v) return null;
      var ordered = v.order.map(id => sections.find(s => s.id === id)).filter(Boolean);
      sections.forEach(s => { if (ordered.indexOf(s) < 0) ordered.push(s); });
      ordered.forEach(s => {
        var parts = v.parts[s.id], q = s.q, box = $(".options, .order-list", s);
        if (!parts) return;
        if (box) parts.forEach(i => { var el = $('[data-index="' + i + '"]', box); if (el) box.append(el); });
        if (q.type !== "matching") return;
        /* The sheet letters the answers A, B, C … in the version's order; so does the projected quiz. */
        var rights = q.pairs.map(p => p.right).concat(q.distractors || []), printed = $(".match-answers ol", s);
        $$("select", s).forEach(sel => {
          parts.forEach((i, k) => {
            var o = [...sel.options].find(o => o.value === rights[i]);
            if (o) { o.value = rights[i]; o.textContent = String.fromCharCode(65 + k) + ". " + rights[i]; sel.append(o); }
          });
        });
        if (printed) parts.forEach(i => { var li = [...printed.children].find(el => el.textContent === rights[i]); if (li) printed.append(li); });
      });
      note.textContent = "Version " + letter + " · code " + v.code + ": the questions and options are in the order of the printed sheet of version " + letter + ".";
      return ordered;
    }


    /* ---------- the run of questions, one at a time ---------- */


    var total = sections.length, short = (meta.short || []).filter(k => k < total), versioned = applyVersion(root, sections);
    var run = [], pos, one = true, missed = [], nav, pager, review, progress, status, jump;
    var ids = list => list.map(s => s.q.id);
    var defaultSet = mode => ids(versioned || (mode === "short" ? short.map(k => sections[k]) : sections));
    var done = s => rec[s.q.id] && rec[s.q.id].f !== undefined;
    try { one = localStorage.getItem(prefKey) !== "1"; } catch (e) { /* private mode */ }
    if (versioned || (short.length >= total && store.mode !== "missed")) store.mode = "full";
    store.mode = store.mode || "short";
    if (!Array.isArray(store.set) || versioned) store.set = defaultSet(store.mode);
    store.set = store.set.filter(id => byId[id]);
    if (!store.set.length) store.set = defaultSet(store.mode);
    pos = Math.max(0, Math.min(Number(store.pos) || 0, store.set.length));

    function state(s) {
      var got = rec[s.q.id];
      if (!done(s)) return "not answered";
      if (got.c === null) return "answered, for your teacher";
      if (got.x && !got.n) return "answer shown";
      return got.c ? "right" : got.f > 0 ? "partly right" : "wrong";
    }
    function arrange() {
      run = store.set.map(id => byId[id]);
      /* The rest follow, numbered on (a printed worksheet shows every question). */
      run.concat(sections.filter(s => run.indexOf(s) < 0)).forEach((s, k) => {
        root.insertBefore(s, pager);
        $(".q-title", s).firstChild.textContent = "Question " + (k + 1) + " ";
      });
    }
    function update() {
      var n = run.filter(done).length, next = $(".next", pager);
      progress.max = run.length;
      progress.value = n;
      status.textContent = (one && pos < run.length ? "Question " + (pos + 1) + " of " + run.length + " · " : "") + n + " of " + run.length + " answered" +
        (store.mode === "short" ? " · a short quiz: " + run.length + " of " + total + " questions" : store.mode === "missed" ? " · the ones you missed" : "");
      jump.textContent = "";
      run.forEach((s, k) => {
        var li = make("li");
        li.append(button("Question " + (k + 1) + ": " + state(s), k === pos && one ? "here" : "", () => go(k)));
        jump.append(li);
      });
      var m = $(".mode", nav), full = store.mode === "full";
      m.hidden = versioned || short.length >= total;
      m.textContent = full ? "Take the short quiz (" + short.length + " questions)" : "Take all " + total + " questions";
      m.onclick = () => switchTo(full ? "short" : "full");
      $(".back", pager).hidden = !one || !pos;
      next.textContent = pos < run.length - 1 && one ? "Next" : "See your results";
      next.hidden = pos >= run.length;
      $(".toggle", nav).setAttribute("aria-pressed", String(!one));
      var again = $(".restart", nav);
      delete again.dataset.sure;
      again.textContent = "Start over";
    }
    function go(k, quiet) {
      pos = store.pos = Math.max(0, Math.min(k, run.length));
      tick();
      var reviewing = pos >= run.length;
      root.classList.toggle("rv", reviewing);
      sections.forEach(s => s.classList.toggle("off", reviewing || run.indexOf(s) < 0 || (one && s !== run[pos])));
      review.hidden = !reviewing;
      pager.hidden = reviewing;
      if (reviewing) results();
      save();
      update();
      if (!quiet) $(reviewing ? "h2" : ".q-title", reviewing ? review : run[pos]).focus();
    }
    function switchTo(mode, set) {
      store.mode = mode;
      store.set = set || defaultSet(mode);
      arrange();
      var first = run.findIndex(s => !done(s));
      go(first < 0 ? 0 : first);
    }
    /* A new run: answers cleared, questions and options reshuffled, except options that are a scale. */
    function restart(mode, set) {
      set.forEach(id => {
        var s = byId[id];
        delete rec[id];
        page.reset(s);
        $$(".options:not([data-scale]), .order-list", s).forEach(box => shuffle([...box.children]).forEach(el => box.append(el)));
      });
      store.t0 = store.last = store.done = null;
      var note = $(".version-note", root);
      if (note) note.remove(); /* reshuffled: no longer a printed version's order */
      versioned = null;
      switchTo(mode, shuffle(set.slice()));
    }

    /* ---------- results: the review and the receipt ---------- */

    function receipt() {
      var points = 0, possible = 0, tally = {};
      var questions = run.map((s, k) => {
        var q = s.q, got = rec[q.id] || {}, open = q.type === "open", o = meta.objectives[meta.of[s.k]];
        if (!open) {
          possible += q.points;
          points += q.points * (got.f || 0);
          if (o) { var t = tally[o[0]] || (tally[o[0]] = [0, 0]); t[1] += 1; if (got.c) t[0] += 1; }
        }
        return {
          id: q.id, number: k + 1, type: q.type, prompt: prompt(s), objective: o ? o[0] : "",
          response: got.p === undefined ? null : got.p, answer_text: answerWords(s, q, got.p), right_answer: rightWords(s, q),
          correct: open ? null : !!got.c, score: open ? null : got.f || 0, attempts: got.n || 0, revealed: !!got.x
        };
      });
      var now = new Date().toISOString(), r = {
        format: "primer-receipt", version: 1, site: meta.site, topic: topic, topic_title: meta.title, quiz_version: version,
        mode: store.mode, student: ($(".student", review) || {}).value || "", started: store.t0 || now, finished: store.done || now,
        seconds: Math.round(store.t || 0), score: { points: Math.round(points * 100) / 100, possible: possible }, questions: questions,
        objectives: meta.objectives.filter(o => tally[o[0]]).map(o => ({ id: o[0], text: o[1], right: tally[o[0]][0], of: tally[o[0]][1] }))
      };
      r.code = window.primerReceipt ? window.primerReceipt.code(r) : "";
      return r;
    }
    function download() {
      var r = receipt(), a = make("a");
      a.href = URL.createObjectURL(new Blob([JSON.stringify(r, null, 2)], { type: "application/json" }));
      a.download = "results-" + topic + "-" + r.code + ".json";
      document.body.append(a);
      a.click();
      a.remove();
      setTimeout(() => URL.revokeObjectURL(a.href), 1000);
      $(".rv-code", review).textContent = "Saved as " + a.download + ". Your results code is " + r.code + ".";
    }
    function results() {
      if (run.every(done)) store.done = store.done || new Date().toISOString();
      var r = receipt(), waiting = 0, later = 0, open = r.questions.filter(i => i.correct === null).length;
      var ul = $(".rv-objectives ul", review), ol = $(".missed", review);
      missed = [];
      r.questions.forEach((item, k) => {
        var got = rec[item.id];
        if (!got || got.f === undefined) waiting += 1;
        else if (item.correct === false) { missed.push(k); if (got.ok && !got.x) later += 1; }
      });
      $(".rv-score", review).textContent = "Score: " + r.score.points + " of " + plural(r.score.possible, "point") + " on the first try: " +
        r.questions.filter(i => i.correct).length + " of " + (r.questions.length - open) + " questions right first time" +
        (later ? ", " + later + " more right on a later try (not counted)" : "") + ". " +
        (open ? plural(open, "open question") + " for your teacher to mark. " : "") + (waiting ? plural(waiting, "question") + " not answered yet. " : "") +
        "Time: " + (r.seconds > 59 ? Math.floor(r.seconds / 60) + " min " : "") + (r.seconds % 60) + " s.";
      ul.textContent = ol.textContent = "";
      ul.parentNode.hidden = !r.objectives.length;
      r.objectives.forEach(o => ul.append(make("li", "", cap(o.text.replace(/^students (can|will be able to) /i, "").replace(/\.$/, "")) + ": " + o.right + " of " + o.of + " right.")));
      ol.parentNode.hidden = !missed.length;
      missed.forEach(k => {
        var item = r.questions[k], got = rec[item.id], li = make("li");
        li.append(make("p", "", "Question " + item.number + ": " + item.prompt),
          make("p", "", got.p !== undefined ? "Your first answer: " + item.answer_text + (got.f > 0 ? " (partly right)." : " (wrong).") : "You asked to see the answer."),
          make("p", "", "Right answer: " + item.right_answer), make("p", "", text($(".explanation", run[k]))),
          button("Go to question " + item.number, "", () => go(k)));
        ol.append(li);
      });
    }

    /* ---------- the controls ---------- */

    var ui = $("template.quiz-ui", root).content, on = (sel, act) => { $(sel, root).onclick = act; };
    nav = $(".qnav", ui);
    pager = $(".qpager", ui);
    review = $(".qreview", ui);
    status = $(".qstatus", nav);
    progress = $("progress", nav);
    jump = $(".jump ol", nav);
    $(".changed", nav).hidden = !page.changed;
    root.prepend(nav);
    root.append(pager, review);
    on(".toggle", () => {
      one = !one;
      try { localStorage.setItem(prefKey, one ? "0" : "1"); } catch (e) { /* private mode */ }
      go(Math.min(pos, run.length - 1));
    });
    on(".to-review", () => go(run.length));
    /* Two presses, so that a stray one never clears a student's work. */
    on(".restart", e => {
      if (e.target.dataset.sure) restart(store.mode, store.set);
      else { e.target.dataset.sure = 1; e.target.textContent = "Start over: press again to clear your answers"; }
    });
    on(".back", () => go(pos - 1));
    on(".next", () => go(one ? pos + 1 : run.length));
    on(".retry-missed", () => restart("missed", missed.map(k => run[k].q.id)));
    on(".download", download);
    on(".print", () => print());
    (meta.scales || []).forEach(k => { var box = sections[k] && $(".options", sections[k]); if (box) box.dataset.scale = ""; });
    root.classList.add("one");
    arrange();
    store.last = Date.now();
    /* A link to one question (quiz.html#id) opens at it. */
    function fromHash() {
      var s = byId[decodeURIComponent(location.hash.slice(1))];
      if (!s) return false;
      if (run.indexOf(s) < 0) switchTo("full");
      go(run.indexOf(s));
      return true;
    }
    addEventListener("hashchange", fromHash);
    if (!fromHash()) go(pos, true);
    page.update = update;
  }

  window.primerQuiz = { score: score, normalise: S.normalise, parseNumber: S.parseNumber };
  function start() { $$("[data-quiz]").forEach(setupQuiz); }
  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
