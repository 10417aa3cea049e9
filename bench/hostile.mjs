// Hostile replies: the worst main-thread task while each reply of tests/e2e/hostile_cases.mjs
// streams in 1,000 deltas, and while all of them render as history.
import { benchPage, routeHtml, echoReplies, widget, hostHtml, api, round, log, CHATBOT_ID, WEB_CHAT_ID } from './lib.mjs';
import { CASES } from '../tests/e2e/hostile_cases.mjs';

export const HOSTILE_BUDGET_MS = 50;

/** In the page: the longest long task since `from` (0 when there was none). */
const worstSince = (page, from) => page.evaluate((from) => window.__bench.longTasks
  .filter((t) => t.start + t.duration >= from)
  .reduce((m, t) => Math.max(m, t.duration), 0), from);

/** The assistant's messages shown. */
const replies = (page) => page.evaluate(
  () => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant').length,
);

/** In the page: `n` replies or more are shown, and the last has ended (Send is back). Asked with
 * the browser's own `querySelector`: Playwright's locators walk the shadow tree in script, which
 * over megabytes of replies takes tasks of 30 ms and more that would count as the page's. */
const repliesEnded = (page, n) => page.waitForFunction((n) => {
  const root = document.querySelector('chat-bubble').shadowRoot;
  return root.querySelectorAll('.cb-assistant').length >= n && root.querySelector('.cb-send[type=submit]');
}, n, { timeout: 300_000, polling: 100 });

/** Streams every case in one page (each its own message) and returns the worst task of each. */
async function streamCases(browser, server) {
  const { context, page, problems } = await benchPage(browser);
  const out = [];
  try {
    let current = '';
    await echoReplies(page, () => current, { deltas: 1000, delay: 2 });
    const url = `${server.url}bench-hostile`;
    await routeHtml(page, url, hostHtml());
    await page.goto(url);
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-input').waitFor({ state: 'visible' });
    for (const [i, c] of CASES.entries()) {
      current = c.text;
      await page.evaluate(() => window.__bench.afterPaint());
      const shown = await replies(page);
      const from = await page.evaluate(() => performance.now());
      // Sent as an integrator would (window.ChatBubble.send), not typed through a locator.
      await page.evaluate((text) => window.ChatBubble.send(text), `hostile ${i + 1}`);
      await repliesEnded(page, shown + 1);
      const end = await page.evaluate(() => window.__bench.afterPaint());
      const worst = await worstSince(page, from);
      out.push({ name: c.name, bytes: c.text.length, streamMs: round(end - from, 0), worstTaskMs: round(worst, 0) });
      log(`hostile, streamed: ${c.name}: worst task ${round(worst, 0)} ms, ${round(end - from, 0)} ms in all`);
    }
  } finally {
    if (problems.length) out.push({ problems });
    await context.close();
  }
  return out;
}

/** Stores every case as a reply in one conversation, opens it, and returns the worst task. */
async function historyCases(browser, server) {
  const { id, visitorToken } = await api(server, 'conversations/', { webChat: WEB_CHAT_ID });
  for (const c of CASES) {
    await api(server, `chatbots/${CHATBOT_ID}/completions/?mock_echo=1&mock_delay=0`, {
      conversation: id, message: { content: c.text, attachments: [] }, isStreaming: false,
    }, visitorToken);
  }
  const key = `chat-bubble:${WEB_CHAT_ID}:conversation`;
  const stored = JSON.stringify({ id, visitorToken });
  const { context, page, problems } = await benchPage(browser, [`localStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(stored)});`]);
  try {
    const url = `${server.url}bench-hostile-history`;
    await routeHtml(page, url, hostHtml());
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => e.name.endsWith('.wasm') && e.responseEnd > 0));
    await page.waitForTimeout(300);
    const from = await page.evaluate(() => performance.now());
    await widget(page).locator('.cb-launcher').click();
    await page.waitForFunction(
      (n) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text').length === n,
      CASES.length, { timeout: 300_000, polling: 100 },
    );
    const end = await page.evaluate(() => window.__bench.afterPaint());
    const worst = await worstSince(page, from);
    log(`hostile, history of all ${CASES.length}: worst task ${round(worst, 0)} ms`);
    return { worstTaskMs: round(worst, 0), shownMs: round(end - from, 0), ...(problems.length ? { problems } : {}) };
  } finally {
    await context.close();
  }
}

export async function measureHostile(browser, server) {
  return {
    method: `Each reply of tests/e2e/hostile_cases.mjs (${CASES.map((c) => c.name).join('; ')}) streamed in one page, one message each, `
      + 'as the mock\'s echo of a message rewritten by page.route (`mock_echo=1&mock_deltas=1000&mock_delay=2`): the longest '
      + 'PerformanceObserver(\'longtask\') entry from the send until the reply is done and painted. History: all of them stored '
      + 'as replies of one conversation through the mock API, opened in a fresh page (wasm loaded first), the longest task from '
      + 'the click on the launcher until every reply is in the list and painted. 0 means no task of 50 ms or more.',
    streamed: await streamCases(browser, server),
    history: await historyCases(browser, server),
  };
}

export function hostileChecks(h) {
  const streamed = h.streamed.filter((s) => s.name);
  const worst = Math.max(0, ...streamed.map((s) => s.worstTaskMs));
  return [
    [`hostile replies: no task over ${HOSTILE_BUDGET_MS} ms while streaming`, worst < HOSTILE_BUDGET_MS,
      streamed.map((s) => `${s.name} ${s.worstTaskMs} ms`).join('; ')],
    [`hostile replies: no task over ${HOSTILE_BUDGET_MS} ms as history`, h.history.worstTaskMs < HOSTILE_BUDGET_MS,
      `${h.history.worstTaskMs} ms`],
  ];
}
