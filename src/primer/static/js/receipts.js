/* The teacher page that reads quiz receipts (their format is in receipt.js; load that first). The page's
   <template>s hold the tables; this fills them. Files are read in this browser with File.text(); nothing
   is sent anywhere or stored: the receipts are kept in memory only, until "Clear" or the page closes. */
(() => {
  const doc = document, R = window.primerReceipt, $ = id => doc.getElementById(id);
  const box = $("receipts-open"), input = $("receipt-files"), status = $("receipts-status");
  const pick = $("receipt-quiz"), out = $("receipts-class");
  if (!R || !box) return;
  let keys, all, bad, dups, chosen;
  const reset = () => { keys = new Set(); all = []; bad = []; dups = 0; };

  /* An element with text and children (text or nodes; false ones are left out). */
  const el = (tag, text, kids = [], cls = "") => {
    const e = doc.createElement(tag);
    e.className = cls;
    e.append(text, ...kids.filter(k => k));
    return e;
  };
  const plural = (n, word) => n + " " + word + (n === 1 ? "" : "s");
  const pct = (a, b) => (b ? Math.round((100 * a) / b) + "%" : "–");
  const of = (a, b) => a + " of " + b + " (" + pct(a, b) + ")";
  const who = r => r.student || "(no name)";
  const by = key => (a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0);
  /* Fills a table's body with rows, each an array of cells (text or nodes). */
  const fill = (body, rows) => body.replaceChildren(...rows.map(r => el("tr", "", r.map(c => el("td", "", [c])))));

  const why = r => {
    if (!r || r.format !== "primer-receipt") return "it is not a primer quiz receipt";
    if (r.version !== 1) return "it comes from another version of primer (receipt version " + r.version + ")";
    if (!Array.isArray(r.questions) || !r.questions.every(Boolean) || !(r.score && r.score.points >= 0))
      return "parts of the receipt are missing";
  };

  const add = (file, text) => {
    let r, key;
    try { r = JSON.parse(text); } catch (e) { return bad.push([file, "it is not a JSON file"]); }
    if (why(r)) return bad.push([file, why(r)]);
    const ok = R.check(r);
    if (keys.has((key = ok ? r.code : R.canonical(r)))) return dups++;
    keys.add(key);
    all.push({ r, ok });
  };

  const read = files => Promise.all(Array.from(files, f =>
    f.text().then(t => add(f.name, t), () => bad.push([f.name, "it could not be opened"])))).then(render);

  /* Groups the receipts by topic: the picker offers each; the class of the chosen one is shown. */
  function render() {
    const groups = {};
    all.forEach(w => (groups[w.r.topic] = groups[w.r.topic] || []).push(w));
    const ids = Object.keys(groups).sort();
    status.textContent = plural(all.length, "receipt") + " read" +
      (dups ? "; " + plural(dups, "duplicate file") + " counted once" : "") +
      (bad.length ? "; " + plural(bad.length, "file") + " could not be read" : "") + ".";
    $("receipt-problems").replaceChildren(...bad.sort().map(b => el("li", "Could not read “" + b[0] + "”: " + b[1] + ".")));
    if (!groups[chosen]) chosen = ids[0];
    pick.replaceChildren(...ids.map(id => new Option((groups[id][0].r.topic_title || id) + " (" + plural(groups[id].length, "receipt") + ")", id, 0, id === chosen)));
    pick.parentNode.hidden = ids.length < 2;
    out.replaceChildren(chosen ? klass(groups[chosen]) : "");
  }

  function klass(list) {
    list.sort(by(w => who(w.r) + "\n" + w.r.finished));
    const part = $("receipt-class").content.cloneNode(true), get = s => part.querySelector(s);
    const versions = new Set(), qs = {}, objs = {}, bins = [0, 0, 0, 0, 0];
    let sum = 0;
    list.forEach(({ r }) => {
      const share = r.score.points / r.score.possible || 0;
      versions.add(r.quiz_version);
      sum += share;
      bins[Math.min(4, Math.floor(share * 5))]++;
      r.questions.forEach(q => {
        const s = (qs[q.id] = qs[q.id] || { q, n: 0, right: 0, marked: 0, blank: 0, wrong: {}, open: [] });
        s.n++;
        if (q.correct === null) return s.open.push([who(r), el("span", q.answer_text || "(no answer)", [], "open-answer")]);
        s.marked++;
        if (q.correct && !q.revealed && q.attempts < 2) s.right++;
        if (!q.correct && q.answer_text) s.wrong[q.answer_text] = (s.wrong[q.answer_text] || 0) + 1;
        s.blank += !q.attempts && !q.revealed;
      });
      (r.objectives || []).forEach(o => {
        const s = (objs[o.id] = objs[o.id] || { text: o.text, right: 0, of: 0, all: 0, n: 0 });
        s.right += o.right; s.of += o.of; s.n++; s.all += o.right === o.of;
      });
    });
    const r0 = list[0].r, most = Math.max(...bins), stats = Object.values(qs).sort(by(s => s.q.number));
    get("h2").textContent = r0.topic_title || r0.topic;
    get("p").textContent = plural(list.length, "receipt") + (r0.site ? " from " + r0.site : "") + ". Average score " +
      pct(sum, list.length) + ".";
    get(".receipts-note").hidden = versions.size < 2;
    fill(get(".t-dist tbody"), bins.map((n, i) => {
      const bar = el("span", "", [], "score-bar");
      bar.style.width = (8 * n) / most + "rem";
      return [i * 20 + "–" + (i > 3 ? 100 : i * 20 + 19) + "%", el("span", "", [bar, n + ""])];
    }));
    fill(get(".t-questions tbody"), stats.map(({ q, n, right, marked, blank, wrong }) => [
      el("span", q.number + ". " + q.prompt, [q.right_answer && el("span", "Answer: " + q.right_answer, [], "receipt-answer")]),
      marked ? of(right, marked) + (blank ? "; " + blank + " did not answer" : "") : "open: see the answers below",
      el("ul", "", Object.keys(wrong).sort(by(a => -wrong[a])).slice(0, 3).map(a => el("li", "“" + a + "”: " + plural(wrong[a], "student")))),
    ]));
    const ol = Object.keys(objs).sort();
    fill(get(".t-objectives tbody"), ol.map(id => [objs[id].text, of(objs[id].right, objs[id].of), of(objs[id].all, objs[id].n)]));
    get(".t-objectives").parentNode.hidden = !ol.length;
    const dp = x => Math.round(x * 100) / 100;
    fill(get(".t-students tbody"), list.map(({ r, ok }) => [
      who(r),
      of(dp(r.score.points), dp(r.score.possible)),
      r.seconds > 0 ? Math.floor(r.seconds / 60) + " min " + Math.round(r.seconds % 60) + " s" : "–",
      get(".t-students").dataset[r.mode] || "",
      el("span", r.code, [!ok && el("strong", " ⚠ this file was changed after it was made", [], "receipt-changed")]),
    ]));
    stats.forEach(s => {
      if (!s.open.length) return;
      const t = $("receipt-open").content.cloneNode(true);
      t.querySelector("caption").append(s.q.number + ": " + s.q.prompt);
      fill(t.querySelector("tbody"), s.open);
      part.firstElementChild.append(t);
    });
    return part;
  }

  reset();
  box.hidden = false;
  pick.onchange = () => { chosen = pick.value; render(); };
  input.onchange = () => { read(input.files); input.value = ""; };
  $("receipts-clear").onclick = () => { reset(); render(); status.textContent = "All receipts cleared."; };
  /* Files dropped anywhere on the page are read (and not opened by the browser instead). */
  doc.ondragover = e => e.preventDefault();
  doc.ondrop = e => { e.preventDefault(); read(e.dataTransfer.files); };
})();
