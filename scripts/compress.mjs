// Writes a brotli (`name.br`, best quality) and a gzip (`name.gz`, best level) copy beside each
// file of the built widget a browser downloads (js, wasm, css, html), so that a server can send
// them compressed without compressing on every request: chat-bubble-server
// (tower-http's precompressed ServeDir), nginx's `brotli_static`/`gzip_static`, a CDN that
// honours them. Run by scripts/version-files.mjs after the files have their final names and
// content; `node scripts/compress.mjs <dir>` runs it alone.
import { readFileSync, writeFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { brotliCompressSync, gzipSync, constants } from 'node:zlib';

const COMPRESSED = /\.(js|wasm|css|html)$/;

/** Compresses every js, wasm, css and html file in `dir` (not its subfolders). */
export function compressDist(dir) {
  for (const name of readdirSync(dir).filter((f) => COMPRESSED.test(f))) {
    const bytes = readFileSync(join(dir, name));
    writeFileSync(
      join(dir, `${name}.br`),
      brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: constants.BROTLI_MAX_QUALITY,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }),
    );
    writeFileSync(join(dir, `${name}.gz`), gzipSync(bytes, { level: constants.Z_BEST_COMPRESSION }));
  }
}

if (import.meta.url === pathToFileURL(process.argv[1]).href) {
  const dir = process.argv[2];
  if (!dir) throw new Error('usage: node scripts/compress.mjs <dir>');
  compressDist(dir);
}
