// The closed bubble before the widget is there: a click while the wasm downloads shows that it
// was heard, and opens the panel as soon as the widget is ready.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage, PHONE } from './harness.mjs';

const env = serverAndBrowser();
const WASM = /_bg\.[0-9a-f]+\.wasm$/;

/** Holds every wasm request until `release()` is called. */
async function holdWasm(page) {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(WASM, async (route) => {
    await held;
    await route.continue();
  });
  return release;
}

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
  assert.ok(problems.some((p) => p.includes('could not load the widget')), JSON.stringify(problems));
  await bubble.locator('.cb-launcher').tap();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  await context.close();
});
