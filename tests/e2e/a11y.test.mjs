// Keyboard and screen-reader use, and axe-core on the open widget in light and dark themes, and on
// its teaser, jump button and error states with extreme primary colours.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  serverAndBrowser, openPage, tapOpen, widget, hostPage, defaultReply, waitForReply, mockSwitches, send, untilStopArmed,
  controlsSmallerThan, holdRequests, routeHtml, embedTag, PHONE,
} from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const env = serverAndBrowser();

/** Waits until `className` has focus inside the widget; on timeout, says what has it instead. */
async function untilFocused(page, className) {
  for (let i = 0; i < 100; i++) {
    if ((await focused(page)) === className) return;
    await page.waitForTimeout(50);
  }
  assert.equal(await focused(page), className, 'focus');
}

/** The class of what has focus inside the widget, or the document's focused tag outside it. */
function focused(page) {
  return page.evaluate(() => {
    const inner = document.querySelector('chat-bubble')?.shadowRoot?.activeElement;
    return inner ? inner.className : `outside:${document.activeElement?.tagName}`;
  });
}

test('keyboard only: Tab to the bubble, open, type, send, hear the reply, Escape back', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'keyboard.html', { 'data-load': 'eager' });
  await widget(page).locator('.cb-launcher[aria-expanded]').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'cb-launcher');
  await page.keyboard.press('Enter');
  await widget(page).locator('.cb-panel').waitFor({ state: 'visible' });
  await untilFocused(page, 'cb-input');
  await page.keyboard.type('typed with keys');
  await page.keyboard.press('Enter');
  await waitForReply(page, defaultReply('typed with keys'));
  await page.waitForFunction(
    (want) => document.querySelector('chat-bubble').shadowRoot.querySelector('[aria-live="polite"]').textContent === want,
    `Assistant: ${defaultReply('typed with keys')}`,
  );
  await page.keyboard.press('Escape');
  await widget(page).locator('.cb-panel').waitFor({ state: 'hidden' });
  await untilFocused(page, 'cb-launcher');
  assert.equal(await widget(page).locator('.cb-launcher').getAttribute('aria-expanded'), 'false');
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard only, before the wasm is there: Enter on the first bubble lands in the message box once it loads', async () => {
  const { context, page, problems } = await openPage(env.browser);
  // Hold the wasm back until the visitor has pressed Enter on the loader's bubble.
  const release = await holdRequests(page, /_bg\.[0-9a-f]+\.wasm$/);
  await hostPage(page, env.server, 'keyboard-early.html', { 'data-load': 'interaction' });
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'cb-launcher');
  await page.keyboard.press('Enter');
  assert.equal(await widget(page).locator('.cb-panel').count(), 0, 'the wasm is not there yet');
  release();
  await widget(page).locator('.cb-panel').waitFor({ state: 'visible' });
  await untilFocused(page, 'cb-input');
  await page.keyboard.press('Escape');
  await untilFocused(page, 'cb-launcher');
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard only: Stop on a streaming reply leaves focus in the message box, not on the page', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await mockSwitches(page, { length: 400, delay: 20 });
  await hostPage(page, env.server, 'keyboard-stop.html', { 'data-load': 'eager' });
  await widget(page).locator('.cb-launcher[aria-expanded]').waitFor();
  await page.keyboard.press('Tab');
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-input');
  await page.keyboard.type('a long one');
  await page.keyboard.press('Enter');
  await widget(page).locator('.cb-stop').waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await focused(page), 'cb-send cb-stop');
  await untilStopArmed(page);
  await page.keyboard.press('Enter');
  await widget(page).locator('.cb-assistant.cb-stopped').waitFor();
  await untilFocused(page, 'cb-input');
  // Still inside the panel: Escape closes it.
  await page.keyboard.press('Escape');
  await widget(page).locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a keyboard visitor on a reply\'s Copy stays there when a message comes after the reply', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'focus-copy.html', { 'data-load': 'eager' });
  const bubble = widget(page);
  await send(page, 'hello');
  await finishedReplies(page, 1);
  await bubble.locator('.cb-assistant .cb-copy-message').focus();
  // Marked, so that a button built again in its place does not pass for it.
  await page.evaluate(() => { document.querySelector('chat-bubble').shadowRoot.activeElement.keptByTest = true; });
  // The host page sends one more: the reply is no longer the newest (its Regenerate goes), and
  // a new reply comes under it.
  await page.evaluate(() => ChatBubble.send('and another thing'));
  await finishedReplies(page, 2);
  const onFirstCopy = await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const copy = root.querySelector('.cb-assistant .cb-copy-message');
    return root.activeElement === copy && copy.keptByTest === true;
  });
  assert.ok(onFirstCopy, `focus is on ${await focused(page)}, not the first reply's Copy`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard only: a button that goes with its press leaves focus in the chat, not on the page', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [500] });
  await hostPage(page, env.server, 'keyboard-gone.html', { 'data-load': 'eager' });
  const bubble = widget(page);
  await send(page, 'hello');
  await finishedReplies(page, 1);
  // Each press by keyboard (focus, then Enter), as a keyboard visitor does.
  const press = async (selector) => {
    await bubble.locator(selector).focus();
    await page.keyboard.press('Enter');
  };
  // Regenerate: the reply, and its button, are built again.
  await press('.cb-regenerate');
  await untilFocused(page, 'cb-input');
  await finishedReplies(page, 1);
  await bubble.locator('.cb-versions').waitFor();

  // Retry of a message the server refused: the line with the button goes.
  await mockSwitches(page, { fault: '500' });
  await bubble.locator('.cb-input').fill('refused');
  await page.keyboard.press('Enter');
  await bubble.locator('.cb-visitor .cb-retry').waitFor({ timeout: 15000 });
  await mockSwitches(page, {});
  await press('.cb-visitor .cb-retry');
  await untilFocused(page, 'cb-input');
  await waitForReply(page, defaultReply('refused'));

  // Jump to latest: hidden once at the end.
  await mockSwitches(page, { length: 400, delay: 20 });
  await bubble.locator('.cb-input').fill('a long one');
  await page.keyboard.press('Enter');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor();
  await bubble.locator('.cb-messages').hover();
  await page.mouse.wheel(0, -2000);
  await bubble.locator('.cb-jump:not([hidden])').waitFor();
  await press('.cb-jump');
  await untilFocused(page, 'cb-input');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor({ state: 'detached', timeout: 30000 });

  // New conversation's question: it opens on Cancel, so a second Enter loses nothing; Cancel
  // and Escape go back to the button that asked, leaving the panel open; Yes to the message box.
  await press('.cb-new');
  await untilFocused(page, 'cb-confirm-no');
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-icon-button cb-new');
  assert.ok(await bubble.locator('.cb-message').count() > 0, 'the conversation is kept');
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-confirm-no');
  await page.keyboard.press('Escape');
  await untilFocused(page, 'cb-icon-button cb-new');
  assert.equal(await bubble.locator('.cb-confirm').count(), 0, 'Escape answers the question');
  assert.equal(await bubble.locator('.cb-panel').isVisible(), true, 'and leaves the panel open');
  // A question left open when the panel closes is gone when it opens again.
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-confirm-no');
  await bubble.locator('.cb-icon-button[aria-label="Close chat"]').click();
  await bubble.locator('.cb-launcher').click();
  // Opened from the bubble, the panel puts focus in the message box in its next frame: the
  // keys below come after, as a visitor's do.
  await untilFocused(page, 'cb-input');
  assert.equal(await bubble.locator('.cb-confirm').count(), 0, 'no question waits in a panel opened again');
  await press('.cb-new');
  await press('.cb-confirm-yes');
  await untilFocused(page, 'cb-input');
  assert.equal(await bubble.locator('.cb-message').count(), 0);
  // With nothing to lose there is no question: the conversation is already new, and the press
  // goes on in the message box, ready for its first message.
  await press('.cb-new');
  await untilFocused(page, 'cb-input');
  assert.equal(await bubble.locator('.cb-confirm').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a suggestion sent by Enter, Space or a click leaves focus in the message box; by a tap, in the panel', async () => {
  for (const way of ['Enter', ' ', 'click', 'tap']) {
    const touch = way === 'tap' ? { viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true } : {};
    const { context, page, problems } = await openPage(env.browser, touch);
    await hostPage(page, env.server, 'starters-focus.html', { 'data-load': 'eager', 'data-starters': 'Prices | Opening hours' });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher[aria-expanded]').click();
    const starter = bubble.locator('.cb-starter', { hasText: 'Prices' });
    if (way === 'click') await starter.click();
    else if (way === 'tap') await starter.tap();
    else {
      await starter.focus();
      await page.keyboard.press(way);
    }
    await waitForReply(page, defaultReply('Prices'));
    await untilFocused(page, way === 'tap' ? 'cb-panel' : 'cb-input');
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('keyboard only: a control Tab brings into view at an edge of the list shows its whole focus ring', async () => {
  // A window short enough that a long reply is taller than the list.
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 520 } });
  await hostPage(page, env.server, 'ring-at-edge.html');
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await send(page, 'show me markdown');
  await bubble.locator('.cb-assistant .cb-regenerate').waitFor({ timeout: 15000 });
  const list = bubble.locator('.cb-messages');
  assert.ok(await list.evaluate((el) => el.scrollHeight > el.clientHeight * 2), 'the reply is taller than the list');
  /** Tab (or Shift+Tab, `back`) from the control before (after) the `i`th of the list's controls,
   * that one just out of view below (above): the ring of the control it lands on, against the
   * list's view. */
  const tabInto = (i, back) => page.evaluate(([i, back]) => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const view = root.querySelector('.cb-messages');
    const controls = [...view.querySelectorAll('a, button, summary, [tabindex="0"]')].filter((e) => e.getClientRects().length);
    controls[back ? i + 1 : i - 1].focus({ preventScroll: true });
    const shown = () => view.getBoundingClientRect();
    const box = () => controls[i].getBoundingClientRect();
    view.scrollTop += back ? box().bottom - shown().top + 2 : box().top - shown().bottom + 2;
    return controls.length;
  }, [i, back]).then(async (count) => {
    await page.keyboard.press(back ? 'Shift+Tab' : 'Tab');
    return page.evaluate(() => {
      const root = document.querySelector('chat-bubble').shadowRoot;
      const el = root.activeElement;
      const style = getComputedStyle(el);
      const out = parseFloat(style.outlineOffset) + parseFloat(style.outlineWidth);
      const box = el.getBoundingClientRect();
      const shown = root.querySelector('.cb-messages').getBoundingClientRect();
      return { what: el.className || el.tagName, above: shown.top - (box.top - out), below: (box.bottom + out) - shown.bottom };
    }).then((r) => ({ ...r, count }));
  });
  const count = (await tabInto(1, false)).count;
  assert.ok(count >= 6, `the reply has its links, code, sources and buttons: ${count} controls`);
  const cut = [];
  for (let i = 1; i < count; i++) {
    const down = await tabInto(i, false);
    const up = await tabInto(count - 1 - i, true);
    if (down.below > 0.5) cut.push(`${down.what} by ${down.below.toFixed(1)} px at the bottom`);
    if (up.above > 0.5) cut.push(`${up.what} by ${up.above.toFixed(1)} px at the top`);
  }
  assert.deepEqual(cut, [], 'no ring is cut by the list\'s edges');
  assert.deepEqual(problems, []);
  await context.close();
});

test('keyboard only: Escape on the bubble closes the open panel', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'escape-launcher.html', { 'data-load': 'eager' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').focus();
  await page.keyboard.press('Enter');
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  await bubble.locator('.cb-launcher').focus();
  await page.keyboard.press('Escape');
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'cb-launcher');
  assert.deepEqual(problems, []);
  await context.close();
});

/** Puts a site's own "Chat with us" button, which opens the chat through the API, first on the page. */
async function chatWithUsButton(page) {
  await page.evaluate(() => {
    const button = document.createElement('button');
    button.id = 'chat-with-us';
    button.textContent = 'Chat with us';
    button.addEventListener('click', () => ChatBubble.open());
    document.body.prepend(button);
  });
}

test('a site\'s own Chat button that calls open() takes a keyboard visitor into the message box, and Escape back to it', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'site-button.html', { 'data-load': 'eager' });
  // The widget itself (its panel comes with it): an open() queued by the loader before the wasm
  // is there is replayed with no press to take focus for.
  await widget(page).locator('.cb-panel').waitFor({ state: 'attached' });
  await chatWithUsButton(page);
  await page.focus('#chat-with-us');
  await page.keyboard.press('Enter');
  await widget(page).locator('.cb-panel').waitFor({ state: 'visible' });
  await untilFocused(page, 'cb-input');
  await page.keyboard.type('typed at once');
  assert.equal(await widget(page).locator('.cb-input').inputValue(), 'typed at once');
  await page.keyboard.press('Escape');
  await widget(page).locator('.cb-panel').waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.activeElement?.id === 'chat-with-us');
  // Pressed again while the panel is open and focus is back on the page: into the box again.
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-input');
  await page.focus('#chat-with-us');
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-input');
  // A page's script that opens the chat by itself (a timer, not a press) leaves focus where it is.
  await page.keyboard.press('Escape');
  await page.waitForFunction(() => document.activeElement?.id === 'chat-with-us');
  await page.evaluate(() => new Promise((done) => setTimeout(() => { ChatBubble.open(); done(); }, 0)));
  await widget(page).locator('.cb-panel').waitFor({ state: 'visible' });
  await page.waitForTimeout(300);
  assert.equal(await focused(page), 'outside:BUTTON');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, a tap on the site\'s own Chat button puts focus in the full-screen chat, not behind it', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await hostPage(page, env.server, 'site-button-phone.html', { 'data-load': 'eager' }, { phone: true });
  await widget(page).locator('.cb-panel').waitFor({ state: 'attached' });
  await chatWithUsButton(page);
  await page.tap('#chat-with-us');
  await widget(page).locator('.cb-panel[aria-modal="true"]').waitFor({ state: 'visible' });
  await untilFocused(page, 'cb-input');
  await widget(page).locator('.cb-header .cb-icon-button:not(.cb-new)').tap();
  await widget(page).locator('.cb-panel').waitFor({ state: 'hidden' });
  await page.waitForFunction(() => document.activeElement?.id === 'chat-with-us');
  assert.deepEqual(problems, []);
  await context.close();
});

test('closing by API leaves focus in the host page alone', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'focus.html', { 'data-load': 'eager' });
  await page.evaluate(() => {
    const input = document.createElement('input');
    input.id = 'host-input';
    document.body.prepend(input);
  });
  await widget(page).locator('.cb-launcher[aria-expanded]').waitFor();
  await page.evaluate(() => ChatBubble.open());
  await widget(page).locator('.cb-panel').waitFor({ state: 'visible' });
  await page.focus('#host-input');
  await page.evaluate(() => ChatBubble.close());
  await widget(page).locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.equal(await focused(page), 'outside:INPUT');
  assert.deepEqual(problems, []);
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`axe-core finds no violations in the open widget (${scheme})`, async () => {
    const { context, page, problems } = await openPage(env.browser, { colorScheme: scheme });
    await hostPage(page, env.server, `axe-${scheme}.html`, { 'data-load': 'eager' });
    await widget(page).locator('.cb-launcher[aria-expanded]').click();
    await widget(page).locator('.cb-input').fill('show me some markdown');
    await widget(page).locator('.cb-input').press('Enter');
    await widget(page).locator('.cb-assistant .cb-copy-message').waitFor({ timeout: 15000 });
    await widget(page).locator('.cb-input').fill('a draft');
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document.querySelector('chat-bubble'), { resultTypes: ['violations'] });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(violations, []);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

/** axe-core's violations in the widget as it is now, once the panel and teaser have stopped moving
 * (a fade in progress would blend colours and make contrast meaningless). */
async function axeViolations(page) {
  await page.waitForFunction(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    return Array.from(root.querySelectorAll('.cb-panel, .cb-teaser')).every((e) => e.getAnimations().length === 0);
  });
  if (!(await page.evaluate(() => window.axe))) await page.addScriptTag({ path: AXE });
  return page.evaluate(async () => {
    const result = await window.axe.run(document.querySelector('chat-bubble'), { resultTypes: ['violations'] });
    return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
  });
}

/** Waits until `n` replies have finished (each has its Copy button). */
test('a mouse click on a button that goes with it leaves focus in the message box: Escape still closes, typing goes on', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'mouse-gone.html', { 'data-load': 'eager' });
  const bubble = widget(page);
  await send(page, 'hello');
  await finishedReplies(page, 1);
  await bubble.locator('.cb-regenerate').click();
  await untilFocused(page, 'cb-input');
  await finishedReplies(page, 1);
  await page.keyboard.type('typed after');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'typed after');
  await page.keyboard.press('Escape');
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a tap on a button that goes with it keeps focus in the panel, without raising the keyboard', async () => {
  const { context, page, problems, bubble } = await phoneWithAReply('tap-gone.html');
  await bubble.locator('.cb-regenerate').tap();
  // Not the message box (a phone would raise its keyboard), not the host page.
  for (let i = 0; i < 40 && (await focused(page)) !== 'cb-panel'; i++) await page.waitForTimeout(50);
  assert.equal(await focused(page), 'cb-panel');
  await finishedReplies(page, 1);
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * What the browser hands to screen readers as live: the text inside each live region of the
 * page's accessibility tree, one string a region.
 */
async function liveTexts(context, page) {
  const cdp = await context.newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const byId = new Map(nodes.map((node) => [node.nodeId, node]));
  const textIn = (node) => (node.role?.value === 'StaticText' ? [node.name?.value]
    : (node.childIds ?? []).flatMap((id) => (byId.has(id) ? textIn(byId.get(id)) : [])));
  const live = (node) => node.properties?.find((p) => p.name === 'live')?.value?.value;
  return nodes
    .filter((node) => ['polite', 'assertive'].includes(live(node)))
    .map((node) => textIn(node).join(' '));
}

test('a screen reader hears that a reply slow to start is still coming, once, and no more once words come', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'spoken-slow.html', { 'data-load': 'eager' });
  const release = await holdRequests(page, '**/completions/**');
  await send(page, 'take your time');
  const bubble = widget(page);
  await bubble.locator('.cb-assistant .cb-still-working').waitFor({ timeout: 15000 });
  const working = (await liveTexts(context, page)).filter((text) => text.includes('Still working'));
  assert.deepEqual(working, ['Still working on it…']);
  release();
  await waitForReply(page, defaultReply('take your time'));
  assert.deepEqual((await liveTexts(context, page)).filter((text) => text.includes('Still working')), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a screen reader hears a reply once, from the announcer: the list it grows in is not read as it grows', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'spoken-once.html', { 'data-load': 'eager' });
  await send(page, 'say it once');
  const reply = defaultReply('say it once');
  await waitForReply(page, reply);
  await page.waitForFunction(
    (want) => document.querySelector('chat-bubble').shadowRoot.querySelector('[aria-live="polite"]').textContent === want,
    `Assistant: ${reply}`,
  );
  const spoken = (await liveTexts(context, page)).filter((text) => text.includes('say it once'));
  assert.deepEqual(spoken, [`Assistant: ${reply}`], 'one live region speaks of the exchange: the announcer');
  // The list is still there to read at the reader's own pace.
  const { nodes } = await (await context.newCDPSession(page)).send('Accessibility.getFullAXTree');
  const read = nodes.filter((node) => node.role?.value === 'StaticText').map((node) => node.name?.value);
  assert.ok(read.includes('say it once'), 'the question is in the page');
  assert.ok(read.some((text) => text?.includes('You said: say it once.')), 'the reply is in the page');
  assert.deepEqual(problems, []);
  await context.close();
});

/**
 * Records, from inside the page, each text put in one of the widget's live regions while the
 * region can be heard: a region under a `display: none` or `visibility: hidden` ancestor (the
 * closed panel, and the panel as it folds away) is out of the accessibility tree, and what is
 * put in it is never said. `heard(page)` reads the record.
 */
async function recordHeard(page) {
  await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    window.__heard = [];
    const last = new WeakMap();
    const live = '[aria-live="polite"], [aria-live="assertive"], [role="status"], [role="alert"]';
    // What a screen reader reads of a region: its text, without what is hidden from it.
    const spoken = (region) => {
      const copy = region.cloneNode(true);
      copy.querySelectorAll('[aria-hidden="true"]').forEach((e) => e.remove());
      return copy.textContent.trim();
    };
    new MutationObserver(() => {
      for (const region of root.querySelectorAll(live)) {
        const text = spoken(region);
        if (text && last.get(region) !== text && region.checkVisibility({ visibilityProperty: true })) window.__heard.push(text);
        last.set(region, text);
      }
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
}

const heard = (page) => page.evaluate(() => window.__heard);

/** The texts of the live regions the accessibility tree has (not ignored), one string a region. */
async function liveTextsHeard(context, page) {
  const cdp = await context.newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const byId = new Map(nodes.map((node) => [node.nodeId, node]));
  const textIn = (node) => (node.ignored ? []
    : node.role?.value === 'StaticText' ? [node.name?.value]
      : (node.childIds ?? []).flatMap((id) => (byId.has(id) ? textIn(byId.get(id)) : [])));
  const live = (node) => node.properties?.find((p) => p.name === 'live')?.value?.value;
  return nodes
    .filter((node) => !node.ignored && ['polite', 'assertive'].includes(live(node)))
    .map((node) => textIn(node).join(' '));
}

/** Opens the panel from the keyboard and sends `text` with Enter. */
async function sendByKeyboard(page, text) {
  await widget(page).locator('.cb-launcher[aria-expanded]').waitFor();
  await widget(page).locator('.cb-launcher').focus();
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-input');
  await page.keyboard.type(text);
  await page.keyboard.press('Enter');
}

test('a screen reader hears a reply\'s headings, list items and rows as sentences, with pauses between them', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'spoken-blocks.html', { 'data-load': 'eager' });
  await send(page, 'show me some markdown');
  await widget(page).locator('.cb-assistant .cb-copy-message').waitFor({ timeout: 15000 });
  const said = await page.waitForFunction(() => {
    const text = document.querySelector('chat-bubble').shadowRoot.querySelector('[aria-live="polite"]').textContent;
    return text.includes('first item') && text;
  });
  const text = await said.jsonValue();
  for (const run of ['Mock reply with markdown. Here is', 'A list. first item. second item with emphasis. third item. step one. step two. A code fence.']) {
    assert.ok(text.includes(run), `said: ${text}`);
  }
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply that finishes after the panel was closed is said once, and not again when the panel opens', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'closed-reply.html', { 'data-load': 'eager' });
  await mockSwitches(page, { delay: 150 });
  const bubble = widget(page);
  await sendByKeyboard(page, 'tell me later');
  await recordHeard(page);
  // The reply has begun; the visitor closes the panel while it streams.
  await bubble.locator('.cb-assistant.cb-streaming .cb-text:not(:empty)').waitFor();
  await page.keyboard.press('Escape');
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  await untilFocused(page, 'cb-launcher');
  await bubble.locator('.cb-launcher[aria-label="Open chat, 1 unread"]').waitFor({ timeout: 15000 });
  const said = `Assistant: ${defaultReply('tell me later')}`;
  await page.waitForFunction((said) => window.__heard.includes(said), said, { timeout: 5000 }).catch(() => {});
  assert.deepEqual((await heard(page)).filter((t) => t.includes('tell me later')), [said], 'said once, with the panel closed');
  assert.ok((await liveTextsHeard(context, page)).includes(said), 'in a live region of the accessibility tree');
  // Opening the panel to read it says nothing again.
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-input');
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 300))));
  assert.deepEqual((await heard(page)).filter((t) => t.includes('tell me later')), [said], 'not said again');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a problem that comes while the panel is closed is said', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [401] });
  await hostPage(page, env.server, 'closed-problem.html', { 'data-load': 'eager' });
  // The answer is held until the panel is closed, and is then a refusal.
  const release = await holdRequests(page, '**/completions/**', (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('mock_fault', '401');
    return route.continue({ url: url.toString() });
  });
  const bubble = widget(page);
  await sendByKeyboard(page, 'refused later');
  await recordHeard(page);
  await page.keyboard.press('Escape');
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  release();
  await bubble.locator('.cb-visitor .cb-retry').waitFor({ state: 'attached', timeout: 15000 });
  const shown = (await bubble.locator('.cb-notice').textContent()).trim();
  assert.match(shown, /set up correctly/);
  await page.waitForFunction((shown) => window.__heard.includes(shown), shown, { timeout: 5000 }).catch(() => {});
  assert.deepEqual((await heard(page)).filter((t) => t === shown), [shown], 'said once, with the panel closed');
  assert.ok((await liveTextsHeard(context, page)).includes(shown), 'in a live region of the accessibility tree');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a screen reader hears who wrote each run of messages, the days as headings, and meets a reply\'s announcement only while it is new', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'said-by.html', { 'data-load': 'eager' });
  await send(page, 'first');
  await waitForReply(page, defaultReply('first'));
  const bubble = widget(page);
  await bubble.locator('.cb-input').fill('second');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReply(page, defaultReply('second'));
  const cdp = await context.newCDPSession(page);
  const read = async () => {
    const { nodes } = await cdp.send('Accessibility.getFullAXTree');
    return nodes.filter((n) => !n.ignored && n.role?.value === 'StaticText').map((n) => n.name?.value);
  };
  const texts = await read();
  // Each run starts with who wrote it: the visitor's with words for screen readers, the
  // assistant's with its name (the mock's stored replies give one; without it, "Assistant:").
  const said = await bubble.locator('.cb-rows .cb-message').evaluateAll((rows) => rows.map(
    (row) => row.querySelector(':scope > .cb-sr-only, :scope > .cb-sender .cb-sender-name')?.textContent,
  ));
  assert.deepEqual(said, ['You:', 'Mock Assistant', 'You:', 'Mock Assistant']);
  assert.equal(texts.filter((t) => t === 'You:').length, 2, 'in what screen readers read');
  // To the eye, nothing more: the words take a clipped pixel.
  const boxes = await bubble.locator('.cb-message > .cb-sr-only').evaluateAll((els) => els.map((e) => {
    const r = e.getBoundingClientRect();
    return r.width <= 1 && r.height <= 1;
  }));
  assert.deepEqual(boxes, [true, true]);
  assert.equal(await bubble.getByRole('heading', { name: 'Today' }).count(), 1, 'the day is a heading');
  // The announcement goes once it has been said.
  const live = bubble.locator('.cb-panel [aria-live="polite"]');
  assert.equal(await live.textContent(), `Assistant: ${defaultReply('second')}`);
  await page.waitForFunction(
    () => document.querySelector('chat-bubble').shadowRoot.querySelector('[aria-live="polite"]').textContent === '',
    null,
    { timeout: 12000 },
  );
  // Emptied, it counts no reply: scrolled up, the jump button counts none.
  assert.equal(await bubble.locator('.cb-jump-count').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the open panel adds no landmark the page has its own of: the site\'s header stays its only banner', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const url = `${env.server.url}one-banner.html`;
  await routeHtml(page, url, `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>site</title></head>
<body><header><a href="/">Site</a></header><main><p>Host page</p></main>${embedTag({ 'data-load': 'eager' })}</body></html>`);
  await page.goto(url);
  await send(page, 'hello');
  await waitForReply(page, defaultReply('hello'));
  const cdp = await context.newCDPSession(page);
  const { nodes } = await cdp.send('Accessibility.getFullAXTree');
  const landmarks = (role) => nodes.filter((n) => !n.ignored && n.role?.value === role).length;
  assert.equal(landmarks('banner'), 1, 'the site\'s header alone');
  assert.equal(landmarks('main'), 1);
  // The panel is a dialog named by its title, its header one part of it.
  assert.equal(await widget(page).getByRole('dialog', { name: 'Chat' }).count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply whose assistant has no name is said to be the assistant\'s', async () => {
  const { context, page, problems } = await openPage(env.browser);
  // A backend whose messages name no sender.
  let historyRead = false;
  await page.route('**/messages/**', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    for (const m of json.results || []) delete m.sender;
    historyRead = true;
    await route.fulfill({ response, json });
  });
  await hostPage(page, env.server, 'said-by-nameless.html', { 'data-load': 'eager' });
  await send(page, 'who are you');
  await waitForReply(page, defaultReply('who are you'));
  while (!historyRead) await page.waitForTimeout(50);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0))));
  const said = await widget(page).locator('.cb-rows .cb-message').evaluateAll((rows) => rows.map(
    (row) => row.querySelector(':scope > .cb-sr-only')?.textContent,
  ));
  assert.deepEqual(said, ['You:', 'Assistant:']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the site\'s greeting is said to be the assistant\'s, as a reply is', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'said-by-greeting.html', { 'data-load': 'eager', 'data-greeting': 'Hello! I am the shop assistant.' });
  await widget(page).locator('.cb-launcher').click();
  const greeting = widget(page).locator('.cb-greeting');
  assert.equal(await greeting.locator(':scope > .cb-sr-only').textContent(), 'Assistant:');
  assert.equal(await greeting.evaluate((g) => g.textContent), 'Assistant:Hello! I am the shop assistant.');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, a screen reader\'s activation (a click that no key or finger made) keeps focus in the panel; a key reaches the message box', async () => {
  const { context, page, problems, bubble } = await phoneWithAReply('reader-gone.html');
  // TalkBack's double tap clicks the button it has reached, as one of these: a click of no
  // presses and no pointer; a mouse's that counted no presses; a mouse's that still holds its
  // button as it clicks.
  const activations = [
    (button) => button.click(),
    (button) => button.dispatchEvent(new PointerEvent('click', {
      pointerType: 'mouse', detail: 0, bubbles: true, composed: true, cancelable: true,
    })),
    (button) => button.dispatchEvent(new PointerEvent('click', {
      pointerType: 'mouse', detail: 1, buttons: 1, bubbles: true, composed: true, cancelable: true,
    })),
  ];
  for (const [i, activate] of activations.entries()) {
    // From the message box, where a wrong guess would leave focus too.
    await bubble.locator('.cb-input').evaluate((input) => input.focus());
    await bubble.locator('.cb-regenerate').evaluate(activate);
    await bubble.locator('.cb-versions').filter({ hasText: `${i + 2} / ${i + 2}` }).waitFor();
    for (let n = 0; n < 40 && (await focused(page)) !== 'cb-panel'; n++) await page.waitForTimeout(50);
    assert.equal(await focused(page), 'cb-panel', `activation ${i}: not the message box, which would raise the keyboard`);
    await finishedReplies(page, 1);
    await bubble.locator('.cb-regenerate').waitFor();
  }
  // A keyboard paired with the phone: Enter on the button goes on in the message box.
  await bubble.locator('.cb-regenerate').focus();
  await page.keyboard.press('Enter');
  await untilFocused(page, 'cb-input');
  await finishedReplies(page, 1);
  assert.deepEqual(problems, []);
  await context.close();
});

/** A phone-sized page with touch, where the visitor has tapped their way to a first reply. */
async function phoneWithAReply(name) {
  const { context, page, problems } = await openPage(env.browser, {
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true,
  });
  await hostPage(page, env.server, name, { 'data-load': 'eager' });
  const bubble = widget(page);
  await tapOpen(page);
  await bubble.locator('.cb-input').tap();
  await page.keyboard.type('hello');
  await bubble.locator('.cb-send').tap();
  await finishedReplies(page, 1);
  return { context, page, problems, bubble };
}

function finishedReplies(page, n) {
  return page.waitForFunction((want) => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-assistant .cb-copy-message').length >= want, n, { timeout: 20000 });
}

// The states that came after the first axe run, each checked: the teaser, the jump-to-latest
// button, the error states (a cut-off reply, an unsent message, their notices and Retry), with
// primary colours at the extremes (very light, white, very dark) in both themes.
for (const primary of ['#fde047', '#ffffff', '#111111']) {
  for (const scheme of ['light', 'dark']) {
    test(`axe-core: teaser, jump button and errors, primary ${primary} (${scheme})`, async () => {
      const { context, page, problems } = await openPage(env.browser, {
        colorScheme: scheme, viewport: { width: 1280, height: 800 }, expectedStatuses: [401],
      });
      await hostPage(page, env.server, `axe-states-${primary.slice(1)}-${scheme}.html`, {
        'data-load': 'eager', 'data-primary-color': primary, 'data-teaser': 'Questions? Ask us', 'data-teaser-delay': '0',
      });
      const bubble = widget(page);
      const found = {};
      await bubble.locator('.cb-teaser').waitFor({ state: 'visible' });
      await bubble.locator('.cb-launcher[aria-expanded]').waitFor();
      found.teaser = await axeViolations(page);

      // A conversation long enough to scroll, then a slow reply the visitor scrolls away from.
      await mockSwitches(page, { delay: 0 });
      for (let i = 1; i <= 5; i += 1) {
        await send(page, `question ${i}`);
        await finishedReplies(page, i);
      }
      await mockSwitches(page, { delay: 40 });
      await send(page, 'a slow one');
      await bubble.locator('.cb-assistant.cb-streaming').waitFor();
      await bubble.locator('.cb-messages').hover();
      await page.mouse.wheel(0, -400);
      await bubble.locator('.cb-jump').waitFor({ state: 'visible' });
      await finishedReplies(page, 6);
      found.jump = await axeViolations(page);
      await bubble.locator('.cb-jump').click();
      await bubble.locator('.cb-jump').waitFor({ state: 'hidden' });

      // The server cuts a reply: a notice, and the reply marked with Retry.
      await mockSwitches(page, { fault: 'drop' });
      await send(page, 'cut me off');
      await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
      await bubble.locator('.cb-notice').waitFor();
      found.cutOff = await axeViolations(page);

      // A set-up problem: the visitor's message stays unsent, with its icon, words and Retry.
      await mockSwitches(page, { fault: '401' });
      await send(page, 'did it go?');
      await bubble.locator('.cb-visitor .cb-message-status').waitFor();
      found.unsent = await axeViolations(page);

      assert.deepEqual(found, { teaser: [], jump: [], cutOff: [], unsent: [] });
      assert.deepEqual(problems, []);
      await context.close();
    });
  }
}

for (const scheme of ['light', 'dark']) {
  test(`axe-core: the empty state, day separators, runs, Regenerate and a reply's versions (${scheme})`, async () => {
    const { context, page, problems } = await openPage(env.browser, { colorScheme: scheme, expectedStatuses: [401] });
    // The first message is refused (it stays, unsent, and the next one joins its run); the third
    // answer is another, short one: a regenerated reply with two versions.
    let asked = 0;
    await page.route('**/completions/**', (route) => {
      const url = new URL(route.request().url());
      asked += 1;
      if (asked === 1) url.searchParams.set('mock_fault', '401');
      if (asked > 2) url.searchParams.set('mock_length', '4');
      route.continue({ url: url.toString() });
    });
    await hostPage(page, env.server, `axe-new-${scheme}.html`, { 'data-load': 'eager', 'data-primary-color': '#fde047' });
    await widget(page).locator('.cb-launcher[aria-expanded]').click();
    await widget(page).locator('.cb-empty').waitFor();
    assert.deepEqual(await axeViolations(page), [], 'the empty state');
    await widget(page).locator('.cb-input').fill('refused');
    await widget(page).locator('.cb-input').press('Enter');
    await widget(page).locator('.cb-visitor .cb-retry').waitFor();
    await widget(page).locator('.cb-input').fill('hello');
    await widget(page).locator('.cb-input').press('Enter');
    await waitForReply(page, defaultReply('hello'));
    await widget(page).locator('.cb-regenerate').click();
    await waitForReply(page, 'w0 w1 w2 w3');
    await widget(page).locator('.cb-versions').waitFor();
    assert.equal(await widget(page).locator('.cb-day').count(), 1);
    assert.equal(await widget(page).locator('.cb-visitor.cb-continued').count(), 1);
    assert.deepEqual(await axeViolations(page), [], 'a separator, a run, Regenerate and the versions');
    assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
    await context.close();
  });
}

test('with a mouse every control of the panel is at least 24 px each way (WCAG 2.5.8)', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'mouse-targets.html', { 'data-starters': 'Prices | Hours', 'data-attachments': 'files' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  // A link inside a reply's sentences is exempt: its line sets its height.
  const small = () => controlsSmallerThan(page, 24, '.cb-panel button, .cb-panel textarea, .cb-panel summary, .cb-panel a', '.cb-text');
  assert.deepEqual(await small(), [], 'header buttons, suggestions, message box, Attach, Send');
  // A reply with sources gets Copy and Regenerate; its sources open to their links.
  await send(page, 'markdown please');
  await bubble.locator('.cb-regenerate').waitFor();
  const meta = await bubble.locator('.cb-assistant .cb-meta').last().boundingBox();
  await bubble.locator('.cb-sources summary').last().click();
  assert.deepEqual(await small(), [], 'Copy, Regenerate, the sources and their links');
  // The larger targets take no room: the line under a reply is as tall as its text.
  assert.ok(meta.height < 20, `the line under a reply is ${meta.height} px tall`);
  await context.close();
  assert.deepEqual(problems, []);
});
