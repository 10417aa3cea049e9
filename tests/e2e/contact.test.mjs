// The contact step (data-ask-contact) against the mock: nothing starts the conversation around it
// (a suggestion, a message the page sends, a pasted file), what the visitor gives goes with the
// conversation however the site keeps its data, and keyboard visitors go on in the message box
// that takes its place. How the Maax V2 adapter turns the details into prospect info is in
// maax_v2.test.mjs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, hostPage, widget, waitForReply, defaultReply,
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
