// The human side of the results: bench/summary.md, the streaming chart (SVG) and the README's
// "## Benchmarks" table.
import { readFileSync, writeFileSync } from 'node:fs';

const kb = (b) => (b == null ? '—' : `${(b / 1000).toFixed(1)} KB`);
const ms = (x) => (x == null ? '—' : `${x} ms`);
const status = (ok) => (ok == null ? '' : ok ? 'PASS' : '**FAIL**');

/** The figures as markdown table rows: [figure, value, budget, status]. */
export function tableRows(r) {
  const rows = [];
  const check = (name) => r.checks.find((c) => c.name.startsWith(name));
  const s = r.size;
  for (const [key, label] of [['loader', 'Loader `chat-bubble.js`'], ['glue', 'JS glue `chat-bubble-widget.js`'], ['wasm', 'wasm `chat-bubble-widget_bg.wasm`'], ['css', 'CSS `chat-bubble.css`'], ['teaser', 'Teaser `chat-bubble-teaser.js` (pages with `data-teaser`)']]) {
    const f = s.files[key];
    // Results from before the teaser module have no row for it.
    if (!f) continue;
    const c = key === 'loader' ? check('size: loader') : null;
    rows.push([`${label}: raw / gzip / brotli`, `${f.raw} / ${f.gzip} / **${f.brotli}** B`, key === 'loader' ? '≤ 2 KB brotli' : '', c ? status(c.ok) : '']);
  }
  const ct = check('size: whole');
  rows.push(['Whole widget: raw / gzip / brotli', `${s.total.raw} / ${s.total.gzip} / **${s.total.brotli}** B`, '≤ 160 KB brotli', status(ct.ok)]);
  if (r.hostCost) {
    for (const [mode, m] of Object.entries(r.hostCost.modes)) {
      const label = mode === 'default' ? 'Host page (loader as is: wasm on idle or first click)' : `Host page, \`data-load="${mode}"\``;
      const ph = [m.atLoadEvent, m.untilIdle, m.untilFirstInteraction];
      rows.push([`${label}: fetched at load event / until idle / until first interaction`,
        `${ph.map((p) => (p.transferBytes / 1000).toFixed(1)).join(' / ')} KB; long tasks ${ph.map((p) => p.longTasks).join(' / ')}`
          + (m.untilFirstInteraction.longTasks ? ` (longest ${m.untilFirstInteraction.longestTaskMs} ms)` : ''), '', '']);
    }
  }
  if (r.coldOpen) rows.push(['Cold open: click → panel interactive (wasm not loaded)', ms(r.coldOpen.openMs), '', '']);
  if (r.coldOpenThrottled) rows.push([`Cold open, CPU ${r.coldOpenThrottled.cpuThrottling}x slower`, ms(r.coldOpenThrottled.openMs), '', '']);
  for (const f of [r.firstMessage, r.firstMessageThrottled].filter(Boolean)) {
    rows.push([`First message: key press → the visitor's row shown; longest task${f.cpuThrottling > 1 ? `, CPU ${f.cpuThrottling}x slower` : ''}`,
      `${ms(f.shownMs)}; ${f.longestTaskMs ? ms(f.longestTaskMs) : '< 50 ms'} (runs with a task over 50 ms: ${f.runsWithLongTask} of ${f.runs.length})`, '', '']);
  }
  if (r.streaming) {
    for (const [n, e] of Object.entries(r.streaming.lengths)) {
      rows.push([`Streaming ${n / 1000}k deltas, the page's first reply: widget / baseline, first byte → final paint`,
        `${ms(e.widget.endToEndMs)} / ${ms(e.baseline?.endToEndMs)} = ${e.widgetVsBaseline ?? '—'}×; ${e.widget.perDeltaUs} µs/delta; longest task ${e.widget.longestTaskMs ? ms(e.widget.longestTaskMs) : '< 50 ms'} (baseline ${e.baseline?.longestTaskMs ? ms(e.baseline.longestTaskMs) : '< 50 ms'})`,
        '', '']);
    }
    for (const [n, e] of Object.entries(r.streaming.laterReply?.lengths || {})) {
      const c = check(`streaming: ${n / 1000}k second reply within`);
      rows.push([`Streaming ${n / 1000}k deltas, the page's second reply (steady state): widget / baseline`,
        `${e.widgetMs} ms / ${e.baselineMs} ms = ${e.widgetVsBaseline}×`, '≤ 1.5× baseline', c ? status(c.ok) : '']);
    }
    const sc = check(`streaming: ${r.streaming.scaling.to / 1000}k/`);
    rows.push([`Streaming cost ratio ${r.streaming.scaling.to / 1000}k / ${r.streaming.scaling.from / 1000}k (widget; baseline)`,
      `${r.streaming.scaling.widgetCostRatio}; ${r.streaming.scaling.baselineCostRatio ?? '—'} (linear: ${r.streaming.scaling.lengthRatio})`, '≤ 60', status(sc.ok)]);
    const lt = check('streaming: no main-thread');
    if (lt) rows.push(['Main-thread tasks over 50 ms while streaming (all runs)', lt.detail, 'none', status(lt.ok)]);
  }
  if (r.streamingThrottled) {
    const t = r.streamingThrottled;
    for (const [n, e] of Object.entries(t.lengths)) {
      rows.push([`Streaming ${n / 1000}k deltas at full speed, CPU ${t.cpuThrottling}x slower, the page's first reply: widget / baseline`,
        `${ms(e.widget.endToEndMs)} / ${ms(e.baseline?.endToEndMs)} = ${e.widgetVsBaseline ?? '—'}×; ${e.widget.longTasks} tasks over 50 ms, longest ${e.widget.longestTaskMs ? ms(e.widget.longestTaskMs) : '< 50 ms'} (baseline ${e.baseline?.longestTaskMs ? ms(e.baseline.longestTaskMs) : '< 50 ms'})`, '', '']);
    }
    for (const [n, e] of Object.entries(t.laterReply?.lengths || {})) {
      rows.push([`Streaming ${n / 1000}k deltas at full speed, CPU ${t.cpuThrottling}x slower, the page's second reply: widget / baseline`, `${e.widgetMs} ms / ${e.baselineMs} ms = ${e.widgetVsBaseline}×`, '', '']);
    }
  }
  for (const h of [r.history, r.historyThrottled].filter(Boolean)) {
    const slow = h.cpuThrottling > 1 ? `, CPU ${h.cpuThrottling}x slower` : '';
    if (h.visibleMs != null) rows.push([`History${slow}: ${h.messages} messages, data arrival → the end of the conversation shown`, ms(h.visibleMs), '', '']);
    const c = !slow && check(`history: ${h.messages} messages rendered`);
    rows.push([`History${slow}: data arrival → all ${h.messages} rows rendered`, ms(h.renderMs), slow ? '' : '< 100 ms', c ? status(c.ok) : '']);
    if (h.bareMs != null) {
      const rc = check(`history${slow}: within`);
      rows.push([`History${slow}: widget / bare page building the same rows`, `${ms(h.renderMs)} / ${ms(h.bareMs)} = ${h.ratioToBare}×`, '≤ 2×', rc ? status(rc.ok) : '']);
    }
    const tc = check(`history${slow}: no task`);
    rows.push([`History${slow}: longest main-thread task while it renders`, ms(h.longestTaskMs), '< 50 ms', tc ? status(tc.ok) : '']);
    if (!slow) rows.push(['History: JS heap before open → after', `${(h.jsHeapBeforeBytes / 1e6).toFixed(2)} → ${(h.jsHeapAfterBytes / 1e6).toFixed(2)} MB`, '', '']);
  }
  if (r.pacedThrottled) {
    const p = r.pacedThrottled;
    const c = check('streaming at 100 deltas/s');
    rows.push([`Streaming 2,000 markdown deltas at 100/s, CPU ${p.cpuThrottling}x slower: tasks over 50 ms (worst run), longest`,
      `${p.widget.longTasks}, ${ms(p.widget.longestTaskMs)} (bare reader: ${ms(p.bare.longestTaskMs)})`, 'none', c ? status(c.ok) : '']);
  }
  if (r.hostile) {
    const streamed = check('hostile replies: no task over 50 ms while streaming');
    for (const s of r.hostile.streamed.filter((x) => x.name)) {
      rows.push([`Hostile reply streamed in 1,000 deltas: ${s.name} (${kb(s.bytes)}), worst task`,
        s.worstTaskMs ? ms(s.worstTaskMs) : '< 50 ms', '< 50 ms', streamed ? status(s.worstTaskMs < 50) : '']);
    }
    const history = check('hostile replies: no task over 50 ms as history');
    rows.push(['Hostile replies, all as history: worst task', r.hostile.history.worstTaskMs ? ms(r.hostile.history.worstTaskMs) : '< 50 ms',
      '< 50 ms', history ? status(history.ok) : '']);
  }
  if (r.proxyLoad?.report) {
    const p = r.proxyLoad.report;
    const c = check('proxy:');
    rows.push([`Proxy load test: ${p.streams} concurrent streams × ${p.deltas_per_stream} deltas`,
      `${p.completed} whole, ${p.lost} lost, ${p.corrupted} corrupted in ${p.elapsed_s?.toFixed?.(2) ?? p.elapsed_s} s; first delta p50 ${p.first_delta_ms?.p50?.toFixed?.(1)} / p99 ${p.first_delta_ms?.p99?.toFixed?.(1)} ms; ${Math.round(p.deltas_per_s)} deltas/s; peak RSS ${p.peak_rss_kib ? (p.peak_rss_kib / 1024).toFixed(1) + ' MiB' : '—'}`,
      'none lost or corrupted', c ? status(c.ok) : '']);
  } else if (r.proxyLoad) {
    rows.push(['Proxy load test', r.proxyLoad.error || 'not run', '', '']);
  }
  return rows;
}

export function markdownTable(r) {
  const lines = ['| figure | value | budget | |', '|---|---|---|---|'];
  for (const row of tableRows(r)) lines.push(`| ${row.join(' | ')} |`);
  return lines.join('\n');
}

export function machineLine(r) {
  const m = r.machine;
  return `${m.date}, ${m.cpu} (${m.nproc} cores visible), ${m.chromium}, node ${m.node}, server ${m.serverBinary}`;
}

export function writeSummary(path, r) {
  const failed = r.checks.filter((c) => !c.ok);
  const methods = Object.entries({
    'Size': r.size?.method,
    'Host cost before interaction': r.hostCost?.method,
    'Cold open': r.coldOpen?.method,
    'Cold open, CPU throttled': r.coldOpenThrottled?.method,
    'First message': r.firstMessage?.method,
    'First message, CPU throttled': r.firstMessageThrottled?.method,
    'Streaming': r.streaming?.method,
    'Streaming, the page\'s second reply': r.streaming?.laterReply?.method,
    'Streaming, CPU throttled': r.streamingThrottled?.method,
    'History': r.history?.method,
    'History, CPU throttled': r.historyThrottled?.method,
    'Streaming at a realistic pace, CPU throttled': r.pacedThrottled?.method,
    'Hostile replies': r.hostile?.method,
    'Proxy load test': r.proxyLoad?.method,
  }).filter(([, v]) => v);
  const text = `# chat-bubble benchmark

${machineLine(r)}. Produced by \`make bench\` (\`node bench/run.mjs\`); raw figures in \`bench/results.json\`,
the proxy load test's in \`bench/proxy-load.json\`, streaming chart in \`bench/streaming.svg\`.

${markdownTable(r)}

**Budgets:** ${failed.length ? `${failed.length} broken: ${failed.map((c) => c.name).join('; ')}` : 'all kept'}.

![streaming cost vs reply length](streaming.svg)

## Method

${methods.map(([k, v]) => `- **${k}.** ${v}`).join('\n')}

Times on a shared machine vary from run to run; \`node bench/run.mjs --ci\` checks only sizes and the streaming scaling ratio; \`make test\` runs it.
`;
  writeFileSync(path, text);
}

/** Streaming time against reply length, widget and baseline, with the linear extrapolation of the 1k point. */
export function writeStreamingSvg(path, s) {
  const W = 640, H = 400, L = 70, R = 30, T = 40, B = 50;
  const ns = Object.keys(s.lengths).map(Number).sort((a, b) => a - b);
  const series = [
    ['widget', '#2563eb', ns.map((n) => [n, s.lengths[n].widget.endToEndMs])],
    ['bare JS baseline', '#16a34a', ns.map((n) => [n, s.lengths[n].baseline?.endToEndMs]).filter(([, y]) => y != null)],
  ];
  const linear = [[0, 0], [ns.at(-1), (s.lengths[ns[0]].widget.endToEndMs * ns.at(-1)) / ns[0]]];
  const maxX = ns.at(-1);
  const maxY = Math.max(...series.flatMap(([, , pts]) => pts.map(([, y]) => y)), linear[1][1]) * 1.1 || 1;
  const x = (v) => L + ((W - L - R) * v) / maxX;
  const y = (v) => H - B - ((H - T - B) * v) / maxY;
  const ticks = (max) => { const step = 10 ** Math.floor(Math.log10(max)); const k = max / step > 5 ? 2 * step : step; const out = []; for (let v = 0; v <= max; v += k) out.push(v); return out; };
  let svg = `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="sans-serif" font-size="12">
<rect width="${W}" height="${H}" fill="#fff"/>
<text x="${W / 2}" y="20" text-anchor="middle" font-size="14">Streaming: first byte → final paint vs reply length (median)</text>
<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="#000"/><line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="#000"/>
<text x="${(L + W - R) / 2}" y="${H - 12}" text-anchor="middle">reply length (deltas)</text>
<text x="16" y="${(T + H - B) / 2}" text-anchor="middle" transform="rotate(-90 16 ${(T + H - B) / 2})">ms</text>\n`;
  for (const v of ticks(maxX)) svg += `<line x1="${x(v)}" y1="${H - B}" x2="${x(v)}" y2="${H - B + 4}" stroke="#000"/><text x="${x(v)}" y="${H - B + 17}" text-anchor="middle">${v / 1000}k</text>\n`;
  for (const v of ticks(maxY)) svg += `<line x1="${L - 4}" y1="${y(v)}" x2="${W - R}" y2="${y(v)}" stroke="#eee"/><text x="${L - 8}" y="${y(v) + 4}" text-anchor="end">${Math.round(v)}</text>\n`;
  svg += `<polyline fill="none" stroke="#999" stroke-dasharray="5 4" points="${linear.map(([a, b]) => `${x(a)},${y(b)}`).join(' ')}"/>\n`;
  series.forEach(([name, color, pts], i) => {
    svg += `<polyline fill="none" stroke="${color}" stroke-width="2" points="${pts.map(([a, b]) => `${x(a)},${y(b)}`).join(' ')}"/>\n`;
    for (const [a, b] of pts) svg += `<circle cx="${x(a)}" cy="${y(b)}" r="4" fill="${color}"><title>${name}: ${a} deltas, ${b} ms</title></circle><text x="${x(a) - 8}" y="${y(b) + (i ? 18 : -8)}" text-anchor="end" fill="${color}">${Math.round(b)}</text>\n`;
    svg += `<rect x="${L + 15}" y="${T + 8 + i * 18}" width="14" height="3" fill="${color}"/><text x="${L + 35}" y="${T + 13 + i * 18}">${name}</text>\n`;
  });
  svg += `<line x1="${L + 15}" y1="${T + 45}" x2="${L + 29}" y2="${T + 45}" stroke="#999" stroke-dasharray="5 4"/><text x="${L + 35}" y="${T + 49}">widget, linear from ${ns[0] / 1000}k</text>\n`;
  svg += '</svg>\n';
  writeFileSync(path, svg);
}

const START = '<!-- bench:start (written by bench/run.mjs) -->';
const END = '<!-- bench:end -->';

/** Replaces the figures between the markers of README's "## Benchmarks" section. */
export function updateReadme(path, r) {
  const text = readFileSync(path, 'utf8');
  const a = text.indexOf(START);
  const b = text.indexOf(END);
  if (a < 0 || b < a) return false;
  const block = `${START}\nMeasured ${machineLine(r)}:\n\n${markdownTable(r)}\n${END}`;
  writeFileSync(path, text.slice(0, a) + block + text.slice(b + END.length));
  return true;
}
