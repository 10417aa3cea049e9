// Trunk post-build hook: minifies the widget's files (scripts/minify.mjs), then gives the widget's files one content-hashed version in their names
// (chat-bubble-widget.<v>.js, chat-bubble-widget_bg.<v>.wasm, chat-bubble.<v>.css,
// chat-bubble-teaser.<v>.js), so a
// deployment can cache them for ever. The loader, chat-bubble.js, keeps its name (embed snippets
// point at it) and is rewritten to load the versioned files; so are the HTML pages. Last, every
// file gets its brotli and gzip copy (scripts/compress.mjs). One hook runs all three in turn:
// Trunk starts the hooks of a stage all at once.
import { createHash } from 'node:crypto';
import { readFileSync, writeFileSync, renameSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { minifyDist } from './minify.mjs';
import { compressDist } from './compress.mjs';

const dir = process.env.TRUNK_STAGING_DIR || process.argv[2];
if (!dir) throw new Error('usage: TRUNK_STAGING_DIR=<dir> node scripts/version-files.mjs');

await minifyDist(dir);

const FILES = ['chat-bubble-widget_bg.wasm', 'chat-bubble-widget.js', 'chat-bubble.css', 'chat-bubble-teaser.js'];
const hash = createHash('sha256');
for (const name of FILES) hash.update(readFileSync(join(dir, name)));
// One version for the set: the loader names it three times, which brotli keeps small.
const version = hash.digest('hex').slice(0, 10);

const renamed = FILES.map((name) => {
  const dot = name.lastIndexOf('.');
  const versioned = `${name.slice(0, dot)}.${version}${name.slice(dot)}`;
  renameSync(join(dir, name), join(dir, versioned));
  return [name, versioned];
});
for (const file of readdirSync(dir).filter((f) => f === 'chat-bubble.js' || f.endsWith('.html'))) {
  let text = readFileSync(join(dir, file), 'utf8');
  for (const [from, to] of renamed) text = text.split(from).join(to);
  // Trunk wrote integrity hashes before the minifier changed the files: write them anew, and
  // refuse a page with one this cannot (another href form or hash), which would block the file.
  const written = new Set();
  text = text.replace(/(href="\.\/([^"]+)"[^>]*?integrity=")sha384-[^"]+"/g, (_, head, name) => {
    const hash = `sha384-${createHash('sha384').update(readFileSync(join(dir, name))).digest('base64')}`;
    written.add(hash);
    return `${head}${hash}"`;
  });
  for (const [, hash] of text.matchAll(/integrity="([^"]*)"/g)) {
    if (!written.has(hash)) throw new Error(`version-files: ${file} keeps an integrity hash it cannot check: ${hash}`);
  }
  writeFileSync(join(dir, file), text);
}
console.log(`chat-bubble: versioned files ${version}`);
compressDist(dir);
