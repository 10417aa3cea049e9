// The widget against the server in Maax V2 mode, with a fake Maax V2 that posts the answer (as
// HTML) to the server's answer webhook and, a few seconds later, a follow-up to its follow-up
// webhook: the answer streams in as markdown, the follow-up appears by itself (or counts as
// unread while the panel is closed), and both are in history after a reload.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startServer, freePort, launchBrowser, openPage, hostPage, send, waitForReply, widget, messageRows } from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const ANSWER_HTML = '<p>Our hours are <strong>9 to 5</strong>.</p>';
const ANSWER_TEXT = 'Our hours are 9 to 5.';
const FOLLOW_UP = 'Anything else I can help with?';
const FOLLOW_UP_AFTER_MS = 3000;
const LATE_FOLLOW_UP_AFTER_MS = 8000;

/** A fake Maax V2: conversations, outgoing messages answered through the webhooks, history. */
function fakeMaax() {
  const conversations = new Map();
  const asked = [];
  const timers = new Set();
  const later = (ms, f) => {
    const timer = setTimeout(() => { timers.delete(timer); f(); }, ms);
    timers.add(timer);
  };
  let next = 100;
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => { body += d; });
    req.on('end', () => {
      const json = body ? JSON.parse(body) : {};
      const reply = (value) => {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify(value));
      };
      if (req.headers['2hd-api-key'] !== 'e2e-maax-key') {
        res.writeHead(401);
        res.end();
        return;
      }
      if (req.url === '/api/create-conversation/') {
        const id = next++;
        conversations.set(String(id), []);
        reply({ conversation_id: id });
      } else if (req.url === '/api/v2/outgoing-messages/') {
        asked.push(json);
        const history = conversations.get(String(json.conversation_id)) ?? [];
        history.push({ message_content: json.message_content, role: 'prospect', created_at: Date.now() });
        reply({ incoming_message_id: 1 });
        // A question Maax never answers.
        if (json.message_content.includes('never answered')) return;
        // The server may be gone by the time a late callback fires (the last test ended).
        const post = (url, payload) =>
          fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(payload) })
            .catch(() => undefined);
        later(300, async () => {
          history.push({ message_content: ANSWER_HTML, role: 'ai', created_at: Date.now() });
          await post(json.send_response_url, { answer: ANSWER_HTML });
          // Maax retrying the same delivery: it must not show twice.
          await post(json.send_response_url, { answer: ANSWER_HTML });
        });
        // "later": the follow-up comes once the visitor has moved to another page.
        const followUpAfter = json.message_content.includes('later') ? LATE_FOLLOW_UP_AFTER_MS : FOLLOW_UP_AFTER_MS;
        later(followUpAfter, () => post(json.followup_url, { followup: FOLLOW_UP }));
      } else if (req.url.startsWith('/api/v2/conversations/')) {
        const id = req.url.split('/')[4];
        const history = conversations.get(id);
        if (!history) {
          res.writeHead(404);
          res.end();
          return;
        }
        reply({ messages_in_conversation: history });
      } else {
        res.writeHead(404);
        res.end();
      }
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => resolve({
      asked,
      url: `http://127.0.0.1:${server.address().port}/`,
      close: () => { for (const t of timers) clearTimeout(t); server.close(); },
    }));
  });
}

const env = {};
before(async () => {
  env.maax = await fakeMaax();
  const dir = mkdtempSync(join(tmpdir(), 'maax-v2-'));
  writeFileSync(join(dir, 'key'), 'e2e-maax-key\n');
  // V2 needs its public URL (where Maax posts answers): here, its own port on loopback.
  const v2 = async (extra = []) => {
    const port = await freePort();
    return startServer([
      '--mode', 'maax', '--maax-api', 'v2', '--maax-url', env.maax.url, '--maax-ai-id', '5',
      '--api-key-file', join(dir, 'key'), '--rate-limit', '0',
      '--port', String(port), '--public-url', `http://127.0.0.1:${port}`, ...extra,
    ]);
  };
  env.server = await v2();
  // The same, waiting at most 2 s for an answer.
  env.impatient = await v2(['--maax-answer-timeout-secs', '2']);
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
  await env.impatient?.stop();
  env.maax?.close();
});

function assistantTexts(rows) {
  return rows.filter(([role]) => role === 'assistant').map(([, text]) => text);
}

test('the answer streams in as markdown, the follow-up shows up by itself, and both are in history after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'maax-v2.html', { 'data-follow-ups': 'true' });
  await send(page, 'What are your hours?');
  await waitForReply(page, ANSWER_TEXT);
  const bubble = widget(page);
  assert.equal(await bubble.locator('.cb-assistant .cb-text strong').first().textContent(), '9 to 5');
  const sent = env.maax.asked.at(-1);
  assert.equal(sent.output_format, 'plain_text');
  assert.match(sent.send_response_url, /\/maax\/v2\/answer\/\d+\/[\w-]+\.[\w-]+$/);

  await waitForReply(page, FOLLOW_UP, FOLLOW_UP_AFTER_MS + 20000);
  assert.deepEqual(assistantTexts(await messageRows(page)), [ANSWER_TEXT, FOLLOW_UP]);

  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await waitForReply(page, FOLLOW_UP);
  const rows = await messageRows(page);
  assert.deepEqual(rows.map(([role, text]) => [role, text]), [
    ['visitor', 'What are your hours?'],
    ['assistant', ANSWER_TEXT],
    ['assistant', FOLLOW_UP],
  ]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('after a reload, a follow-up still on its way shows up once the history is back', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'maax-v2-reload.html', { 'data-follow-ups': 'true' });
  await send(page, 'Do you ship abroad?');
  await waitForReply(page, ANSWER_TEXT);
  await page.reload();
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await waitForReply(page, ANSWER_TEXT);
  await waitForReply(page, FOLLOW_UP, FOLLOW_UP_AFTER_MS + 20000);
  assert.deepEqual(assistantTexts(await messageRows(page)), [ANSWER_TEXT, FOLLOW_UP]);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a follow-up that arrives while the panel is closed counts as unread', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'maax-v2-closed.html', { 'data-follow-ups': 'true' });
  await send(page, 'Are you open on Sunday?');
  await waitForReply(page, ANSWER_TEXT);
  const bubble = widget(page);
  await bubble.locator('.cb-header button[aria-label]').last().click();
  await bubble.locator('.cb-badge').waitFor({ timeout: FOLLOW_UP_AFTER_MS + 20000 });
  assert.equal(await bubble.locator('.cb-badge').textContent(), '1');
  await bubble.locator('.cb-launcher').click();
  assert.deepEqual(assistantTexts(await messageRows(page)), [ANSWER_TEXT, FOLLOW_UP]);
  assert.equal(await bubble.locator('.cb-badge').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a follow-up that arrives after the visitor moved to another page of the site counts as unread there', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'maax-v2-page-a.html', { 'data-follow-ups': 'true' });
  await send(page, 'Can you tell me later about delivery?');
  await waitForReply(page, ANSWER_TEXT);
  // Another page of the site: the panel is closed there, and the answer, seen, is not new.
  await hostPage(page, env.server, 'maax-v2-page-b.html', { 'data-follow-ups': 'true' });
  const bubble = widget(page);
  await bubble.locator('.cb-badge').waitFor({ timeout: LATE_FOLLOW_UP_AFTER_MS + 20000 });
  assert.equal(await bubble.locator('.cb-badge').textContent(), '1');
  assert.match(await bubble.locator('.cb-launcher').getAttribute('aria-label'), /1 unread/);
  await bubble.locator('.cb-launcher').click();
  await waitForReply(page, FOLLOW_UP);
  assert.deepEqual(assistantTexts(await messageRows(page)), [ANSWER_TEXT, FOLLOW_UP]);
  assert.equal(await bubble.locator('.cb-badge').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('the contact step checks name and email or phone, and what is given becomes the prospect info', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'maax-v2-contact.html', { 'data-ask-contact': 'true' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  const form = bubble.locator('.cb-contact');
  await form.waitFor();
  assert.equal(await bubble.locator('.cb-composer').count(), 0, 'no message box before the step');

  await form.locator('.cb-contact-start').click();
  assert.equal(await form.locator('#cb-contact-name-problem[role=alert]').textContent(), 'Please enter your name.');
  assert.equal(await form.locator('.cb-contact-name').getAttribute('aria-invalid'), 'true');
  assert.ok(await form.locator('.cb-contact-name').evaluate((e) => e.getRootNode().activeElement === e), 'focus on the field to fix');
  await form.locator('.cb-contact-name').fill('Ada Lovelace');
  await form.locator('.cb-contact-reach').fill('ada@');
  await form.locator('.cb-contact-reach').press('Enter');
  assert.equal(await form.locator('#cb-contact-reach-problem[role=alert]').textContent(), 'That email address does not look right.');
  await form.locator('.cb-contact-reach').fill('ada@example.com');
  await form.locator('.cb-contact-reach').press('Enter');
  await bubble.locator('.cb-composer').waitFor();

  await send(page, 'Hello, I am Ada');
  await waitForReply(page, ANSWER_TEXT);
  assert.deepEqual(env.maax.asked.at(-1).prospect_info, {
    first_name: 'Ada', last_name: 'Lovelace', email: 'ada@example.com',
  });

  await page.reload();
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-composer').waitFor();
  assert.equal(await bubble.locator('.cb-contact').count(), 0, 'asked once');
  assert.deepEqual(problems, []);
  await context.close();
});

test('the contact step can be skipped: the anonymous prospect info is sent', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'maax-v2-skip.html', { 'data-ask-contact': 'true' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-contact-skip').click();
  await send(page, 'Just browsing');
  await waitForReply(page, ANSWER_TEXT);
  const sent = env.maax.asked.at(-1);
  assert.deepEqual(sent.prospect_info, {
    first_name: 'Website visitor', email: `visitor-${sent.conversation_id}@example.invalid`,
  });
  assert.deepEqual(problems, []);
  await context.close();
});

test('an answer that never comes ends in a clear error, once, with the message kept for Retry', async () => {
  const { context, page } = await openPage(env.browser);
  await hostPage(page, env.impatient, 'maax-v2-timeout.html');
  const before = env.maax.asked.length;
  await send(page, 'This is never answered');
  const bubble = widget(page);
  await bubble.locator('.cb-notice').waitFor({ timeout: 20000 });
  assert.equal(await bubble.locator('.cb-notice').textContent(), 'The assistant is taking too long to answer. Try again.');
  const rows = await messageRows(page);
  assert.deepEqual(rows.map(([role, text]) => [role, text]), [['visitor', 'This is never answered']]);
  assert.equal(await bubble.locator('.cb-retry').count(), 1);
  assert.equal(env.maax.asked.length - before, 1, 'asked Maax once: no automatic resend');
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`axe-core finds no violations in the contact step, with a problem shown (${scheme})`, async () => {
    const { context, page, problems } = await openPage(env.browser, { colorScheme: scheme });
    await hostPage(page, env.server, `maax-v2-axe-${scheme}.html`, { 'data-ask-contact': 'true', 'data-load': 'eager' });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher[aria-expanded]').click();
    await bubble.locator('.cb-contact-name').fill('Ada');
    await bubble.locator('.cb-contact-start').click();
    await bubble.locator('.cb-contact-problem:not(:empty)').waitFor();
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document.querySelector('chat-bubble'), { resultTypes: ['violations'] });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(violations, []);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
