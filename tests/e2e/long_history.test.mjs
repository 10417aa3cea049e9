// A long stored conversation opened as a visitor would: the end shows first, older rows come in
// above it a slice at a time, every row is built once, and the order is the conversation's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, hostPage, widget, api, PHONE } from './harness.mjs';

const env = serverAndBrowser();
const EXCHANGES = 300;


/** A conversation of `exchanges` questions and replies, made through the mock's API. */
async function longConversation(exchanges = EXCHANGES) {
  const { id, visitorToken } = await api(env.server, 'conversations/', { webChat: 'e2e-web-chat' });
  for (let i = 0; i < exchanges; i++) {
    await api(env.server, 'chatbots/e2e-bot/completions/?mock_delay=0', {
      conversation: id, message: { content: `question ${i}`, attachments: [] }, isStreaming: false,
    }, visitorToken);
  }
  return { id, visitorToken };
}

test('a long history shows its end first, builds each row once and keeps its order', async () => {
  const conversation = await longConversation();
  const { context, page, problems } = await openPage(env.browser);
  await page.addInitScript((stored) => {
    localStorage.setItem('chat-bubble:e2e-web-chat:conversation', JSON.stringify(stored));
    // Every row the list gets, in the order it gets them; and the rows present at the first
    // frame that has any.
    window.__rows = { added: 0, removed: 0, first: null };
    const watch = () => {
      const rows = document.querySelector('chat-bubble')?.shadowRoot?.querySelector('.cb-rows');
      if (!rows) return requestAnimationFrame(watch);
      // Rows come alone or inside the batch that holds them.
      const count = (nodes) => [...nodes].reduce((n, node) => n + (node.classList?.contains('cb-message') ? 1 : node.querySelectorAll?.('.cb-message').length ?? 0), 0);
      new MutationObserver((records) => {
        for (const r of records) {
          window.__rows.added += count(r.addedNodes);
          window.__rows.removed += count(r.removedNodes);
        }
      }).observe(rows, { childList: true, subtree: true });
      const firstFrame = () => {
        const texts = [...rows.querySelectorAll('.cb-message .cb-text')].map((e) => e.textContent);
        if (texts.length) window.__rows.first = texts;
        else requestAnimationFrame(firstFrame);
      };
      requestAnimationFrame(firstFrame);
    };
    requestAnimationFrame(watch);
  }, conversation);
  await hostPage(page, env.server, 'long-history.html');
  await widget(page).locator('.cb-launcher').click();
  const total = EXCHANGES * 2;
  await page.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length >= n, total, { timeout: 60000 });

  const { added, removed, first } = await page.evaluate(() => window.__rows);
  // The first frame with rows has the newest ones, not the whole history.
  assert.ok(first.length < total, `the first frame built all ${first.length} rows at once`);
  assert.ok(first.at(-1).length > 0 && first.at(-2) === `question ${EXCHANGES - 1}`, JSON.stringify(first.slice(-2)));
  // Each row was put in the list once: none was taken out and put back.
  assert.equal(added, total);
  assert.equal(removed, 0);
  const texts = await widget(page).locator('.cb-rows .cb-visitor .cb-text').allTextContents();
  assert.deepEqual(texts, Array.from({ length: EXCHANGES }, (_, i) => `question ${i}`));
  assert.equal(await widget(page).locator('.cb-status').count(), 0, 'the loading line stays after the history is in');
  // The oldest rows, far above the view, are not laid out until the visitor scrolls to them.
  const oldest = widget(page).locator('.cb-rows .cb-message').first();
  const rendered = () => oldest.evaluate((row) => row.checkVisibility({ contentVisibilityAuto: true }));
  assert.equal(await rendered(), false, 'the oldest row is laid out while the view is at the end');
  // With the keyboard only: the list focused, Home goes to the start of the conversation.
  await widget(page).locator('.cb-messages').focus();
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-rows .cb-message').checkVisibility({ contentVisibilityAuto: true }));
  assert.equal(await oldest.locator('.cb-text').textContent(), 'question 0');
  // There the oldest reply has its time and its Copy, as the newest one has, and Tab reaches
  // that Copy first.
  const firstReply = widget(page).locator('.cb-rows .cb-assistant').first();
  await firstReply.locator('.cb-copy-message').waitFor({ timeout: 10000 });
  assert.match(await firstReply.locator('time').textContent(), /^\d{1,2}:\d{2}/);
  // One press reached the very start and stays there while the rows at the top fill in (the
  // browser would keep a row in place as the rows above it grew, a screen or more down).
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(() => setTimeout(r, 200)))));
  assert.equal(await widget(page).locator('.cb-messages').evaluate((list) => list.scrollTop), 0, 'one Home is the start');
  const lastReply = widget(page).locator('.cb-rows .cb-assistant').last();
  assert.equal(await lastReply.locator('.cb-copy-message').count(), 1);
  await page.keyboard.press('Tab');
  assert.equal(await firstReply.locator('.cb-copy-message').evaluate((b) => b.getRootNode().activeElement === b), true, 'Tab from the list did not reach the oldest reply\'s Copy');
  assert.deepEqual(problems, []);
  await context.close();
});

test('after a reload, one Home reaches the start of the conversation and stays there as its rows fill in', async () => {
  const conversation = await longConversation(40);
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.addInitScript((stored) => {
    localStorage.setItem('chat-bubble:e2e-web-chat:conversation', JSON.stringify(stored));
  }, conversation);
  await hostPage(page, env.server, 'long-history-home.html');
  await widget(page).locator('.cb-launcher').click();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length >= 80, null, { timeout: 30000 });
  await page.waitForTimeout(1000);
  const list = widget(page).locator('.cb-messages');
  await list.focus();
  await page.keyboard.press('Home');
  await widget(page).locator('.cb-rows .cb-assistant').first().locator('.cb-copy-message').waitFor({ timeout: 10000 });
  await page.waitForTimeout(1500);
  assert.equal(await list.evaluate((l) => l.scrollTop), 0, 'one Home is the start');
  const top = await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const box = root.querySelector('.cb-messages').getBoundingClientRect();
    const row = [...root.querySelectorAll('.cb-rows .cb-message')].find((e) => e.getBoundingClientRect().bottom > box.top + 5);
    return row.querySelector('.cb-text').textContent;
  });
  assert.equal(top, 'question 0');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the oldest question brought into view by the page (find in page, a screen reader) stays there as its rows fill in', async () => {
  const conversation = await longConversation();
  const { context, page, problems } = await openPage(env.browser);
  await page.addInitScript((stored) => {
    localStorage.setItem('chat-bubble:e2e-web-chat:conversation', JSON.stringify(stored));
  }, conversation);
  await hostPage(page, env.server, 'long-history-found.html');
  await widget(page).locator('.cb-launcher').click();
  await page.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length >= n, EXCHANGES * 2, { timeout: 60000 });
  const oldest = widget(page).locator('.cb-rows .cb-message').first();
  // No wheel, key or touch: the page scrolls the oldest question into view, as finding its
  // text does. Its batch is laid out at its real size and its rows gain their times and actions.
  await oldest.evaluate((row) => row.scrollIntoView({ block: 'start' }));
  await widget(page).locator('.cb-rows .cb-assistant').first().locator('.cb-copy-message').waitFor({ timeout: 10000 });
  await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
  const top = await oldest.evaluate((row) => Math.round(row.getBoundingClientRect().top - row.closest('.cb-messages').getBoundingClientRect().top));
  assert.ok(top >= -1 && top < 100, `the oldest question is not at the top of the list, but ${top} px from it`);
  assert.equal(await oldest.locator('.cb-text').textContent(), 'question 0');
  assert.equal(await widget(page).locator('.cb-jump').isVisible(), true, 'away from the end, the jump button shows');
  assert.deepEqual(problems, []);
  await context.close();
});

// The three ways a visitor scrolls: a mouse wheel, a finger on a phone, a key.
const SCROLLS_UP = {
  'with the wheel': {
    phone: false,
    async scroll(page, list) {
      await list.hover();
      await page.mouse.wheel(0, -300);
    },
  },
  'with a finger on a phone': {
    phone: true,
    async scroll(page, list, cdp) {
      // A finger put on the list and drawn 300 px down, then lifted.
      const box = await list.boundingBox();
      const x = box.x + box.width / 2;
      const y = box.y + 100;
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchStart', touchPoints: [{ x, y }] });
      for (let moved = 50; moved <= 300; moved += 50) {
        await cdp.send('Input.dispatchTouchEvent', { type: 'touchMove', touchPoints: [{ x, y: y + moved }] });
      }
      await cdp.send('Input.dispatchTouchEvent', { type: 'touchEnd', touchPoints: [] });
    },
  },
  'with Page Up': {
    phone: false,
    async scroll(page, list) {
      await list.focus();
      await page.keyboard.press('PageUp');
    },
  },
};

/** One visitor's scroll up while older rows come in: the row at the top of the view, and its
 * place, before and after the rest came in (`before`, `after`); or, when the scroll began too
 * late or ended only once every row was in (a busy machine can be that slow), which would prove
 * nothing, what the run saw (`ran`). */
async function scrollWhileRowsComeIn(phone, scroll) {
  const conversation = await longConversation();
  const { context, page, problems } = await openPage(env.browser, phone ? PHONE : {});
  await page.addInitScript((stored) => {
    localStorage.setItem('chat-bubble:e2e-web-chat:conversation', JSON.stringify(stored));
  }, conversation);
  await hostPage(page, env.server, 'long-history-scroll.html', {}, { phone });
  // A slow phone's CPU: older rows come in over many frames, so the visitor's scroll lands while
  // most of them are still to come.
  const cdp = await context.newCDPSession(page);
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 20 });
  const list = widget(page).locator('.cb-messages');
  const rows = () => list.evaluate((el) => el.querySelectorAll('.cb-rows .cb-message').length);
  const topRow = () => list.evaluate((el) => {
    const box = el.getBoundingClientRect();
    const row = [...el.querySelectorAll('.cb-rows .cb-message')].find((r) => r.getBoundingClientRect().bottom > box.top + 1);
    return [row.querySelector('.cb-text').textContent, Math.round(row.getBoundingClientRect().top - box.top)];
  });
  const launcher = widget(page).locator('.cb-launcher');
  await (phone ? launcher.tap() : launcher.click());
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length >= 30, null, { timeout: 60000 });
  // Scroll up a little, as a reader does. Once the scroll has run its course (the distance to the
  // end, away from it, stays the same for a few frames: older rows coming in above do not change
  // it), note the row at the top of the view.
  const atStart = await rows();
  await scroll(page, list, cdp);
  const aboveEnd = await list.evaluate((el) => new Promise((resolve) => {
    let last = -1;
    let same = 0;
    let frames = 0;
    const check = () => {
      const gap = el.scrollHeight - el.clientHeight - el.scrollTop;
      same = gap === last && gap > 0 ? same + 1 : 0;
      last = gap;
      frames += 1;
      if (same >= 5 || frames > 300) resolve(gap);
      else requestAnimationFrame(check);
    };
    requestAnimationFrame(check);
  }));
  const shown = await rows();
  const before = await topRow();
  const total = EXCHANGES * 2;
  assert.ok(aboveEnd > 200, `the list is ${aboveEnd} px above its end after the visitor scrolled up`);
  // Older rows came in while the visitor scrolled, and more after: or the run proves nothing.
  if (atStart >= total - 100 || shown >= total) {
    await context.close();
    return { ran: `the scroll began after ${atStart} and ended after ${shown} of ${total} rows were in` };
  }
  await cdp.send('Emulation.setCPUThrottlingRate', { rate: 1 });
  await page.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length >= n, total, { timeout: 60000 });
  const after = await topRow();
  assert.deepEqual(problems, []);
  await context.close();
  return { before, after };
}

for (const [how, { phone, scroll }] of Object.entries(SCROLLS_UP)) test(`a visitor who scrolls up ${how} while older rows come in keeps their place`, async () => {
  // Up to three runs, for one whose scroll lands while rows are still coming in.
  const runs = [];
  let kept;
  while (!kept && runs.length < 3) {
    const run = await scrollWhileRowsComeIn(phone, scroll);
    if (run.ran) runs.push(run.ran);
    else kept = run;
  }
  assert.ok(kept, `no run scrolled while rows came in: ${runs.join('; ')}`);
  const { before, after } = kept;
  assert.equal(after[0], before[0]);
  assert.ok(Math.abs(after[1] - before[1]) <= 2, `the row moved from ${before[1]} to ${after[1]} px`);
});

test('older rows coming in do not make the browser restyle the rows already shown', async () => {
  const conversation = await longConversation();
  const { context, page, problems } = await openPage(env.browser);
  await page.addInitScript((stored) => {
    localStorage.setItem('chat-bubble:e2e-web-chat:conversation', JSON.stringify(stored));
  }, conversation);
  await hostPage(page, env.server, 'long-history-style.html');
  // The browser's own record of each style recalculation and how many elements it visited.
  const cdp = await context.newCDPSession(page);
  const events = [];
  cdp.on('Tracing.dataCollected', ({ value }) => events.push(...value.filter((e) => e.name === 'UpdateLayoutTree' && e.ph === 'X')));
  await cdp.send('Tracing.start', { categories: 'devtools.timeline', transferMode: 'ReportEvents' });
  await widget(page).locator('.cb-launcher').click();
  const total = EXCHANGES * 2;
  await page.waitForFunction((n) => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-rows .cb-message').length >= n, total, { timeout: 60000 });
  const ended = new Promise((resolve) => cdp.once('Tracing.tracingComplete', resolve));
  await cdp.send('Tracing.end');
  await ended;
  const rowElements = await widget(page).locator('.cb-rows').evaluate((el) => el.querySelectorAll('*').length);
  const counts = events.map((e) => e.args?.elementCount ?? 0);
  assert.ok(counts.length > 10, `only ${counts.length} style recalculations recorded`);
  // Each frame restyles the rows it adds (up to a few hundred elements in a frame's 30 ms of
  // building), not all that are there: a selector that depends on a row's later siblings (`~`,
  // `:has()` over siblings) restyled every row each time one was put before them (3,601 of
  // 3,600).
  const most = Math.max(...counts);
  assert.ok(most < rowElements / 2, `a style recalculation visited ${most} elements of the list's ${rowElements}`);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a widget destroyed while a long history comes in sends nothing of what waited for the connection', async () => {
  const conversation = await longConversation();
  const { context, page, problems } = await openPage(env.browser);
  await page.addInitScript((stored) => {
    localStorage.setItem('chat-bubble:e2e-web-chat:conversation', JSON.stringify(stored));
    localStorage.setItem('chat-bubble:e2e-web-chat:unsent', JSON.stringify([{ text: 'typed offline', when_online: true }]));
  }, conversation);
  const asked = [];
  page.on('request', (r) => { if (r.url().includes('/completions/')) asked.push(r.url()); });
  await hostPage(page, env.server, 'long-history-destroy.html');
  await widget(page).locator('.cb-launcher').waitFor();
  // The page takes the widget away in the task that puts the history's first rows in, the
  // older ones still to come.
  await page.evaluate(() => {
    const root = document.querySelector('chat-bubble').shadowRoot;
    const watch = new MutationObserver(() => {
      if (root.querySelector('.cb-rows .cb-assistant')) {
        watch.disconnect();
        window.ChatBubble.destroy();
      }
    });
    watch.observe(root, { childList: true, subtree: true });
  });
  await widget(page).locator('.cb-launcher').click();
  await page.waitForFunction(() => !document.querySelector('chat-bubble'));
  await page.waitForTimeout(1500);
  assert.deepEqual(asked, []);
  assert.deepEqual(problems, []);
  await context.close();
});
