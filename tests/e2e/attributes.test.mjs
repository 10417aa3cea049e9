// The site owner's data-* attributes: each changes what it should; a bad value gives a console
// message naming the attribute and falls back to the default.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage, defaultReply, waitForReply, mockSwitches } from './harness.mjs';

const env = serverAndBrowser();

/** Computed style properties of the first element matching `selector` in the widget. */
function styleOf(page, selector, properties) {
  return widget(page).locator(selector).first().evaluate(
    (e, names) => Object.fromEntries(names.map((n) => [n, getComputedStyle(e).getPropertyValue(n)])),
    properties,
  );
}

function warningsOf(page) {
  const warnings = [];
  page.on('console', (m) => {
    if (m.type() === 'warning') warnings.push(m.text());
  });
  return warnings;
}

test('every look and text attribute changes what it should', async () => {
  const { context, page, problems } = await openPage(env.browser, { colorScheme: 'light' });
  const warnings = warningsOf(page);
  await hostPage(page, env.server, 'attributes.html', {
    'data-load': 'eager',
    'data-title': 'Acme help',
    'data-subtitle': 'We answer in seconds',
    'data-avatar': `${env.server.url}chat-bubble.js`,
    'data-primary-color': '#ffcc00',
    'data-theme': 'dark',
    'data-position': 'left',
    'data-offset-x': '40',
    'data-offset-y': '30px',
    'data-z-index': '77',
    'data-width': '420',
    'data-height': '500',
    'data-greeting': 'Hi! <b>Ask</b> me anything.',
    'data-starters': 'Prices | Opening hours',
    'data-placeholder': 'Ask away',
    'data-open': 'true',
  });
  const bubble = widget(page);
  // data-open: the panel opens by itself once the widget is ready.
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  assert.deepEqual(await styleOf(page, '.cb-launcher', ['left', 'bottom', 'z-index', 'background-color', 'color']), {
    left: '40px', bottom: '30px', 'z-index': '77', 'background-color': 'rgb(255, 204, 0)', color: 'rgb(0, 0, 0)',
  });
  assert.deepEqual(await styleOf(page, '.cb-panel', ['left', 'width', 'height', 'background-color']), {
    left: '40px', width: '420px', height: '500px', 'background-color': 'rgb(17, 24, 39)',
  });
  assert.equal(await bubble.locator('.cb-title').textContent(), 'Acme help');
  assert.equal(await bubble.locator('.cb-subtitle').textContent(), 'We answer in seconds');
  assert.equal(await bubble.locator('.cb-avatar').getAttribute('src'), `${env.server.url}chat-bubble.js`);
  assert.equal(await bubble.locator('.cb-input').getAttribute('placeholder'), 'Ask away');
  // The greeting is text: its markup shows as typed.
  assert.equal(await bubble.locator('.cb-greeting .cb-text').textContent(), 'Hi! <b>Ask</b> me anything.');
  assert.equal(await bubble.locator('.cb-greeting b').count(), 0);
  assert.deepEqual(await bubble.locator('.cb-starter').allTextContents(), ['Prices', 'Opening hours']);
  // A starter sends itself and the suggestions go away.
  await bubble.locator('.cb-starter', { hasText: 'Opening hours' }).click();
  await waitForReply(page, defaultReply('Opening hours'));
  assert.equal(await bubble.locator('.cb-visitor .cb-text').textContent(), 'Opening hours');
  assert.equal(await bubble.locator('.cb-starters').isVisible(), false);
  // The reply shows the configured avatar, and the assistant's name as the backend stores it.
  assert.equal(await bubble.locator('.cb-assistant .cb-sender-avatar').getAttribute('src'), `${env.server.url}chat-bubble.js`);
  await bubble.locator('.cb-assistant .cb-sender-name', { hasText: 'Mock Assistant' }).waitFor();
  assert.deepEqual(warnings, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the loader places and themes the bubble before any wasm is fetched', async () => {
  const { context, page, problems } = await openPage(env.browser, { colorScheme: 'dark' });
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  await hostPage(page, env.server, 'early.html', { 'data-load': 'interaction', 'data-position': 'left' });
  await widget(page).locator('.cb-launcher').waitFor();
  assert.equal((await styleOf(page, '.cb-launcher', ['left'])).left, '20px');
  assert.deepEqual(wasm, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the bubble has its colour, place and layer before the wasm, the same as after it', async () => {
  const looks = [
    [{ 'data-primary-color': ' #FD0 ', 'data-offset-x': '32', 'data-offset-y': '+48px', 'data-z-index': '7' },
      { 'background-color': 'rgb(255, 221, 0)', color: 'rgb(0, 0, 0)', right: '32px', bottom: '48px', 'z-index': '7' }],
    // Padding is trimmed as the widget trims it: U+0085 is white space, U+FEFF is not.
    [{ 'data-primary-color': '#1e3a8a', 'data-position': 'left', 'data-offset-x': '0', 'data-offset-y': '\u0085 30', 'data-z-index': '-3' },
      { 'background-color': 'rgb(30, 58, 138)', color: 'rgb(255, 255, 255)', left: '0px', bottom: '30px', 'z-index': '-3' }],
    // A side in any case, with spaces around, is the side the widget reads.
    [{ 'data-position': 'Left' }, { left: '20px' }],
    [{ 'data-position': ' LEFT ' }, { left: '20px' }],
    // Values the widget refuses are refused before it too.
    [{ 'data-primary-color': '\ufeff#000', 'data-offset-x': '401', 'data-offset-y': '1e2', 'data-z-index': '1.5' },
      { 'background-color': 'rgb(37, 99, 235)', color: 'rgb(255, 255, 255)', right: '20px', bottom: '20px', 'z-index': '2147483000' }],
  ];
  for (const [i, [attrs, want]] of looks.entries()) {
    const { context, page } = await openPage(env.browser, { colorScheme: 'light' });
    const wasm = [];
    page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
    await hostPage(page, env.server, `look-${i}.html`, { 'data-load': 'interaction', ...attrs });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').waitFor();
    const names = Object.keys(want);
    const before = await styleOf(page, '.cb-launcher', names);
    assert.deepEqual(wasm, [], 'measured before the wasm was fetched');
    assert.deepEqual(before, want, JSON.stringify(attrs));
    await bubble.locator('.cb-launcher').hover();
    await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-panel'));
    assert.deepEqual(await styleOf(page, '.cb-launcher', names), before, `the widget keeps the look: ${JSON.stringify(attrs)}`);
    await context.close();
  }
});

test('a large offset keeps the open panel inside the window, its Close and Send within reach, on either side', async () => {
  const cases = [
    [{ width: 700, height: 900 }, { 'data-offset-x': '400' }],
    [{ width: 700, height: 900 }, { 'data-offset-x': '400', 'data-position': 'left' }],
    [{ width: 1000, height: 700 }, { 'data-offset-x': '400', 'data-width': '800' }],
    [{ width: 1000, height: 700 }, { 'data-offset-y': '400' }],
  ];
  for (const [i, [viewport, attrs]] of cases.entries()) {
    const { context, page, problems } = await openPage(env.browser, { viewport });
    await hostPage(page, env.server, `far-${i}.html`, { 'data-load': 'eager', ...attrs });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher[aria-expanded]').click();
    await bubble.locator('.cb-input').waitFor();
    const outside = await page.evaluate(() => {
      const root = document.querySelector('chat-bubble').shadowRoot;
      return ['.cb-panel', '.cb-header button[aria-label="Close chat"]', '.cb-input', '.cb-send'].filter((selector) => {
        const r = root.querySelector(selector).getBoundingClientRect();
        return r.left < 0 || r.top < 0 || r.right > innerWidth || r.bottom > innerHeight;
      });
    });
    assert.deepEqual(outside, [], `${JSON.stringify(attrs)} in ${viewport.width}x${viewport.height}`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('bad values: one console message per attribute, and the defaults', async () => {
  const { context, page, problems } = await openPage(env.browser, { colorScheme: 'dark' });
  const warnings = warningsOf(page);
  await hostPage(page, env.server, 'bad-attributes.html', {
    'data-load': 'eager',
    'data-theme': 'sepia',
    'data-position': 'middle',
    'data-primary-color': 'red; background: url(https://evil.example/x)',
    'data-offset-x': '-3',
    'data-offset-y': '9999',
    'data-z-index': 'top',
    'data-width': '50%',
    'data-height': '10',
    'data-avatar': 'javascript:alert(1)',
    'data-open': 'yes',
    'data-starters': 'a|b|c|d|e',
    'data-locale': 'tlh',
    'data-persistence': 'cookie',
  });
  const bubble = widget(page);
  await bubble.locator('.cb-panel').waitFor({ state: 'attached' });
  for (const name of ['theme', 'position', 'primary-color', 'offset-x', 'offset-y', 'z-index', 'width', 'height',
    'avatar', 'open', 'starters', 'locale', 'persistence']) {
    assert.ok(warnings.some((w) => w.startsWith(`chat-bubble: data-${name} `)), `no warning for data-${name}: ${warnings}`);
  }
  // data-open="yes" is not true: the panel stays closed.
  assert.equal(await bubble.locator('.cb-panel').isVisible(), false);
  assert.deepEqual(await styleOf(page, '.cb-launcher', ['right', 'bottom', 'z-index', 'background-color']), {
    right: '20px', bottom: '20px', 'z-index': '2147483000', 'background-color': 'rgb(37, 99, 235)',
  });
  await bubble.locator('.cb-launcher').click();
  // An unknown theme is auto: this visitor's system is dark.
  assert.deepEqual(await styleOf(page, '.cb-panel', ['width', 'background-color']), {
    width: '380px', 'background-color': 'rgb(17, 24, 39)',
  });
  assert.equal(await bubble.locator('.cb-avatar').count(), 0);
  assert.equal(await bubble.locator('.cb-starter').count(), 4);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a misspelt attribute is said with the setting it was likely meant to be; other tools\' attributes are not', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const warnings = warningsOf(page);
  await hostPage(page, env.server, 'misspelt-attributes.html', {
    'data-load': 'eager',
    'data-primarycolor': '#ff0000',
    'data-postion': 'left',
    'data-titel': 'Acme',
    'data-cfasync': 'false',
    'data-cookiecategory': 'functional',
  });
  const bubble = widget(page);
  await bubble.locator('.cb-panel').waitFor({ state: 'attached' });
  assert.deepEqual(warnings.sort(), [
    'chat-bubble: data-postion is not a setting (ignored); did you mean data-position?',
    'chat-bubble: data-primarycolor is not a setting (ignored); did you mean data-primary-color?',
    'chat-bubble: data-titel is not a setting (ignored); did you mean data-title?',
  ]);
  // Ignored: the defaults stand.
  assert.deepEqual(await styleOf(page, '.cb-launcher', ['right', 'background-color']), {
    right: '20px', 'background-color': 'rgb(37, 99, 235)',
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test('the site\'s own words in Arabic read from the right, its hint too; the widget\'s own stay left to right', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'arabic-attributes.html', {
    'data-load': 'eager',
    'data-title': 'مساعد المتجر',
    'data-subtitle': 'نرد خلال دقائق',
    'data-placeholder': 'اكتب رسالتك…',
    'data-starters': 'الأسعار | ساعات العمل',
    'data-open': 'true',
  });
  const bubble = widget(page);
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  const direction = (locator) => locator.evaluate((e) => getComputedStyle(e).direction);
  for (const selector of ['.cb-title', '.cb-subtitle', '.cb-empty-title']) {
    assert.equal(await direction(bubble.locator(selector)), 'rtl', selector);
  }
  for (const starter of await bubble.locator('.cb-starter').all()) {
    assert.equal(await direction(starter), 'rtl', await starter.textContent());
  }
  // The title starts at the heading's right edge, where an Arabic reader starts.
  const gap = await bubble.locator('.cb-title').evaluate((title) => {
    const range = document.createRange();
    range.selectNodeContents(title);
    return Math.round(title.getBoundingClientRect().right - range.getBoundingClientRect().right);
  });
  assert.ok(gap <= 2, `the title ends ${gap} px short of its right edge`);
  // The empty box shows its hint from the right; what is typed goes its own way.
  const input = bubble.locator('.cb-input');
  assert.equal(await direction(input), 'rtl', 'the empty box with its hint');
  await input.fill('Hello');
  assert.equal(await direction(input), 'ltr', 'English typed');
  await input.fill('مرحبا');
  assert.equal(await direction(input), 'rtl', 'Arabic typed');
  await input.fill('');
  assert.equal(await direction(input), 'rtl', 'empty again');
  // The widget's own words are English here, left to right.
  assert.equal(await direction(bubble.locator('.cb-empty-invite')), 'ltr');
  assert.deepEqual(problems, []);
  await context.close();
});

/** Keys of the widget's own entries in localStorage and sessionStorage. */
function storedKeys(page) {
  return page.evaluate(() => ({
    local: Object.keys(localStorage).filter((k) => k.startsWith('chat-bubble:')),
    session: Object.keys(sessionStorage).filter((k) => k.startsWith('chat-bubble:')),
  }));
}

test('data-persistence: session keeps the conversation in this tab only; none keeps nothing', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const bubble = widget(page);
  const sendAndReload = async (name, persistence) => {
    await hostPage(page, env.server, name, { 'data-load': 'eager', 'data-persistence': persistence });
    await bubble.locator('.cb-launcher[aria-expanded]').click();
    await bubble.locator('.cb-input').fill(`kept in ${persistence}?`);
    await bubble.locator('.cb-input').press('Enter');
    await waitForReply(page, defaultReply(`kept in ${persistence}?`));
    await bubble.locator('.cb-input').fill('a draft');
    const keys = await storedKeys(page);
    await page.reload();
    await bubble.locator('.cb-launcher[aria-expanded]').click();
    return keys;
  };

  const sessionKeys = await sendAndReload('persist-session.html', 'session');
  assert.deepEqual(sessionKeys.local, []);
  assert.ok(sessionKeys.session.some((k) => k.endsWith(':conversation')), JSON.stringify(sessionKeys));
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length === 2);
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'a draft');
  // Another tab of the same browser starts afresh.
  const other = await context.newPage();
  await hostPage(other, env.server, 'persist-session.html', { 'data-load': 'eager', 'data-persistence': 'session' });
  await widget(other).locator('.cb-launcher[aria-expanded]').click();
  await widget(other).locator('.cb-input').waitFor();
  assert.equal(await widget(other).locator('.cb-message').count(), 0);
  await other.close();

  await page.evaluate(() => sessionStorage.clear());
  const noneKeys = await sendAndReload('persist-none.html', 'none');
  assert.deepEqual(noneKeys, { local: [], session: [] });
  await bubble.locator('.cb-input').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await bubble.locator('.cb-message').count(), 0);
  assert.equal(await bubble.locator('.cb-input').inputValue(), '');
  assert.deepEqual(problems, []);
  await context.close();
});

test('data-locale="zh-TW" speaks Traditional Chinese; auto follows the browser', async () => {
  const { context, page, problems } = await openPage(env.browser, { locale: 'en-US', expectedStatuses: [401] });
  await hostPage(page, env.server, 'zh.html', { 'data-load': 'eager', 'data-locale': 'zh-TW' });
  const bubble = widget(page);
  // The panel exists once the widget replaced the loader's placeholder bubble.
  await bubble.locator('.cb-panel').waitFor({ state: 'attached' });
  assert.equal(await bubble.locator('.cb-launcher').getAttribute('aria-label'), '開啟對話');
  // Marked, so a screen reader reads the widget's words in Chinese on an English page.
  assert.equal(await bubble.locator('.cb-widget').getAttribute('lang'), 'zh-TW');
  await bubble.locator('.cb-launcher').click();
  assert.equal(await bubble.locator('.cb-title').textContent(), '對話', 'the title when the site sets none');
  assert.equal(await bubble.locator('.cb-input').getAttribute('placeholder'), '輸入訊息…');
  assert.equal(await bubble.locator('.cb-send').getAttribute('aria-label'), '傳送');
  assert.equal(await bubble.locator('.cb-new').getAttribute('aria-label'), '新對話');
  await mockSwitches(page, { fault: '401' });
  await bubble.locator('.cb-input').fill('你好');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-notice').waitFor();
  assert.equal(await bubble.locator('.cb-notice').textContent(), '對話設定有誤（存取遭拒），請通知網站管理員。');
  assert.equal(await bubble.locator('.cb-visitor .cb-message-status span').textContent(), '未送出');
  assert.equal(await bubble.locator('.cb-retry').textContent(), '重試');
  // Times in Chinese too, not in the English browser's words marked as Chinese: the part of the
  // day before the hour (中午 from noon to one, 凌晨 or 晚上 at night in some ICU versions).
  const time = await bubble.locator('.cb-visitor time').textContent();
  assert.match(time, /^(凌晨|清晨|早上|上午|中午|下午|晚上)\d{1,2}:\d\d$/, time);
  await context.close();

  // No data-locale: a browser set to Taiwanese Mandarin gets Chinese, an English one English.
  for (const [locale, label] of [['zh-TW', '開啟對話'], ['en-GB', 'Open chat']]) {
    const run = await openPage(env.browser, { locale });
    await hostPage(run.page, env.server, `auto-${locale}.html`, { 'data-load': 'eager' });
    await widget(run.page).locator('.cb-panel').waitFor({ state: 'attached' });
    assert.equal(await widget(run.page).locator('.cb-launcher').getAttribute('aria-label'), label, locale);
    assert.equal(await widget(run.page).locator('.cb-widget').getAttribute('lang'), locale === 'zh-TW' ? 'zh-TW' : 'en', locale);
    await widget(run.page).locator('.cb-launcher').click();
    assert.equal(await widget(run.page).locator('.cb-title').textContent(), locale === 'zh-TW' ? '對話' : 'Chat', locale);
    assert.deepEqual(run.problems, []);
    await run.context.close();
  }
  assert.deepEqual(problems, []);
});

test('a tag the widget cannot start with leaves no bubble behind, and its JS API does nothing without throwing', async () => {
  for (const attrs of [{ 'data-web-chat-id': ' ' }, { 'data-chatbot-id': 'has space/slash' }]) {
    const { context, page, problems } = await openPage(env.browser);
    const errors = [];
    page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
    await hostPage(page, env.server, 'cannot-start.html', { 'data-load': 'eager', ...attrs });
    // The wasm came and said why; the bubble the loader painted is gone.
    await page.waitForFunction(() => !document.querySelector('chat-bubble'));
    assert.ok(errors.some((e) => e.includes('not started')), JSON.stringify(errors));
    const api = await page.evaluate(() => {
      ChatBubble.open();
      ChatBubble.send('anyone?');
      return { open: ChatBubble.isOpen(), bubbles: document.querySelectorAll('chat-bubble').length };
    });
    assert.deepEqual(api, { open: false, bubbles: 0 }, JSON.stringify(attrs));
    assert.deepEqual(problems.filter((p) => !p.includes('not started')), [], JSON.stringify(attrs));
    await context.close();
  }
});
