// A reply that has begun and then goes quiet says it is still coming, and stops saying so when
// words flow again (the mock's `pause` fault: three deltas, a silence, then the rest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage, send, defaultReply, waitForReply, mockSwitches } from './harness.mjs';

const env = serverAndBrowser();

test('a reply that stalls mid-stream shows "Still working on it…" until words come again', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [401] });
  await hostPage(page, env.server, 'stall.html');
  const bubble = widget(page);
  // An exchange that failed before its first word comes first: it is over, and says nothing.
  await mockSwitches(page, { fault: '401' });
  await send(page, 'refused');
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  await mockSwitches(page, { fault: 'pause', fault_after: 3, pause: 7000 });
  // Each frame: whether the sign shows, and how long the reply's text is.
  await page.evaluate(() => {
    window.__frames = [];
    const look = () => {
      const root = document.querySelector('chat-bubble').shadowRoot;
      const reply = [...root.querySelectorAll('.cb-rows .cb-assistant')].at(-1);
      window.__frames.push([Boolean(root.querySelector('.cb-stalled')), reply?.querySelector('.cb-text')?.textContent.length ?? 0]);
      requestAnimationFrame(look);
    };
    requestAnimationFrame(look);
  });
  await send(page, 'take your time');
  const reply = bubble.locator('.cb-rows .cb-assistant');
  await reply.locator('.cb-text').filter({ hasText: 'You said' }).waitFor();
  // Words are flowing: no sign yet.
  assert.equal(await bubble.locator('.cb-stalled').count(), 0);
  const sign = reply.locator('.cb-stalled');
  await sign.waitFor({ timeout: 7000 });
  assert.equal(await sign.textContent(), 'Still working on it…');
  assert.ok(await reply.locator('.cb-text').textContent(), 'the words so far stay');
  assert.equal(await reply.getAttribute('aria-busy'), 'true');
  // The rest of the reply arrives: the sign goes, and not before.
  await waitForReply(page, defaultReply('take your time'));
  assert.equal(await bubble.locator('.cb-stalled').count(), 0);
  const frames = await page.evaluate(() => window.__frames);
  const shown = frames.findIndex(([sign]) => sign);
  const gone = frames.findIndex(([sign], i) => i > shown && !sign);
  assert.ok(shown >= 0 && gone > shown);
  assert.ok(frames[gone][1] > frames[shown][1], `the sign went at ${frames[gone][1]} characters, with no new words since ${frames[shown][1]}`);
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
  await context.close();
});

test('the sign goes as soon as words flow again, while the reply still streams', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'stall-resume.html');
  // A long reply paced slowly, so it is still streaming well after the pause.
  await mockSwitches(page, { fault: 'pause', fault_after: 2, pause: 6000, length: 60, delay: 100 });
  await send(page, 'go on');
  const bubble = widget(page);
  await bubble.locator('.cb-stalled').waitFor({ timeout: 7000 });
  await bubble.locator('.cb-stalled').waitFor({ state: 'detached', timeout: 7000 });
  assert.equal(await bubble.locator('.cb-rows .cb-assistant.cb-streaming').count(), 1, 'gone while the reply still streams');
  // It ends well, with every word.
  await bubble.locator('.cb-rows .cb-assistant .cb-copy-message').waitFor({ timeout: 20000 });
  assert.match(await bubble.locator('.cb-rows .cb-assistant .cb-text').textContent(), /^w0 w1 .* w59\s*$/);
  assert.equal(await bubble.locator('.cb-stalled').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a reply that trickles a word every few seconds says it is still coming to a screen reader once', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'stall-trickle.html', { 'data-reply-timeout': '60' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').waitFor();
  // What the live regions say, each time words come into one, and how often the row shows the
  // sign.
  await page.evaluate(() => {
    window.__said = [];
    window.__signs = 0;
    const root = document.querySelector('chat-bubble').shadowRoot;
    // The message list is a log that is not live.
    const regions = () => root.querySelectorAll('[role=status], [role=alert], [aria-live]:not([aria-live=off])');
    const last = new Map([...regions()].map((r) => [r, r.textContent]));
    let sign = false;
    new MutationObserver(() => {
      for (const region of regions()) {
        const now = region.textContent;
        if (now && now !== last.get(region)) window.__said.push(now);
        last.set(region, now);
      }
      const shown = Boolean(root.querySelector('.cb-stalled, .cb-still-working'));
      if (shown && !sign) window.__signs += 1;
      sign = shown;
    }).observe(root, { subtree: true, childList: true, characterData: true });
  });
  // Four words, five seconds apart.
  await mockSwitches(page, { delay: 5000, length: 4 });
  await send(page, 'trickle');
  await bubble.locator('.cb-rows .cb-assistant .cb-copy-message').waitFor({ timeout: 45000 });
  const [said, signs] = await page.evaluate(() => [window.__said, window.__signs]);
  assert.ok(signs >= 3, `the row showed the sign at ${signs} gaps`);
  assert.equal(said.filter((words) => words.includes('Still working')).length, 1, said.join(' | '));
  assert.deepEqual(problems, []);
  await context.close();
});
