// Attachments end to end: a visitor attaches a picture with the file picker or by pasting it,
// sees its chip and upload, sends, reads the mock's reply naming the file, and finds the
// thumbnail again in the history after a reload. Files that are too large or of a forbidden
// kind are refused in words, and nothing typed or chosen is lost.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import {
  startServer, launchBrowser, openPage, hostPage, widget, routeHtml, embedTag, CONTRAST_HELPERS, PHONE, messagesAsked, holdRequests,
} from './harness.mjs';

// A 1×1 PNG, valid so that the stored (metadata-free) copy must still decode in the browser.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==',
  'base64',
);

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const env = {};
before(async () => {
  // The server takes up to 20 KB, so a file the widget lets through can still be refused there.
  env.server = await startServer(['--upload-max-bytes', '20000']);
  env.browser = await launchBrowser();
});
after(async () => {
  await env.browser?.close();
  await env.server?.stop();
});

const IMAGES = { 'data-attachments': 'images' };

async function openPanel(page) {
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').waitFor();
  return bubble;
}

/** Chooses `files` through the labelled attach button and the browser's file chooser. */
async function pick(page, files) {
  const bubble = widget(page);
  const [chooser] = await Promise.all([
    page.waitForEvent('filechooser'),
    bubble.getByRole('button', { name: /^Attach an? (image|file)$/ }).click(),
  ]);
  await chooser.setFiles(files);
}

/** Pastes a PNG picture named `name` into the message box, as a browser pastes a copied one. */
function pastePicture(page, name) {
  return widget(page).locator('.cb-input').evaluate((input, [bytes, fileName]) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], fileName, { type: 'image/png' }));
    input.dispatchEvent(new ClipboardEvent('paste', { clipboardData: data, bubbles: true, composed: true }));
  }, [[...PNG], name]);
}

/** Attaches done.png, uploaded, and slow.png, whose upload never ends. */
async function oneDoneOneUploading(page) {
  const bubble = widget(page);
  await page.route((url) => url.pathname.endsWith('/uploads/') && url.searchParams.get('filename') === 'slow.png', () => {});
  await pick(page, { name: 'done.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await pick(page, { name: 'slow.png', mimeType: 'image/png', buffer: PNG });
  await bubble.getByRole('progressbar', { name: 'Uploading slow.png' }).waitFor();
}

/** Holds every upload until the returned function is called. */
const holdUploads = (page) => holdRequests(page, (url) => url.pathname.endsWith('/uploads/'));

/** Waits until an assistant message contains `text`. */
function waitForReplyContaining(page, text) {
  return page.waitForFunction(
    (want) => Array.from(document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-assistant .cb-text'))
      .some((e) => e.textContent.includes(want)),
    text,
    { timeout: 15000 },
  );
}

/** Whether the visitor's last message shows a loaded thumbnail served by our server. */
function visitorThumbnail(page) {
  return page.waitForFunction((base) => {
    const rows = document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-visitor');
    const img = rows[rows.length - 1]?.querySelector('img.cb-thumb');
    return img && img.src.startsWith(`${base}uploads/`) && img.complete && img.naturalWidth === 1
      ? img.alt
      : null;
  }, env.server.url, { timeout: 15000 });
}

test('a picture chosen with the file picker uploads with its chip, is sent once uploaded, named by the reply, and is back in the history after a reload', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-picker.html', IMAGES);
  const bubble = await openPanel(page);
  const release = await holdUploads(page);
  // Pictures only, of the kinds the site takes: phones offer the camera as well as the gallery.
  assert.equal(await bubble.locator('input[type=file]').getAttribute('accept'), 'image/png,image/jpeg,image/gif,image/webp');

  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  const chip = bubble.locator('.cb-chip');
  await chip.waitFor();
  assert.match(await chip.textContent(), /screenshot\.png/);
  assert.match(await chip.textContent(), /70 B/);
  assert.equal(await chip.locator('img.cb-chip-thumb').count(), 1, 'a thumbnail of the picture');
  const progress = chip.getByRole('progressbar', { name: 'Uploading screenshot.png' });
  await progress.waitFor();

  // Send while the upload is held: the message waits, and says so.
  await bubble.locator('.cb-input').fill('here is the error');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-chips-status').waitFor();
  assert.equal(await bubble.locator('.cb-visitor').count(), 0, 'not sent before the file is uploaded');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'here is the error');

  release();
  await waitForReplyContaining(page, 'I see 1 image: screenshot.png, 70 B.');
  assert.equal(await visitorThumbnail(page).then((h) => h.jsonValue()), 'screenshot.png',
    'the sent message shows its picture at once');
  assert.equal(await bubble.locator('.cb-chip').count(), 0, 'the chips go with the message');
  assert.equal(await bubble.locator('.cb-input').inputValue(), '');
  // The thumbnail opens the picture full size.
  const link = bubble.locator('.cb-visitor a.cb-attachment');
  assert.equal(await link.getAttribute('target'), '_blank');

  await page.reload();
  await openPanel(page);
  assert.equal(await visitorThumbnail(page).then((h) => h.jsonValue()), 'screenshot.png',
    'the picture comes back with the history');
  assert.deepEqual(problems, []);
  await context.close();
});

test('on a phone, a picture uploaded before a reload comes back as its chip, in the same conversation, and a tap on Send delivers it', async () => {
  const { context, page, problems } = await openPage(env.browser, PHONE);
  await hostPage(page, env.server, 'uploads-reload-done.html', IMAGES, { phone: true });
  const bubble = await openPanel(page);
  const uploads = [];
  page.on('response', async (r) => {
    const url = new URL(r.url());
    if (url.pathname.endsWith('/uploads/') && r.ok()) uploads.push({ conversation: url.searchParams.get('conversation'), file: (await r.json()).file });
  });
  let sent;
  page.on('request', (r) => { if (r.url().includes('/completions/')) sent = JSON.parse(r.postData()); });
  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await bubble.locator('.cb-input').fill('here is the error');
  for (let i = 0; i < 50 && uploads.length < 1; i++) await page.waitForTimeout(100);

  await page.reload();
  await openPanel(page);
  const chip = bubble.locator('.cb-chip');
  await chip.waitFor();
  assert.equal(await chip.count(), 1);
  assert.match(await chip.textContent(), /screenshot\.png/);
  assert.match(await chip.textContent(), /70 B/);
  assert.equal(await bubble.locator('.cb-chip.cb-chip-done').count(), 1, 'uploaded: ready to send');
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-chip-thumb')?.naturalWidth === 1, null, { timeout: 5000 });
  assert.equal(await bubble.locator('.cb-notice').count(), 0, 'nothing to attach again');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'here is the error');

  await bubble.locator('.cb-send').tap();
  await waitForReplyContaining(page, 'I see 1 image: screenshot.png, 70 B.');
  assert.equal(uploads.length, 1, 'not uploaded again');
  assert.equal(sent.conversation, uploads[0].conversation, 'in the conversation it was uploaded to');
  assert.equal(sent.message.attachments[0].file, uploads[0].file);
  assert.equal(await chip.count(), 0, 'the chip went with the message');
  // Sent: it is not brought back again.
  await page.reload();
  await openPanel(page);
  assert.equal(await visitorThumbnail(page).then((h) => h.jsonValue()), 'screenshot.png');
  assert.equal(await chip.count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a picture still uploading when the page reloads is named after the reload, to attach again, beside the one that had finished', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-reload-slow.html', IMAGES);
  const bubble = await openPanel(page);
  await oneDoneOneUploading(page);

  await page.reload();
  await openPanel(page);
  const notice = bubble.locator('.cb-notice');
  await notice.waitFor();
  assert.equal(await notice.textContent(), 'slow.png could not be kept when the page reloaded: attach again to send.');
  const chips = await bubble.locator('.cb-chip').evaluateAll((els) => els.map((e) => [
    e.querySelector('.cb-chip-name').textContent, e.classList.contains('cb-chip-done'),
  ]));
  assert.deepEqual(chips, [['done.png', true]]);
  // Said once: not again at the next reload.
  await page.reload();
  await openPanel(page);
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await page.waitForTimeout(300);
  assert.equal(await notice.count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

test('more chips than a message carries (a refused message\'s files beside others): Send says so and sends nothing until one goes', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-too-many-chips.html', IMAGES);
  const bubble = await openPanel(page);
  let asked = 0;
  page.on('request', (r) => { if (r.url().includes('/completions/')) asked += 1; });
  await bubble.locator('.cb-input').fill('first');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'You said: first.');
  await pick(page, { name: 'one.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  // The box as a 413 leaves it when five files came back beside a sixth chosen meanwhile: the
  // stored chip six times over, under six names.
  await page.evaluate(() => {
    const key = Object.keys(sessionStorage).find((k) => k.endsWith(':attached'));
    const [chip] = JSON.parse(sessionStorage.getItem(key));
    const six = [1, 2, 3, 4, 5, 6].map((i) => ({ uploaded: { ...chip.uploaded, attachment: { ...chip.uploaded.attachment, filename: `p${i}.png` } } }));
    sessionStorage.setItem(key, JSON.stringify(six));
  });
  await page.reload();
  await openPanel(page);
  await bubble.locator('.cb-chip.cb-chip-done').nth(5).waitFor();
  await bubble.locator('.cb-input').fill('six pictures');
  await bubble.locator('.cb-input').press('Enter');
  const notice = bubble.locator('.cb-notice');
  await notice.waitFor();
  assert.equal(await notice.textContent(), 'Up to 5 files per message.');
  assert.equal(asked, 1, 'nothing sent');
  assert.equal(await bubble.locator('.cb-chip').count(), 6, 'no chip lost');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'six pictures');
  // One removed, the message goes with the other five.
  await bubble.getByRole('button', { name: 'Remove p6.png' }).click();
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'I see 5 images');
  assert.deepEqual(problems, []);
  await context.close();
});

test('files attached in one tab are that tab\'s own: another tab of the site shows none and says nothing of them', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-two-tabs.html', IMAGES);
  const bubble = await openPanel(page);
  await oneDoneOneUploading(page);

  // A second tab of the same site, while the first still uploads.
  const other = await context.newPage();
  await hostPage(other, env.server, 'uploads-two-tabs.html', IMAGES);
  const otherBubble = await openPanel(other);
  await otherBubble.locator('.cb-input').waitFor();
  await other.waitForTimeout(500);
  assert.equal(await otherBubble.locator('.cb-chip').count(), 0, 'no chips of the other tab');
  assert.equal(await otherBubble.locator('.cb-notice').count(), 0, 'no notice of files lost');
  // The first tab's own reload still brings its finished file back.
  await page.reload();
  await openPanel(page);
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  assert.deepEqual(await bubble.locator('.cb-chip .cb-chip-name').allTextContents(), ['done.png']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a picture chosen before a new conversation starts is uploaded again to the new one when sent', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-new-conversation.html', IMAGES);
  const bubble = await openPanel(page);
  const uploads = [];
  page.on('response', async (r) => {
    const url = new URL(r.url());
    if (url.pathname.endsWith('/uploads/') && r.ok()) uploads.push({ conversation: url.searchParams.get('conversation'), file: (await r.json()).file });
  });
  let sent;
  page.on('request', (r) => { if (r.url().includes('/completions/')) sent = JSON.parse(r.postData()); });
  await bubble.locator('.cb-input').fill('first');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'You said: first.');
  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-chip.cb-chip-done'));
  // The answers are read as they come.
  const uploaded = async (n) => {
    for (let i = 0; i < 50 && uploads.length < n; i++) await page.waitForTimeout(100);
    return uploads.length;
  };
  assert.equal(await uploaded(1), 1);

  await bubble.locator('.cb-new').click();
  await bubble.locator('.cb-confirm-yes').click();
  assert.equal(await bubble.locator('.cb-chip').count(), 1, 'the chosen picture stays');
  await bubble.locator('.cb-input').fill('see this');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'I see 1 image: screenshot.png');
  assert.equal(await uploaded(2), 2, 'uploaded again');
  assert.notEqual(uploads[1].conversation, uploads[0].conversation);
  assert.equal(sent.conversation, uploads[1].conversation, 'to the conversation it is sent in');
  assert.equal(sent.message.attachments[0].file, uploads[1].file);
  assert.deepEqual(problems, []);
  await context.close();
});

test('offline: a picture waits for the connection, and the message sent meanwhile goes with it once back online', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-offline.html', IMAGES);
  const bubble = await openPanel(page);
  await context.setOffline(true);
  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-notice', { hasText: 'screenshot.png will be uploaded when you\'re back online' }).waitFor();
  assert.equal(await bubble.locator('.cb-chip.cb-chip-failed').count(), 0, 'not failed: waiting');
  // The chip itself says it waits: it would look uploaded otherwise, once the notice is gone.
  assert.equal(await bubble.locator('.cb-chip-size').textContent(), '70 B · Offline');
  await bubble.locator('.cb-input').fill('here it is');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-chips-status').waitFor();
  assert.equal(await bubble.locator('.cb-visitor').count(), 0, 'the message waits for its picture');
  await context.setOffline(false);
  await waitForReplyContaining(page, 'I see 1 image: screenshot.png');
  assert.equal(await bubble.locator('.cb-chip').count(), 0);
  assert.equal(await bubble.locator('.cb-notice').count(), 0, 'nothing out of date is left up');
  assert.deepEqual(problems.filter((p) => !p.includes('ERR_INTERNET_DISCONNECTED')), []);
  await context.close();
});

test('a file that is not a picture shows in the sent message as a link with its name and a readable size', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-file-link.html', { 'data-attachments': 'files' });
  const bubble = await openPanel(page);
  await pick(page, { name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('the steps I took\n') });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await bubble.locator('.cb-input').fill('my notes');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'notes.txt');
  const link = bubble.locator('.cb-visitor a.cb-attachment');
  assert.match(await link.textContent(), /notes\.txt/);
  // The size is text on the visitor's bubble like the rest: at least 4.5:1, not faded.
  await page.addScriptTag({ content: CONTRAST_HELPERS });
  const size = await bubble.locator('.cb-visitor .cb-attachment-size').evaluate((el) => {
    const { ratio, background } = window.__contrast;
    let opacity = 1;
    for (let e = el; e && e.nodeType === 1; e = e.parentElement) opacity *= Number(getComputedStyle(e).opacity);
    return { text: el.textContent, opacity, contrast: ratio(getComputedStyle(el).color, background(el)) };
  });
  assert.equal(size.text, '17 B');
  assert.equal(size.opacity, 1);
  assert.ok(size.contrast >= 4.5, `size: ${size.contrast.toFixed(2)}:1`);
  assert.deepEqual(problems, []);
  await context.close();
});

/** An ISO media box: its size, its four-letter type and its content. */
function atom(type, ...content) {
  const body = Buffer.concat(content.map((c) => (typeof c === 'string' ? Buffer.from(c, 'latin1') : c)));
  const head = Buffer.alloc(8);
  head.writeUInt32BE(8 + body.length);
  head.write(type, 4, 'latin1');
  return Buffer.concat([head, body]);
}

/** A voice memo as a phone's recorder writes it: a generic brand, one sound track, the samples. */
function voiceMemo() {
  const handler = atom('hdlr', Buffer.alloc(8), 'soun', Buffer.alloc(12));
  const track = atom('trak', atom('tkhd', Buffer.alloc(84)), atom('mdia', atom('mdhd', Buffer.alloc(24)), handler));
  return Buffer.concat([
    atom('ftyp', 'isom', Buffer.alloc(4), 'isomiso2mp41'),
    atom('moov', atom('mvhd', Buffer.alloc(100)), track),
    atom('mdat', 'AAC frames of sound'),
  ]);
}

test('a voice memo the browser calls audio/x-m4a is taken with files allowed, stored as sound, and sent as a file', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-m4a.html', { 'data-attachments': 'files' });
  const bubble = await openPanel(page);
  const uploaded = page.waitForResponse((r) => new URL(r.url()).pathname.endsWith('/uploads/') && r.request().method() === 'POST');
  await pick(page, { name: 'memo.m4a', mimeType: 'audio/x-m4a', buffer: voiceMemo() });
  const answer = await (await uploaded).json();
  assert.equal(answer.type, 'audio', JSON.stringify(answer));
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await bubble.locator('.cb-input').fill('listen');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'memo.m4a');
  assert.match(await bubble.locator('.cb-visitor a.cb-attachment').textContent(), /memo\.m4a/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('text named .png: no broken picture in the chip, and the sent message shows it as a file', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-fake-png.html', { 'data-attachments': 'files' });
  const bubble = await openPanel(page);
  await pick(page, { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('just some text\n') });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-chip-thumb');
    return !img || img.getClientRects().length === 0;
  }, null, { timeout: 5000 });
  await bubble.locator('.cb-input').fill('see file');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'fake.png');
  assert.equal(await bubble.locator('.cb-visitor img.cb-thumb').count(), 0, 'no picture');
  assert.match(await bubble.locator('.cb-visitor a.cb-attachment').textContent(), /fake\.png/);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a sent picture gone from storage (its time is up) shows its name in words, not a broken image', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [404] });
  await hostPage(page, env.server, 'uploads-gone.html', IMAGES);
  const bubble = await openPanel(page);
  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await bubble.locator('.cb-input').fill('here it was');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'I see 1 image: screenshot.png, 70 B.');
  // The stored file expires: the server answers 404 for it from now on.
  await page.route((url) => url.pathname.includes('/uploads/'), (route) => route.fulfill({ status: 404, body: '' }));
  await page.reload();
  await openPanel(page);
  // Tried again twice in case the failure passes, its name linked to it meanwhile…
  const named = bubble.locator('.cb-visitor a.cb-attachment.cb-file');
  await named.waitFor({ timeout: 15000 });
  assert.equal(await named.textContent(), 'screenshot.png');
  // …then said to be gone.
  const said = bubble.locator('.cb-visitor span.cb-attachment.cb-file');
  await said.waitFor({ timeout: 30000 });
  assert.equal(await said.textContent(), 'screenshot.png (no longer available)');
  assert.equal(await bubble.locator('.cb-visitor a.cb-attachment').count(), 0, 'no broken image');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a sent picture that fails to load for a moment shows after all, and offline its name links to it until the connection is back', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [503] });
  await hostPage(page, env.server, 'uploads-hiccup.html', IMAGES);
  const bubble = await openPanel(page);
  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await bubble.locator('.cb-input').fill('a hiccup');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'I see 1 image: screenshot.png, 70 B.');
  // After a reload the store answers 503 once: the name shows, linked, and the picture after it.
  const stored = (url) => url.pathname.includes('/uploads/') && !url.pathname.endsWith('/uploads/');
  await page.route(stored, (route) => route.fulfill({ status: 503, body: '' }), { times: 1 });
  await page.reload();
  await openPanel(page);
  const named = bubble.locator('.cb-visitor a.cb-attachment.cb-file');
  await named.waitFor({ timeout: 15000 });
  assert.equal(await named.textContent(), 'screenshot.png');
  assert.equal(await visitorThumbnail(page).then((h) => h.jsonValue()), 'screenshot.png');
  assert.equal(await bubble.getByText('no longer available').count(), 0);

  // Sent while offline: not "no longer available", and the picture once back online.
  await pick(page, { name: 'second.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await context.setOffline(true);
  await bubble.locator('.cb-input').fill('sent offline');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  const offlineName = bubble.locator('.cb-visitor').last().locator('a.cb-attachment.cb-file');
  await offlineName.waitFor({ timeout: 5000 });
  assert.equal(await offlineName.textContent(), 'second.png');
  assert.equal(await bubble.getByText('no longer available').count(), 0);
  await context.setOffline(false);
  await waitForReplyContaining(page, 'I see 1 image: second.png, 70 B.');
  assert.equal(await visitorThumbnail(page).then((h) => h.jsonValue()), 'second.png');
  assert.deepEqual(problems.filter((p) => !/ERR_INTERNET_DISCONNECTED|uploads/.test(p)), []);
  await context.close();
});

test('a long name keeps its extension, a name with a direction override shows as it is sent, and a tiny picture gets a thumbnail a finger can take', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-names.html', IMAGES);
  const bubble = await openPanel(page);
  const long = `${'quarterly report '.repeat(12)}final.png`;
  await pick(page, [
    { name: long, mimeType: 'image/png', buffer: PNG },
    { name: 'photo\u202Egnp.png', mimeType: 'image/png', buffer: PNG },
  ]);
  await bubble.locator('.cb-chip.cb-chip-done').nth(1).waitFor();
  // The chip shows the name as it goes, not one that reads "photopng.png" backwards.
  assert.deepEqual(await bubble.locator('.cb-chip-name').allTextContents(), [long, 'photognp.png']);
  // Too long for its chip, the name is cut in its start: its extension stays in sight.
  const cut = await bubble.locator('.cb-chip-name').first().evaluate((name) => {
    const start = name.querySelector('.cb-chip-start');
    const range = document.createRange();
    range.selectNodeContents(name);
    range.setStartAfter(start);
    const shown = name.getBoundingClientRect();
    const extension = range.getBoundingClientRect();
    return {
      startCut: start.scrollWidth > start.clientWidth,
      extension: range.toString(),
      inSight: extension.width > 0 && extension.right <= shown.right + 0.5,
    };
  });
  assert.deepEqual(cut, { startCut: true, extension: '.png', inSight: true });
  await bubble.locator('.cb-input').fill('two pictures');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'photognp.png');
  await bubble.locator('.cb-assistant.cb-streaming').waitFor({ state: 'detached' });
  const reply = await bubble.locator('.cb-assistant .cb-text').last().textContent();
  assert.match(reply, /quarterly report quarterly report .*…\.png/, reply);
  assert.match(reply, /photognp\.png/);
  const alts = await bubble.locator('.cb-visitor img.cb-thumb').evaluateAll((imgs) => imgs.map((img) => img.alt));
  assert.equal(alts.length, 2);
  assert.ok(alts[0].endsWith('….png') && [...alts[0]].length === 120, alts[0]);
  // A 1×1 picture: a box of at least 48 px to tap, the picture kept at its size in it.
  await page.waitForFunction(() => [...document.querySelector('chat-bubble').shadowRoot.querySelectorAll('.cb-visitor img.cb-thumb')]
    .every((img) => img.complete && img.naturalWidth === 1));
  const boxes = await bubble.locator('.cb-visitor a.cb-attachment').evaluateAll((links) => links.map((a) => {
    const r = a.getBoundingClientRect();
    return [Math.round(r.width), Math.round(r.height)];
  }));
  assert.ok(boxes.every(([w, h]) => w >= 48 && h >= 48), JSON.stringify(boxes));
  assert.deepEqual(problems, []);
  await context.close();
});

test('the picker offers only the picture kinds the site takes, and the drop hint speaks of images', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-png-only.html', { ...IMAGES, 'data-attachment-types': 'image/png' });
  const bubble = await openPanel(page);
  assert.equal(await bubble.locator('input[type=file]').getAttribute('accept'), 'image/png');
  await bubble.locator('.cb-messages').evaluate((list) => {
    const data = new DataTransfer();
    data.items.add(new File(['x'], 'a.png', { type: 'image/png' }));
    list.dispatchEvent(new DragEvent('dragover', { dataTransfer: data, bubbles: true, cancelable: true, composed: true }));
  });
  await bubble.locator('.cb-drop-hint').waitFor();
  assert.equal(await bubble.locator('.cb-drop-hint').textContent(), 'Drop images here to attach them');
  // Its words stand on a card of the panel's own colour, not over the faded messages.
  const [card, panel] = await Promise.all([
    bubble.locator('.cb-drop-hint p').evaluate((p) => getComputedStyle(p).backgroundColor),
    bubble.locator('.cb-panel').evaluate((p) => getComputedStyle(p).backgroundColor),
  ]);
  assert.equal(card, panel);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const [primary, scheme] of [['#ffffff', 'light'], ['#111111', 'dark'], ['#fde047', 'light']]) {
  test(`an upload's progress reads the right way with primary ${primary} in the ${scheme} theme: the part done stands out more than the part to go`, async () => {
    const { context, page, problems } = await openPage(env.browser, { colorScheme: scheme });
    await hostPage(page, env.server, `uploads-progress-${primary.slice(1)}.html`, { ...IMAGES, 'data-primary-color': primary });
    const bubble = await openPanel(page);
    await holdUploads(page);
    await pick(page, { name: 'held.png', mimeType: 'image/png', buffer: PNG });
    const progress = bubble.getByRole('progressbar', { name: 'Uploading held.png' });
    await progress.waitFor();
    // Half done, as the upload's progress would set it.
    await progress.evaluate((bar) => { bar.value = 50; });
    const box = await progress.boundingBox();
    const colourAt = async (x) => {
      const shot = await page.screenshot({ clip: { x: box.x + x * box.width - 1, y: box.y + box.height / 2 - 1, width: 2, height: 2 } });
      return page.evaluate(async (b64) => {
        const img = new Image();
        img.src = `data:image/png;base64,${b64}`;
        await img.decode();
        const c = new OffscreenCanvas(img.width, img.height).getContext('2d');
        c.drawImage(img, 0, 0);
        return [...c.getImageData(0, 0, 1, 1).data.slice(0, 3)];
      }, shot.toString('base64'));
    };
    const chipBg = await bubble.locator('.cb-chip').evaluate((chip) => {
      const [r, g, b] = getComputedStyle(chip).backgroundColor.match(/\d+/g).map(Number);
      return [r, g, b];
    });
    const [done, toGo] = [await colourAt(0.15), await colourAt(0.85)];
    const lum = ([r, g, b]) => [r, g, b].map((v) => v / 255).map((c) => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4))
      .reduce((sum, c, i) => sum + c * [0.2126, 0.7152, 0.0722][i], 0);
    const contrast = (a, b) => (Math.max(lum(a), lum(b)) + 0.05) / (Math.min(lum(a), lum(b)) + 0.05);
    const [doneC, toGoC] = [contrast(done, chipBg), contrast(toGo, chipBg)];
    assert.ok(doneC >= 3, `done ${done} against the chip ${chipBg}: ${doneC.toFixed(2)}:1`);
    assert.ok(doneC > toGoC, `done ${done} ${doneC.toFixed(2)}:1, to go ${toGo} ${toGoC.toFixed(2)}:1`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('a message with a picture that could not be sent keeps its picture across a reload, and Retry sends both', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-unsent.html', IMAGES);
  const bubble = await openPanel(page);
  // The backend refuses the message itself (the upload went through).
  const completions = (url) => url.pathname.includes('/completions/');
  await page.route(completions, (route) => route.fulfill({
    status: 400, contentType: 'application/json', body: '{"message":["refused"]}',
  }));
  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip').waitFor();
  await bubble.locator('.cb-input').fill('here is the error');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  assert.equal(await visitorThumbnail(page).then((h) => h.jsonValue()), 'screenshot.png');

  await page.unroute(completions);
  await page.reload();
  await openPanel(page);
  // Back after the reload: the text, the picture and the Retry.
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  assert.match(await bubble.locator('.cb-visitor .cb-text').textContent(), /here is the error/);
  assert.equal(await visitorThumbnail(page).then((h) => h.jsonValue()), 'screenshot.png',
    'the unsent message shows its picture after a reload');
  await bubble.locator('.cb-visitor .cb-retry').click();
  await waitForReplyContaining(page, 'I see 1 image: screenshot.png, 70 B.');
  assert.deepEqual(problems.filter((p) => !/400/.test(p)), []);
  await context.close();
});

test('a message whose files the server no longer has comes back to the box in words, rather than fail on every Retry', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-gone.html', IMAGES);
  const bubble = await openPanel(page);
  const completions = (url) => url.pathname.includes('/completions/');
  const refuse = (body) => page.route(completions, (route) => route.fulfill({
    status: 400, contentType: 'application/json', body: JSON.stringify(body),
  }));
  // Not sent the first time…
  await refuse({ message: ['refused'] });
  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip').waitFor();
  await bubble.locator('.cb-input').fill('here is the error');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-visitor .cb-retry').waitFor();
  // …and by the Retry the picture is gone from storage (the server's 400 with code `gone`).
  await page.unroute(completions);
  const detail = 'This file is no longer available. Please attach it again.';
  await refuse({ attachments: [detail], detail, code: 'gone' });
  await bubble.locator('.cb-input').fill('and one more thing');
  await bubble.locator('.cb-visitor .cb-retry').click();
  await bubble.locator('.cb-notice', { hasText: 'no longer available' }).waitFor();
  assert.match(await bubble.locator('.cb-notice').textContent(), /back in the message box/);
  // The message left the list; its words are in the box, before what was typed since.
  assert.equal(await bubble.locator('.cb-rows .cb-visitor').count(), 0);
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'here is the error\n\nand one more thing');
  // Nothing is left to fail again after a reload, and the words are still in the box.
  await page.unroute(completions);
  await page.reload();
  await openPanel(page);
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'here is the error\n\nand one more thing');
  assert.equal(await bubble.locator('.cb-rows .cb-visitor').count(), 0);
  assert.deepEqual(problems.filter((p) => !/400/.test(p)), []);
  await context.close();
});

test('a cut reply retried after its picture is gone: the message stays, as the backend has it, and its words come back to the box', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [400] });
  await hostPage(page, env.server, 'uploads-gone-retry.html', IMAGES);
  const bubble = await openPanel(page);
  const completions = (url) => url.pathname.includes('/completions/');
  // The reply is cut off after its first words.
  await page.route(completions, (route) => {
    const url = new URL(route.request().url());
    url.searchParams.set('mock_fault', 'drop');
    route.continue({ url: url.toString() });
  });
  await pick(page, { name: 'screenshot.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip').waitFor();
  await bubble.locator('.cb-input').fill('what is this error?');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-assistant .cb-retry').waitFor({ timeout: 20000 });
  // By the Retry the picture is gone from storage.
  await page.unroute(completions);
  const detail = 'This file is no longer available. Please attach it again.';
  await page.route(completions, (route) => route.fulfill({
    status: 400, contentType: 'application/json', body: JSON.stringify({ attachments: [detail], detail, code: 'gone' }),
  }));
  await bubble.locator('.cb-assistant .cb-retry').click();
  await bubble.locator('.cb-notice', { hasText: 'no longer available' }).waitFor();
  const rows = async () => (await bubble.locator('.cb-rows .cb-message').evaluateAll((els) => els.map((e) => [
    e.classList.contains('cb-visitor') ? 'visitor' : 'assistant', e.querySelector('.cb-retry') ? 'Retry' : '',
  ])));
  assert.deepEqual(await rows(), [['visitor', '']], 'the message stays, with no Retry that would be refused again');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'what is this error?');
  await page.unroute(completions);
  await page.reload();
  await openPanel(page);
  await bubble.locator('.cb-rows .cb-visitor').waitFor();
  await page.waitForTimeout(500);
  assert.deepEqual(await rows(), [['visitor', '']], 'the backend has the message; nothing to retry after a reload');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'what is this error?');
  assert.deepEqual(problems.filter((p) => !/400/.test(p)), []);
  await context.close();
});

test('a pasted picture is attached and sent on its own', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-paste.html', IMAGES);
  const bubble = await openPanel(page);
  await pastePicture(page, 'pasted.png');
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  assert.match(await bubble.locator('.cb-chip').textContent(), /pasted\.png/);
  // A picture alone may be sent: Send is on with an empty box.
  await bubble.locator('.cb-send').click();
  await waitForReplyContaining(page, 'I see 1 image: pasted.png, 70 B.');
  await visitorThumbnail(page);
  assert.deepEqual(problems, []);
  await context.close();
});

test('Ctrl+V: cells copied from a spreadsheet paste as text, a copied screenshot is attached', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await hostPage(page, env.server, 'uploads-paste-text.html', IMAGES);
  const bubble = await openPanel(page);
  /** Puts on the clipboard the picture, with the text and the HTML of the cells if `cells`. */
  const copy = (cells) => page.evaluate(async ({ bytes, cells }) => {
    const items = { 'image/png': new Blob([new Uint8Array(bytes)], { type: 'image/png' }) };
    if (cells) {
      items['text/plain'] = new Blob([cells], { type: 'text/plain' });
      items['text/html'] = new Blob([`<table><tr><td>${cells.replace(/\t/g, '</td><td>')}</td></tr></table>`], { type: 'text/html' });
    }
    await navigator.clipboard.write([new ClipboardItem(items)]);
  }, { bytes: [...PNG], cells });
  const input = bubble.locator('.cb-input');
  // A spreadsheet puts a picture of the cells beside their text: the text is pasted.
  await copy('A-1001\tShipped');
  await input.fill('Order: ');
  await input.press('ControlOrMeta+V');
  assert.equal(await input.inputValue(), 'Order: A-1001\tShipped');
  // A screenshot is only a picture: it is attached, and the words stay as they were.
  await copy(null);
  await input.press('ControlOrMeta+V');
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  assert.equal(await bubble.locator('.cb-chip').count(), 1, 'only the screenshot is attached');
  assert.equal(await input.inputValue(), 'Order: A-1001\tShipped');
  await bubble.locator('.cb-send').click();
  await waitForReplyContaining(page, 'I see 1 image: image.png');
  assert.deepEqual(problems, []);
  await context.close();
});

test('a picture dropped onto the panel is attached, with a hint while it is dragged over', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-drop.html', IMAGES);
  const bubble = await openPanel(page);
  await bubble.locator('.cb-messages').evaluate((list, bytes) => {
    const data = new DataTransfer();
    data.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
    const init = { dataTransfer: data, bubbles: true, cancelable: true, composed: true };
    window.__dragoverTaken = !list.dispatchEvent(new DragEvent('dragover', init));
    window.__drop = () => list.dispatchEvent(new DragEvent('drop', init));
  }, [...PNG]);
  assert.equal(await page.evaluate(() => window.__dragoverTaken), true, 'the panel accepts the drop');
  await bubble.locator('.cb-drop-hint').waitFor();
  await page.evaluate(() => window.__drop());
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  assert.equal(await bubble.locator('.cb-drop-hint').count(), 0);
  await bubble.locator('.cb-input').fill('dropped this');
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'I see 1 image: dropped.png, 70 B.');
  assert.deepEqual(problems, []);
  await context.close();
});

test('taking a file out while the message waits for it leaves the message in the box, to send once it is as the visitor wants', async () => {
  const { context, page, problems } = await openPage(env.browser);
  const asked = messagesAsked(page);
  await hostPage(page, env.server, 'uploads-remove-waiting.html', IMAGES);
  const bubble = await openPanel(page);
  await oneDoneOneUploading(page);
  await bubble.locator('.cb-input').fill('see the picture');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-chips-status').waitFor();
  // The wrong picture taken out: nothing goes, the words and the other file stay.
  await bubble.getByRole('button', { name: 'Remove slow.png' }).click();
  await bubble.locator('.cb-chips-status').waitFor({ state: 'detached' });
  await page.waitForTimeout(500);
  assert.deepEqual(asked, [], 'nothing sent');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'see the picture');
  assert.deepEqual(await bubble.locator('.cb-chip').allTextContents().then((t) => t.map((c) => c.includes('done.png'))), [true]);
  // Sent again, it goes with the file that stayed.
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'I see 1 image: done.png');
  assert.deepEqual(asked, ['see the picture']);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a file let go over a panel that takes no files stays off the page, which the browser would leave for it', async () => {
  // Attachments off (the default), and the contact step of a panel that takes pictures.
  for (const [name, attrs, ready] of [
    ['uploads-off-drop.html', {}, '.cb-input'],
    ['uploads-contact-drop.html', { ...IMAGES, 'data-ask-contact': 'true' }, '.cb-contact-name'],
  ]) {
    const { context, page, problems } = await openPage(env.browser);
    const uploads = [];
    page.on('request', (r) => { if (r.method() === 'POST' && new URL(r.url()).pathname.endsWith('/uploads/')) uploads.push(r.url()); });
    await hostPage(page, env.server, name, attrs);
    const bubble = widget(page);
    await bubble.locator('.cb-launcher').click();
    await bubble.locator(ready).waitFor();
    const dragged = await bubble.locator('.cb-messages').evaluate((list, bytes) => {
      const data = new DataTransfer();
      data.items.add(new File([new Uint8Array(bytes)], 'dropped.png', { type: 'image/png' }));
      const init = { dataTransfer: data, bubbles: true, cancelable: true, composed: true };
      // Not cancelled, a drop is the browser's: it opens the file in place of the page.
      const over = new DragEvent('dragover', init);
      list.dispatchEvent(over);
      const drop = new DragEvent('drop', init);
      list.dispatchEvent(drop);
      return { overKept: over.defaultPrevented, effect: data.dropEffect, dropKept: drop.defaultPrevented };
    }, [...PNG]);
    assert.deepEqual(dragged, { overKept: true, effect: 'none', dropKept: true }, name);
    await page.waitForTimeout(300);
    assert.equal(await bubble.locator('.cb-drop-hint').count(), 0, `${name}: no hint to drop`);
    assert.equal(await bubble.locator('.cb-chip').count(), 0, `${name}: nothing attached`);
    assert.deepEqual(uploads, [], `${name}: nothing uploaded`);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('uploads work on a page with a strict CSP that allows blob: thumbnails', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await page.addInitScript(() => {
    window.__violations = [];
    document.addEventListener('securitypolicyviolation', (e) => {
      window.__violations.push(`${e.violatedDirective} ${e.blockedURI}`);
    }, true);
  });
  const url = `${env.server.url}uploads-csp.html`;
  await routeHtml(
    page,
    url,
    `<!doctype html><html><head><meta charset="utf-8"><title>csp</title></head><body>${embedTag(IMAGES)}</body></html>`,
    { 'Content-Security-Policy': "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; img-src 'self' blob:" },
  );
  await page.goto(url);
  const bubble = await openPanel(page);
  await pick(page, { name: 'strict.png', mimeType: 'image/png', buffer: PNG });
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  assert.equal(await bubble.locator('.cb-chip-thumb').evaluate((img) => img.naturalWidth), 1);
  await bubble.locator('.cb-input').press('Enter');
  await waitForReplyContaining(page, 'I see 1 image: strict.png, 70 B.');
  await visitorThumbnail(page);
  assert.deepEqual(await page.evaluate(() => window.__violations), []);
  assert.deepEqual(problems, []);
  await context.close();
});

test('too large and forbidden files are refused in words before they are sent, and nothing typed is lost', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-refused.html', { ...IMAGES, 'data-attachment-max-mb': '1' });
  const bubble = await openPanel(page);
  await bubble.locator('.cb-input').fill('keep this draft');
  const notice = bubble.locator('.cb-notice');

  await pick(page, { name: 'huge.png', mimeType: 'image/png', buffer: Buffer.alloc(1024 * 1024 + 1, 1) });
  await notice.waitFor();
  assert.equal(await notice.textContent(), 'huge.png is too large. Files can be up to 1 MB.');
  await pick(page, { name: 'report.pdf', mimeType: 'application/pdf', buffer: Buffer.from('%PDF-1.4\n') });
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-notice')?.textContent.includes('report.pdf'));
  // What the site takes is said, so the visitor need not guess.
  assert.equal(await notice.textContent(), "report.pdf can't be sent: this kind of file isn't accepted here. You can send PNG, JPEG, GIF, WebP.");
  assert.equal(await bubble.locator('.cb-chip').count(), 0, 'no chip for a refused file');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'keep this draft');
  assert.deepEqual(problems, []);
  await context.close();
});

test('past five files the rest are named as left out, once; an empty file is refused before it is uploaded', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-many.html', { 'data-attachments': 'files' });
  const bubble = await openPanel(page);
  let uploads = 0;
  page.on('request', (r) => { if (new URL(r.url()).pathname.endsWith('/uploads/')) uploads += 1; });
  const notice = bubble.locator('.cb-notice');

  await pick(page, { name: 'empty.txt', mimeType: 'text/plain', buffer: Buffer.alloc(0) });
  await notice.waitFor();
  assert.equal(await notice.textContent(), 'empty.txt is empty.');
  assert.equal(await bubble.locator('.cb-chip').count(), 0, 'no chip for an empty file');
  assert.equal(uploads, 0, 'nothing uploaded');

  const files = [1, 2, 3, 4, 5, 6, 7].map((n) => ({ name: `note${n}.txt`, mimeType: 'text/plain', buffer: Buffer.from(`note ${n}`) }));
  await pick(page, files);
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelector('.cb-notice')?.textContent.includes('note6'));
  assert.equal(await notice.textContent(), 'Up to 5 files per message. Left out: note6.txt, note7.txt.');
  assert.equal(await bubble.locator('.cb-chip').count(), 5);
  assert.deepEqual(problems, []);
  await context.close();
});

test('a file the server refuses keeps its chip, saying why, with a Retry only where trying again may help, and the message stays unsent in the box', async () => {
  const { context, page, problems } = await openPage(env.browser, { expectedStatuses: [413, 415, 503] });
  await hostPage(page, env.server, 'uploads-server-refused.html', IMAGES);
  const bubble = await openPanel(page);
  await bubble.locator('.cb-input').fill('look at these');
  const failedChips = (n) => page.waitForFunction((want) => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-chip.cb-chip-failed').length === want, n);

  // Named and typed as a picture, but markup inside: the server sniffs the bytes.
  await pick(page, { name: 'cat.png', mimeType: 'image/png', buffer: Buffer.from('<!doctype html><script>alert(1)</script>') });
  await failedChips(1);
  assert.match(await bubble.locator('.cb-notice').textContent(), /cat\.png can't be sent/);
  // Over the server's 20 KB (the widget allows 10 MB): the server's own limit is said.
  await pick(page, { name: 'big.png', mimeType: 'image/png', buffer: Buffer.concat([PNG, Buffer.alloc(30000)]) });
  await failedChips(2);
  assert.equal(await bubble.locator('.cb-notice').textContent(), 'big.png is too large. Files can be up to 20 KB.');
  // A store down for a moment: worth another try.
  await page.route((url) => url.pathname.endsWith('/uploads/') && url.searchParams.get('filename') === 'flaky.png',
    (route) => route.fulfill({ status: 503, contentType: 'application/json', body: '{"detail":"down","code":"storage"}' }), { times: 1 });
  await pick(page, { name: 'flaky.png', mimeType: 'image/png', buffer: PNG });
  await failedChips(3);
  assert.equal(await bubble.locator('.cb-notice').textContent(), "Files can't be sent right now. Try again in a moment.");
  // Each failed chip says so in its own line, not only in a notice that the next file replaces.
  assert.deepEqual(await bubble.locator('.cb-chip-size').allTextContents(),
    ['40 B · Not uploaded', '30 KB · Not uploaded', '70 B · Not uploaded']);
  // No Retry where the server refused the file itself: it would be refused again.
  assert.equal(await bubble.getByRole('button', { name: 'Retry cat.png', exact: true }).count(), 0);
  assert.equal(await bubble.getByRole('button', { name: 'Retry big.png', exact: true }).count(), 0);

  await bubble.locator('.cb-input').press('Enter');
  assert.equal(await bubble.locator('.cb-visitor').count(), 0, 'nothing sent with a failed file');
  assert.equal(await bubble.locator('.cb-input').inputValue(), 'look at these');
  assert.equal(await bubble.locator('.cb-chip').count(), 3, 'the files stay');

  // Retry, named after its file, is a real new attempt: the store is back.
  await bubble.getByRole('button', { name: 'Retry flaky.png', exact: true }).click();
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  assert.equal(await bubble.locator('.cb-chip.cb-chip-done .cb-chip-size').textContent(), '70 B');
  // Removing a file, by mouse or by keyboard, leaves focus in the message box, not on the page.
  const inputFocused = () => page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.activeElement?.className === 'cb-input', null, { timeout: 5000 });
  await bubble.getByRole('button', { name: 'Remove cat.png' }).click();
  await inputFocused();
  await bubble.getByRole('button', { name: 'Remove big.png' }).focus();
  await page.keyboard.press('Enter');
  await inputFocused();
  assert.equal(await bubble.locator('.cb-chip').count(), 1);
  await page.keyboard.press('Enter');
  await waitForReplyContaining(page, 'I see 1 image: flaky.png');
  assert.deepEqual(problems, []);
  await context.close();
});

test('two screenshots pasted one after the other are told apart by name, and the same file chosen twice is attached once', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-same-name.html', IMAGES);
  const bubble = await openPanel(page);
  // Browsers call every pasted picture image.png.
  const paste = () => pastePicture(page, 'image.png');
  await paste();
  await bubble.locator('.cb-chip.cb-chip-done').waitFor();
  await paste();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-chip.cb-chip-done').length === 2);
  assert.deepEqual(await bubble.locator('.cb-chip-name').allTextContents(), ['image.png', 'image (2).png']);
  // Each Remove button says which it takes out.
  assert.equal(await bubble.getByRole('button', { name: 'Remove image.png', exact: true }).count(), 1);
  assert.equal(await bubble.getByRole('button', { name: 'Remove image (2).png', exact: true }).count(), 1);

  // One file from the disk, chosen twice: one chip, and a word why.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'cb-same-'));
  const receipt = path.join(dir, 'receipt.png');
  fs.writeFileSync(receipt, PNG);
  await pick(page, receipt);
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-chip.cb-chip-done').length === 3);
  await pick(page, receipt);
  await bubble.locator('.cb-notice', { hasText: 'receipt.png is already attached.' }).waitFor();
  assert.equal(await bubble.locator('.cb-chip').count(), 3);

  // The assistant is told the names the visitor sees.
  await bubble.locator('.cb-send').click();
  await waitForReplyContaining(page, 'I see 3 images: image.png, 70 B; image (2).png, 70 B; receipt.png, 70 B.');
  fs.rmSync(dir, { recursive: true, force: true });
  assert.deepEqual(problems, []);
  await context.close();
});

test('uploads go side by side: a slow file does not hold up a small one, and a file waiting for its turn says so', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-side-by-side.html', IMAGES);
  const bubble = await openPanel(page);
  const held = (name) => holdRequests(page, (url) => url.pathname.endsWith('/uploads/') && url.searchParams.get('filename') === name);
  const chipSize = (name) => bubble.locator('.cb-chip', { hasText: name }).locator('.cb-chip-size');

  // No conversation yet: the first upload makes it, and the second waits, saying so.
  const releaseFirst = await held('first.png');
  await pick(page, [
    { name: 'first.png', mimeType: 'image/png', buffer: PNG },
    { name: 'second.png', mimeType: 'image/png', buffer: PNG },
  ]);
  await bubble.getByRole('progressbar', { name: 'Uploading first.png' }).waitFor();
  assert.equal(await chipSize('second.png').textContent(), '70 B · Waiting');
  assert.equal(await bubble.getByRole('progressbar', { name: 'Uploading second.png' }).count(), 0,
    'no progress bar stuck at nothing for a file not yet on its way');
  releaseFirst();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-chip.cb-chip-done').length === 2);

  // The conversation is there: a slow file and a quick one go at once.
  const releaseSlow = await held('slow.png');
  await pick(page, [
    { name: 'slow.png', mimeType: 'image/png', buffer: PNG },
    { name: 'quick.png', mimeType: 'image/png', buffer: PNG },
  ]);
  await bubble.locator('.cb-chip.cb-chip-done', { hasText: 'quick.png' }).waitFor();
  assert.equal(await bubble.getByRole('progressbar', { name: 'Uploading slow.png' }).count(), 1, 'the slow one still on its way');
  releaseSlow();
  await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot
    .querySelectorAll('.cb-chip.cb-chip-done').length === 4);
  await bubble.locator('.cb-send').click();
  await waitForReplyContaining(page, 'I see 4 images: first.png, 70 B; second.png, 70 B; slow.png, 70 B; quick.png, 70 B.');
  assert.deepEqual(problems, []);
  await context.close();
});

test('without data-attachments there is no attach button, and a pasted picture is left alone', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'uploads-off.html');
  const bubble = await openPanel(page);
  assert.equal(await bubble.locator('.cb-attach').count(), 0);
  await pastePicture(page, 'pasted.png');
  assert.equal(await bubble.locator('.cb-chip').count(), 0);
  assert.deepEqual(problems, []);
  await context.close();
});

for (const scheme of ['light', 'dark']) {
  test(`axe-core finds no violations with chips, a failed upload and a sent picture (${scheme})`, async () => {
    const { context, page, problems } = await openPage(env.browser, { colorScheme: scheme, expectedStatuses: [415] });
    await hostPage(page, env.server, `uploads-axe-${scheme}.html`, { ...IMAGES, 'data-primary-color': '#f5c518' });
    const bubble = await openPanel(page);
    await pick(page, { name: 'sent.png', mimeType: 'image/png', buffer: PNG });
    await bubble.locator('.cb-chip.cb-chip-done').waitFor();
    await bubble.locator('.cb-input').press('Enter');
    await waitForReplyContaining(page, 'I see 1 image: sent.png');
    await visitorThumbnail(page);
    const release = await holdUploads(page);
    await pick(page, { name: 'waiting.png', mimeType: 'image/png', buffer: PNG });
    await pick(page, { name: 'fake.png', mimeType: 'image/png', buffer: Buffer.from('<html>') });
    await bubble.getByRole('progressbar', { name: 'Uploading waiting.png' }).waitFor();
    await page.addScriptTag({ path: AXE });
    const violations = await page.evaluate(async () => {
      const result = await window.axe.run(document.querySelector('chat-bubble'), { resultTypes: ['violations'] });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(violations, []);
    release();
    await bubble.locator('.cb-chip.cb-chip-failed').waitFor();
    const failed = await page.evaluate(async () => {
      const result = await window.axe.run(document.querySelector('chat-bubble'), { resultTypes: ['violations'] });
      return result.violations.map((v) => `${v.id}: ${v.nodes.map((n) => n.target.join(' ')).join(', ')}`);
    });
    assert.deepEqual(failed, []);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
