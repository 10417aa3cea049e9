// Replies that read well: markdown structure, code copy, sources from history, times, copying a
// message, and screenshots of a rich reply in light and dark themes for the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, widget, send, screenshotPath, waitForReply, defaultReply, routeHtml, embedTag,
  meanColour, colourDistance,
} from './harness.mjs';

const env = serverAndBrowser();

async function richReply(page) {
  await send(page, 'show me some markdown');
  await widget(page).locator('.cb-assistant .cb-meta .cb-copy-message').waitFor({ timeout: 20000 });
}

test('a markdown reply renders as structure, safely, with working copy buttons', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1100, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: env.server.url.replace(/\/$/, '') });
  await page.goto(env.server.url);
  await richReply(page);
  const body = widget(page).locator('.cb-assistant .cb-text');
  const shape = await body.evaluate((el) => ({
    headings: Array.from(el.querySelectorAll('h1, h2')).map((h) => h.tagName + ':' + h.textContent),
    bullets: el.querySelectorAll('ul > li').length,
    steps: el.querySelectorAll('ol > li').length,
    strong: el.querySelector('strong')?.textContent,
    em: el.querySelector('em')?.textContent,
    inlineCode: el.querySelector('p code')?.textContent,
    fence: el.querySelector('pre code.language-rust')?.textContent,
    cells: Array.from(el.querySelectorAll('td')).map((td) => td.textContent),
    link: [el.querySelector('a')?.href, el.querySelector('a')?.rel, el.querySelector('a')?.target],
    quote: el.querySelector('blockquote')?.textContent,
    liveHtml: el.querySelectorAll('b, img').length,
  }));
  assert.deepEqual(shape.headings, ['H1:Mock reply with markdown', 'H2:A list', 'H2:A code fence', 'H2:A table']);
  assert.equal(shape.bullets, 3);
  assert.equal(shape.steps, 2);
  assert.equal(shape.strong, 'bold');
  assert.equal(shape.em, 'italic');
  assert.equal(shape.inlineCode, 'inline code');
  assert.match(shape.fence, /println!\("hello from the mock"\);/);
  assert.deepEqual(shape.cells, ['alpha', '1', 'beta', '2']);
  assert.deepEqual(shape.link, ['https://example.com/docs', 'noopener noreferrer', '_blank']);
  assert.match(shape.quote, /<b>not bold<\/b> <img src=x onerror=alert\(1\)>/);
  assert.equal(shape.liveHtml, 0, 'raw HTML is text');

  await widget(page).locator('.cb-copy').click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^fn main\(\) \{/);
  await widget(page).locator('.cb-assistant .cb-copy-message').click();
  assert.match(await page.evaluate(() => navigator.clipboard.readText()), /^# Mock reply with markdown/);
  assert.match(await widget(page).locator('.cb-assistant time').getAttribute('datetime'), /^\d{4}-\d\d-\d\dT/);

  // The reply's sources came on its closing frame: shown as soon as it is done.
  const liveSources = widget(page).locator('.cb-assistant .cb-sources');
  await liveSources.waitFor();
  assert.equal(await liveSources.locator('summary').textContent(), 'Sources (1)');
  assert.deepEqual(
    await liveSources.locator('li').evaluate((li) => [li.querySelector('a').href, li.querySelector('.cb-source-page').textContent]),
    ['https://example.com/files/mock-handbook.pdf', ' · p. 3'],
  );

  // From history: the stored reply carries its sources.
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  const sources = widget(page).locator('.cb-assistant .cb-sources');
  await sources.waitFor({ timeout: 15000 });
  assert.match(await sources.locator('summary').textContent(), /^Sources \(\d+\)$/);
  // The history names the assistant; a new reply carries the same name.
  assert.equal(await widget(page).locator('.cb-assistant .cb-sender-name').first().textContent(), 'Mock Assistant');
  await widget(page).locator('.cb-input').fill('and now?');
  await widget(page).locator('.cb-input').press('Enter');
  await waitForReply(page, defaultReply('and now?'));
  assert.equal(await widget(page).locator('.cb-assistant .cb-sender-name').last().textContent(), 'Mock Assistant');
  await sources.locator('summary').click();
  const entries = await sources.locator('li').count();
  assert.ok(entries >= 1);
  await widget(page).locator('.cb-messages').evaluate((el) => { el.scrollTop = 0; });
  await page.screenshot({ path: screenshotPath('rich-reply-light.png') });
  await page.emulateMedia({ colorScheme: 'dark' });
  await page.screenshot({ path: screenshotPath('rich-reply-dark.png') });
  assert.deepEqual(problems, []);
  await context.close();
});

test('attachments in the history: images as thumbnails, files as links, unsafe URLs as names only', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  await send(page, 'show me the files');
  await waitForReply(page, 'Here are the files you asked for.');
  // The picture is there to show (a 1×1 PNG).
  await page.route('https://example.com/files/diagram.png', (route) => route.fulfill({
    contentType: 'image/png',
    body: Buffer.from('iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==', 'base64'),
  }));
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  const holder = widget(page).locator('.cb-assistant .cb-attachments');
  await holder.waitFor({ timeout: 15000 });
  const shape = await holder.evaluate((el) => Array.from(el.children).map((c) => ({
    tag: c.tagName,
    href: c.getAttribute('href'),
    rel: c.getAttribute('rel'),
    target: c.getAttribute('target'),
    img: c.querySelector('img') && [c.querySelector('img').getAttribute('src'), c.querySelector('img').alt],
    text: c.textContent,
  })));
  assert.deepEqual(shape, [
    { tag: 'A', href: 'https://example.com/files/diagram.png', rel: 'noopener noreferrer', target: '_blank', img: ['https://example.com/files/diagram.png', 'diagram.png'], text: '' },
    { tag: 'A', href: 'https://example.com/files/terms.pdf', rel: 'noopener noreferrer', target: '_blank', img: null, text: 'terms.pdf' },
    { tag: 'SPAN', href: null, rel: null, target: null, img: null, text: 'notes <b>.txt' },
  ]);
  // The files a line each, under the pictures.
  const boxes = await holder.evaluate((el) => Array.from(el.children).map((c) => {
    const { top, bottom } = c.getBoundingClientRect();
    return { top, bottom };
  }));
  assert.ok(boxes[1].top >= boxes[0].bottom && boxes[2].top >= boxes[1].bottom, JSON.stringify(boxes));
  assert.deepEqual(problems, []);
  await context.close();
});

/** Opens a host page (with a strict CSP and the given theme) whose assistant replies with
 * `reply` as markdown: the mock echoes the message, which is replaced on its way. */
async function pageReplying(reply, { theme = 'light', before = async () => {} } = {}) {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1100, height: 900 } });
  const url = `${env.server.url}rich-${theme}.html`;
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>host</title></head>
<body><p>Host page</p>${embedTag({ 'data-theme': theme })}</body></html>`,
  { 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'" });
  await page.route('**/completions/**', (route) => {
    const target = new URL(route.request().url());
    target.searchParams.set('mock_echo', '1');
    const body = JSON.parse(route.request().postData());
    body.message.content = reply;
    route.continue({ url: target.toString(), postData: JSON.stringify(body) });
  });
  await before(page);
  await page.goto(url);
  await send(page, 'reply please');
  await widget(page).locator('.cb-assistant .cb-meta .cb-copy-message').waitFor({ timeout: 20000 });
  return { context, page, problems };
}

test('a table wider than the reply keeps its words whole and scrolls sideways', async () => {
  const reply = '| Plan | Price | Notes | Extra column | Another |\n|---|---|---|---|---|\n'
    + '| Basic | $10 | everything for one person | more words here | and some more |\n'
    + '| Professional | $250 | everything for a whole team of people | yet more words | the very last one |';
  const { context, page, problems } = await pageReplying(reply);
  const table = widget(page).locator('.cb-assistant .cb-text table');
  const shape = await table.evaluate((el) => {
    // A word is broken when its letters sit on more than one line.
    const broken = [];
    for (const cell of el.querySelectorAll('th, td')) {
      const walker = document.createTreeWalker(cell, NodeFilter.SHOW_TEXT);
      while (walker.nextNode()) {
        const node = walker.currentNode;
        for (const match of node.data.matchAll(/\S+/g)) {
          const range = document.createRange();
          range.setStart(node, match.index);
          range.setEnd(node, match.index + match[0].length);
          const tops = new Set([...range.getClientRects()].map((r) => Math.round(r.top)));
          if (tops.size > 1) broken.push(match[0]);
        }
      }
    }
    return { broken, scrolls: el.scrollWidth > el.clientWidth, tabindex: el.getAttribute('tabindex') };
  });
  assert.deepEqual(shape, { broken: [], scrolls: true, tabindex: '0' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a code block that scrolls sideways is reached with Tab after its Copy button and named for a screen reader', async () => {
  const reply = 'Run this:\n\n```sh\nls -la /a/very/long/path/that/does/not/fit/in/the/panel/and/so/scrolls/sideways/to/its/end\n```';
  const { context, page, problems } = await pageReplying(reply);
  const bubble = widget(page);
  const code = bubble.getByRole('group', { name: 'Code' });
  assert.equal(await code.evaluate((el) => el.scrollWidth > el.clientWidth), true, 'the block scrolls');
  await bubble.locator('.cb-code .cb-copy').focus();
  await page.keyboard.press('Tab');
  assert.equal(await code.evaluate((el) => el.getRootNode().activeElement === el), true);
  // Its ring is light, inside the dark block, in the light theme too.
  assert.deepEqual(await code.evaluate((el) => {
    const s = getComputedStyle(el);
    return [s.outlineStyle, s.outlineWidth, s.outlineColor, s.outlineOffset];
  }), ['solid', '3px', 'rgb(249, 250, 251)', '-3px']);
  // Its text is still read as the code.
  assert.match(await code.ariaSnapshot(), /group "Code"[\s\S]*ls -la/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply\'s headings come below the panel\'s title and the day\'s line in a screen reader\'s outline', async () => {
  const { context, page, problems } = await pageReplying('# Plans\n\nSome text.\n\n## Basic\n\nMore.\n\n### Details\n\n#### Small print');
  // The levels as Chromium gives them to screen readers.
  const cdp = await context.newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const levels = Object.fromEntries(nodes
    .filter((n) => n.role?.value === 'heading')
    .map((n) => [n.name?.value, n.properties?.find((p) => p.name === 'level')?.value.value]));
  assert.equal(levels['Plans'], 4, JSON.stringify(levels));
  assert.equal(levels['Basic'], 5);
  assert.equal(levels['Details'], 6);
  assert.equal(levels['Small print'], 6);
  // Above them, the panel's title.
  assert.equal(Object.values(levels).filter((level) => level === 2).length, 1, JSON.stringify(levels));
  assert.deepEqual(problems, []);
  await context.close();
});

test('bare URLs in a reply are links, with the same rules as written links', async () => {
  const reply = 'Docs at https://example.com/docs?x=1. Mail mailto:help@example.com, '
    + 'not javascript:alert(1) nor data:text/html,hi nor ftp://example.com, '
    + 'and (see https://example.org/a_(b)) or `https://example.net/code` or [a link with https://example.edu](https://example.com/x).';
  const { context, page, problems } = await pageReplying(reply);
  const links = await widget(page).locator('.cb-assistant .cb-text a').evaluateAll((els) =>
    els.map((a) => [a.getAttribute('href'), a.textContent, a.rel, a.target]));
  const live = (href, text = href) => [href, text, 'noopener noreferrer', '_blank'];
  assert.deepEqual(links, [
    live('https://example.com/docs?x=1'),
    live('mailto:help@example.com'),
    live('https://example.org/a_(b)'),
    live('https://example.com/x', 'a link with https://example.edu'),
  ]);
  const text = await widget(page).locator('.cb-assistant .cb-text').textContent();
  assert.ok(text.includes('javascript:alert(1)') && text.includes('ftp://example.com'), text);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a tall picture in a reply keeps its proportions, no taller than a part of the panel, and opens full size in a tab', async () => {
  const src = `${env.server.url}tall-chart.svg`;
  const reply = `The chart:\n\n![A tall chart](${src})\n\nAs you can see.`;
  const svg = '<svg xmlns="http://www.w3.org/2000/svg" width="300" height="3000"><rect width="300" height="3000" fill="#36c"/></svg>';
  const { context, page, problems } = await pageReplying(reply, {
    before: (page) => page.route(src, (route) => route.fulfill({ contentType: 'image/svg+xml', body: svg })),
  });
  const picture = widget(page).locator('.cb-assistant .cb-text img');
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-text img')?.complete);
  const box = await picture.boundingBox();
  const panel = await widget(page).locator('.cb-panel').boundingBox();
  assert.ok(box.height <= panel.height / 2, `picture ${box.height} px tall in a panel of ${panel.height}`);
  assert.ok(Math.abs(box.width / box.height - 0.1) < 0.01, `proportions ${box.width} x ${box.height}`);
  assert.deepEqual(await picture.evaluate((img) => {
    const link = img.closest('a');
    return link && [link.getAttribute('href'), link.target, link.rel, img.alt];
  }), [src, '_blank', 'noopener noreferrer', 'A tall chart']);
  // The text after it follows it at once.
  const after = await widget(page).locator('.cb-assistant .cb-text p', { hasText: 'As you can see.' }).boundingBox();
  assert.ok(after.y - (box.y + box.height) < 40, `text ${after.y - (box.y + box.height)} px below the picture`);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const theme of ['light', 'dark']) {
  test(`code cut off at a side shows an edge there until scrolled to that end (${theme} theme, strict CSP)`, async () => {
    const reply = `\`\`\`js\nconst long = "${'x'.repeat(400)}";\n\`\`\`\n\n\`\`\`\nshort\n\`\`\``;
    const { context, page, problems } = await pageReplying(reply, { theme });
    const pres = widget(page).locator('.cb-assistant .cb-text pre');
    assert.equal(await pres.count(), 2);
    const [long, short] = [pres.nth(0), pres.nth(1)];
    assert.ok(await long.evaluate((el) => el.scrollWidth > el.clientWidth + 100), 'the long line overflows');
    // The code's own background, read inside the block away from both edges.
    const base = await meanColour(page, long, [40], [4, 5, 6]);
    // Pixels in the padding beside the code (below the Copy button, above the corner's curve),
    // 2 to 4 px from an edge.
    const rows = [12, 16, 20, 24, 28];
    const right = () => meanColour(page, long, [-4, -3], rows);
    const left = () => meanColour(page, long, [2, 3], rows);
    // At the start: an edge on the right (there is more), none on the left.
    assert.ok(colourDistance(await right(), base) > 25, `right edge ${await right()} vs ${base}`);
    assert.ok(colourDistance(await left(), base) < 6, `left edge ${await left()} vs ${base}`);
    // Scrolled to the end: the other way round.
    await long.evaluate((el) => { el.scrollLeft = el.scrollWidth; });
    await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
    assert.ok(colourDistance(await right(), base) < 6, `right edge at the end ${await right()} vs ${base}`);
    assert.ok(colourDistance(await left(), base) > 25, `left edge at the end ${await left()} vs ${base}`);
    // A block that fits shows no edge.
    assert.ok(await short.evaluate((el) => el.scrollWidth <= el.clientWidth));
    assert.ok(colourDistance(await meanColour(page, short, [-4, -3], rows), base) < 6, 'no edge on code that fits');
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('Hebrew and Arabic read right to left, block by block, in the messages and the message box', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const bubble = widget(page);
  // The mock echoes the message: a reply with a Hebrew paragraph, an English one and an Arabic
  // list item, and a code block.
  await page.route('**/completions/**', (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('mock_echo', '1');
    const body = JSON.parse(route.request().postData());
    body.message.content = 'שלום עולם, מה שלומך?\n\nHello there.\n\n- مرحبا، كيف حالك؟\n\n```\nשלום x\n```\n\n| الاسم | السعر |\n|---|---|\n| شاي | 5 |';
    route.continue({ url: url.toString(), postData: JSON.stringify(body) });
  });
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').fill('שלום עולם, מה שלומך היום?');
  assert.equal(await bubble.locator('.cb-input').evaluate((e) => e.matches(':dir(rtl)')), true, 'the message box');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-assistant li').waitFor();
  await bubble.locator('.cb-assistant.cb-streaming').waitFor({ state: 'detached' });
  // Laid out right to left: the text's first letter is to the right of its last.
  const rtl = (locator) => locator.evaluate((e) => {
    const walker = document.createTreeWalker(e, NodeFilter.SHOW_TEXT, { acceptNode: (n) => (n.data.trim() ? NodeFilter.FILTER_ACCEPT : NodeFilter.FILTER_SKIP) });
    const texts = [];
    while (walker.nextNode()) texts.push(walker.currentNode);
    const x = (node, at) => {
      const range = document.createRange();
      range.setStart(node, at);
      range.setEnd(node, at + 1);
      return range.getBoundingClientRect().x;
    };
    const first = texts[0];
    const last = texts[texts.length - 1];
    const lastAt = last.data.trimEnd().length - 1;
    return x(first, first.data.length - first.data.trimStart().length) > x(last, lastAt);
  });
  assert.equal(await rtl(bubble.locator('.cb-visitor .cb-text')), true, 'the visitor message');
  assert.equal(await rtl(bubble.locator('.cb-assistant p').first()), true, 'the Hebrew paragraph');
  assert.equal(await rtl(bubble.locator('.cb-assistant p').nth(1)), false, 'the English one');
  assert.equal(await rtl(bubble.locator('.cb-assistant li')), true, 'the Arabic list item');
  // Its marker on the right, beside its text, with the list's indent on that side too.
  const list = await bubble.locator('.cb-assistant ul').evaluate((ul) => {
    const style = getComputedStyle(ul);
    return [getComputedStyle(ul.firstElementChild).direction, style.paddingRight, style.paddingLeft];
  });
  assert.deepEqual(list, ['rtl', '20px', '0px']);
  assert.equal(await rtl(bubble.locator('.cb-assistant pre code')), false, 'code as written');
  // An Arabic table starts at the reply's right edge, its first column the rightmost.
  const table = await bubble.locator('.cb-assistant table').evaluate((t) => {
    const text = t.closest('.cb-text').getBoundingClientRect();
    const [first, second] = [...t.querySelectorAll('th')].map((th) => th.getBoundingClientRect());
    return { gap: Math.round(text.right - first.right), firstOnTheRight: first.left > second.left };
  });
  assert.ok(table.gap <= 2, `the table ends ${table.gap} px short of the reply's right edge`);
  assert.equal(table.firstOnTheRight, true);
  // And aligned to its start, the right: a short Hebrew paragraph ends near the reply's right edge.
  const gap = await bubble.locator('.cb-assistant p').first().evaluate((p) => {
    const range = document.createRange();
    range.selectNodeContents(p);
    return Math.round(p.getBoundingClientRect().right - range.getBoundingClientRect().right);
  });
  assert.ok(gap <= 2, `${gap} px short of the right edge`);
  assert.deepEqual(problems, []);
  await context.close();
});
