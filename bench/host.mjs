// What the widget costs a host page before anyone uses it, and how long the first open takes
// when the wasm is not loaded yet.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, throttle, benchPage, routeHtml, widget, hostHtml, mockSwitches, median, round, log } from './lib.mjs';

/** The loader's load modes, if it understands `data-load`; otherwise its one behaviour. */
export function loadModes() {
  const loader = readFileSync(join(ROOT, 'dist', 'chat-bubble.js'), 'utf8');
  if (/data-load|['"]load['"]/.test(loader) && /eager/.test(loader) && /interaction/.test(loader)) {
    return { supported: true, modes: ['idle', 'interaction', 'eager'] };
  }
  return { supported: false, modes: ['default'] };
}

const attrsFor = (mode) => (mode === 'default' ? {} : { 'data-load': mode });

/** In the page: waits until no new resource for 1 s and the browser has had an idle period. */
async function quiet() {
  const idle = () => new Promise((r) => (window.requestIdleCallback ? requestIdleCallback(r, { timeout: 3000 }) : setTimeout(r, 50)));
  const start = performance.now();
  let count = -1;
  while (performance.now() - start < 15000) {
    const now = performance.getEntriesByType('resource').length;
    if (now === count) break;
    count = now;
    await new Promise((r) => setTimeout(r, 1000));
    await idle();
  }
}

/** In the page: bytes fetched from the widget's origin so far, and long tasks so far. */
function snapshot(origin) {
  const res = performance.getEntriesByType('resource').filter((e) => e.name.startsWith(origin) && !e.name.endsWith('/favicon.ico'));
  const tasks = window.__bench.longTasks;
  return {
    requests: res.length,
    files: res.map((e) => new URL(e.name).pathname),
    transferBytes: res.reduce((a, e) => a + e.transferSize, 0),
    bodyBytes: res.reduce((a, e) => a + e.encodedBodySize, 0),
    longTasks: tasks.length,
    longTaskMs: tasks.reduce((a, t) => a + t.duration, 0),
    longestTaskMs: tasks.reduce((m, t) => Math.max(m, t.duration), 0),
    at: performance.now(),
  };
}

async function hostRun(browser, server, mode) {
  const { context, page, problems } = await benchPage(browser);
  try {
    const url = `${server.url}bench-host`;
    await routeHtml(page, url, hostHtml(attrsFor(mode)));
    await page.goto(url, { waitUntil: 'load' });
    const load = await page.evaluate(`(${snapshot})(${JSON.stringify(server.url)})`);
    await page.evaluate(`(${quiet})()`);
    const idle = await page.evaluate(`(${snapshot})(${JSON.stringify(server.url)})`);
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-input').waitFor({ state: 'visible' });
    await page.evaluate(`(${quiet})()`);
    const interaction = await page.evaluate(`(${snapshot})(${JSON.stringify(server.url)})`);
    return { load, idle, interaction, ...(problems.length ? { problems } : {}) };
  } finally {
    await context.close();
  }
}

export async function measureHostCost(browser, server, reps = 3) {
  const { supported, modes } = loadModes();
  const out = {
    method: 'A bare host page with the embed tag, loaded in a fresh context. "At load": when the load event has fired. "Until idle": after the load event, once no new '
      + 'resource has started for 1 s and an idle callback has run. "Until first interaction": then a click on the launcher, '
      + 'until the `.cb-input` is visible and the network is quiet again. Bytes: resource timing of every request to the '
      + 'widget\'s origin (transferSize = headers + body as sent; the server sends the brotli copy the build writes beside each file, `Content-Encoding: br`, so bodies are brotli bytes); '
      + `long tasks: PerformanceObserver('longtask'), buffered, from navigation on. Median of ${reps} runs per mode. `
      + (supported ? 'The loader supports `data-load`: each mode measured.' : 'The loader has no `data-load` attribute: its one behaviour (wasm loaded on requestIdleCallback or the first click) measured.'),
    runs: reps,
    loadAttributeSupported: supported,
    modes: {},
  };
  for (const mode of modes) {
    const runs = [];
    for (let i = 0; i < reps; i++) runs.push(await hostRun(browser, server, mode));
    const pick = (phase) => ({
      requests: median(runs.map((r) => r[phase].requests)),
      files: runs[0][phase].files,
      transferBytes: median(runs.map((r) => r[phase].transferBytes)),
      bodyBytes: median(runs.map((r) => r[phase].bodyBytes)),
      longTasks: median(runs.map((r) => r[phase].longTasks)),
      longTaskMs: round(median(runs.map((r) => r[phase].longTaskMs)), 1),
      longestTaskMs: round(median(runs.map((r) => r[phase].longestTaskMs)), 1),
    });
    out.modes[mode] = { atLoadEvent: pick('load'), untilIdle: pick('idle'), untilFirstInteraction: pick('interaction') };
    log(`host cost ${mode}: idle ${out.modes[mode].untilIdle.transferBytes} B, ${out.modes[mode].untilIdle.longTasks} long tasks`);
  }
  return out;
}

/** Never idle: the loader then fetches the wasm only on the first click. */
const NEVER_IDLE = 'window.requestIdleCallback = function () { return 0; };';
const CLICK_TIME = `for (const t of ['pointerover', 'pointerdown', 'focusin', 'keydown', 'touchstart', 'click']) {
  addEventListener(t, (e) => {
    if (window.__bench.clickAt == null && e.target && e.target.localName === 'chat-bubble') window.__bench.clickAt = e.timeStamp;
  }, true);
}`;

async function coldRun(browser, server, useAttr, rate) {
  const { context, page, problems } = await benchPage(browser, useAttr ? [CLICK_TIME] : [NEVER_IDLE, CLICK_TIME]);
  try {
    const url = `${server.url}bench-cold`;
    await routeHtml(page, url, hostHtml(useAttr ? { 'data-load': 'interaction' } : {}));
    await page.goto(url, { waitUntil: 'load' });
    await page.evaluate(() => window.__bench.afterPaint());
    await throttle(context, page, rate);
    const loadedBefore = await page.evaluate(() => performance.getEntriesByType('resource').some((e) => /_bg\.[0-9a-f]+\.wasm$/.test(e.name)));
    const done = page.evaluate(() => window.__bench.untilFrame(() => {
      const root = document.querySelector('chat-bubble').shadowRoot;
      const panel = root.querySelector('.cb-panel');
      return !!root.querySelector('.cb-input') && !!panel && panel.checkVisibility();
    }, 30000).then((r) => {
      const wasm = performance.getEntriesByType('resource').find((e) => /_bg\.[0-9a-f]+\.wasm$/.test(e.name));
      return { openMs: r.at - window.__bench.clickAt, wasmFetchMs: wasm ? wasm.responseEnd - wasm.startTime : null };
    }));
    await widget(page).locator('.cb-launcher').click();
    const r = await done;
    return { ...r, wasmLoadedBeforeClick: loadedBefore, ...(problems.length ? { problems } : {}) };
  } finally {
    await context.close();
  }
}

/** The cold open; with `rate`, under Chromium's CPU throttling (a mid-range phone at 4). */
export async function measureColdOpen(browser, server, { reps = 5, rate = 1 } = {}) {
  const { supported } = loadModes();
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await coldRun(browser, server, supported, rate));
  const out = {
    method: 'Fresh context, host page loaded with the wasm not fetched yet ('
      + (supported ? '`data-load="interaction"`' : 'requestIdleCallback stubbed to never fire, so the loader waits for the click')
      + '). From the first event that can start the load (the pointerover of the mouse moving onto the launcher, then the click; '
      + 'Playwright click) to the first animation frame in which `.cb-input` exists and `.cb-panel` is visible, '
      + `plus the task after it. Loopback, ${rate > 1 ? `Chromium's CPU throttled ${rate}x (DevTools Emulation.setCPUThrottlingRate) once the page has loaded` : 'no throttling'}, no HTTP cache. Median of ${reps} runs.`,
    cpuThrottling: rate,
    openMs: round(median(runs.map((r) => r.openMs)), 1),
    wasmFetchMs: round(median(runs.map((r) => r.wasmFetchMs)), 1),
    wasmLoadedBeforeClick: runs.some((r) => r.wasmLoadedBeforeClick),
    runs: runs.map((r) => round(r.openMs, 1)),
  };
  log(`cold open${rate > 1 ? ` (CPU ${rate}x slower)` : ''}: ${out.openMs} ms (runs ${out.runs.join(', ')})`);
  return out;
}

/** In the page: the time of the next key press. */
const KEY_TIME = `addEventListener('keydown', (e) => { window.__bench.keyAt = e.timeStamp; }, true);`;

async function firstMessageRun(browser, server, rate) {
  const { context, page, problems } = await benchPage(browser, [KEY_TIME]);
  try {
    await mockSwitches(page, { length: 20, delay: 0 });
    const url = `${server.url}bench-first-message`;
    await routeHtml(page, url, hostHtml());
    await page.goto(url, { waitUntil: 'load' });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-input').waitFor({ state: 'visible' });
    await page.evaluate(`(${quiet})()`);
    await bubble.locator('.cb-input').fill('hello');
    await throttle(context, page, rate);
    const shown = page.evaluate(() => window.__bench.untilFrame(
      () => !!document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-visitor'),
      30000,
    ).then((r) => r.at - window.__bench.keyAt));
    await bubble.locator('.cb-input').press('Enter');
    const shownMs = await shown;
    await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-copy-message').length >= 1, null, { timeout: 30000 });
    const tasks = await page.evaluate(() => window.__bench.longTasks.filter((t) => t.start + t.duration >= window.__bench.keyAt).map((t) => t.duration));
    return { shownMs, longTasks: tasks.length, longestTaskMs: Math.max(0, ...tasks), ...(problems.length ? { problems } : {}) };
  } finally {
    await context.close();
  }
}

/** A visitor's first message in a freshly opened panel: the code that sends it runs for the
 * first time. With `rate`, under Chromium's CPU throttling. */
export async function measureFirstMessage(browser, server, { reps = 7, rate = 1 } = {}) {
  const runs = [];
  for (let i = 0; i < reps; i++) runs.push(await firstMessageRun(browser, server, rate));
  const out = {
    method: 'Fresh context; the panel opened and the network quiet (no new request for 1 s and an idle callback), then "hello" typed and Enter pressed (Playwright), '
      + 'the mock answering 20 deltas at once. Shown: from the keydown event\'s timestamp to the first animation frame in which the visitor\'s row exists, plus the task after it. '
      + 'Long tasks: PerformanceObserver(\'longtask\') entries (>= 50 ms) from the key press until the reply has ended. '
      + `${rate > 1 ? `Chromium's CPU throttled ${rate}x (DevTools Emulation.setCPUThrottlingRate) just before the key press` : 'No throttling'}. `
      + `Median of ${reps} runs; runs with a long task counted.`,
    cpuThrottling: rate,
    shownMs: round(median(runs.map((r) => r.shownMs)), 1),
    longestTaskMs: round(median(runs.map((r) => r.longestTaskMs)), 1),
    runsWithLongTask: runs.filter((r) => r.longTasks > 0).length,
    runs: runs.map((r) => ({ shownMs: round(r.shownMs, 1), longestTaskMs: round(r.longestTaskMs, 1) })),
  };
  log(`first message${rate > 1 ? ` (CPU ${rate}x slower)` : ''}: shown after ${out.shownMs} ms, longest task ${out.longestTaskMs} ms, ${out.runsWithLongTask} of ${reps} runs with a long task`);
  return out;
}
