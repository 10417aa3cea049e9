// Code size of a wasm file by crate (from its name section): which dependencies cost bytes.
// Usage: node bench/wasm-breakdown.mjs target/wasm32-unknown-unknown/release/chat_bubble.wasm
// With `--functions`, by function instead (generic copies summed under one name, hashes dropped).
import { readFileSync } from 'node:fs';

const bytes = readFileSync(process.argv[2]);
let pos = 8;
const leb = () => {
  let result = 0, shift = 0, b;
  do { b = bytes[pos++]; result += (b & 0x7f) * 2 ** shift; shift += 7; } while (b & 0x80);
  return result;
};
let importedFunctions = 0;
const bodySizes = [];
const names = new Map();
while (pos < bytes.length) {
  const id = bytes[pos++];
  const size = leb();
  const end = pos + size;
  if (id === 2) {
    for (let n = leb(); n > 0; n--) {
      pos += leb(); pos += leb();
      const kind = bytes[pos++];
      if (kind === 0) { leb(); importedFunctions++; }
      else if (kind === 1) { pos++; const f = bytes[pos++]; leb(); if (f & 1) leb(); }
      else if (kind === 2) { const f = bytes[pos++]; leb(); if (f & 1) leb(); }
      else if (kind === 3) { pos += 2; }
      else if (kind === 4) { pos++; leb(); }
    }
  } else if (id === 10) {
    for (let n = leb(); n > 0; n--) { const s = leb(); bodySizes.push(s); pos += s; }
  } else if (id === 0) {
    const nameLen = leb();
    const name = bytes.subarray(pos, pos + nameLen).toString();
    pos += nameLen;
    if (name === 'name') {
      while (pos < end) {
        const sub = bytes[pos++];
        const subSize = leb();
        const subEnd = pos + subSize;
        if (sub === 1) {
          for (let n = leb(); n > 0; n--) {
            const idx = leb(); const len = leb();
            names.set(idx, bytes.subarray(pos, pos + len).toString()); pos += len;
          }
        }
        pos = subEnd;
      }
    }
  }
  pos = end;
}
const byFunction = process.argv.includes('--functions');
const byCrate = new Map();
bodySizes.forEach((size, i) => {
  const name = names.get(i + importedFunctions) || '?';
  if (byFunction) {
    const base = name.replace(/::h[0-9a-f]{16}$/, '').replace(/<.*>/, '<…>');
    byCrate.set(base, (byCrate.get(base) || 0) + size);
    return;
  }
  let crate = '?';
  const legacy = name.match(/^_ZN(\d+)/);
  if (legacy) crate = name.substr(legacy[0].length, Number(legacy[1]));
  else if (/^_R/.test(name)) crate = name.match(/C[a-zA-Z0-9_]*?\d+_?([a-z_][a-z0-9_]*)/)?.[1] || 'v0?';
  else crate = name.match(/([a-z_][a-z0-9_]*)::/)?.[1] || name.slice(0, 30);
  byCrate.set(crate, (byCrate.get(crate) || 0) + size);
});
const total = bodySizes.reduce((a, b) => a + b, 0);
console.log(`code bytes: ${total} in ${bodySizes.length} functions (file ${bytes.length})`);
for (const [crate, size] of [...byCrate].sort((a, b) => b[1] - a[1]).slice(0, byFunction ? 80 : 30)) {
  console.log(String(size).padStart(8), crate);
}
