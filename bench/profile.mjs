// Where the time goes: `node bench/profile.mjs [history|reply] [--throttle N] [--dist DIR]`
// records a CPU profile (DevTools protocol, 100 µs sampling) of the widget rendering a history
// of 1,000 messages, or streaming its first reply of 2,000 markdown deltas, and prints the
// functions with the most self time and the most total time (only names containing TEXT; only
// samples inside a function named NAME). Build a dist with the wasm's names
// for readable wasm frames (see the README's "Profiling" section); the release dist names them
// only by index.
import { resolve } from 'node:path';
import { ROOT, launchBrowser, startBenchServer, benchPage, routeHtml, hostHtml, widget, mockSwitches, log } from './lib.mjs';
import { seedConversation } from './history.mjs';

const argv = process.argv.slice(2);
const option = (name, fallback) => {
  const i = argv.indexOf(name);
  return i >= 0 ? argv[i + 1] : fallback;
};
const scenario = argv.find((a) => a === 'history' || a === 'reply') || 'history';
const throttle = Number(option('--throttle', '1'));
const top = Number(option('--top', '25'));
if (argv.includes('--dist')) process.env.CHAT_BUBBLE_DIST = resolve(option('--dist'));

/** Self and total time per function (name and place), from a CDP profile. */
function summarize(profile) {
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children || []) parent.set(c, n.id);
  const self = new Map();
  const total = new Map();
  const label = (n) => {
    const f = n.callFrame;
    return f.functionName || (f.url ? `(anonymous ${f.url.split('/').pop()}:${f.lineNumber})` : `(${n.callFrame.functionName || 'program'})`);
  };
  const dt = profile.timeDeltas;
  const under = option('--under', '');
  const inside = (node) => {
    for (let n = node; n; n = byId.get(parent.get(n.id))) if (label(n).includes(under)) return true;
    return false;
  };
  for (let i = 0; i < profile.samples.length; i++) {
    const ms = (dt[i + 1] ?? 0) / 1000;
    let node = byId.get(profile.samples[i]);
    if (under && !inside(node)) continue;
    const name = label(node);
    self.set(name, (self.get(name) || 0) + ms);
    const seen = new Set();
    while (node) {
      const n = label(node);
      if (!seen.has(n)) {
        seen.add(n);
        total.set(n, (total.get(n) || 0) + ms);
      }
      node = byId.get(parent.get(node.id));
    }
  }
  const filter = option('--grep', '');
  const sorted = (m) => [...m].filter(([n]) => n.includes(filter)).sort((a, b) => b[1] - a[1]).slice(0, top);
  return { self: sorted(self), total: sorted(total) };
}

async function main() {
  const server = await startBenchServer();
  const browser = await launchBrowser();
  try {
    const seeded = scenario === 'history' ? await seedConversation(server, 500) : null;
    const init = seeded
      ? [`localStorage.setItem(${JSON.stringify('chat-bubble:bench-web-chat:conversation')}, ${JSON.stringify(JSON.stringify({ id: seeded.id, visitorToken: seeded.visitorToken }))});`]
      : [];
    const { context, page } = await benchPage(browser, init);
    const url = `${server.url}bench-profile`;
    await routeHtml(page, url, hostHtml());
    await page.goto(url, { waitUntil: 'load' });
    await page.waitForFunction(() => performance.getEntriesByType('resource').some((e) => /\.wasm$/.test(e.name) && e.responseEnd > 0));
    await page.waitForTimeout(500);
    const cdp = await context.newCDPSession(page);
    if (throttle > 1) await cdp.send('Emulation.setCPUThrottlingRate', { rate: throttle });
    await cdp.send('Profiler.enable');
    await cdp.send('Profiler.setSamplingInterval', { interval: 100 });
    await cdp.send('Profiler.start');
    const t0 = Date.now();
    if (seeded) {
      await widget(page).locator('.cb-launcher').click();
      await page.waitForFunction((rows) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length >= rows, seeded.count, { timeout: 120000 });
    } else {
      await mockSwitches(page, { deltas: 2000, delay: 0 });
      await widget(page).locator('.cb-launcher').click();
      await widget(page).locator('textarea').fill('markdown');
      await widget(page).locator('textarea').press('Enter');
      await page.waitForFunction(() => !document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-streaming'), null, { timeout: 120000 });
    }
    const wall = Date.now() - t0;
    const { profile } = await cdp.send('Profiler.stop');
    const { self, total } = summarize(profile);
    const tasks = await page.evaluate(() => window.__bench.longTasks.map((t) => Math.round(t.duration)));
    console.log(`${scenario}, CPU throttled ${throttle}x: ${wall} ms wall; long tasks (ms): ${tasks.join(' ') || 'none'}`);
    console.log('\nself time (ms):');
    for (const [name, ms] of self) console.log(`${ms.toFixed(1).padStart(9)}  ${name}`);
    console.log('\ntotal time (ms):');
    for (const [name, ms] of total) console.log(`${ms.toFixed(1).padStart(9)}  ${name}`);
    await context.close();
  } finally {
    await browser.close();
    await server.stop();
  }
}

main().catch((e) => {
  log(e.stack || String(e));
  process.exit(1);
});
