// A reply that has begun and then goes quiet says it is still coming, and stops saying so when
// words flow again (the mock's `pause` fault: three deltas, a silence, then the rest).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage, send, defaultReply, waitForReply, mockSwitches } from './harness.mjs';

const env = serverAndBrowser();

test('a reply that stalls mid-stream shows "Still working on it…" until words come again', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'stall.html');
  await mockSwitches(page, { fault: 'pause', fault_after: 3, pause: 7000 });
  await send(page, 'take your time');
  const bubble = widget(page);
  const reply = bubble.locator('.cb-rows .cb-assistant');
  await reply.locator('.cb-text').filter({ hasText: 'You said' }).waitFor();
  // Words are flowing: no sign yet.
  assert.equal(await bubble.locator('.cb-stalled').count(), 0);
  const sign = reply.locator('.cb-stalled');
  await sign.waitFor({ timeout: 7000 });
  assert.equal(await sign.textContent(), 'Still working on it…');
  assert.ok(await reply.locator('.cb-text').textContent(), 'the words so far stay');
  assert.equal(await reply.getAttribute('aria-busy'), 'true');
  // The rest of the reply arrives: the sign goes.
  await waitForReply(page, defaultReply('take your time'));
  assert.equal(await bubble.locator('.cb-stalled').count(), 0);
  assert.deepEqual(problems, []);
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
