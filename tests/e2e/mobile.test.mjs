// Phones: the open panel covers the screen, the page behind stays still, the message box does not
// zoom the page and stays above the on-screen keyboard.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, tapOpen, widget, routeHtml, embedTag, defaultReply, waitForReply, mockSwitches, echoReplies, controlsSmallerThan, codeCopyAndFirstLine, PHONE, PHONE_VIEWPORT } from './harness.mjs';

const env = serverAndBrowser();

test('on a phone the panel is full-screen, the page is locked behind it, and it fits above the keyboard', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  const url = `${env.server.url}phone.html`;
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8">
${PHONE_VIEWPORT}<title>phone</title></head>
<body style="margin:0"><div style="height:3000px">A long host page</div>${embedTag({ 'data-load': 'eager' })}</body></html>`);
  await page.goto(url);
  await page.evaluate(() => window.scrollTo(0, 500));
  const bubble = widget(page);
  await tapOpen(page);
  assert.deepEqual(await bubble.locator('.cb-panel').boundingBox(), { x: 0, y: 0, width: 390, height: 700 });
  const htmlOverflow = () => page.evaluate(() => getComputedStyle(document.documentElement).overflow);
  assert.equal(await htmlOverflow(), 'hidden');
  // 16 px or more: phones do not zoom the page when the box takes focus.
  assert.equal(await bubble.locator('.cb-input').evaluate((e) => getComputedStyle(e).fontSize), '16px');

  // The keyboard comes up: the visual viewport shrinks to 400 px, scrolled down by 50.
  await page.evaluate(() => {
    Object.defineProperty(visualViewport, 'height', { configurable: true, get: () => 400 });
    Object.defineProperty(visualViewport, 'offsetTop', { configurable: true, get: () => 50 });
    visualViewport.dispatchEvent(new Event('resize'));
  });
  await page.waitForFunction(() => {
    const panel = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-panel').getBoundingClientRect();
    return panel.top === 50 && panel.height === 400;
  });
  const composer = await bubble.locator('.cb-composer').boundingBox();
  assert.ok(composer.y + composer.height <= 450, `composer ends at ${composer.y + composer.height}, keyboard starts at 450`);

  await bubble.locator('.cb-input').fill('from a phone');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReply(page, defaultReply('from a phone'));

  // Closing gives the page its scrolling back, where it was.
  await bubble.locator('.cb-header button[aria-label="Close chat"]').tap();
  await bubble.locator('.cb-panel').waitFor({ state: 'hidden' });
  assert.equal(await htmlOverflow(), 'visible');
  assert.equal(await page.evaluate(() => document.documentElement.getAttribute('style')), null);
  assert.equal(await page.evaluate(() => window.scrollY), 500);
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, a page zoomed with CSS zoom gets a panel that covers the screen exactly, above the keyboard too', async () => {
  for (const zoom of [1.25, 0.8]) {
    const { context, page, problems } = await openPage(env.browser, PHONE);
    const url = `${env.server.url}phone-zoom.html`;
    await routeHtml(page, url, `<!doctype html><html style="zoom:${zoom}"><head><meta charset="utf-8">
${PHONE_VIEWPORT}<title>phone</title></head>
<body style="margin:0"><div style="height:3000px">A zoomed host page</div>${embedTag({ 'data-load': 'eager' })}</body></html>`);
    await page.goto(url);
    const bubble = widget(page);
    await tapOpen(page);
    const near = (box, want) => Object.keys(want).every((k) => Math.abs(box[k] - want[k]) <= 1);
    const panel = await bubble.locator('.cb-panel').boundingBox();
    assert.ok(near(panel, { x: 0, y: 0, width: 390, height: 700 }), `zoom ${zoom}: panel ${JSON.stringify(panel)}`);
    const send = await bubble.locator('.cb-send').boundingBox();
    assert.ok(send.y + send.height <= 700, `zoom ${zoom}: Send ends at ${send.y + send.height} of 700`);

    // The keyboard comes up: the visual viewport shrinks to 400 px, scrolled down by 50.
    await page.evaluate(() => {
      Object.defineProperty(visualViewport, 'height', { configurable: true, get: () => 400 });
      Object.defineProperty(visualViewport, 'offsetTop', { configurable: true, get: () => 50 });
      visualViewport.dispatchEvent(new Event('resize'));
    });
    await page.waitForTimeout(100);
    const above = await bubble.locator('.cb-panel').boundingBox();
    assert.ok(near(above, { x: 0, y: 50, width: 390, height: 400 }), `zoom ${zoom}, keyboard up: panel ${JSON.stringify(above)}`);
    await bubble.locator('.cb-input').fill('zoomed');
    await bubble.locator('.cb-send').tap();
    await waitForReply(page, defaultReply('zoomed'));
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('on a phone, two widgets open share the page\'s lock: it holds until the last closes, and the page\'s own overflow comes back', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  const url = `${env.server.url}two-phone.html`;
  await routeHtml(page, url, `<!doctype html><html style="overflow: auto"><head><meta charset="utf-8">
${PHONE_VIEWPORT}<title>two</title></head>
<body style="margin:0"><div style="height:3000px">A long host page</div>
${embedTag({ 'data-load': 'eager', 'data-web-chat-id': 'phone-a' })}${embedTag({ 'data-load': 'eager', 'data-web-chat-id': 'phone-b', 'data-position': 'left' })}</body></html>`);
  await page.goto(url);
  await page.waitForFunction(() => document.querySelectorAll('chat-bubble').length === 2
    && Array.from(document.querySelectorAll('chat-bubble')).every((h) => h.shadowRoot.querySelector('.cb-panel')));
  const overflow = () => page.evaluate(() => document.documentElement.style.overflow);
  await page.evaluate(() => {
    const [a, b] = document.querySelectorAll('chat-bubble');
    window.widgets = { a: a.chatBubble, b: b.chatBubble };
  });
  const each = (call) => page.evaluate((call) => window.widgets[call[0]][call.slice(1)](), call);
  // Opened A then B and closed in that order; then B then A, closed in that order too.
  for (const [first, second] of [['a', 'b'], ['b', 'a']]) {
    await each(`${first}open`);
    await each(`${second}open`);
    assert.equal(await overflow(), 'hidden');
    await each(`${first}close`);
    assert.equal(await overflow(), 'hidden', `${second} is still open`);
    await each(`${second}close`);
    assert.equal(await overflow(), 'auto', 'the page\'s own overflow is back');
  }
  // One open when the page removes it: the lock goes with it.
  await each('aopen');
  await each('bopen');
  await each('adestroy');
  assert.equal(await overflow(), 'hidden');
  await each('bclose');
  assert.equal(await overflow(), 'auto');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a wide screen the page keeps its scrolling while the panel is open', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  const url = `${env.server.url}desktop.html`;
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8"><title>desktop</title></head>
<body><div style="height:3000px">A long host page</div>${embedTag({ 'data-load': 'eager' })}</body></html>`);
  await page.goto(url);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).overflow), 'visible');
  const panel = await bubble.locator('.cb-panel').boundingBox();
  assert.equal(panel.width, 380);
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, tapping Send sends: nothing covers the open panel\'s controls', async () => {
  const { context, page, problems } = await openPage(env.browser, {
    viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3,
  });
  const url = `${env.server.url}phone-send.html`;
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8">
${PHONE_VIEWPORT}<title>phone</title></head>
<body style="margin:0"><p>Host page</p>${embedTag({ 'data-load': 'eager', 'data-starters': 'Prices | Hours' })}</body></html>`);
  await page.goto(url);
  const bubble = widget(page);
  await tapOpen(page);
  // Every control of the open panel is what a tap at its centre reaches.
  const covered = await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    return Array.from(root.querySelectorAll('.cb-panel button, .cb-panel textarea'))
      .filter((e) => e.getClientRects().length > 0)
      .filter((e) => {
        const r = e.getBoundingClientRect();
        const hit = root.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2);
        return !(hit && (hit === e || e.contains(hit)));
      })
      .map((e) => e.className || e.tagName);
  });
  assert.deepEqual(covered, []);
  // The keyboard's Return key says it sends, and a quick second tap on a button is no zoom.
  assert.equal(await bubble.locator('.cb-input').evaluate((e) => e.enterKeyHint), 'send');
  for (const sel of ['.cb-send', '.cb-launcher', '.cb-header .cb-icon-button']) {
    assert.equal(await bubble.locator(sel).first().evaluate((e) => getComputedStyle(e).touchAction), 'manipulation', sel);
  }
  await bubble.locator('.cb-input').tap();
  await bubble.locator('.cb-input').fill('tapped send');
  await bubble.locator('.cb-send').tap();
  await waitForReply(page, defaultReply('tapped send'));
  assert.ok(await bubble.locator('.cb-panel').isVisible(), 'the panel stays open');
  // The reply has ended and Stop, which the tap left focused, is an empty box's Send again:
  // focus goes on in the panel, not in the message box, where it would raise the phone's
  // keyboard over the reply the visitor is about to read.
  await bubble.locator('.cb-send[aria-label="Send"]:disabled').waitFor();
  const focused = () => page.evaluate(() => document.querySelector('chat-bubble').shadowRoot.activeElement?.className);
  assert.equal(await focused(), 'cb-panel');
  assert.deepEqual(problems, []);
  await context.close();
});

/** A phone page with the embed tag and a viewport meta, as a mobile site has. */
async function phonePage(page, name, attrs = {}) {
  const url = `${env.server.url}${name}`;
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8">
${PHONE_VIEWPORT}<title>phone</title></head>
<body style="margin:0"><div style="height:3000px">A long host page</div>${embedTag({ 'data-load': 'eager', ...attrs })}</body></html>`);
  await page.goto(url);
  // The widget itself (its panel comes with it): a tap that begins on the loader's bubble and
  // ends on the widget's, which takes its place in between, is no tap on either.
  await widget(page).locator('.cb-panel').waitFor({ state: 'attached' });
}

/** Sends `text` from the open panel and waits for its reply's finished line. */
async function exchange(page, text, count) {
  const bubble = widget(page);
  await bubble.locator('.cb-input').fill(text);
  await bubble.locator('.cb-input').press('Enter');
  await page.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-assistant .cb-copy-message').length >= n, count, { timeout: 15000 });
}

test('on a phone, the keyboard coming up keeps the end of the conversation above the composer', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await phonePage(page, 'phone-keyboard.html');
  const bubble = widget(page);
  await tapOpen(page);
  for (let i = 1; i <= 6; i += 1) await exchange(page, `question ${i}`, i);
  await page.evaluate(() => {
    Object.defineProperty(visualViewport, 'height', { configurable: true, get: () => 380 });
    visualViewport.dispatchEvent(new Event('resize'));
  });
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-panel').getBoundingClientRect().height === 380);
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const { lastBottom, listBottom, composerTop } = await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const rows = root.querySelectorAll('.cb-rows .cb-message');
    return {
      lastBottom: rows[rows.length - 1].getBoundingClientRect().bottom,
      listBottom: root.querySelector('.cb-messages').getBoundingClientRect().bottom,
      composerTop: root.querySelector('.cb-composer').getBoundingClientRect().top,
    };
  });
  assert.ok(lastBottom <= listBottom && listBottom <= composerTop,
    `the last reply ends at ${lastBottom}, the list at ${listBottom}, the composer starts at ${composerTop}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone turned sideways while a reply streams, the list still follows it to its end', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await phonePage(page, 'phone-turned.html');
  const bubble = widget(page);
  await tapOpen(page);
  for (let i = 1; i <= 6; i += 1) await exchange(page, `question ${i}`, i);
  await mockSwitches(page, { length: 300, deltas: 60, delay: 30 });
  await bubble.locator('.cb-input').fill('a long one');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-assistant.cb-streaming .cb-text p').waitFor();
  // A host page that reads its layout when the window changes size, as many do.
  await page.evaluate(() => window.addEventListener('resize', () => document.body.getBoundingClientRect()));
  // Upright, sideways and upright again, while the reply grows.
  const jumps = [];
  for (const [width, height] of [[844, 390], [390, 700], [844, 390], [390, 700], [844, 390]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(100);
    jumps.push(await bubble.locator('.cb-jump').isVisible());
  }
  assert.deepEqual(jumps, jumps.map(() => false), 'the list stopped following as the phone turned');
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-assistant .cb-copy-message').length >= 7, null, { timeout: 20000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const gap = await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const rows = root.querySelectorAll('.cb-rows .cb-message');
    return Math.round(rows[rows.length - 1].getBoundingClientRect().bottom - root.querySelector('.cb-messages').getBoundingClientRect().bottom);
  });
  assert.ok(gap <= 1, `the reply ended ${gap} px below the list's visible end`);
  assert.equal(await bubble.locator('.cb-jump').isVisible(), false, 'no jump button: the visitor never scrolled');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, Tab and Shift+Tab stay inside the full-screen panel', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await phonePage(page, 'phone-trap.html', { 'data-starters': 'Prices | Hours' });
  const bubble = widget(page);
  await tapOpen(page);
  await bubble.locator('.cb-input').focus();
  const focusInside = () => page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    return document.activeElement === root.host && root.querySelector('.cb-panel').contains(root.activeElement);
  });
  for (let i = 0; i < 8; i += 1) {
    await page.keyboard.press('Tab');
    assert.ok(await focusInside(), `Tab ${i + 1} left the panel`);
  }
  for (let i = 0; i < 8; i += 1) {
    await page.keyboard.press('Shift+Tab');
    assert.ok(await focusInside(), `Shift+Tab ${i + 1} left the panel`);
  }
  // Screen readers are told the page behind is out of reach too.
  assert.equal(await bubble.locator('.cb-panel').getAttribute('aria-modal'), 'true');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a phone held sideways (844x390) gets the full-screen panel and the page behind stays still', async () => {
  const { context, page, problems } = await openPage(env.browser, {
    viewport: { width: 844, height: 390 }, isMobile: true, hasTouch: true, deviceScaleFactor: 3,
  });
  await phonePage(page, 'landscape.html');
  const bubble = widget(page);
  await tapOpen(page);
  assert.deepEqual(await bubble.locator('.cb-panel').boundingBox(), { x: 0, y: 0, width: 844, height: 390 });
  assert.equal(await page.evaluate(() => getComputedStyle(document.documentElement).overflow), 'hidden');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on phones and small windows the panel of a launcher on the left covers the screen too, and its Send works', async () => {
  for (const viewport of [{ width: 390, height: 844 }, { width: 320, height: 568 }, { width: 844, height: 390 }, { width: 600, height: 900 }]) {
    const { context, page, problems } = await openPage(env.browser, { viewport, isMobile: true, hasTouch: true });
    await phonePage(page, 'left.html', { 'data-position': 'left' });
    const bubble = widget(page);
    await tapOpen(page);
    assert.deepEqual(await bubble.locator('.cb-panel').boundingBox(), { x: 0, y: 0, ...viewport }, JSON.stringify(viewport));
    await bubble.locator('.cb-input').tap();
    await bubble.locator('.cb-input').fill('from the left');
    await bubble.locator('.cb-send').tap();
    await waitForReply(page, defaultReply('from the left'));
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('on a touch tablet the floating panel\'s message box has 16 px text, so focusing it does not zoom the page', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 820, height: 1180 }, hasTouch: true });
  await phonePage(page, 'tablet.html');
  const bubble = widget(page);
  await tapOpen(page);
  const panel = await bubble.locator('.cb-panel').boundingBox();
  assert.ok(panel.width < 500, `the floating panel, not the full-screen one: ${panel.width} px wide`);
  assert.equal(await bubble.locator('.cb-input').evaluate((e) => getComputedStyle(e).fontSize), '16px');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a touch screen every control of the panel is at least 44 px each way', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await phonePage(page, 'phone-targets.html', { 'data-starters': 'Prices | Hours', 'data-attachments': 'files' });
  const bubble = widget(page);
  await tapOpen(page);
  const small = () => controlsSmallerThan(page, 44, '.cb-panel button, .cb-panel textarea, .cb-panel summary');
  assert.equal(await bubble.locator('.cb-attach').count(), 1);
  assert.deepEqual(await small(), [], 'header buttons, suggestions, message box, Attach, Send');
  // A chosen file's chip: its Remove.
  await bubble.locator('.cb-panel input[type="file"]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('notes') });
  await bubble.locator('.cb-chip-remove').waitFor();
  assert.deepEqual(await small(), [], 'a file chip\'s Remove');
  await bubble.locator('.cb-chip-remove').tap();
  await bubble.locator('.cb-chip').waitFor({ state: 'detached' });
  // A finished reply with a code block: its Copy buttons.
  await echoReplies(page, () => 'Some code:\n\n```\nx = 1\n```', { deltas: 3, delay: 10 });
  await exchange(page, 'a finished reply', 1);
  await page.unroute('**/completions/**');
  assert.equal(await bubble.locator('.cb-code .cb-copy').count(), 1);
  // A reply cut by the server: its Retry.
  await page.route('**/completions/**', (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('mock_fault', 'drop');
    route.continue({ url: url.toString() });
  });
  await bubble.locator('.cb-input').fill('cut short');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-retry').waitFor();
  await bubble.locator('.cb-send:not(.cb-stop)').waitFor();
  assert.deepEqual(await small(), [], 'Copy and Retry in the messages');
  // Retry takes a finger's 44 px, but what it draws keeps to its line: its edge crosses neither
  // the words above nor the line below.
  const drawn = await bubble.locator('.cb-message-status .cb-retry').evaluate((button) => {
    const box = button.getBoundingClientRect();
    const line = button.closest('.cb-message-status').getBoundingClientRect();
    const own = getComputedStyle(button);
    const pill = getComputedStyle(button, '::before');
    const bordered = own.borderTopStyle !== 'none' && !/rgba\(0, 0, 0, 0\)|transparent/.test(own.borderTopColor);
    const [top, bottom] = bordered || pill.content === 'none'
      ? [box.top, box.bottom]
      : [box.top + parseFloat(pill.top), box.bottom - parseFloat(pill.bottom)];
    return { top, bottom, lineTop: line.top, lineBottom: line.bottom };
  });
  assert.ok(drawn.top >= drawn.lineTop - 2 && drawn.bottom <= drawn.lineBottom + 2, JSON.stringify(drawn));
  await context.close();
  assert.ok(problems.every((p) => !p.startsWith('pageerror')), problems.join('\n'));
});

test('on a touch screen the targets of a regenerated reply\'s Copy, Regenerate and version steps do not overlap', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await phonePage(page, 'phone-versions.html');
  const bubble = widget(page);
  await tapOpen(page);
  await exchange(page, 'hello there', 1);
  await bubble.locator('.cb-assistant .cb-regenerate').tap();
  await bubble.locator('.cb-version-step').first().waitFor({ timeout: 15000 });
  await bubble.locator('.cb-assistant .cb-regenerate').waitFor({ timeout: 15000 });
  const overlaps = await bubble.locator('.cb-assistant').last().evaluate((row) => {
    const buttons = [...row.querySelectorAll('button')].filter((b) => b.getClientRects().length);
    const found = [];
    for (const [i, a] of buttons.entries()) {
      for (const b of buttons.slice(i + 1)) {
        const r = a.getBoundingClientRect();
        const q = b.getBoundingClientRect();
        const w = Math.min(r.right, q.right) - Math.max(r.left, q.left);
        const h = Math.min(r.bottom, q.bottom) - Math.max(r.top, q.top);
        if (w > 0.5 && h > 0.5) found.push(`${a.getAttribute('aria-label') || a.textContent} and ${b.getAttribute('aria-label') || b.textContent}: ${w.toFixed(0)} x ${h.toFixed(0)} px`);
      }
    }
    return [buttons.length, found];
  });
  assert.ok(overlaps[0] >= 4, `Copy, Regenerate and two version steps: ${overlaps[0]} buttons`);
  assert.deepEqual(overlaps[1], [], 'no two targets overlap');
  await context.close();
  assert.ok(problems.every((p) => !p.startsWith('pageerror')), problems.join('\n'));
});

test('on a touch screen a code block\'s Copy sits above the code, and Sources shows that it opens', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await phonePage(page, 'phone-code.html');
  const bubble = widget(page);
  await tapOpen(page);
  await bubble.locator('.cb-input').tap();
  await bubble.locator('.cb-input').fill('show me markdown');
  await bubble.locator('.cb-send').tap();
  await bubble.locator('.cb-assistant .cb-sources').waitFor({ timeout: 15000 });
  const shape = await page.evaluate(() => {
    const summary = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-sources summary');
    return {
      // A summary shows its triangle (its ::marker) only as a list item.
      summaryDisplay: getComputedStyle(summary).display,
      summaryHeight: summary.getBoundingClientRect().height,
    };
  });
  const { button, firstLine } = await codeCopyAndFirstLine(page);
  assert.ok(button.height >= 44, `Copy is ${button.height} px tall`);
  assert.ok(button.bottom <= firstLine.top, `Copy ends at ${button.bottom}, the code starts at ${firstLine.top}`);
  assert.equal(shape.summaryDisplay, 'list-item');
  assert.ok(shape.summaryHeight >= 44, `Sources is ${shape.summaryHeight} px tall`);
  assert.ok(problems.every((p) => !p.startsWith('pageerror')), problems.join('\n'));
  await context.close();
});

test('a phone held sideways with its keyboard up keeps lines of the conversation between header and composer', async () => {
  const { context, page, problems } = await openPage(env.browser, { ...PHONE, viewport: { width: 844, height: 390 } });
  await phonePage(page, 'phone-short.html', { 'data-subtitle': 'We answer in minutes' });
  const bubble = widget(page);
  await tapOpen(page);
  await exchange(page, 'hello', 1);
  const heights = () => page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const h = (sel) => Math.round(root.querySelector(sel).getBoundingClientRect().height);
    return { header: h('.cb-header'), list: h('.cb-messages'), composer: h('.cb-composer') };
  });
  const roomy = await heights();
  assert.ok(roomy.header >= 60, `sideways, keyboard down: the header keeps its padding (${JSON.stringify(roomy)})`);
  // The keyboard takes all but 180 px.
  await page.setViewportSize({ width: 844, height: 180 });
  await page.waitForFunction(() => {
    const panel = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-panel');
    return Math.round(panel.getBoundingClientRect().height) === 180;
  });
  const short = await heights();
  assert.ok(short.list >= 75, `at least three lines of messages: ${JSON.stringify(short)}`);
  assert.equal(await bubble.locator('.cb-subtitle').isVisible(), false);
  // Every control still takes a finger.
  for (const sel of ['.cb-header .cb-icon-button', '.cb-send']) {
    const box = await bubble.locator(sel).first().boundingBox();
    assert.ok(box.height >= 44, `${sel}: ${box.height}`);
  }
  // A long draft: the box grows, but not over the header, and lines of the conversation stay.
  await bubble.locator('.cb-input').fill('word '.repeat(700));
  const tops = () => page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const box = (sel) => root.querySelector(sel).getBoundingClientRect();
    return { header: Math.round(box('.cb-header').top), list: Math.round(box('.cb-messages').height), composerBottom: Math.round(box('.cb-composer').bottom) };
  });
  const long = await tops();
  assert.ok(long.header >= 0, `the header starts at ${long.header}`);
  assert.ok(long.list >= 40, `lines of the conversation: ${JSON.stringify(long)}`);
  assert.ok(long.composerBottom <= 180, `the composer ends at ${long.composerBottom}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('in a window zoomed to 400 %, the message box can be scrolled to under a question, a notice or files', async () => {
  // 1280 x 800 at 400 %: a 320 x 200 window of CSS pixels, a mouse's wheel to scroll with.
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 320, height: 200 }, deviceScaleFactor: 4 });
  await phonePage(page, 'zoomed.html', { 'data-attachments': 'files' });
  const bubble = widget(page);
  const panel = bubble.locator('.cb-panel');
  /** Scrolls the panel down with the wheel as far as it goes; whether the message box, Send and
   * the count of characters left (when it shows) are then whole inside it. */
  const boxReached = async () => {
    // From the middle of the panel, over the conversation's lines.
    await page.mouse.move(160, 100);
    for (let i = 0; i < 5; i++) await page.mouse.wheel(0, 200);
    await page.waitForTimeout(300);
    return panel.evaluate((p) => {
      const shown = p.getBoundingClientRect();
      return [p.querySelector('.cb-input'), p.querySelector('.cb-send'), p.querySelector('.cb-count')].filter(Boolean).every((e) => {
        const box = e.getBoundingClientRect();
        return box.top >= shown.top - 0.5 && box.bottom <= shown.bottom + 0.5;
      });
    });
  };
  await bubble.locator('.cb-launcher[aria-expanded]').click();
  await panel.waitFor({ state: 'visible' });
  await exchange(page, 'hello there', 1);
  // Files and a long message.
  await bubble.locator('.cb-panel input[type="file"]').setInputFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('notes') });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await bubble.locator('.cb-input').fill('x'.repeat(3990));
  await bubble.locator('.cb-count').waitFor();
  assert.ok(await boxReached(), 'under a file\'s chip, with the count of characters left');
  // A problem's notice.
  await bubble.locator('.cb-chip-remove').click();
  await page.route('**/completions/**', (route) => route.abort());
  await bubble.locator('.cb-input').fill('this one fails');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-notice').waitFor();
  await page.unroute('**/completions/**');
  assert.ok(await boxReached(), 'under a notice');
  // The New conversation question.
  await bubble.locator('.cb-input').fill('');
  await bubble.locator('.cb-header .cb-new').click();
  await bubble.locator('.cb-confirm').waitFor();
  assert.ok(await boxReached(), 'under the New conversation question');
  await context.close();
  assert.ok(problems.every((p) => !p.startsWith('pageerror')), problems.join('\n'));
});

test('on a narrow phone, a suggestion of one long word stays inside the panel', async () => {
  const { context, page, problems } = await openPage(env.browser, { ...PHONE, viewport: { width: 320, height: 640 } });
  const long = `Averyveryverylongsuggestion${'withoutanyspaces'.repeat(3)}`;
  await phonePage(page, 'phone-long-starter.html', { 'data-starters': `${long} | Hours` });
  const bubble = widget(page);
  await tapOpen(page);
  const box = await bubble.locator('.cb-starter').first().boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 320, JSON.stringify(box));
  assert.equal(await bubble.locator('.cb-starter').first().textContent(), long);
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, a table wider than the reply scrolls with its headings over their columns\' words', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await phonePage(page, 'phone-table.html');
  await echoReplies(page, () => '| Plan | Price | Notes |\n|---|---|---|\n| Solo | $5 | Good for one person, see https://example.com/plans/solo/details-and-limits |\n| Team | $20 | Up to ten people |', { deltas: 4, delay: 5 });
  const bubble = widget(page);
  await tapOpen(page);
  await exchange(page, 'prices', 1);
  const table = bubble.locator('.cb-assistant .cb-text table');
  const { scrolls, offsets } = await table.evaluate((t) => {
    const textLeft = (cell) => {
      const range = document.createRange();
      range.selectNodeContents(cell);
      return range.getClientRects()[0].left;
    };
    const heads = [...t.querySelectorAll('th')];
    const cells = [...t.querySelectorAll('tr:last-child td')];
    return {
      scrolls: t.scrollWidth > t.clientWidth,
      offsets: heads.map((th, i) => Math.round(textLeft(th) - textLeft(cells[i]))),
    };
  });
  assert.ok(scrolls, 'the table is wider than the reply');
  assert.deepEqual(offsets, [0, 0, 0], 'each heading starts where its column\'s words start');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, a table\'s sentence keeps a few words to a line, and the table scrolls sideways instead', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await phonePage(page, 'phone-table-sentence.html');
  await echoReplies(page, () => '| product | price | stock | notes |\n|---|---|---|---|\n| alpha | 10.00 | 5 | a rather long note that goes on about it |\n| beta | 20.50 | 0 | out of stock |', { deltas: 4, delay: 5 });
  const bubble = widget(page);
  await tapOpen(page);
  await exchange(page, 'stock', 1);
  const table = bubble.locator('.cb-assistant .cb-text table');
  const { scrolls, lines, priceWidth } = await table.evaluate((t) => {
    const note = t.querySelector('tbody tr td:last-child');
    const range = document.createRange();
    range.selectNodeContents(note);
    const tops = new Set([...range.getClientRects()].filter((r) => r.width > 0).map((r) => Math.round(r.top)));
    return {
      scrolls: t.scrollWidth > t.clientWidth,
      lines: tops.size,
      priceWidth: Math.round(t.querySelector('tbody td:nth-child(2)').getBoundingClientRect().width),
    };
  });
  // The 42-character note took 8 lines of a word or two when its column shrank to fit.
  assert.ok(lines <= 4, `the note takes ${lines} lines`);
  assert.ok(scrolls, 'the table scrolls sideways rather than squeeze it');
  // Figures keep their own width.
  assert.ok(priceWidth < 100, `the price column is ${priceWidth} px wide`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone with a notch and a home indicator, the bubble and the open panel\'s controls keep clear of them', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  const url = `${env.server.url}notch.html`;
  await routeHtml(page, url, `<!doctype html><html><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1, viewport-fit=cover"><title>notch</title></head>
<body style="margin:0">${embedTag({ 'data-load': 'eager' })}</body></html>`);
  const cdp = await context.newCDPSession(page);
  // Held sideways: the notch on the left, the home indicator along the bottom.
  const insets = { top: 0, left: 47, right: 47, bottom: 21 };
  await cdp.send('Emulation.setSafeAreaInsetsOverride', { insets });
  await page.goto(url);
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').waitFor();
  // The loader's bubble gives way to the widget's as it mounts: a box read in between is none.
  const box = async (selector) => {
    for (let i = 0; i < 40; i += 1) {
      const found = await bubble.locator(selector).first().boundingBox();
      if (found) return found;
      await page.waitForTimeout(50);
    }
    return bubble.locator(selector).first().boundingBox();
  };
  const launcher = await box('.cb-launcher[aria-expanded]');
  assert.ok(launcher.x + launcher.width <= 390 - insets.right - 20 + 0.5, `launcher ${JSON.stringify(launcher)}`);
  assert.ok(launcher.y + launcher.height <= 700 - insets.bottom - 20 + 0.5, `launcher ${JSON.stringify(launcher)}`);
  await tapOpen(page);
  for (const selector of ['.cb-title', '.cb-header .cb-icon-button:last-child', '.cb-input', '.cb-send']) {
    const b = await box(selector);
    assert.ok(b.x >= insets.left && b.x + b.width <= 390 - insets.right, `${selector} ${JSON.stringify(b)}`);
    assert.ok(b.y + b.height <= 700 - insets.bottom, `${selector} ${JSON.stringify(b)}`);
  }
  // Upright: the notch at the top, the home indicator at the bottom.
  await cdp.send('Emulation.setSafeAreaInsetsOverride', { insets: { top: 47, left: 0, right: 0, bottom: 34 } });
  await page.waitForTimeout(100);
  const close = await box('.cb-header .cb-icon-button:last-child');
  assert.ok(close.y >= 47, `close ${JSON.stringify(close)}`);
  const send = await box('.cb-send');
  assert.ok(send.y + send.height <= 700 - 34, `send ${JSON.stringify(send)}`);
  assert.deepEqual(problems, []);
  await context.close();
});
