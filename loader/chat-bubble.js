/* chat-bubble loader (see README). Untrusted values only go in as text or attributes. */
((d, w) => {
  const script = d.currentScript;
  if (!script || !script.src) return;
  const K = Symbol.for('chat-bubble');
  const reg = w[K] || (w[K] = Object.assign([], { h: {} }));
  const base = new URL('./', script.src).href;
  const attrs = {};
  for (const a of script.attributes) if (a.name.startsWith('data-')) attrs[a.name] = a.value;
  // A re-run (SPA), or the same embed with a version in its query, keeps the widget.
  const key = base + ' ' + attrs['data-web-chat-id'];
  const same = reg.h[key];
  // The bubble hangs from <html>, beside <body>: a <body> with a transform, filter or
  // will-change would otherwise be the box its fixed corner is measured from, far down a long
  // page; and a router that swaps <body> leaves it be.
  const html = d.documentElement;
  if (same) return same.isConnected || html.append(same);
  const warn = (m) => console.warn('chat-bubble: ' + m);
  const el = (n, props) => Object.assign(d.createElement(n), props);
  const set = (e, o) => {
    for (const n in o) e.setAttribute(n, o[n]);
    return e;
  };
  // Hidden until its stylesheet shows it (`:host`): unstyled, the bubble would be a bare button
  // at the foot of the page, in its Tab order.
  const host = el('chat-bubble', { hidden: true });
  const root = host.attachShadow({ mode: 'open' });
  const mountPoint = set(el('div', { className: 'cb-root' }), attrs);
  // The bubble's colour, place and layer before the wasm arrives, checked as the widget checks
  // them (src/appearance.rs), so that it does not change when the widget takes over.
  const style = mountPoint.style;
  // Trimmed as Rust's str::trim trims (Unicode White_Space: JS's \s and U+0085, not U+FEFF).
  const value = (name) => (attrs[name] || '').replace(/^((?!\ufeff)[\s\x85])+|((?!\ufeff)[\s\x85])+$/g, '');
  const hex = /^#([\da-f]{3}|[\da-f]{6})$/i.exec(value('data-primary-color'));
  if (hex) {
    const h = hex[1].length > 3 ? hex[1] : hex[1].replace(/./g, '$&$&');
    // WCAG relative luminance; white or black text, whichever contrasts more.
    const lum = [0, 2, 4].reduce((sum, i, k) => {
      const c = parseInt(h.slice(i, i + 2), 16) / 255;
      return sum + [0.2126, 0.7152, 0.0722][k] * (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);
    }, 0);
    style.setProperty('--cb-primary', '#' + h.toLowerCase());
    // White contrasts at least as much as black: 1.05 / (lum + 0.05) >= (lum + 0.05) / 0.05.
    style.setProperty('--cb-on-primary', (lum + 0.05) ** 2 <= 0.0525 ? '#fff' : '#000');
  }
  for (const [name, prop] of [['data-offset-x', '--cb-offset-x'], ['data-offset-y', '--cb-offset-y']]) {
    const px = /^\+?(\d+)(px)?$/.exec(value(name));
    if (px && +px[1] <= 400) style.setProperty(prop, +px[1] + 'px');
  }
  const z = value('data-z-index');
  if (/^[+-]?\d+$/.test(z) && +z >= -(2 ** 31) && +z < 2 ** 31) style.setProperty('--cb-z', String(+z));
  const button = set(el('button', { type: 'button', className: 'cb-launcher' }), {
    'aria-label': 'Open chat',
    'aria-expanded': 'false',
  });
  const ns = 'http://www.w3.org/2000/svg';
  const svg = set(d.createElementNS(ns, 'svg'), { class: 'cb-icon', viewBox: '0 0 24 24', 'aria-hidden': 'true' });
  svg.append(set(d.createElementNS(ns, 'path'), { d: 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z' }));
  button.append(svg);
  mountPoint.append(button);
  root.append(el('link', { rel: 'stylesheet', href: base + 'chat-bubble.css' }), mountPoint);

  let handle, loading, dead, timer, observer;
  let queue = [];
  let willOpen = false; // where the queued calls leave the panel
  const emit = (name, detail) =>
    host.dispatchEvent(new CustomEvent('chatbubble:' + name, { detail, bubbles: true, composed: true }));
  const idle = (f) => (w.requestIdleCallback || setTimeout)(f);
  const triggers = ['pointerover', 'focusin', 'click', 'keydown', 'touchstart'];
  const unlisten = () => {
    for (const t of triggers) button.removeEventListener(t, load);
    (w.cancelIdleCallback || clearTimeout)(timer);
  };
  const load = () => {
    if (loading || dead) return;
    unlisten();
    loading = import(base + 'chat-bubble-widget.js')
      .then((m) =>
        m.default({ module_or_path: base + 'chat-bubble-widget_bg.wasm' }).then(() => {
          if (dead) return;
          const hadFocus = root.activeElement === button;
          handle = m.mount(mountPoint, attrs, base, emit);
          // Attributes the widget cannot start with (it said why in the console): no bubble
          // that spins for ever when clicked. The JS API stays, doing nothing, so that a page
          // calling it does not throw.
          if (!handle) {
            dead = true;
            willOpen = false;
            observer?.disconnect();
            return host.remove();
          }
          if (hadFocus) mountPoint.querySelector('.cb-launcher').focus();
          emit('ready');
          for (const [method, arg] of queue.splice(0)) handle[method](arg);
        }),
      )
      .catch((e) => {
        loading = null;
        willOpen = false;
        button.setAttribute('aria-busy', false);
        console.error('chat-bubble: could not load the widget from ' + base, e);
      });
  };
  // opens: true, false, 2 = toggle. Until the widget is there, the bubble is busy (a spinner in
  // the stylesheet) while an open waits for it.
  const call = (method, opens, arg) => {
    if (dead) return;
    if (handle) return handle[method](arg);
    queue.push([method, arg]);
    if (opens != null) {
      willOpen = opens === 2 ? !willOpen : opens;
      button.setAttribute('aria-busy', willOpen);
      if (willOpen) load();
    }
  };
  const api = {
    open: () => call('open', true),
    close: () => call('close', false),
    toggle: () => call('toggle', 2),
    isOpen: () => (handle ? handle.is_open() : willOpen),
    // A page's mistake is said in the console, never sent to the assistant as the visitor's
    // words ("undefined", "[object Object]") nor thrown at every event.
    send: (text) => (typeof text == 'string' ? call('send', true, text) : warn('send() takes the message as a string')),
    newConversation: () => call('new_conversation'),
    clearHistory: () => call('clear_history'),
    on: (name, f) => {
      if (typeof f != 'function') return warn('on() takes a function'), () => {};
      const type = 'chatbubble:' + name;
      const g = (e) => f(e.detail);
      host.addEventListener(type, g);
      return () => host.removeEventListener(type, g);
    },
    destroy: () => {
      if (dead) return;
      dead = true;
      unlisten();
      observer?.disconnect();
      const h = handle;
      handle = null;
      if (h) {
        h.destroy();
        queueMicrotask(() => h.free());
      }
      host.remove();
      queue = [];
      willOpen = false;
      reg.splice(reg.indexOf(api), 1);
      delete reg.h[key];
      if (!reg.length) {
        if (w.ChatBubble === reg.g) delete w.ChatBubble;
        if (w.MaiAgent === reg.m) delete w.MaiAgent;
        delete w[K];
      }
    },
  };
  button.addEventListener('click', () => handle || api.open());
  host.chatBubble = api;
  reg.push(api);
  reg.h[key] = host;

  // Globals, where free.
  if (!reg.g) {
    const g = (reg.g = { instances: reg });
    for (const k in api) g[k] = (...args) => reg[0]?.[k](...args);
    reg.m = {
      control: { open: g.open, close: g.close, isOpen: g.isOpen },
      chat: { send: g.send, clearHistory: g.clearHistory, newConversation: g.newConversation },
      events: { on: (name, f) => g.on(name === 'messageReply' ? 'reply' : name, f) },
    };
    if ('ChatBubble' in w) warn('window.ChatBubble taken');
    else w.ChatBubble = g;
    if ('MaiAgent' in w) warn('window.MaiAgent taken');
    else w.MaiAgent = reg.m;
  }

  const mode = attrs['data-load'];
  const attach = () => {
    if (dead) return;
    html.append(host);
    // Come back if a script clears <html>'s children.
    observer = new MutationObserver(() => host.isConnected || html.append(host));
    observer.observe(html, { childList: true });
    if (mode === 'eager') load();
    else if (mode === 'interaction') for (const t of triggers) button.addEventListener(t, load, { passive: true });
    else {
      if (mode && mode !== 'idle') warn(`data-load "${mode}" unknown, using idle`);
      timer = idle(load);
    }
    // The teaser is a module of its own (chat-bubble-teaser.js), fetched at idle by the pages
    // whose tag asks for one; it loads no wasm.
    if (attrs['data-teaser']) idle(() => import(base + 'chat-bubble-teaser.js').then((m) => m.default(api, mountPoint), warn));
  };
  if (d.body) attach();
  else d.addEventListener('DOMContentLoaded', attach);
})(document, window);
