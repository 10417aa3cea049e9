// Two tabs of one site are one chat: a conversation started, begun anew or added to in one tab
// shows in the other, and the other's next message goes to it. What the other tab holds of its
// own (the words typed, the files attached, a reply still streaming) is not lost.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, anotherTab, hostPage, widget, send, defaultReply, waitForReply, messageRows,
  mockSwitches, api, historyReads, routeHtml,
} from './harness.mjs';

const env = serverAndBrowser();

const CONVERSATION_KEY = 'chat-bubble:e2e-web-chat:conversation';
const STARTED = 'Another tab started a new conversation.';
const NEW_MESSAGES = 'New messages from another tab.';

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/**
 * Tab B opened first, its panel open and no conversation yet; then tab A, in the same browser
 * context (one storage, as two tabs of one browser), its panel closed.
 */
async function twoTabs(name, attrs = {}) {
  const { context, page: b, problems } = await openPage(env.browser);
  await hostPage(b, env.server, name, attrs);
  await widget(b).locator('.cb-launcher').click();
  await widget(b).locator('.cb-input').waitFor();
  const a = await anotherTab(context, problems);
  await hostPage(a, env.server, name, attrs);
  // The widget's own launcher (the panel comes with it): a press that began on the loader's
  // bubble and ended on the widget's, which takes its place, would be no click at all.
  await widget(a).locator('.cb-panel').waitFor({ state: 'attached' });
  const created = [];
  for (const page of [a, b]) {
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/conversations\/$/.test(new URL(r.url()).pathname)) created.push(r.url());
    });
  }
  return { context, a, b, problems, created };
}

/**
 * Sends `text` in `page` and waits for its whole reply there, and for the exchange's end (Send
 * is back): the other tab is told then.
 */
async function exchange(page, text) {
  await send(page, text);
  await waitForReply(page, defaultReply(text));
  await widget(page).locator('.cb-send:not(.cb-stop)').waitFor();
}

/**
 * Tab A, which starts a conversation with one exchange, and then tab B, opened on it (its panel
 * open), in the same browser context.
 */
async function inOneConversation(name, attrs = {}) {
  const { context, page: a, problems } = await openPage(env.browser);
  await hostPage(a, env.server, name, attrs);
  await exchange(a, 'the old topic');
  const b = await anotherTab(context, problems);
  await hostPage(b, env.server, name, attrs);
  await widget(b).locator('.cb-launcher').click();
  await untilShows(b, shown('the old topic'));
  return { context, a, b, problems, old: await storedConversation(a) };
}

/** The conversation the browser keeps (both tabs read the same storage). */
async function storedConversation(page) {
  return page.evaluate((key) => JSON.parse(localStorage.getItem(key)), CONVERSATION_KEY);
}

/** What the backend holds of `conversation`, oldest first, as [type, content, file names]. */
async function backendHistory(conversation) {
  const page = await api(env.server, `messages/?conversation=${conversation.id}&pageSize=100`, undefined, conversation.visitorToken);
  return page.results
    .sort((x, y) => Number(x.createdAt) - Number(y.createdAt))
    .map((m) => [m.type, m.content, (m.attachments || []).map((f) => f.filename)]);
}

/** An exchange as the backend holds it. */
function stored(text) {
  return [['incoming', text, []], ['outgoing', defaultReply(text), []]];
}

/** An exchange as the message list shows it. */
function shown(text) {
  return [['visitor', text, ''], ['assistant', defaultReply(text), '']];
}

/** Waits until `page` shows no message rows. */
function untilEmpty(page) {
  return page.waitForFunction(
    () => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message:not(.cb-greeting)').length === 0,
    null,
    { timeout: 15000 },
  );
}

/**
 * Records every text put in the widget's live regions, in order, as a screen reader hears it
 * (the same words again in a region are not heard again). Returns how many were said so far,
 * for `untilSaid`.
 */
async function recordSaid(page) {
  return page.evaluate(() => {
    if (window.__said) return window.__said.length;
    const root = document.querySelector('chat-bubble').shadowRoot;
    window.__said = [];
    const last = new WeakMap();
    const live = '[aria-live="polite"], [aria-live="assertive"], [role="status"], [role="alert"]';
    new MutationObserver(() => {
      for (const region of root.querySelectorAll(live)) {
        const text = region.textContent.trim();
        if (text && last.get(region) !== text) window.__said.push(text);
        last.set(region, text);
      }
    }).observe(root, { subtree: true, childList: true, characterData: true });
    return 0;
  });
}

/** Waits until the page's live regions say `text`, after the `since` first things said. */
function untilSaid(page, text, since) {
  return page.waitForFunction(({ text, since }) => window.__said.slice(since).includes(text), { text, since }, { timeout: 15000 });
}

/** Waits until the message list of `page` shows `rows` (as `messageRows` gives them). */
async function untilShows(page, rows) {
  const deadline = Date.now() + 15000;
  let seen;
  do {
    seen = await messageRows(page);
    if (JSON.stringify(seen) === JSON.stringify(rows)) return;
    await page.waitForTimeout(50);
  } while (Date.now() < deadline);
  assert.deepEqual(seen, rows);
}

test('a conversation started in one tab shows in the other, whose next message goes to it', async () => {
  const { context, a, b, problems, created } = await twoTabs('tabs-start.html');
  const before = await recordSaid(b);

  await exchange(a, 'from tab A');
  await untilSaid(b, NEW_MESSAGES, before);
  await untilShows(b, shown('from tab A'));

  // B's message goes to the same conversation, and A shows it with its reply.
  const beforeA = await recordSaid(a);
  await exchange(b, 'from tab B');
  await untilSaid(a, NEW_MESSAGES, beforeA);
  const both = [...shown('from tab A'), ...shown('from tab B')];
  await untilShows(a, both);
  assert.deepEqual(await messageRows(b), both);
  assert.equal(created.length, 1, 'one conversation for both tabs');
  assert.deepEqual(await backendHistory(await storedConversation(b)), [...stored('from tab A'), ...stored('from tab B')]);

  // Following is said in a short status; the messages read again are not read out.
  const said = await b.evaluate(() => window.__said);
  assert.deepEqual(said.filter((text) => text.includes('from tab A')), [], `the history followed is not said: ${JSON.stringify(said)}`);
  assert.deepEqual(problems, []);
  await context.close();
});

// The contact step (data-ask-contact) is asked once for the site: answered in one tab, it leaves
// the other, which goes on in the conversation begun with the details.
test('the contact step answered in one tab leaves the other, whose next message goes to the same conversation', async () => {
  const attrs = { 'data-ask-contact': 'true' };
  const { context, page: b, problems } = await openPage(env.browser);
  await hostPage(b, env.server, 'tabs-contact.html', attrs);
  await widget(b).locator('.cb-launcher').click();
  await widget(b).locator('.cb-contact-name').fill('Ad');
  const a = await anotherTab(context, problems);
  await hostPage(a, env.server, 'tabs-contact.html', attrs);
  const bodies = [];
  for (const page of [a, b]) {
    page.on('request', (r) => {
      if (r.method() === 'POST' && /\/conversations\/$/.test(new URL(r.url()).pathname)) bodies.push(r.postDataJSON());
    });
  }
  await widget(a).locator('.cb-launcher').click();
  await widget(a).locator('.cb-contact-name').fill('Ada Lovelace');
  await widget(a).locator('.cb-contact-reach').fill('ada@example.com');
  await widget(a).locator('.cb-contact-start').click();
  await exchange(a, 'from tab A');

  await widget(b).locator('.cb-contact').waitFor({ state: 'detached' });
  await widget(b).locator('.cb-composer').waitFor();
  // Focus that was in the form stays in the chat, on the panel: no keyboard raised unasked.
  assert.equal(await b.evaluate(() => document.querySelector('chat-bubble').shadowRoot.activeElement?.className), 'cb-panel');
  await untilShows(b, shown('from tab A'));
  await exchange(b, 'from tab B');
  assert.deepEqual(bodies.map((body) => body.contact), [{ name: 'Ada Lovelace', email: 'ada@example.com' }], 'one conversation, begun with the details');
  assert.deepEqual(await backendHistory(await storedConversation(b)), [...stored('from tab A'), ...stored('from tab B')]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a new conversation begun in one tab is followed by the other', async () => {
  const { context, a, b, problems, old } = await inOneConversation('tabs-new.html');

  const before = await recordSaid(b);
  await widget(a).locator('.cb-new').click();
  await widget(a).locator('.cb-confirm-yes').click();
  await untilSaid(b, STARTED, before);
  await untilShows(b, []);

  // B's next message starts the new conversation, which A shows.
  const beforeA = await recordSaid(a);
  await exchange(b, 'a fresh start');
  await untilSaid(a, NEW_MESSAGES, beforeA);
  await untilShows(a, shown('a fresh start'));
  assert.deepEqual(await messageRows(b), shown('a fresh start'));
  const fresh = await storedConversation(b);
  assert.notEqual(fresh.id, old.id);
  assert.deepEqual(await backendHistory(fresh), stored('a fresh start'));
  assert.deepEqual(await backendHistory(old), stored('the old topic'), 'the old conversation got nothing more');
  assert.deepEqual(problems, []);
  await context.close();
});

test('words typed and a file attached in one tab stay there when it follows the other', async () => {
  const { context, a, b, problems } = await inOneConversation('tabs-typed.html', { 'data-attachments': 'images' });

  const bubble = widget(b);
  await bubble.locator('.cb-input').fill('half a thought');
  const [chooser] = await Promise.all([
    b.waitForEvent('filechooser'),
    bubble.getByRole('button', { name: 'Attach an image' }).click(),
  ]);
  await chooser.setFiles({ name: 'note.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();

  const before = await recordSaid(b);
  await widget(a).locator('.cb-new').click();
  await widget(a).locator('.cb-confirm-yes').click();
  await exchange(a, 'a new topic');
  await untilSaid(b, NEW_MESSAGES, before);
  await untilShows(b, shown('a new topic'));
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'half a thought', 'the words typed stay');
  assert.equal(await bubble.locator('.cb-chip-name').textContent(), 'note.png', 'the file attached stays');

  // Sent, they go to the conversation shown, the file with them.
  await bubble.locator('.cb-input').press('Enter');
  await b.waitForFunction(
    () => Array.from(document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
      .some((e) => e.textContent.includes('I see 1 image: note.png')),
    null,
    { timeout: 15000 },
  );
  const history = await backendHistory(await storedConversation(b));
  assert.deepEqual(history.slice(0, 2), stored('a new topic'));
  assert.deepEqual(history[2], ['incoming', 'half a thought', ['note.png']]);
  assert.equal(history.length, 4);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply streaming in one tab finishes before that tab follows a new conversation begun in the other', async () => {
  const { context, a, b, problems, old } = await inOneConversation('tabs-streaming.html');

  // Every text B's newest reply shows, from inside the page.
  await b.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    window.__replyTexts = [];
    new MutationObserver(() => {
      const replies = root.querySelectorAll('.cb-assistant .cb-text');
      const text = replies.length ? replies[replies.length - 1].textContent : '';
      if (text && window.__replyTexts.at(-1) !== text) window.__replyTexts.push(text);
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
  // A slow reply in B: 19 pieces, 300 ms apart.
  await mockSwitches(b, { delay: 300 });
  await send(b, 'a slow one');
  await widget(b).locator('.cb-assistant.cb-streaming .cb-text:not(:empty)').waitFor();

  const before = await recordSaid(b);
  await widget(a).locator('.cb-new').click();
  await widget(a).locator('.cb-confirm-yes').click();
  await exchange(a, 'meanwhile');
  assert.equal(await widget(b).locator('.cb-assistant.cb-streaming').count(), 1, 'B\'s reply is still streaming');

  await untilSaid(b, STARTED, before);
  await untilShows(b, shown('meanwhile'));
  const texts = await b.evaluate(() => window.__replyTexts);
  assert.ok(texts.includes(defaultReply('a slow one')), `B's reply showed whole before B followed: ${JSON.stringify(texts.slice(-3))}`);
  assert.deepEqual(await backendHistory(old), [...stored('the old topic'), ...stored('a slow one')]);

  // B's next message goes to the conversation it follows now.
  await mockSwitches(b, null);
  await exchange(b, 'and then');
  assert.deepEqual(await backendHistory(await storedConversation(b)), [...stored('meanwhile'), ...stored('and then')]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('words typed in one tab are that tab\'s own: sending in the other does not take them away, nor does a reload', async () => {
  const { context, a, b, problems } = await twoTabs('tabs-drafts.html');
  await widget(a).locator('.cb-launcher').click();
  await widget(b).locator('.cb-input').fill('half a thought in B');
  await widget(a).locator('.cb-input').fill('sent from A');
  await widget(a).locator('.cb-input').press('Enter');
  await waitForReply(a, defaultReply('sent from A'));
  // A new tab starts with an empty box, not with another tab's words.
  const c = await anotherTab(context, problems);
  await hostPage(c, env.server, 'tabs-drafts.html');
  await widget(c).locator('.cb-panel').waitFor({ state: 'attached' });
  await widget(c).locator('.cb-launcher').click();
  assert.equal(await widget(c).locator('.cb-input').inputValue(), '');
  await b.reload();
  await widget(b).locator('.cb-launcher').click();
  assert.equal(await widget(b).locator('.cb-input').inputValue(), 'half a thought in B');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a tab whose visitor reads further up stays where they read, and follows once they are back at the end', async () => {
  const { context, a, b, problems } = await inOneConversation('tabs-reading.html');
  for (let i = 1; i <= 5; i += 1) await exchange(a, `topic ${i}`);
  const list = widget(b).locator('.cb-messages');
  await untilShows(b, ['the old topic', 'topic 1', 'topic 2', 'topic 3', 'topic 4', 'topic 5'].flatMap(shown));
  // B's visitor scrolls up to read.
  const box = await list.boundingBox();
  await b.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
  await b.mouse.wheel(0, -400);
  await widget(b).locator('.cb-jump:not([hidden])').waitFor();
  await b.waitForTimeout(300);
  const reading = await list.evaluate((l) => l.scrollTop);
  await exchange(a, 'said meanwhile');
  await b.waitForTimeout(1500);
  assert.equal(await list.evaluate((l) => l.scrollTop), reading, 'still where they read');
  // Back at the end: A's exchange shows.
  await widget(b).locator('.cb-jump').click();
  await untilShows(b, ['the old topic', 'topic 1', 'topic 2', 'topic 3', 'topic 4', 'topic 5', 'said meanwhile'].flatMap(shown));
  assert.deepEqual(problems, []);
  await context.close();
});

test('focus on a reply\'s button in a tab stays on it when the other adds an exchange, and in the list when it begins a new conversation', async () => {
  const { context, a, b, problems } = await inOneConversation('tabs-focus.html');
  const copy = widget(b).locator('.cb-assistant .cb-copy-message');
  await copy.focus();
  await copy.evaluate((button) => { button.__focused = true; });
  const focused = () => b.evaluate(() => {
    const active = document.querySelector('chat-bubble').shadowRoot.activeElement;
    if (active?.__focused) return 'the same button';
    return active?.classList.contains('cb-messages') ? 'the list' : (active?.className ?? document.activeElement?.tagName);
  });
  await exchange(a, 'while B had focus');
  await untilShows(b, [...shown('the old topic'), ...shown('while B had focus')]);
  assert.equal(await focused(), 'the same button', 'the row kept, and its button the focus');

  // A new conversation takes the rows away: focus goes to the list, not to the host page.
  await widget(a).locator('.cb-new').click();
  await widget(a).locator('.cb-confirm-yes').click();
  await untilShows(b, []);
  assert.equal(await focused(), 'the list', 'in the list, not on the host page');
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * Marks the message rows `page` shows now from inside the page, and counts every message row
 * taken out of its list from now on: a row built again would have no mark.
 */
function markRows(page) {
  return page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    root.querySelectorAll('.cb-rows .cb-message').forEach((row, i) => { row.__mark = i; });
    window.__rowsTakenOut = 0;
    const rows = (node) => (node.nodeType !== 1 ? 0 : node.matches('.cb-message') ? 1 : node.querySelectorAll('.cb-message').length);
    new MutationObserver((records) => {
      for (const r of records) for (const node of r.removedNodes) window.__rowsTakenOut += rows(node);
    }).observe(root.querySelector('.cb-rows'), { childList: true, subtree: true });
  });
}

/** The marks of the rows `page` shows (null for a row built since `markRows`), and the rows taken out. */
function marks(page) {
  return page.evaluate(() => ({
    marks: [...document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message')].map((row) => row.__mark ?? null),
    takenOut: window.__rowsTakenOut,
  }));
}

test('an exchange added in one tab joins the other\'s list: the rows it showed stay, and the new ones come once, in order', async () => {
  const { context, a, b, problems } = await inOneConversation('tabs-join.html');
  await markRows(b);
  const topics = ['one more', 'two more', 'three more'];
  for (const [i, topic] of topics.entries()) {
    await exchange(a, topic);
    await untilShows(b, ['the old topic', ...topics.slice(0, i + 1)].flatMap(shown));
  }
  // Each exchange built its two rows, once; the rows shown before are the same rows.
  const { marks: kept, takenOut } = await marks(b);
  assert.deepEqual(kept, [0, 1, ...Array(6).fill(null)]);
  assert.equal(takenOut, 0, 'no row taken out');

  // B's own exchange, and then A's again: both tabs show the same conversation.
  await exchange(b, 'from B');
  await exchange(a, 'and from A');
  const all = ['the old topic', ...topics, 'from B', 'and from A'].flatMap(shown);
  await untilShows(b, all);
  await untilShows(a, all);
  assert.deepEqual((await marks(b)).marks.slice(0, 2), [0, 1]);
  assert.equal((await marks(b)).takenOut, 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a message sent in a tab while it reads what another tab added shows once, after it', async () => {
  const { context, a, b, problems } = await inOneConversation('tabs-meanwhile.html');
  // B's history reads are slow: B's visitor sends while one is on its way.
  let slow = true;
  let reading = false;
  await b.route('**/messages/?conversation=**', async (route) => {
    if (slow) {
      reading = true;
      await new Promise((resolve) => { setTimeout(resolve, 1500); });
    }
    await route.continue();
  });
  await exchange(a, 'from A');
  for (const start = Date.now(); !reading; await b.waitForTimeout(20)) {
    assert.ok(Date.now() - start < 10000, 'B reads what A added');
  }
  slow = false;
  await exchange(b, 'from B');
  const all = ['the old topic', 'from A', 'from B'].flatMap(shown);
  await untilShows(b, all);
  await untilShows(a, all);
  await b.waitForTimeout(1500);
  assert.deepEqual(await messageRows(b), all, 'each message once');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a tab that follows another in a long conversation reads only its newest messages', async () => {
  // 150 exchanges: the history is three pages of 100 messages.
  const exchanges = 150;
  const conversation = await api(env.server, 'conversations/', { webChat: 'e2e-web-chat' });
  for (let i = 0; i < exchanges; i++) {
    await api(env.server, 'chatbots/e2e-bot/completions/?mock_delay=0', {
      conversation: conversation.id, message: { content: `question ${i}`, attachments: [] }, isStreaming: false,
    }, conversation.visitorToken);
  }
  const { context, page: a, problems } = await openPage(env.browser);
  await context.addInitScript((stored) => {
    if (!localStorage.getItem('chat-bubble:e2e-web-chat:conversation')) {
      localStorage.setItem('chat-bubble:e2e-web-chat:conversation', JSON.stringify(stored));
    }
  }, conversation);
  await hostPage(a, env.server, 'tabs-long.html');
  const b = await anotherTab(context, problems);
  await hostPage(b, env.server, 'tabs-long.html');
  await widget(b).locator('.cb-launcher').click();
  const rows = () => b.evaluate(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length);
  await b.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length === n, exchanges * 2, { timeout: 60000 });
  await markRows(b);
  const reads = historyReads(b);

  const follows = 3;
  for (let i = 0; i < follows; i++) {
    await exchange(a, `more ${i}`);
    await b.waitForFunction((text) => [...document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-visitor .cb-text')].at(-1)?.textContent === text, `more ${i}`, { timeout: 15000 });
    await waitForReply(b, defaultReply(`more ${i}`));
  }
  await reads.until(follows);
  assert.equal(await rows(), (exchanges + follows) * 2);
  const { marks: kept, takenOut } = await marks(b);
  assert.equal(takenOut, 0, 'no row taken out');
  assert.ok(kept.slice(0, exchanges * 2).every((mark, i) => mark === i), 'the rows shown before are the same rows');
  assert.equal(reads.count(), follows, 'one page of history read for each exchange followed');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply the backend stores a moment after its stream ended still shows in the other tab', async () => {
  const { context, a, b, problems } = await inOneConversation('tabs-stored-late.html');
  await mockSwitches(a, { delay: 50, stored_after: 2500 });
  await exchange(a, 'stored a moment later');
  await untilShows(b, [...shown('the old topic'), ...shown('stored a moment later')]);
  assert.deepEqual(problems, []);
  await context.close();
});


/** The visitor's messages `page` shows, each with the reply shown under it ('' for none). */
async function exchangesShown(page) {
  const rows = await messageRows(page);
  const exchanges = [];
  rows.forEach(([role, text], i) => {
    if (role === 'visitor') exchanges.push([text, rows[i + 1]?.[0] === 'assistant' ? rows[i + 1][1] : '']);
  });
  return exchanges.sort();
}

/** Waits until `page` shows the exchanges of `texts` (in any order), each answered. */
async function untilAnswered(page, texts) {
  const want = texts.map((text) => [text, defaultReply(text)]).sort();
  const deadline = Date.now() + 20000;
  let seen;
  do {
    seen = await exchangesShown(page);
    if (JSON.stringify(seen) === JSON.stringify(want)) return;
    await page.waitForTimeout(100);
  } while (Date.now() < deadline);
  assert.deepEqual(seen, want);
}

test('first messages sent at once in two tabs go to one conversation, which both tabs show', async () => {
  const { context, a, b, problems, created } = await twoTabs('tabs-at-once.html');
  await widget(a).locator('.cb-launcher').click();
  await widget(a).locator('.cb-input').waitFor();
  // The backend is slow to make a conversation: both tabs ask for one before either has it.
  const held = new Map();
  for (const [name, page] of [['a', a], ['b', b]]) {
    await page.route('**/conversations/', (route) => { held.set(name, route); });
  }
  await Promise.all([send(a, 'from A'), send(b, 'from B')]);
  for (const start = Date.now(); held.size < 2; await a.waitForTimeout(20)) {
    assert.ok(Date.now() - start < 10000, `${held.size} of 2 conversations asked for`);
  }
  // A's comes first and is stored; B's comes a moment later.
  await held.get('a').continue();
  await b.waitForFunction((key) => localStorage.getItem(key) !== null, CONVERSATION_KEY);
  await held.get('b').continue();

  await untilAnswered(a, ['from A', 'from B']);
  await untilAnswered(b, ['from A', 'from B']);
  assert.equal(created.length, 2, 'each tab asked for a conversation');
  const kept = await storedConversation(a);
  const history = await backendHistory(kept);
  assert.deepEqual(history.filter(([type]) => type === 'incoming').map(([, text]) => text).sort(), ['from A', 'from B']);
  assert.equal(history.length, 4, 'both exchanges in the conversation kept');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a tab whose new conversation another stored its own over, at the same instant, sends what it sent to the one kept', async () => {
  const { context, page: a, problems } = await openPage(env.browser);
  await hostPage(a, env.server, 'tabs-replaced.html');
  // A slow reply: the other tab stores its conversation while it streams.
  await mockSwitches(a, { delay: 150 });
  await send(a, 'from A');
  await widget(a).locator('.cb-assistant.cb-streaming .cb-text:not(:empty)').waitFor();
  const mine = await storedConversation(a);

  // Another tab's first message went at the same moment, and its conversation, made and
  // answered meanwhile, is stored over A's (two tabs' writes that crossed: no tab of this
  // version's widget stores over one it sees, so a page of the site writes it as that tab did).
  const theirs = await api(env.server, 'conversations/', { webChat: 'e2e-web-chat' });
  await api(env.server, 'chatbots/e2e-bot/completions/?mock_delay=0', {
    conversation: theirs.id, message: { content: 'from the other tab', attachments: [] }, isStreaming: false,
  }, theirs.visitorToken);
  const other = await anotherTab(context, problems);
  await routeHtml(other, `${env.server.url}blank.html`, '<!doctype html><title>another tab</title>');
  await other.goto(`${env.server.url}blank.html`);
  await other.evaluate(({ key, value }) => localStorage.setItem(key, value), { key: CONVERSATION_KEY, value: JSON.stringify(theirs) });

  // A's reply ends where it was asked; then A shows the conversation kept, with its message
  // and a reply to it there, and says why.
  await widget(a).locator('.cb-send:not(.cb-stop)').waitFor({ timeout: 15000 });
  await untilShows(a, [...shown('from the other tab'), ...shown('from A')]);
  assert.equal(
    await widget(a).locator('.cb-notice').textContent(),
    'Another tab started the conversation at the same moment: what you sent here goes to it again.',
  );
  assert.deepEqual(await backendHistory(theirs), [...stored('from the other tab'), ...stored('from A')]);
  assert.deepEqual(await backendHistory(mine), stored('from A'), 'the first asking stays where it went');
  // And after a reload.
  await mockSwitches(a, null);
  await a.reload();
  await widget(a).locator('.cb-launcher').click();
  await untilShows(a, [...shown('from the other tab'), ...shown('from A')]);
  assert.deepEqual(problems, []);
  await context.close();
});
