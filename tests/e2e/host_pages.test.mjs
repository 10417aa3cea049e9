// Host pages that, without meaning to, fight the widget: a right-to-left page, a design system
// whose CSS variables share the widget's names, a page without a doctype. Adding the chat must
// not change the page, and the page must not change the chat.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, routeHtml, embedTag, send, defaultReply } from './harness.mjs';

const env = serverAndBrowser();

/** Serves `head` and `body` as a page with the embed tag (`doctype` false: quirks mode) and opens it. */
async function page(pageAndContext, name, { html = '<html>', head = '', body = '', doctype = true, attrs = {} } = {}) {
  const { page } = pageAndContext;
  const url = `${env.server.url}${name}`;
  await routeHtml(page, url, `${doctype ? '<!doctype html>' : ''}${html}<head><meta charset="utf-8"><title>host</title>${head}</head>
<body>${body}${embedTag({ 'data-load': 'eager', ...attrs })}</body></html>`);
  await page.goto(url);
  await widget(page).locator('.cb-launcher[aria-expanded]').waitFor();
}

test('on a right-to-left page the widget adds no sideways scrolling, closed or open', async () => {
  const opened = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page(opened, 'rtl.html', { html: '<html dir="rtl" lang="ar">', body: '<p>مرحبا</p>' });
  const p = opened.page;
  const sideways = () => p.evaluate(() => document.documentElement.scrollWidth - document.documentElement.clientWidth);
  assert.equal(await sideways(), 0, 'closed');
  await widget(p).locator('.cb-launcher').click();
  await widget(p).locator('.cb-panel').waitFor();
  assert.equal(await sideways(), 0, 'open');
  await widget(p).locator('.cb-launcher').click();
  await widget(p).locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.equal(await sideways(), 0, 'closed again');
  assert.deepEqual(opened.problems, []);
  await opened.context.close();
});

test('the wheel over the open panel scrolls no part of the page behind it, and over the closed bubble it does', async () => {
  const opened = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page(opened, 'wheel.html', { body: '<div style="height:4000px">A long page</div>' });
  const p = opened.page;
  const bubble = widget(p);
  const scrolled = () => p.evaluate(() => window.scrollY);
  const wheelOver = async (locator) => {
    const box = await locator.boundingBox();
    await p.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await p.mouse.wheel(0, 400);
    await p.waitForTimeout(400);
  };
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-panel').waitFor();
  await send(p, 'hello');
  await bubble.locator('.cb-assistant').waitFor();
  for (const part of ['.cb-header', '.cb-messages', '.cb-composer']) {
    await wheelOver(bubble.locator(part));
    assert.equal(await scrolled(), 0, `the wheel over ${part}`);
  }
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  await wheelOver(bubble.locator('.cb-launcher'));
  assert.ok(await scrolled() > 0, 'over the closed bubble, the page scrolls');
  assert.deepEqual(opened.problems, []);
  await opened.context.close();
});

test('a page\'s own --cb-… variables do not reach the widget', async () => {
  const opened = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page(opened, 'variables.html', {
    head: `<style>:root { --cb-z: 2; --cb-width: 18px; --cb-height: 18px; --cb-offset-x: 300px; --cb-offset-y: 300px;
      --cb-ring-light: #ffff00; --cb-vv-height: 120px; --cb-vv-top: 300px }
      header { position: fixed; inset: 0; z-index: 10; background: #eee }</style>`,
    body: '<header>The site\'s header</header>',
  });
  const p = opened.page;
  await widget(p).locator('.cb-launcher').click();
  const panel = widget(p).locator('.cb-panel');
  await panel.waitFor();
  const look = await panel.evaluate((e) => {
    const r = e.getBoundingClientRect();
    return { width: Math.round(r.width), height: Math.round(r.height), right: Math.round(innerWidth - r.right), z: getComputedStyle(e).zIndex };
  });
  assert.deepEqual(look, { width: 380, height: 600, right: 20, z: '2147483000' });
  // The panel is on top of the page's header.
  const onTop = await p.evaluate(() => {
    const host = document.querySelector('chat-bubble');
    const hit = host.shadowRoot.elementFromPoint(innerWidth - 200, innerHeight - 400);
    return hit !== null && hit.closest('.cb-panel') !== null;
  });
  assert.equal(onTop, true);
  assert.deepEqual(opened.problems, []);
  await opened.context.close();
});

test('on a page without a doctype, a reply\'s table has the reply\'s colours and size, and no band under the message box', async () => {
  const opened = await openPage(env.browser, { viewport: { width: 1280, height: 800 }, colorScheme: 'dark' });
  await page(opened, 'quirks.html', { doctype: false });
  const p = opened.page;
  assert.equal(await p.evaluate(() => document.compatMode), 'BackCompat');
  await send(p, 'markdown');
  const table = widget(p).locator('.cb-assistant .cb-text table td').first();
  await table.waitFor({ timeout: 15000 });
  const colours = await table.evaluate((td) => {
    const text = td.closest('.cb-text').querySelector('p') ?? td.closest('.cb-text');
    return { cell: getComputedStyle(td).color, text: getComputedStyle(text).color, cellSize: getComputedStyle(td).fontSize, textSize: getComputedStyle(text).fontSize };
  });
  assert.equal(colours.cell, colours.text);
  assert.equal(colours.cellSize, colours.textSize);
  const gap = await widget(p).locator('.cb-composer').evaluate((form) => {
    const panel = form.closest('.cb-panel').getBoundingClientRect();
    return Math.round(panel.bottom - form.getBoundingClientRect().bottom);
  });
  assert.ok(gap <= 1, `${gap} px under the composer`);
  assert.deepEqual(opened.problems, []);
  await opened.context.close();
});
