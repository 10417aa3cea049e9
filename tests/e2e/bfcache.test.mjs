// The browser's back-forward cache: a visitor who leaves the page while a reply streams and comes
// back with Back finds the page as they left it, the reply still streaming, not cut.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import {
  startServer, launchBrowser, openPage, widget, embedTag, defaultReply, waitForReply, messageRows,
} from './harness.mjs';

const env = {};
before(async () => {
  env.server = await startServer();
  env.browser = await launchBrowser({ backForwardCache: true });
  env.site = await siteBeside(env.server.url);
});
after(async () => {
  await env.browser?.close();
  env.site?.close();
  await env.server?.stop();
});

/**
 * A site of two pages with the embed tag, everything else passed to the widget's server, and the
 * mock's replies slowed down (19 pieces 300 ms apart; `site.firstWordAfter` ms before the
 * reply's answer starts). Playwright's request interception would keep pages out of the
 * back-forward cache, so the pages come from a server of their own.
 */
function siteBeside(serverUrl) {
  const target = new URL(serverUrl);
  const settings = { firstWordAfter: 0 };
  const site = http.createServer(async (req, res) => {
    const url = new URL(req.url, 'http://site');
    if (/^\/(a|b)\.html$/.test(url.pathname)) {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><meta charset="utf-8"><title>${url.pathname}</title></head>
<body><p><a href="/a.html">Page A</a> <a href="/b.html">Page B</a></p>${embedTag()}</body></html>`);
      return;
    }
    if (url.pathname.includes('/completions')) {
      url.searchParams.set('mock_delay', '300');
      await new Promise((done) => setTimeout(done, settings.firstWordAfter));
    }
    const upstream = http.request({
      host: target.hostname, port: target.port, path: url.pathname + url.search, method: req.method,
      headers: { ...req.headers, host: target.host },
    }, (answer) => {
      res.writeHead(answer.statusCode, answer.headers);
      answer.pipe(res);
    });
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
    req.pipe(upstream);
  });
  return new Promise((done) => site.listen(0, '127.0.0.1', () => done({
    settings,
    url: `http://127.0.0.1:${site.address().port}/`,
    close: () => { site.closeAllConnections(); site.close(); },
  })));
}

/** Reads whether the last reply streams, its status line, and what the message box's button is. */
function replyShown(page) {
  return page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const reply = root.querySelector('.cb-assistant:last-of-type');
    return {
      streaming: reply.classList.contains('cb-streaming'),
      status: reply.querySelector('.cb-message-status')?.textContent ?? '',
      button: root.querySelector('.cb-send').getAttribute('aria-label'),
    };
  });
}

/**
 * Asks `question` on page A, goes to page B once `left` says it is time, and comes back with
 * Back: the reply streams on, not cut, to its end, and is the same after a reload.
 */
async function leaveAndComeBack(question, left) {
  const { context, page, problems } = await openPage(env.browser);
  await page.addInitScript(() => {
    window.addEventListener('pageshow', (e) => { window.cameBackFromCache = e.persisted; });
  });
  await page.goto(`${env.site.url}a.html`);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').fill(question);
  await bubble.locator('.cb-input').press('Enter');
  await left(page);
  await page.goto(`${env.site.url}b.html`);
  // A page from the cache has no load event of its own to wait for.
  await page.goBack({ waitUntil: 'commit' });
  await page.waitForFunction(() => document.readyState === 'complete' && typeof window.cameBackFromCache === 'boolean');
  assert.equal(await page.evaluate(() => window.cameBackFromCache), true, 'the page came from the back-forward cache');
  // Streaming, not cut: no "Reply interrupted", no "Not sent", and Stop rather than Send.
  assert.deepEqual(await replyShown(page), { streaming: true, status: '', button: 'Stop the reply' });
  assert.equal(await bubble.locator('.cb-visitor .cb-message-status').count(), 0, 'the question is not marked');
  await waitForReply(page, defaultReply(question));
  await bubble.locator('.cb-send[aria-label="Send"]').waitFor();
  const whole = [['visitor', question, ''], ['assistant', defaultReply(question), '']];
  assert.deepEqual(await messageRows(page), whole);
  // Nothing of the cut it was taken for comes back after a reload.
  await page.reload();
  if (!(await page.evaluate(() => window.ChatBubble.isOpen()))) await bubble.locator('.cb-launcher').click();
  await waitForReply(page, defaultReply(question));
  assert.deepEqual(await messageRows(page), whole);
  assert.deepEqual(problems, []);
  await context.close();
}

test('Back to a page left while a reply streamed: the reply streams on to its end, not cut, and is whole after a reload', async () => {
  env.site.settings.firstWordAfter = 0;
  await leaveAndComeBack('come back to me', (page) => page.waitForFunction(() => document.querySelector('chat-bubble')
    .shadowRoot.querySelector('.cb-assistant.cb-streaming .cb-text')?.textContent.length > 0));
});

test('Back to a page left before the reply\'s first word: the question is not taken for unsent, and the reply comes', async () => {
  env.site.settings.firstWordAfter = 1500;
  await leaveAndComeBack('before a word', (page) => widget(page).locator('.cb-assistant.cb-streaming .cb-typing').waitFor());
});
