/* primer receipt code: shared by the quiz page (which writes a results receipt) and the teacher page
   (which reads them). window.primerReceipt = {canonical, code, check}.

   canonical(receipt): JSON with object keys sorted (plain code-unit order, as Array.prototype.sort) at
   every depth, no whitespace, the top-level "code" key left out; strings and numbers as JSON.stringify
   writes them; keys whose value is undefined are dropped, as JSON.stringify does.

   code(receipt): a 40-bit checksum of the canonical string's UTF-8 bytes, written as 8 Crockford
   base-32 characters "XXXX-XXXX" (alphabet 0123456789ABCDEFGHJKMNPQRSTVWXYZ, most significant first).
   The 40 bits are FNV-1a 32-bit with the standard offset basis 0x811C9DC5 (32 high bits) followed by
   the top 8 bits of FNV-1a 32-bit with offset basis 0x5BD1E995 (both use the prime 0x01000193).

   check(receipt): true when receipt.code, read leniently (case, spaces and dashes ignored; O as 0,
   I and L as 1), equals code(receipt).

   This is a hint that a file was mistyped or edited after it was made, not security: anyone can
   recompute it. */
(() => {
  const DIGITS = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";
  const canon = v =>
    v === null || typeof v !== "object" ? JSON.stringify(v === undefined ? null : v)
    : Array.isArray(v) ? "[" + v.map(canon) + "]"
    : "{" + Object.keys(v).sort().filter(k => v[k] !== undefined).map(k => JSON.stringify(k) + ":" + canon(v[k])) + "}";
  const canonical = receipt => canon(Object.assign({}, receipt, { code: undefined }));
  const fnv = (bytes, h) => bytes.reduce((h, b) => Math.imul(h ^ b, 0x01000193) >>> 0, h);
  const code = receipt => {
    const bytes = new TextEncoder().encode(canonical(receipt));
    let n = fnv(bytes, 0x811c9dc5) * 256 + (fnv(bytes, 0x5bd1e995) >>> 24), out = "";
    for (let i = 0; i < 8; i++, n = Math.floor(n / 32)) out = DIGITS[n % 32] + out;
    return out.slice(0, 4) + "-" + out.slice(4);
  };
  const tidy = c => String(c).toUpperCase().replace(/[\s-]/g, "").replace(/O/g, "0").replace(/[IL]/g, "1");
  const check = receipt => !!receipt && typeof receipt.code === "string" && tidy(receipt.code) === tidy(code(receipt));

  window.primerReceipt = { canonical, code, check };
})();
