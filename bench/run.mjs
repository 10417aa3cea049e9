// The benchmark: `node bench/run.mjs` (what `make bench` runs after building the release widget
// and server) measures everything, writes bench/results.json, bench/summary.md,
// bench/streaming.svg and the README's figures, prints PASS/FAIL per budget and exits 1 if one
// is broken.
//
// `node bench/run.mjs --ci` runs only the checks that do not depend on the machine's speed: the
// size budgets and the streaming scaling ratio (50k/1k). It writes nothing; `make test` runs it.
// With `--no-size` it leaves out the size budgets.
//
// Options: --no-readme (leave README.md alone), --no-proxy (skip the proxy load test),
// --only-hostile (measure only the hostile replies and print their figures; writes nothing),
// --only-history (the same for the history, unthrottled and throttled), --only-paced (the same
// for streaming at 100 deltas a second, throttled),
// --report (rewrite summary, chart and README from the existing bench/results.json; no measuring).
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { join, relative } from 'node:path';
import { ROOT, launchBrowser, startBenchServer, log } from './lib.mjs';
import { measureSizes, sizeChecks } from './size.mjs';
import { measureHostCost, measureColdOpen, measureFirstMessage } from './host.mjs';
import { measureStreaming, streamingChecks } from './streaming.mjs';
import { measureHistory, historyChecks } from './history.mjs';
import { measurePaced, pacedChecks } from './paced.mjs';
import { measureHostile, hostileChecks } from './hostile.mjs';
import { writeSummary, writeStreamingSvg, updateReadme } from './report.mjs';

const args = new Set(process.argv.slice(2));
/** Chromium's CPU throttling for the slow-device runs: Lighthouse's mid-range phone. */
const THROTTLE = 4;
const CI = args.has('--ci');

function machine(browserVersion, serverBinary) {
  let cpu = cpus()[0]?.model || 'unknown CPU';
  try {
    cpu = readFileSync('/proc/cpuinfo', 'utf8').match(/^model name\s*:\s*(.*)$/m)?.[1] || cpu;
  } catch {}
  const nproc = spawnSync('nproc', { encoding: 'utf8' }).stdout.trim() || String(cpus().length);
  return {
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    cpu,
    nproc: Number(nproc),
    chromium: `Chromium ${browserVersion}`,
    node: process.version,
    serverBinary: relative(ROOT, serverBinary),
  };
}

function proxyLoad() {
  const binary = join(ROOT, 'target', 'release', 'load_test');
  const out = join(ROOT, 'bench', 'proxy-load.json');
  const method = 'target/release/load_test --out bench/proxy-load.json (its defaults): concurrent streaming replies through the server in proxy mode with the mock as upstream, all in one process on loopback; see server/src/load.rs.';
  if (!existsSync(binary)) return { method, error: `not run: ${relative(ROOT, binary)} is not built (cargo build --release -p chat-bubble-server)` };
  log('proxy load test…');
  const run = spawnSync(binary, ['--out', out], { cwd: ROOT, encoding: 'utf8', timeout: 300000 });
  process.stderr.write(run.stdout || '');
  process.stderr.write(run.stderr || '');
  let report = null;
  try {
    report = JSON.parse(readFileSync(out, 'utf8'));
  } catch {}
  return { method, exitCode: run.status, report, ...(report ? {} : { error: `load_test wrote no report (exit ${run.status})` }) };
}

function printChecks(checks) {
  for (const c of checks) console.log(`${c.ok ? 'PASS' : c.warnOnly ? 'WARN' : 'FAIL'} ${c.name}: ${c.detail}`);
  const failed = checks.filter((c) => !c.ok && !c.warnOnly).length;
  console.log(failed ? `bench: ${failed} of ${checks.length} budgets broken` : `bench: all ${checks.length} budgets kept`);
  return failed;
}

const asChecks = (list) => list.map(([name, ok, detail]) => ({ name, ok, detail }));

function writeReports(results) {
  const bench = join(ROOT, 'bench');
  writeFileSync(join(bench, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  writeSummary(join(bench, 'summary.md'), results);
  writeStreamingSvg(join(bench, 'streaming.svg'), results.streaming);
  if (!args.has('--no-readme') && !updateReadme(join(ROOT, 'README.md'), results)) log('README.md has no bench markers; not updated');
  log('wrote bench/results.json, bench/summary.md, bench/streaming.svg');
}

async function main() {
  if (args.has('--report')) {
    const results = JSON.parse(readFileSync(join(ROOT, 'bench', 'results.json'), 'utf8'));
    writeReports(results);
    process.exit(printChecks(results.checks) ? 1 : 0);
  }
  if (args.has('--only-history')) {
    const server = await startBenchServer();
    const browser = await launchBrowser();
    let failed;
    try {
      const history = await measureHistory(browser, server);
      const slow = await measureHistory(browser, server, { rate: THROTTLE, seeded: history.seeded });
      console.log(JSON.stringify({ history, slow }, null, 2));
      failed = printChecks(asChecks(historyChecks(history, slow)));
    } finally {
      await browser.close();
      await server.stop();
    }
    // After `finally`: exiting inside `try` would leave the server running.
    process.exit(failed ? 1 : 0);
  }
  if (args.has('--only-paced')) {
    const server = await startBenchServer();
    const browser = await launchBrowser();
    let failed;
    try {
      const paced = await measurePaced(browser, server, { rate: THROTTLE });
      console.log(JSON.stringify(paced, null, 2));
      failed = printChecks(asChecks(pacedChecks(paced)));
    } finally {
      await browser.close();
      await server.stop();
    }
    // After `finally`: exiting inside `try` would leave the server running.
    process.exit(failed ? 1 : 0);
  }
  if (args.has('--only-first-message')) {
    const server = await startBenchServer();
    const browser = await launchBrowser();
    try {
      const fast = await measureFirstMessage(browser, server);
      const slow = await measureFirstMessage(browser, server, { rate: THROTTLE });
      console.log(JSON.stringify({ fast, slow }, null, 2));
    } finally {
      await browser.close();
      await server.stop();
    }
    process.exit(0);
  }
  if (args.has('--only-hostile')) {
    const server = await startBenchServer();
    const browser = await launchBrowser();
    let failed;
    try {
      const hostile = await measureHostile(browser, server);
      console.log(JSON.stringify(hostile, null, 2));
      failed = printChecks(asChecks(hostileChecks(hostile)));
    } finally {
      await browser.close();
      await server.stop();
    }
    // After `finally`: exiting inside `try` would leave the server running.
    process.exit(failed ? 1 : 0);
  }
  const size = measureSizes();
  const server = await startBenchServer();
  const browser = await launchBrowser();
  log(`server ${relative(ROOT, server.binary)}, Chromium ${browser.version()}`);
  const results = { size };
  try {
    if (CI) {
      results.streaming = await measureStreaming(browser, server, { lengths: [1000, 50000], reps: { 1000: 5, 50000: 3 }, widgetOnly: true });
    } else {
      results.hostCost = await measureHostCost(browser, server);
      results.coldOpen = await measureColdOpen(browser, server);
      results.coldOpenThrottled = await measureColdOpen(browser, server, { rate: THROTTLE });
      results.firstMessage = await measureFirstMessage(browser, server);
      results.firstMessageThrottled = await measureFirstMessage(browser, server, { rate: THROTTLE });
      results.streaming = await measureStreaming(browser, server);
      results.streamingThrottled = await measureStreaming(browser, server, { rate: THROTTLE, lengths: [1000, 10000], reps: { 1000: 5, 10000: 3 }, laterLengths: [1000], laterReps: 5 });
      results.history = await measureHistory(browser, server);
      results.historyThrottled = await measureHistory(browser, server, { rate: THROTTLE, seeded: results.history.seeded });
      delete results.history.seeded;
      delete results.historyThrottled.seeded;
      results.pacedThrottled = await measurePaced(browser, server, { rate: THROTTLE });
      results.hostile = await measureHostile(browser, server);
    }
    results.machine = machine(browser.version(), server.binary);
  } finally {
    await browser.close();
    await server.stop();
  }
  const checks = asChecks([
    ...(args.has('--no-size') ? [] : sizeChecks(size)),
    ...streamingChecks(results.streaming, { absolute: !CI }),
    ...(results.history ? historyChecks(results.history, results.historyThrottled) : []),
    ...(results.pacedThrottled ? pacedChecks(results.pacedThrottled) : []),
    ...(results.hostile ? hostileChecks(results.hostile) : []),
  ]);
  // The whole widget on Leptos, serde and gloo-net measures over its budget (see the README's
  // size breakdown); DESIGN.md lets `make test` report that figure as a warning meanwhile. The
  // loader's budget stays a failure.
  if (CI) for (const c of checks) if (c.name.startsWith("size: whole widget")) c.warnOnly = true;
  if (CI) process.exit(printChecks(checks) ? 1 : 0);

  if (!args.has('--no-proxy')) {
    results.proxyLoad = proxyLoad();
    if (results.proxyLoad.report) {
      const p = results.proxyLoad.report;
      checks.push({ name: 'proxy: no stream lost or corrupted under load', ok: p.lost === 0 && p.corrupted === 0 && results.proxyLoad.exitCode === 0,
        detail: `${p.completed}/${p.streams} whole, ${p.lost} lost, ${p.corrupted} corrupted` });
    }
  }
  results.checks = checks;
  writeReports(results);
  process.exit(printChecks(checks) ? 1 : 0);
}

main().catch((e) => {
  console.error(e);
  process.exit(2);
});
