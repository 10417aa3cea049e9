// Shared helpers of the benchmark: statistics, the server and browser (reusing the e2e harness),
// and the in-page probes (long tasks, "after the next paint").
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { ROOT, startServer, launchBrowser, openPage, routeHtml, embedTag, mockSwitches, echoReplies, widget, api } from '../tests/e2e/harness.mjs';

export { ROOT, launchBrowser, openPage, routeHtml, embedTag, mockSwitches, echoReplies, widget, api };

export const WEB_CHAT_ID = 'bench-web-chat';
export const CHATBOT_ID = 'bench-bot';

/** The release server if built, else the debug one (CHAT_BUBBLE_SERVER overrides both). */
export function serverBinary() {
  if (process.env.CHAT_BUBBLE_SERVER) return process.env.CHAT_BUBBLE_SERVER;
  const release = join(ROOT, 'target', 'release', 'chat-bubble-server');
  return existsSync(release) ? release : join(ROOT, 'target', 'debug', 'chat-bubble-server');
}

export async function startBenchServer() {
  const binary = serverBinary();
  const saved = process.env.CHAT_BUBBLE_SERVER;
  process.env.CHAT_BUBBLE_SERVER = binary;
  try {
    const server = await startServer();
    return { ...server, binary };
  } finally {
    if (saved === undefined) delete process.env.CHAT_BUBBLE_SERVER;
    else process.env.CHAT_BUBBLE_SERVER = saved;
  }
}

export function median(xs) {
  const s = [...xs].filter((x) => x != null && Number.isFinite(x)).sort((a, b) => a - b);
  if (!s.length) return null;
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

export const round = (x, digits = 1) => (x == null ? null : Math.round(x * 10 ** digits) / 10 ** digits);

export function log(...args) {
  console.error('[bench]', ...args);
}

/**
 * Runs before any page script: records every long task (≥ 50 ms, the Long Tasks API's own
 * threshold) with its start and duration, and offers `__bench.afterPaint()` (resolves with the
 * time just after the next frame has been produced: rAF, then a task).
 */
export const PROBES = `
(() => {
  const b = (window.__bench = { longTasks: [] });
  try {
    new PerformanceObserver((list) => {
      for (const e of list.getEntries()) b.longTasks.push({ start: e.startTime, duration: e.duration });
    }).observe({ type: 'longtask', buffered: true });
  } catch (e) { b.longTaskError = String(e); }
  b.afterPaint = () => new Promise((r) => requestAnimationFrame(() => setTimeout(() => r(performance.now()), 0)));
  /** Polls once per frame until check() is true; resolves with the time after that frame. */
  b.untilFrame = (check, timeoutMs = 60000) => new Promise((resolve, reject) => {
    const t0 = performance.now();
    let last = t0, maxGap = 0;
    const tick = (now) => {
      maxGap = Math.max(maxGap, now - last); last = now;
      let ok = false;
      try { ok = check(); } catch (e) { ok = false; }
      if (ok) { setTimeout(() => resolve({ at: performance.now(), frameAt: now, maxFrameGap: maxGap }), 0); return; }
      if (now - t0 > timeoutMs) { reject(new Error('timed out')); return; }
      requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
})();
`;

/** A host page served at `${server.url}${name}` with the embed tag (and optional extra attributes). */
export function hostHtml(attrs = {}) {
  return `<!doctype html><html><head><meta charset="utf-8"><title>bench host</title></head>
<body><p>Host page</p>${embedTag({ 'data-web-chat-id': WEB_CHAT_ID, 'data-chatbot-id': CHATBOT_ID, ...attrs })}</body></html>`;
}

/** A fresh context + page with the probes installed; `problems` collects page errors. */
export async function benchPage(browser, initScripts = []) {
  const opened = await openPage(browser);
  await opened.page.addInitScript(PROBES);
  for (const s of initScripts) await opened.page.addInitScript(s);
  return opened;
}

/** Chromium's CPU throttling for `page` from here on (Lighthouse's mid-range phone is 4); nothing
 * at 1. Returns the DevTools session it used. */
export async function throttle(context, page, rate) {
  const cdp = await context.newCDPSession(page);
  if (rate > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  return cdp;
}
