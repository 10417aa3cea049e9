// The teaser (data-teaser): a line beside the closed launcher after data-teaser-delay seconds, once
// per visitor, dismissible, a click on it opens the chat; it loads no wasm before data-load says.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage } from './harness.mjs';

const env = serverAndBrowser();
const TEXT = 'Questions? <b>Ask</b> us & we reply';

/** Every .wasm this page asks for, as it asks. */
function wasmRequests(page) {
  const seen = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && seen.push(r.url()));
  return seen;
}

/** Whether the teaser shows a while after it would have (absence needs some waiting). */
async function teaserAfter(page, ms) {
  await page.waitForTimeout(ms);
  return widget(page).locator('.cb-teaser').count();
}

test('the teaser shows after its delay above the closed launcher, as text, without loading the widget; a click on it opens the chat', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const wasm = wasmRequests(page);
  await hostPage(page, env.server, 'teaser.html', {
    'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': '2',
  });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').waitFor();
  assert.equal(await bubble.locator('.cb-teaser').count(), 0, 'not before its delay');
  const teaser = bubble.locator('.cb-teaser');
  await teaser.waitFor({ state: 'visible' });
  // Text, never markup.
  assert.equal(await teaser.locator('.cb-teaser-text').textContent(), TEXT);
  assert.equal(await teaser.locator('b').count(), 0);
  // Above the launcher, on its side.
  const box = await teaser.boundingBox();
  const launcher = await bubble.locator('.cb-launcher').boundingBox();
  assert.ok(box.y + box.height <= launcher.y, `teaser ends at ${box.y + box.height}, launcher starts at ${launcher.y}`);
  assert.equal(Math.round(box.x + box.width), Math.round(launcher.x + launcher.width), 'right edges aligned');
  assert.deepEqual(wasm, [], 'no wasm before an interaction (data-load="interaction")');

  await teaser.locator('.cb-teaser-text').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  assert.equal(wasm.length, 1, 'the click on the teaser loads the widget');
  assert.equal(await bubble.locator('.cb-teaser').count(), 0, 'gone once the chat is open');

  // Once per visitor: not again on the next page.
  await page.reload();
  await bubble.locator('.cb-launcher').waitFor();
  assert.equal(await teaserAfter(page, 3000), 0, 'shown once only');
  assert.deepEqual(problems, []);
  await context.close();
});

/** What has focus: the element inside the widget's shadow root, or the page's. */
const focused = (page) => page.evaluate(() => {
  const host = document.activeElement;
  const inner = host?.shadowRoot?.activeElement;
  return inner ? inner.className : host?.tagName;
});

for (const [how, dismiss] of [
  ['its close button', (page) => widget(page).locator('.cb-teaser-close').click()],
  ['Escape', (page) => page.keyboard.press('Escape')],
  ['Enter on its close button', async (page) => {
    await widget(page).locator('.cb-teaser-close').focus();
    await page.keyboard.press('Enter');
  }],
]) {
  test(`the teaser is dismissed with ${how}, and stays dismissed`, async () => {
    const { context, page, problems } = await openPage(env.browser);
    const wasm = wasmRequests(page);
    await hostPage(page, env.server, 'teaser-dismiss.html', {
      'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': '0',
    });
    const bubble = widget(page);
    await bubble.locator('.cb-teaser').waitFor({ state: 'visible' });
    await dismiss(page);
    await bubble.locator('.cb-teaser').waitFor({ state: 'detached' });
    assert.equal(await bubble.locator('.cb-panel').count(), 0, 'dismissing does not open anything');
    if (how.startsWith('Enter')) {
      // A keyboard user goes on from the bubble beside it, not from the top of the page.
      assert.equal(await focused(page), 'cb-launcher');
    }
    assert.deepEqual(wasm, [], 'nor loads the widget');
    await page.reload();
    await bubble.locator('.cb-launcher').waitFor();
    assert.equal(await teaserAfter(page, 1500), 0, 'not shown again');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('the teaser stays while the widget takes over the launcher, and goes when the launcher opens the chat', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'teaser-mount.html', {
    'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': '0',
  });
  const bubble = widget(page);
  await bubble.locator('.cb-teaser').waitFor({ state: 'visible' });
  // Hovering the launcher loads the widget, which replaces the loader's bubble.
  await bubble.locator('.cb-launcher').hover();
  await bubble.locator('.cb-panel').waitFor({ state: 'attached' });
  assert.equal(await bubble.locator('.cb-teaser').isVisible(), true, 'still there after the widget mounted');
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  await bubble.locator('.cb-teaser').waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('no teaser while the chat is already open, and a keyboard user lands in the message box from it', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'teaser-open.html', {
    'data-load': 'eager', 'data-open': 'true', 'data-teaser': TEXT, 'data-teaser-delay': '0',
  });
  const bubble = widget(page);
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  assert.equal(await teaserAfter(page, 1500), 0, 'not over an open chat');
  await context.close();

  const keyboard = await openPage(env.browser);
  await hostPage(keyboard.page, env.server, 'teaser-keys.html', {
    'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': '0',
  });
  const kb = widget(keyboard.page);
  await kb.locator('.cb-teaser').waitFor({ state: 'visible' });
  await kb.locator('.cb-teaser-text').focus();
  await keyboard.page.keyboard.press('Enter');
  await kb.locator('.cb-panel').waitFor({ state: 'visible' });
  await keyboard.page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.activeElement?.className === 'cb-input');
  assert.deepEqual(problems, []);
  assert.deepEqual(keyboard.problems, []);
  await keyboard.context.close();
});

test('the teaser comes before the launcher in Tab order, and its words come into a status region already there', async () => {
  const { context, page, problems } = await openPage(env.browser);
  // Record, from the start, what the teaser held when it was put in the page.
  await page.addInitScript(() => {
    window.teaserWhenInserted = null;
    const watch = (root) => new MutationObserver((changes) => {
      for (const change of changes) {
        for (const node of change.addedNodes) {
          if (node.classList?.contains('cb-teaser') && window.teaserWhenInserted === null) {
            window.teaserWhenInserted = { role: node.getAttribute('role'), words: node.querySelector('.cb-teaser-text').textContent };
          }
        }
      }
    }).observe(root, { childList: true, subtree: true });
    const attach = Element.prototype.attachShadow;
    Element.prototype.attachShadow = function (init) {
      const root = attach.call(this, init);
      watch(root);
      return root;
    };
  });
  await hostPage(page, env.server, 'teaser-order.html', {
    'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': '0',
  });
  const bubble = widget(page);
  await bubble.locator('.cb-teaser-text', { hasText: 'Questions?' }).waitFor();
  assert.deepEqual(await page.evaluate(() => window.teaserWhenInserted), { role: 'status', words: '' });
  // From the page, Tab reaches the teaser, its close button, then the launcher.
  await page.locator('body').focus();
  const order = [];
  for (let i = 0; i < 3; i += 1) {
    await page.keyboard.press('Tab');
    order.push(await focused(page));
  }
  assert.deepEqual(order, ['cb-teaser-text', 'cb-teaser-close', 'cb-launcher']);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`the teaser takes the theme's colours (${scheme})`, async () => {
    const { context, page, problems } = await openPage(env.browser, { colorScheme: scheme });
    await hostPage(page, env.server, `teaser-${scheme}.html`, {
      'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': '0', 'data-position': 'left',
    });
    const teaser = widget(page).locator('.cb-teaser');
    await teaser.waitFor({ state: 'visible' });
    const look = await teaser.evaluate((e) => ({ background: getComputedStyle(e).backgroundColor, color: getComputedStyle(e).color }));
    assert.deepEqual(look, scheme === 'dark'
      ? { background: 'rgb(17, 24, 39)', color: 'rgb(249, 250, 251)' }
      : { background: 'rgb(255, 255, 255)', color: 'rgb(17, 24, 39)' });
    // data-position="left": on the launcher's side.
    const box = await teaser.boundingBox();
    const launcher = await widget(page).locator('.cb-launcher').boundingBox();
    assert.equal(Math.round(box.x), Math.round(launcher.x));
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a bad data-teaser-delay warns and uses the default', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const warnings = [];
  page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await hostPage(page, env.server, 'teaser-bad.html', {
    'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': 'soon',
  });
  await widget(page).locator('.cb-teaser').waitFor({ state: 'visible' });
  assert.ok(warnings.some((w) => w.includes('data-teaser-delay "soon"')), JSON.stringify(warnings));
  assert.deepEqual(problems, []);
  await context.close();
});

test('no teaser for a tag the widget cannot start with (an id missing)', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'teaser-no-id.html', {
    'data-load': 'interaction', 'data-chatbot-id': ' ', 'data-teaser': TEXT, 'data-teaser-delay': '0',
  });
  await widget(page).locator('.cb-launcher').waitFor();
  assert.equal(await teaserAfter(page, 1500), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test("the teaser's close button speaks the widget's language: data-locale, else the browser's", async () => {
  for (const [locale, attrs, label, lang] of [
    ['en-US', { 'data-locale': 'zh-TW' }, '關閉', 'zh-TW'],
    ['zh-TW', {}, '關閉', 'zh-TW'],
    ['zh-TW', { 'data-locale': 'en' }, 'Dismiss', 'en'],
    ['zh-CN', {}, 'Dismiss', 'en'],
  ]) {
    const { context, page, problems } = await openPage(env.browser, { locale });
    await hostPage(page, env.server, 'teaser-locale.html', {
      'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': '0', ...attrs,
    });
    const close = widget(page).locator('.cb-teaser-close');
    await close.waitFor();
    const where = `${locale} ${JSON.stringify(attrs)}`;
    assert.equal(await close.getAttribute('aria-label'), label, where);
    assert.equal(await close.getAttribute('lang'), lang, where);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('an Arabic teaser reads from the right; an English one from the left', async () => {
  for (const [text, direction] of [['هل لديك سؤال؟ اسألنا', 'rtl'], [TEXT, 'ltr']]) {
    const { context, page, problems } = await openPage(env.browser);
    await hostPage(page, env.server, 'teaser-direction.html', {
      'data-load': 'interaction', 'data-teaser': text, 'data-teaser-delay': '0',
    });
    const words = widget(page).locator('.cb-teaser-text span');
    await words.waitFor();
    assert.equal(await words.evaluate((e) => getComputedStyle(e).direction), direction, text);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('Escape in the site\'s own search box, or one its menu takes, leaves the teaser up', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'teaser-page-escape.html', {
    'data-load': 'interaction', 'data-teaser': TEXT, 'data-teaser-delay': '0',
  });
  await page.evaluate(() => {
    const search = document.body.appendChild(document.createElement('input'));
    search.id = 'search';
    const menu = document.body.appendChild(document.createElement('button'));
    menu.id = 'menu';
    menu.addEventListener('keydown', (e) => e.key === 'Escape' && e.preventDefault());
  });
  const teaser = widget(page).locator('.cb-teaser');
  await teaser.waitFor({ state: 'visible' });
  await page.locator('#search').focus();
  await page.keyboard.press('Escape');
  await page.locator('#menu').focus();
  await page.keyboard.press('Escape');
  assert.equal(await teaser.count(), 1, 'still up');
  // Escape with nothing focused is the visitor's no to it.
  await page.evaluate(() => document.activeElement.blur());
  await page.keyboard.press('Escape');
  await teaser.waitFor({ state: 'detached' });
  assert.deepEqual(problems, []);
  await context.close();
});
