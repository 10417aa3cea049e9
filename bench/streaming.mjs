// Streaming: the widget and a bare JavaScript reader render the same mock reply of N deltas
// (`w0 `, `w1 `, … at full speed), in the same run.
import { throttle, benchPage, routeHtml, mockSwitches, widget, hostHtml, median, round, log, CHATBOT_ID, WEB_CHAT_ID } from './lib.mjs';

export const STREAM_BUDGETS = { scalingRatio: 60, longTaskMs: 50, vsBaseline: 1.5 };

/** Between a page's first reply and its second: the visitor reads the one and types the other.
 * The browser meanwhile finishes optimizing, on its background threads, the code that ran hot in
 * the first reply; a second reply asked for at once would still be measured against that
 * compilation, which is the cold start this measure leaves out. */
export const READ_AND_TYPE_MS = 1000;

const expectedText = (n) => {
  let s = '';
  for (let i = 0; i < n; i++) s += `w${i} `;
  return s;
};

/** In the page: the stream window's figures, from resource timing and the long-task probe. */
async function collect({ at, frameAt, maxFrameGap }) {
  // The resource timing entry appears once the body has been read to its end: wait for it.
  let entry;
  for (let i = 0; i < 100 && !entry; i++) {
    entry = performance.getEntriesByType('resource').filter((e) => e.name.includes('/completions')).pop();
    if (!entry) await new Promise((r) => setTimeout(r, 20));
  }
  const firstByte = entry ? entry.responseStart : null;
  const tasks = window.__bench.longTasks.filter((t) => firstByte != null && t.start + t.duration >= firstByte && t.start <= at);
  return {
    firstByte,
    responseEnd: entry ? entry.responseEnd : null,
    finalPaint: at,
    endToEndMs: firstByte != null ? at - firstByte : null,
    longTasks: tasks.length,
    longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
    maxFrameGapMs: maxFrameGap,
    longTaskApi: !window.__bench.longTaskError,
  };
}

/** The last reply's text in the widget (outer whitespace trimmed: it renders Markdown). */
const LAST_REPLY = () => {
  const els = document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text');
  return els.length ? els[els.length - 1].textContent.trim() : '';
};

/** With `later`, a reply of n + 1 deltas streams first in the same page, and the one measured is
 * the page's second: its code has run once already. */
export async function widgetRun(browser, server, n, { later = false, rate = 1 } = {}) {
  const { context, page, problems } = await benchPage(browser);
  try {
    await mockSwitches(page, { length: later ? n + 1 : n, delay: 0 });
    const url = `${server.url}bench-stream`;
    await routeHtml(page, url, hostHtml());
    await page.goto(url);
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-input').waitFor({ state: 'visible' });
    if (later) {
      await bubble.locator('.cb-input').fill('first');
      await bubble.locator('.cb-input').press('Enter');
      await page.waitForFunction(([read, want]) => (0, eval)(`(${read})`)() === want, [LAST_REPLY.toString(), expectedText(n + 1).trim()], { timeout: 90000 });
      await mockSwitches(page, { length: n, delay: 0 });
      await page.waitForTimeout(READ_AND_TYPE_MS);
    }
    await page.evaluate(() => window.__bench.afterPaint());
    await throttle(context, page, rate);
    const want = expectedText(n).trim();
    const done = page.evaluate(
      ([want, read, collectSrc]) => {
        const lastReply = (0, eval)(`(${read})`);
        return window.__bench.untilFrame(() => {
          const t = lastReply();
          return t.length === want.length && t === want;
        }, 90000).then((r) => (0, eval)(`(${collectSrc})`)(r));
      },
      [want, LAST_REPLY.toString(), collect.toString()],
    );
    await bubble.locator('.cb-input').fill('x');
    await bubble.locator('.cb-input').press('Enter');
    let r;
    try {
      r = await done;
    } catch (e) {
      const shown = await page.evaluate((read) => (0, eval)(`(${read})`)().length, LAST_REPLY.toString()).catch(() => null);
      r = { endToEndMs: null, longTasks: 0, longestTaskMs: 0, maxFrameGapMs: null, error: `the whole reply was not shown within 90 s (${shown} of ${want.length} characters): ${e.message.split('\n')[0]}` };
    }
    if (problems.length) r.problems = problems;
    return r;
  } finally {
    await context.close();
  }
}

/** The bare reader: fetch, getReader, TextDecoder(stream), SSE `data:` lines, one text node. A
 * measured reply is asked for with Enter in a focused text field, as a visitor asks the widget, so
 * that both requests start the same way. */
const BASELINE_HTML = (apiBase, chatbot, webChat) => `<!doctype html><html><head><meta charset="utf-8"><title>baseline</title></head>
<body><input id="ask"><div id="out"></div><script>
const api = ${JSON.stringify(apiBase)};
window.__ready = fetch(api + 'conversations/', { method: 'POST', headers: { 'Content-Type': 'application/json' },
  body: JSON.stringify({ webChat: ${JSON.stringify(webChat)} }) }).then((r) => r.json());
window.__run = async () => {
  const { id, visitorToken } = await window.__ready;
  const node = document.createTextNode('');
  const out = document.getElementById('out');
  out.textContent = '';
  out.appendChild(node);
  const res = await fetch(api + 'chatbots/${chatbot}/completions/', {
    method: 'POST', headers: { 'Content-Type': 'application/json', 'X-Visitor-Token': visitorToken },
    body: JSON.stringify({ conversation: id, message: { content: 'x', attachments: [] }, isStreaming: true }) });
  const reader = res.body.getReader();
  const decoder = new TextDecoder();
  let buf = '';
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    buf += decoder.decode(value, { stream: true });
    const lines = buf.split('\\n');
    buf = lines.pop();
    for (const line of lines) {
      if (line.startsWith('data:')) {
        const frame = JSON.parse(line.slice(5));
        if (frame.content) node.appendData(frame.content);
      }
    }
  }
};
document.getElementById('ask').addEventListener('keydown', (e) => {
  if (e.key === 'Enter') window.__run();
});
</script></body></html>`;

export async function baselineRun(browser, server, n, { later = false, rate = 1 } = {}) {
  const { context, page, problems } = await benchPage(browser);
  try {
    await mockSwitches(page, { length: later ? n + 1 : n, delay: 0 });
    const url = `${server.url}bench-baseline`;
    await routeHtml(page, url, BASELINE_HTML(`${server.url}api/v1/`, CHATBOT_ID, WEB_CHAT_ID));
    await page.goto(url);
    await page.evaluate(() => window.__ready);
    if (later) {
      await page.evaluate(() => window.__run());
      await mockSwitches(page, { length: n, delay: 0 });
      await page.waitForTimeout(READ_AND_TYPE_MS);
    }
    // Focused before the measure, as the widget's message box is by typing in it.
    await page.focus('#ask');
    await page.evaluate(() => window.__bench.afterPaint());
    await throttle(context, page, rate);
    const want = expectedText(n).trim();
    const done = page.evaluate(
      ([want, collectSrc]) => window.__bench.untilFrame(() => {
        const t = document.getElementById('out').textContent.trim();
        return t.length === want.length && t === want;
      }, 90000).then((r) => (0, eval)(`(${collectSrc})`)(r)),
      [want, collect.toString()],
    );
    await page.locator('#ask').press('Enter');
    const r = await done;
    if (problems.length) r.problems = problems;
    return r;
  } finally {
    await context.close();
  }
}

const summarize = (runs) => ({
  endToEndMs: round(median(runs.map((r) => r.endToEndMs)), 1),
  perDeltaUs: null,
  longestTaskMs: round(Math.max(...runs.map((r) => r.longestTaskMs)), 1),
  longTasks: runs.reduce((a, r) => a + r.longTasks, 0),
  maxFrameGapMs: round(median(runs.map((r) => r.maxFrameGapMs)), 1),
  ...(runs.some((r) => r.error) ? { errors: runs.map((r) => r.error).filter(Boolean) } : {}),
  runs: runs.map((r) => ({ endToEndMs: round(r.endToEndMs, 1), longestTaskMs: round(r.longestTaskMs, 1), longTasks: r.longTasks, maxFrameGapMs: round(r.maxFrameGapMs, 1), ...(r.problems ? { problems: r.problems } : {}) })),
});

/** Measures every length for the widget and (unless widgetOnly) the baseline, interleaved. */
export async function measureStreaming(browser, server, { lengths = [1000, 10000, 50000], reps = { 1000: 9, 10000: 5, 50000: 3 }, widgetOnly = false, laterLengths = [1000, 10000], laterReps = 15, rate = 1 } = {}) {
  const result = {
    method: 'Mock reply of N deltas (`mock_length=N&mock_delay=0`, SSE, loopback), each `w<i> `. '
      + 'Time from the reply\'s first byte (resource timing responseStart of the completions request) to the first frame '
      + 'whose requestAnimationFrame sees the whole text (`w0 w1 … w{N-1}`, outer whitespace trimmed: the widget renders Markdown) as the textContent of the last `.cb-assistant .cb-text`, plus the task after that frame. '
      + 'Per-delta cost = that time / N. Long tasks: PerformanceObserver(\'longtask\') entries (>= 50 ms) overlapping the window; '
      + 'max frame gap: longest interval between animation frames in the window. Baseline: a bare page on the server\'s origin that '
      + 'POSTs the same body with fetch when Enter is pressed in its focused text field, as the widget sends (the switches added by the same page.route as the widget\'s), reads it with getReader + TextDecoder(stream: true), parses SSE `data:` lines and appends each '
      + 'content to one text node, timed the same way. A fresh browser context per run; the wasm is loaded and the panel open before the message is sent. '
      + 'Median of the runs (longest task: the max over the runs).',
    runsPerLength: Object.fromEntries(lengths.map((n) => [n, reps[n] || 3])),
    cpuThrottling: rate,
    lengths: {},
  };
  if (rate > 1) result.method += ` Chromium's CPU throttled ${rate}x (DevTools Emulation.setCPUThrottlingRate) for the widget and the baseline alike, from just before the message is sent.`;
  result.method += ` Runs per length: ${lengths.map((n) => `${reps[n] || 3} (${n / 1000}k)`).join(', ')}.`;
  for (const n of lengths) {
    const w = [];
    const b = [];
    for (let i = 0; i < (reps[n] || 3); i++) {
      w.push(await widgetRun(browser, server, n, { rate }));
      log(`streaming${rate > 1 ? ` (CPU ${rate}x slower)` : ''} widget n=${n} run ${i + 1}: ${w.at(-1).error || `${round(w.at(-1).endToEndMs)} ms, longest task ${round(w.at(-1).longestTaskMs)} ms`}`);
      if (w.at(-1).error) break;
      if (!widgetOnly) {
        b.push(await baselineRun(browser, server, n, { rate }));
        log(`streaming baseline n=${n} run ${i + 1}: ${round(b.at(-1).endToEndMs)} ms`);
      }
    }
    const ws = summarize(w);
    ws.perDeltaUs = round((median(w.map((r) => r.endToEndMs)) * 1000) / n, 2);
    const entry = { widget: ws };
    if (!widgetOnly) {
      const bs = summarize(b);
      bs.perDeltaUs = round((median(b.map((r) => r.endToEndMs)) * 1000) / n, 2);
      entry.baseline = bs;
      entry.widgetVsBaseline = round(median(w.map((r) => r.endToEndMs)) / median(b.map((r) => r.endToEndMs)), 2);
    }
    result.lengths[n] = entry;
  }
  if (!widgetOnly && laterLengths.length) {
    result.laterReply = {
      method: 'The budgeted ratio (the page\'s steady state). The same measure for the second reply of a page: a reply of N + 1 deltas streams first in the same page, '
        + 'for the widget and the baseline alike, so the code that decodes and renders the reply has run once (a browser first runs '
        + 'wasm unoptimized and optimizes the functions that run hot), then the page waits '
        + `${READ_AND_TYPE_MS} ms, as a visitor reads one reply and types the next, before the measured message is sent: the browser's `
        + 'background optimization of that code is then done, as it is for a visitor. Median of '
        + `${laterReps} runs, widget and baseline alternating.`,
      lengths: {},
    };
    for (const n of laterLengths) {
      const w = [];
      const b = [];
      for (let i = 0; i < laterReps; i++) {
        w.push((await widgetRun(browser, server, n, { later: true, rate })).endToEndMs);
        b.push((await baselineRun(browser, server, n, { later: true, rate })).endToEndMs);
        log(`streaming, later reply n=${n} run ${i + 1}: widget ${round(w.at(-1))} ms, baseline ${round(b.at(-1))} ms`);
      }
      const widgetMs = round(median(w), 1);
      const baselineMs = round(median(b), 1);
      result.laterReply.lengths[n] = { widgetMs, baselineMs, widgetVsBaseline: round(widgetMs / baselineMs, 2) };
    }
  }
  const first = result.lengths[lengths[0]];
  const last = result.lengths[lengths[lengths.length - 1]];
  result.scaling = {
    from: lengths[0],
    to: lengths[lengths.length - 1],
    lengthRatio: lengths[lengths.length - 1] / lengths[0],
    widgetCostRatio: round(last.widget.endToEndMs / first.widget.endToEndMs, 1),
    ...(first.baseline ? { baselineCostRatio: round(last.baseline.endToEndMs / first.baseline.endToEndMs, 1) } : {}),
  };
  return result;
}

export function streamingChecks(s, { absolute = true } = {}) {
  const checks = [
    [`streaming: ${s.scaling.to / 1000}k/${s.scaling.from / 1000}k cost ratio <= ${STREAM_BUDGETS.scalingRatio}`,
      s.scaling.widgetCostRatio != null && s.scaling.widgetCostRatio <= STREAM_BUDGETS.scalingRatio,
      `${s.scaling.widgetCostRatio} (linear would be ${s.scaling.lengthRatio})`],
  ];
  if (absolute) {
    const entries = Object.entries(s.lengths);
    const tasks = entries.reduce((a, [, e]) => a + e.widget.longTasks, 0);
    const longest = Math.max(...entries.map(([, e]) => e.widget.longestTaskMs));
    const bTasks = entries.reduce((a, [, e]) => a + (e.baseline?.longTasks || 0), 0);
    const bLongest = Math.max(0, ...entries.map(([, e]) => e.baseline?.longestTaskMs || 0));
    checks.push([`streaming: no main-thread task over ${STREAM_BUDGETS.longTaskMs} ms`, tasks === 0,
      (tasks === 0 ? 'no long task in any run' : `${tasks} long tasks, longest ${longest} ms`)
        + (entries.some(([, e]) => e.baseline) ? ` (baseline: ${bTasks} long tasks, longest ${bLongest} ms)` : '')]);
    // The page's second reply is budgeted; its first (the browser's cold wasm) is only reported.
    for (const [n, e] of Object.entries(s.laterReply?.lengths || {})) {
      checks.push([`streaming: ${n / 1000}k second reply within ${STREAM_BUDGETS.vsBaseline}x of baseline`, e.widgetVsBaseline <= STREAM_BUDGETS.vsBaseline,
        `${e.widgetVsBaseline}x (${e.widgetMs} ms vs ${e.baselineMs} ms)`]);
    }
  }
  return checks;
}
