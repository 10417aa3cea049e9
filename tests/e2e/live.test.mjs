// A reply looks the same live as it will from the history: no time on the typing dots, the
// assistant's picture beside the reply's first line rather than on a line of its own; and Copy
// buttons say "Copied" for a moment only.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage, send, defaultReply, waitForReply, untilStopArmed, api, codeCopyAndFirstLine, holdRequests } from './harness.mjs';

const env = serverAndBrowser();
const AVATAR = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><circle cx="10" cy="10" r="10" fill="#2563eb"/></svg>';

test('the typing bubble carries no time; the reply gets one when its first words arrive', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'typing.html');
  // Hold the reply back so the typing dots stay up.
  const release = await holdRequests(page, '**/completions/**');
  await send(page, 'wait for it');
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-typing').waitFor();
  assert.equal(await bubble.locator('.cb-assistant.cb-streaming time').count(), 0, 'no time on the typing dots');
  assert.equal(await bubble.locator('.cb-visitor time').count(), 1, 'the visitor\'s message has its time');
  release();
  await waitForReply(page, defaultReply('wait for it'));
  assert.equal(await bubble.locator('.cb-assistant time').count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the assistant\'s picture sits beside the reply\'s first line, not alone on a line', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.route('**/avatar.svg', (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: AVATAR }));
  // A backend whose messages name no sender: the picture is all the reply's sender line has.
  let historyRead = false;
  await page.route('**/messages/**', async (route) => {
    const response = await route.fetch();
    const page = await response.json();
    for (const m of page.results || []) m.sender = { ...m.sender, name: '' };
    historyRead = true;
    await route.fulfill({ response, json: page });
  });
  await hostPage(page, env.server, 'avatar.html', { 'data-avatar': `${env.server.url}avatar.svg` });
  await send(page, 'who are you');
  await waitForReply(page, defaultReply('who are you'));
  // The widget reads the messages once after the first reply, to learn the assistant's name.
  while (!historyRead) await page.waitForTimeout(50);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  const [avatar, text] = await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const reply = root.querySelector('.cb-assistant:not(.cb-greeting)');
    return [reply.querySelector('.cb-sender-avatar'), reply.querySelector('.cb-text')]
      .map((e) => e.getBoundingClientRect().toJSON());
  });
  assert.ok(avatar.bottom > text.top, `the picture (${avatar.top}–${avatar.bottom}) shares the first line (from ${text.top})`);
  assert.ok(avatar.right <= text.left + 40, 'and sits at its start');
  assert.deepEqual(problems, []);
  await context.close();
});

test('Copy says "Copied" for a moment, then offers to copy again; the code\'s Copy button covers no code', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await hostPage(page, env.server, 'copy.html');
  await send(page, 'show me markdown');
  const bubble = widget(page);
  const copyMessage = bubble.locator('.cb-assistant .cb-copy-message');
  await copyMessage.waitFor({ timeout: 15000 });
  await copyMessage.click();
  // Once the clipboard has the text.
  await copyMessage.filter({ hasText: 'Copied' }).waitFor({ timeout: 2000 });
  // Said to a screen reader too: the button's name is what it shows.
  assert.equal(await copyMessage.getAttribute('aria-label'), 'Copied');
  // Copied again before the first moment ends: the second copy gets a moment of its own
  // (the first one's ends 2 s after it, 0.5 s after the second copy).
  await page.waitForTimeout(1500);
  await copyMessage.click();
  await page.waitForTimeout(900);
  assert.equal(await copyMessage.textContent(), 'Copied', 'still news after a second copy');
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-assistant .cb-copy-message').textContent === 'Copy', null, { timeout: 10000 });

  const copyCode = bubble.locator('.cb-code .cb-copy');
  await copyCode.click();
  await copyCode.filter({ hasText: 'Copied' }).waitFor({ timeout: 2000 });
  assert.equal(await copyCode.getAttribute('aria-label'), 'Copied');
  await page.waitForTimeout(1500);
  await copyCode.click();
  await page.waitForTimeout(900);
  assert.equal(await copyCode.textContent(), 'Copied', 'still news after a second copy');
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-code .cb-copy').textContent === 'Copy', null, { timeout: 10000 });
  assert.equal(await copyCode.getAttribute('aria-label'), 'Copy code');
  assert.equal(await copyMessage.getAttribute('aria-label'), 'Copy message');
  // The button's box ends above the first line of code, and its font is the widget's.
  const { button, firstLine } = await codeCopyAndFirstLine(page);
  const font = await copyCode.evaluate((copy) => getComputedStyle(copy).fontSize);
  assert.ok(button.bottom <= firstLine.top, `the button ends at ${button.bottom}, the code starts at ${firstLine.top}`);
  assert.equal(font, '12px');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a long wait for the first word says the assistant is still working', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'slow.html');
  const release = await holdRequests(page, '**/completions/**', (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('mock_delay', '100');
    return route.continue({ url: url.toString() });
  });
  await send(page, 'take your time');
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-still-working').waitFor({ timeout: 15000 });
  assert.match(await bubble.locator('.cb-assistant.cb-streaming').textContent(), /Still working/);
  release();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-assistant.cb-streaming .cb-text')?.textContent.length > 0);
  assert.equal(await bubble.locator('.cb-still-working').count(), 0, 'gone once the words come');
  await waitForReply(page, defaultReply('take your time'));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the assistant\'s name shows on a live reply, as it will after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'name.html');
  await send(page, 'what is your name');
  await waitForReply(page, defaultReply('what is your name'));
  const name = widget(page).locator('.cb-assistant:not(.cb-greeting) .cb-sender-name');
  await name.waitFor({ timeout: 10000 });
  assert.equal(await name.textContent(), 'Mock Assistant');
  // A second reply is named from the start.
  await send(page, 'again');
  await widget(page).locator('.cb-assistant.cb-streaming .cb-sender-name').waitFor();
  await waitForReply(page, defaultReply('again'));
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await waitForReply(page, defaultReply('again'));
  assert.deepEqual(
    await widget(page).locator('.cb-sender-name').allTextContents(),
    ['Mock Assistant', 'Mock Assistant'],
  );
  assert.deepEqual(problems, []);
  await context.close();
});

test('messages of another day show their day, not a clock time that looks like today\'s', async () => {
  const { context, page, problems } = await openPage(env.browser, { locale: 'en-US' });
  await hostPage(page, env.server, 'days.html');
  await send(page, 'from the past');
  await waitForReply(page, defaultReply('from the past'));
  const today = await widget(page).locator('.cb-visitor time').textContent();
  // As a US clock writes it: no zero before a single-digit hour.
  assert.match(today, /^([1-9]|1[0-2]):\d\d [AP]M$/, `today: ${today}`);
  // Two days later the same messages come back from the history.
  await page.clock.setFixedTime(new Date(Date.now() + 2 * 24 * 3600 * 1000));
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await waitForReply(page, defaultReply('from the past'));
  const then = await widget(page).locator('.cb-visitor time').textContent();
  const day = new Date().toLocaleDateString('en-US', { month: 'short', day: 'numeric' });
  assert.ok(then.startsWith(`${day}, `), `two days later: ${then} (sent ${day})`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a stopped reply comes back after a reload as it was shown: cut where it stopped, and marked', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'stopped.html');
  await page.route('**/completions/**', (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('mock_length', '400');
    url.searchParams.set('mock_delay', '20');
    route.continue({ url: url.toString() });
  });
  await send(page, 'go on and on');
  const bubble = widget(page);
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-assistant.cb-streaming .cb-text')?.textContent.includes('w5 '));
  await untilStopArmed(page);
  await bubble.locator('.cb-send.cb-stop').click();
  await bubble.locator('.cb-assistant.cb-stopped').waitFor();
  const shown = await bubble.locator('.cb-assistant.cb-stopped .cb-text').textContent();
  assert.ok(!shown.includes('w399'), 'stopped part-way');
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-assistant.cb-stopped').waitFor();
  assert.equal(await bubble.locator('.cb-assistant.cb-stopped .cb-text').textContent(), shown);
  assert.equal(await bubble.locator('.cb-assistant.cb-stopped .cb-message-status').textContent(), 'Stopped');

  // Many exchanges later it is far above the end of a long history, and still as it was shown.
  // The history goes in newest first in batches that at most double, and a batch starts whole
  // when its last row is within 40 of the end: past about 120 rows the oldest batch never is,
  // however the batches fall on a busy machine (of 62 rows, an oldest batch of 23 would start whole).
  const conversation = await page.evaluate(() => JSON.parse(localStorage.getItem('chat-bubble:e2e-web-chat:conversation')));
  for (let i = 0; i < 64; i++) {
    await api(env.server, 'chatbots/e2e-bot/completions/?mock_delay=0', {
      conversation: conversation.id, message: { content: `later ${i}`, attachments: [] }, isStreaming: false,
    }, conversation.visitorToken);
  }
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length >= 130);
  // Far from the view, its row has no status line yet: it is built when the row comes near.
  assert.equal(await bubble.locator('.cb-assistant.cb-stopped .cb-message-status').count(), 0);
  await bubble.locator('.cb-messages').focus();
  await page.keyboard.press('Home');
  await bubble.locator('.cb-assistant.cb-stopped .cb-message-status').waitFor();
  assert.equal(await bubble.locator('.cb-assistant.cb-stopped .cb-text').textContent(), shown);
  assert.equal(await bubble.locator('.cb-assistant.cb-stopped .cb-message-status').textContent(), 'Stopped');
  assert.equal(await bubble.locator('.cb-assistant').first().evaluate((row) => row.classList.contains('cb-stopped')), true);
  assert.deepEqual(problems, []);
  await context.close();
});

/** The caret drawn after the streaming reply's last block: its `content`, or null without one. */
function caret(page) {
  return page.evaluate(() => {
    const text = [...document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text')].at(-1);
    const last = text?.lastElementChild;
    if (!last) return null;
    const after = getComputedStyle(last, '::after');
    return after.content === 'none' ? null : { content: after.content, animation: after.animationName };
  });
}

for (const reducedMotion of ['no-preference', 'reduce']) {
  test(`a caret follows the words while a reply streams and goes when it ends (motion: ${reducedMotion})`, async () => {
    const { context, page, problems } = await openPage(env.browser, { reducedMotion });
    // Slow pieces, so the reply is seen mid-stream.
    await page.route('**/completions/**', (route) => {
      const url = new URL(route.request().url());
      url.searchParams.set('mock_delay', '150');
      route.continue({ url: url.toString() });
    });
    await hostPage(page, env.server, `caret-${reducedMotion}.html`);
    await widget(page).locator('.cb-launcher').click();
    await send(page, 'show me the caret');
    await page.waitForFunction(() => {
      const row = [...document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant')].at(-1);
      return row?.classList.contains('cb-streaming') && row.querySelector('.cb-text')?.textContent.length > 0;
    });
    const during = await caret(page);
    assert.ok(during, 'no caret while the reply streams');
    // It blinks, unless the visitor asked for less motion.
    assert.equal(during.animation === 'none', reducedMotion === 'reduce', JSON.stringify(during));
    await waitForReply(page, defaultReply('show me the caret'));
    assert.equal(await caret(page), null, 'the caret stays after the reply ended');
    assert.deepEqual(problems, []);
    await context.close();
  });
}
