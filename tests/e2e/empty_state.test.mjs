// Without a greeting, an empty conversation still greets: the title, the assistant's picture and
// one line inviting a first message, in the visitor's language. It gives way to the first message.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage, send, defaultReply, waitForReply } from './harness.mjs';

const env = serverAndBrowser();
const AVATAR = '<svg xmlns="http://www.w3.org/2000/svg" width="20" height="20"><circle cx="10" cy="10" r="10" fill="#2563eb"/></svg>';

test('no greeting: the title, the picture and an invitation, gone once the visitor writes', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.route('**/avatar.svg', (route) => route.fulfill({ status: 200, contentType: 'image/svg+xml', body: AVATAR }));
  await hostPage(page, env.server, 'empty.html', { 'data-title': 'Acme help', 'data-avatar': `${env.server.url}avatar.svg` });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const empty = bubble.locator('.cb-empty');
  await empty.waitFor();
  assert.equal(await empty.locator('.cb-empty-title').textContent(), 'Acme help');
  assert.equal(await empty.locator('.cb-empty-invite').textContent(), "Hi! Ask me anything — I'm here to help.");
  assert.equal(await empty.locator('img.cb-empty-avatar').getAttribute('src'), `${env.server.url}avatar.svg`);
  assert.ok(await empty.isVisible());
  await send(page, 'hello');
  await waitForReply(page, defaultReply('hello'));
  assert.equal(await bubble.locator('.cb-empty').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('no greeting and no picture, in zh-TW: the chat mark and the invitation in Chinese', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'empty-zh.html', { 'data-locale': 'zh-TW' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-empty').waitFor();
  assert.equal(await bubble.locator('.cb-empty-invite').textContent(), '您好！有任何問題都可以問我。');
  assert.equal(await bubble.locator('.cb-empty .cb-empty-mark svg').count(), 1);
  assert.equal(await bubble.locator('.cb-empty-title').textContent(), '對話', 'the title in Chinese too');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a greeting set by the site takes the empty state\'s place', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'greeting.html', { 'data-greeting': 'Welcome!' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-greeting').waitFor();
  assert.equal(await bubble.locator('.cb-empty').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a picture that cannot be loaded shows no broken image: the chat mark in the empty state, nothing in the header, and the full title on hover', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [404] });
  const title = 'Acme Corporation customer help desk for orders, returns, invoices and deliveries';
  await hostPage(page, env.server, 'empty-broken.html', { 'data-title': title, 'data-avatar': `${env.server.url}no-such-picture.png` });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-empty .cb-empty-mark svg').waitFor();
  await bubble.locator('.cb-empty img.cb-empty-avatar[hidden]').waitFor({ state: 'attached' });
  assert.equal(await bubble.locator('img.cb-empty-avatar').isVisible(), false);
  await bubble.locator('.cb-header img.cb-avatar[hidden]').waitFor({ state: 'attached' });
  assert.equal(await bubble.locator('.cb-header img.cb-avatar').isVisible(), false);
  assert.equal(await bubble.locator('.cb-title').getAttribute('title'), title);
  // A reply of an assistant with no name keeps no room for the picture that is not there.
  await page.route('**/messages/**', async (route) => {
    const response = await route.fetch();
    const json = await response.json();
    for (const m of json.results || []) delete m.sender;
    await route.fulfill({ response, json });
  });
  await send(page, 'hello');
  await waitForReply(page, defaultReply('hello'));
  const reply = bubble.locator('.cb-assistant:not(.cb-greeting)');
  await reply.locator('.cb-sender img[hidden]').waitFor({ state: 'attached' });
  assert.equal(await reply.evaluate((e) => getComputedStyle(e).paddingLeft), '13px');
  assert.deepEqual(problems.filter((p) => !p.includes('no-such-picture.png')), []);
  await context.close();
});
