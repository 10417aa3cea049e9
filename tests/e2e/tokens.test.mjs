// Visitor tokens from the widget's side: kept with the conversation and shown only to a server
// that gave one. (The server's own checks are tested in server/tests/visitor_tokens.rs; the other
// e2e files run against the mock with token checks on.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startServer, launchBrowser, openPage, hostPage, send, waitForReply, defaultReply } from './harness.mjs';

const env = {};
before(async () => {
  env.withTokens = await startServer();
  // Another MaiAgent-compatible backend: it gives no token and expects none.
  env.withoutTokens = await startServer(['--mock-visitor-tokens', 'false']);
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.withTokens?.stop();
  await env.withoutTokens?.stop();
});

/** Sends two messages (the second on the stored conversation), reloads, and returns the
 * X-Visitor-Token header of every API call and what was stored. */
async function converse(server, name) {
  const { context, page, problems } = await openPage(env.browser);
  const tokens = [];
  page.on('request', (r) => {
    if (r.url().includes('/api/v1/')) tokens.push([new URL(r.url()).pathname, r.headers()['x-visitor-token'] ?? null]);
  });
  await hostPage(page, server, name);
  await send(page, 'one');
  await waitForReply(page, defaultReply('one'));
  await send(page, 'two');
  await waitForReply(page, defaultReply('two'));
  await page.reload();
  await send(page, 'three');
  await waitForReply(page, defaultReply('three'));
  const stored = await page.evaluate(() => JSON.parse(localStorage.getItem('chat-bubble:e2e-web-chat:conversation')));
  assert.deepEqual(problems, []);
  await context.close();
  return { tokens, stored };
}

test('a server that binds conversations gets the token back on every later call, history included', async () => {
  const { tokens, stored } = await converse(env.withTokens, 'with-tokens.html');
  assert.match(stored.visitorToken, /^v1\./);
  const [create, ...later] = tokens;
  assert.deepEqual(create, ['/api/v1/conversations/', null]);
  assert.ok(later.some(([path]) => path.endsWith('/messages/')), JSON.stringify(tokens));
  for (const [path, token] of later) assert.equal(token, stored.visitorToken, path);
});

test('a backend that gives no token works, and is sent none', async () => {
  const { tokens, stored } = await converse(env.withoutTokens, 'without-tokens.html');
  assert.ok(stored.id);
  assert.equal(stored.visitorToken, undefined);
  assert.ok(tokens.length >= 4, JSON.stringify(tokens));
  assert.deepEqual(tokens.filter(([, token]) => token !== null), []);
});
