// Copy is honest: a reply's Copy and a code block's Copy say "Copied" only once the text is on
// the clipboard, copy by the browser's copy command where the Clipboard API is missing (a site on
// plain http) or refused (a frame the host did not allow clipboard-write), and say that they
// could not copy when neither works, never throwing on the host page. The clipboard is checked
// as a visitor would: by pasting into the message box.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage, routeHtml, embedTag } from './harness.mjs';

const env = serverAndBrowser();

const DECOY = 'nothing copied yet';
const REPLY = /^# Mock reply with markdown\n/;
const CODE = /^fn main\(\) \{\n/;

/** src/ui/mod.rs's COPIED_SHOWN. */
const COPIED_SHOWN_MS = 2000;

/** A markdown reply (with a code block) in the widget `bubble`, finished. */
async function markdownReply(bubble) {
  if (!(await bubble.locator('.cb-panel').isVisible())) await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').fill('show me markdown');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-assistant .cb-copy-message').waitFor({ timeout: 20000 });
}

/**
 * Puts words of the visitor's own on the clipboard (Ctrl+C in the message box), presses `button`,
 * waits for it to say how that went, and pastes (Ctrl+V) into the emptied message box: what the
 * button said, its name then, whether it kept focus, and what was pasted.
 */
async function copyAndPaste(bubble, button) {
  const input = bubble.locator('.cb-input');
  await input.fill(DECOY);
  await input.press('ControlOrMeta+A');
  await input.press('ControlOrMeta+C');
  await input.fill('');
  await button.click();
  await button.filter({ hasNotText: /^(Copy|複製)$/ }).waitFor({ timeout: 5000 });
  const said = await button.textContent();
  const name = await button.getAttribute('aria-label');
  const focused = await button.evaluate((b) => b.getRootNode().activeElement === b);
  await input.press('ControlOrMeta+V');
  const pasted = await input.inputValue();
  await input.fill('');
  return { said, name, focused, pasted };
}

/**
 * Both Copy buttons of the reply in `bubble`: each says "Copied", keeps focus, and the paste is
 * its text.
 */
async function bothCopy(bubble) {
  for (const [button, text] of [[bubble.locator('.cb-assistant .cb-copy-message'), REPLY], [bubble.locator('.cb-code .cb-copy'), CODE]]) {
    const { said, name, focused, pasted } = await copyAndPaste(bubble, button);
    assert.equal(said, 'Copied');
    assert.equal(name, 'Copied');
    assert.equal(focused, true, 'focus stays on the button pressed');
    assert.match(pasted, text);
  }
}

test('Copy puts the reply, or its code, on the clipboard and says "Copied"', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await context.grantPermissions(['clipboard-read', 'clipboard-write']);
  await hostPage(page, env.server, 'copy.html');
  await markdownReply(widget(page));
  await bothCopy(widget(page));
  assert.deepEqual(problems, []);
  await context.close();
});

test('in a frame the host did not allow to write the clipboard, Copy still copies', async () => {
  const { context, page, problems } = await openPage(env.browser);
  // Another origin than the page's, framed without allow="clipboard-write": the browser refuses
  // the Clipboard API there.
  const inner = env.server.url.replace('127.0.0.1', 'localhost') + 'framed.html';
  await routeHtml(page, inner, `<!doctype html><html><body>${embedTag({ 'data-load': 'eager' })}</body></html>`);
  await routeHtml(page, `${env.server.url}framing.html`,
    `<!doctype html><html><body style="margin:0"><iframe src="${inner}" style="width:1000px;height:700px;border:0"></iframe></body></html>`);
  await page.goto(`${env.server.url}framing.html`);
  const frame = page.frameLocator('iframe');
  const refused = await page.frames()[1].evaluate(() => navigator.clipboard.writeText('x').then(() => false, () => true));
  assert.equal(refused, true, 'the frame may not use the Clipboard API');
  await markdownReply(frame.locator('chat-bubble'));
  await bothCopy(frame.locator('chat-bubble'));
  // The browser reports each refusal in the console itself; nothing is thrown.
  assert.deepEqual(problems.filter((p) => !p.startsWith('console.error: Permissions policy violation: The Clipboard API')), []);
  await context.close();
});

test('on a page without the Clipboard API (plain http), Copy still copies', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await context.addInitScript(() => { delete Navigator.prototype.clipboard; });
  await hostPage(page, env.server, 'copy-http.html');
  assert.equal(await page.evaluate(() => typeof navigator.clipboard), 'undefined');
  await markdownReply(widget(page));
  await bothCopy(widget(page));
  assert.deepEqual(problems, []);
  await context.close();
});

test('when the browser will not copy at all, Copy says so, in the visitor\'s language', async () => {
  for (const [locale, failed] of [['en', 'Couldn\'t copy'], ['zh-TW', '無法複製']]) {
    const { context, page, problems } = await openPage(env.browser);
    // No Clipboard API, and the copy command copies nothing.
    await context.addInitScript(() => {
      delete Navigator.prototype.clipboard;
      Document.prototype.execCommand = () => false;
    });
    await hostPage(page, env.server, 'no-copy.html', { 'data-locale': locale });
    const bubble = widget(page);
    await markdownReply(bubble);
    for (const button of [bubble.locator('.cb-assistant .cb-copy-message'), bubble.locator('.cb-code .cb-copy')]) {
      const { said, name, pasted } = await copyAndPaste(bubble, button);
      assert.equal(said, failed);
      assert.equal(name, failed);
      assert.equal(pasted, DECOY, 'the clipboard keeps what was on it');
    }
    // Then each offers to copy again.
    await page.waitForTimeout(COPIED_SHOWN_MS + 300);
    const copy = locale === 'en' ? 'Copy' : '複製';
    assert.equal(await bubble.locator('.cb-assistant .cb-copy-message').textContent(), copy);
    assert.equal(await bubble.locator('.cb-code .cb-copy').textContent(), copy);
    assert.deepEqual(problems, []);
    await context.close();
  }
});

test('the conversation selected and copied is what the messages say, without the buttons\' labels or the screen reader\'s "You:"', async () => {
  const { context, page, problems } = await openPage(env.browser);
  await hostPage(page, env.server, 'copy-selection.html');
  const bubble = widget(page);
  await bubble.locator('.cb-launcher').click();
  await bubble.locator('.cb-input').fill('first question');
  await bubble.locator('.cb-input').press('Enter');
  await bubble.locator('.cb-assistant .cb-copy-message').waitFor({ timeout: 20000 });
  await markdownReply(bubble);
  await bubble.locator('.cb-assistant .cb-copy-message').nth(1).waitFor({ timeout: 20000 });
  // The whole list selected, as a drag from the first message to the last selects it, and
  // copied with the keyboard; pasted back into the message box.
  await bubble.locator('.cb-messages').evaluate((list) => {
    // A drag leaves the message box, which would otherwise copy its own (empty) selection.
    list.getRootNode().activeElement?.blur();
    const range = document.createRange();
    range.selectNodeContents(list);
    const selection = getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
  });
  await page.keyboard.press('ControlOrMeta+C');
  const input = bubble.locator('.cb-input');
  await input.focus();
  await input.press('ControlOrMeta+V');
  const pasted = await input.inputValue();
  assert.match(pasted, /first question/);
  assert.match(pasted, /fn main\(\) \{/, 'the code is there');
  assert.doesNotMatch(pasted, /^(Copy|Copied|Regenerate)$/m, 'no button\'s label');
  assert.doesNotMatch(pasted, /You:/, 'no words meant for screen readers');
  assert.deepEqual(problems, []);
  await context.close();
});
