// The host page and the widget leave each other alone.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, routeHtml, widget, embedTag, defaultReply, screenshotPath,
} from './harness.mjs';

const env = serverAndBrowser();

const page = (style) => `<!doctype html><html><head><meta charset="utf-8"><title>host</title>
<style>${style}</style></head><body><div id="app"><p>Host content</p></div>${embedTag()}</body></html>`;

/** What the widget looks like: sizes and computed styles of its parts, after a message. */
async function measure(browserPage, url) {
  await browserPage.goto(url);
  const bubble = widget(browserPage);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').fill('style check');
  await bubble.locator('.cb-input').press('Enter');
  await browserPage.waitForFunction(
    (want) => Array.from(document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
      .some((e) => e.textContent === want),
    defaultReply('style check'),
    { timeout: 15000 },
  );
  // The reply is named once the widget has read the assistant's name: measure after that.
  await bubble.locator('.cb-assistant .cb-sender-name').waitFor();
  return browserPage.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const pick = (sel) => {
      const el = root.querySelector(sel);
      const cs = getComputedStyle(el);
      // Layout sizes (offset*), which a hover transform does not change.
      return {
        width: el.offsetWidth, height: el.offsetHeight, x: el.offsetLeft, y: el.offsetTop,
        color: cs.color, fontSize: cs.fontSize, display: cs.display, background: cs.backgroundColor,
      };
    };
    return {
      launcher: pick('.cb-launcher'), panel: pick('.cb-panel'), input: pick('.cb-input'),
      visitor: pick('.cb-visitor'), assistant: pick('.cb-assistant'), title: pick('.cb-title'),
    };
  });
}

test('aggressive host CSS does not change the widget', async () => {
  const plainUrl = `${env.server.url}host-plain.html`;
  const hostileUrl = `${env.server.url}host-hostile.html`;
  const plain = await openPage(env.browser);
  await routeHtml(plain.page, plainUrl, page('body { margin: 0 }'));
  const hostile = await openPage(env.browser);
  await routeHtml(
    hostile.page,
    hostileUrl,
    page(`* { color: red !important; font-size: 40px !important; line-height: 3 !important; }
          div { display: none !important; } button { width: 5px !important; background: lime !important; }
          body { margin: 0 }`),
  );
  const expected = await measure(plain.page, plainUrl);
  const actual = await measure(hostile.page, hostileUrl);
  assert.equal(expected.launcher.width, 56);
  assert.equal(expected.panel.display, 'flex');
  assert.deepEqual(actual, expected);
  await hostile.page.screenshot({ path: screenshotPath('hostile-css.png') });
  assert.deepEqual(plain.problems, []);
  assert.deepEqual(hostile.problems, []);
  await plain.context.close();
  await hostile.context.close();
});

test('a right-to-left host page does not turn the widget\'s English around', async () => {
  const plainUrl = `${env.server.url}host-ltr.html`;
  const rtlUrl = `${env.server.url}host-rtl.html`;
  const plain = await openPage(env.browser);
  await routeHtml(plain.page, plainUrl, page('body { margin: 0 }'));
  const rtl = await openPage(env.browser);
  await routeHtml(rtl.page, rtlUrl, page('body { margin: 0 } chat-bubble { direction: rtl; unicode-bidi: bidi-override }')
    .replace('<html>', '<html dir="rtl" lang="he">'));
  const expected = await measure(plain.page, plainUrl);
  const actual = await measure(rtl.page, rtlUrl);
  assert.deepEqual(actual, expected);
  const direction = (p) => p.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    return [getComputedStyle(root.querySelector('.cb-panel')).direction, getComputedStyle(root.querySelector('.cb-panel')).unicodeBidi];
  });
  assert.deepEqual(await direction(rtl.page), await direction(plain.page));
  assert.deepEqual(plain.problems, []);
  assert.deepEqual(rtl.problems, []);
  await plain.context.close();
  await rtl.context.close();
});

test('the widget adds nothing to the light DOM but its host element', async () => {
  const url = `${env.server.url}host-count.html`;
  const source = page('body { margin: 0 }');
  const { context, page: p, problems } = await openPage(env.browser);
  await routeHtml(p, url, source);
  await measure(p, url);
  const result = await p.evaluate((html) => {
    const fresh = new DOMParser().parseFromString(html, 'text/html');
    const tags = (doc) => Array.from(doc.querySelectorAll('*')).map((e) => e.tagName);
    const before = tags(fresh);
    const now = tags(document);
    const added = now.filter((t, i, all) => all.filter((x) => x === t).length > before.filter((x) => x === t).length);
    return {
      added: [...new Set(added)],
      hosts: document.querySelectorAll('chat-bubble').length,
      headChildren: document.head.children.length,
      freshHeadChildren: fresh.head.children.length,
      bodyStyle: document.body.getAttribute('style'),
      htmlStyle: document.documentElement.getAttribute('style'),
    };
  }, source);
  assert.deepEqual(result.added, ['CHAT-BUBBLE']);
  assert.equal(result.hosts, 1);
  assert.equal(result.headChildren, result.freshHeadChildren, 'nothing added to <head>');
  assert.equal(result.bodyStyle, null);
  assert.equal(result.htmlStyle, null);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a printed page shows the page alone, not the bubble or the open panel over it', async () => {
  const url = `${env.server.url}host-print.html`;
  const { context, page: p, problems } = await openPage(env.browser);
  await routeHtml(p, url, page('body { margin: 0 }'));
  await measure(p, url);
  const shown = () => p.evaluate(() => {
    const host = document.querySelector('chat-bubble');
    const box = host.getBoundingClientRect();
    const panel = host.shadowRoot.querySelector('.cb-panel').getBoundingClientRect();
    return { host: getComputedStyle(host).display, width: box.width, panelWidth: panel.width };
  });
  await p.emulateMedia({ media: 'print' });
  assert.deepEqual(await shown(), { host: 'none', width: 0, panelWidth: 0 });
  // Back on the screen, the panel is as it was: open, with the conversation.
  await p.emulateMedia({ media: 'screen' });
  const back = await shown();
  assert.equal(back.host, 'block');
  assert.ok(back.panelWidth > 200, `the panel is back (${back.panelWidth} px wide)`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('keys typed in the widget do not set off the page\'s own shortcuts; the page still hears its own keys', async () => {
  const { context, page: host, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  const url = `${env.server.url}shortcuts.html`;
  // A page whose `/` opens its search and `k` pauses its video, unless typed in a text field:
  // the check sites make on the event's target.
  await routeHtml(host, url, `<!doctype html><html><head><meta charset="utf-8"><title>host</title></head><body>
<input id="site-search"><script>
window.fired = [];
for (const type of ['keydown', 'keyup', 'keypress']) {
  document.addEventListener(type, (e) => {
    const t = e.target;
    if (t.tagName === 'INPUT' || t.tagName === 'TEXTAREA' || t.isContentEditable) return;
    window.fired.push(type + ' ' + e.key);
  });
}
</script>${embedTag({ 'data-load': 'eager' })}</body></html>`);
  await host.goto(url);
  const bubble = widget(host);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').pressSequentially('k/ok');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'k/ok');
  assert.deepEqual(await host.evaluate(() => window.fired), []);
  // The widget's own keys still work: Enter sends, Escape closes.
  await bubble.locator('.cb-input').press('Enter');
  await host.waitForFunction(
    (want) => Array.from(document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
      .some((e) => e.textContent === want),
    defaultReply('k/ok'),
    { timeout: 15000 },
  );
  await bubble.locator('.cb-input').press('Escape');
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  // Escape's own key-up may land on the launcher, focused as the panel closes: no text field.
  await host.evaluate(() => { window.fired = []; });
  // Keys on the page itself reach it as before.
  await host.locator('body').press('k');
  assert.deepEqual(await host.evaluate(() => window.fired), ['keydown k', 'keypress k', 'keyup k']);
  assert.deepEqual(problems, []);
  await context.close();
});
