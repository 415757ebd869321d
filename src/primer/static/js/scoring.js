/* primer scoring: exactly the rules of primer.quiz.scoring (see its docstring);
   tests/data/scoring-cases.json is run against both. Used by quiz.js; load it first. */
(function () {
  "use strict";


  function isInt(v) { return typeof v === "number" && isFinite(v) && Math.floor(v) === v; }

  function norm(text, punctuation) {
    var t = String(text).normalize("NFKC").toUpperCase().toLowerCase();
    return t.replace(/\p{P}/gu, punctuation || "").replace(/\s+/gu, " ").trim();
  }

  function sameAnswer(given, accepted) {
    var a = norm(given), b = norm(accepted), c = norm(given, " "), d = norm(accepted, " ");
    return (a === b && a !== "") || (c === d && c !== "");
  }

  function shortOk(accept, pattern, r) {
    if (typeof r !== "string") return false;
    for (var i = 0; i < accept.length; i++) if (sameAnswer(r, accept[i])) return true;
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
