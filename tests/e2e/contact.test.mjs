// The contact step (data-ask-contact) against the mock: nothing starts the conversation around it
// (a suggestion, a message the page sends, a pasted file), what the visitor gives goes with the
// conversation however the site keeps its data, keyboard visitors go on in the message box that
// takes its place, and it can be gone through on a small screen. How the Maax V2 adapter turns
// the details into prospect info is in maax_v2.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, tapOpen, hostPage, widget, waitForReply, defaultReply, controlsSmallerThan, PHONE,
} from './harness.mjs';

const env = serverAndBrowser();

const ADA = { name: 'Ada Lovelace', email: 'ada@example.com' };

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** The body of each `POST conversations/` the page makes from now on, and each upload's URL. */
function watchRequests(page) {
  const seen = { conversations: [], uploads: [] };
  page.on('request', (r) => {
    if (r.method() !== 'POST') return;
    if (/\/conversations\/$/.test(r.url())) seen.conversations.push(r.postDataJSON());
    else if (!r.url().includes('/completions/')) seen.uploads.push(r.url());
  });
  return seen;
}

/** Fills in the step and presses Start chatting. */
async function giveDetails(page) {
  const bubble = widget(page);
  await bubble.locator('.cb-contact-name').fill(ADA.name);
  await bubble.locator('.cb-contact-reach').fill(ADA.email);
  await bubble.locator('.cb-contact-start').click();
  await bubble.locator('.cb-composer').waitFor();
}

/** The class of what has focus inside the widget, or the document's focused tag outside it. */
function focused(page) {
  return page.evaluate(() => {
    const inner = document.querySelector('chat-bubble')?.shadowRoot?.activeElement;
    return inner ? inner.className : `outside:${document.activeElement?.tagName}`;
  });
}

/** Waits until `className` has focus inside the widget; on timeout, says what has it instead. */
async function untilFocused(page, className) {
  for (let i = 0; i < 100; i++) {
    if ((await focused(page)) === className) return;
    await page.waitForTimeout(50);
  }
  assert.equal(await focused(page), className, 'focus');
}

test('the suggestions come once the contact step is answered, and the one chosen starts the conversation with the details', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const requests = watchRequests(page);
  await hostPage(page, env.server, 'contact-starters.html', { 'data-ask-contact': 'true', 'data-starters': 'Prices | Hours' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-contact').waitFor();
  // Beside the step, a suggestion would start the conversation without it.
  assert.equal(await bubble.locator('.cb-starter:visible').count(), 0, 'no suggestion beside the contact step');

  await giveDetails(page);
  await bubble.locator('.cb-starter', { hasText: 'Prices' }).click();
  await waitForReply(page, defaultReply('Prices'));
  assert.deepEqual(requests.conversations, [{ webChat: 'e2e-web-chat', contact: ADA }]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('an address or number typed in full-width forms is taken, and a long entry is not cut but said to be too long', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const requests = watchRequests(page);
  await hostPage(page, env.server, 'contact-full-width.html', { 'data-ask-contact': 'true' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const [name, reach] = [bubble.locator('.cb-contact-name'), bubble.locator('.cb-contact-reach')];
  // A question typed in the name field by mistake stays whole, and is said to be no name.
  const question = 'Hi, I would like to know whether you deliver to Taipei on weekends, and how much that costs per order?';
  await name.fill(question);
  await reach.fill('０９１２　３４５　６７８');
  await bubble.locator('.cb-contact-start').click();
  assert.equal(await bubble.locator('.cb-contact-problem:not(:empty)').textContent(), 'Please enter a shorter name.');
  assert.equal(await name.inputValue(), question);
  // Said right under the name field, which is marked; the other field is not.
  const below = async (problemOf, field, next) => {
    const [p, f, n] = await Promise.all([problemOf, field, next].map((l) => l.boundingBox()));
    return p.y >= f.y + f.height && (!n || p.y + p.height <= n.y);
  };
  assert.ok(await below(bubble.locator('.cb-contact-problem:not(:empty)'), name, reach), 'under the name field');
  assert.equal(await name.getAttribute('aria-invalid'), 'true');
  assert.equal(await reach.getAttribute('aria-invalid'), 'false');
  assert.notEqual(await name.evaluate((e) => getComputedStyle(e).borderTopColor), await reach.evaluate((e) => getComputedStyle(e).borderTopColor));
  assert.deepEqual([await name.getAttribute('aria-required'), await reach.getAttribute('aria-required')], ['true', 'true']);
  // A full-width at sign makes an address, not a wrong phone number.
  await name.fill('陳小明');
  await reach.fill('ada＠example');
  await bubble.locator('.cb-contact-start').click();
  assert.equal(await bubble.locator('.cb-contact-problem:not(:empty)').textContent(), 'That email address does not look right.');
  assert.ok(await below(bubble.locator('.cb-contact-problem:not(:empty)'), reach, bubble.locator('.cb-contact-start')), 'under the email or phone field');
  assert.equal(await name.getAttribute('aria-invalid'), 'false');
  await reach.fill('ada＠example．com');
  await bubble.locator('.cb-contact-start').click();
  await bubble.locator('.cb-composer').waitFor();
  await bubble.locator('.cb-input').fill('hello');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReply(page, defaultReply('hello'));
  assert.deepEqual(requests.conversations, [{ webChat: 'e2e-web-chat', contact: { name: '陳小明', email: 'ada@example.com' } }]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, Enter (the keyboard\'s Go) in a field starts the chat with the keyboard still up, in the message box', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await hostPage(page, env.server, 'contact-phone-enter.html', { 'data-ask-contact': 'true' }, { phone: true });
  const bubble = widget(page);
  await tapOpen(page);
  await bubble.locator('.cb-contact-name').tap();
  await page.keyboard.type(ADA.name);
  await bubble.locator('.cb-contact-reach').tap();
  await page.keyboard.type(ADA.email);
  await page.keyboard.press('Enter');
  await bubble.locator('.cb-composer').waitFor();
  await untilFocused(page, 'cb-input');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a message the page sends during the contact step waits for the answer, and goes with it', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const requests = watchRequests(page);
  await hostPage(page, env.server, 'contact-api.html', { 'data-ask-contact': 'true', 'data-load': 'eager' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').waitFor();
  await page.evaluate(() => window.ChatBubble.send('Do you ship abroad?'));
  await bubble.locator('.cb-contact').waitFor();
  await giveDetails(page);
  await waitForReply(page, defaultReply('Do you ship abroad?'));
  assert.deepEqual(requests.conversations, [{ webChat: 'e2e-web-chat', contact: ADA }]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a picture pasted during the contact step does not start the conversation without the details', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const requests = watchRequests(page);
  await hostPage(page, env.server, 'contact-paste.html', { 'data-ask-contact': 'true', 'data-attachments': 'images' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-contact-name').evaluate((input, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'pasted.png', { type: 'image/png' }));
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, composed: true }));
  }, [...PNG]);
  await giveDetails(page);
  await bubble.locator('.cb-input').fill('Hello');
  await bubble.locator('.cb-input').press('Enter');
  // Whatever the reply says: the message is sent, and answered.
  await bubble.locator('.cb-assistant .cb-copy-message').waitFor();
  assert.deepEqual(requests.conversations, [{ webChat: 'e2e-web-chat', contact: ADA }]);
  assert.deepEqual(requests.uploads, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the details go with the conversation on a site that keeps nothing in the browser', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const requests = watchRequests(page);
  await hostPage(page, env.server, 'contact-none.html', { 'data-ask-contact': 'true', 'data-persistence': 'none' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await giveDetails(page);
  await bubble.locator('.cb-input').fill('Hello');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReply(page, defaultReply('Hello'));
  assert.deepEqual(requests.conversations, [{ webChat: 'e2e-web-chat', contact: ADA }]);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const answer of ['Skip', 'Start chatting']) {
  test(`keyboard only: after ${answer}, the visitor goes on typing in the message box, and Escape closes`, async () => {
    const { context, page, problems } = await openPage(env.browser);
    const requests = watchRequests(page);
    await hostPage(page, env.server, `contact-keys-${answer === 'Skip' ? 'skip' : 'start'}.html`, { 'data-ask-contact': 'true', 'data-load': 'eager' });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher[aria-expanded]').waitFor();
    await page.keyboard.press('Tab');
    assert.equal(await focused(page), 'cb-launcher');
    await page.keyboard.press('Enter');
    await untilFocused(page, 'cb-input cb-contact-name');
    if (answer === 'Skip') {
      await page.keyboard.press('Tab');
      await page.keyboard.press('Tab');
      assert.equal(await focused(page), 'cb-contact-skip');
      await page.keyboard.press('Enter');
    } else {
      await page.keyboard.type(ADA.name);
      await page.keyboard.press('Tab');
      // With a field to fix, focus stays on it.
      await page.keyboard.press('Enter');
      await bubble.locator('.cb-contact-problem:not(:empty)').waitFor();
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      assert.equal(await focused(page), 'cb-input cb-contact-reach');
      await page.keyboard.type(ADA.email);
      await page.keyboard.press('Enter');
    }
    await untilFocused(page, 'cb-input');
    await page.keyboard.type('Where is my order?');
    await page.keyboard.press('Enter');
    await waitForReply(page, defaultReply('Where is my order?'));
    assert.deepEqual(requests.conversations[0].contact, answer === 'Skip' ? undefined : ADA);
    await page.keyboard.press('Escape');
    await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
    await untilFocused(page, 'cb-launcher');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

/** Each control of the step that is not wholly inside the panel and the step's own box. */
function controlsOutOfSight(page) {
  return page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const panel = root.querySelector('.cb-panel').getBoundingClientRect();
    const step = root.querySelector('.cb-contact').getBoundingClientRect();
    return Array.from(root.querySelectorAll('.cb-contact input, .cb-contact button'))
      .filter((e) => {
        const r = e.getBoundingClientRect();
        return r.top < Math.max(panel.top, step.top) - 0.5 || r.bottom > Math.min(panel.bottom, step.bottom) + 0.5;
      })
      .map((e) => e.className);
  });
}

/** Whether a tap at the centre of `selector` reaches it. */
function reachedAtCentre(page, selector) {
  return page.evaluate((selector) => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const e = root.querySelector(selector);
    const r = e.getBoundingClientRect();
    const hit = root.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
    return hit === e || e.contains(hit);
  }, selector);
}

test('at 400% zoom (320x256) the contact step scrolls under the wheel, and shows each field and button as Tab reaches it', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 320, height: 256 } });
  await hostPage(page, env.server, 'contact-zoom.html', { 'data-ask-contact': 'true', 'data-load': 'eager' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').click();
  await bubble.locator('.cb-contact').waitFor();
  assert.ok((await controlsOutOfSight(page)).includes('cb-contact-start'), 'Start is out of sight at first');
  // The wheel over the step brings its buttons up, where a click reaches them.
  const step = await bubble.locator('.cb-contact').boundingBox();
  await page.mouse.move(step.x + step.width / 2, (step.y + 256) / 2);
  await page.mouse.wheel(0, 400);
  // The wheel scrolls smoothly: its frames take a moment.
  await page.waitForTimeout(500);
  assert.deepEqual(await controlsOutOfSight(page).then((c) => c.filter((e) => /skip|start/.test(e))), []);
  assert.ok(await reachedAtCentre(page, '.cb-contact-start'), 'a click on Start reaches it');

  // Tab goes through the step from its top: each control shows as it gets focus, below the
  // header, which stays.
  await bubble.locator('.cb-contact-name').focus();
  const seen = [];
  for (const control of ['cb-input cb-contact-name', 'cb-input cb-contact-reach', 'cb-contact-skip', 'cb-contact-start']) {
    assert.equal(await focused(page), control);
    if (!(await controlsOutOfSight(page)).includes(control)) seen.push(control);
    await page.keyboard.press('Tab');
  }
  assert.deepEqual(seen, ['cb-input cb-contact-name', 'cb-input cb-contact-reach', 'cb-contact-skip', 'cb-contact-start']);
  assert.equal(await bubble.locator('.cb-header').evaluate((h) => h.getBoundingClientRect().top), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone held sideways with its keyboard up, a finger scrolls the contact step to its buttons, and each control takes a finger', async () => {
  const { context, page, problems } = await openPage(env.browser, { ...PHONE, viewport: { width: 844, height: 390 } });
  await hostPage(page, env.server, 'contact-sideways.html', { 'data-ask-contact': 'true', 'data-load': 'eager' }, { phone: true });
  const bubble = widget(page);
  await tapOpen(page);
  await bubble.locator('.cb-contact').waitFor();
  // The on-screen keyboard leaves 170 px of the screen.
  await page.evaluate(() => {
    Object.defineProperty(visualViewport, 'height', { configurable: true, get: () => 170 });
    visualViewport.dispatchEvent(new Event('resize'));
  });
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-panel').getBoundingClientRect().height === 170);
  assert.ok((await controlsOutOfSight(page)).includes('cb-contact-start'), 'Start is out of sight at first');

  // A finger put on the step and drawn up, then lifted, as often as it takes.
  const cdp = await context.newCDPSession(page);
  const box = await bubble.locator('.cb-contact').boundingBox();
  const x = box.x + box.width / 2;
  for (let swipe = 0; swipe < 4 && (await controlsOutOfSight(page)).includes('cb-contact-start'); swipe++) {
    const y = box.y + box.height - 10;
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
    for (let moved = 20; moved <= 80; moved += 20) {
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y - moved }] });
    }
    await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  }
  assert.deepEqual(await controlsOutOfSight(page).then((c) => c.filter((e) => /skip|start/.test(e))), []);
  assert.ok(await reachedAtCentre(page, '.cb-contact-skip'), 'a tap on Skip reaches it');
  // Each field and button takes a finger.
  assert.deepEqual(await controlsSmallerThan(page, 44, '.cb-contact input, .cb-contact button'), []);
  await bubble.locator('.cb-contact-skip').tap();
  await bubble.locator('.cb-composer').waitFor();
  assert.deepEqual(problems, []);
  await context.close();
});
