// Minifies the files a page downloads: the wasm-bindgen glue and the teaser (ES modules) and the
// loader (a classic script) with terser, the names the wasm and the glue share (scripts/wasm-names.mjs),
// and the CSS by dropping comments and the spaces its syntax does not need. Run by
// scripts/version-files.mjs before the files get their version.
import { createRequire } from 'node:module';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { shortenWasmNames } from './wasm-names.mjs';

const tools = createRequire(new URL('../tools/package.json', import.meta.url));
const { minify } = tools('terser');

const TERSER = { compress: { passes: 2 }, mangle: true, format: { comments: false } };

/** CSS without comments and without the spaces around `{ } ; , >` or after `:`; strings are kept
 * as they are. */
export function minifyCss(css) {
  const STRING_OR_COMMENT = /("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')|\/\*[^]*?\*\//g;
  return css
    .replace(STRING_OR_COMMENT, (match, string) => string ?? ' ')
    .split(/("(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*')/)
    .map((part, i) =>
      i % 2 === 1
        ? part
        : part
            .replace(/\s+/g, ' ')
            .replace(/ ?([{};,>]) ?/g, '$1')
            .replace(/: /g, ':')
            .replace(/;}/g, '}'),
    )
    .join('')
    .trim();
}

export async function minifyDist(dir) {
  for (const [name, module] of [['chat-bubble-widget.js', true], ['chat-bubble-teaser.js', true], ['chat-bubble.js', false]]) {
    const file = join(dir, name);
    const { code } = await minify(readFileSync(file, 'utf8'), { ...TERSER, module });
    writeFileSync(file, code);
  }
  shortenWasmNames(join(dir, 'chat-bubble-widget_bg.wasm'), join(dir, 'chat-bubble-widget.js'));
  const css = join(dir, 'chat-bubble.css');
  writeFileSync(css, minifyCss(readFileSync(css, 'utf8')));
}
