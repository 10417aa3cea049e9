// Size of the built widget: raw, gzip (level 9) and brotli (quality 11) bytes per file, with
// node's zlib. 1 KB = 1,000 bytes.
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync, brotliCompressSync, constants } from 'node:zlib';
import { ROOT } from './lib.mjs';

// The build versions every file but the loader (scripts/version-files.mjs): match by pattern.
export const SIZE_FILES = [
  ['loader', /^chat-bubble\.js$/],
  ['glue', /^chat-bubble-widget\.[0-9a-f]+\.js$/],
  ['wasm', /^chat-bubble-widget_bg\.[0-9a-f]+\.wasm$/],
  ['css', /^chat-bubble\.[0-9a-f]+\.css$/],
  // Fetched only by pages with a data-teaser, at idle.
  ['teaser', /^chat-bubble-teaser\.[0-9a-f]+\.js$/],
];

export const SIZE_BUDGETS = { loaderBrotli: 2000, totalBrotli: 160000 };

export function measureSizes(dist = join(ROOT, 'dist')) {
  const files = {};
  const total = { raw: 0, gzip: 0, brotli: 0 };
  const present = readdirSync(dist);
  for (const [key, pattern] of SIZE_FILES) {
    const name = present.find((f) => pattern.test(f));
    if (!name) throw new Error(`no file matching ${pattern} in ${dist}: build the widget first`);
    const bytes = readFileSync(join(dist, name));
    const f = {
      file: `dist/${name}`,
      raw: bytes.length,
      gzip: gzipSync(bytes, { level: 9 }).length,
      brotli: brotliCompressSync(bytes, {
        params: {
          [constants.BROTLI_PARAM_QUALITY]: 11,
          [constants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
        },
      }).length,
    };
    files[key] = f;
    for (const k of ['raw', 'gzip', 'brotli']) total[k] += f[k];
  }
  return {
    method: 'Bytes of each file in dist/ as built by `trunk build --release`: raw, gzip (node zlib level 9) and brotli (node zlib quality 11). 1 KB = 1,000 bytes.',
    files,
    total,
  };
}

/** [name, ok, detail] for each size budget. */
export function sizeChecks(sizes) {
  return [
    ['size: loader brotli <= 2 KB', sizes.files.loader.brotli <= SIZE_BUDGETS.loaderBrotli,
      `${sizes.files.loader.brotli} B (budget ${SIZE_BUDGETS.loaderBrotli} B)`],
    ['size: whole widget brotli <= 160 KB', sizes.total.brotli <= SIZE_BUDGETS.totalBrotli,
      `${sizes.total.brotli} B (budget ${SIZE_BUDGETS.totalBrotli} B)`],
  ];
}
