// The widget as a Leptos component: examples/leptos-app renders chat_bubble::ChatBubble, built by
// `make test` (scripts/test.sh) and served here from the mock server's origin.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { ROOT, startServer, launchBrowser, openPage, defaultReply, mockSwitches } from './harness.mjs';

const env = {};
before(async () => {
  env.server = await startServer([], join(ROOT, 'examples', 'leptos-app', 'dist'));
  // tests/leptos-cases: apps that use the component the ways apps do, one per `?case=`.
  env.cases = await startServer([], join(ROOT, 'tests', 'leptos-cases', 'dist'));
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
  await env.cases?.stop();
});

const inWidget = (page, selector, options) => page.locator('.chat-bubble').locator(selector, options);

// A 1×1 PNG.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

/** Resolves once the component shows an assistant's reply that reads `text`. */
const replyShown = (page, text) => page.waitForFunction(
  (want) => Array.from(document.querySelector('.chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
    .some((e) => e.textContent === want),
  text,
  { timeout: 15000 },
);

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
  await replyShown(page, reply);
  // The component's stylesheet applies inside its shadow root.
  assert.equal(await bubble.locator('.cb-panel').evaluate((e) => getComputedStyle(e).position), 'fixed');

  // The app unmounts the component: the widget goes with it, and the app goes on working.
  await page.locator('#toggle-bubble').click();
  await page.waitForFunction(() => !document.querySelector('.chat-bubble'));
  await page.locator('#toggle-bubble').click();
  await bubble.locator('.cb-launcher').waitFor();
  await bubble.locator('.cb-launcher').click();
  // The conversation is kept (localStorage), so the new instance shows its history.
  await replyShown(page, reply);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the app takes the component away mid-reply: shown again, the reply is cut with its Retry (not stopped by the visitor) until the stored one takes its place', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.server.url}index.html`);
  // Slow pieces; the backend stores the whole reply 5 s after the question.
  await mockSwitches(page, { delay: 150, stored_after: 5000 });
  await inWidget(page, '.cb-launcher').click();
  await inWidget(page, '.cb-input').fill('leave me midway');
  await inWidget(page, '.cb-input').press('Enter');
  await page.waitForFunction(() => document.querySelector('.chat-bubble').shadowRoot.querySelector('.cb-assistant .cb-text')?.textContent.length > 0);
  await page.locator('#toggle-bubble').click();
  await page.waitForFunction(() => !document.querySelector('.chat-bubble'));
  await mockSwitches(page, null);
  await page.locator('#toggle-bubble').click();
  await inWidget(page, '.cb-launcher').click();
  await inWidget(page, '.cb-assistant .cb-retry').waitFor();
  const statuses = () => page.evaluate(() => Array.from(document.querySelector('.chat-bubble').shadowRoot.querySelectorAll('.cb-message'))
    .map((e) => e.querySelector('.cb-message-status span')?.textContent ?? ''));
  assert.deepEqual(await statuses(), ['', 'Reply interrupted']);
  const reply = defaultReply('leave me midway');
  await replyShown(page, reply);
  assert.deepEqual(await statuses(), ['', '']);
  assert.deepEqual(problems.filter((p) => !/ERR_ABORTED|completions/.test(p)), []);
  await context.close();
});

test('an app that changes a prop gets a widget with the new value, the conversation kept', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.cases.url}index.html?case=title`);
  await inWidget(page, '.cb-launcher').click();
  await inWidget(page, '.cb-input').fill('before the change');
  await inWidget(page, '.cb-input').press('Enter');
  const reply = defaultReply('before the change');
  const replied = () => replyShown(page, reply);
  await replied();
  // The app renders the component again with another title: one widget, with that title.
  await page.locator('#change').click();
  await inWidget(page, '.cb-launcher').click();
  await page.waitForFunction(() => document.querySelector('.chat-bubble')?.shadowRoot?.querySelector('.cb-title')?.textContent === 'Second title');
  assert.equal(await page.evaluate(() => document.querySelectorAll('.chat-bubble').length), 1);
  await replied();
  assert.deepEqual(problems, []);
  await context.close();
});

test('an app opens the panel from its own button, follows it open and closed, and hears the chat', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.cases.url}index.html?case=driven`);
  await inWidget(page, '.cb-launcher').waitFor();
  assert.equal(await page.locator('#state').textContent(), 'closed');
  await page.locator('#contact-us').click();
  await inWidget(page, '.cb-panel').waitFor({ state: 'visible' });
  assert.equal(await page.locator('#state').textContent(), 'open');
  await inWidget(page, '.cb-input').fill('hello app');
  await inWidget(page, '.cb-input').press('Enter');
  const reply = defaultReply('hello app');
  await page.locator('#heard li', { hasText: 'reply:' }).waitFor({ timeout: 15000 });
  // The visitor closes it with Escape: the app's signal follows.
  await inWidget(page, '.cb-input').press('Escape');
  await inWidget(page, '.cb-panel').waitFor({ state: 'hidden' });
  assert.equal(await page.locator('#state').textContent(), 'closed');
  assert.deepEqual(await page.locator('#heard li').allTextContents(), [
    'open', 'message: hello app', `reply: ${[...reply].length} characters`, 'close',
  ]);
  // And opens again from the app's button.
  await page.locator('#contact-us').click();
  await inWidget(page, '.cb-panel').waitFor({ state: 'visible' });
  // Taken away open, the panel is no longer open for the app; shown again, it starts closed.
  await page.locator('#toggle').click();
  await page.waitForFunction(() => !document.querySelector('.chat-bubble'));
  assert.equal(await page.locator('#state').textContent(), 'closed');
  await page.locator('#toggle').click();
  await inWidget(page, '.cb-launcher').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await inWidget(page, '.cb-panel').isVisible(), false);
  assert.equal(await page.locator('#state').textContent(), 'closed');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a route of the app below its root, the component finds its stylesheet', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.cases.url}index.html?case=route`);
  await page.locator('#help').click();
  assert.equal(new URL(page.url()).pathname, '/help/');
  await inWidget(page, '.cb-launcher').click();
  await inWidget(page, '.cb-panel').waitFor({ state: 'visible' });
  assert.equal(await inWidget(page, '.cb-panel').evaluate((e) => getComputedStyle(e).position), 'fixed');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a stylesheet that does not load is said in the console', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 }, expectedStatuses: [404] });
  const warnings = [];
  page.on('console', (m) => { if (m.type() === 'warning') warnings.push(m.text()); });
  await page.route('**/chat-bubble.css', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(`${env.cases.url}index.html?case=route`);
  await page.locator('#help').click();
  await inWidget(page, '.cb-launcher').waitFor({ state: 'attached' });
  await expectEventually(() => warnings.some((w) => /^chat-bubble: the stylesheet http:\/\/\S+\/chat-bubble\.css did not load/.test(w)), () => JSON.stringify(warnings));
  assert.deepEqual(problems.filter((p) => !p.includes('chat-bubble.css')), []);
  await context.close();
});

test('ids that are no ids with a stylesheet that does not load: warnings, and no error thrown', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 }, expectedStatuses: [404] });
  await page.route('**/chat-bubble.css', (route) => route.fulfill({ status: 404, body: 'gone' }));
  await page.goto(`${env.cases.url}index.html?case=wrong-ids`);
  await page.waitForFunction(() => document.querySelector('.chat-bubble')?.shadowRoot);
  await page.waitForTimeout(500);
  assert.deepEqual(problems.filter((p) => !p.includes('chat-bubble.css') && !p.includes('not started')), []);
  await context.close();
});

test('inside a card with a transform, the bubble stays in the corner of the window and its panel is whole', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.cases.url}index.html?case=card`);
  await inWidget(page, '.cb-launcher').waitFor();
  // Hung from <html>, in the Portal's <div>, which takes no box of its own.
  assert.deepEqual(await page.evaluate(() => {
    const wrapper = document.querySelector('.chat-bubble').parentElement;
    return [wrapper.parentElement === document.documentElement, getComputedStyle(wrapper).display];
  }), [true, 'contents']);
  await page.evaluate(() => window.scrollTo(0, 1500));
  const launcher = await inWidget(page, '.cb-launcher').boundingBox();
  assert.ok(launcher.y + launcher.height <= 800 && launcher.y + launcher.height > 700, `launcher ends at ${launcher.y + launcher.height}`);
  assert.ok(launcher.x + launcher.width > 1180, `launcher at x ${launcher.x}`);
  await inWidget(page, '.cb-launcher').click();
  const panel = await inWidget(page, '.cb-panel').boundingBox();
  assert.deepEqual([panel.width, panel.height], [380, 600]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a suggestion with a | in its words stays one suggestion', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.cases.url}index.html?case=starters`);
  await inWidget(page, '.cb-launcher').click();
  await inWidget(page, '.cb-starters button').first().waitFor();
  assert.deepEqual(await inWidget(page, '.cb-starters button').allTextContents(), ['Plans | pricing', 'Opening hours']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a panic in the app runs the app\'s own panic hook too, and the widget says it stopped', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.cases.url}index.html?case=panic`);
  await inWidget(page, '.cb-launcher').waitFor();
  await page.locator('#app-bug').click();
  await inWidget(page, '.cb-crashed').waitFor();
  assert.equal(await page.evaluate(() => document.body.dataset.appHook), 'ran');
  const logged = problems.filter((p) => p.includes('chat-bubble: stopped by a panic'));
  assert.equal(logged.length, 1, JSON.stringify(problems));
  assert.match(logged[0], /index out of bounds/);
  await context.close();
});

test('in an app built with event delegation, the visitor fills in every field of the widget: contact step, message box, file picker', async () => {
  // tests/leptos-cases turns on Leptos's `delegation` feature, which applies to the widget too.
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await page.goto(`${env.cases.url}index.html?case=fields`);
  await inWidget(page, '.cb-launcher').click();
  await inWidget(page, '.cb-contact-name').pressSequentially('Ada / k');
  await inWidget(page, '.cb-contact-reach').pressSequentially('ada@example.com');
  assert.equal(await inWidget(page, '.cb-contact-name').inputValue(), 'Ada / k');
  // Enter submits the step in place: the page does not go anywhere.
  await inWidget(page, '.cb-contact-reach').press('Enter');
  const messageBox = inWidget(page, 'textarea.cb-input');
  await messageBox.waitFor();
  assert.equal(new URL(page.url()).search, '?case=fields');
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    inWidget(page, '.cb-attach').click(),
  ]);
  await chooser.setFiles({ name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await inWidget(page, '.cb-chip', { hasText: 'screenshot.png' }).waitFor();
  await messageBox.pressSequentially('k/ok');
  assert.equal(await messageBox.inputValue(), 'k/ok');
  await messageBox.press('Enter');
  await inWidget(page, '.cb-assistant .cb-text', { hasText: 'screenshot.png' }).waitFor({ timeout: 15000 });
  await messageBox.press('Escape');
  await inWidget(page, '.cb-panel').waitFor({ state: 'hidden' });
  assert.deepEqual(problems, []);
  await context.close();
});

/** Waits until `check()` holds, for up to 5 s; says `seen()` if it never does. */
async function expectEventually(check, seen) {
  for (let i = 0; i < 50 && !check(); i += 1) await new Promise((r) => setTimeout(r, 100));
  assert.ok(check(), seen());
}
