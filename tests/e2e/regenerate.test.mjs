// "Regenerate" on the last reply sends the visitor's message again; the new reply takes the old
// one's place, and the old one stays reachable ("1 / 2"). Keyboard and screen reader usable,
// and out of the way while a reply streams.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage, send, defaultReply, waitForReply, messageRows, mockSwitches, historyReads } from './harness.mjs';

const env = serverAndBrowser();

/** The completions requests' message contents; the second and later are answered with a short
 * counted reply, slowly enough to be seen streaming, or with `fault` when given. */
async function answerAgainDifferently(page, { fault } = {}) {
  const asked = [];
  await page.route('**/completions/**', (route) => {
    asked.push(JSON.parse(route.request().postData()).message.content);
    const url = new URL(route.request().url());
    if (asked.length > 1) {
      url.searchParams.set('mock_length', '4');
      url.searchParams.set('mock_delay', '400');
      if (fault) url.searchParams.set('mock_fault', fault);
    }
    route.continue({ url: url.toString() });
  });
  return asked;
}

const activeLabel = (page) => page.evaluate(() => {
  const active = document.querySelector('chat-bubble').shadowRoot.activeElement;
  return active?.getAttribute('aria-label') || active?.textContent;
});

test('Regenerate by keyboard: the same message again, the new reply in the old one\'s place, both reachable', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const asked = await answerAgainDifferently(page);
  await hostPage(page, env.server, 'regenerate.html');
  await send(page, 'tell me once more');
  const first = defaultReply('tell me once more');
  await waitForReply(page, first);
  const bubble = widget(page);
  const regenerate = bubble.locator('.cb-rows .cb-assistant .cb-regenerate');
  assert.equal(await regenerate.count(), 1, 'one Regenerate, on the last reply');
  assert.equal(await regenerate.textContent(), 'Regenerate');
  await regenerate.focus();
  await page.keyboard.press('Enter');
  // While the new reply streams, Regenerate is gone.
  await bubble.locator('.cb-rows .cb-assistant.cb-streaming').waitFor();
  assert.equal(await bubble.locator('.cb-regenerate').count(), 0);
  await waitForReply(page, 'w0 w1 w2 w3');
  assert.deepEqual(asked, ['tell me once more', 'tell me once more']);
  // One question, one reply: the new one in the old one's place.
  assert.deepEqual((await messageRows(page)).map(([role, text]) => [role, text]), [
    ['visitor', 'tell me once more'],
    ['assistant', 'w0 w1 w2 w3'],
  ]);
  const pager = bubble.locator('.cb-versions');
  assert.equal(await pager.getAttribute('aria-label'), 'Version 2 of 2');
  assert.equal(await bubble.locator('.cb-regenerate').count(), 1, 'Regenerate is back');
  // The old reply, by keyboard: focus stays on the button pressed.
  await pager.locator('[aria-label="Previous version"]').focus();
  await page.keyboard.press('Enter');
  await waitForReply(page, first);
  assert.equal(await pager.getAttribute('aria-label'), 'Version 1 of 2');
  // Said, as the reply changes away from the button that has focus.
  const heard = bubble.locator('.cb-panel .cb-sr-only[aria-live="polite"]');
  assert.equal(await heard.textContent(), `Version 1 of 2, ${first}`);
  assert.equal(await pager.locator('[aria-label="Previous version"]').getAttribute('aria-disabled'), 'true');
  assert.equal(await activeLabel(page), 'Previous version');
  await page.keyboard.press('Tab');
  assert.equal(await activeLabel(page), 'Next version');
  await page.keyboard.press('Enter');
  await waitForReply(page, 'w0 w1 w2 w3');
  assert.equal(await pager.getAttribute('aria-label'), 'Version 2 of 2');
  assert.equal((await messageRows(page)).length, 2);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a regenerated reply that fails gives the old one back, with the problem said', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [401] });
  await answerAgainDifferently(page, { fault: '401' });
  await hostPage(page, env.server, 'regenerate-fail.html');
  await send(page, 'keep this');
  await waitForReply(page, defaultReply('keep this'));
  const bubble = widget(page);
  await bubble.locator('.cb-regenerate').click();
  await bubble.locator('.cb-notice').waitFor();
  await waitForReply(page, defaultReply('keep this'));
  assert.deepEqual((await messageRows(page)).map(([role, text, status]) => [role, text, status]), [
    ['visitor', 'keep this', ''],
    ['assistant', defaultReply('keep this'), ''],
  ]);
  assert.equal(await bubble.locator('.cb-versions').count(), 0, 'one version again');
  assert.equal(await bubble.locator('.cb-regenerate').count(), 1);
  assert.deepEqual(problems.filter((p) => !p.includes('401')), []);
  await context.close();
});

test('only the last reply offers Regenerate', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'regenerate-last.html');
  await send(page, 'one');
  await waitForReply(page, defaultReply('one'));
  await send(page, 'two');
  await waitForReply(page, defaultReply('two'));
  const bubble = widget(page);
  assert.equal(await bubble.locator('.cb-regenerate').count(), 1);
  assert.equal(await bubble.locator('.cb-rows .cb-message').last().locator('.cb-regenerate').count(), 1);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the same words not sent after a regenerated reply are still kept after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [500] });
  await hostPage(page, env.server, 'regenerate-unsent.html');
  await send(page, 'say it again');
  await waitForReply(page, defaultReply('say it again'));
  const bubble = widget(page);
  await bubble.locator('.cb-regenerate').click();
  await bubble.locator('.cb-versions[aria-label="Version 2 of 2"]').waitFor();
  await waitForReply(page, defaultReply('say it again'));
  // The backend holds the question twice now, the panel shows it once. The same words again
  // do not reach the backend.
  await mockSwitches(page, { fault: 'html' });
  await send(page, 'say it again');
  await bubble.locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 });
  await mockSwitches(page, null);
  // After a reload the message not sent is still there, after the regenerated reply.
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-visitor .cb-retry').waitFor({ timeout: 20000 });
  await waitForReply(page, defaultReply('say it again'));
  assert.deepEqual((await messageRows(page)).map(([role, , status]) => [role, status]), [
    ['visitor', ''], ['assistant', ''], ['visitor', 'Not sent'],
  ]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('after a reload a regenerated reply is still one reply with its versions, the question shown once', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await answerAgainDifferently(page);
  await hostPage(page, env.server, 'regenerate-reload.html');
  await send(page, 'tell me twice');
  await waitForReply(page, defaultReply('tell me twice'));
  const bubble = widget(page);
  await bubble.locator('.cb-regenerate').click();
  await waitForReply(page, 'w0 w1 w2 w3');
  await bubble.locator('.cb-versions[aria-label="Version 2 of 2"]').waitFor();
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await waitForReply(page, 'w0 w1 w2 w3');
  // The backend holds the question twice and both replies; the panel shows them as before.
  assert.deepEqual((await messageRows(page)).map(([role, text]) => [role, text]), [
    ['visitor', 'tell me twice'],
    ['assistant', 'w0 w1 w2 w3'],
  ]);
  const pager = bubble.locator('.cb-versions');
  assert.equal(await pager.getAttribute('aria-label'), 'Version 2 of 2');
  await pager.locator('[aria-label="Previous version"]').click();
  await waitForReply(page, defaultReply('tell me twice'));
  assert.equal(await pager.getAttribute('aria-label'), 'Version 1 of 2');
  // A third version goes after the two.
  await bubble.locator('.cb-regenerate').click();
  await bubble.locator('.cb-versions[aria-label="Version 3 of 3"]').waitFor();
  await waitForReply(page, 'w0 w1 w2 w3');
  assert.equal((await messageRows(page)).length, 2);
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-versions[aria-label="Version 3 of 3"]').waitFor();
  assert.equal((await messageRows(page)).length, 2);
  assert.deepEqual(problems, []);
  await context.close();
});

test('with follow-ups watched, the earlier version of a regenerated reply is not taken for a new message after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await answerAgainDifferently(page);
  await hostPage(page, env.server, 'regenerate-follow-ups.html', { 'data-follow-ups': 'true' });
  await send(page, 'once again');
  await waitForReply(page, defaultReply('once again'));
  const bubble = widget(page);
  await bubble.locator('.cb-regenerate').click();
  await bubble.locator('.cb-versions[aria-label="Version 2 of 2"]').waitFor();
  await waitForReply(page, 'w0 w1 w2 w3');
  const reads = historyReads(page);
  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await waitForReply(page, 'w0 w1 w2 w3');
  // The history's load, then the watch's first two reads (3 s after it, and 4.5 s later).
  await reads.until(3);
  await page.waitForTimeout(100);
  assert.deepEqual((await messageRows(page)).map(([role, text]) => [role, text]), [
    ['visitor', 'once again'],
    ['assistant', 'w0 w1 w2 w3'],
  ]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a cut version asked again that fails before its first word comes back as it was, with its Retry', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [500] });
  let asked = 0;
  await page.route('**/completions/**', (route) => {
    asked += 1;
    const url = new URL(route.request().url());
    // The second asking (Regenerate) is cut after two words; the third (its Retry) fails.
    if (asked === 2) {
      url.searchParams.set('mock_length', '40');
      url.searchParams.set('mock_fault', 'drop');
      url.searchParams.set('mock_fault_after', '2');
    }
    if (asked >= 3) url.searchParams.set('mock_fault', 'html');
    route.continue({ url: url.toString() });
  });
  await hostPage(page, env.server, 'regenerate-retry-fails.html');
  await send(page, 'one more time');
  await waitForReply(page, defaultReply('one more time'));
  const bubble = widget(page);
  await bubble.locator('.cb-regenerate').click();
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  const cut = await messageRows(page);
  assert.equal(cut[1][2], 'Reply interrupted');
  assert.equal(await bubble.locator('.cb-versions').getAttribute('aria-label'), 'Version 2 of 2');
  await bubble.locator('.cb-assistant .cb-retry').click();
  await bubble.locator('.cb-notice', { hasText: 'trouble' }).waitFor({ timeout: 20000 });
  await bubble.locator('.cb-assistant .cb-retry').waitFor();
  assert.deepEqual(await messageRows(page), cut);
  assert.equal(await bubble.locator('.cb-versions').getAttribute('aria-label'), 'Version 2 of 2');
  assert.deepEqual(problems.filter((p) => !/500/.test(p)), []);
  await context.close();
});
