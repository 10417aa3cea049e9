/* chat-bubble loader: the only script a page includes. It paints the launcher at once inside a
 * shadow root, then loads the widget's wasm (same folder as this file) when the browser is idle or
 * on the first click, whichever comes first. Untrusted values are only ever set as text/attributes. */
(function (d, w) {
  var script = d.currentScript;
  if (!script || !script.src) return;
  var base = new URL('./', script.src).href;
  var attrs = {};
  for (var i = 0; i < script.attributes.length; i++) {
    var a = script.attributes[i];
    if (a.name.indexOf('data-') === 0) attrs[a.name] = a.value;
  }
  var host = d.createElement('chat-bubble');
  var root = host.attachShadow({ mode: 'open' });
  var css = d.createElement('link');
  css.rel = 'stylesheet';
  css.href = base + 'chat-bubble.css';
  var mountPoint = d.createElement('div');
  mountPoint.className = 'cb-root';
  var button = d.createElement('button');
  button.type = 'button';
  button.className = 'cb-launcher';
  button.setAttribute('aria-label', 'Open chat');
  button.setAttribute('aria-expanded', 'false');
  var ns = 'http://www.w3.org/2000/svg';
  var svg = d.createElementNS(ns, 'svg');
  svg.setAttribute('class', 'cb-icon');
  svg.setAttribute('viewBox', '0 0 24 24');
  svg.setAttribute('aria-hidden', 'true');
  var path = d.createElementNS(ns, 'path');
  path.setAttribute('d', 'M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z');
  svg.appendChild(path);
  button.appendChild(svg);
  mountPoint.appendChild(button);
  root.appendChild(css);
  root.appendChild(mountPoint);

  var wantOpen = false;
  var loading = null;
  function load() {
    if (loading) return loading;
    loading = import(base + 'chat-bubble-widget.js')
      .then(function (m) {
        return m.default({ module_or_path: base + 'chat-bubble-widget_bg.wasm' }).then(function () {
          var hadFocus = root.activeElement === button;
          if (m.mount(mountPoint, attrs, base, wantOpen) && hadFocus) {
            var launcher = mountPoint.querySelector('.cb-launcher');
            if (launcher) launcher.focus();
          }
        });
      })
      .catch(function (e) {
        loading = null;
        console.error('chat-bubble: could not load the widget from ' + base, e);
      });
    return loading;
  }
  button.addEventListener('click', function () {
    wantOpen = true;
    button.setAttribute('aria-busy', 'true');
    load();
  });
  function attach() {
    d.body.appendChild(host);
    (w.requestIdleCallback || w.setTimeout)(load);
  }
  if (d.body) attach();
  else d.addEventListener('DOMContentLoaded', attach);
})(document, window);
