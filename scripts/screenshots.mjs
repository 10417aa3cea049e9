// The README's screenshots, taken again: `node scripts/screenshots.mjs` after
// `trunk build --release` and `cargo build -p chat-bubble-server`. It serves dist/ with the mock
// server, drives Debian's Chromium as the e2e tests do (tests/e2e/harness.mjs), and writes
// docs/<name>.png: light, dark, phone, long, error and teaser. Each is cropped to the widget's
// corner at device scale 1, so the files stay small (tens of KB).
import { join } from 'node:path';
import { startServer, launchBrowser, embedTag, ROOT } from '../tests/e2e/harness.mjs';

const DESKTOP = { viewport: { width: 1000, height: 760 } };
const PHONE = { viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true };
// The right-hand part of a desktop page: the panel (380 px and its margins) beside the site's
// text column, which ends before it.
const CORNER = { x: 500, y: 0, width: 500, height: 760 };

/** A plain shop-like page with the embed tag, so the widget is seen on a page. */
function hostHtml(attrs) {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1"><title>Example shop</title>
<style>body{margin:0;font:16px/1.5 system-ui,sans-serif;color:#1f2937;background:#f8fafc}
@media (prefers-color-scheme: dark){body{color:#e5e7eb;background:#1e293b}}</style></head>
<body>
<header style="padding:20px 32px;background:#0f172a;color:#f8fafc;font-weight:600">Example shop</header>
<main style="padding:24px 32px;max-width:400px">
<h1 style="margin-top:0">Handmade ceramics</h1>
<p>Mugs, bowls and plates, thrown and glazed in small batches. Free shipping on orders over 50 EUR.</p>
<p>Every piece is dishwasher safe. Questions about an order, a size or a colour? Ask the assistant in
the corner.</p></main>
${embedTag({ 'data-title': 'Shop assistant', 'data-subtitle': 'Replies in seconds', ...attrs })}
</body></html>`;
}

/** Opens a page of `browser` on the host page with `attrs`; returns the page and its widget. */
async function open(browser, server, name, contextOptions, attrs = {}) {
  const context = await browser.newContext({ deviceScaleFactor: 1, ...contextOptions });
  const page = await context.newPage();
  const url = `${server.url}${name}.html`;
  await page.route(url, (route) => route.fulfill({ contentType: 'text/html; charset=utf-8', body: hostHtml(attrs) }));
  await page.goto(url);
  const bubble = page.locator('chat-bubble');
  await bubble.locator('.cb-launcher[aria-expanded]').waitFor();
  return { context, page, bubble };
}

/** Mock switches (`mock_<name>`) on every completions request of `page`. */
async function switches(page, values) {
  await page.unroute('**/completions/**');
  await page.route('**/completions/**', (route) => {
    const url = new URL(route.request().url());
    for (const [k, v] of Object.entries(values)) url.searchParams.set(`mock_${k}`, String(v));
    route.continue({ url: url.toString() });
  });
}

/** Sends `text` and waits until `replies` replies have finished. */
async function exchange(page, text, replies) {
  const bubble = page.locator('chat-bubble');
  await bubble.locator('.cb-input').fill(text);
  await bubble.locator('.cb-input').press('Enter');
  await page.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-assistant .cb-copy-message').length >= n, replies, { timeout: 20000 });
}

/** Waits for the panel (and teaser) to stop moving, then saves docs/<name>.png. */
async function shoot(page, name, clip) {
  await page.waitForFunction(() => Array.from(document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-panel, .cb-teaser')).every((e) => e.getAnimations().length === 0));
  await page.evaluate(() => document.activeElement?.blur());
  const path = join(ROOT, 'docs', `${name}.png`);
  await page.screenshot({ path, clip, caret: 'hide' });
  console.log(`wrote ${path}`);
}

const server = await startServer();
const browser = await launchBrowser();
try {
  for (const scheme of ['light', 'dark']) {
    const { context, page, bubble } = await open(browser, server, `rich-${scheme}`, { ...DESKTOP, colorScheme: scheme }, {
      'data-load': 'eager',
    });
    await bubble.locator('.cb-launcher').click();
    await exchange(page, 'Can you show me some markdown?', 1);
    await bubble.locator('.cb-messages').evaluate((e) => { e.scrollTop = 0; });
    await shoot(page, scheme, CORNER);
    await context.close();
  }

  {
    const { context, page, bubble } = await open(browser, server, 'phone', PHONE, {
      'data-load': 'eager', 'data-starters': 'Shipping costs | Care instructions',
    });
    await bubble.locator('.cb-launcher').tap();
    await exchange(page, 'Do you ship to Taiwan?', 1);
    await shoot(page, 'phone');
    await context.close();
  }

  {
    const { context, page, bubble } = await open(browser, server, 'long', DESKTOP, { 'data-load': 'eager' });
    await bubble.locator('.cb-launcher').click();
    await switches(page, { delay: 0 });
    for (let i = 1; i <= 8; i += 1) await exchange(page, `Question ${i} about my order`, i);
    // The visitor scrolls up while a reply comes in: the jump button counts it.
    await switches(page, { delay: 30 });
    await bubble.locator('.cb-input').fill('And the last one?');
    await bubble.locator('.cb-input').press('Enter');
    await bubble.locator('.cb-assistant.cb-streaming').waitFor();
    await bubble.locator('.cb-messages').hover();
    await page.mouse.wheel(0, -300);
    await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
      .querySelectorAll('.cb-assistant .cb-copy-message').length >= 9, null, { timeout: 20000 });
    await bubble.locator('.cb-jump').waitFor({ state: 'visible' });
    await page.mouse.move(0, 0);
    await shoot(page, 'long', CORNER);
    await context.close();
  }

  {
    const { context, page, bubble } = await open(browser, server, 'error', DESKTOP, { 'data-load': 'eager' });
    await bubble.locator('.cb-launcher').click();
    await exchange(page, 'Where is my parcel?', 1);
    // The server cuts the next reply off: a notice, and the reply marked with Retry.
    await switches(page, { fault: 'drop' });
    await bubble.locator('.cb-input').fill('It was due on Monday');
    await bubble.locator('.cb-input').press('Enter');
    await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
    await bubble.locator('.cb-notice').waitFor();
    await shoot(page, 'error', CORNER);
    await context.close();
  }

  {
    const { context, page, bubble } = await open(browser, server, 'teaser', DESKTOP, {
      'data-load': 'interaction', 'data-teaser': 'Questions about an order? Ask me, I reply in seconds.', 'data-teaser-delay': '0',
    });
    await bubble.locator('.cb-teaser').waitFor({ state: 'visible' });
    await shoot(page, 'teaser', { x: 500, y: 460, width: 500, height: 300 });
    await context.close();
  }
} finally {
  await browser.close();
  await server.stop();
}
