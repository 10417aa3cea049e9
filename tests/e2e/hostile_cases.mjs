// Replies that are hostile by their size or shape (see hostile_replies.test.mjs), shared by that
// test and the bench (bench/hostile.mjs): the texts, what each must show, and the in-page probes.
import assert from 'node:assert/strict';

/** Quotes and lists nest at most this deep; past it their markers show as text
 * (src/markdown/blocks.rs, MAX_NESTING). */
const MAX_NESTING = 8;

const LINE = 'Plain words, **bold** ones, `code` and a [link](https://example.com/x) here. ';

/** The markdown of a line of LINEs as it shows: emphasis and code markers and link targets go. */
export const shownLine = (t) => t.replace(/\]\([^)]*\)/g, '').replace(/\*\*|`|\[/g, '');

/** Unmatched emphasis shows its markers; each pair that matched took 1 (em) or 2 (strong)
 * characters from both sides. */
const delimiterCount = (shown, els) => shown.length + 2 * els.em + 4 * els.strong;

const ALTERNATING = [
  // The backticks inside a line: a run of them at the start of one would open a code fence.
  '[a]('.repeat(500), '['.repeat(1000), '*_'.repeat(500), `x${'`'.repeat(1000)}`, '>'.repeat(1000),
  LINE.repeat(20), `${'- '.repeat(500)}x`,
].join('\n');

export const CASES = [
  {
    name: '10,000 repetitions of [a](', text: '[a]('.repeat(10_000), shown: (t) => t,
  },
  {
    name: '20,000 [', text: '['.repeat(20_000), shown: (t) => t,
  },
  {
    name: '15,000 repetitions of *_', text: '*_'.repeat(15_000),
    check: (shown, els) => {
      assert.match(shown, /^[*_]*$/);
      assert.equal(delimiterCount(shown, els), 30_000);
    },
  },
  // A line of backticks opens a code fence that never closes: an empty code block.
  {
    name: '30,000 backticks', text: '`'.repeat(30_000), shown: () => '', check: (_, els) => assert.equal(els.pre, 1),
  },
  {
    name: '30,000 >', text: '>'.repeat(30_000), shown: (t) => t.slice(MAX_NESTING),
  },
  {
    name: '1 MB in one line', text: LINE.repeat(Math.ceil(1_000_000 / LINE.length)), shown: shownLine,
  },
  // The same inside a quote and a list item: the quote or list is read a line at a time as it
  // grows, and the paragraph in it is cut into parts that are read once.
  {
    name: '1 MB in one line, quoted', text: `> ${LINE.repeat(Math.ceil(1_000_000 / LINE.length))}`,
    shown: (t) => shownLine(t.slice(2)),
  },
  {
    name: '1 MB in one list item', text: `- ${LINE.repeat(Math.ceil(1_000_000 / LINE.length))}`,
    shown: (t) => shownLine(t.slice(2)),
  },
  {
    name: '10,000 nested list items', text: `${'- '.repeat(10_000)}x`,
    shown: () => `${'-'.repeat(10_000 - MAX_NESTING)}x`,
  },
  {
    name: '100,000 >', text: '>'.repeat(100_000), shown: (t) => t.slice(MAX_NESTING),
  },
  {
    name: 'all of them, alternating', text: Array(40).fill(ALTERNATING).join('\n'),
    check: (shown, _, text) => {
      const count = (s, word) => s.split(word).length - 1;
      assert.equal(count(shown, 'Plainwords,boldones,codeandalinkhere.'), count(text, LINE));
      assert.ok(shown.length > 0.7 * text.replace(/\s/g, '').length, `${shown.length} characters shown`);
    },
  },
];

/** An ordinary reply of `bytes` bytes: the same line as the long cases, ten to a paragraph. The
 * hostile replies' tasks are measured against it, in the same page and run. */
export function ordinaryReply(bytes) {
  let text = '';
  for (let i = 1; text.length < bytes; i++) text += i % 10 ? LINE : `${LINE}\n\n`;
  return text.slice(0, bytes);
}

/**
 * Runs `act` with the browser tracing, and returns how long (ms) each task of the busiest
 * renderer's main thread (the page's) ran meanwhile, longest first. Traced rather than read from
 * the Long Tasks API, which sees only tasks of 50 ms or more: the tasks are compared with those of
 * an ordinary reply, which may have none that long.
 */
export async function tasksDuring(browser, page, act) {
  await browser.startTracing(page, { categories: ['toplevel'] });
  let trace;
  try {
    await act();
  } finally {
    trace = await browser.stopTracing();
  }
  const events = JSON.parse(trace.toString()).traceEvents;
  const byThread = new Map();
  for (const e of events) {
    if (e.name === 'thread_name' && e.args.name === 'CrRendererMain') byThread.set(`${e.pid}:${e.tid}`, []);
  }
  for (const e of events) {
    if (e.ph === 'X' && e.name === 'ThreadControllerImpl::RunTask') byThread.get(`${e.pid}:${e.tid}`)?.push(e.dur / 1000);
  }
  const sum = (xs) => xs.reduce((a, x) => a + x, 0);
  const busiest = [...byThread.values()].reduce((a, b) => (sum(b) > sum(a) ? b : a), []);
  return busiest.sort((a, b) => b - a);
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
