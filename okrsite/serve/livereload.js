/* okrsite serve: live reload and the error overlay.
 *
 * Injected by `okrsite serve` into every HTML page it serves (never into built files):
 *   <script src="PREFIX__okrsite/livereload.js" data-build="N" defer></script>
 * N is the build the page was served from. The script long-polls
 * PREFIX__okrsite/poll?build=N; the server answers as soon as the latest build is not N
 * (or after ~25 s with the same state) with JSON {build, ok, diagnostics: [...]}.
 * A new successful build reloads the page (keeping the scroll position); a failed one
 * shows an overlay listing every diagnostic on top of the last good page. Text goes in
 * with textContent only, and the file is external so a strict CSP keeps working.
 * No external library.
 */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || window.__okrsiteLiveReload) {
    return;
  }
  window.__okrsiteLiveReload = true;
  var base = script.src.replace(/[^\/]*(\?.*)?$/, ""); // ".../__okrsite/"
  var shown = parseInt(script.getAttribute("data-build") || "0", 10) || 0;
  var known = shown; // the latest build this page knows about
  var scrollKey = "okrsite-scroll:" + location.pathname + location.search;
  var OVERLAY_ID = "okrsite-overlay";
  var delay = 500;

  // Restore the scroll position kept across a reload.
  try {
    var kept = sessionStorage.getItem(scrollKey);
    if (kept) {
      sessionStorage.removeItem(scrollKey);
      var xy = JSON.parse(kept);
      var restore = function () { window.scrollTo(xy[0], xy[1]); };
      if (document.readyState === "complete") {
        restore();
      } else {
        window.addEventListener("load", restore);
      }
    }
  } catch (e) { /* storage disabled: no scroll keeping */ }

  function reload() {
    try {
      sessionStorage.setItem(scrollKey, JSON.stringify([window.scrollX, window.scrollY]));
    } catch (e) { /* ignore */ }
    window.location.reload();
  }

  function removeOverlay() {
    var old = document.getElementById(OVERLAY_ID);
    if (old) {
      old.parentNode.removeChild(old);
    }
  }

  function el(tag, style, text) {
    var node = document.createElement(tag);
    for (var key in style) {
      if (Object.prototype.hasOwnProperty.call(style, key)) {
        node.style[key] = style[key];
      }
    }
    if (text !== undefined) {
      node.textContent = text;
    }
    return node;
  }

  function showOverlay(state) {
    removeOverlay();
    var box = el("div", {
      position: "fixed", left: "0", right: "0", top: "0", maxHeight: "70vh", overflow: "auto",
      zIndex: "2147483647", background: "#fff4f4", color: "#1a1a1a",
      borderBottom: "4px solid #b00020", boxShadow: "0 4px 16px rgba(0,0,0,.3)",
      padding: "1rem 1.5rem", font: "14px/1.5 system-ui, sans-serif", textAlign: "left"
    });
    box.id = OVERLAY_ID;
    box.setAttribute("role", "alert");
    var heading = el("h2", { margin: "0 0 .5rem", font: "bold 18px/1.3 system-ui, sans-serif", color: "#b00020" },
      "okrsite: the site was not rebuilt");
    box.appendChild(heading);
    var diags = state.diagnostics || [];
    var errors = 0;
    for (var i = 0; i < diags.length; i++) {
      if (/^[^\n]*?:\d+: error: /.test(diags[i])) {
        errors++;
      }
    }
    box.appendChild(el("p", { margin: "0 0 .5rem" },
      (errors === 1 ? "1 error" : errors + " errors") +
      "; this page shows the last good build. Fix the files below and save: the page reloads by itself."));
    var list = el("ul", {
      margin: "0", padding: "0", listStyle: "none",
      font: "13px/1.45 ui-monospace, SFMono-Regular, Menlo, Consolas, monospace"
    });
    list.className = "okrsite-diagnostics";
    for (var j = 0; j < diags.length; j++) {
      var isError = / error: /.test(diags[j]);
      var item = el("li", {
        whiteSpace: "pre-wrap", overflowWrap: "anywhere", padding: ".15rem 0",
        color: isError ? "#8a0015" : "#5c4400"
      }, diags[j]);
      list.appendChild(item);
    }
    box.appendChild(list);
    var close = el("button", {
      position: "absolute", top: ".5rem", right: ".75rem", font: "inherit", cursor: "pointer"
    }, "Hide");
    close.type = "button";
    close.addEventListener("click", removeOverlay);
    box.appendChild(close);
    (document.body || document.documentElement).appendChild(box);
  }

  function handle(state) {
    if (typeof state.build !== "number") {
      return;
    }
    if (state.build === known) {
      return; // timeout: nothing new
    }
    known = state.build;
    if (state.ok) {
      if (state.build !== shown) {
        reload();
      } else {
        removeOverlay();
      }
    } else {
      showOverlay(state);
    }
  }

  function poll() {
    var xhr = new XMLHttpRequest();
    xhr.open("GET", base + "poll?build=" + encodeURIComponent(known), true);
    xhr.setRequestHeader("Cache-Control", "no-store");
    xhr.timeout = 60000;
    xhr.onload = function () {
      if (xhr.status === 200) {
        delay = 500;
        var state = null;
        try {
          state = JSON.parse(xhr.responseText);
        } catch (e) { /* ignore */ }
        if (state) {
          handle(state);
        }
        setTimeout(poll, 0);
      } else {
        retry();
      }
    };
    xhr.onerror = retry;
    xhr.ontimeout = retry;
    xhr.send();
  }

  function retry() {
    // The server is gone (stopped, restarting): try again, less and less often.
    setTimeout(poll, delay);
    delay = Math.min(delay * 2, 10000);
  }

  poll();
})();
