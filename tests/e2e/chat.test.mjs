// The chat bubble end to end: script tag → streamed reply → history after reload.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, widget, defaultReply, screenshotPath, mockSwitches, hostPage, messageRows,
  waitForReply, untilStopArmed, send, PHONE, messagesAsked, holdRequests,
} from './harness.mjs';

const env = serverAndBrowser();

/** Records every distinct text the newest assistant message shows, from inside the page. */
async function recordReplyStates(page) {
  await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    window.__replyStates = [];
    const observer = new MutationObserver(() => {
      const replies = root.querySelectorAll('.cb-assistant .cb-text');
      const text = replies.length ? replies[replies.length - 1].textContent : '';
      const states = window.__replyStates;
      if (text && states[states.length - 1] !== text) states.push(text);
    });
    observer.observe(root, { subtree: true, childList: true, characterData: true });
  });
}

test('a message streams its reply in pieces, and the history comes back after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  const input = bubble.locator('.cb-input');
  await input.waitFor();
  await recordReplyStates(page);

  const message = 'hello there';
  const expected = defaultReply(message);
  await input.fill(message);
  await input.press('Enter');
  assert.equal(await input.inputValue(), '', 'the composer clears on send');

  const reply = bubble.locator('.cb-assistant .cb-text').last();
  await page.waitForFunction(
    (want) => {
      const root = document.querySelector('chat-bubble').shadowRoot;
      const replies = root.querySelectorAll('.cb-assistant .cb-text');
      return replies.length && replies[replies.length - 1].textContent === want;
    },
    expected,
    { timeout: 15000 },
  );
  assert.equal(await reply.textContent(), expected);

  const states = await page.evaluate(() => window.__replyStates);
  const intermediate = states.filter((s) => s !== expected);
  assert.ok(intermediate.length >= 3, `saw ${intermediate.length} intermediate states: ${JSON.stringify(states)}`);
  for (const s of intermediate) assert.ok(expected.startsWith(s), `"${s}" is a prefix of the reply`);
  await page.screenshot({ path: screenshotPath('chat-streamed.png') });

  // After a reload the conversation id comes from localStorage and the history is fetched.
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await page.waitForFunction(
    () => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length === 2,
    null,
    { timeout: 15000 },
  );
  const rows = await bubble.locator('.cb-message').evaluateAll((els) =>
    els.map((e) => [e.classList.contains('cb-visitor') ? 'visitor' : 'assistant', e.querySelector('.cb-text').textContent]),
  );
  assert.deepEqual(rows, [
    ['visitor', message],
    ['assistant', expected],
  ]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a message sent while the history is on its way shows once, when the history comes back holding it', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'chat-sent-meanwhile.html');
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await send(page, 'first question');
  await waitForReply(page, defaultReply('first question'));
  // A slow backend: the history answers after the message sent meanwhile is stored.
  const release = await holdRequests(page, (url) => url.pathname.endsWith('/messages/'));
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await send(page, 'sent meanwhile');
  await waitForReply(page, defaultReply('sent meanwhile'));
  await bubble.locator('.cb-assistant .cb-copy-message').waitFor();
  release();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length >= 4);
  await page.waitForTimeout(500);
  const expected = [
    ['visitor', 'first question', ''],
    ['assistant', defaultReply('first question'), ''],
    ['visitor', 'sent meanwhile', ''],
    ['assistant', defaultReply('sent meanwhile'), ''],
  ];
  assert.deepEqual(await messageRows(page), expected);
  await page.unroute((url) => url.pathname.endsWith('/messages/'));
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length >= 4);
  assert.deepEqual(await messageRows(page), expected, 'as the backend holds it');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a second exchange continues the same conversation', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const input = bubble.locator('.cb-input');
  for (const message of ['first', 'second']) {
    await input.fill(message);
    await input.press('Enter');
    await page.waitForFunction(
      (want) => Array.from(document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
        .some((e) => e.textContent === want),
      defaultReply(message),
      { timeout: 15000 },
    );
  }
  const conversations = await page.evaluate(() =>
    Object.keys(localStorage).filter((k) => /^chat-bubble:.*:conversation$/.test(k)).map((k) => JSON.parse(localStorage.getItem(k))),
  );
  assert.equal(conversations.length, 1);
  assert.ok(conversations[0].visitorToken, 'the visitor token is kept with the id');
  const history = await page.evaluate(async ({ id, visitorToken }) => {
    const r = await fetch(`/api/v1/messages/?conversation=${id}&pageSize=100`, { headers: { 'X-Visitor-Token': visitorToken } });
    return (await r.json()).results.length;
  }, conversations[0]);
  assert.equal(history, 4, 'both exchanges are stored in one conversation');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Enter that picks an input method\'s word sends nothing, in the order Chromium sends it and in Safari\'s; the Enter after it sends', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const input = bubble.locator('.cb-input');
  await input.fill('你好');
  await input.evaluate((box) => {
    const enter = (init) => box.dispatchEvent(new KeyboardEvent('keydown', {
      key: 'Enter', bubbles: true, composed: true, cancelable: true, ...init,
    }));
    // Chromium and Firefox: the Enter comes while the input method still composes.
    enter({ isComposing: true, keyCode: 229 });
    // Safari: the composition ends first, and its Enter keeps the input method's key code.
    box.dispatchEvent(new CompositionEvent('compositionend', { data: '你好', bubbles: true }));
    enter({ isComposing: false, keyCode: 229 });
  });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50))));
  assert.equal(await bubble.locator('.cb-visitor').count(), 0, 'nothing sent');
  assert.equal(await input.inputValue(), '你好', 'the words stay in the box');
  await input.press('Enter');
  await waitForReply(page, defaultReply('你好'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the Escape that cancels an input method\'s word leaves the panel open; the Escape after it closes it', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const input = bubble.locator('.cb-input');
  await input.fill('にほんご');
  await input.evaluate((box) => {
    const escape = (init) => box.dispatchEvent(new KeyboardEvent('keydown', {
      key: 'Escape', bubbles: true, composed: true, cancelable: true, ...init,
    }));
    escape({ isComposing: true, keyCode: 229 });
    escape({ isComposing: false, keyCode: 229 });
  });
  await page.evaluate(() => new Promise((done) => requestAnimationFrame(() => setTimeout(done, 50))));
  assert.equal(await bubble.locator('.cb-panel').isVisible(), true, 'still open');
  await input.press('Escape');
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('Shift+Enter adds a line; Enter while a reply streams sends the message once the reply ends, saying so; emptying the box takes it back', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  // A slow reply (19 deltas, 300 ms apart) so the checks below run while it streams.
  await mockSwitches(page, { delay: 300 });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const input = bubble.locator('.cb-input');
  const status = bubble.locator('.cb-composer-status');
  await input.fill('line one');
  await input.press('Shift+Enter');
  await input.pressSequentially('line two');
  assert.equal(await input.inputValue(), 'line one\nline two');
  assert.equal(await status.isVisible(), false, 'no status before anything waits');
  await input.press('Enter');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor();
  await input.fill('next question');
  assert.equal(await bubble.locator('.cb-send[type=submit]').count(), 0, 'no Send while streaming');
  assert.equal(await bubble.locator('.cb-stop').isVisible(), true, 'Stop instead');
  await input.press('Enter');
  // The words stay in the box, and a status under it (heard by screen readers) says they will go.
  assert.equal(await input.inputValue(), 'next question');
  assert.equal(await status.textContent(), 'Your message will be sent when the reply ends.');
  assert.equal(await status.getAttribute('role'), 'status');
  assert.equal(await status.isVisible(), true);
  assert.equal(await bubble.locator('.cb-visitor').count(), 1, 'not sent while the reply streams');
  // The reply ends; the message goes and its own reply comes.
  await bubble.locator('.cb-visitor').nth(1).waitFor({ timeout: 15000 });
  assert.match(await bubble.locator('.cb-assistant .cb-text').first().textContent(), /small pieces so you can watch it stream\.$/, 'sent after the whole reply');
  assert.equal(await bubble.locator('.cb-visitor .cb-text').nth(1).textContent(), 'next question');
  assert.equal(await input.inputValue(), '');
  assert.equal(await status.isVisible(), false, 'the status goes with the message');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor();

  // Enter again mid-reply, then the box emptied: nothing waits any more, and nothing is sent.
  await input.fill('never mind');
  await input.press('Enter');
  assert.equal(await status.isVisible(), true);
  await input.fill('');
  assert.equal(await status.isVisible(), false);
  await waitForReply(page, defaultReply('next question'));
  await input.fill('typed after');
  await page.waitForTimeout(500);
  assert.equal(await bubble.locator('.cb-visitor').count(), 2, 'the message taken back was not sent');
  assert.equal(await input.inputValue(), 'typed after', 'nor is what is typed later');
  assert.equal(await bubble.locator('.cb-send').isDisabled(), false);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a long history opens in order, scrolled to its end', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const post = (path, body, token) => fetch(`${env.server.url}api/v1/${path}`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', ...(token ? { 'X-Visitor-Token': token } : {}) },
    body: JSON.stringify(body),
  }).then((r) => r.json());
  const { id, visitorToken } = await post('conversations/', { webChat: 'e2e-web-chat' });
  const questions = Array.from({ length: 40 }, (_, i) => `question ${i}`);
  for (const content of questions) {
    await post('chatbots/e2e-bot/completions/?mock_delay=0', { conversation: id, message: { content, attachments: [] }, isStreaming: false }, visitorToken);
  }
  await page.addInitScript(([key, value]) => localStorage.setItem(key, value), ['chat-bubble:e2e-web-chat:conversation', JSON.stringify({ id, visitorToken })]);
  await hostPage(page, env.server, 'long-history.html', { 'data-load': 'eager' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').click();
  await page.waitForFunction(
    () => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length === 80,
    null, { timeout: 15000 },
  );
  assert.deepEqual(await bubble.locator('.cb-visitor .cb-text').allTextContents(), questions);
  // The list is much taller than its window and shows its end: the last reply is in view.
  await page.waitForFunction(() => {
    const list = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-messages');
    return list.scrollHeight > 3 * list.clientHeight && list.scrollTop + list.clientHeight >= list.scrollHeight - 2;
  }, null, { timeout: 5000 });
  const [list, last] = await Promise.all([
    bubble.locator('.cb-messages').boundingBox(),
    bubble.locator('.cb-message').last().boundingBox(),
  ]);
  assert.ok(last.y + last.height <= list.y + list.height + 1 && last.y >= list.y, `last row ${JSON.stringify(last)} in ${JSON.stringify(list)}`);
  assert.equal(await bubble.locator('.cb-message').last().locator('.cb-text').textContent(), defaultReply('question 39'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('a double-click or a double tap on Send sends once and does not stop the reply it asked for, even on a page too busy to answer the second at once', async () => {
  for (const how of ['double-click', 'double tap', 'double tap on a busy page']) {
    const phone = how !== 'double-click';
    const { context, page, problems } = await openPage(env.browser, phone ? PHONE : {});
    await hostPage(page, env.server, `double-${how.replaceAll(' ', '-')}.html`, { 'data-load': 'eager' }, { phone });
    await mockSwitches(page, { delay: 40 });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    // The first message of a conversation: the second click lands while it is being made.
    await bubble.locator('.cb-input').fill('my very first question');
    if (how === 'double tap on a busy page') {
      // The page is held up (its own scripts, a slow phone) between the two taps: the second
      // is answered 900 ms after the first, though the finger came down 150 ms after it. The
      // touches go straight to the browser, as a finger's do, without waiting for the page.
      const box = await bubble.locator('.cb-send').boundingBox();
      const cdp = await context.newCDPSession(page);
      const touchPoints = [{ x: box.x + box.width / 2, y: box.y + box.height / 2 }];
      const tap = async () => {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints });
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
      };
      await tap();
      const busy = page.evaluate(() => {
        const until = performance.now() + 900;
        while (performance.now() < until);
      });
      await page.waitForTimeout(150);
      await Promise.all([busy, tap()]);
    } else if (phone) {
      await bubble.locator('.cb-send').tap();
      await page.waitForTimeout(150);
      await bubble.locator('.cb-send').tap();
    } else {
      await bubble.locator('.cb-send').dblclick();
    }
    await waitForReply(page, defaultReply('my very first question'));
    assert.deepEqual(await messageRows(page), [
      ['visitor', 'my very first question', ''],
      ['assistant', defaultReply('my very first question'), ''],
    ], how);
    assert.deepEqual(problems, [], how);
    await context.close();
  }
});

test('Stop before a word came back keeps the message, not sent, with Retry, across a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'stop-early.html', { 'data-load': 'eager' });
  // The conversation takes a while to be made: Stop comes before the message left.
  await page.route('**/conversations/', async (route) => {
    await new Promise((done) => setTimeout(done, 2000));
    await route.continue().catch(() => {});
  });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').fill('wait, one more thing');
  await bubble.locator('.cb-input').press('Enter');
  await untilStopArmed(page);
  await bubble.locator('.cb-send.cb-stop').click();
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  assert.deepEqual(await messageRows(page), [['visitor', 'wait, one more thing', 'Not sent']]);
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  assert.deepEqual(await messageRows(page), [['visitor', 'wait, one more thing', 'Not sent']]);
  await page.unroute('**/conversations/');
  await bubble.locator('.cb-visitor .cb-retry').click();
  await waitForReply(page, defaultReply('wait, one more thing'));
  assert.deepEqual(problems.filter((p) => !p.includes('conversations/')), []);
  await context.close();
});

test('a message that reached the server although Stop came before the reply shows once after a reload; one that did not stays unsent', async () => {
  const { context, page } = await openPage(env.browser);
  await hostPage(page, env.server, 'stop-arrived.html', { 'data-load': 'eager' });
  const bubble = widget(page);
  await send(page, 'same words');
  await waitForReply(page, defaultReply('same words'));
  // The server takes the next message and then says nothing: Stop ends the wait.
  await mockSwitches(page, { fault: 'stall', fault_after: 0 });
  await bubble.locator('.cb-input').fill('did it arrive?');
  await bubble.locator('.cb-input').press('Enter');
  await untilStopArmed(page);
  await bubble.locator('.cb-send.cb-stop').click();
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  // The same words again, and this time the request never reaches the server.
  await mockSwitches(page, null);
  await page.route('**/completions/**', (route) => route.abort());
  await bubble.locator('.cb-input').fill('same words');
  await bubble.locator('.cb-input').press('Enter');
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-visitor .cb-retry').length === 2);
  const visitorRows = async () => (await messageRows(page)).filter(([role]) => role === 'visitor').map(([, text, status]) => [text, status]);
  assert.deepEqual(await visitorRows(), [['same words', ''], ['did it arrive?', 'Not sent'], ['same words', 'Not sent']]);
  await page.unroute('**/completions/**');
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-assistant').first().waitFor();
  await page.waitForFunction(() => !document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-status'));
  assert.deepEqual(await visitorRows(), [['same words', ''], ['did it arrive?', ''], ['same words', 'Not sent']]);
  await context.close();
});

test('a message over the length limit is not sent: Send says by how much to shorten it and the words stay in the box; shortened, it goes', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.goto(env.server.url);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const input = bubble.locator('.cb-input');
  await input.waitFor();
  const asked = messagesAsked(page);
  // Pasted: 33 KB of Chinese, 11,000 characters; the limit is 4,000 characters.
  const pasted = '長'.repeat(11000);
  await input.fill(pasted);
  const count = bubble.locator('.cb-count');
  assert.equal(await count.textContent(), '7,000 characters over the limit');
  assert.equal(await input.getAttribute('aria-invalid'), 'true');
  const tooLong = 'Your message is too long: shorten it by 7,000 characters to send it.';
  await input.press('Enter');
  await bubble.locator('.cb-notice', { hasText: tooLong }).waitFor();
  assert.equal(await bubble.getByRole('alert').textContent(), tooLong, 'said to screen readers as an alert');
  // Send by mouse says the same, and the keyboard stays in the box.
  await bubble.locator('.cb-send').click();
  assert.equal(await bubble.locator('.cb-notice').textContent(), tooLong);
  assert.ok(await input.evaluate((el) => el.getRootNode().activeElement === el), 'focus in the message box');
  await page.waitForTimeout(300);
  assert.equal(asked.length, 0, 'nothing sent');
  assert.equal(await bubble.locator('.cb-message').count(), 0, 'no message in the list');
  assert.equal(await input.inputValue(), pasted, 'the words stay in the box');

  // Shortened to the limit: the notice goes, the count says none are left, and it sends.
  const shortened = pasted.slice(0, 4000);
  await input.fill(shortened);
  assert.equal(await bubble.locator('.cb-notice').count(), 0, 'the notice goes once it fits');
  assert.equal(await count.textContent(), '0 characters left');
  assert.equal(await input.getAttribute('aria-invalid'), null);
  await input.press('Enter');
  // The reply echoes all 4,000 characters, slowly: its start is enough.
  await bubble.locator('.cb-assistant .cb-text', { hasText: 'You said: 長長長' }).waitFor();
  assert.equal(asked.length, 1);
  assert.equal(await input.inputValue(), '');
  assert.deepEqual((await messageRows(page))[0], ['visitor', shortened, '']);
  assert.equal(await count.count(), 0, 'no count for an empty box');
  assert.deepEqual(problems, []);
  await context.close();
});

test('near the length limit a count shows under the box, said to screen readers when it appears and when over, not at every key; it fits a phone', async () => {
  const { context, page, problems } = await openPage(env.browser, { ...PHONE, viewport: { width: 390, height: 844 } });
  await hostPage(page, env.server, 'count.html', { 'data-load': 'eager' }, { phone: true });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const input = bubble.locator('.cb-input');
  const count = bubble.locator('.cb-count');
  const said = bubble.locator('.cb-count-said');
  await input.fill('a'.repeat(3599));
  assert.equal(await count.count(), 0, 'no count far from the limit');
  assert.equal(await input.getAttribute('aria-describedby'), null);
  await input.pressSequentially('a');
  assert.equal(await count.textContent(), '400 characters left');
  assert.equal(await input.getAttribute('aria-describedby'), await count.getAttribute('id'));
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-count-said').textContent === '400 characters left');
  await input.pressSequentially('bcd');
  assert.equal(await count.textContent(), '397 characters left');
  assert.equal(await said.textContent(), '400 characters left', 'not said again at every key');
  await input.fill('a'.repeat(4001));
  assert.equal(await count.textContent(), '1 character over the limit');
  assert.equal(await said.textContent(), '1 character over the limit');
  // On a phone the count has a line of its own, inside the panel, and Send stays in view.
  const [panel, box, send, counted] = await Promise.all(
    ['.cb-panel', '.cb-input', '.cb-send', '.cb-count'].map((s) => bubble.locator(s).boundingBox()),
  );
  for (const [name, b] of [['box', box], ['send', send], ['count', counted]]) {
    assert.ok(b.x >= panel.x - 1 && b.x + b.width <= panel.x + panel.width + 1, `${name} ${JSON.stringify(b)} in ${JSON.stringify(panel)}`);
    assert.ok(b.y + b.height <= 844, `${name} ${JSON.stringify(b)} on screen`);
  }
  assert.ok(counted.y >= box.y + box.height - 1, 'the count is under the box');
  assert.ok(box.width > 250, `the box keeps its width: ${box.width}`);
  assert.equal(await page.evaluate(() => document.documentElement.scrollWidth), 390, 'nothing sticks out sideways');
  await input.fill('hi');
  assert.equal(await count.count(), 0);
  assert.equal(await input.getAttribute('aria-describedby'), null);
  assert.deepEqual(problems, []);
  await context.close();
});
