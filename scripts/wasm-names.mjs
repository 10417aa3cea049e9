// Shortens the names by which the wasm and its JS glue know each other. wasm-bindgen names every
// import and many exports with a 16-hex-digit hash (`__wbg_appendChild_dbf7ad2f48413560`) and
// repeats the glue's file name before each import; the hashes cannot be compressed and each name
// is written twice, once in each file (4.3 KB of the brotli'd widget, measured). Imports take the
// module name `a` and every hashed or `__wbg_`/`__wbindgen_` name becomes `$` plus a letter or
// two, in both files. The custom sections only tools read (`producers`, `target_features`) go.
import { readFileSync, writeFileSync } from 'node:fs';

const IMPORTS = 2;
const EXPORTS = 7;
const CUSTOM = 0;
const DROPPED_CUSTOM = new Set(['producers', 'target_features']);

/** Names only wasm-bindgen's own interface uses; others (`mount`, the JS API) stay. */
const isInterfaceName = (name) => /^__wbg_|^__wbindgen_|[_h][0-9a-f]{16}$/.test(name);

function readLeb(bytes, at) {
  let value = 0;
  let shift = 0;
  let byte;
  do {
    byte = bytes[at.i++];
    value += (byte & 127) * 2 ** shift;
    shift += 7;
  } while (byte & 128);
  return value;
}

function leb(value) {
  const out = [];
  do {
    let byte = value % 128;
    value = Math.floor(value / 128);
    if (value) byte |= 128;
    out.push(byte);
  } while (value);
  return out;
}

function readName(bytes, at) {
  const length = readLeb(bytes, at);
  const name = bytes.subarray(at.i, at.i + length).toString('utf8');
  at.i += length;
  return name;
}

const encodeName = (name) => {
  const utf8 = Buffer.from(name, 'utf8');
  return [...leb(utf8.length), ...utf8];
};

/** Skips an import's description (what kind of thing it is and its type). Forms this does not
 * know (typed references, custom page sizes) stop the build rather than be misread. */
function skipImportDesc(bytes, at) {
  const kind = bytes[at.i++];
  const unknown = (what) => {
    throw new Error(`wasm-names: an import with ${what} (0x${bytes[at.i - 1].toString(16)})`);
  };
  const valueType = () => {
    const type = bytes[at.i++];
    if (type === 0x63 || type === 0x64) unknown('a typed reference');
  };
  const limits = () => {
    const flags = bytes[at.i++];
    if (flags & ~7) unknown('memory flags');
    readLeb(bytes, at);
    if (flags & 1) readLeb(bytes, at);
  };
  if (kind === 0) readLeb(bytes, at); // function: type index
  else if (kind === 1) { valueType(); limits(); } // table: element type, limits
  else if (kind === 2) limits(); // memory
  else if (kind === 3) { valueType(); at.i++; } // global: value type, mutability
  else if (kind === 4) { at.i++; readLeb(bytes, at); } // tag
  else unknown('an unknown kind');
}

export function shortenWasmNames(wasmPath, gluePath) {
  const wasm = readFileSync(wasmPath);
  let glue = readFileSync(gluePath, 'utf8');
  const renamed = new Map();
  const shortName = (name) => {
    if (!renamed.has(name)) {
      const letters = 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ';
      let n = renamed.size;
      let short = '$';
      do {
        short += letters[n % letters.length];
        n = Math.floor(n / letters.length);
      } while (n);
      renamed.set(name, short);
    }
    return renamed.get(name);
  };
  let importModule = null;
  const imported = new Set();

  const parts = [wasm.subarray(0, 8)];
  const at = { i: 8 };
  while (at.i < wasm.length) {
    const id = wasm[at.i++];
    const size = readLeb(wasm, at);
    const start = at.i;
    const end = start + size;
    let body = wasm.subarray(start, end);
    const inner = { i: start };
    if (id === IMPORTS || id === EXPORTS) {
      const count = readLeb(wasm, inner);
      const out = [...leb(count)];
      for (let k = 0; k < count; k++) {
        if (id === IMPORTS) {
          const module = readName(wasm, inner);
          importModule ??= module;
          if (module !== importModule) throw new Error(`wasm-names: imports from ${module} too`);
          out.push(...encodeName('a'));
        }
        const name = readName(wasm, inner);
        if (id === IMPORTS && isInterfaceName(name)) imported.add(name);
        const descStart = inner.i;
        if (id === IMPORTS) skipImportDesc(wasm, inner);
        else { inner.i++; readLeb(wasm, inner); }
        out.push(...encodeName(isInterfaceName(name) ? shortName(name) : name), ...wasm.subarray(descStart, inner.i));
      }
      body = Buffer.from(out);
    } else if (id === CUSTOM && DROPPED_CUSTOM.has(readName(wasm, inner))) {
      at.i = end;
      continue;
    }
    parts.push(Buffer.from([id, ...leb(body.length)]), body);
    at.i = end;
  }

  const asWord = (name) => new RegExp(`(?<![\\w$])${name.replace(/\$/g, '\\$')}(?![\\w$])`, 'g');
  for (const short of renamed.values()) {
    if (asWord(short).test(glue)) throw new Error(`wasm-names: the glue already uses ${short}`);
  }
  // Longest first, as whole identifiers, so no name is replaced inside another.
  for (const [name, short] of [...renamed].sort((x, y) => y[0].length - x[0].length)) {
    const pattern = asWord(name);
    if (imported.has(name) && !pattern.test(glue)) throw new Error(`wasm-names: the glue does not provide ${name}`);
    glue = glue.replace(pattern, short);
  }
  if (importModule) {
    const quoted = glue.split(`"${importModule}"`).length - 1;
    if (quoted !== 1) throw new Error(`wasm-names: "${importModule}" found ${quoted} times in the glue`);
    glue = glue.replace(`"${importModule}"`, '"a"');
  }
  writeFileSync(wasmPath, Buffer.concat(parts));
  writeFileSync(gluePath, glue);
}
