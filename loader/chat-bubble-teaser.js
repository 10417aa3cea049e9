/* chat-bubble teaser (README: data-teaser): one short line beside the closed launcher, after
   data-teaser-delay seconds, once per visitor. The loader imports this module at idle, and only on
   pages whose tag has data-teaser, so the loader stays small and other pages never fetch it. It
   never loads the widget itself: only a click on it (an open, like the launcher's) does.
   The text is the site's config, untrusted: it goes in as text only. */

const DEFAULT_DELAY_S = 3;
const MAX_DELAY_S = 3600;
const CLOSE_ICON = 'M6 6l12 12M18 6L6 18';

/** Shows the teaser of the widget whose loader root is `root`; `api` is the loader's API. */
export default function tease(api, root) {
  const text = (root.getAttribute('data-teaser') || '').trim();
  // Without both ids the widget does not start: no invitation to a chat that cannot open.
  const ids = ['data-web-chat-id', 'data-chatbot-id'].every((name) => root.getAttribute(name)?.trim());
  if (!text || !ids) return;
  const memory = storage(root.getAttribute('data-persistence'));
  const key = 'chat-bubble-teaser:' + root.getAttribute('data-web-chat-id');
  if (memory?.getItem(key)) return;
  setTimeout(() => show(api, root, text, () => memory?.setItem(key, '1')), delay(root) * 1000);
}

/** Where "already shown" is kept: as the widget keeps its own state (data-persistence), or
 * nowhere. Storage the browser refuses counts as none. */
function storage(persistence) {
  try {
    if (persistence === 'none') return null;
    return persistence === 'session' ? sessionStorage : localStorage;
  } catch {
    return null;
  }
}

/** data-teaser-delay in seconds: a number from 0 to an hour, else the default (with a warning). */
function delay(root) {
  const raw = (root.getAttribute('data-teaser-delay') || '').trim();
  if (!raw) return DEFAULT_DELAY_S;
  const seconds = Number(raw);
  if (seconds >= 0 && seconds <= MAX_DELAY_S) return seconds;
  console.warn(`chat-bubble: data-teaser-delay "${raw}" is not a number of seconds from 0 to ${MAX_DELAY_S}, using ${DEFAULT_DELAY_S}`);
  return DEFAULT_DELAY_S;
}

/** Whether the widget speaks Traditional Chinese, decided as the widget decides (src/texts.rs):
 * data-locale `zh-TW` or `en`, else the first of the browser's languages it speaks. */
function chinese(root) {
  const locale = (root.getAttribute('data-locale') || '').trim();
  const tags = /^(en|zh-tw)$/i.test(locale) ? [locale] : navigator.languages || [];
  const spoken = tags.find((t) => /^(en|zh([-_][^-_]+)*[-_](tw|hk|mo|hant))([-_]|$)/i.test(t));
  return /^zh/i.test(spoken);
}

function show(api, root, text, remember) {
  // Gone (destroy()) or already open: the visitor has found the chat, no need to point at it.
  if (!root.isConnected || api.isOpen()) return remember();
  remember();
  const d = root.ownerDocument;
  const box = d.createElement('div');
  box.className = 'cb-teaser';
  box.setAttribute('role', 'status');
  const message = d.createElement('button');
  message.type = 'button';
  message.className = 'cb-teaser-text';
  // In a span, which the stylesheet clamps to a few lines.
  const words = d.createElement('span');
  // The site's words go the way they start: an Arabic teaser reads from the right.
  words.dir = 'auto';
  message.append(words);
  const close = d.createElement('button');
  close.type = 'button';
  close.className = 'cb-teaser-close';
  // In the widget's language, marked so that a screen reader reads it in that voice.
  const zh = chinese(root);
  close.lang = zh ? 'zh-TW' : 'en';
  close.setAttribute('aria-label', zh ? '關閉' : 'Dismiss');
  const ns = 'http://www.w3.org/2000/svg';
  const svg = d.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'cb-icon');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  const path = d.createElementNS(ns, 'path');
  path.setAttribute('d', CLOSE_ICON);
  svg.append(path);
  close.append(svg);
  box.append(message, close);

  const launcher = () => root.querySelector('.cb-launcher');
  // Focus in the teaser goes to the launcher beside it, or it would fall to the page's <body>
  // and the next Tab start again from the top of the page. Focus on the launcher counts as an
  // interaction (data-load="interaction"), which would load the widget for a visitor who only
  // said no: that one focusin is kept from reaching it.
  const dismiss = () => {
    if (box.contains(root.getRootNode().activeElement)) {
      const quiet = (e) => e.stopPropagation();
      root.addEventListener('focusin', quiet, true);
      launcher()?.focus();
      root.removeEventListener('focusin', quiet, true);
    }
    box.remove();
    d.removeEventListener('keydown', onKey);
    stopOpen();
    stopReady();
  };
  // Escape said to no control (focus on the page itself) or to the chat dismisses it; not the
  // one that leaves the site's own search box or closes its menu.
  const host = root.getRootNode().host;
  const onKey = (e) => {
    const t = e.target;
    const meant = t === d.body || t === d.documentElement || t === host;
    if ((e.key === 'Escape' && meant && !e.defaultPrevented) || !root.isConnected) dismiss();
  };
  // Opened any other way (the launcher, the API): the teaser has done its job.
  const stopOpen = api.on('open', dismiss);
  // Before the launcher, as it is on screen, so that Tab reaches it first. The widget replaces
  // the loader's content when it mounts: the teaser stays where it was.
  const stopReady = api.on('ready', () => root.prepend(box));
  message.addEventListener('click', () => {
    // The launcher holds focus while the panel opens, so a keyboard user lands in the message box.
    launcher()?.focus();
    dismiss();
    api.open();
  });
  close.addEventListener('click', dismiss);
  d.addEventListener('keydown', onKey);
  root.prepend(box);
  // The words come into the status region once it is there: a region inserted with its words
  // already in is not read out by every screen reader.
  requestAnimationFrame(() => requestAnimationFrame(() => {
    words.textContent = text;
  }));
}
