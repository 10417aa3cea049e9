// Answers too large for a visitor's tab: a reply that does not end, history pages of many
// megabytes, pages that link to themselves. A backend that misbehaves (or one that is not this
// server) may send any of them; the widget reads a bounded amount and says what it left out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, send, hostPage } from './harness.mjs';

const env = serverAndBrowser();

/** src/api.rs's MAX_REPLY_TEXT and MAX_HISTORY_PAGE_BYTES. */
const MAX_REPLY_TEXT = 2 << 20;
const MAX_HISTORY_PAGE_BYTES = 8 << 20;

/** An SSE reply of `frames` frames of `text` each. */
function sseReply(text, frames) {
  const frame = `data: ${JSON.stringify({ content: text, done: false })}\n\n`;
  return frame.repeat(frames) + `data: ${JSON.stringify({ content: '', done: true })}\n\n`;
}

/** A page of history: `results`, and `next`. */
const historyPage = (results, next = null) => JSON.stringify({ count: results.length, next, previous: null, results });

const exchange = (n, reply = `answer ${n}`) => [
  { id: `q${n}`, type: 'incoming', content: `question ${n}`, createdAt: String(1_700_000_000_000 + 2 * n * 1000) },
  { id: `a${n}`, type: 'outgoing', content: reply, createdAt: String(1_700_000_000_000 + (2 * n + 1) * 1000) },
];

/** Texts of the rows shown, in order. */
const rowTexts = (page) => widget(page).locator('.cb-message .cb-text').allTextContents();

/** A conversation made through the mock, then the page opened again with the history routed to `fulfil`. */
async function historyFrom(page, fulfil) {
  await hostPage(page, env.server, 'limits-history.html');
  await send(page, 'hello');
  await widget(page).locator('.cb-send[type=submit]').waitFor({ timeout: 15000 });
  const asked = [];
  await page.route('**/messages/**', (route) => {
    asked.push(route.request().url());
    return fulfil(route, asked.length);
  });
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  return asked;
}

test('a reply that goes on past what the widget shows of one is cut there, with the reason said, and the rest is not read', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const word = 'endless '.repeat(128);
  // 2.5 MB of text: more than the widget shows.
  const frames = Math.ceil((2.5 * (1 << 20)) / word.length);
  const body = sseReply(word, frames);
  await page.route('**/completions/**', (route) => route.fulfill({ status: 200, contentType: 'text/event-stream', body }));
  await hostPage(page, env.server, 'limits-reply.html');
  await send(page, 'tell me everything');
  const notice = widget(page).locator('.cb-notice', { hasText: 'too long to show in full' });
  await notice.waitFor({ timeout: 60000 });
  // A long text shows a slice at a time (the body is `aria-busy` until all of it shows).
  await page.waitForFunction(() => !document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-text[aria-busy]'), null, { timeout: 60000, polling: 100 });
  const shown = await page.evaluate(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-assistant .cb-text').textContent.length);
  // Cut within one slice (16 KB) of decoding past the bound.
  assert.ok(shown >= MAX_REPLY_TEXT - word.length && shown <= MAX_REPLY_TEXT + 20 * 1024, `${shown} characters shown`);
  assert.ok(shown < frames * word.length - 256 * 1024, `${shown} of ${frames * word.length} characters shown`);
  assert.deepEqual(problems.filter((p) => !/completions/.test(p)), []);
  await context.close();
});

test('a history page that links to itself shows its messages once', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const asked = await historyFrom(page, (route) => route.fulfill({
    status: 200, contentType: 'application/json', body: historyPage(exchange(1), route.request().url()),
  }));
  await widget(page).locator('.cb-message').nth(1).waitFor();
  await page.waitForTimeout(500);
  assert.deepEqual(await rowTexts(page), ['question 1', 'answer 1']);
  assert.ok(asked.length <= 2, `${asked.length} pages asked for`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('history pages larger than the widget reads: the pages before are shown, a first one is said not to load', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const huge = historyPage(exchange(2, 'x'.repeat(MAX_HISTORY_PAGE_BYTES)));
  // The first page is read; the next one is too large.
  await historyFrom(page, (route, n) => route.fulfill({
    status: 200,
    contentType: 'application/json',
    body: n === 1 ? historyPage(exchange(1), `${new URL(route.request().url()).origin}/api/v1/messages/?cursor=2`) : huge,
  }));
  await widget(page).locator('.cb-message').nth(1).waitFor();
  await page.waitForTimeout(500);
  assert.deepEqual(await rowTexts(page), ['question 1', 'answer 1']);
  assert.equal(await widget(page).locator('.cb-history-failed').count(), 0);

  // A first page that is too large: the history is said not to load, with its Retry.
  await page.unroute('**/messages/**');
  await page.route('**/messages/**', (route) => route.fulfill({ status: 200, contentType: 'application/json', body: huge }));
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await widget(page).locator('.cb-history-failed').waitFor({ timeout: 30000 });
  assert.equal(await widget(page).locator('.cb-message .cb-text', { hasText: 'xxxxxxxx' }).count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});
