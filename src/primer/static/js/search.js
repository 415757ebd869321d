/* primer search page: ranks the index the page ships (no fetch(), so it works from file://).
   The index is described in src/primer/search.py. */
(() => {
  const $ = (id) => document.getElementById(id);
  const input = $("q"), status = $("search-status"), out = $("search-results");
  const raw = JSON.parse($("search-index").textContent), stop = new Set(raw.stop.split(" "));

  /* Words without accents, case or punctuation ("Kōno's" → kono, s), plurals made singular (batteries →
     battery), stop words dropped unless there is nothing else ("what is a battery" → battery). */
  const stem = (w) => w[3] && !/(is|us|ss)$/.test(w) ? w.replace(/ies$/, "y").replace(/([xz]|[cs]h|ss)es$/, "$1").replace(/s$/, "") : w;
  const terms = (text) => {
    const all = text.normalize("NFKD").replace(/\p{M}/gu, "").toLowerCase().split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w[1] || /\d/.test(w));
    const kept = all.filter((w) => !stop.has(w));
    return (kept[0] ? kept : all).map(stem);
  };

  /* Whether a and b are at most k typos apart (a letter added, dropped or changed, or two letters swapped). */
  const near = (a, b, k) => !a || !b ? (a + b).length <= k : a[0] == b[0] ? near(a.slice(1), b.slice(1), k)
    : k > 0 && ([[1, 0], [0, 1], [1, 1], [2, 2]].some(([i, j]) => (i < 2 || a[1] == b[0] && a[0] == b[1]) && near(a.slice(i), b.slice(j), k - 1)));

  /* vocab: word → Map(entry number → weight): a name (title, alias) weighs 10, the snippet 4, other words 2. */
  const vocab = new Map();
  const add = (words, n, weight) => words.forEach((w) => {
    const at = vocab.get(w) || vocab.set(w, new Map()).get(w);
    at.set(n, Math.max(at.get(n) || 0, weight));
  });
  const entries = raw.entries.map(([kind, prior, page, anchor, title, snippet = "", also = ""], n) => {
    const names = [...title.split(/ \((.*)\)$/), ...also.split("|")].map(terms);
    names.forEach((words) => add(words, n, 10));
    add(terms(snippet), n, 4);
    return { kind, prior, page: raw.pages[page], anchor, title, snippet, names: names.map(String) };
  });
  for (const pair of raw.words.split(" ")) {
    const [word, list] = pair.split(":"), words = terms(word); // read once for all its entries
    let n = -1, g = 0; // each entry: how many lie between it and the last, in base 26 (A–Z, then a–z for its last digit)
    for (const c of list) c < "a" ? g = g * 26 + c.charCodeAt() - 65 : (n += g * 26 + c.charCodeAt() - 96, g = 0, add(words, n, 2));
  }
  const titleOf = {};
  for (const e of entries) if (!e.anchor) titleOf[e.page] ||= e.title;

  /* A word of the index matches a word of the query 1 when the same, 0.8 when it begins with it and, only when
     no word begins with it, 0.5 when a typo away (two for words of 8 letters or more). An entry scores its
     best weight × match for each query word, plus 100 when the query (typos mended) is one of its names
     ("thaad", "what is a battery", "answer key"), times its prior. Entries with the most query words count. */
  const rank = (query) => {
    const want = terms(query), read = [], found = new Map(), words = [...vocab.keys()];
    for (const term of want) {
      const got = new Map(), max = words.some((w) => w.startsWith(term)) ? 0 : term.length > 7 ? 2 : term.length > 3 ? 1 : 0;
      let fix = term;
      for (const w of words) {
        const q = w == term ? 1 : term[1] && w.startsWith(term) ? 0.8 : max && near(w, term, max) ? 0.5 : 0;
        if (q) vocab.get(w).forEach((weight, n) => got.set(n, Math.max(got.get(n) || 0, q * weight)));
        if (q == 0.5 && !(vocab.get(fix)?.size >= vocab.get(w).size)) fix = w;
      }
      read.push(fix);
      got.forEach((score, n) => {
        const [sum, count] = found.get(n) || [0, 0];
        found.set(n, [sum + score, count + 1]);
      });
    }
    const most = Math.max(...[...found.values()].map((f) => f[1]));
    const hits = [...found].filter(([, f]) => f[1] == most).map(([n, [sum]]) => {
      const e = entries[n];
      return { n, e, score: (sum + (e.names.includes(read + "") ? 100 : 0)) * e.prior };
    });
    return Object.assign(hits.sort((a, b) => b.score - a.score || a.n - b.n), { most, want: want.length });
  };

  const esc = (text) => text.replace(/[&<>"]/g, (c) => "&#" + c.charCodeAt(0) + ";");

  const items = (hits, kind, start) => "<ol start=" + start + ">" + hits.map(({ e }) => '<li><a href="' +
    esc(out.dataset.root + e.page + (e.anchor ? "#" + e.anchor : "")) + '">' + esc(e.title) + "</a>" +
    (kind ? ' <span class="result-kind">' + raw.kinds[e.kind] + "</span>" : "") +
    (e.anchor && titleOf[e.page] ? ' <span class="result-in">in ' + esc(titleOf[e.page]) + "</span>" : "") +
    (e.snippet && "<p>" + esc(e.snippet) + "</p>") + "</li>").join("") + "</ol>";

  /* A titled list of results; past the first five, the rest fold away. */
  const group = (label, hits, best) => '<section class="result-group"><h2>' + esc(label) + "</h2>" + items(hits.slice(0, 5), best, 1) +
    (hits[5] ? "<details><summary>Show " + (hits.length - 5) + " more</summary>" + items(hits.slice(5), 0, 6) + "</details>" : "") + "</section>";

  /* Best matches first, whatever their kind; then the rest grouped by kind, the group with the best result first. */
  const run = (query) => {
    const hits = rank(query), groups = new Map();
    out.textContent = status.textContent = "";
    if (!hits[0]) {
      const none = $("search-none").content.cloneNode(true);
      none.querySelector("q").textContent = query;
      return hits.want && status.append(none);
    }
    for (const hit of hits.slice(3)) groups.set(hit.e.kind, [...groups.get(hit.e.kind) || [], hit]);
    out.innerHTML = group("Best matches", hits.slice(0, 3), 1) +
      [...groups].map(([kind, list]) => group(raw.kinds[kind] + " (" + list.length + ")", list)).join("");
    status.textContent = hits.length + " result" + (hits[1] ? "s" : "") + " for “" + query.trim() + "”." +
      (hits.most < hits.want ? " No page has all these words." : "");
  };

  let timer;
  const update = (wait) => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      run(input.value);
      try {
        history.replaceState(null, "", input.value.trim() ? "?q=" + encodeURIComponent(input.value) : location.pathname);
      } catch { /* some browsers refuse on file:// */ }
    }, wait);
  };
  input.oninput = () => update(200);
  input.form.onsubmit = (e) => { e.preventDefault(); update(0); };

  input.value = new URLSearchParams(location.search).get("q") || "";
  run(input.value);
})();
