// The panel opens out of the launcher's corner and folds back into it, and does neither for a
// visitor who asked for reduced motion.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { serverAndBrowser, openPage, widget, hostPage } from './harness.mjs';

const env = serverAndBrowser();

/** Records the widget's animation starts as [name, pseudo-element]; for the panel's opening it
 * also notes how the first frame looks (clip and opacity) before letting it run on. */
function recordAnimations(page) {
  return page.evaluate(() => {
    window.__animations = [];
    window.__firstFrame = null;
    const root = document.querySelector('chat-bubble').shadowRoot;
    root.addEventListener('animationstart', (e) => {
      if (!e.animationName.startsWith('cb-panel')) return;
      window.__animations.push([e.animationName, e.pseudoElement]);
      if (e.animationName === 'cb-panel-open') {
        const animation = e.target.getAnimations().find((a) => a.animationName === 'cb-panel-open');
        animation.pause();
        animation.currentTime = 0;
        const style = getComputedStyle(e.target);
        window.__firstFrame = { clip: style.clipPath, opacity: style.opacity };
        animation.play();
      }
    });
  });
}

for (const reducedMotion of ['no-preference', 'reduce']) {
  test(`opening and closing the panel: ${reducedMotion === 'reduce' ? 'no animation under reduced motion' : 'from and to the launcher\'s corner'}`, async () => {
    const { context, page, problems } = await openPage(env.browser, { reducedMotion, viewport: { width: 1280, height: 800 } });
    await hostPage(page, env.server, `motion-${reducedMotion}.html`, { 'data-load': 'eager' });
    const bubble = widget(page);
    await bubble.locator('.cb-launcher[aria-expanded]').waitFor();
    await recordAnimations(page);

    await bubble.locator('.cb-launcher').click();
    await bubble.locator('.cb-panel').waitFor({ state: 'visible' });
    // Focus lands in the message box as before.
    await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.activeElement?.className === 'cb-input');
    if (reducedMotion === 'reduce') {
      // Two frames and more: an animation would have started by now.
      await page.evaluate(() => new Promise((r) => requestAnimationFrame(() => requestAnimationFrame(r))));
      await page.waitForTimeout(300);
      assert.deepEqual(await page.evaluate(() => window.__animations), []);
      assert.deepEqual(await bubble.locator('.cb-panel').evaluate((e) => e.getAnimations().length), 0);
    } else {
      await page.waitForFunction(() => window.__firstFrame);
      assert.deepEqual(await page.evaluate(() => window.__animations), [['cb-panel-open', '']]);
      // The first frame is a launcher-sized corner at the bottom right, transparent.
      assert.deepEqual(await page.evaluate(() => window.__firstFrame), {
        clip: 'inset(calc(100% - 56px) 0px 0px calc(100% - 56px) round 28px)',
        opacity: '0',
      });
    }

    await bubble.locator('.cb-header button[aria-label="Close chat"]').click();
    // Hidden to the visitor's tools at once, whatever is still folding away.
    assert.equal(await bubble.locator('.cb-panel').isVisible(), false);
    await page.waitForFunction(() => document.querySelector('chat-bubble').shadowRoot.activeElement?.className === 'cb-launcher');
    if (reducedMotion === 'reduce') {
      await page.waitForTimeout(300);
      assert.deepEqual(await page.evaluate(() => window.__animations), []);
      assert.equal(await bubble.locator('.cb-panel').evaluate((e) => getComputedStyle(e).display), 'none', 'gone at once');
    } else {
      await page.waitForFunction(() => window.__animations.length === 2);
      assert.deepEqual(await page.evaluate(() => window.__animations), [['cb-panel-open', ''], ['cb-panel-close', '::after']]);
      // Gone once folded.
      await page.waitForFunction(() => getComputedStyle(document.querySelector('chat-bubble').shadowRoot.querySelector('.cb-panel')).display === 'none');
    }
    assert.deepEqual(problems, []);
    await context.close();
  });
}

test('on the left, the panel opens out of the bottom-left corner', async () => {
  const { context, page, problems } = await openPage(env.browser, { viewport: { width: 1280, height: 800 } });
  await hostPage(page, env.server, 'motion-left.html', { 'data-load': 'eager', 'data-position': 'left' });
  const bubble = widget(page);
  await bubble.locator('.cb-launcher[aria-expanded]').waitFor();
  await recordAnimations(page);
  await bubble.locator('.cb-launcher').click();
  await page.waitForFunction(() => window.__firstFrame);
  assert.equal(await page.evaluate(() => window.__firstFrame.clip), 'inset(calc(100% - 56px) calc(100% - 56px) 0px 0px round 28px)');
  assert.deepEqual(problems, []);
  await context.close();
});
