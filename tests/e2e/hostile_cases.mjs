// Replies that are hostile by their size or shape (see hostile_replies.test.mjs), shared by that
// test and the bench (bench/hostile.mjs): the texts, what each must show, and the in-page probes.
import assert from 'node:assert/strict';

/** Quotes and lists nest at most this deep; past it their markers show as text
 * (src/markdown/blocks.rs, MAX_NESTING). */
const MAX_NESTING = 8;

const LINE = 'Plain words, **bold** ones, `code` and a [link](https://example.com/x) here. ';

/** The markdown of a line of LINEs as it shows: emphasis and code markers and link targets go. */
const shownLine = (t) => t.replace(/\]\([^)]*\)/g, '').replace(/\*\*|`|\[/g, '');

/** Unmatched emphasis shows its markers; each pair that matched took 1 (em) or 2 (strong)
 * characters from both sides. */
const delimiterCount = (shown, els) => shown.length + 2 * els.em + 4 * els.strong;

const ALTERNATING = [
  // The backticks inside a line: a run of them at the start of one would open a code fence.
  '[a]('.repeat(500), '['.repeat(1000), '*_'.repeat(500), `x${'`'.repeat(1000)}`, '>'.repeat(1000),
  LINE.repeat(20), `${'- '.repeat(500)}x`,
].join('\n');

// `streamTodo` / `historyTodo`: cases that still break the 50 ms budget (or do on some runs),
// each with the tasks measured over several runs (release build, a 2-core machine shared with
// other builds) and why. An update no longer reads a long top-level paragraph again (its parts
// are kept, tests/markdown_streaming.rs), and a body shows at most 32 KB of new text per task;
// what is left: an open block nested in quotes or lists is still read whole at each update,
// thousands of elements are built and laid out in one task, and text nested 8 deep is laid
// out a few characters a line. Their text checks still run; only their result is not counted.
const TODO_BLOCK = 'tasks over 50 ms on a loaded machine: the open part is read again and laid out at each update';

export const CASES = [
  {
    name: '10,000 repetitions of [a](', text: '[a]('.repeat(10_000), shown: (t) => t,
    streamTodo: `none in 1 of 3 runs, tasks of 55-295 ms in the others (5,061 ms before): ${TODO_BLOCK}`,
    historyTodo: 'tasks of 58-96 ms as history, in a fresh page (cold wasm; the visitor row holds the same 40 KB)',
  },
  {
    name: '20,000 [', text: '['.repeat(20_000), shown: (t) => t,
    historyTodo: 'none to a task of 56 ms as history, in a fresh page (cold wasm)',
  },
  {
    name: '15,000 repetitions of *_', text: '*_'.repeat(15_000),
    streamTodo: `tasks of 51-80 ms late in the stream: ${TODO_BLOCK}, here 10,000 <em> elements`,
    historyTodo: 'tasks of 133-396 ms as history: 10,000 <em> elements built in one task',
    check: (shown, els) => {
      assert.match(shown, /^[*_]*$/);
      assert.equal(delimiterCount(shown, els), 30_000);
    },
  },
  // A line of backticks opens a code fence that never closes: an empty code block.
  {
    name: '30,000 backticks', text: '`'.repeat(30_000), shown: () => '', check: (_, els) => assert.equal(els.pre, 1),
    streamTodo: 'none in most runs, a task over 50 ms in 1 of 3 full-suite runs while streaming',
    historyTodo: 'none to a task of 52 ms as history, in a fresh page (cold wasm)',
  },
  {
    name: '30,000 >', text: '>'.repeat(30_000), shown: (t) => t.slice(MAX_NESTING),
    historyTodo: 'none to tasks of 72-84 ms as history, in a fresh page',
  },
  {
    name: '1 MB in one line', text: LINE.repeat(Math.ceil(1_000_000 / LINE.length)), shown: shownLine,
    streamTodo: `tasks up to 555 ms while streaming on a loaded machine (52 s before parts): ${TODO_BLOCK}`,
    historyTodo: 'tasks of 589-615 and 1,935-2,119 ms as history: about 90,000 DOM nodes built in one task',
  },
  {
    name: '10,000 nested list items', text: `${'- '.repeat(10_000)}x`,
    shown: () => `${'-'.repeat(10_000 - MAX_NESTING)}x`,
    historyTodo: 'none to a task of 119 ms as history, in a fresh page',
  },
  {
    name: '100,000 >', text: '>'.repeat(100_000), shown: (t) => t.slice(MAX_NESTING),
    streamTodo: `tasks up to 256 ms while streaming: ${TODO_BLOCK}, laid out in a narrow column`,
    historyTodo: 'tasks of 163-231 ms as history: 100 KB laid out in a narrow column',
  },
  {
    name: 'all of them, alternating', text: Array(40).fill(ALTERNATING).join('\n'),
    streamTodo: `none in 1 of 3 runs, tasks of 57-354 ms in the others: ${TODO_BLOCK}`,
    historyTodo: 'tasks of 404 and 604 ms as history',
    check: (shown, _, text) => {
      const count = (s, word) => s.split(word).length - 1;
      assert.equal(count(shown, 'Plainwords,boldones,codeandalinkhere.'), count(text, LINE));
      assert.ok(shown.length > 0.7 * text.replace(/\s/g, '').length, `${shown.length} characters shown`);
    },
  },
];

/** In the page: records every long task from now on (the observer is made once a page). */
export function watchLongTasks(page) {
  return page.evaluate(() => {
    window.__longTasks = [];
    window.__longTaskWatchStart = performance.now();
    if (window.__longTaskObserver) return;
    window.__longTaskObserver = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) window.__longTasks.push({ start: e.startTime, duration: Math.round(e.duration) });
    });
    window.__longTaskObserver.observe({ type: 'longtask' });
  });
}

/** The durations of the long tasks recorded that end after the resources whose URL has `after`
 * in it have arrived (all of them without `after`). */
export function longTasks(page, after) {
  return page.evaluate((after) => {
    const arrival = after == null ? 0 : Math.max(0, ...performance.getEntriesByType('resource')
      .filter((e) => e.name.includes(after)).map((e) => e.responseEnd));
    return window.__longTasks.filter((t) => t.start + t.duration >= arrival).map((t) => t.duration);
  }, after);
}

/** Like [`longTasks`], with when each started (ms after the probe was set) — for debugging. */
export function longTaskTimes(page) {
  return page.evaluate(() => {
    const t0 = window.__longTaskWatchStart || 0;
    return window.__longTasks.map((t) => `${t.duration} ms at +${Math.round(t.start - t0)}`);
  });
}


/** The text of assistant message `index` (-1: the last) without whitespace or Copy buttons, and
 * how many elements of some kinds it holds. */
export function shownReply(page, index = -1) {
  return page.evaluate((index) => {
    const replies = document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text');
    const body = replies[index < 0 ? replies.length + index : index].cloneNode(true);
    for (const button of body.querySelectorAll('.cb-copy')) button.remove();
    const count = (sel) => body.querySelectorAll(sel).length;
    return {
      shown: body.textContent.replace(/\s/g, ''),
      els: { em: count('em'), strong: count('strong'), pre: count('pre'), blockquote: count('blockquote'), ul: count('ul') },
    };
  }, index);
}

export function checkShown(c, { shown, els }) {
  if (c.shown) {
    const want = c.shown(c.text).replace(/\s/g, '');
    assert.ok(shown === want, `${c.name}: ${shown.length} characters shown, ${want.length} expected; starts ${JSON.stringify(shown.slice(0, 80))}`);
  }
  c.check?.(shown, els, c.text);
}
