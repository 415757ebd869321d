/* primer scoring: exactly the rules of primer.quiz.scoring (see its docstring);
   tests/data/scoring-cases.json is run against both. Used by quiz.js; load it first. */
(function () {
  "use strict";


  function isInt(v) { return typeof v === "number" && isFinite(v) && Math.floor(v) === v; }

  function norm(text, punctuation) {
    var t = String(text).normalize("NFKC").toUpperCase().toLowerCase();
    return t.replace(/\p{P}/gu, punctuation || "").replace(/\s+/gu, " ").trim();
  }

  /* normalise, then without accents (Mn marks): one reading of a typed answer. */
  function fold(text, punctuation) {
    return norm(text, punctuation).normalize("NFD").replace(/\p{Mn}/gu, "").normalize("NFC");
  }

  /* Damerau-Levenshtein distance (optimal string alignment) over code points. */
  function osa(a, b) {
    a = Array.from(a); b = Array.from(b);
    var before = [], prev = [], row = [], i, j;
    for (j = 0; j <= b.length; j++) row.push(j);
    for (i = 1; i <= a.length; i++) {
      before = prev; prev = row; row = [i];
      for (j = 1; j <= b.length; j++) {
        row[j] = Math.min(prev[j] + 1, row[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
        if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) row[j] = Math.min(row[j], before[j - 2] + 1);
      }
    }
    return row[b.length];
  }

  function has(words, part) {
    for (var i = 0; i + part.length <= words.length; i++) {
      if (words.slice(i, i + part.length).join(" ") === part.join(" ")) return true;
    }
    return false;
  }

  var HEDGES = "or and nor not no never neither none nothing isnt arent wasnt werent dont doesnt didnt cant cannot wont".split(" ");

  /* Rules 1-3 of primer.quiz.scoring: same, contains (not hedged), near (a small misspelling). */
  function matches(given, accepted) {
    var g = [fold(given), fold(given, " ")], a = [fold(accepted), fold(accepted, " ")], k;
    for (k = 0; k < 2; k++) if (g[k] === a[k] && g[k] !== "") return true;
    var own = a[0].split(" ");
    var hedged = g[0].split(" ").some(function (w) { return HEDGES.indexOf(w) >= 0 && own.indexOf(w) < 0; });
    for (k = 0; k < 2; k++) {
      var words = g[k].split(" "), part = a[k].split(" ");
      if (a[k] !== "" && !hedged && words.length - part.length <= 4 && has(words, part)) return true;
    }
    var letters = Array.from(a[0].replace(/ /g, "")).length;
    if (/[0-9]/.test(a[0]) || letters < 5) return false;
    return osa(g[0], a[0]) <= (letters <= 9 ? 1 : 2);
  }

  function shortOk(accept, pattern, r) {
    if (typeof r !== "string") return false;
    for (var i = 0; i < accept.length; i++) if (matches(r, accept[i])) return true;
    if (pattern === null || pattern === undefined) return false;
    var trimmed = r.trim();
    try { return trimmed !== "" && new RegExp("^(?:" + pattern + ")$", "iu").test(trimmed); } catch (e) { return false; }
  }

  function parseNumber(text) {
    var cleaned = String(text).replace(/[\s,\u00a0]/g, "").replace(/[^0-9eE+.\-]+$/, "");
    if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(cleaned)) return NaN;
    return parseFloat(cleaned);
  }

  function whole(ok) { return { correct: ok, fraction: ok ? 1 : 0 }; }
  function fromParts(parts) {
    var n = parts.filter(Boolean).length;
    return { correct: n === parts.length, fraction: n / parts.length, parts: parts };
  }

  /* Returns {correct, fraction, parts?}, or null for an open response (teacher-marked). */
  function score(q, r) {
    var n;
    switch (q.type) {
      case "single":
        return whole(isInt(r) && r >= 0 && r < q.choices.length && q.choices[r].correct);
      case "multiple": {
        n = q.choices.length;
        var valid = Array.isArray(r) && r.every(function (i) { return isInt(i) && i >= 0 && i < n; });
        var chosen = {}, right = 0, hits = 0, wrongPicks = 0, exact = true;
        if (valid) r.forEach(function (i) { chosen[i] = true; });
        var parts = q.choices.map(function (c, i) {
          if (c.correct) { right += 1; if (chosen[i]) hits += 1; } else if (chosen[i]) wrongPicks += 1;
          if (!!chosen[i] !== c.correct) exact = false;
          return !!chosen[i] === c.correct;
        });
        var wrongOptions = n - right;
        var penalty = wrongOptions ? wrongPicks / wrongOptions : 0;
        return { correct: exact, fraction: Math.max(0, hits / right - penalty), parts: parts };
      }
      case "true-false":
        return whole(typeof r === "boolean" && r === q.answer);
      case "short":
        return whole(shortOk(q.accept, q.pattern, r));
      case "numeric": {
        if (typeof r !== "number" || !isFinite(r)) return whole(false);
        var allowed = q.tolerance_kind === "absolute" ? q.tolerance : q.tolerance * Math.abs(q.answer);
        return whole(Math.abs(r - q.answer) <= allowed + 1e-9 * Math.max(1, Math.abs(q.answer)));
      }
      case "ordering": {
        n = q.items.length;
        var ok = Array.isArray(r) && r.map(function (i) { return isInt(i) ? i : -1; })
          .sort(function (a, b) { return a - b; }).join(",") === Array.from({ length: n }, function (_, i) { return i; }).join(",");
        if (!ok) return { correct: false, fraction: 0, parts: q.items.map(function () { return false; }) };
        var placed = r.map(function (item, position) { return item === position; });
        var all = placed.every(Boolean);
        return { correct: all, fraction: all ? 1 : 0, parts: placed };
      }
      case "matching": {
        var given = Array.isArray(r) ? r : [];
        return fromParts(q.pairs.map(function (p, i) {
          return i < given.length && typeof given[i] === "string" && given[i].trim() === p.right;
        }));
      }
      case "cloze": {
        var g = r && typeof r === "object" && !Array.isArray(r) ? r : {};
        return fromParts(q.blanks.map(function (b) {
          var v = Object.prototype.hasOwnProperty.call(g, b.id) ? g[b.id] : null;
          if (b.choices && b.choices.length) return typeof v === "string" && v.trim() === b.answer;
          return shortOk(b.accept, null, v);
        }));
      }
      default:
        return null;
    }
  }

  window.primerScoring = { score: score, normalise: norm, parseNumber: parseNumber };
})();
