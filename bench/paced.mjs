// Streaming at a realistic pace on a slow device: a markdown reply of 2,000 deltas at 100 deltas
// a second (the mock echoes it in even deltas, 10 ms apart), with Chromium's CPU
// throttled; the widget and the bare reader alternate in the same run. What counts is the main
// thread: every task while the reply streams.
import { throttle, benchPage, routeHtml, mockSwitches, echoReplies, widget, hostHtml, round, log, CHATBOT_ID, WEB_CHAT_ID } from './lib.mjs';

export const PACED = { deltas: 2000, delayMs: 10 };

/** About 24 KB of the markdown a support answer has: headings, lists, emphasis, code, links. */
export function pacedMarkdown() {
  const parts = [];
  for (let i = 0; parts.join('').length < 24000; i++) {
    parts.push(`## Step ${i}\n\nTo **check the setting** open *Preferences*, then \`Network → Proxy\`. See [the guide](https://example.com/guide/${i}) for more.\n\n`);
    parts.push(`- first item with _emphasis_ ${i}\n- second item with a \`code\` span\n  1. nested one\n  2. nested two\n\n`);
    parts.push(`\`\`\`sh\ncurl -s https://example.com/api/${i} | jq .\n\`\`\`\n\n> A quote about step ${i}, with **bold** text.\n\n`);
  }
  return parts.join('');
}

/** Long tasks from the completion request's first byte to the frame that shows the end. */
async function streamTasks(page, isDone) {
  return page.evaluate(async (isDoneSrc) => {
    const isDone = (0, eval)(`(${isDoneSrc})`);
    const r = await window.__bench.untilFrame(isDone, 180000);
    const entry = performance.getEntriesByType('resource').filter((e) => e.name.includes('/completions')).pop();
    const from = entry ? entry.responseStart : 0;
    const tasks = window.__bench.longTasks.filter((t) => t.start + t.duration >= from && t.start <= r.at);
    return { ms: r.at - from, longTasks: tasks.length, longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0) };
  }, isDone.toString());
}

async function widgetRun(browser, server, text, rate) {
  const { context, page, problems } = await benchPage(browser);
  try {
    // The visitor asks a short question; the mock answers with the markdown (its echo of the
    // message, rewritten on its way).
    await echoReplies(page, () => text, { deltas: PACED.deltas, delay: PACED.delayMs });
    const url = `${server.url}bench-paced`;
    await routeHtml(page, url, hostHtml());
    await page.goto(url);
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-input').fill('How do I set up the proxy?');
    await page.evaluate(() => window.__bench.afterPaint());
    await throttle(context, page, rate);
    const done = streamTasks(page, () => {
      const rows = document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant');
      return rows.length > 0 && !rows[rows.length - 1].classList.contains('cb-streaming') && rows[rows.length - 1].textContent.length > 1000;
    });
    await bubble.locator('.cb-input').press('Enter');
    const r = await done;
    return { ...r, ...(problems.length ? { problems } : {}) };
  } finally {
    await context.close();
  }
}

/** The bare reader: the same stream appended to one text node (its SSE lines parsed). */
async function bareRun(browser, server, text, rate) {
  const { context, page } = await benchPage(browser);
  try {
    await mockSwitches(page, { echo: 1, deltas: PACED.deltas, delay: PACED.delayMs });
    const url = `${server.url}bench-paced-bare`;
    await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>bare</title></head><body><div id="out"></div></body></html>`);
    await page.goto(url);
    await throttle(context, page, rate);
    const done = streamTasks(page, () => window.__finished === true);
    await page.evaluate(async ({ api, chatbot, webChat, text }) => {
      const created = await (await fetch(`${api}conversations/`, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ webChat }) })).json();
      const node = document.createTextNode('');
      document.getElementById('out').appendChild(node);
      const res = await fetch(`${api}chatbots/${chatbot}/completions/`, {
        method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Visitor-Token': created.visitorToken },
        body: JSON.stringify({ conversation: created.id, message: { content: text, attachments: [] }, isStreaming: true }) });
      const reader = res.body.getReader();
      const decoder = new TextDecoder();
      let buf = '';
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        buf += decoder.decode(value, { stream: true });
        const lines = buf.split('\n');
        buf = lines.pop();
        for (const line of lines) if (line.startsWith('data:')) node.appendData(JSON.parse(line.slice(5)).content || '');
      }
      window.__finished = true;
    }, { api: `${server.url}api/v1/`, chatbot: CHATBOT_ID, webChat: WEB_CHAT_ID, text });
    return await done;
  } finally {
    await context.close();
  }
}

export async function measurePaced(browser, server, { rate = 4, reps = 3 } = {}) {
  const text = pacedMarkdown();
  const widgetRuns = [];
  const bareRuns = [];
  for (let i = 0; i < reps; i++) {
    bareRuns.push(await bareRun(browser, server, text, rate));
    widgetRuns.push(await widgetRun(browser, server, text, rate));
    log(`paced run ${i + 1} (CPU ${rate}x slower): widget ${widgetRuns.at(-1).longTasks} tasks over 50 ms, longest ${round(widgetRuns.at(-1).longestTaskMs)} ms; bare reader longest ${round(bareRuns.at(-1).longestTaskMs)} ms`);
  }
  return {
    method: `A markdown reply of ${text.length} characters (headings, lists, emphasis, code, links, quotes) streamed by the mock in ${PACED.deltas} even deltas ${PACED.delayMs} ms apart (100 a second), `
      + `Chromium's CPU throttled ${rate}x (DevTools Emulation.setCPUThrottlingRate) once the page is loaded; main-thread tasks over 50 ms (Long Tasks API) from the completion's first byte to the frame that shows the end. `
      + `The bare reader appends the same stream to one text node under the same throttle. ${reps} runs each, alternating; the worst run counts.`,
    cpuThrottling: rate,
    widget: { longTasks: Math.max(...widgetRuns.map((r) => r.longTasks)), longestTaskMs: round(Math.max(...widgetRuns.map((r) => r.longestTaskMs)), 1), runs: widgetRuns },
    bare: { longTasks: Math.max(...bareRuns.map((r) => r.longTasks)), longestTaskMs: round(Math.max(...bareRuns.map((r) => r.longestTaskMs)), 1) },
  };
}

export function pacedChecks(p) {
  return [[`streaming at 100 deltas/s, CPU ${p.cpuThrottling}x slower: no task over 50 ms`, p.widget.longestTaskMs < 50,
    `${p.widget.longTasks} over 50 ms, longest ${p.widget.longestTaskMs} ms (bare reader: longest ${p.bare.longestTaskMs} ms)`]];
}
