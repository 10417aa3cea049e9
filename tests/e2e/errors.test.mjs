// Errors read right and never go stale: the 429 wait counts down, what stays up after the
// retries blames no one and counts nothing, Stop during a wait leaves no empty bubble, a message
// typed offline goes out by itself once back online, a reply the server cut is not blamed on the
// visitor's connection, and a message that was not sent says so with an icon and words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, widget, defaultReply, mockSwitches, messageRows, waitForReply, send, untilStopArmed, hostPage,
  startServer, freePort, anotherTab,
} from './harness.mjs';

const env = serverAndBrowser();

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

let keys = 0;
const faultTimes = (fault, times, extra = {}) => ({ fault, fault_times: times, fault_key: `e${Date.now()}-${keys++}`, ...extra });

/** Records every distinct text the notice shows, from inside the page. */
async function recordNotices(page) {
  await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    window.__notices = [];
    new MutationObserver(() => {
      // What the notice shows (a countdown shows its seconds apart from what it said).
      const notice = root.querySelector('.cb-notice');
      const text = (notice?.querySelector('[aria-hidden="true"]') ?? notice)?.textContent ?? '';
      const seen = window.__notices;
      if (text && seen[seen.length - 1] !== text) seen.push(text);
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
}

async function openChat(page) {
  await page.goto(env.server.url);
  await widget(page).locator('.cb-launcher').click();
  await widget(page).locator('.cb-input').waitFor();
}

/** Sends `text` to a server answering 429, and stops it while the widget waits to retry. */
async function stopDuringTheWaitBeforeARetry(page, text) {
  await mockSwitches(page, { fault: '429', retry_after: 30 });
  await send(page, text);
  const bubble = widget(page);
  await bubble.locator('.cb-notice', { hasText: 'Retrying' }).waitFor();
  await untilStopArmed(page);
  await bubble.locator('.cb-send.cb-stop').click();
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
}

test('429: the wait before the automatic retry counts down', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [429] });
  await openChat(page);
  await recordNotices(page);
  await mockSwitches(page, faultTimes('429', 1, { retry_after: 3 }));
  await send(page, 'count me down');
  await waitForReply(page, defaultReply('count me down'));
  const notices = await page.evaluate(() => window.__notices);
  for (const n of [3, 2, 1]) {
    assert.ok(notices.some((t) => t.includes(`Retrying in ${n} s`)), `"${n} s" shown: ${JSON.stringify(notices)}`);
  }
  assert.equal(await widget(page).locator('.cb-notice').count(), 0, 'the notice clears');
  assert.deepEqual(problems, []);
  await context.close();
});

test('429: a screen reader hears the wait once, not every second, and no "still working" meanwhile; the page gets one error event', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [429] });
  await openChat(page);
  await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    window.__alerts = [];
    window.__said = new Set();
    window.__stalled = [];
    window.__errors = 0;
    window.ChatBubble.on('error', () => { window.__errors += 1; });
    new MutationObserver(() => {
      const alert = root.querySelector('[role="alert"]');
      if (alert && !window.__alerts.includes(alert)) window.__alerts.push(alert);
      // What a screen reader reads of it: the accessible text, without what is hidden from it.
      if (alert) {
        const copy = alert.cloneNode(true);
        copy.querySelectorAll('[aria-hidden="true"]').forEach((e) => e.remove());
        window.__said.add(copy.textContent);
      }
      const status = root.querySelector('.cb-panel > [role="status"]')?.textContent;
      if (status) window.__stalled.push(status);
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
  await mockSwitches(page, faultTimes('429', 1, { retry_after: 6 }));
  await send(page, 'wait for me');
  const bubble = widget(page);
  await bubble.locator('.cb-notice', { hasText: 'Retrying in 3 s' }).waitFor({ timeout: 10000 });
  await waitForReply(page, defaultReply('wait for me'));
  const seen = await page.evaluate(() => ({ alerts: window.__alerts.length, said: [...window.__said], stalled: window.__stalled, errors: window.__errors }));
  assert.equal(seen.alerts, 1, 'one alert for the whole wait');
  assert.equal(seen.said.length, 1, `said once: ${JSON.stringify(seen.said)}`);
  assert.match(seen.said[0], /Retrying in 6 s/);
  assert.deepEqual(seen.stalled, [], 'no "still working" while the wait is shown');
  assert.equal(seen.errors, 1, 'one error event');
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * Records, from inside the page, each problem said as an alert (a `role="alert"` region whose
 * spoken text appears or changes) and each `error` event; `untilNow(page)` returns both since
 * the last call.
 */
async function recordAlerts(page) {
  await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    window.__alerts = [];
    window.__errors = [];
    window.ChatBubble.on('error', (detail) => { window.__errors.push(detail?.message); });
    const last = new WeakMap();
    new MutationObserver(() => {
      for (const alert of root.querySelectorAll('[role="alert"]')) {
        const copy = alert.cloneNode(true);
        copy.querySelectorAll('[aria-hidden="true"]').forEach((e) => e.remove());
        const text = copy.textContent.trim();
        if (text && last.get(alert) !== text) window.__alerts.push(text);
        last.set(alert, text);
      }
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
}

function untilNow(page) {
  return page.evaluate(() => {
    const seen = { alerts: window.__alerts, errors: window.__errors };
    window.__alerts = [];
    window.__errors = [];
    return seen;
  });
}

test('a failure retried by itself is said once as the retries start, and once more only when they give up; one error event each', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [429, 500] });
  await openChat(page);
  await recordAlerts(page);
  for (const [fault, extra] of [['500', {}], ['429', { retry_after: 1 }]]) {
    // Two failures, each waited out with its countdown, then the reply.
    await mockSwitches(page, faultTimes(fault, 2, extra));
    await send(page, `through at last ${fault}`);
    await waitForReply(page, defaultReply(`through at last ${fault}`), 20000);
    const through = await untilNow(page);
    assert.equal(through.alerts.length, 1, `${fault}: said once: ${JSON.stringify(through.alerts)}`);
    assert.match(through.alerts[0], /Retrying in 1 s/);
    assert.equal(through.errors.length, 1, `${fault}: one error event: ${JSON.stringify(through.errors)}`);
  }
  // Failures all along: the wait is said once, and giving up once more.
  await mockSwitches(page, { fault: '500' });
  await send(page, 'never through');
  await widget(page).locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 100))));
  const given = await untilNow(page);
  const shown = await widget(page).locator('.cb-notice').textContent();
  assert.equal(given.alerts.length, 2, `said twice: ${JSON.stringify(given.alerts)}`);
  assert.match(given.alerts[0], /Retrying in 1 s/);
  assert.equal(given.alerts[1], shown.trim());
  assert.equal(given.errors.length, 2, `two error events: ${JSON.stringify(given.errors)}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('429 until the retries run out: what stays up counts no seconds and blames no one', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [429] });
  await openChat(page);
  await mockSwitches(page, { fault: '429', retry_after: 1 });
  await send(page, 'only one message');
  await widget(page).locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 });
  const text = await widget(page).locator('.cb-notice').textContent();
  assert.doesNotMatch(text, /\d/, `no countdown frozen in "${text}"`);
  assert.doesNotMatch(text, /too many/i, `no blame in "${text}"`);
  assert.match(text, /busy/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Stop during the wait before a retry: no empty "Stopped" bubble, no "Retrying", the message kept to retry', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [429] });
  await openChat(page);
  await stopDuringTheWaitBeforeARetry(page, 'never mind');
  const bubble = widget(page);
  assert.deepEqual(await messageRows(page), [['visitor', 'never mind', 'Not sent']]);
  assert.doesNotMatch(await bubble.locator('.cb-panel').textContent(), /Retrying|Stopped/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('offline: the message is kept, and goes out by itself once back online', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  await context.setOffline(true);
  await send(page, 'sent while offline');
  await widget(page).locator('.cb-visitor .cb-retry').waitFor();
  assert.match(await widget(page).locator('.cb-notice').textContent(), /offline/);
  await context.setOffline(false);
  await waitForReply(page, defaultReply('sent while offline'));
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'sent while offline', ''],
    ['assistant', defaultReply('sent while offline'), ''],
  ]);
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('offline: Regenerate says to try again once back online, keeps the reply shown, and the notice goes when the connection is back', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  await send(page, 'hello');
  await waitForReply(page, defaultReply('hello'));
  const bubble = widget(page);
  await context.setOffline(true);
  await bubble.locator('.cb-regenerate').click();
  const notice = bubble.locator('.cb-notice');
  await notice.waitFor();
  assert.equal(await notice.textContent(), "You're offline. Try again when you're back online.");
  await waitForReply(page, defaultReply('hello'));
  await context.setOffline(false);
  await notice.waitFor({ state: 'detached' });
  // Nor is it left for a screen reader that reads the panel again.
  assert.deepEqual(await bubble.locator('[role=alert]').allTextContents(), []);
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('offline: every message typed meanwhile goes out once back online, in the order typed, and keeps it after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  await send(page, 'first online');
  await waitForReply(page, defaultReply('first online'));
  await context.setOffline(true);
  await send(page, 'one offline');
  await widget(page).locator('.cb-visitor .cb-retry').waitFor();
  await send(page, 'two offline');
  await widget(page).locator('.cb-visitor .cb-retry').nth(1).waitFor();
  // A while offline: what goes out later is timed when it goes.
  await page.waitForTimeout(3000);
  await context.setOffline(false);
  await waitForReply(page, defaultReply('two offline'));
  const expected = ['first online', 'one offline', 'two offline'].flatMap((text) => [
    ['visitor', text, ''],
    ['assistant', defaultReply(text), ''],
  ]);
  assert.deepEqual(await messageRows(page), expected);
  // Each message shows its time (each ends a run now), and the times go forward down the list.
  const times = () => widget(page).locator('.cb-message').evaluateAll((rows) => rows.map(
    (row) => row.querySelector('time')?.getAttribute('datetime') ?? null,
  ));
  const shown = await times();
  assert.ok(shown.every((t) => t !== null), JSON.stringify(shown));
  assert.deepEqual([...shown].sort(), shown, 'in order');
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await waitForReply(page, defaultReply('two offline'));
  assert.deepEqual(await messageRows(page), expected);
  // The backend's times are the ones the panel showed: the panel times a message when it goes,
  // the backend when it arrives (and a reply when it is stored), so each is at most a moment
  // later, never the 3 s the messages waited offline.
  const stored = await times();
  const later = stored.map((t, i) => Date.parse(t) - Date.parse(shown[i]));
  assert.ok(later.every((ms) => ms > -100 && ms < 1500), `stored ${JSON.stringify(stored)}, shown ${JSON.stringify(shown)}`);
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

/**
 * Sends a first message online and `text` offline on a new page, then reloads it while still
 * offline, as from the browser's cache (its files are fetched by the test, and only the API
 * meets the network that is not there), and opens the panel, where `text` waits with its Retry.
 * `beforeReload(page)` runs just before the reload. The network stays off.
 */
async function typedOfflineThenReloaded(text, beforeReload = async () => {}) {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  await send(page, 'first online');
  await waitForReply(page, defaultReply('first online'));
  await context.setOffline(true);
  await send(page, text);
  await widget(page).locator('.cb-visitor .cb-retry').waitFor();
  const fromCache = (url) => !url.pathname.includes('/api/');
  await page.route(fromCache, async (route) => route.fulfill({ response: await route.fetch() }));
  await beforeReload(page);
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await widget(page).locator('.cb-visitor .cb-retry').waitFor();
  await page.unroute(fromCache);
  return { context, page, problems };
}

test('offline: messages typed offline and kept across a reload still go out by themselves once back online', async () => {
  // What the page asks of the API from the reload on, and how each ends, for a failure's message.
  const asked = [];
  const { context, page, problems } = await typedOfflineThenReloaded('typed offline', async (page) => {
    page.on('requestfinished', (r) => r.url().includes('/api/') && asked.push(`${r.method()} ${new URL(r.url()).pathname} done`));
    page.on('requestfailed', (r) => r.url().includes('/api/') && asked.push(`${r.method()} ${new URL(r.url()).pathname} ${r.failure()?.errorText}`));
  });
  await context.setOffline(false);
  // Under load (or CPU throttling) Chromium leaves the reloaded page's navigator.onLine true
  // while offline is emulated, and no `online` event comes: the widget reads the history again
  // once the backend answers (the test below has that case alone). Should this fail, say what
  // the list, the notice, the browser and the requests showed.
  await waitForReply(page, defaultReply('typed offline')).catch(async (error) => {
    const notice = await widget(page).locator('.cb-notice').allTextContents();
    const browser = await page.evaluate(() => ({
      online: navigator.onLine,
      stored: Object.fromEntries(Object.keys(localStorage).map((k) => [k, localStorage.getItem(k).slice(0, 300)])),
    }));
    throw new Error(`${error.message}\nrows: ${JSON.stringify(await messageRows(page))}\nnotice: ${JSON.stringify(notice)}\n`
      + `browser: ${JSON.stringify(browser)}\nrequests: ${JSON.stringify(asked)}`);
  });
  assert.deepEqual((await messageRows(page)).slice(-2), [
    ['visitor', 'typed offline', ''],
    ['assistant', defaultReply('typed offline'), ''],
  ]);
  assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|messages/.test(p)), []);
  await context.close();
});

test('offline: a page that the browser says is online while the backend cannot be reached reads the history by itself once it can, and sends what waited', async () => {
  // The page comes back in a browser that says it is online while nothing can be reached (a
  // network that leads nowhere): no \`online\` event will come.
  const { context, page, problems } = await typedOfflineThenReloaded('typed offline', (page) => page.addInitScript(() => {
    Object.defineProperty(Navigator.prototype, 'onLine', { configurable: true, get: () => true });
    addEventListener('online', (event) => event.stopImmediatePropagation(), true);
  }));
  const notice = widget(page).locator('.cb-notice');
  await notice.waitFor();
  assert.match(await notice.textContent(), /reach/);
  // The backend can be reached again.
  await context.setOffline(false);
  await waitForReply(page, defaultReply('typed offline'));
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'first online', ''],
    ['assistant', defaultReply('first online'), ''],
    ['visitor', 'typed offline', ''],
    ['assistant', defaultReply('typed offline'), ''],
  ]);
  assert.equal(await notice.count(), 0);
  assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|messages/.test(p)), []);
  await context.close();
});

/**
 * Sends `text` offline on `page`, closes that tab while still offline, and opens the site again
 * online in a new tab of the same browser, with the panel open: a page that never hears an
 * `online` event. Returns the new tab.
 */
async function typedOfflineThenOpenedAgain(context, page, problems, text) {
  await context.setOffline(true);
  await send(page, text);
  await widget(page).locator('.cb-visitor .cb-retry').waitFor();
  await page.close();
  await context.setOffline(false);
  const later = await anotherTab(context, problems);
  await later.goto(env.server.url);
  await widget(later).locator('.cb-launcher').click();
  return later;
}

test('offline: a message typed offline on a page left offline goes by itself from the next page opened online', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  await send(page, 'first online');
  await waitForReply(page, defaultReply('first online'));
  const later = await typedOfflineThenOpenedAgain(context, page, problems, 'typed on the train');
  await waitForReply(later, defaultReply('typed on the train'));
  assert.deepEqual(await messageRows(later), [
    ['visitor', 'first online', ''],
    ['assistant', defaultReply('first online'), ''],
    ['visitor', 'typed on the train', ''],
    ['assistant', defaultReply('typed on the train'), ''],
  ]);
  // Sent once: after another reload the history holds it once, and nothing waits.
  await later.reload();
  await widget(later).locator('.cb-launcher').click();
  await waitForReply(later, defaultReply('typed on the train'));
  assert.equal((await messageRows(later)).filter(([, text]) => text === 'typed on the train').length, 1);
  assert.equal(await widget(later).locator('.cb-retry').count(), 0);
  assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|messages/.test(p)), []);
  await context.close();
});

test('offline: a first message typed offline, before any conversation, goes by itself from the next page opened online', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  const later = await typedOfflineThenOpenedAgain(context, page, problems, 'my very first');
  await waitForReply(later, defaultReply('my very first'));
  assert.deepEqual(await messageRows(later), [
    ['visitor', 'my very first', ''],
    ['assistant', defaultReply('my very first'), ''],
  ]);
  assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|conversations/.test(p)), []);
  await context.close();
});

test('offline: a message the visitor stopped waits for its Retry when the connection comes back', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [429] });
  await openChat(page);
  await stopDuringTheWaitBeforeARetry(page, 'never mind');
  const bubble = widget(page);
  await mockSwitches(page, null);
  await context.setOffline(true);
  await send(page, 'typed offline');
  await bubble.locator('.cb-visitor .cb-retry').nth(1).waitFor();
  await context.setOffline(false);
  await waitForReply(page, defaultReply('typed offline'));
  await page.waitForTimeout(500);
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'never mind', 'Not sent'],
    ['visitor', 'typed offline', ''],
    ['assistant', defaultReply('typed offline'), ''],
  ]);
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

const OFFLINE_CUT = "You're offline, so the reply was cut off. The chat will look for the whole reply when you're back online.";

test('offline: a reply cut and then the browser offline is put down to the connection, and back online the stored reply takes its place at once', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  // The stream breaks; the backend stores the whole reply 4 s after the question.
  await mockSwitches(page, faultTimes('drop', 1, { stored_after: 4000 }));
  await send(page, 'cut then offline');
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  const notice = bubble.locator('.cb-notice');
  assert.equal(await notice.textContent(), "The assistant's reply was cut off. Try again.");
  await mockSwitches(page, null);
  await context.setOffline(true);
  await page.waitForFunction((want) => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-notice')?.textContent === want, OFFLINE_CUT, { timeout: 3000 });
  assert.equal(await bubble.locator('.cb-panel [role=alert]').textContent(), OFFLINE_CUT, 'said to screen readers');
  // Offline past the reads made 3 s and 9 s after the cut: they fail. The next, 21 s after the
  // cut, would come late; back online, the history is read 3 s later.
  await page.waitForTimeout(9500);
  assert.equal((await messageRows(page))[1][2], 'Reply interrupted');
  await context.setOffline(false);
  await notice.waitFor({ state: 'detached', timeout: 3000 });
  await waitForReply(page, defaultReply('cut then offline'), 7000);
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'cut then offline', ''],
    ['assistant', defaultReply('cut then offline'), ''],
  ]);
  assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|messages/.test(p)), []);
  await context.close();
});

test('offline: a reply cut while the browser is offline says so, not that the message waits to be sent', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  // Slow pieces, and the stream breaks after six of them; the backend stores the whole reply.
  await mockSwitches(page, faultTimes('drop', 1, { delay: 400, fault_after: 6, stored_after: 3000 }));
  await send(page, 'cut while offline');
  const bubble = widget(page);
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-assistant .cb-text')?.textContent.length > 0);
  // The browser is offline (the stream goes on: the emulation does not cut it) when it breaks.
  await context.setOffline(true);
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 10000 });
  assert.equal(await bubble.locator('.cb-notice').textContent(), OFFLINE_CUT);
  const rows = await messageRows(page);
  assert.deepEqual([rows[0], rows[1][2]], [['visitor', 'cut while offline', ''], 'Reply interrupted']);
  await mockSwitches(page, null);
  await context.setOffline(false);
  await bubble.locator('.cb-notice').waitFor({ state: 'detached', timeout: 3000 });
  await waitForReply(page, defaultReply('cut while offline'), 10000);
  assert.equal(await bubble.locator('.cb-retry').count(), 0);
  assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|messages/.test(p)), []);
  await context.close();
});

test('offline: a reply that falls silent while the browser is offline is put down to the connection, not to a slow assistant', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'silent-offline.html', { 'data-reply-timeout': '4' });
  await widget(page).locator('.cb-launcher').click();
  // A few pieces, then silence with the connection held open, as a connection lost on the way
  // leaves it; the backend stores the whole reply.
  await mockSwitches(page, faultTimes('stall', 1, { fault_after: 3, stored_after: 3000 }));
  await send(page, 'silent while offline');
  const bubble = widget(page);
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-assistant .cb-text')?.textContent.length > 0);
  await context.setOffline(true);
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 15000 });
  assert.equal(await bubble.locator('.cb-notice').textContent(), OFFLINE_CUT);
  await mockSwitches(page, null);
  await context.setOffline(false);
  await bubble.locator('.cb-notice').waitFor({ state: 'detached', timeout: 3000 });
  await waitForReply(page, defaultReply('silent while offline'), 10000);
  assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|messages/.test(p)), []);
  await context.close();
});

test('offline: the wait before a retry stops counting once the browser is offline, and the message goes when it is back', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [429] });
  await openChat(page);
  await mockSwitches(page, faultTimes('429', 1, { retry_after: 20 }));
  await send(page, 'busy then offline');
  const bubble = widget(page);
  const notice = bubble.locator('.cb-notice');
  await page.waitForFunction(() => /Retrying in/.test(document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-notice')?.textContent ?? ''));
  await context.setOffline(true);
  // Within a second or two, not when the 20 s are up.
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-notice')?.textContent === "You're offline. Your message will be sent when you're back online.",
  null, { timeout: 4000 });
  assert.deepEqual(await messageRows(page), [['visitor', 'busy then offline', 'Not sent']]);
  await context.setOffline(false);
  await waitForReply(page, defaultReply('busy then offline'));
  await notice.waitFor({ state: 'detached' });
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'busy then offline', ''],
    ['assistant', defaultReply('busy then offline'), ''],
  ]);
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('a reply the server keeps cutting is not blamed on the visitor\'s connection', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  await mockSwitches(page, { fault: 'drop' });
  await send(page, 'cut me off');
  await widget(page).locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  const text = await widget(page).locator('.cb-notice').textContent();
  assert.doesNotMatch(text, /connection/i, text);
  assert.match(text, /cut off/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a message that was not sent is marked by an icon and words, not by an outline alone', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [401] });
  await openChat(page);
  await mockSwitches(page, { fault: '401' });
  await send(page, 'did it go?');
  const status = widget(page).locator('.cb-visitor .cb-message-status');
  await status.waitFor();
  assert.equal(await status.locator('svg.cb-icon').count(), 1, 'an icon');
  assert.equal(await status.locator('span').first().textContent(), 'Not sent');
  assert.deepEqual(problems, []);
  await context.close();
});

test('two messages not sent with the same text: once one goes, the other is still kept after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [401] });
  await openChat(page);
  await send(page, 'hello');
  await waitForReply(page, defaultReply('hello'));
  await mockSwitches(page, { fault: '401' });
  const bubble = widget(page);
  for (const n of [1, 2]) {
    await send(page, 'same words');
    await bubble.locator('.cb-visitor .cb-retry').nth(n - 1).waitFor();
  }
  await mockSwitches(page, null);
  await bubble.locator('.cb-visitor .cb-retry').first().click();
  await waitForReply(page, defaultReply('same words'));
  await bubble.locator('.cb-send:not(.cb-stop)').waitFor();
  const before = await messageRows(page);
  assert.equal(before.filter(([, text, status]) => text === 'same words' && status === 'Not sent').length, 1, JSON.stringify(before));
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await waitForReply(page, defaultReply('same words'));
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  const after = await messageRows(page);
  assert.deepEqual(after.filter(([, text]) => text === 'same words').map(([, , status]) => status), ['', 'Not sent']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a data-api-base that points at pages, not the API (405), is put to the site owner', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [405] });
  await hostPage(page, env.server, 'wrong-base.html', { 'data-load': 'eager', 'data-api-base': '/docs/v9/' });
  await page.route('**/docs/v9/**', (route) => route.fulfill({ status: 405, contentType: 'text/html', body: '<h1>Method Not Allowed</h1>' }));
  await send(page, 'hello?');
  const bubble = widget(page);
  await bubble.locator('.cb-notice').waitFor();
  assert.match(await bubble.locator('.cb-notice').textContent(), /site owner/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a message the server refuses as too large (413) goes back to the message box to shorten, with its picture, without a Retry that cannot work', async () => {
  // The server in proxy mode, in front of a mock, set to take smaller bodies than the widget
  // sends at most: its own refusal, as a server set that way gives it. It stores uploads, which
  // needs the public URL it is reached at.
  const upstream = await startServer(['--mock-visitor-tokens', 'false']);
  process.env.MAIAGENT_API_KEY ||= 'e2e-key';
  const port = await freePort();
  const proxy = await startServer([
    '--mode', 'proxy', '--upstream-url', `${upstream.url}api/v1/`, '--max-body-bytes', '2000',
    '--port', String(port), '--public-url', `http://127.0.0.1:${port}/`,
  ]);
  try {
    const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [413] });
    await hostPage(page, proxy, 'too-large.html', { 'data-load': 'eager', 'data-attachments': 'images' });
    const bubble = widget(page);
    await send(page, 'hello');
    await waitForReply(page, defaultReply('hello'));
    const input = bubble.locator('.cb-input');
    const long = `${'word '.repeat(500)}end`;
    await input.fill(long);
    await input.press('Enter');
    const notice = bubble.locator('.cb-notice');
    await notice.waitFor();
    const said = await notice.textContent();
    assert.equal(said, 'Your message was too long to send. Your words are back in the message box: shorten them and send again.');
    assert.doesNotMatch(said, /bytes|request/);
    assert.equal(await input.inputValue(), long, 'the words are back in the box');
    assert.equal(await bubble.locator('.cb-retry').count(), 0, 'no Retry');
    assert.deepEqual(await messageRows(page), [
      ['visitor', 'hello', ''],
      ['assistant', defaultReply('hello'), ''],
    ]);
    // Nothing comes back as not sent after a reload; the words are still in the box.
    await page.reload();
    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-assistant').waitFor();
    assert.equal(await bubble.locator('.cb-retry').count(), 0);
    assert.equal(await input.inputValue(), long);
    await input.fill('word '.repeat(20).trim());
    await input.press('Enter');
    await waitForReply(page, defaultReply('word '.repeat(20)));

    // With a picture: it comes back beside the words, uploaded, and goes with them once they
    // are shortened, without being attached again.
    const uploads = [];
    page.on('request', (r) => { if (new URL(r.url()).pathname.endsWith('/uploads/')) uploads.push(r.url()); });
    const asked = [];
    page.on('request', (r) => { if (r.url().includes('/completions/')) asked.push(r.postDataJSON()); });
    const [chooser] = await Promise.all([
      page.waitForEvent('filechooser'),
      bubble.getByRole('button', { name: 'Attach an image' }).click(),
    ]);
    await chooser.setFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
    const chip = bubble.locator('.cb-chip');
    await bubble.locator('.cb-chip.cb-chip-done').waitFor();
    await input.fill(long);
    await input.press('Enter');
    await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
      .querySelector('.cb-notice')?.textContent.startsWith('Your message was too long'));
    assert.equal(await input.inputValue(), long, 'the words are back in the box');
    assert.equal(await chip.count(), 1, 'and the picture beside them');
    assert.match(await chip.textContent(), /screenshot\.png/);
    assert.equal(await notice.textContent(),
      'Your message was too long to send. Your words and files are back in the message box: shorten the words and send again.');
    assert.equal(await bubble.locator('.cb-chip.cb-chip-done').count(), 1, 'uploaded: ready to send');
    assert.equal(await bubble.locator('.cb-retry').count(), 0, 'no Retry');
    await input.fill('see the picture');
    await input.press('Enter');
    // The mock names the files it was sent before its reply.
    await waitForReply(page, `I see 1 image: screenshot.png.${defaultReply('see the picture')}`);
    assert.equal(uploads.length, 1, 'not uploaded again');
    assert.equal(asked.length, 2);
    assert.deepEqual(asked[1].message.attachments.map((a) => a.file), asked[0].message.attachments.map((a) => a.file));
    assert.equal(await chip.count(), 0, 'the picture went with the message');
    assert.deepEqual(problems, []);
    await context.close();
  } finally {
    await proxy.stop();
    await upstream.stop();
  }
});

test('a reply cut off while the panel is closed marks the bubble, which says why, until the panel opens', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await openChat(page);
  await mockSwitches(page, { fault: 'drop', delay: 100 });
  await page.evaluate(() => {
    ChatBubble.send('while away');
    ChatBubble.close();
  });
  const bubble = widget(page);
  const launcher = bubble.locator('.cb-launcher');
  await bubble.locator('.cb-badge').waitFor({ timeout: 15000 });
  assert.equal(await bubble.locator('.cb-badge').textContent(), '!');
  assert.equal(await launcher.getAttribute('aria-label'), "Open chat: The assistant's reply was cut off. Try again.");
  await launcher.click();
  await bubble.locator('.cb-badge').waitFor({ state: 'detached' });
  assert.equal(await launcher.getAttribute('aria-label'), 'Close chat');
  // Seen: closing the panel again leaves the bubble at rest.
  await launcher.click();
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.equal(await bubble.locator('.cb-badge').count(), 0);
  assert.equal(await launcher.getAttribute('aria-label'), 'Open chat');
  assert.deepEqual(problems, []);
  await context.close();
});

test('offline as the history is read: the notice says the conversation loads once back online, and it does', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'history-offline.html', { 'data-load': 'eager' });
  await send(page, 'before the tunnel');
  await waitForReply(page, defaultReply('before the tunnel'));
  await widget(page).locator('.cb-assistant .cb-sender-name').waitFor();
  await page.reload();
  await page.waitForFunction(() => window.ChatBubble && document.querySelector('chat-bubble')?.shadowRoot.querySelector('.cb-panel'));
  await context.setOffline(true);
  const bubble = widget(page);
  await page.evaluate(() => ChatBubble.open());
  await bubble.locator('.cb-history-failed').waitFor();
  // Nothing was sent, and nothing is waiting to be: the notice speaks of the conversation.
  assert.equal(await bubble.locator('.cb-notice').textContent(), "You're offline. The conversation will load when you're back online.");
  await context.setOffline(false);
  await waitForReply(page, defaultReply('before the tunnel'));
  await bubble.locator('.cb-notice').waitFor({ state: 'detached' });
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('a history that cannot be read says so with a Retry, is read again on Retry and when the panel opens again, and a message sent meanwhile shows once', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [500] });
  await hostPage(page, env.server, 'history-fails.html', { 'data-starters': 'Prices | Hours' });
  await send(page, 'my earlier question');
  await waitForReply(page, defaultReply('my earlier question'));
  // The first reply's row reads the history once for the assistant's name: that read is over
  // before the reads under test fail.
  await widget(page).locator('.cb-assistant .cb-sender-name').waitFor();
  let failures = 2;
  await page.route(/\/messages\/\?/, (route) => (failures-- > 0
    ? route.fulfill({ status: 500, contentType: 'application/json', body: '{"detail":"boom"}' })
    : route.continue()));
  await page.reload();
  const bubble = widget(page);
  const failed = bubble.locator('.cb-history-failed');
  await page.evaluate(() => ChatBubble.open());
  await failed.waitFor();
  // The conversation is there, only unread: no greeting, no suggestions in its place.
  assert.equal(await bubble.locator('.cb-empty').count(), 0, 'no empty conversation shown');
  assert.equal(await bubble.locator('.cb-starters').isVisible(), false, 'no suggestions');
  assert.equal(await failed.locator('button').textContent(), 'Retry');
  // The panel closed and opened again reads it again (the second failure).
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  await bubble.locator('.cb-launcher').click();
  await page.waitForTimeout(300);
  await failed.waitFor();
  assert.equal(failures, 0, 'read again when the panel opened again');
  // A message sent meanwhile goes to the same conversation.
  await bubble.locator('.cb-input').fill('while unread');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReply(page, defaultReply('while unread'));
  // Retry: the whole conversation, the message sent meanwhile once, in its place.
  await failed.locator('button').click();
  await failed.waitFor({ state: 'detached' });
  await page.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-message:not(.cb-greeting)').length === n, 4, { timeout: 10000 });
  assert.deepEqual((await messageRows(page)).map((r) => r[1]), [
    'my earlier question', defaultReply('my earlier question'), 'while unread', defaultReply('while unread'),
  ]);
  assert.equal(await bubble.locator('.cb-notice').count(), 0, 'the failure\'s notice is gone');
  assert.ok(problems.every((p) => !p.startsWith('pageerror')), problems.join('\n'));
  await context.close();
});
