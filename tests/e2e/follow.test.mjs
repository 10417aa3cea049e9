// The conversation always shows what is new: the list follows a streaming reply to its end
// (finished-reply line included) however long the conversation and however fast the stream, and
// a visitor who scrolled up is left where they are, with a "jump to latest" button that counts
// what arrived meanwhile.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  serverAndBrowser, openPage, widget, defaultReply, waitForReply, mockSwitches, hostPage, send, echoReplies,
} from './harness.mjs';
import { ordinaryReply, shownLine, shownReply, checkShown } from './hostile_cases.mjs';

const env = serverAndBrowser();

/** How far (px) the end of the last row (its meta line included) is below the list's visible end. */
function hiddenBelow(page) {
  return page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const list = root.querySelector('.cb-messages').getBoundingClientRect();
    const rows = root.querySelectorAll('.cb-rows .cb-message');
    const last = rows[rows.length - 1].getBoundingClientRect();
    return Math.round(last.bottom - list.bottom);
  });
}

/**
 * Waits until the newest reply is complete and laid out whole: its Copy button (on the
 * finished-reply line) shows, and so does the assistant's name above it. A streamed reply comes
 * without a name; after the first one completes, the widget reads it from the history and puts
 * it above that reply, a line more, a few frames later.
 */
async function waitForFinishedLine(page, count) {
  await page.waitForFunction((n) => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const replies = root.querySelectorAll('.cb-assistant');
    return root.querySelectorAll('.cb-assistant .cb-copy-message').length >= n
      && replies[replies.length - 1].querySelector('.cb-sender') !== null;
  }, count, { timeout: 20000 });
}

/** Lets two animation frames pass, so a scroll asked for in the next frame has happened. */
function settle(page) {
  return page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
}

test('a long conversation keeps each new message and its whole reply in view', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'long.html');
  await mockSwitches(page, { delay: 5 });
  const gaps = [];
  for (let i = 1; i <= 14; i += 1) {
    await send(page, `message number ${i}`);
    await waitForReply(page, defaultReply(`message number ${i}`));
    await waitForFinishedLine(page, i);
    await settle(page);
    gaps.push(await hiddenBelow(page));
  }
  assert.ok(gaps.every((g) => g <= 1), `the end of the newest reply was hidden by ${JSON.stringify(gaps)} px`);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [name, cpu] of [['at full speed', 1], ['on a CPU slowed 4x (a mid-range phone)', 4]]) {
  test(`a fast stream that grows by large pieces is followed to its end, ${name}`, async () => {
    const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
    await hostPage(page, env.server, `fast-${cpu}.html`);
    const cdp = await context.newCDPSession(page);
    await cdp.send('Emulation.setCPUThrottlingRate', { rate: cpu });
    for (let run = 1; run <= 3; run += 1) {
      // 600 counted words, a few dozen at a time: each piece adds far more than one line.
      await mockSwitches(page, { length: 600, deltas: 12, delay: 15 });
      await send(page, `long reply ${run}`);
      await waitForFinishedLine(page, run);
      await settle(page);
      const gap = await hiddenBelow(page);
      assert.ok(gap <= 1, `run ${run}: the reply ended ${gap} px below the visible end`);
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('scrolled up, the visitor stays put and a "jump to latest" button counts the new replies', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'jump.html');
  const bubble = widget(page);
  await mockSwitches(page, { delay: 0 });
  for (let i = 1; i <= 6; i += 1) {
    await send(page, `early ${i}`);
    await waitForFinishedLine(page, i);
  }
  const jump = bubble.locator('.cb-jump');
  assert.equal(await jump.isVisible(), false, 'no jump button at the bottom');

  // A slow reply starts, the visitor scrolls up to read, the reply finishes out of view.
  await mockSwitches(page, { delay: 60 });
  await send(page, 'late one');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor();
  const list = bubble.locator('.cb-messages');
  await list.hover();
  await page.mouse.wheel(0, -400);
  await jump.waitFor({ state: 'visible' });
  await waitForFinishedLine(page, 7);
  await settle(page);
  const readingAt = await list.evaluate((l) => l.scrollTop);
  await page.waitForTimeout(300);
  assert.equal(await list.evaluate((l) => l.scrollTop), readingAt, 'the visitor stays where they scrolled');
  assert.ok(await hiddenBelow(page) > 100, 'the finished reply is below the visible end');
  assert.match(await jump.textContent(), /1 new/);
  assert.match(await jump.getAttribute('aria-label'), /1 new/);

  await jump.click();
  await page.waitForFunction(() => {
    const list = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-messages');
    return list.scrollTop + list.clientHeight >= list.scrollHeight - 1;
  });
  await jump.waitFor({ state: 'hidden' });
  assert.ok(await hiddenBelow(page) <= 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('moved up by something else than the visitor (find in page, a screen reader, the host), the list stays put as the reply grows', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'moved.html');
  const bubble = widget(page);
  await mockSwitches(page, { delay: 0 });
  for (let i = 1; i <= 6; i += 1) {
    await send(page, `early ${i}`);
    await waitForFinishedLine(page, i);
  }
  await mockSwitches(page, { length: 300, deltas: 60, delay: 40 });
  await send(page, 'late one');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor();
  // No wheel, key or touch: the page brings the first question into view, as finding its text
  // in the page does.
  await bubble.locator('.cb-message').first().evaluate((row) => row.scrollIntoView({ block: 'start' }));
  await settle(page);
  const place = () => bubble.locator('.cb-message').first().evaluate((row) => {
    const list = row.closest('.cb-messages');
    return Math.round(row.getBoundingClientRect().top - list.getBoundingClientRect().top);
  });
  const before = await place();
  assert.ok(before >= -1 && before < 100, `the first question is at the top of the list: ${before} px`);
  const text = () => bubble.locator('.cb-assistant .cb-text').last().evaluate((t) => t.textContent.length);
  const grown = await text();
  await page.waitForTimeout(800);
  assert.ok(await text() > grown, 'the reply grew meanwhile');
  assert.equal(await place(), before, 'the first question stays where it was brought');
  await bubble.locator('.cb-jump').waitFor({ state: 'visible' });
  await waitForFinishedLine(page, 7);
  await settle(page);
  assert.equal(await place(), before, 'the finished reply does not pull the list to the end');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a long reply: its early chunks are skipped while out of view, and a visitor who scrolls up into it mid-reply stays put', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'long-reply.html');
  const bubble = widget(page);
  // The mock echoes 80 KB of ordinary paragraphs back (whole ones), in 1,000 deltas 10 ms apart.
  const text = ordinaryReply(80_000).replace(/[^\n]*$/, '');
  await echoReplies(page, () => text, { deltas: 1000, delay: 10 });
  await send(page, 'a long one, please');
  const chunks = bubble.locator('.cb-assistant .cb-text > .cb-chunk');
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-assistant.cb-streaming .cb-text > .cb-chunk').length >= 4, null, { timeout: 20000 });
  await settle(page);
  // What a chunk skips is its content: its first paragraph is not rendered.
  assert.equal(await chunks.first().evaluate((c) => c.firstElementChild.checkVisibility({ contentVisibilityAuto: true })), false,
    'the first chunk is laid out while the view is at the end');

  // The visitor scrolls up into the reply while it streams: what they read does not move.
  const list = bubble.locator('.cb-messages');
  await list.hover();
  await page.mouse.wheel(0, -1200);
  await bubble.locator('.cb-jump').waitFor({ state: 'visible' });
  await settle(page);
  const reading = () => page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const top = root.querySelector('.cb-messages').getBoundingClientRect().top;
    const body = root.querySelector('.cb-assistant .cb-text');
    const p = [...body.querySelectorAll('p')].find((e) => e.getBoundingClientRect().top >= top);
    return {
      at: { text: p.textContent.slice(0, 40), top: Math.round(p.getBoundingClientRect().top) },
      length: body.textContent.length,
      chunks: body.querySelectorAll(':scope > .cb-chunk').length,
    };
  });
  const before = await reading();
  await page.waitForTimeout(1000);
  const after = await reading();
  assert.deepEqual(after.at, before.at, 'the paragraph in view moved');
  assert.ok(after.length > before.length && after.chunks > before.chunks,
    `the reply grew meanwhile: ${JSON.stringify([before, after])}`);

  // The whole reply, every paragraph of it, once it ends.
  await waitForFinishedLine(page, 1);
  checkShown({ name: 'the long reply', text, shown: shownLine }, await shownReply(page));
  assert.deepEqual(problems, []);
  await context.close();
});

/** Where (px) `locator`'s element is from the top of the list. */
const fromListTop = (locator) => locator.evaluate((e) => {
  const list = e.getRootNode().querySelector('.cb-messages');
  return Math.round(e.getBoundingClientRect().top - list.getBoundingClientRect().top);
});

test('keyboard focus moved back to an earlier reply while one streams stays in view', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'focus-back.html');
  const bubble = widget(page);
  await mockSwitches(page, { delay: 0 });
  for (let i = 1; i <= 4; i += 1) {
    await send(page, `early ${i}`);
    await waitForFinishedLine(page, i);
  }
  await mockSwitches(page, { length: 400, deltas: 100, delay: 40 });
  await send(page, 'a long one');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor();
  // From the message box, Shift+Tab until focus is on a control of the last finished reply.
  await bubble.locator('.cb-input').focus();
  for (let i = 0; i < 10; i += 1) {
    await page.keyboard.press('Shift+Tab');
    const inFinished = await page.evaluate(() => {
      const active = document.querySelector('chat-bubble').shadowRoot.activeElement;
      return active?.closest('.cb-assistant:not(.cb-streaming)') !== null && active?.closest('.cb-assistant') !== null;
    });
    if (inFinished) break;
  }
  const focused = bubble.locator(':focus');
  const before = await fromListTop(focused);
  const text = () => bubble.locator('.cb-assistant .cb-text').last().evaluate((t) => t.textContent.length);
  const grown = await text();
  await page.waitForTimeout(1500);
  assert.ok(await text() > grown, 'the reply grew meanwhile');
  assert.equal(await fromListTop(focused), before, 'the focused control stays where it was');
  await bubble.locator('.cb-jump').waitFor({ state: 'visible' });
  assert.deepEqual(problems, []);
  await context.close();
});

test('a window resized or zoomed into the full-screen layout keeps the end in view, idle and mid-reply', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'resized.html');
  const bubble = widget(page);
  await mockSwitches(page, { delay: 0 });
  for (let i = 1; i <= 8; i += 1) {
    await send(page, `message number ${i}`);
    await waitForFinishedLine(page, i);
  }
  await settle(page);
  // 640x400 is a 1280x800 window at 200 % browser zoom; 600x800 a window snapped to a narrow half.
  for (const [width, height] of [[640, 400], [1280, 800], [600, 800], [1280, 800]]) {
    await page.setViewportSize({ width, height });
    await page.waitForTimeout(300);
    await settle(page);
    assert.ok(await hiddenBelow(page) <= 1, `${width}x${height}: the end is ${await hiddenBelow(page)} px below`);
    assert.ok(await bubble.locator('.cb-jump').isHidden(), `${width}x${height}: no jump button`);
  }
  // Mid-reply, the list goes on following the reply to its end.
  await mockSwitches(page, { length: 200, deltas: 50, delay: 30 });
  await send(page, 'a long one');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor();
  await page.setViewportSize({ width: 600, height: 800 });
  await waitForFinishedLine(page, 9);
  await settle(page);
  assert.ok(await hiddenBelow(page) <= 1, `after the reply the end is ${await hiddenBelow(page)} px below`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('text pressed on to select it while a reply streams stays under the pointer; selected, the list stays there after', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'select.html');
  const bubble = widget(page);
  await mockSwitches(page, { delay: 0 });
  for (let i = 1; i <= 3; i += 1) {
    await send(page, `early ${i}`);
    await waitForFinishedLine(page, i);
  }
  await mockSwitches(page, { length: 400, delay: 40 });
  await send(page, 'a long one');
  const streaming = bubble.locator('.cb-assistant.cb-streaming .cb-text');
  await page.waitForFunction(() => /\bw40\b/.test(
    document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-assistant.cb-streaming .cb-text')?.textContent ?? ''));
  // Where the word "w20" is on the screen.
  const wordAt = () => streaming.evaluate((text) => {
    const walker = document.createTreeWalker(text, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      const at = node.data.search(/\bw20 /);
      if (at >= 0) {
        const range = document.createRange();
        range.setStart(node, at);
        range.setEnd(node, at + 3);
        const box = range.getBoundingClientRect();
        return { x: box.left + 1, y: box.top + box.height / 2 };
      }
    }
    return null;
  });
  const start = await wordAt();
  await page.mouse.move(start.x, start.y);
  await page.mouse.down();
  const length = () => streaming.evaluate((t) => t.textContent.length);
  const grown = await length();
  const ys = [];
  for (let i = 0; i < 5; i += 1) {
    await page.mouse.move(start.x + 8 * (i + 1), start.y, { steps: 2 });
    await page.waitForTimeout(300);
    ys.push(Math.round((await wordAt()).y));
  }
  assert.ok(await length() > grown, 'the reply grew while the button was held');
  assert.ok(ys.every((y) => Math.abs(y - Math.round(start.y)) <= 1), `the word moved: ${Math.round(start.y)} then ${ys}`);
  await page.mouse.up();
  const selected = await page.evaluate(() => document.querySelector('chat-bubble').shadowRoot.getSelection().toString());
  assert.ok(selected.length > 0 && selected.length < 20, `selected ${JSON.stringify(selected)}`);
  // With text selected the list stays there as the reply goes on, and offers the way back.
  await bubble.locator('.cb-jump').waitFor({ state: 'visible' });
  const after = (await wordAt()).y;
  await page.waitForTimeout(600);
  assert.ok(Math.abs((await wordAt()).y - after) <= 1, 'the selected word stays in view');
  // A click that selects nothing lets the list go on following.
  await bubble.locator('.cb-jump').click();
  const text = await streaming.boundingBox();
  await page.mouse.click(text.x + 5, text.y + text.height - 5);
  await page.waitForTimeout(600);
  assert.ok(await bubble.locator('.cb-jump').isHidden(), 'still following after a plain click');
  assert.deepEqual(problems, []);
  await context.close();
});
