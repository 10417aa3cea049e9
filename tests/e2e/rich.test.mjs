// Replies that read well: markdown structure, code copy, sources from history, times, copying a
// message, and screenshots of a rich reply in light and dark themes for the README.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, widget, send, screenshotPath, waitForReply, defaultReply,
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
  assert.deepEqual(problems, []);
  await context.close();
});
