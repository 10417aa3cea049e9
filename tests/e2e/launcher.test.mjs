// The closed bubble before the widget is there: a click while the wasm downloads shows that it
// was heard, and opens the panel as soon as the widget is ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, widget, hostPage, PHONE, routeHtml, embedTag, CONTRAST_HELPERS, holdRequests,
} from './harness.mjs';

const env = serverAndBrowser();
const WASM = /_bg\.[0-9a-f]+\.wasm$/;

/** Holds every wasm request until `release()` is called. */
const holdWasm = (page) => holdRequests(page, WASM);

/** What the launcher shows: its busy state, its ring's animation and whether its icon shows. */
function launcherLook(page) {
  return widget(page).locator('.cb-launcher').evaluate((b) => ({
    busy: b.getAttribute('aria-busy'),
    ring: getComputedStyle(b, '::after').content === 'none' ? null : getComputedStyle(b, '::after').animationName,
    icon: getComputedStyle(b.querySelector('.cb-icon')).opacity,
  }));
}

for (const reducedMotion of ['no-preference', 'reduce']) {
  test(`a tap while the widget downloads turns the bubble busy, then the panel opens (${reducedMotion} motion)`, async () => {
    const { context, page, problems } = await openPage(env.browser, { ...PHONE, reducedMotion });
    const release = await holdWasm(page);
    await hostPage(page, env.server, `busy-${reducedMotion}.html`, { 'data-load': 'interaction' });
    const bubble = widget(page);
    assert.deepEqual(await launcherLook(page), { busy: null, ring: null, icon: '1' }, 'at rest before the tap');
    await bubble.locator('.cb-launcher').tap();
    // The ring turns, or, without motion, breathes in place.
    assert.deepEqual(await launcherLook(page), {
      busy: 'true',
      ring: reducedMotion === 'reduce' ? 'cb-breathe' : 'cb-spin',
      icon: '0',
    });
    assert.equal(await bubble.locator('.cb-panel').count(), 0, 'the wasm is not there yet');
    release();
    await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
    assert.deepEqual(await launcherLook(page), { busy: null, ring: null, icon: '1' }, 'the widget\'s own bubble, at rest');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a widget that cannot download leaves the bubble at rest again, and a second tap tries again', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  let refused = 0;
  await page.route(WASM, (route) => (refused++ === 0 ? route.abort() : route.continue()));
  await hostPage(page, env.server, 'busy-failed.html', { 'data-load': 'interaction' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').tap();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-launcher').getAttribute('aria-busy') === 'false');
  assert.deepEqual(await launcherLook(page), { busy: 'false', ring: null, icon: '1' });
  assert.equal(await page.evaluate(() => ChatBubble.isOpen()), false, 'the page is told nothing opens');
  assert.ok(problems.some((p) => p.includes('could not load the widget')), JSON.stringify(problems));
  await bubble.locator('.cb-launcher').tap();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  await context.close();
});

// A bubble of the page's own colour: a very light one on a white page, a very dark one on a
// black page. Its edge must show (3:1 against the page, as for any control's outline), before
// the widget is there and after.
for (const [primary, page_] of [['#fffbe6', '#ffffff'], ['#111111', '#000000'], ['#ffffff', '#ffffff']]) {
  test(`a ${primary} bubble on a ${page_} page keeps its edge in sight`, async () => {
    const { context, page, problems } = await openPage(env.browser);
    const release = await holdWasm(page);
    const url = `${env.server.url}edge-${primary.slice(1)}-${page_.slice(1)}.html`;
    await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>host</title></head>
<body style="background:${page_}"><p>Host page</p>${embedTag({ 'data-primary-color': primary, 'data-load': 'eager' })}</body></html>`);
    await page.goto(url);
    await page.addScriptTag({ content: CONTRAST_HELPERS });
    const edge = () => widget(page).locator('.cb-launcher').evaluate((b, pageColour) => {
      // The first shadow is the ring (as rgb() or, mixed, as color(srgb …) from 0 to 1): its
      // colour blended over the page.
      const first = getComputedStyle(b).boxShadow.split(/,(?![^(]*\))/)[0];
      const srgb = /color\(srgb ([\d.]+) ([\d.]+) ([\d.]+)(?: \/ ([\d.]+))?\)/.exec(first);
      const [r, g, bl, a = 1] = srgb
        ? [srgb[1] * 255, srgb[2] * 255, srgb[3] * 255, srgb[4] === undefined ? 1 : Number(srgb[4])]
        : first.match(/rgba?\([^)]*\)/)[0].match(/[\d.]+/g).map(Number);
      const under = pageColour.match(/[\d.]+/g).map(Number);
      const mixed = [r, g, bl].map((c, i) => Math.round(a * c + (1 - a) * under[i]));
      return window.__contrast.ratio(`rgb(${mixed.join(',')})`, pageColour);
    }, getComputedStyleColour(page_));
    await widget(page).locator('.cb-launcher').waitFor();
    const before = await edge();
    release();
    await widget(page).locator('.cb-launcher[aria-expanded]').waitFor();
    await widget(page).locator('.cb-panel').waitFor({ state: 'attached' }).catch(() => {});
    const after = await edge();
    assert.ok(before >= 3 && after >= 3, `the edge is ${before.toFixed(2)}:1 before the widget, ${after.toFixed(2)}:1 after`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

/** `#rrggbb` as `rgb(r, g, b)`. */
function getComputedStyleColour(hex) {
  const n = parseInt(hex.slice(1), 16);
  return `rgb(${n >> 16}, ${(n >> 8) & 255}, ${n & 255})`;
}

test('a host page whose <body> is filtered, transformed or will-change keeps the bubble and the panel in the window\'s corner', async () => {
  for (const rule of ['filter: grayscale(1)', 'transform: translateZ(0)', 'will-change: transform', 'contain: paint']) {
    const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
    const url = `${env.server.url}filtered-body.html`;
    await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>filtered</title>
<style>body { margin: 0; ${rule} }</style></head>
<body><div style="height:3000px">A long host page</div>${embedTag({ 'data-load': 'eager' })}</body></html>`);
    await page.goto(url);
    const bubble = widget(page);
    // The widget's own bubble, in place of the loader's.
    await bubble.locator('.cb-widget .cb-launcher').waitFor();
    const inWindow = async (sel) => {
      const box = await bubble.locator(sel).boundingBox();
      return box.y >= 0 && box.y + box.height <= 800 && box.x + box.width <= 1280 ? 'in the window' : JSON.stringify(box);
    };
    assert.equal(await inWindow('.cb-launcher'), 'in the window', `${rule}: the bubble at the top of the page`);
    await page.evaluate(() => window.scrollTo(0, 1000));
    assert.equal(await inWindow('.cb-launcher'), 'in the window', `${rule}: the bubble after scrolling`);
    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
    assert.equal(await inWindow('.cb-panel'), 'in the window', `${rule}: the open panel`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('a host page that scales itself with CSS zoom keeps the whole open panel in the window', async () => {
  for (const [width, zoom] of [[1366, 1.25], [1366, 2], [700, 2], [1366, 0.8]]) {
    const { context, page, problems } = await openPage(env.browser, { viewport: { width, height: 768 } });
    const url = `${env.server.url}zoomed.html`;
    await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>zoomed</title>
<style>html { zoom: ${zoom} } body { margin: 0 }</style></head>
<body><p>A page designed at another size</p>${embedTag({ 'data-load': 'eager' })}</body></html>`);
    await page.goto(url);
    const bubble = widget(page);
    await bubble.locator('.cb-widget .cb-launcher').click();
    await bubble.locator('.cb-input').waitFor({ state: 'visible' });
    const box = await bubble.locator('.cb-panel').boundingBox();
    const inside = box.y >= 0 && box.x >= 0 && box.x + box.width <= width && box.y + box.height <= 768;
    assert.ok(inside, `${width} px wide, zoom ${zoom}: the panel is at ${JSON.stringify(box)}`);
    // At a zoom above 1 the panel is drawn larger, as the page is.
    if (zoom > 1 && width > 1000) assert.ok(box.width > 380, `zoom ${zoom}: ${box.width} px wide`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('until its stylesheet arrives, the bubble takes no place on the page and cannot be reached', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const release = await holdRequests(page, /\/chat-bubble\.[0-9a-f]+\.css$/);
  const url = `${env.server.url}unstyled.html`;
  // The rule CSS resets (Bootstrap's among them) give [hidden].
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>host</title>
<style>[hidden] { display: none !important; }</style></head>
<body><p>Host page</p><button id="page-button">Page</button>${embedTag()}</body></html>`);
  await page.goto(url, { waitUntil: 'domcontentloaded' });
  await page.waitForFunction(() => document.querySelector('chat-bubble')?.shadowRoot.querySelector('.cb-launcher'));
  const launcher = widget(page).locator('.cb-launcher');
  // A bare default button at the foot of the page until then: shown, and in the Tab order.
  assert.equal(await launcher.isVisible(), false, 'not shown unstyled');
  assert.deepEqual(await page.locator('chat-bubble').boundingBox(), null, 'no place taken');
  await page.locator('#page-button').focus();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement.tagName), 'BODY', 'Tab does not reach it');
  release();
  await launcher.waitFor({ state: 'visible' });
  const box = await launcher.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box.x + box.width > viewport.width - 40 && box.y + box.height > viewport.height - 40, 'in the window\'s corner');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a double click on the bubble opens the panel and leaves it open', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'double-click.html', { 'data-load': 'eager' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').waitFor();
  await bubble.locator('.cb-launcher').dblclick();
  await page.waitForTimeout(300);
  assert.equal(await bubble.locator('.cb-panel').isVisible(), true);
  // Two clicks apart still open and close it.
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * Begins a press on the loader's bubble while the wasm is held, lets the widget take the bubble's
 * place, and only then ends the press: the visitor's tap, click or Space that straddles the
 * moment the widget mounts (likeliest with `data-load="interaction"`, where the press itself
 * starts the download).
 */
const pressesAcrossTheMount = {
  async touch(page, box) {
    const cdp = await page.context().newCDPSession(page);
    const point = { x: box.x + box.width / 2, y: box.y + box.height / 2 };
    return {
      begin: () => cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [point] }),
      end: () => cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] }),
    };
  },
  async mouse(page, box) {
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    return { begin: () => page.mouse.down(), end: () => page.mouse.up() };
  },
  async space(page) {
    await widget(page).locator('.cb-launcher').focus();
    return { begin: () => page.keyboard.down(' '), end: () => page.keyboard.up(' ') };
  },
};

for (const [kind, press] of Object.entries(pressesAcrossTheMount)) {
  test(`a ${kind} press begun on the loader's bubble and ended on the widget's opens the panel, once`, async () => {
    const { context, page, problems } = await openPage(env.browser, kind === 'touch' ? PHONE : {});
    const release = await holdWasm(page);
    await hostPage(page, env.server, `press-across-${kind}.html`, { 'data-load': 'interaction' }, { phone: kind === 'touch' });
    const bubble = widget(page);
    const launcher = bubble.locator('.cb-launcher');
    await launcher.waitFor({ state: 'visible' });
    const { begin, end } = await press(page, await launcher.boundingBox());
    await begin();
    release();
    // The widget's own bubble has taken the loader's place, with the press still held.
    await bubble.locator('.cb-panel').waitFor({ state: 'attached' });
    assert.equal(await bubble.locator('.cb-panel').isVisible(), false, 'nothing opens before the press ends');
    await end();
    await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
    // Opened once: not opened and closed again by a click that also came.
    await page.waitForTimeout(300);
    assert.equal(await bubble.locator('.cb-panel').isVisible(), true);
    assert.equal(await page.evaluate(() => ChatBubble.isOpen()), true);
    // The next press is an ordinary one: it closes the panel (on a phone, from the header of the
    // panel, which covers the bubble).
    if (kind === 'touch') await bubble.locator('.cb-header button[aria-label="Close chat"]').tap();
    else if (kind === 'mouse') await launcher.click();
    else await page.keyboard.press('Escape');
    await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a press begun elsewhere on the page before the widget mounts, and ended there, opens nothing', async () => {
  const { context, page, problems } = await openPage(env.browser, {});
  const release = await holdWasm(page);
  await hostPage(page, env.server, 'press-elsewhere.html', { 'data-load': 'eager' });
  await page.mouse.move(20, 20);
  await page.mouse.down();
  release();
  const bubble = widget(page);
  await bubble.locator('.cb-panel').waitFor({ state: 'attached' });
  await page.mouse.up();
  await page.waitForTimeout(300);
  assert.equal(await bubble.locator('.cb-panel').isVisible(), false);
  // The next click on the bubble opens the panel (and is not taken for the end of that press).
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  await page.waitForTimeout(300);
  assert.equal(await bubble.locator('.cb-panel').isVisible(), true);
  assert.deepEqual(problems, []);
  await context.close();
});
