// History: a conversation of 1,000 stored messages opened in the widget.
import { throttle, benchPage, routeHtml, widget, hostHtml, api, median, round, log, WEB_CHAT_ID, CHATBOT_ID } from './lib.mjs';

export const HISTORY_BUDGET_MS = 100;
export const HISTORY_RATIO_BUDGET = 2;

/** Creates a conversation with `exchanges` visitor messages and replies (non-streaming, no delay). */
export async function seedConversation(server, exchanges = 500) {
  const { id, visitorToken } = await api(server, 'conversations/', { webChat: WEB_CHAT_ID });
  let next = 0;
  const worker = async () => {
    while (next < exchanges) {
      const i = next++;
      await api(server, `chatbots/${CHATBOT_ID}/completions/?mock_delay=0`, {
        conversation: id,
        message: { content: `message ${i}`, attachments: [] },
        isStreaming: false,
      }, visitorToken);
    }
  };
  await Promise.all(Array.from({ length: 4 }, worker));
  const page = await api(server, `messages/?conversation=${id}&pageSize=1`, undefined, visitorToken);
  return { id, visitorToken, count: page.count };
}

/** The conversation's id and visitor token in localStorage before any page script runs. */
const storedConversation = (conversation) => `localStorage.setItem(${JSON.stringify(`chat-bubble:${WEB_CHAT_ID}:conversation`)}, ${JSON.stringify(JSON.stringify(conversation))});`;

async function historyRun(browser, server, conversation, rows, rate) {
  const { context, page, problems } = await benchPage(browser, [storedConversation(conversation)]);
  try {
    const url = `${server.url}bench-history`;
    await routeHtml(page, url, hostHtml());
    await page.goto(url, { waitUntil: 'load' });
    // Let the wasm load (on idle) first, so only the history is measured.
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /_bg\.[0-9a-f]+\.wasm$/.test(e.name) && e.responseEnd > 0));
    await page.waitForTimeout(300);
    const cdp = await throttle(context, page, rate);
    await cdp.send('Performance.enable');
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize').value;
    };
    const heapBefore = await heap();
    const done = page.evaluate((rows) => {
      const count = () => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length;
      return Promise.all([window.__bench.untilFrame(() => count() > 0, 120000), window.__bench.untilFrame(() => count() >= rows, 120000)]).then(([first, all]) => {
        const pages = performance.getEntriesByType('resource').filter((e) => e.name.includes('/messages'));
        const arrival = Math.max(...pages.map((e) => e.responseEnd));
        const tasks = window.__bench.longTasks.filter((t) => t.start + t.duration >= arrival && t.start <= all.at);
        return {
          visibleMs: first.at - arrival,
          renderMs: all.at - arrival,
          requests: pages.length,
          longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
          rows: count(),
        };
      });
    }, rows);
    await widget(page).locator('.cb-launcher').click();
    const r = await done;
    const heapAfter = await heap();
    return { ...r, heapBefore, heapAfter, ...(problems.length ? { problems } : {}) };
  } finally {
    await context.close();
  }
}

/**
 * The baseline: a bare page that fetches the same pages of the same conversation and builds one
 * plain element per message (author class, text, time) in a scrolling box the panel's size.
 */
async function bareRun(browser, server, conversation, rows, rate) {
  const { context, page } = await benchPage(browser);
  try {
    const url = `${server.url}bench-history-bare`;
    await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>bare history</title></head>
<body><div id="log" style="width:380px;height:560px;overflow:auto;font:15px/1.4 system-ui"></div></body></html>`);
    await page.goto(url, { waitUntil: 'load' });
    await throttle(context, page, rate);
    return await page.evaluate(async ({ id, visitorToken, rows }) => {
      const list = document.getElementById('log');
      const results = [];
      let next = `/api/v1/messages/?conversation=${encodeURIComponent(id)}&pageSize=100`;
      let text = '';
      while (next) {
        const res = await fetch(next, { headers: { 'X-Visitor-Token': visitorToken, Accept: 'application/json' } });
        text = await res.text();
        const page = JSON.parse(text);
        results.push(...page.results);
        next = page.next;
      }
      const arrival = performance.now();
      results.sort((a, b) => Number(a.createdAt) - Number(b.createdAt));
      for (const m of results) {
        const row = document.createElement('div');
        row.className = m.type === 'outgoing' ? 'assistant' : 'visitor';
        const body = document.createElement('div');
        body.textContent = m.content;
        const time = document.createElement('time');
        const date = new Date(Number(m.createdAt));
        time.dateTime = date.toISOString();
        time.textContent = `${date.getHours()}:${String(date.getMinutes()).padStart(2, '0')}`;
        row.append(body, time);
        list.append(row);
      }
      list.scrollTop = list.scrollHeight;
      const done = await window.__bench.afterPaint();
      const tasks = window.__bench.longTasks.filter((t) => t.start + t.duration >= arrival);
      return { renderMs: done - arrival, rows: list.children.length, longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0), expected: rows };
    }, { ...conversation, rows });
  } finally {
    await context.close();
  }
}

/**
 * The history case at CPU throttling `rate`: the widget and the bare page alternate, `reps`
 * runs each, fresh contexts. Pass `seeded` to reuse a seeded conversation.
 */
export async function measureHistory(browser, server, { exchanges = 500, reps = 9, rate = 1, seeded } = {}) {
  seeded = seeded || (await seedConversation(server, exchanges));
  log(`history${rate > 1 ? ` (CPU ${rate}x slower)` : ''}: ${seeded.count} messages`);
  const conversation = { id: seeded.id, visitorToken: seeded.visitorToken };
  const runs = [];
  const bare = [];
  for (let i = 0; i < reps; i++) {
    bare.push(await bareRun(browser, server, conversation, seeded.count, rate));
    runs.push(await historyRun(browser, server, conversation, seeded.count, rate));
    log(`history run ${i + 1}: end shown ${round(runs.at(-1).visibleMs)} ms, all rows ${round(runs.at(-1).renderMs)} ms, longest task ${round(runs.at(-1).longestTaskMs)} ms; bare page ${round(bare.at(-1).renderMs)} ms`);
  }
  const renderMs = median(runs.map((r) => r.renderMs));
  const bareMs = median(bare.map((r) => r.renderMs));
  return {
    seeded,
    method: `A conversation of ${seeded.count} messages made through the mock API (${exchanges} non-streaming exchanges, so their times fall within a minute or two); its id set in localStorage `
      + 'before the page loads; the wasm loaded (idle) before the launcher is clicked. From the last history page\'s arrival '
      + '(resource timing responseEnd of the last `messages/` request) to the first animation frame in which the newest rows exist (end shown) and in which all '
      + `${seeded.count} \`.cb-message\` rows exist (all rows), plus the task after it; the longest main-thread task in between. `
      + 'Rows that go in far above the view show their text (and picture, attachments); their times and actions are built when they come near it, as the visitor scrolls, and are not in this figure. '
      + 'The bare page fetches the same pages and builds one plain element per message (text and time, no markdown) in a box the panel\'s size, '
      + 'timed from the last page\'s arrival to just after the next paint. '
      + `${rate > 1 ? `Chromium's CPU throttled ${rate}x (DevTools Emulation.setCPUThrottlingRate) for both pages. ` : ''}`
      + `JS heap: CDP Performance.getMetrics JSHeapUsedSize after a forced GC, before the click and after the rows are shown (the wasm linear memory is not part of it). Fresh context per run; widget and bare page alternate; median of ${reps} runs.`,
    cpuThrottling: rate,
    messages: seeded.count,
    requests: median(runs.map((r) => r.requests)),
    visibleMs: round(median(runs.map((r) => r.visibleMs)), 1),
    renderMs: round(renderMs, 1),
    bareMs: round(bareMs, 1),
    ratioToBare: round(renderMs / bareMs, 2),
    longestTaskMs: round(Math.max(...runs.map((r) => r.longestTaskMs)), 1),
    bareLongestTaskMs: round(Math.max(...bare.map((r) => r.longestTaskMs)), 1),
    jsHeapBeforeBytes: median(runs.map((r) => r.heapBefore)),
    jsHeapAfterBytes: median(runs.map((r) => r.heapAfter)),
    runs: runs.map((r) => round(r.renderMs, 1)),
    bareRuns: bare.map((r) => round(r.renderMs, 1)),
    problems: runs.flatMap((r) => r.problems || []),
  };
}

export function historyChecks(h, slow) {
  const checks = [
    [`history: ${h.messages} messages rendered in under ${HISTORY_BUDGET_MS} ms`, h.renderMs < HISTORY_BUDGET_MS, `${h.renderMs} ms (end shown after ${h.visibleMs} ms)`],
    [`history: within ${HISTORY_RATIO_BUDGET}x of the bare page`, h.ratioToBare <= HISTORY_RATIO_BUDGET, `${h.ratioToBare}x (${h.renderMs} / ${h.bareMs} ms)`],
    ['history: no task over 50 ms while it renders', h.longestTaskMs < 50, `longest ${h.longestTaskMs} ms`],
  ];
  if (slow) {
    checks.push(
      [`history, CPU ${slow.cpuThrottling}x slower: within ${HISTORY_RATIO_BUDGET}x of the bare page`, slow.ratioToBare <= HISTORY_RATIO_BUDGET, `${slow.ratioToBare}x (${slow.renderMs} / ${slow.bareMs} ms; end shown after ${slow.visibleMs} ms)`],
      [`history, CPU ${slow.cpuThrottling}x slower: no task over 50 ms while it renders`, slow.longestTaskMs < 50, `longest ${slow.longestTaskMs} ms`],
    );
  }
  return checks;
}
