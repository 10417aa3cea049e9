// The widget as a Leptos component: examples/leptos-app renders chat_bubble::ChatBubble, built by
// `make test` (scripts/test.sh) and served here from the mock server's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startServer, launchBrowser, openPage, defaultReply } from './harness.mjs';

const env = {};
before(async () => {
  env.server = await startServer([], join(ROOT, 'examples', 'leptos-app', 'dist'));
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

test('a Leptos app shows the component: open, send, see the streamed reply, unmount cleanly', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.server.url}index.html`);
  const bubble = page.locator('.chat-bubble');
  // Its own shadow root: the app's document has no widget element of its own.
  await bubble.locator('.cb-launcher').waitFor();
  assert.equal(await page.evaluate(() => document.querySelector('.chat-bubble').shadowRoot !== null), true);
  assert.equal(await page.evaluate(() => document.querySelectorAll('.cb-launcher').length), 0);

  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
  assert.equal(await bubble.locator('.cb-title').textContent(), 'Leptos app assistant');
  await bubble.locator('.cb-input').fill('hello from a Leptos app');
  await bubble.locator('.cb-input').press('Enter');
  const reply = defaultReply('hello from a Leptos app');
  await page.waitForFunction(
    (want) => Array.from(document.querySelector('.chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
      .some((e) => e.textContent === want),
    reply,
    { timeout: 15000 },
  );
  // The component's stylesheet applies inside its shadow root.
  assert.equal(await bubble.locator('.cb-panel').evaluate((e) => getComputedStyle(e).position), 'fixed');

  // The app unmounts the component: the widget goes with it, and the app goes on working.
  await page.locator('#toggle-bubble').click();
  await page.waitForFunction(() => !document.querySelector('.chat-bubble'));
  await page.locator('#toggle-bubble').click();
  await bubble.locator('.cb-launcher').waitFor();
  await bubble.locator('.cb-launcher').click();
  // The conversation is kept (localStorage), so the new instance shows its history.
  await page.waitForFunction(
    (want) => Array.from(document.querySelector('.chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
      .some((e) => e.textContent === want),
    reply,
    { timeout: 15000 },
  );
  assert.deepEqual(problems, []);
  await context.close();
});
