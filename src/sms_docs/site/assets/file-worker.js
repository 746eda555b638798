/* sms-docs: Web Workers for a site opened from disk (file://, an unzipped folder).
 *
 * Browsers refuse to start a Worker from a file:// address, and Material's search runs in one. This
 * stand-in runs the same worker script in a hidden same-origin iframe instead, with the worker's
 * globals (postMessage, addEventListener("message"), importScripts) wired to the page: the same
 * script, the same messages, no server and nothing fetched from outside the folder. Loaded only by
 * offline builds (`sms-docs build --offline`, or `offline: true` for the plugin), and only acts on
 * file:// pages: served over HTTP the browser's own Worker is used.
 */
(function () {
  "use strict";
  if (location.protocol !== "file:" || !window.URL || !window.Promise) {
    return;
  }

  function load(doc, src) {
    return new Promise(function (resolve, reject) {
      var script = doc.createElement("script");
      script.src = src;
      script.onload = function () { resolve(); };
      script.onerror = function () { reject(new Error("cannot load " + src)); };
      (doc.head || doc.documentElement).appendChild(script);
    });
  }

  function FileWorker(url) {
    var self = this;
    var src = new URL(String(url), location.href).href;
    var frame = document.createElement("iframe");
    frame.setAttribute("aria-hidden", "true");
    frame.setAttribute("tabindex", "-1");
    frame.style.display = "none";
    (document.body || document.documentElement).appendChild(frame);
    var win = frame.contentWindow;
    var doc = win.document;
    this.onmessage = null;
    this.onerror = null;
    this._listeners = { message: [], error: [] };
    this._queue = [];
    this._ready = false;
    this._frame = frame;
    this._win = win;
    // The worker speaking to the page: asynchronously, as a real worker would.
    win.postMessage = function (data) {
      setTimeout(function () { self._emit("message", { data: data }); }, 0);
    };
    // Scripts the worker asks for (lunr's languages): loaded in order; the promise it gets back is
    // waited for by Material's worker, which yields on importScripts.
    win.importScripts = function () {
      var urls = Array.prototype.slice.call(arguments);
      return urls.reduce(function (done, each) {
        return done.then(function () { return load(doc, new URL(String(each), src).href); });
      }, Promise.resolve());
    };
    win.onerror = function (message) { self._emit("error", { message: String(message) }); };
    load(doc, src).then(function () {
      self._ready = true;
      self._queue.splice(0).forEach(function (data) { self._deliver(data); });
    }, function (error) {
      self._emit("error", { message: String(error && error.message) });
    });
  }

  FileWorker.prototype._deliver = function (data) {
    var win = this._win;
    setTimeout(function () { win.dispatchEvent(new win.MessageEvent("message", { data: data })); }, 0);
  };

  FileWorker.prototype._emit = function (type, event) {
    var handler = this["on" + type];
    if (typeof handler === "function") {
      handler.call(this, event);
    }
    (this._listeners[type] || []).slice().forEach(function (fn) { fn.call(this, event); }, this);
  };

  FileWorker.prototype.postMessage = function (data) {
    if (this._ready) {
      this._deliver(data);
    } else {
      this._queue.push(data);
    }
  };

  FileWorker.prototype.addEventListener = function (type, fn) {
    (this._listeners[type] = this._listeners[type] || []).push(fn);
  };

  FileWorker.prototype.removeEventListener = function (type, fn) {
    var list = this._listeners[type] || [];
    var at = list.indexOf(fn);
    if (at >= 0) {
      list.splice(at, 1);
    }
  };

  FileWorker.prototype.terminate = function () {
    if (this._frame.parentNode) {
      this._frame.parentNode.removeChild(this._frame);
    }
  };

  window.Worker = FileWorker;
})();
