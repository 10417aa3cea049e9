// The site owner's and integrator's surface: data-load, the JS API (queued before the wasm is
// ready), events, several instances, destroy, the unread badge, New conversation, the MaiAgent alias.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { brotliCompressSync, brotliDecompressSync, gunzipSync, constants } from 'node:zlib';
import {
  serverAndBrowser, ROOT, openPage, routeHtml, embedTag, widget, defaultReply, mockSwitches, messageRows, waitForReply,
} from './harness.mjs';

const env = serverAndBrowser();

let pages = 0;
/** Serves a host page whose body is `body` and opens it; returns the page's widget requests. */
async function host(page, body, head = '') {
  const url = `${env.server.url}api-host-${pages++}.html`;
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>host</title>${head}</head>
<body><p id="content">Host page</p>${body}</body></html>`);
  const widgetRequests = [];
  page.on('request', (r) => {
    if (/chat-bubble-widget(_bg)?\.[0-9a-f]+\.(wasm|js)$/.test(r.url())) widgetRequests.push(r.url());
  });
  await page.goto(url);
  return widgetRequests;
}

/** Records every chat-bubble event of `api` (an expression in the page) into window.__events. */
function recordEvents(page, api = 'window.ChatBubble') {
  return page.evaluate((api) => {
    window.__events = window.__events || [];
    const target = eval(api);
    for (const name of ['ready', 'open', 'close', 'message', 'reply', 'error']) {
      target.on(name, (detail) => window.__events.push(detail ? [name, detail.text ?? detail.message] : [name]));
    }
  }, api);
}

const events = (page) => page.evaluate(() => window.__events);
const waitForEvent = (page, name) =>
  page.waitForFunction((name) => (window.__events || []).some((e) => e[0] === name), name, { timeout: 15000 });

test('the loader as built is at most 2 KB brotli (2000 B) and loads versioned files', () => {
  const built = readFileSync(join(ROOT, process.env.CHAT_BUBBLE_DIST || 'dist', 'chat-bubble.js'));
  const size = brotliCompressSync(built, { params: { [constants.BROTLI_PARAM_QUALITY]: 11 } }).length;
  assert.ok(size <= 2000, `loader is ${size} bytes brotli (budget 2 KB = 2000 B, as in bench/size.mjs)`);
  const names = built.toString().match(/chat-bubble[-\w]*\.[0-9a-f]{10}\.(js|wasm|css)/g);
  assert.deepEqual(new Set(names.map((n) => n.split('.').pop())), new Set(['js', 'wasm', 'css']));
  assert.equal(new Set(names.map((n) => n.split('.')[1])).size, 1, `one version for all: ${names}`);
});

test('the built glue and wasm know each other by short names, and the demo page by true integrity hashes', () => {
  const dir = join(ROOT, process.env.CHAT_BUBBLE_DIST || 'dist');
  const files = readdirSync(dir);
  const read = (pattern) => readFileSync(join(dir, files.find((f) => pattern.test(f))));
  const glue = read(/^chat-bubble-widget\.[0-9a-f]+\.js$/).toString();
  const wasm = read(/^chat-bubble-widget_bg\.[0-9a-f]+\.wasm$/);
  // wasm-bindgen's names end in a 16-hex-digit hash; the build shortens them in both files.
  for (const [name, text] of [['glue', glue], ['wasm', wasm.toString('latin1')]]) {
    const hashed = text.match(/\w+_[0-9a-f]{16}\b/g) || [];
    assert.deepEqual(hashed, [], `${name} still names ${hashed.slice(0, 3)}`);
  }
  const long = wasm.toString('latin1').match(/__wbg_\w+|__wbindgen_\w+/g) || [];
  assert.deepEqual(long, [], `the wasm still names ${long.slice(0, 3)}`);
  assert.ok(!wasm.includes('chat-bubble-widget_bg.js'), 'imports come from module "a"');
  const html = readFileSync(join(dir, 'index.html'), 'utf8');
  const hashes = [...html.matchAll(/href="\.\/([^"]+)"[^>]*?integrity="sha384-([^"]+)"/g)];
  assert.ok(hashes.length >= 2, 'the demo page preloads the glue and the wasm');
  for (const [, file, hash] of hashes) {
    assert.equal(createHash('sha384').update(readFileSync(join(dir, file))).digest('base64'), hash, file);
  }
});

test('every js, wasm, css and html file the build writes has a brotli and a gzip copy of its bytes beside it', () => {
  const dir = join(ROOT, process.env.CHAT_BUBBLE_DIST || 'dist');
  const files = readdirSync(dir);
  const served = files.filter((f) => /\.(js|wasm|css|html)$/.test(f));
  assert.ok(served.some((f) => f.endsWith('.wasm')), `no wasm in ${files}`);
  for (const name of served) {
    const plain = readFileSync(join(dir, name));
    for (const [ext, decompress] of [['br', brotliDecompressSync], ['gz', gunzipSync]]) {
      assert.ok(files.includes(`${name}.${ext}`), `no ${name}.${ext}`);
      assert.ok(decompress(readFileSync(join(dir, `${name}.${ext}`))).equals(plain), `${name}.${ext} is not ${name}`);
    }
  }
});

test('a page load fetches the loader, the glue, the wasm and the CSS brotli-compressed', async (t) => {
  const { context, page, problems } = await openPage(env.browser);
  const widgetFile = /^\/chat-bubble[-\w]*(\.[0-9a-f]+)?\.(js|wasm|css)$/;
  const encodings = {};
  page.on('response', (r) => {
    const path = new URL(r.url()).pathname;
    if (widgetFile.test(path)) encodings[path] = r.headers()['content-encoding'];
  });
  await host(page, embedTag({ 'data-load': 'eager' }));
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-panel'));
  const sizes = await page.evaluate(
    (source) => performance.getEntriesByType('resource')
      .map((e) => [new URL(e.name).pathname, e.encodedBodySize, e.decodedBodySize])
      .filter(([path]) => new RegExp(source).test(path)),
    widgetFile.source,
  );
  t.diagnostic(`bytes on the wire / decoded: ${JSON.stringify(sizes)}`);
  assert.deepEqual(new Set(sizes.map(([path]) => path.split('.').pop())), new Set(['js', 'wasm', 'css']), JSON.stringify(sizes));
  for (const [path, encoded, decoded] of sizes) {
    assert.equal(encodings[path], 'br', path);
    assert.ok(encoded < decoded, `${path}: ${encoded} B on the wire for ${decoded} B`);
  }
  const [, wasmEncoded, wasmDecoded] = sizes.find(([path]) => path.endsWith('.wasm'));
  assert.ok(wasmEncoded < wasmDecoded / 2, `the wasm: ${wasmEncoded} B on the wire for ${wasmDecoded} B`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('data-load: interaction waits for the launcher, eager loads at once, an unknown value warns and idles', async () => {
  const interaction = await openPage(env.browser);
  const requested = await host(interaction.page, embedTag({ 'data-load': 'interaction' }));
  const bubble = widget(interaction.page);
  await bubble.locator('.cb-launcher').waitFor();
  // API calls that do not open the panel do not load it either.
  await interaction.page.evaluate(() => {
    ChatBubble.on('ready', () => {});
    ChatBubble.close();
    window.__openBefore = ChatBubble.isOpen();
  });
  await interaction.page.waitForTimeout(1500);
  assert.deepEqual(requested, [], 'nothing requested before an interaction');
  assert.equal(await interaction.page.evaluate(() => window.__openBefore), false);
  await bubble.locator('.cb-launcher').hover();
  await interaction.page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-panel'));
  assert.equal(requested.length, 2, JSON.stringify(requested));
  assert.equal(await bubble.locator('.cb-panel').isVisible(), false, 'hovering loads but does not open');
  assert.deepEqual(interaction.problems, []);
  await interaction.context.close();

  const eager = await openPage(env.browser);
  const eagerRequested = await host(eager.page, embedTag({ 'data-load': 'eager' }));
  await eager.page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-panel'));
  assert.equal(eagerRequested.length, 2);
  assert.deepEqual(eager.problems, []);
  await eager.context.close();

  const unknown = await openPage(env.browser);
  const warnings = [];
  unknown.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await host(unknown.page, embedTag({ 'data-load': 'soon' }));
  await unknown.page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-panel'));
  assert.ok(warnings.some((w) => w.includes('data-load "soon"')), JSON.stringify(warnings));
  assert.deepEqual(unknown.problems, []);
  await unknown.context.close();
});

test('calls made before the wasm loaded are replayed in order', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const requested = await host(page, embedTag({ 'data-load': 'interaction', 'data-web-chat-id': 'api-queue' }));
  await widget(page).locator('.cb-launcher').waitFor();
  await recordEvents(page);
  const before = await page.evaluate(() => {
    const seen = [ChatBubble.isOpen()];
    ChatBubble.open();
    ChatBubble.close();
    seen.push(ChatBubble.isOpen());
    ChatBubble.open();
    seen.push(ChatBubble.isOpen());
    ChatBubble.send('queued');
    return seen;
  });
  assert.deepEqual(before, [false, false, true], 'isOpen follows the queued calls');
  await waitForEvent(page, 'reply');
  assert.deepEqual(await events(page), [
    ['ready'],
    ['open'],
    ['close'],
    ['open'],
    ['message', 'queued'],
    ['reply', defaultReply('queued')],
  ]);
  assert.equal(requested.length, 2);
  assert.equal(await widget(page).locator('.cb-panel').isVisible(), true);
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'queued', ''],
    ['assistant', defaultReply('queued'), ''],
  ]);
  assert.equal(await page.evaluate(() => ChatBubble.isOpen()), true);
  assert.deepEqual(problems, []);
  await context.close();
});

test('data-open: the page hears ready before open, and its own close() made before the wasm loaded stands', async () => {
  for (const [name, early, open, heard] of [
    ['left alone', '', true, ['chatbubble:ready', 'chatbubble:open']],
    ['closed early', 'ChatBubble.close();', false, ['chatbubble:ready']],
  ]) {
    const { context, page, problems } = await openPage(env.browser);
    await page.addInitScript(() => {
      window.__dom = [];
      for (const type of ['ready', 'open', 'close']) document.addEventListener(`chatbubble:${type}`, (e) => window.__dom.push(e.type));
    });
    await host(page, embedTag({ 'data-load': 'eager', 'data-open': 'true', 'data-web-chat-id': 'api-open-on-load' })
      + (early ? `<script>${early}</script>` : ''));
    await page.waitForFunction(() => window.__dom.includes('chatbubble:ready'));
    // Whatever data-open does, it has done by the next task.
    await page.evaluate(() => new Promise((resolve) => setTimeout(resolve, 100)));
    assert.deepEqual(await page.evaluate(() => window.__dom), heard, name);
    assert.equal(await widget(page).locator('.cb-panel').isVisible(), open, name);
    assert.equal(await page.evaluate(() => ChatBubble.isOpen()), open, name);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('events reach on() listeners and the page as chatbubble:* DOM events; off() stops a listener', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [401] });
  // Listen before the page loads: with data-load="eager", `ready` can come at once.
  await page.addInitScript(() => {
    window.__dom = [];
    window.__callbacks = [];
    for (const name of ['ready', 'open', 'close', 'message', 'reply', 'error']) {
      document.addEventListener(`chatbubble:${name}`, (e) => {
        window.__dom.push([e.type, e.target.tagName, e.composed && e.bubbles]);
      });
    }
  });
  await host(page, embedTag({ 'data-load': 'eager', 'data-web-chat-id': 'api-events' }));
  await page.evaluate(() => {
    window.__off = ChatBubble.on('open', () => window.__callbacks.push('open'));
  });
  await page.waitForFunction(() => window.__dom.some((e) => e[0] === 'chatbubble:ready'));
  await page.evaluate(() => ChatBubble.open());
  await page.waitForFunction(() => window.__callbacks.length === 1);
  await page.evaluate(() => {
    window.__off();
    ChatBubble.close();
    ChatBubble.open();
  });
  await recordEvents(page);
  await mockSwitches(page, { fault: '401' });
  await page.evaluate(() => ChatBubble.send('denied'));
  await waitForEvent(page, 'error');
  assert.deepEqual(await page.evaluate(() => window.__callbacks), ['open'], 'off() stopped the listener');
  const dom = await page.evaluate(() => window.__dom);
  assert.deepEqual(dom.map((e) => e[0]), [
    'chatbubble:ready', 'chatbubble:open', 'chatbubble:close', 'chatbubble:open', 'chatbubble:message', 'chatbubble:error',
  ]);
  assert.ok(dom.every((e) => e[1] === 'CHAT-BUBBLE' && e[2]), 'dispatched on the host, bubbling and composed');
  const [message, error] = await events(page);
  assert.deepEqual(message, ['message', 'denied']);
  assert.equal(error[0], 'error');
  assert.match(error[1], /site owner/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a page\'s wrong arguments are said in the console, never sent as the visitor\'s words nor thrown at every event', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await host(page, embedTag({ 'data-web-chat-id': 'api-arguments' }));
  const wrong = () => page.evaluate(() => {
    ChatBubble.send();
    ChatBubble.send(null);
    ChatBubble.send({ text: 'hi' });
    ChatBubble.send(42);
    const off = ChatBubble.on('reply', 'not a function');
    off();
  });
  // Before the widget loaded (the calls would be queued), then once it is there.
  await wrong();
  assert.equal(await page.evaluate(() => ChatBubble.isOpen()), false, 'nothing opened the panel');
  await page.evaluate(() => ChatBubble.open());
  await widget(page).locator('.cb-input').waitFor();
  await wrong();
  // A string with no words: nothing to send, and the page's developer is told.
  await page.evaluate(() => {
    ChatBubble.send('');
    ChatBubble.send(' \n ');
  });
  await recordEvents(page);
  await page.evaluate(() => ChatBubble.send('a real question'));
  await waitForEvent(page, 'reply');
  const asked = (await messageRows(page)).filter(([who]) => who === 'visitor').map(([, text]) => text);
  assert.deepEqual(asked, ['a real question']);
  assert.equal(warnings.filter((w) => w === 'chat-bubble: send() was given no words; nothing was sent').length, 2);
  assert.equal(warnings.filter((w) => w === 'chat-bubble: send() takes the message as a string').length, 8);
  assert.equal(warnings.filter((w) => w === 'chat-bubble: on() takes a function').length, 2);
  assert.deepEqual(problems, [], 'no error thrown at the reply event');
  await context.close();
});

test('two instances on one page work independently', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await host(
    page,
    embedTag({ 'data-web-chat-id': 'api-first', 'data-title': 'First', 'data-load': 'eager' }) +
      embedTag({ 'data-web-chat-id': 'api-second', 'data-title': 'Second', 'data-load': 'eager' }),
  );
  const hosts = page.locator('chat-bubble');
  await page.waitForFunction(() => document.querySelectorAll('chat-bubble').length === 2);
  const layout = await page.evaluate(() => {
    const [a, b] = document.querySelectorAll('chat-bubble');
    return {
      own: a.chatBubble !== b.chatBubble,
      instances: ChatBubble.instances.length === 2 && ChatBubble.instances[0] === a.chatBubble && ChatBubble.instances[1] === b.chatBubble,
    };
  });
  assert.deepEqual(layout, { own: true, instances: true });
  await page.waitForFunction(() =>
    Array.from(document.querySelectorAll('chat-bubble')).every((h) => h.shadowRoot.querySelector('.cb-panel')),
  );
  await page.evaluate(() => {
    window.__second = [];
    document.querySelectorAll('chat-bubble')[1].chatBubble.on('reply', (d) => window.__second.push(d.text));
    document.querySelectorAll('chat-bubble')[1].chatBubble.send('to the second');
  });
  await page.waitForFunction(() => window.__second.length === 1, null, { timeout: 15000 });
  const state = await page.evaluate(() => {
    const [a, b] = document.querySelectorAll('chat-bubble');
    const rows = (h) => Array.from(h.shadowRoot.querySelectorAll('.cb-message .cb-text')).map((e) => e.textContent);
    return {
      first: rows(a), second: rows(b), firstOpen: a.chatBubble.isOpen(), secondOpen: b.chatBubble.isOpen(),
      keys: Object.keys(localStorage).filter((k) => k.endsWith(':conversation')).sort(),
    };
  });
  assert.deepEqual(state, {
    first: [], second: ['to the second', defaultReply('to the second')], firstOpen: false, secondOpen: true,
    keys: ['chat-bubble:api-second:conversation'],
  });
  // window.ChatBubble drives the first instance.
  await page.evaluate(() => ChatBubble.open());
  assert.equal(await hosts.nth(0).locator('.cb-panel').isVisible(), true);
  assert.equal(await hosts.nth(0).locator('.cb-title').textContent(), 'First');
  assert.deepEqual(problems, []);
  await context.close();
});

test('destroy() stops a reply in flight and leaves the page as it was', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await host(page, '<div id="app"><a href="#x">link</a></div>');
  await mockSwitches(page, { length: 400, delay: 20 });
  const stats = async () => (await (await fetch(`${env.server.url}__mock/stats`)).json()).streamsAborted;
  const abortedBefore = await stats();
  const before = await page.evaluate(() => {
    const snapshot = { html: document.body.innerHTML, elements: document.querySelectorAll('*').length, head: document.head.innerHTML };
    const script = document.createElement('script');
    script.src = '/chat-bubble.js';
    for (const [k, v] of Object.entries({
      'data-web-chat-id': 'api-destroy', 'data-chatbot-id': 'e2e-bot', 'data-api-base': '/api/v1/', 'data-load': 'eager',
    })) script.setAttribute(k, v);
    script.id = 'embed';
    document.body.append(script);
    return snapshot;
  });
  await page.waitForFunction(() => window.ChatBubble);
  await recordEvents(page);
  await page.evaluate(() => ChatBubble.send('long one'));
  await page.waitForFunction(
    () => (document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-assistant .cb-text')?.textContent.length ?? 0) > 20,
  );
  const after = await page.evaluate(() => {
    const api = document.querySelector('chat-bubble').chatBubble;
    ChatBubble.destroy();
    api.open(); // a no-op now
    document.getElementById('embed').remove();
    return {
      html: document.body.innerHTML,
      elements: document.querySelectorAll('*').length,
      head: document.head.innerHTML,
      hosts: document.querySelectorAll('chat-bubble').length,
      globals: [typeof window.ChatBubble, typeof window.MaiAgent, typeof window[Symbol.for('chat-bubble')]],
      isOpen: api.isOpen(),
    };
  });
  assert.deepEqual(after, { ...before, hosts: 0, globals: ['undefined', 'undefined', 'undefined'], isOpen: false });
  for (let i = 0; i < 50 && (await stats()) === abortedBefore; i++) await page.waitForTimeout(100);
  assert.equal(await stats(), abortedBefore + 1, 'the reply in flight was aborted');
  await page.waitForTimeout(500);
  const names = (await events(page)).map((e) => e[0]);
  assert.ok(!names.includes('reply') && !names.includes('close'), `no events after destroy: ${names}`);
  // Leaving the page no longer reaches the widget that is gone.
  await page.evaluate(() => window.dispatchEvent(new PageTransitionEvent('pagehide')));
  assert.deepEqual(problems, []);
  await context.close();
});

test('destroy() right after the panel first opens, while the open is still being handled, leaves no error', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await host(page, '<p>page</p>');
  await page.evaluate(() => {
    const script = document.createElement('script');
    script.src = '/chat-bubble.js';
    for (const [k, v] of Object.entries({
      'data-web-chat-id': 'api-destroy-open', 'data-chatbot-id': 'e2e-bot', 'data-api-base': '/api/v1/', 'data-load': 'eager',
    })) script.setAttribute(k, v);
    document.body.append(script);
  });
  await page.waitForFunction(() => window.ChatBubble);
  await page.waitForFunction(() => document.querySelector('chat-bubble')?.shadowRoot.querySelector('.cb-launcher'));
  await page.evaluate(() => {
    ChatBubble.open();
    ChatBubble.destroy();
  });
  // Effects and tasks the open started run after it: give them time to run into a disposed widget.
  await page.waitForTimeout(1000);
  assert.equal(await page.evaluate(() => document.querySelectorAll('chat-bubble').length), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply that arrives while the panel is closed shows an unread badge until it opens', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await host(page, embedTag({ 'data-load': 'eager', 'data-web-chat-id': 'api-unread' }));
  await recordEvents(page);
  await mockSwitches(page, { delay: 20 });
  await page.evaluate(() => {
    ChatBubble.send('while away');
    ChatBubble.close();
  });
  const launcher = widget(page).locator('.cb-launcher');
  await waitForEvent(page, 'reply');
  await widget(page).locator('.cb-badge').waitFor();
  assert.equal(await widget(page).locator('.cb-badge').textContent(), '1');
  assert.equal(await launcher.getAttribute('aria-label'), 'Open chat, 1 unread');
  await launcher.click();
  await widget(page).locator('.cb-badge').waitFor({ state: 'detached' });
  assert.equal(await launcher.getAttribute('aria-label'), 'Close chat');
  assert.deepEqual(problems, []);
  await context.close();
});

test('New conversation empties the list and the next message starts a new conversation', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await host(page, embedTag({ 'data-load': 'eager', 'data-web-chat-id': 'api-new' }));
  await recordEvents(page);
  const key = 'chat-bubble:api-new:conversation';
  await page.evaluate(() => ChatBubble.send('first'));
  await waitForReply(page, defaultReply('first'));
  const first = await page.evaluate((key) => localStorage.getItem(key), key);
  assert.ok(first);
  await widget(page).getByRole('button', { name: 'New conversation' }).click();
  // It asks first: the conversation is still there until the visitor confirms.
  assert.equal((await messageRows(page)).length, 2);
  await widget(page).getByRole('button', { name: 'Start new' }).click();
  assert.deepEqual(await messageRows(page), []);
  assert.equal(await page.evaluate((key) => localStorage.getItem(key), key), null);
  await widget(page).locator('.cb-input').fill('second');
  await widget(page).locator('.cb-input').press('Enter');
  await waitForReply(page, defaultReply('second'));
  const second = await page.evaluate((key) => localStorage.getItem(key), key);
  assert.ok(second && second !== first, `${first} then ${second}`);
  assert.deepEqual(await messageRows(page), [
    ['visitor', 'second', ''],
    ['assistant', defaultReply('second'), ''],
  ]);
  // clearHistory() also forgets the draft; after a reload nothing comes back.
  await widget(page).locator('.cb-input').fill('half typed');
  await page.evaluate(() => ChatBubble.clearHistory());
  assert.equal(await widget(page).locator('.cb-input').inputValue(), '');
  assert.deepEqual(
    await page.evaluate(() => Object.keys(localStorage).filter((k) => k.startsWith('chat-bubble:api-new:'))),
    [],
  );
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await widget(page).locator('.cb-input').waitFor();
  await page.waitForTimeout(300);
  assert.deepEqual(await messageRows(page), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the MaiAgent-shaped alias drives the widget, and a taken global is left alone', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await host(page, embedTag({ 'data-web-chat-id': 'api-maiagent' }));
  await page.waitForFunction(() => window.MaiAgent);
  await page.evaluate(() => {
    window.__replies = [];
    MaiAgent.events.on('messageReply', (d) => window.__replies.push(d.text));
    MaiAgent.control.open();
  });
  await widget(page).locator('.cb-panel').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => MaiAgent.control.isOpen()), true);
  await page.evaluate(() => MaiAgent.chat.send('via alias'));
  await page.waitForFunction(() => window.__replies.length === 1, null, { timeout: 15000 });
  assert.deepEqual(await page.evaluate(() => window.__replies), [defaultReply('via alias')]);
  await page.evaluate(() => MaiAgent.control.close());
  assert.equal(await widget(page).locator('.cb-panel').isVisible(), false);
  assert.deepEqual(problems, []);
  await context.close();

  const taken = await openPage(env.browser);
  const warnings = [];
  taken.page.on('console', (m) => m.type() === 'warning' && warnings.push(m.text()));
  await host(
    taken.page,
    embedTag({ 'data-web-chat-id': 'api-taken', 'data-load': 'eager' }),
    '<script>window.MaiAgent = { mine: true }; window.ChatBubble = { mine: true };</script>',
  );
  await taken.page.waitForFunction(() => document.querySelector('chat-bubble')?.chatBubble);
  await taken.page.evaluate(() => document.querySelector('chat-bubble').chatBubble.open());
  await widget(taken.page).locator('.cb-panel').waitFor({ state: 'visible' });
  assert.deepEqual(await taken.page.evaluate(() => [window.MaiAgent.mine, window.ChatBubble.mine]), [true, true]);
  assert.ok(warnings.some((w) => w.includes('window.MaiAgent')), JSON.stringify(warnings));
  assert.ok(warnings.some((w) => w.includes('window.ChatBubble')), JSON.stringify(warnings));
  assert.deepEqual(taken.problems, []);
  await taken.context.close();
});

test('SPA navigation neither duplicates nor loses the widget', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await host(page, embedTag({ 'data-web-chat-id': 'api-spa', 'data-load': 'eager' }));
  await page.waitForFunction(() => document.querySelector('chat-bubble')?.shadowRoot.querySelector('.cb-panel'));
  await page.evaluate(() => ChatBubble.send('before navigating'));
  await waitForReply(page, defaultReply('before navigating'));
  await page.evaluate(async () => {
    history.pushState({}, '', '/spa/next');
    document.getElementById('content').textContent = 'Next page';
    // A router that swaps <body> and re-runs the embed script it finds there.
    const body = document.createElement('body');
    body.innerHTML = '<p id="content">Third page</p>';
    const old = document.querySelector('script[data-web-chat-id="api-spa"]');
    const again = document.createElement('script');
    for (const a of old.attributes) again.setAttribute(a.name, a.value);
    body.append(again);
    document.body.replaceWith(body);
    history.pushState({}, '', '/spa/third');
    await new Promise((r) => setTimeout(r, 500));
  });
  assert.equal(await page.locator('chat-bubble').count(), 1);
  assert.deepEqual((await messageRows(page)).map((r) => r[1]), ['before navigating', defaultReply('before navigating')]);
  assert.equal(await page.evaluate(() => ChatBubble.instances.length), 1);
  // The same embed with a version in its URL (a site's cache-busting), added by another part of
  // the page: still the one widget.
  await page.evaluate(async () => {
    const old = document.querySelector('script[data-web-chat-id="api-spa"]');
    const versioned = document.createElement('script');
    for (const a of old.attributes) versioned.setAttribute(a.name, a.value);
    versioned.src = '/chat-bubble.js?ver=6.4';
    document.body.append(versioned);
    await new Promise((r) => { versioned.onload = r; });
  });
  assert.equal(await page.locator('chat-bubble').count(), 1);
  assert.equal(await page.evaluate(() => ChatBubble.instances.length), 1);
  assert.deepEqual(problems, []);
  await context.close();
});
