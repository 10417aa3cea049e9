// The visitor's own text settings: a browser set to a minimum font size (Settings > Appearance >
// Customize fonts) makes the widget's small print larger; nothing then breaks inside a word.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serverAndBrowser, hostPage, widget } from './harness.mjs';

const env = serverAndBrowser();
const profiles = [];
after(() => profiles.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A browser whose profile sets the minimum font size to `px`, as a visitor's settings would. */
async function browserWithMinimumFontSize(px) {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bubble-fonts-'));
  profiles.push(dir);
  mkdirSync(join(dir, 'Default'));
  writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify({ webkit: { webprefs: { minimum_font_size: px, minimum_logical_font_size: px } } }));
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

test('with a 20 px minimum font size, a reply\'s time and buttons each stay on one line', async () => {
  const context = await browserWithMinimumFontSize(20);
  try {
    const page = context.pages()[0] || (await context.newPage());
    const errors = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await hostPage(page, env.server, 'text-size-minimum.html');
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-input').fill('show me markdown');
    await bubble.locator('.cb-input').press('Enter');
    await bubble.locator('.cb-assistant .cb-regenerate').waitFor({ timeout: 20000 });
    const parts = await bubble.locator('.cb-assistant .cb-meta > *, .cb-code .cb-copy').evaluateAll((els) =>
      els.filter((e) => e.getClientRects().length).map((e) => {
        const range = document.createRange();
        range.selectNodeContents(e);
        const lines = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
        return { text: e.textContent, lines: lines.size, fontSize: getComputedStyle(e).fontSize };
      }));
    // The code's Copy, then the reply's time, Copy and Regenerate.
    assert.deepEqual(parts.map((p) => p.text.replace(/^\d\d:\d\d [AP]M$/, 'time')), ['Copy', 'time', 'Copy', 'Regenerate']);
    for (const part of parts) {
      assert.equal(parseFloat(part.fontSize) >= 20, true, `the setting took: ${part.text} at ${part.fontSize}`);
      assert.equal(part.lines, 1, `"${part.text}" is on one line`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});
