// History: a conversation of 1,000 stored messages opened in the widget.
import { benchPage, routeHtml, widget, hostHtml, api, median, round, log, WEB_CHAT_ID, CHATBOT_ID } from './lib.mjs';

export const HISTORY_BUDGET_MS = 100;

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

async function historyRun(browser, server, conversation, rows) {
  const key = `chat-bubble:${WEB_CHAT_ID}:conversation`;
  const { context, page, problems } = await benchPage(browser, [`localStorage.setItem(${JSON.stringify(key)}, ${JSON.stringify(JSON.stringify(conversation))});`]);
  try {
    const url = `${server.url}bench-history`;
    await routeHtml(page, url, hostHtml());
    await page.goto(url, { waitUntil: 'load' });
    // Let the wasm load (on idle) first, so only the history is measured.
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /_bg\.[0-9a-f]+\.wasm$/.test(e.name) && e.responseEnd > 0));
    await page.waitForTimeout(300);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Performance.enable');
    const heap = async () => {
      await cdp.send('HeapProfiler.collectGarbage');
      const { metrics } = await cdp.send('Performance.getMetrics');
      return metrics.find((m) => m.name === 'JSHeapUsedSize').value;
    };
    const heapBefore = await heap();
    const done = page.evaluate((rows) => window.__bench.untilFrame(
      () => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length >= rows, 60000,
    ).then((r) => {
      const pages = performance.getEntriesByType('resource').filter((e) => e.name.includes('/messages'));
      const arrival = Math.max(...pages.map((e) => e.responseEnd));
      const tasks = window.__bench.longTasks.filter((t) => t.start + t.duration >= arrival && t.start <= r.at);
      return {
        renderMs: r.at - arrival,
        requests: pages.length,
        firstRequestToRenderedMs: r.at - Math.min(...pages.map((e) => e.startTime)),
        longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
        rows: document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length,
      };
    }), rows);
    await widget(page).locator('.cb-launcher').click();
    const r = await done;
    const heapAfter = await heap();
    return { ...r, heapBefore, heapAfter, ...(problems.length ? { problems } : {}) };
  } finally {
    await context.close();
  }
}

export async function measureHistory(browser, server, { exchanges = 500, reps = 3 } = {}) {
  const seeded = await seedConversation(server, exchanges);
  log(`history: seeded ${seeded.count} messages`);
  const runs = [];
  for (let i = 0; i < reps; i++) {
    runs.push(await historyRun(browser, server, { id: seeded.id, visitorToken: seeded.visitorToken }, seeded.count));
    log(`history run ${i + 1}: ${round(runs.at(-1).renderMs)} ms after the last page arrived`);
  }
  return {
    method: `A conversation of ${seeded.count} messages made through the mock API (${exchanges} non-streaming exchanges); its id set in localStorage `
      + 'before the page loads; the wasm loaded (idle) before the launcher is clicked. From the last history page\'s arrival '
      + '(resource timing responseEnd of the last `messages/` request) to the first animation frame in which all '
      + `${seeded.count} \`.cb-message\` rows exist, plus the task after it. JS heap: CDP Performance.getMetrics JSHeapUsedSize after a forced GC, `
      + `before the click and after the rows are shown (the wasm linear memory is not part of it). Fresh context per run; median of ${reps} runs.`,
    messages: seeded.count,
    requests: median(runs.map((r) => r.requests)),
    renderMs: round(median(runs.map((r) => r.renderMs)), 1),
    firstRequestToRenderedMs: round(median(runs.map((r) => r.firstRequestToRenderedMs)), 1),
    longestTaskMs: round(Math.max(...runs.map((r) => r.longestTaskMs)), 1),
    jsHeapBeforeBytes: median(runs.map((r) => r.heapBefore)),
    jsHeapAfterBytes: median(runs.map((r) => r.heapAfter)),
    runs: runs.map((r) => round(r.renderMs, 1)),
    problems: runs.flatMap((r) => r.problems || []),
  };
}

export function historyChecks(h) {
  return [[`history: ${h.messages} messages rendered in under ${HISTORY_BUDGET_MS} ms`, h.renderMs < HISTORY_BUDGET_MS, `${h.renderMs} ms`]];
}
