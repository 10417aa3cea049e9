// Streaming that never garbles, stalls or loses a message: each fault the mock can produce, as
// a visitor meets it. Every test also checks that nothing uncaught reached the console.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, widget, defaultReply, mockSwitches, hostPage, messageRows, waitForReply, send, untilStopArmed,
  historyReads, messagesAsked,
} from './harness.mjs';

const env = serverAndBrowser();

let keys = 0;
/** A fault that strikes only the first `times` requests (fresh key per call). */
const faultTimes = (fault, times, extra = {}) => ({ fault, fault_times: times, fault_key: `k${Date.now()}-${keys++}`, ...extra });

/** The rows of one exchange, whole: `message` and the mock's reply to it, neither marked. */
const wholeExchange = (message) => [['visitor', message, ''], ['assistant', defaultReply(message), '']];

/** Reloads, opens the panel and finds the one exchange of `message` whole, as the backend holds it. */
async function reloadedShowsWhole(page, message) {
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await waitForReply(page, defaultReply(message));
  assert.deepEqual(await messageRows(page), wholeExchange(message));
}

async function notice(page) {
  return widget(page).locator('.cb-notice').textContent({ timeout: 15000 });
}


/**
 * After a cut reply to `message`: nothing more goes out until the visitor asks; the reply's
 * Retry then asks once more, and the whole reply comes.
 */
async function onlyRetryAsksAgain(page, message, asked) {
  await page.waitForTimeout(2500);
  assert.deepEqual(asked, [message]);
  await widget(page).locator('.cb-assistant .cb-retry').click();
  await waitForReply(page, defaultReply(message));
  assert.deepEqual(await messageRows(page), [
    ['visitor', message, ''],
    ['assistant', defaultReply(message), ''],
  ]);
  assert.deepEqual(asked, [message, message]);
}

/**
 * Reloads `page` and opens the panel: the cut reply comes back from the history as it was shown,
 * with its Retry, even though the backend kept no reply to the question.
 */
async function cutReplyComesBack(page, rows) {
  await page.reload();
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  assert.deepEqual(await messageRows(page), rows);
}

/** The visitor's message stays, marked unsent; after the fault clears, Retry gets the reply. */
async function unsentThenRetry(page, message) {
  const bubble = widget(page);
  await bubble.locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 });
  assert.deepEqual(await messageRows(page), [['visitor', message, 'Not sent']]);
  await mockSwitches(page, null);
  await bubble.locator('.cb-visitor .cb-retry').click();
  await waitForReply(page, defaultReply(message));
  assert.deepEqual(await messageRows(page), [
    ['visitor', message, ''],
    ['assistant', defaultReply(message), ''],
  ]);
  await bubble.locator('.cb-notice').waitFor({ state: 'detached' });
}

test('401: the visitor is told it is a set-up problem, the message is kept, Retry works', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [401] });
  await page.goto(env.server.url);
  await mockSwitches(page, { fault: '401' });
  await send(page, 'key check');
  assert.match(await notice(page), /site owner/);
  await unsentThenRetry(page, 'key check');
  assert.deepEqual(problems, []);
  await context.close();
});

test('429: waits for Retry-After and retries by itself', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [429] });
  await page.goto(env.server.url);
  await mockSwitches(page, faultTimes('429', 1, { retry_after: 1 }));
  await send(page, 'busy?');
  assert.match(await notice(page), /busy\. Retrying in 1 s/);
  await waitForReply(page, defaultReply('busy?'));
  assert.equal(await widget(page).locator('.cb-notice').count(), 0, 'the notice clears');
  assert.deepEqual(problems, []);
  await context.close();
});

test('500 once: retried with backoff, the reply arrives', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [500] });
  await page.goto(env.server.url);
  await mockSwitches(page, faultTimes('500', 1));
  await send(page, 'flaky');
  await waitForReply(page, defaultReply('flaky'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('an HTML error page that persists: a plain message, never the page, and Retry', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [500] });
  await page.goto(env.server.url);
  await mockSwitches(page, { fault: 'html' });
  await send(page, 'html please');
  const text = await widget(page).locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 }).then(() => notice(page));
  assert.match(text, /having trouble/);
  assert.doesNotMatch(text, /</);
  await unsentThenRetry(page, 'html please');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply cut off once: not asked again by itself (the backend has the message); Retry asks once more', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const asked = messagesAsked(page);
  await mockSwitches(page, faultTimes('drop', 1));
  await send(page, 'drop once');
  await widget(page).locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  const [question, reply] = await messageRows(page);
  assert.deepEqual(question, ['visitor', 'drop once', ''], 'the message is not marked unsent: it was sent');
  assert.equal(reply[2], 'Reply interrupted');
  assert.ok(reply[1].length > 0 && defaultReply('drop once').startsWith(reply[1]), `partial: ${reply[1]}`);
  await cutReplyComesBack(page, [question, reply]);
  await onlyRetryAsksAgain(page, 'drop once', asked);
  // Answered now: a reload shows the question once (the backend holds both askings) and its
  // reply, and nothing cut.
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await waitForReply(page, defaultReply('drop once'));
  assert.equal(await widget(page).locator('.cb-retry').count(), 0);
  assert.deepEqual(await messageRows(page), wholeExchange('drop once'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the same message typed again right after its reply was cut is that reply\'s Retry: shown once, then and after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const asked = messagesAsked(page);
  await mockSwitches(page, faultTimes('drop', 1));
  await send(page, 'typed twice');
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  await send(page, 'typed twice');
  await waitForReply(page, defaultReply('typed twice'));
  const rows = [
    ['visitor', 'typed twice', ''],
    ['assistant', defaultReply('typed twice'), ''],
  ];
  assert.deepEqual(await messageRows(page), rows);
  assert.deepEqual(asked, ['typed twice', 'typed twice']);
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await waitForReply(page, defaultReply('typed twice'));
  assert.deepEqual(await messageRows(page), rows);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the same question, not sent after one was retried, is still kept after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [500] });
  await page.goto(env.server.url);
  const asked = messagesAsked(page);
  await mockSwitches(page, faultTimes('drop', 1));
  await send(page, 'once more');
  await widget(page).locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  await onlyRetryAsksAgain(page, 'once more', asked);
  // The backend now holds the question twice, the panel shows it once. The same words again
  // do not reach the backend.
  await mockSwitches(page, { fault: 'html' });
  await send(page, 'once more');
  await widget(page).locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 });
  const rows = [
    ['visitor', 'once more', ''],
    ['assistant', defaultReply('once more'), ''],
    ['visitor', 'once more', 'Not sent'],
  ];
  assert.deepEqual(await messageRows(page), rows);
  await mockSwitches(page, null);
  // After a reload it is still there to send: the history's second asking is not it.
  await page.reload();
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 });
  await waitForReply(page, defaultReply('once more'));
  assert.deepEqual(await messageRows(page), rows);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply the backend went on writing after the cut takes its place after a reload, with nothing to press', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const asked = messagesAsked(page);
  // The stream breaks; the backend stores the whole reply 6 s after the question.
  await mockSwitches(page, faultTimes('drop', 1, { stored_after: 6000 }));
  await send(page, 'write on');
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  await mockSwitches(page, null);
  // Reloaded at once: the backend holds no reply yet, so the cut one comes back with Retry…
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 5000 });
  // …until the stored reply takes its place, whole, with nothing asked a second time.
  await waitForReply(page, defaultReply('write on'), 30000);
  assert.deepEqual(await messageRows(page), wholeExchange('write on'));
  assert.equal(await bubble.locator('.cb-retry').count(), 0);
  assert.deepEqual(asked, ['write on']);
  // Remembered no more: the next reload shows the reply as stored.
  await reloadedShowsWhole(page, 'write on');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply the backend went on writing after the cut takes its place while the visitor waits, with nothing to press', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const asked = messagesAsked(page);
  // The stream breaks; the backend stores the whole reply 5 s after the question.
  await mockSwitches(page, faultTimes('drop', 1, { stored_after: 5000 }));
  await send(page, 'keep writing');
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  assert.equal((await messageRows(page))[1][2], 'Reply interrupted');
  await mockSwitches(page, null);
  await waitForReply(page, defaultReply('keep writing'), 30000);
  assert.deepEqual(await messageRows(page), wholeExchange('keep writing'));
  assert.equal(await bubble.locator('.cb-retry').count(), 0);
  assert.deepEqual(asked, ['keep writing']);
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * Routes the next completion to the mock, and hands the page only its first `frames` frames:
 * the body then ends cleanly, without the frame that says the reply is done, as a proxy or CDN
 * that gave up would end it. The mock has stored the whole reply by then.
 */
async function endWithoutLastFrame(page, frames) {
  await page.route('**/completions/**', async (route) => {
    const response = await route.fetch();
    const events = (await response.text()).split('\n\n').filter((event) => event.trim());
    assert.ok(events.length > frames, `the reply has more than ${frames} frames`);
    assert.ok(events.slice(0, frames).every((event) => event.includes('"done":false')));
    await route.fulfill({ response, body: events.slice(0, frames).join('\n\n') + '\n\n' });
  }, { times: 1 });
}

test('a reply whose body ends without its last frame is cut, not whole: marked, until the reply the backend stored takes its place and the notice goes', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const asked = messagesAsked(page);
  await endWithoutLastFrame(page, 4);
  // How the reply's row was shown, in order: cut (with Retry) or finished (with Copy).
  await page.evaluate(() => {
    window.__shown = [];
    const root = document.querySelector('chat-bubble').shadowRoot;
    const note = (what) => window.__shown.at(-1) !== what && window.__shown.push(what);
    new MutationObserver(() => {
      const row = root.querySelector('.cb-assistant');
      if (row?.querySelector('.cb-retry')) note('cut');
      else if (row?.querySelector('.cb-copy-message')) note('finished');
      if (root.querySelector('.cb-notice')) note('notice');
    }).observe(root, { subtree: true, childList: true, characterData: true, attributes: true });
  });
  await send(page, 'cut cleanly');
  await waitForReply(page, defaultReply('cut cleanly'), 30000);
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-copy-message').waitFor();
  assert.deepEqual(await messageRows(page), wholeExchange('cut cleanly'));
  // Never shown finished with its part alone; its notice goes with the cut.
  const shown = await page.evaluate(() => window.__shown);
  assert.deepEqual(shown.filter((what) => what !== 'notice'), ['cut', 'finished'], JSON.stringify(shown));
  assert.ok(shown.includes('notice'), JSON.stringify(shown));
  await bubble.locator('.cb-notice').waitFor({ state: 'detached' });
  assert.deepEqual(asked, ['cut cleanly'], 'nothing asked again');
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [what, body, type] of [
  ['an empty reply stream', '', 'text/event-stream'],
  ['a JSON answer that is no reply', '{"detail":"ok"}', 'application/json'],
]) {
  test(`${what} is not shown as an empty reply: the visitor is told, and Retry gets the reply`, async () => {
    const { context, page, problems } = await openPage(env.browser);
    await page.goto(env.server.url);
    await page.route('**/completions/**', (route) => route.fulfill({ status: 200, contentType: type, body }), { times: 1 });
    await send(page, 'anything there?');
    const bubble = widget(page);
    await bubble.locator('.cb-retry').waitFor({ timeout: 20000 });
    assert.match(await notice(page), /unexpected|cut off/);
    assert.equal(await bubble.locator('.cb-copy').count(), 0, 'no finished reply to copy');
    await bubble.locator('.cb-retry').click();
    await waitForReply(page, defaultReply('anything there?'));
    assert.deepEqual(await messageRows(page), wholeExchange('anything there?'));
    assert.deepEqual(problems, []);
    await context.close();
  });
}

/** Sends `message` and waits until part of its reply, not all of it, shows. */
async function midReply(page, message) {
  await send(page, message);
  await page.waitForFunction(
    (whole) => {
      const text = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-assistant .cb-text')?.textContent ?? '';
      return text.length > 'You said'.length && text !== whole;
    },
    defaultReply(message),
  );
}

const leavings = [
  ['a reload', (page) => page.reload()],
  ['a move to another page of the site', (page) => hostPage(page, env.server, 'mid-reply-two.html')],
];

for (const [leaving, leave] of leavings) {
  test(`${leaving} while a reply streams leaves it cut, with Retry, until the reply the backend stores takes its place`, async () => {
    const { context, page, problems } = await openPage(env.browser);
    await hostPage(page, env.server, 'mid-reply-one.html');
    const asked = messagesAsked(page);
    // A slow reply that the backend stores only once it has written it all, as MaiAgent does.
    await mockSwitches(page, { delay: 300, stored_after: 6000 });
    await midReply(page, 'leave mid-reply');
    await leave(page);
    await mockSwitches(page, null);
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    // The history holds the question alone: the reply comes back as far as it had come, cut.
    await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 5000 });
    const [question, reply] = await messageRows(page);
    assert.deepEqual(question, ['visitor', 'leave mid-reply', '']);
    assert.equal(reply[2], 'Reply interrupted');
    assert.ok(reply[1].length > 0 && defaultReply('leave mid-reply').startsWith(reply[1]), `partial: ${reply[1]}`);
    // With no other reload, the stored reply takes its place, with nothing asked a second time.
    await waitForReply(page, defaultReply('leave mid-reply'), 30000);
    assert.deepEqual(await messageRows(page), wholeExchange('leave mid-reply'));
    assert.equal(await bubble.locator('.cb-retry').count(), 0);
    assert.deepEqual(asked, ['leave mid-reply']);
    // Remembered no more, and not taken for a reply the visitor stopped: the next reload shows
    // the reply as stored.
    await reloadedShowsWhole(page, 'leave mid-reply');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

for (const [leaving, leave] of leavings) {
  test(`${leaving} before the question reached the backend keeps it, not sent, with Retry`, async () => {
    const { context, page, problems } = await openPage(env.browser);
    await hostPage(page, env.server, 'leave-early-one.html');
    // The request never gets beyond the browser: it is held until the page goes.
    await page.route('**/completions/**', () => {});
    await send(page, 'gone too soon');
    await page.waitForTimeout(300);
    await leave(page);
    await widget(page).locator('.cb-launcher').click();
    await unsentThenRetry(page, 'gone too soon');
    // Asked once in all: the backend holds the question once, with its reply.
    await reloadedShowsWhole(page, 'gone too soon');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a message sent before the history came, with the words of an earlier one, is not taken for it after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  await send(page, 'ok');
  await waitForReply(page, defaultReply('ok'));
  await page.reload();
  // The history is slow to come, and the next "ok" never gets beyond the browser.
  await page.route('**/messages/**', () => {});
  await page.route('**/completions/**', () => {});
  await send(page, 'ok');
  await page.waitForTimeout(300);
  await page.reload();
  await page.unroute('**/messages/**');
  await page.unroute('**/completions/**');
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-visitor .cb-retry').waitFor({ timeout: 5000 });
  assert.deepEqual(await messageRows(page), [...wholeExchange('ok'), ['visitor', 'ok', 'Not sent']]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reload after the question reached the backend, before the reply\'s first word, shows the question once and then the stored reply', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const asked = messagesAsked(page);
  // The reply is silent, and stored 4 s after the question came.
  await mockSwitches(page, { fault: 'stall', fault_after: 0, stored_after: 4000 });
  const answered = page.waitForResponse((r) => r.url().includes('/completions/'));
  await send(page, 'arrived quietly');
  await answered;
  await page.reload();
  await mockSwitches(page, null);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 5000 });
  assert.deepEqual(await messageRows(page), [['visitor', 'arrived quietly', ''], ['assistant', '', 'Reply interrupted']]);
  await waitForReply(page, defaultReply('arrived quietly'), 30000);
  assert.deepEqual(await messageRows(page), wholeExchange('arrived quietly'));
  assert.deepEqual(asked, ['arrived quietly']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reload while a reply streams that the backend already holds shows it as stored, with nothing to press', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  // The mock stores the whole reply before it streams it.
  await mockSwitches(page, { delay: 300 });
  await midReply(page, 'already kept');
  await page.reload();
  await mockSwitches(page, null);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await waitForReply(page, defaultReply('already kept'));
  assert.deepEqual(await messageRows(page), wholeExchange('already kept'));
  assert.equal(await bubble.locator('.cb-retry').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply stored late goes to its own asking of a question cut twice, not to the first', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const bubble = widget(page);
  // Asked, cut before its first word, and never stored.
  await mockSwitches(page, faultTimes('drop', 1, { fault_after: 0 }));
  await send(page, 'same words');
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  await mockSwitches(page, null);
  await send(page, 'something else');
  await waitForReply(page, defaultReply('something else'));
  // Asked again, cut the same way, and stored 4 s later.
  await mockSwitches(page, faultTimes('drop', 1, { fault_after: 0, stored_after: 4000 }));
  await send(page, 'same words');
  await bubble.locator('.cb-assistant .cb-retry').nth(1).waitFor({ timeout: 20000 });
  await mockSwitches(page, null);
  await waitForReply(page, defaultReply('same words'), 30000);
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'same words', ''],
    ['assistant', '', 'Reply interrupted'],
    ['visitor', 'something else', ''],
    ['assistant', defaultReply('something else'), ''],
    ['visitor', 'same words', ''],
    ['assistant', defaultReply('same words'), ''],
  ]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply cut before its first word: the message stays sent, the empty reply offers Retry, nothing goes out by itself', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const asked = messagesAsked(page);
  await mockSwitches(page, faultTimes('drop', 1, { fault_after: 0 }));
  await send(page, 'cut at once');
  await widget(page).locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  // The backend began a reply: it has the message, which is not "Not sent".
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'cut at once', ''],
    ['assistant', '', 'Reply interrupted'],
  ]);
  assert.match(await notice(page), /cut off/);
  await cutReplyComesBack(page, [
    ['visitor', 'cut at once', ''],
    ['assistant', '', 'Reply interrupted'],
  ]);
  await onlyRetryAsksAgain(page, 'cut at once', asked);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a connection that keeps dropping: the partial reply stays, marked, and can be retried', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  await mockSwitches(page, { fault: 'drop' });
  await send(page, 'keeps dropping');
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  const [, reply] = await messageRows(page);
  assert.equal(reply[2], 'Reply interrupted');
  assert.ok(reply[1].length > 0 && defaultReply('keeps dropping').startsWith(reply[1]), `partial: ${reply[1]}`);
  await mockSwitches(page, null);
  await bubble.locator('.cb-assistant .cb-retry').click();
  await waitForReply(page, defaultReply('keeps dropping'));
  assert.deepEqual(await messageRows(page), wholeExchange('keeps dropping'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a malformed frame mid-stream is skipped; the rest of the reply arrives', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  await mockSwitches(page, { fault: 'malformed' });
  await send(page, 'garbled');
  await waitForReply(page, defaultReply('garbled'));
  await widget(page).locator('.cb-assistant.cb-streaming').waitFor({ state: 'detached' });
  assert.deepEqual(await messageRows(page), wholeExchange('garbled'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a stalled stream is given up after data-reply-timeout; the partial reply can be retried', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'stall.html', { 'data-reply-timeout': '2' });
  await mockSwitches(page, { fault: 'stall' });
  await send(page, 'stall');
  assert.match(await notice(page), /taking too long/);
  const [, reply] = await messageRows(page);
  assert.equal(reply[2], 'Reply interrupted');
  await mockSwitches(page, null);
  await widget(page).locator('.cb-assistant .cb-retry').click();
  await waitForReply(page, defaultReply('stall'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a message that was not sent is kept across a reload and sent with Retry', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [401] });
  await page.goto(env.server.url);
  await mockSwitches(page, { fault: '401' });
  await send(page, 'kept for later');
  await widget(page).locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 });
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await unsentThenRetry(page, 'kept for later');
  assert.deepEqual(problems, []);
  await context.close();
});

test('Stop mid-reply keeps the partial text, marks it stopped, and closes the connection', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const stats = async () => (await (await fetch(`${env.server.url}__mock/stats`)).json()).streamsAborted;
  const abortedBefore = await stats();
  await mockSwitches(page, { length: 400, delay: 20 });
  await send(page, 'long one');
  const bubble = widget(page);
  await page.waitForFunction(
    () => (document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-assistant .cb-text')?.textContent.length ?? 0) > 20,
  );
  await untilStopArmed(page);
  await bubble.locator('.cb-stop').click();
  await bubble.locator('.cb-assistant.cb-stopped').waitFor();
  const [, reply] = await messageRows(page);
  assert.equal(reply[2], 'Stopped');
  const full = Array.from({ length: 400 }, (_, i) => `w${i} `).join('');
  assert.ok(reply[1].length > 20 && reply[1].length < full.length && full.startsWith(reply[1]), reply[1]);
  await page.waitForTimeout(300);
  assert.equal(await messageRows(page).then((r) => r[1][1]), reply[1], 'no text after Stop');
  for (let i = 0; i < 50 && (await stats()) === abortedBefore; i++) await page.waitForTimeout(100);
  assert.equal(await stats(), abortedBefore + 1, 'the server saw the connection close');
  assert.equal(await bubble.locator('.cb-send').isVisible(), true, 'ready to send again');
  // What came can be copied, as a finished reply's can.
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await bubble.locator('.cb-assistant.cb-stopped .cb-copy-message').click();
  assert.equal((await page.evaluate(() => navigator.clipboard.readText())).trim(), reply[1].trim());
  assert.deepEqual(problems, []);
  await context.close();
});

test('with follow-ups watched, a stopped reply, stored whole, is not taken for a new message after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'stopped-follow-ups.html', { 'data-follow-ups': 'true' });
  await mockSwitches(page, { length: 400, delay: 20 });
  await send(page, 'long one');
  const bubble = widget(page);
  await page.waitForFunction(
    () => (document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-assistant .cb-text')?.textContent.length ?? 0) > 20,
  );
  await untilStopArmed(page);
  await bubble.locator('.cb-stop').click();
  await bubble.locator('.cb-assistant.cb-stopped').waitFor();
  const rows = await messageRows(page);
  await mockSwitches(page, null);
  const reads = historyReads(page);
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-assistant.cb-stopped').waitFor();
  // The history's load, then the watch's first two reads (3 s after it, and 4.5 s later).
  await reads.until(3);
  await page.waitForTimeout(100);
  assert.deepEqual(await messageRows(page), rows);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a Chinese reply cut into random chunks renders byte-exact', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  await mockSwitches(page, { chunking: 'random', seed: 7, delay: 5 });
  await send(page, '請用中文回答');
  await widget(page).locator('.cb-assistant.cb-streaming').waitFor({ state: 'detached', timeout: 15000 });
  // Paragraph by paragraph, as the reply's blank line separates them.
  const shown = await widget(page).locator('.cb-assistant .cb-text > p').evaluateAll((ps) => ps.map((p) => p.textContent).join('\n\n'));
  const stored = await page.evaluate(async () => {
    const { id, visitorToken } = JSON.parse(Object.entries(localStorage).find(([k]) => k.endsWith(':conversation'))[1]);
    const page = await (await fetch(`/api/v1/messages/?conversation=${id}`, { headers: { 'X-Visitor-Token': visitorToken } })).json();
    return page.results.find((m) => m.type === 'outgoing').content;
  });
  assert.match(shown, /你好/);
  assert.equal(shown, stored);
  assert.doesNotMatch(shown, /\uFFFD/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the draft survives a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  await widget(page).locator('.cb-launcher').click();
  await widget(page).locator('.cb-input').fill('half-written thought');
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  assert.equal(await widget(page).locator('.cb-input').inputValue(), 'half-written thought');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a Rust panic shows an error state, logs once, and the page keeps working', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  await send(page, 'before the crash');
  await waitForReply(page, defaultReply('before the crash'));
  const thrown = await page.evaluate(async () => {
    const glue = performance.getEntriesByType('resource').map((e) => e.name)
      .find((name) => /\/chat-bubble-widget\.[0-9a-f]+\.js$/.test(name));
    const m = await import(glue);
    try { m.simulate_panic(); return null; } catch (e) { return String(e); }
  });
  assert.match(thrown, /unreachable|RuntimeError/);
  const alert = widget(page).locator('.cb-crashed');
  assert.match(await alert.textContent(), /stopped working/);
  assert.equal(await alert.getAttribute('role'), 'alert');
  assert.equal(await widget(page).locator('.cb-launcher').count(), 0);
  assert.deepEqual(problems.filter((p) => p.includes('chat-bubble: stopped by a panic')).length, 1, 'logged once');
  assert.deepEqual(problems.filter((p) => !p.includes('chat-bubble: stopped by a panic')), []);
  assert.equal(await page.evaluate(() => { document.title = 'still alive'; return document.title; }), 'still alive');
  await context.close();
});

test('a stored conversation the backend forgot: a new one starts and the message gets through', async () => {
  // A bare id, as an earlier version stored it: no token, so the server may refuse it (403).
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [403, 404] });
  await page.goto(env.server.url);
  const stale = '00000000-0000-4000-8000-000000000000';
  await page.evaluate((id) => localStorage.setItem('chat-bubble:demo-web-chat:conversation', id), stale);
  await page.reload();
  await send(page, 'are you there?');
  await waitForReply(page, defaultReply('are you there?'));
  const now = await page.evaluate(() => localStorage.getItem('chat-bubble:demo-web-chat:conversation'));
  assert.ok(now && now !== stale, 'a new conversation id is stored');
  assert.deepEqual(await messageRows(page), wholeExchange('are you there?'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a conversation the backend forgot mid-visit: the next message starts a new one, and the visitor is told the assistant no longer has the messages above', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [403, 404] });
  await page.goto(env.server.url);
  await send(page, 'my first question');
  await waitForReply(page, defaultReply('my first question'));
  // The backend forgets it (a restart, an expiry): the stored id now names nothing.
  await page.evaluate(() => localStorage.setItem('chat-bubble:demo-web-chat:conversation',
    JSON.stringify({ id: '00000000-0000-4000-8000-000000000000' })));
  await send(page, 'my second question');
  await waitForReply(page, defaultReply('my second question'));
  const bubble = widget(page);
  assert.equal(await notice(page), 'The assistant no longer has the messages above: this one started a new conversation.');
  assert.deepEqual(await messageRows(page), [...wholeExchange('my first question'), ...wholeExchange('my second question')]);
  // A reload shows the conversation the backend has, and has nothing more to say.
  await reloadedShowsWhole(page, 'my second question');
  assert.equal(await bubble.locator('.cb-notice').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a stored conversation the backend forgot between visits: the panel says so, and the next message starts a new one', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [403, 404] });
  await page.goto(env.server.url);
  await page.evaluate(() => localStorage.setItem('chat-bubble:demo-web-chat:conversation',
    JSON.stringify({ id: '00000000-0000-4000-8000-000000000000' })));
  await page.reload();
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  assert.equal(await notice(page), 'Your earlier conversation is no longer available. Your next message starts a new one.');
  await send(page, 'hello again');
  await waitForReply(page, defaultReply('hello again'));
  assert.equal(await bubble.locator('.cb-notice').count(), 0, 'the notice went with the new conversation');
  assert.deepEqual(problems, []);
  await context.close();
});

test('another visitor\'s conversation: without its token the history stays hidden, a new conversation starts and the message gets through', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [403] });
  await page.goto(env.server.url);
  // Visitor A's conversation, with something private in it.
  const a = await page.evaluate(async () => {
    const created = await (await fetch('/api/v1/conversations/', {
      method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ webChat: 'demo-web-chat' }),
    })).json();
    await fetch('/api/v1/chatbots/demo-bot/completions/?mock_delay=0', {
      method: 'POST',
      headers: { 'Content-Type': 'application/json', 'X-Visitor-Token': created.visitorToken },
      body: JSON.stringify({ conversation: created.id, message: { content: 'my order #555', attachments: [] }, isStreaming: false }),
    });
    return created;
  });
  // Visitor B learns the id and tries it, with no token and then with a made-up one.
  for (const forged of [{ id: a.id }, { id: a.id, visitorToken: 'v1.forged' }]) {
    await page.evaluate((v) => localStorage.setItem('chat-bubble:demo-web-chat:conversation', v), JSON.stringify(forged));
    await page.reload();
    await widget(page).locator('.cb-launcher').click();
    await widget(page).locator('.cb-input').waitFor();
    await send(page, 'hello?');
    await waitForReply(page, defaultReply('hello?'));
    const rows = await messageRows(page);
    assert.ok(!rows.some(([, text]) => text.includes('#555')), JSON.stringify(rows));
    assert.deepEqual(rows.slice(-2), [['visitor', 'hello?', ''], ['assistant', defaultReply('hello?'), '']]);
    const now = await page.evaluate(() => JSON.parse(localStorage.getItem('chat-bubble:demo-web-chat:conversation')));
    assert.notEqual(now.id, a.id, 'a conversation of its own');
    assert.ok(now.visitorToken);
    await page.evaluate(() => localStorage.clear());
  }
  assert.deepEqual(problems, []);
  await context.close();
});
