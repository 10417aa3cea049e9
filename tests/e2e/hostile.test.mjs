// Replies that can't hurt: hostile payloads as streamed replies, as history and as config values.
// None may run (the sentinel stays unset, no dialog opens) and none may leave a live dangerous
// attribute or element in the widget.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, widget, mockSwitches, hostPage, send, screenshotPath,
} from './harness.mjs';

const env = serverAndBrowser();

const JS = 'window.__pwned=1';
const VECTORS = [
  `<script>${JS}</script>`,
  `<img src=x onerror="${JS}">`,
  `<svg onload="${JS}"></svg>`,
  `<svg><script>${JS}</script></svg>`,
  `<iframe src="javascript:${JS}"></iframe>`,
  `<a href="javascript:${JS}">x</a>`,
  `[click](javascript:${JS})`,
  `[click](JaVaScRiPt:${JS})`,
  `[click](java\tscript:${JS})`,
  `[click](&#106;avascript:${JS})`,
  `[click](data:text/html,<script>${JS}</script>)`,
  `[click](vbscript:msgbox(1))`,
  `[click](<javascript:${JS}>)`,
  `![x](javascript:${JS})`,
  `![x](data:image/svg+xml,<svg onload=${JS}>)`,
  `![x](x" onerror="${JS})`,
  `[x](https://ok.example" onclick="${JS})`,
  `<javascript:${JS}>`,
  `<details open ontoggle=${JS}>`,
  `<math><mi xlink:href="javascript:${JS}">x</mi></math>`,
  `<form action="javascript:${JS}"><button>x</button></form>`,
  `<input autofocus onfocus=${JS}>`,
  `&lt;img src=x onerror=${JS}&gt; &#60;script&#62;${JS}&#60;/script&#62;`,
  `[\u202Egnp.exe](https://evil.example/\u202Egnp.exe) \u202E<img src=x onerror=${JS}>`,
  `\`<img src=x onerror=${JS}>\` <style>*{display:none}</style> <base href="javascript:${JS}//">`,
];
const CONTEXTS = [(v) => v, (v) => `- ${v}`, (v) => `> ${v}`, (v) => `# ${v}`, (v) => `| a |\n|---|\n| ${v} |`];
const PAYLOADS = CONTEXTS.flatMap((wrap) => VECTORS.map(wrap));

/** Everything in the widget that could run script or navigate somewhere unsafe. */
async function dangers(page) {
  return page.evaluate(() => {
    const found = [];
    const allowed = new Set(['P', 'EM', 'STRONG', 'DEL', 'CODE', 'PRE', 'A', 'IMG', 'UL', 'OL', 'LI', 'H1', 'H2', 'H3',
      'H4', 'H5', 'H6', 'BLOCKQUOTE', 'TABLE', 'THEAD', 'TBODY', 'TR', 'TH', 'TD', 'HR', 'BR', 'DIV', 'BUTTON', 'SPAN']);
    const root = document.querySelector('chat-bubble').shadowRoot;
    for (const el of root.querySelectorAll('.cb-text *, .cb-title *')) {
      if (!allowed.has(el.tagName)) found.push(`element ${el.tagName}`);
    }
    for (const el of root.querySelectorAll('*')) {
      for (const attr of el.attributes) {
        const name = attr.name.toLowerCase();
        if (name.startsWith('on')) found.push(`${el.tagName} ${name}`);
        if (['href', 'src', 'action', 'formaction', 'xlink:href', 'srcdoc'].includes(name) && el.closest('.cb-text')) {
          if (!/^(https?:\/\/|mailto:)/i.test(attr.value)) found.push(`${el.tagName} ${name}=${attr.value}`);
        }
      }
      if (el.tagName === 'A' && el.closest('.cb-text') && el.getAttribute('rel') !== 'noopener noreferrer') {
        found.push(`link without rel: ${el.getAttribute('href')}`);
      }
    }
    return found;
  });
}

test(`${PAYLOADS.length} hostile payloads as streamed replies and as history: nothing runs`, async () => {
  const { context, page, problems } = await openPage(env.browser);
  const dialogs = [];
  page.on('dialog', (d) => { dialogs.push(d.message()); d.dismiss(); });
  await page.goto(env.server.url);
  await mockSwitches(page, { delay: 0 });
  // Ten payloads a message, blank-line separated so each is its own block.
  const batches = [];
  // Each batch also carries one safe link, to show links still work among hostile ones.
  for (let i = 0; i < PAYLOADS.length; i += 10) {
    batches.push([...PAYLOADS.slice(i, i + 10), '[a safe link](https://example.com/ok)'].join('\n\n'));
  }
  const bubble = widget(page);
  for (const batch of batches) {
    await send(page, batch);
    await bubble.locator('.cb-send[type=submit]').waitFor({ timeout: 15000 });
  }
  assert.equal(await bubble.locator('.cb-assistant').count(), batches.length);
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'sentinel unset after streaming');
  assert.deepEqual(await dangers(page), []);
  const links = await bubble.locator('.cb-assistant .cb-text a').evaluateAll((as) => as.map((a) => [a.href, a.textContent]));
  const safe = links.filter(([href]) => href === 'https://example.com/ok');
  assert.equal(safe.length, batches.length, 'the safe link is live in every batch');
  // Besides it, only a bare URL shown as its own text (GFM's autolinks): the broken link's
  // `https://ok.example`, which ends at the quote, its onclick staying text.
  const others = links.filter(([href]) => href !== 'https://example.com/ok');
  assert.deepEqual(new Set(others.map(([href, text]) => `${text} -> ${href}`)),
    new Set(others.length ? ['https://ok.example -> https://ok.example/'] : []), 'only the safe link and bare URLs are live');
  await page.screenshot({ path: screenshotPath('hostile-replies.png') });

  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await page.waitForFunction(
    (n) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length === n,
    batches.length * 2,
    { timeout: 15000 },
  );
  assert.equal(await page.evaluate(() => window.__pwned), undefined, 'sentinel unset after history');
  assert.deepEqual(await dangers(page), []);
  assert.deepEqual(dialogs, []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('hostile config values stay text', async () => {
  for (const [i, title] of VECTORS.slice(0, 12).entries()) {
    const { context, page, problems } = await openPage(env.browser);
    await hostPage(page, env.server, `title-${i}.html`, { 'data-title': title });
    await widget(page).locator('.cb-launcher').click();
    const shown = await widget(page).locator('.cb-title').textContent();
    assert.equal(shown, title.slice(0, 80).trim(), 'shown verbatim as text');
    assert.equal(await page.evaluate(() => window.__pwned), undefined);
    assert.deepEqual(await dangers(page), []);
    assert.deepEqual(problems.filter((p) => !p.includes('data-title')), []);
    await context.close();
  }
});
