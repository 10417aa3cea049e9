// Works under a strict host CSP (no 'unsafe-inline') and from another origin than the host page.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import {
  serverAndBrowser, openPage, routeHtml, widget, embedTag, defaultReply, waitForReply, send,
} from './harness.mjs';

const env = serverAndBrowser();

/** Collects CSP violations from the page, from its first script on. */
async function recordViolations(page) {
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    }, true);
  });
}

/** Sends a message, checks the streamed reply, a markdown table and that the stylesheet applied. */
async function roundTrip(page) {
  await send(page, 'under a policy');
  await waitForReply(page, defaultReply('under a policy'));
  await send(page, 'now some markdown');
  await widget(page).locator('.cb-assistant table').waitFor({ timeout: 15000 });
  const position = await widget(page).locator('.cb-launcher').evaluate((el) => getComputedStyle(el).position);
  assert.equal(position, 'fixed', 'the stylesheet applied');
}

test('a strict CSP page: no inline anything, and the widget works', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await recordViolations(page);
  const url = `${env.server.url}csp.html`;
  await routeHtml(
    page,
    url,
    `<!doctype html><html><head><meta charset="utf-8"><title>csp</title></head><body><p>Strict page</p>${embedTag()}</body></html>`,
    { 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'" },
  );
  await page.goto(url);
  await roundTrip(page);
  await page.reload();
  await widget(page).locator('.cb-launcher').click();
  await page.waitForFunction(
    () => document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-message').length === 4,
    null,
    { timeout: 15000 },
  );
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(problems, []);
  await context.close();
});

/** Serves one page with one CSP from its own port: another origin on this machine. */
function hostServer(html, csp) {
  const host = createServer((req, res) => {
    res.writeHead(200, { 'Content-Type': 'text/html; charset=utf-8', 'Content-Security-Policy': csp });
    res.end(html);
  });
  return new Promise((resolve) => host.listen(0, '127.0.0.1', () => resolve(host)));
}

test('embedded from another origin, under a CSP that names the widget host', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await recordViolations(page);
  const widgetOrigin = env.server.url.replace(/\/$/, '');
  const tag = embedTag({ 'data-api-base': `${widgetOrigin}/api/v1/` }).replace('src="/chat-bubble.js"', `src="${widgetOrigin}/chat-bubble.js"`);
  const host = await hostServer(
    `<!doctype html><html><head><meta charset="utf-8"><title>shop</title></head><body><p>Another site</p>${tag}</body></html>`,
    `default-src 'self'; script-src 'self' ${widgetOrigin} 'wasm-unsafe-eval'; style-src 'self' ${widgetOrigin}; connect-src ${widgetOrigin}`,
  );
  const hostUrl = `http://127.0.0.1:${host.address().port}/shop.html`;
  try {
    await page.goto(hostUrl);
    await roundTrip(page);
    assert.notEqual(new URL(hostUrl).origin, widgetOrigin, 'really another origin');
    assert.equal(await page.evaluate(() => document.querySelectorAll('chat-bubble').length), 1);
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    host.close();
  }
});

test('the teaser under a strict CSP, from another origin: its module loads, no inline style, no wasm before the click', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await recordViolations(page);
  const wasm = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && wasm.push(r.url()));
  const widgetOrigin = env.server.url.replace(/\/$/, '');
  const tag = embedTag({
    'data-api-base': `${widgetOrigin}/api/v1/`,
    'data-load': 'interaction',
    'data-teaser': 'Need a hand?',
    'data-teaser-delay': '0',
  }).replace('src="/chat-bubble.js"', `src="${widgetOrigin}/chat-bubble.js"`);
  const host = await hostServer(
    `<!doctype html><html><head><meta charset="utf-8"><title>shop</title></head><body><p>Another site</p>${tag}</body></html>`,
    `default-src 'self'; script-src 'self' ${widgetOrigin} 'wasm-unsafe-eval'; style-src 'self' ${widgetOrigin}; connect-src ${widgetOrigin}`,
  );
  try {
    await page.goto(`http://127.0.0.1:${host.address().port}/teaser.html`);
    const teaser = widget(page).locator('.cb-teaser');
    await teaser.waitFor({ state: 'visible' });
    assert.equal(await teaser.evaluate((e) => getComputedStyle(e).position), 'fixed', 'the stylesheet applied');
    assert.deepEqual(wasm, []);
    await teaser.locator('.cb-teaser-text').click();
    await widget(page).locator('.cb-panel').waitFor({ state: 'visible' });
    await send(page, 'under a policy');
    await waitForReply(page, defaultReply('under a policy'));
    assert.deepEqual(await page.evaluate(() => window.__violations), []);
    assert.deepEqual(problems, []);
  } finally {
    await context.close();
    host.close();
  }
});
