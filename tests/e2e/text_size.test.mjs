// The visitor's own text settings: a browser set to a larger font size (Settings > Appearance >
// Font size) makes all the widget's text larger, and one set to a minimum font size (Customize
// fonts) its small print; nothing then breaks inside a word.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium } from 'playwright-core';
import { serverAndBrowser, hostPage, widget, mockSwitches } from './harness.mjs';

const env = serverAndBrowser();
const profiles = [];
after(() => profiles.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

/** A browser whose profile has these font settings (`webkit.webprefs`), as a visitor's would. */
async function browserWithFonts(webprefs) {
  const dir = mkdtempSync(join(tmpdir(), 'chat-bubble-fonts-'));
  profiles.push(dir);
  mkdirSync(join(dir, 'Default'));
  writeFileSync(join(dir, 'Default', 'Preferences'), JSON.stringify({ webkit: { webprefs } }));
  return chromium.launchPersistentContext(dir, {
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    headless: true,
    viewport: { width: 1280, height: 900 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--disable-background-networking', '--disable-component-update', '--no-first-run'],
  });
}

const browserWithMinimumFontSize = (px) => browserWithFonts({ minimum_font_size: px, minimum_logical_font_size: px });

/** Each text of the widget and its size, in px, at the browser's usual text size (16 px). */
const USUAL_SIZES = {
  title: ['.cb-title', 16],
  subtitle: ['.cb-subtitle', 12],
  'empty panel\'s title': ['.cb-empty-title', 16],
  starter: ['.cb-starter', 13],
  day: ['.cb-day', 12],
  'visitor\'s message': ['.cb-visitor .cb-text', 15],
  'reply\'s heading 1': ['.cb-assistant .cb-text h1', 18],
  'reply\'s heading 2': ['.cb-assistant .cb-text h2', 16],
  'code in a line': ['.cb-assistant .cb-text p code', 13],
  'code block\'s Copy': ['.cb-code .cb-copy', 12],
  sources: ['.cb-sources', 13],
  'reply\'s time and buttons': ['.cb-assistant .cb-meta', 11],
  'version steps': ['.cb-version-step', 14],
  'message box': ['.cb-input', 15],
  'characters left': ['.cb-count', 12],
  'unread count': ['.cb-badge', 12],
};

/** The font size of each of USUAL_SIZES's texts, in px, in a panel that has been through all of
 * them: empty with its starters, a markdown reply regenerated once, a long message being typed,
 * and, closed, a reply come meanwhile. */
async function textSizes(context) {
  const page = context.pages()[0] || (await context.newPage());
  const errors = [];
  page.on('pageerror', (e) => errors.push(e.message));
  await hostPage(page, env.server, 'text-size-default.html', { 'data-subtitle': 'We answer fast', 'data-starters': 'Hello there|What can you do?', 'data-attachments': 'files' });
  const bubble = widget(page);
  const sizes = {};
  const measure = async (names) => {
    for (const name of names) {
      const [selector] = USUAL_SIZES[name];
      sizes[name] = await bubble.locator(selector).first().evaluate((e) => parseFloat(getComputedStyle(e).fontSize));
    }
  };
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-starter').first().waitFor();
  await measure(['title', 'subtitle', 'empty panel\'s title', 'starter']);
  const panel = await bubble.locator('.cb-panel').boundingBox();
  sizes.panel = [panel.width, panel.height];
  await bubble.locator('.cb-input').fill('show me markdown');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-assistant .cb-regenerate').waitFor({ timeout: 20000 });
  await bubble.locator('.cb-assistant .cb-regenerate').click();
  await bubble.locator('.cb-version-step').first().waitFor({ timeout: 20000 });
  await bubble.locator('.cb-assistant .cb-regenerate').waitFor({ timeout: 20000 });
  await measure(['day', 'visitor\'s message', 'reply\'s heading 1', 'reply\'s heading 2', 'code in a line', 'code block\'s Copy', 'sources', 'reply\'s time and buttons', 'version steps']);
  await bubble.locator('.cb-input').fill('x'.repeat(3990));
  await bubble.locator('.cb-count').waitFor();
  await measure(['message box', 'characters left']);
  // A file's chip: how wide its name may grow before it is cut.
  await bubble.locator('.cb-panel input[type="file"]').setInputFiles({ name: 'quarterly-report-final-version-2024.txt', mimeType: 'text/plain', buffer: Buffer.from('figures') });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  sizes['chip\'s name, widest'] = await bubble.locator('.cb-chip-name').evaluate((e) => parseFloat(getComputedStyle(e).maxWidth));
  await bubble.locator('.cb-chip-remove').click();
  await bubble.locator('.cb-input').fill('while away');
  await mockSwitches(page, { delay: 30 });
  await bubble.locator('.cb-input').press('Enter');
  await bubble.getByRole('button', { name: 'Close chat' }).first().click();
  await bubble.locator('.cb-badge').waitFor({ timeout: 20000 });
  await measure(['unread count']);
  // Where the count sits: its centre, from the bubble's top right corner.
  sizes['unread count\'s centre'] = await bubble.locator('.cb-badge').evaluate((badge) => {
    const b = badge.getBoundingClientRect();
    const l = badge.closest('.cb-launcher').getBoundingClientRect();
    return [Math.round(l.right - (b.left + b.right) / 2), Math.round((b.top + b.bottom) / 2 - l.top)];
  });
  assert.deepEqual(errors, []);
  return sizes;
}

test('a browser set to a larger text size shows all of the widget\'s text that much larger', async () => {
  const usual = await browserWithFonts({ default_font_size: 16 });
  const large = await browserWithFonts({ default_font_size: 20 });
  try {
    const atUsual = await textSizes(usual);
    const atLarge = await textSizes(large);
    for (const [name, [, px]] of Object.entries(USUAL_SIZES)) {
      assert.equal(atUsual[name], px, `the ${name} at the usual size`);
      assert.ok(Math.abs(atLarge[name] - px * 1.25) < 0.05, `the ${name} at 20 px is 1.25 times as large: ${atLarge[name]} px against ${px} px`);
    }
    // The panel grows with the text, so that as many words fit on its lines.
    assert.deepEqual(atUsual.panel, [380, 600]);
    assert.deepEqual(atLarge.panel, [475, 750]);
    assert.equal(atUsual['chip\'s name, widest'], 140);
    assert.equal(atLarge['chip\'s name, widest'], 175, 'a file\'s name shows as many letters at 20 px');
    // Larger, the count grows around the same point, outwards as much as over the bubble.
    assert.deepEqual(atUsual['unread count\'s centre'], [6, 6]);
    assert.deepEqual(atLarge['unread count\'s centre'], [6, 6]);
  } finally {
    await usual.close();
    await large.close();
  }
});

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
    assert.deepEqual(parts.map((p) => p.text.replace(/^\d{1,2}:\d\d [AP]M$/, 'time')), ['Copy', 'time', 'Copy', 'Regenerate']);
    for (const part of parts) {
      assert.equal(parseFloat(part.fontSize) >= 20, true, `the setting took: ${part.text} at ${part.fontSize}`);
      assert.equal(part.lines, 1, `"${part.text}" is on one line`);
    }
    assert.deepEqual(errors, []);
  } finally {
    await context.close();
  }
});

test('at a larger text size, a long title and subtitle wrap onto a second line before they are cut', async () => {
  const context = await browserWithFonts({ default_font_size: 20 });
  try {
    const page = context.pages()[0] || (await context.newPage());
    const lines = (locator) => locator.evaluate((e) => {
      const range = document.createRange();
      range.selectNodeContents(e);
      const shown = e.getBoundingClientRect();
      const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0 && r.bottom <= shown.bottom + 1).map((r) => Math.round(r.top)));
      return { lines: tops.size, cut: e.scrollHeight > e.clientHeight + 1 || e.scrollWidth > e.clientWidth + 1 };
    });
    const fits = { 'data-title': 'Acme Customer Support Assistant for Orders', 'data-subtitle': 'We usually answer within a few minutes, by day and by night, all week' };
    await hostPage(page, env.server, 'text-size-title.html', fits);
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    assert.deepEqual(await lines(bubble.locator('.cb-title')), { lines: 2, cut: false }, 'the title, whole on two lines');
    assert.deepEqual(await lines(bubble.locator('.cb-subtitle')), { lines: 2, cut: false }, 'the subtitle, whole on two lines');
    const tooLong = { 'data-title': 'Mmmm '.repeat(30).trim(), 'data-subtitle': 'We MMM '.repeat(30).trim() };
    await hostPage(page, env.server, 'text-size-long-title.html', tooLong);
    await bubble.locator('.cb-launcher').click();
    assert.deepEqual(await lines(bubble.locator('.cb-title')), { lines: 2, cut: true }, 'a title too long for two lines is cut after them');
    assert.deepEqual(await lines(bubble.locator('.cb-subtitle')), { lines: 2, cut: true }, 'so is a subtitle');
    const [header, close] = await Promise.all([
      bubble.locator('.cb-header').boundingBox(),
      bubble.getByRole('button', { name: 'Close chat' }).first().boundingBox(),
    ]);
    assert.ok(close.x + close.width <= header.x + header.width && close.y >= header.y, 'the header\'s buttons stay in it');
  } finally {
    await context.close();
  }
});
