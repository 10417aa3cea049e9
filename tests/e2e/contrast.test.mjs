// Any brand colour, both themes: focus rings show (3:1 on what they sit on, the header's
// included), links read (4.5:1), a primary as close to the panel's colour as can be still marks
// the header, the visitor's bubbles and Send as shapes of their own, and axe-core finds no
// violations.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import {
  serverAndBrowser, openPage, widget, hostPage, meanColour, colourDistance, CONTRAST_HELPERS, mockSwitches,
} from './harness.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const env = serverAndBrowser();
const COLOURS = ['#fde047', '#ffffff', '#111111'];

for (const theme of ['light', 'dark']) {
  for (const colour of COLOURS) {
    test(`primary ${colour}, ${theme} theme: focus rings, links and areas show, axe finds nothing`, async () => {
      const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
      await hostPage(page, env.server, `contrast-${theme}-${colour.slice(1)}.html`, {
        'data-load': 'eager', 'data-theme': theme, 'data-primary-color': colour, 'data-attachments': 'files',
      });
      const bubble = widget(page);
      await bubble.locator('.cb-launcher[aria-expanded]').click();
      await bubble.locator('.cb-input').fill('show me some markdown');
      await bubble.locator('.cb-input').press('Enter');
      await bubble.locator('.cb-assistant .cb-copy-message').waitFor({ timeout: 15000 });
      await page.addScriptTag({ content: CONTRAST_HELPERS });
      const [chooser] = await Promise.all([page.waitForEvent('filechooser'), bubble.locator('.cb-attach').click()]);
      await chooser.setFiles({ name: 'notes.txt', mimeType: 'text/plain', buffer: Buffer.from('hello') });
      await bubble.locator('.cb-chip.cb-chip-done').waitFor();
      await bubble.locator('.cb-input').fill('a draft');
      // Keyboard modality, so that focus() shows :focus-visible rings as Tab would.
      await page.keyboard.press('Shift+Tab');

      const rings = await page.evaluate(() => {
        const root = document.querySelector('chat-bubble').shadowRoot;
        const { ratio, background } = window.__contrast;
        const targets = ['.cb-header .cb-new', '.cb-header button[aria-label="Close chat"]', '.cb-input',
          '.cb-assistant .cb-copy-message', '.cb-sources summary', '.cb-send', '.cb-attach', '.cb-chip-remove'];
        return targets.map((selector) => {
          const el = root.querySelector(selector);
          el.focus();
          const style = getComputedStyle(el);
          // The ring is drawn outside the control (offset 2 px): it sits on the parent's background.
          const under = background(el.parentElement);
          return [selector, style.outlineStyle, Number(ratio(style.outlineColor, under).toFixed(2))];
        });
      });
      for (const [selector, style, contrast] of rings) {
        assert.notEqual(style, 'none', `${selector} has a focus ring`);
        assert.ok(contrast >= 3, `${selector}: its ring has ${contrast}:1 on what it sits on`);
      }

      const links = await page.evaluate(() => {
        const root = document.querySelector('chat-bubble').shadowRoot;
        const { ratio, background } = window.__contrast;
        return Array.from(root.querySelectorAll('.cb-panel a'))
          .map((a) => [a.textContent, Number(ratio(getComputedStyle(a).color, background(a)).toFixed(2))]);
      });
      assert.ok(links.length > 0, 'the reply has links');
      for (const [text, contrast] of links) assert.ok(contrast >= 4.5, `link "${text}": ${contrast}:1`);

      // The message box's placeholder reads (the browser's own grey did not on the dark theme).
      await bubble.locator('.cb-input').fill('');
      const placeholder = await page.evaluate(() => {
        const input = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-input');
        const { ratio, background } = window.__contrast;
        const style = getComputedStyle(input, '::placeholder');
        return [input.placeholder, Number(style.opacity), Number(ratio(style.color, background(input)).toFixed(2))];
      });
      assert.ok(placeholder[0].length > 0, 'the box has a placeholder');
      assert.equal(placeholder[1], 1, 'the placeholder is not faded');
      assert.ok(placeholder[2] >= 4.5, `placeholder: ${placeholder[2]}:1`);
      // Where to type shows: the box's edge at 3:1 on what is around it (WCAG 1.4.11).
      const edge = await page.evaluate(() => {
        const input = document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-input');
        const { ratio, background } = window.__contrast;
        return Number(ratio(getComputedStyle(input).borderTopColor, background(input.parentElement)).toFixed(2));
      });
      assert.ok(edge >= 3, `the message box's edge: ${edge}:1`);
      // A code block is dark in both themes, and so is its scrollbar where scrollbars take room.
      assert.equal(await bubble.locator('.cb-text pre').first().evaluate((e) => getComputedStyle(e).colorScheme), 'dark');

      // The header and the visitor's bubble stand apart from the panel: by their colour, or by
      // an edge that does.
      const areas = await page.evaluate(() => {
        const root = document.querySelector('chat-bubble').shadowRoot;
        const { ratio } = window.__contrast;
        const panel = getComputedStyle(root.querySelector('.cb-panel')).backgroundColor;
        const apart = (el, edge) => {
          const style = getComputedStyle(el);
          // An edge of no width has a colour all the same (the text's): it marks nothing.
          const drawn = parseFloat(style[edge.replace('Color', 'Width')]) > 0;
          return Math.max(ratio(style.backgroundColor, panel), drawn ? ratio(style[edge], panel) : 1);
        };
        return {
          header: apart(root.querySelector('.cb-header'), 'borderBottomColor'),
          visitor: apart(root.querySelector('.cb-visitor'), 'borderTopColor'),
          send: apart(root.querySelector('.cb-send'), 'borderTopColor'),
        };
      });
      assert.ok(areas.header >= 1.5, `the header stands apart by ${areas.header}:1`);
      assert.ok(areas.visitor >= 1.5, `the visitor's bubble stands apart by ${areas.visitor}:1`);
      assert.ok(areas.send >= 1.5, `Send stands apart by ${areas.send}:1`);

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
}

// Windows contrast themes force every colour and drop backgrounds: a control drawn only by its
// background would be a bare icon, and the typing dots nothing at all.
for (const scheme of ['light', 'dark']) {
  test(`forced colours (${scheme}): the bubble, Send and the typing dots still show`, async () => {
    const { context, page, problems } = await openPage(env.browser);
    await page.emulateMedia({ forcedColors: 'active', colorScheme: scheme, reducedMotion: 'reduce' });
    await hostPage(page, env.server, `forced-colours-${scheme}.html`, { 'data-load': 'eager' });
    const bubble = widget(page);
    // The widget's own bubble, once it has taken the loader's place (the loader's bubble has
    // the same class and attributes; the panel comes with the widget).
    await bubble.locator('.cb-panel').waitFor({ state: 'attached' });
    const launcher = bubble.locator('.cb-launcher');
    await launcher.waitFor();
    // The bubble's left edge, against a corner of its box (outside the circle: the page).
    const page_ = await meanColour(page, launcher, [1], [1, 2]);
    const edge = await meanColour(page, launcher, [1], [26, 28, 30]);
    assert.ok(colourDistance(edge, page_) > 100, `the bubble's edge ${edge} on the page ${page_}`);

    // Send, with words to send: an edge to aim at, as a shape of its own.
    await launcher.click();
    await bubble.locator('.cb-input').fill('dots please');
    const sendButton = bubble.locator('.cb-send');
    const corner = await meanColour(page, sendButton, [0], [0]);
    const side = await meanColour(page, sendButton, [1], [18, 20, 22]);
    assert.ok(colourDistance(side, corner) > 100, `Send's edge ${side} against its corner ${corner}`);

    // A reply on its way: the request is held, so the dots stay.
    await page.route('**/completions/**', () => {});
    await bubble.locator('.cb-input').press('Enter');
    const dots = bubble.locator('.cb-typing');
    await dots.waitFor();
    // The first dot's middle, and the gap after it.
    const dot = await meanColour(page, dots, [3], [7, 8]);
    const gap = await meanColour(page, dots, [9], [7, 8]);
    assert.ok(colourDistance(dot, gap) > 100, `a dot ${dot} against the gap ${gap}`);
    // The assistant's bubble is framed as the visitor's is: forced colours drop its background.
    const frames = await page.evaluate(() => ['.cb-visitor', '.cb-assistant'].map((sel) => {
      const style = getComputedStyle(document.querySelector('chat-bubble').shadowRoot.querySelector(sel));
      return `${sel} ${style.borderTopStyle} ${style.borderTopWidth}`;
    }));
    assert.deepEqual(frames, ['.cb-visitor solid 1px', '.cb-assistant solid 1px']);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

for (const colour of ['#dc2626', '#2563eb']) {
  test(`the unread badge stands apart from a ${colour} bubble`, async () => {
    const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
    await hostPage(page, env.server, `badge-${colour.slice(1)}.html`, { 'data-load': 'eager', 'data-primary-color': colour });
    await widget(page).locator('.cb-launcher[aria-expanded]').waitFor();
    await mockSwitches(page, { delay: 5 });
    await page.evaluate(() => {
      ChatBubble.send('while away');
      ChatBubble.close();
    });
    await widget(page).locator('.cb-badge').waitFor();
    await page.addScriptTag({ content: CONTRAST_HELPERS });
    const apart = await page.evaluate(() => {
      const root = document.querySelector('chat-bubble').shadowRoot;
      const { ratio } = window.__contrast;
      const badge = getComputedStyle(root.querySelector('.cb-badge'));
      const bubble = getComputedStyle(root.querySelector('.cb-launcher')).backgroundColor;
      // A ring drawn round it counts when it is wide enough to see.
      const ring = badge.boxShadow.match(/^(rgba?\([^)]*\)) 0px 0px 0px (\d+(?:\.\d+)?)px/);
      const ringApart = ring && Number(ring[2]) >= 1 ? ratio(ring[1], bubble) : 1;
      return Number(Math.max(ratio(badge.backgroundColor, bubble), ringApart).toFixed(2));
    });
    assert.ok(apart >= 3, `the badge stands apart from the bubble by ${apart}:1`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}

for (const theme of ['light', 'dark']) {
  test(`asked for more contrast (${theme}): the panel's lines show at 3:1 and its quieter text reads at 7:1`, async () => {
    const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
    await page.emulateMedia({ contrast: 'more', colorScheme: theme });
    await hostPage(page, env.server, `more-contrast-${theme}.html`, { 'data-load': 'eager' });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher[aria-expanded]').click();
    await bubble.locator('.cb-input').waitFor();
    await page.addScriptTag({ content: CONTRAST_HELPERS });
    const seen = await page.evaluate(() => {
      const root = document.querySelector('chat-bubble').shadowRoot;
      const { ratio, background } = window.__contrast;
      const panel = background(root.querySelector('.cb-panel'));
      const input = root.querySelector('.cb-input');
      return {
        composerLine: ratio(getComputedStyle(root.querySelector('.cb-composer')).borderTopColor, panel),
        boxEdge: ratio(getComputedStyle(input).borderTopColor, panel),
        placeholder: ratio(getComputedStyle(input, '::placeholder').color, background(input)),
      };
    });
    assert.ok(seen.composerLine >= 3, `the line above the composer: ${seen.composerLine.toFixed(2)}:1`);
    assert.ok(seen.boxEdge >= 3, `the message box's edge: ${seen.boxEdge.toFixed(2)}:1`);
    assert.ok(seen.placeholder >= 7, `the placeholder: ${seen.placeholder.toFixed(2)}:1`);
    assert.deepEqual(problems, []);
    await context.close();
  });
}
