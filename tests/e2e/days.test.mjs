// Day separators and runs of one side: "Today", "Yesterday" or the date above the first message
// of each day; consecutive messages from one side share one picture (the first) and one time
// (the last). The same live and after a reload, and for a history put in newest first a slice at
// a time without any row built twice.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, hostPage, widget, send, defaultReply, waitForReply, api, readBack } from './harness.mjs';

const env = serverAndBrowser();


/** What the list shows, in order: `day:<label>` for a separator, and for each message its side,
 * whether it sits close under the one before (`+`), has the sender line (`@`) and a time (`t`). */
function shape(page) {
  return widget(page).locator('.cb-content').evaluate((content) =>
    [...content.querySelectorAll('.cb-day, .cb-rows .cb-message')].map((e) => {
      if (e.classList.contains('cb-day')) return `day:${e.textContent.trim()}`;
      const side = e.classList.contains('cb-visitor') ? 'v' : 'a';
      return side
        + (e.classList.contains('cb-continued') ? '+' : '')
        + (e.querySelector('.cb-sender') ? '@' : '')
        + (e.querySelector('.cb-meta time') ? 't' : '');
    }));
}

test('live and after a reload: one "Today" above the conversation, each message its own time', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'days-live.html');
  await send(page, 'first');
  await waitForReply(page, defaultReply('first'));
  await send(page, 'second');
  await waitForReply(page, defaultReply('second'));
  const live = await shape(page);
  assert.deepEqual(live.filter((s) => s.startsWith('day:')), ['day:Today']);
  assert.equal(live[0], 'day:Today');
  assert.deepEqual(live.slice(1).map((s) => s.replace('@', '')), ['vt', 'at', 'vt', 'at']);

  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length === 4);
  await waitForReply(page, defaultReply('second'));
  // After the reload the sender line (the mock names the assistant) is on every reply too.
  assert.deepEqual((await shape(page)).map((s) => s.replace('@', '')), live.map((s) => s.replace('@', '')));
  assert.deepEqual(problems, []);
  await context.close();
});

/** An init script that starts the page's `Date` (not its timers) at `startAt`, moved on later by
 * adding to `window.__dateShift`. Playwright's own clock fakes the timers too, with ids past 2^31
 * that the widget's i32 timer handles cannot clear. */
const shiftedDate = (startAt) => `{
  const RealDate = Date;
  window.__dateShift = ${startAt} - RealDate.now();
  window.Date = class extends RealDate {
    constructor(...args) {
      if (args.length) super(...args);
      else super(RealDate.now() + window.__dateShift);
    }
    static now() {
      return RealDate.now() + window.__dateShift;
    }
  };
}`;

test('a page left open past midnight: "Today" becomes "Yesterday" and the times gain their day', async () => {
  const { context, page, problems } = await openPage(env.browser, { timezoneId: 'UTC' });
  // The page's clock says ten seconds to midnight from the start, so the widget's midnight comes
  // ten seconds after it loads; the test moves the clock past midnight before then.
  const now = new Date();
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  await page.addInitScript(shiftedDate(midnight - 10_000));
  await hostPage(page, env.server, 'days-midnight.html');
  await send(page, 'late at night');
  await waitForReply(page, defaultReply('late at night'));
  const times = () => widget(page).locator('.cb-rows .cb-meta time').allTextContents();
  assert.deepEqual((await shape(page)).filter((s) => s.startsWith('day:')), ['day:Today']);
  const before = await times();
  assert.equal(before.length, 2);
  await page.evaluate((shift) => { window.__dateShift += shift; }, 40_000);
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-day')?.textContent.trim() === 'Yesterday', null, { timeout: 20_000 });
  assert.deepEqual((await shape(page)).filter((s) => s.startsWith('day:')), ['day:Yesterday']);
  const after = await times();
  // Each time keeps its hour and minute, now after its day.
  after.forEach((label, i) => {
    assert.notEqual(label, before[i]);
    assert.ok(label.endsWith(before[i]), `${label} after ${before[i]}`);
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a device that slept past midnight says "Yesterday" soon after it wakes, though its timers did not count the night', async () => {
  const { context, page, problems } = await openPage(env.browser, { timezoneId: 'UTC' });
  // An evening: the widget's midnight is three hours away on the page's timers.
  const now = new Date();
  const midnight = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() + 1);
  await page.addInitScript(shiftedDate(midnight - 3 * 3600_000));
  await hostPage(page, env.server, 'days-slept.html');
  await send(page, 'before bed');
  await waitForReply(page, defaultReply('before bed'));
  assert.deepEqual((await shape(page)).filter((s) => s.startsWith('day:')), ['day:Today']);
  // The clock jumps to the next morning, as on waking; the timers' time did not pass.
  await page.evaluate((shift) => { window.__dateShift += shift; }, 10 * 3600_000);
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-day')?.textContent.trim() === 'Yesterday', null, { timeout: 45_000 });
  await send(page, 'good morning');
  await waitForReply(page, defaultReply('good morning'));
  assert.deepEqual((await shape(page)).filter((s) => s.startsWith('day:')), ['day:Yesterday', 'day:Today']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('zh-TW: the separator says 今天', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'days-zh.html', { 'data-locale': 'zh-TW' });
  await send(page, '你好');
  await waitForReply(page, defaultReply('你好'));
  assert.deepEqual((await shape(page)).filter((s) => s.startsWith('day:')), ['day:今天']);
  assert.deepEqual(problems, []);
  await context.close();
});

const EXCHANGES = 40;
/** Exchanges whose reply is followed by a second assistant message a minute later. */
const RUNS = [5, 25, 35];

test('a sliced history: a separator per day, one picture and one time per run, no row built twice', async () => {
  const { id, visitorToken } = await api(env.server, 'conversations/', { webChat: 'e2e-web-chat' });
  for (let i = 0; i < EXCHANGES; i++) {
    await api(env.server, 'chatbots/e2e-bot/completions/?mock_delay=0', {
      conversation: id, message: { content: `question ${i}`, attachments: [] }, isStreaming: false,
    }, visitorToken);
  }
  const { context, page, problems } = await openPage(env.browser);
  // Exchanges 0–19 two days ago, 20–29 yesterday, 30–39 today (local days of the browser), and
  // a second reply after the replies of RUNS. Today's exchanges share the time since midnight,
  // which may be a few minutes: each exchange's reply and second reply come within its share.
  const times = await page.evaluate(({ n }) => {
    const midnight = new Date();
    midnight.setHours(0, 0, 0, 0);
    const day = (k) => { const d = new Date(midnight); d.setDate(d.getDate() - k); return d.getTime(); };
    const now = Date.now();
    return Array.from({ length: n }, (_, i) => {
      if (i < 20) return day(2) + 10 * 3600e3 + i * 180e3;
      if (i < 30) return day(1) + 10 * 3600e3 + (i - 20) * 180e3;
      return midnight.getTime() + Math.floor(((now - midnight.getTime()) * (i - 29)) / 12);
    });
  }, { n: EXCHANGES });
  const share = (i) => (i + 1 < times.length ? times[i + 1] - times[i] : 180e3);
  await page.route('**/messages/**', async (route) => {
    const response = await route.fetch();
    const body = await response.json();
    const extra = [];
    for (const m of body.results || []) {
      const i = Number(/question (\d+)/.exec(m.content)?.[1]);
      const reply = m.type === 'outgoing';
      m.createdAt = String(times[i] + (reply ? Math.min(30e3, Math.floor(share(i) / 3)) : 0));
      if (reply && RUNS.includes(i)) {
        const later = Math.min(60e3, Math.floor((2 * share(i)) / 3));
        extra.push({ ...m, id: `${m.id}-more`, content: `more for ${i}`, createdAt: String(times[i] + later) });
      }
    }
    body.results.push(...extra);
    body.count += extra.length;
    await route.fulfill({ response, json: body });
  });
  await page.addInitScript((stored) => {
    localStorage.setItem('chat-bubble:e2e-web-chat:conversation', JSON.stringify(stored));
    window.__rows = { added: 0, removed: 0 };
    const watch = () => {
      const rows = document.querySelector('chat-bubble')?.shadowRoot?.querySelector('.cb-rows');
      if (!rows) return requestAnimationFrame(watch);
      // Rows come alone or inside the batch that holds them.
      const count = (nodes) => [...nodes].reduce((n, node) => n + (node.classList?.contains('cb-message') ? 1 : node.querySelectorAll?.('.cb-message').length ?? 0), 0);
      new MutationObserver((records) => {
        for (const r of records) {
          window.__rows.added += count(r.addedNodes);
          window.__rows.removed += count(r.removedNodes);
        }
      }).observe(rows, { childList: true, subtree: true });
    };
    requestAnimationFrame(watch);
  }, { id, visitorToken });
  await hostPage(page, env.server, 'days-history.html');
  await widget(page).locator('.cb-launcher').click();
  const total = EXCHANGES * 2 + RUNS.length;
  await page.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length >= n, total, { timeout: 60000 });
  await page.waitForFunction(() => !document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-status'));

  const olderDay = await page.evaluate((ms) => new Date(ms).toLocaleDateString(undefined, { weekday: 'short', month: 'short', day: 'numeric' }), times[0]);
  const expected = [];
  for (let i = 0; i < EXCHANGES; i++) {
    if (i === 0) expected.push(`day:${olderDay}`);
    if (i === 20) expected.push('day:Yesterday');
    if (i === 30) expected.push('day:Today');
    expected.push('vt');
    if (RUNS.includes(i)) expected.push('a@', 'a+t');
    else expected.push('a@t');
  }
  // The end of the conversation shows its times at once; the rows above, once read back to.
  const end = (await shape(page)).slice(-4);
  assert.deepEqual(end, expected.slice(-4));
  await readBack(page);
  assert.deepEqual(await shape(page), expected);
  const { added, removed } = await page.evaluate(() => window.__rows);
  assert.equal(added, total, 'each row put in the list once');
  assert.equal(removed, 0, 'no row taken out');
  assert.deepEqual(problems, []);
  await context.close();
});
