// Shared set-up for the end-to-end tests: the real server in mock mode serving the release
// build from dist/, and Debian's Chromium driven by playwright-core.
import { spawn } from 'node:child_process';
import { mkdirSync, mkdtempSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { before, after } from 'node:test';
import { chromium } from 'playwright-core';

export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const ARTIFACTS = join(ROOT, 'tests', 'e2e', 'artifacts');

/**
 * Starts `chat-bubble-server --port 0` (or the `--port` given) serving `staticDir` (the widget's
 * build by default) and resolves with its base URL and a stop function.
 */
export function startServer(extraArgs = [], staticDir = process.env.CHAT_BUBBLE_DIST || join(ROOT, 'dist')) {
  const binary = process.env.CHAT_BUBBLE_SERVER || join(ROOT, 'target', 'debug', 'chat-bubble-server');
  const child = spawn(
    binary,
    // Mock mode unless the caller names another; uploads in a folder of their own, not in the
    // directory the tests run from; any free port unless the caller needs to know it first.
    [
      ...(extraArgs.includes('--mode') ? [] : ['--mode', 'mock']),
      ...(extraArgs.includes('--upload-dir') ? [] : ['--upload-dir', mkdtempSync(join(tmpdir(), 'chat-bubble-e2e-uploads-'))]),
      ...(extraArgs.includes('--port') ? [] : ['--port', '0']),
      '--host', '127.0.0.1', '--static-dir', staticDir, ...extraArgs,
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${stderr}`)), 20000);
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
      const m = out.match(/listening on (http:\/\/\S+\/)/);
      if (m) {
        clearTimeout(timer);
        resolve({
          url: m[1],
          stop: () => new Promise((done) => { child.once('exit', done); child.kill('SIGTERM'); }),
        });
      }
    });
    child.once('exit', (code) => reject(new Error(`server exited with ${code}:\n${stderr}`)));
  });
}

/**
 * A port free on 127.0.0.1 now, for a server whose own URL goes on its command line (a proxy's
 * `--public-url`).
 */
export function freePort() {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

/**
 * Starts the server and the browser before a test file's tests and stops them after them:
 * `env.server` and `env.browser` are there once `before` has run.
 */
export function serverAndBrowser() {
  const env = {};
  before(async () => {
    env.server = await startServer();
    env.browser = await launchBrowser();
  });
  after(async () => {
    await env.browser?.close();
    await env.server?.stop();
  });
  return env;
}

/**
 * Launches headless Chromium with the flags this machine needs. `backForwardCache`: keep the
 * back-forward cache, which Playwright turns off by default (request interception turns it off
 * too: pages that need it come from a real server, see `bfcache.test.mjs`).
 */
export function launchBrowser({ backForwardCache = false } = {}) {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || '/usr/bin/chromium',
    ignoreDefaultArgs: backForwardCache ? ['--disable-back-forward-cache'] : [],
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
    ],
  });
}

/**
 * Opens a page and collects what would show a broken widget: uncaught errors and console errors.
 * `problems` is checked by the tests at the end.
 */
export async function openPage(browser, options = {}) {
  const { expectedStatuses, ...contextOptions } = options;
  const context = await browser.newContext(contextOptions);
  const page = await context.newPage();
  await slowDown(context, page);
  const problems = [];
  watchForProblems(page, problems, expectedStatuses);
  return { context, page, problems };
}

/**
 * With `E2E_CPU_THROTTLE=n`, runs `page` on a CPU n times slower (Chromium's throttling, as the
 * bench's throttled runs): a way to find the tests that depend on timing before a loaded CI
 * machine does. Off by default; `make test` does not set it.
 */
async function slowDown(context, page) {
  const rate = Number(process.env.E2E_CPU_THROTTLE || 1);
  if (rate > 1) {
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate });
  }
}

/**
 * Opens another tab in the context of a page from `openPage` (the same storage, as two tabs of
 * one browser), whose problems go to the same `problems`.
 */
export async function anotherTab(context, problems, expectedStatuses) {
  const page = await context.newPage();
  watchForProblems(page, problems, expectedStatuses);
  return page;
}

function watchForProblems(page, problems, expectedStatuses) {
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    // Failed loads are judged by URL below, so a page's missing favicon is not the widget's fault.
    if (m.type() === 'error' && !m.text().startsWith('Failed to load resource')) {
      problems.push(`console.error: ${m.text()}`);
    }
  });
  page.on('response', (r) => {
    if (r.status() >= 400 && !r.url().endsWith('/favicon.ico') && !(expectedStatuses || []).includes(r.status())) {
      problems.push(`HTTP ${r.status()} ${r.url()}`);
    }
  });
}

/** Serves `html` at `url` for this page only (same origin as the server, so the widget loads). */
export async function routeHtml(page, url, html, headers = {}) {
  await page.route(url, (route) =>
    route.fulfill({ status: 200, contentType: 'text/html; charset=utf-8', body: html, headers }),
  );
}

/**
 * Taps the widget's own bubble open on a touch page, once the widget has taken the loader's
 * bubble's place (its panel is there, closed). A tap on the loader's bubble is launcher.test's
 * to check; here, one that began on it as the widget replaced it was seen, under CI's load, not
 * to open the panel, which is not what these tests are about.
 */
export async function tapOpen(page) {
  const bubble = widget(page);
  await bubble.locator('.cb-panel').waitFor({ state: 'attached' });
  await bubble.locator('.cb-launcher').tap();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
}

/** The widget's shadow root content, for locators (Playwright's CSS pierces open shadow roots). */
export function widget(page) {
  return page.locator('chat-bubble');
}

export function screenshotPath(name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  return join(ARTIFACTS, name);
}

/** The mock's default reply to `message` (see the server's mock::replies::default_reply). */
export function defaultReply(message) {
  return `You said: ${message.trim()}. This is the mock assistant replying in several small pieces so you can watch it stream.`;
}

/** An embed tag as a site owner would write it. */
export function embedTag(attrs = {}) {
  const all = {
    'data-web-chat-id': 'e2e-web-chat',
    'data-chatbot-id': 'e2e-bot',
    'data-api-base': '/api/v1/',
    ...attrs,
  };
  const text = Object.entries(all)
    .map(([k, v]) => `${k}="${String(v).replace(/&/g, '&amp;').replace(/"/g, '&quot;')}"`)
    .join(' ');
  return `<script src="/chat-bubble.js" ${text}></script>`;
}

/** Adds mock switches (`mock_<name>` query parameters) to every completions request of `page`. */
/**
 * Holds every request of `page` to `url` (what `page.route` takes) until the returned function is
 * called, then passes each to `then` (on to the server as it was, unless told otherwise).
 */
export async function holdRequests(page, url, then = (route) => route.continue()) {
  let release;
  const held = new Promise((resolve) => { release = resolve; });
  await page.route(url, async (route) => {
    await held;
    await then(route);
  });
  return release;
}

export async function mockSwitches(page, switches) {
  await page.unroute('**/completions/**');
  if (!switches) return;
  await page.route('**/completions/**', (route) => {
    const url = new URL(route.request().url());
    for (const [k, v] of Object.entries(switches)) url.searchParams.set(`mock_${k}`, String(v));
    route.continue({ url: url.toString() });
  });
}

/**
 * Has the mock answer every message with `reply()` (asked at each request), whatever the visitor
 * sent, cut into `deltas` pieces `delay` ms apart: the mock echoes the message, which is
 * rewritten on its way.
 */
export async function echoReplies(page, reply, { deltas, delay }) {
  await page.unroute('**/completions/**');
  await page.route('**/completions/**', (route) => {
    const url = new URL(route.request().url());
    for (const [k, v] of Object.entries({ echo: 1, deltas, delay })) url.searchParams.set(`mock_${k}`, String(v));
    const body = JSON.parse(route.request().postData());
    body.message.content = reply();
    route.continue({ url: url.toString(), postData: JSON.stringify(body) });
  });
}

/**
 * Stop ignores clicks for a moment after it takes Send's place (the second click of a
 * double-click on Send would otherwise end the reply): waits that long after it shows.
 */
export async function untilStopArmed(page) {
  await widget(page).locator('.cb-send.cb-stop').waitFor();
  await page.waitForTimeout(STOP_ARMS_AFTER_MS + 100);
}

/** src/ui/composer.rs's STOP_ARMS_AFTER_MS. */
export const STOP_ARMS_AFTER_MS = 600;

/** A phone held upright, for `openPage`: touch, a small screen, the mobile viewport. */
export const PHONE = { viewport: { width: 390, height: 700 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2 };

/** The viewport tag a page made for phones has: without it a phone lays the page out 980 px wide. */
export const PHONE_VIEWPORT = '<meta name="viewport" content="width=device-width, initial-scale=1">';

/**
 * A host page with the embed tag, served at `${server.url}${name}` for this page; `phone` gives
 * it the viewport tag of a page made for phones.
 */
export async function hostPage(page, server, name, attrs = {}, { phone = false } = {}) {
  const url = `${server.url}${name}`;
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8">${phone ? PHONE_VIEWPORT : ''}<title>host</title></head>
<body><p>Host page</p>${embedTag(attrs)}</body></html>`);
  await page.goto(url);
  return url;
}

/** The message of each completion `page` asks for from now on, in order. */
export function messagesAsked(page) {
  const asked = [];
  page.on('request', (r) => { if (r.method() === 'POST' && r.url().includes('/completions/')) asked.push(r.postDataJSON()?.message?.content); });
  return asked;
}

/** Texts of the message rows in order, each as [role, text, status label]. */
export function messageRows(page) {
  return widget(page).locator('.cb-message').evaluateAll((els) =>
    els.map((e) => [
      e.classList.contains('cb-visitor') ? 'visitor' : 'assistant',
      e.querySelector('.cb-text').textContent,
      e.querySelector('.cb-message-status span')?.textContent ?? '',
    ]),
  );
}

/**
 * Reads the conversation back to its start as a keyboard visitor does: the list focused, Page Up
 * until the start shows, a few frames at each stop. The rows of a long history far from the view
 * show their times and actions once they come near it.
 */
export async function readBack(page) {
  const list = widget(page).locator('.cb-messages');
  const frames = () => list.evaluate(() => new Promise((resolve) => {
    requestAnimationFrame(() => requestAnimationFrame(() => requestAnimationFrame(resolve)));
  }));
  await list.focus();
  for (let presses = 0; presses < 500; presses++) {
    await frames();
    if (await list.evaluate((el) => el.scrollTop === 0)) break;
    await page.keyboard.press('PageUp');
  }
  await frames();
}

/** Waits until some assistant message shows exactly `text`. */
export function waitForReply(page, text, timeout = 15000) {
  return page.waitForFunction(
    (want) => Array.from(document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
      .some((e) => e.textContent === want),
    text,
    { timeout },
  );
}

/**
 * Counts the history reads the page finishes from now on (`GET …/messages/?conversation=…`):
 * `until(n)` resolves once `n` of them have come back, so a test waits for a watcher's reads
 * rather than for a time that guesses when they happen.
 */
export function historyReads(page) {
  let done = 0;
  page.on('requestfinished', (request) => {
    if (request.method() === 'GET' && /\/messages\/\?conversation=/.test(request.url())) done += 1;
  });
  return {
    count: () => done,
    async until(n, timeout = 20000) {
      for (const start = Date.now(); done < n; await page.waitForTimeout(50)) {
        if (Date.now() - start > timeout) throw new Error(`${done} of ${n} history reads came back`);
      }
    },
  };
}

/**
 * The controls `selector` finds in the widget, shown smaller than `min` px either way, each as
 * [class or tag, width, height]; those inside an element `exemptWithin` names are left out.
 */
export function controlsSmallerThan(page, min, selector, exemptWithin = null) {
  return page.evaluate(({ min, selector, exemptWithin }) => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    return Array.from(root.querySelectorAll(selector))
      .filter((e) => e.getClientRects().length > 0 && !(exemptWithin && e.closest(exemptWithin)))
      .map((e) => [e.className || e.tagName, Math.round(e.getBoundingClientRect().width), Math.round(e.getBoundingClientRect().height)])
      .filter(([, w, h]) => w < min || h < min);
  }, { min, selector, exemptWithin });
}

/** Opens the panel, types `text` and presses Enter. */
export async function send(page, text) {
  const bubble = widget(page);
  // Opens the panel unless it is open or opening: the loader's `isOpen` also counts an open
  // still waiting for the widget (a click before the wasm arrived), which a second click would
  // undo once the widget is there. Asked in one step in the page, so the widget cannot arrive
  // between the question and the answer.
  const open = await page.evaluate(() => window.ChatBubble?.isOpen?.() ?? null);
  const closed = open === null ? !(await bubble.locator('.cb-panel').isVisible()) : !open;
  if (closed) await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').fill(text);
  await bubble.locator('.cb-input').press('Enter');
}

/** Node-side calls to the server's API (for setting up conversations and messages). */
export async function api(server, path, body, visitorToken) {
  const res = await fetch(new URL(`api/v1/${path}`, server.url), {
    method: body === undefined ? 'GET' : 'POST',
    headers: { 'Content-Type': 'application/json', ...(visitorToken ? { 'X-Visitor-Token': visitorToken } : {}) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${path}: HTTP ${res.status} ${await res.text()}`);
  return res.json();
}

/** For `page.addScriptTag`: WCAG contrast ratios (`window.__contrast.ratio`) and the opaque
 * background a node sits on (`window.__contrast.background`), across the shadow root. */
export const CONTRAST_HELPERS = `
window.__contrast = (() => {
  const parse = (c) => c.match(/[\\d.]+/g).map(Number);
  const lum = ([r, g, b]) => {
    const lin = (v) => { v /= 255; return v <= 0.04045 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; };
    return 0.2126 * lin(r) + 0.7152 * lin(g) + 0.0722 * lin(b);
  };
  const ratio = (a, b) => { const [x, y] = [lum(parse(a)), lum(parse(b))]; return (Math.max(x, y) + 0.05) / (Math.min(x, y) + 0.05); };
  // The first opaque background at or above el (the panel's when none).
  const background = (el) => {
    for (let e = el; e; e = e.parentElement || e.getRootNode().host) {
      const bg = getComputedStyle(e).backgroundColor;
      const parts = parse(bg);
      if (parts.length === 3 || parts[3] === 1) return bg;
    }
    return 'rgb(255, 255, 255)';
  };
  return { ratio, background };
})();`;

/** Mean colour of the pixels of `locator`'s screenshot in columns `xs` (negative: from the right)
 * and rows `ys`, decoded in the page (createImageBitmap reads the bytes; no URL, so the CSP
 * allows it). */
export async function meanColour(page, locator, xs, ys) {
  const png = await locator.screenshot();
  return page.evaluate(async ({ bytes, xs, ys }) => {
    const bitmap = await createImageBitmap(new Blob([new Uint8Array(bytes)], { type: 'image/png' }));
    const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
    const ctx = canvas.getContext('2d');
    ctx.drawImage(bitmap, 0, 0);
    const sum = [0, 0, 0];
    let n = 0;
    for (const x0 of xs) {
      const x = x0 < 0 ? bitmap.width + x0 : x0;
      for (const y of ys) {
        const [r, g, b] = ctx.getImageData(x, y, 1, 1).data;
        sum[0] += r; sum[1] += g; sum[2] += b; n += 1;
      }
    }
    return sum.map((s) => Math.round(s / n));
  }, { bytes: [...png], xs, ys });
}

/** How far apart two colours are: the largest difference of one channel (0–255). */
export const colourDistance = (a, b) => Math.max(...a.map((v, i) => Math.abs(v - b[i])));

/** The first code block's Copy button and its code's first character, as boxes on the page. */
export function codeCopyAndFirstLine(page) {
  return page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const copy = root.querySelector('.cb-code .cb-copy');
    const code = root.querySelector('.cb-code pre code');
    const range = document.createRange();
    range.setStart(code.firstChild, 0);
    range.setEnd(code.firstChild, 1);
    return { button: copy.getBoundingClientRect().toJSON(), firstLine: range.getBoundingClientRect().toJSON() };
  });
}
