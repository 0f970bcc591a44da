/* Shopwright widgets for any storefront. No dependencies; load it with `async`:
 *   <div data-sw-widget="bestsellers.top" data-product="12" data-limit="4"></div>
 *   <script src="https://YOUR-SHOPWRIGHT/embed.js" data-shop="YOUR-SHOP" async></script>
 * Placeholders are filled from the fragment endpoint; every widget (filled here or rendered by the
 * server) reports an impression when half of it is on screen and a click on any link inside it. */
(function () {
  "use strict";
  var script = document.currentScript;
  if (!script || !script.getAttribute("data-shop") || !window.fetch) return;
  var root = new URL(script.src, location.href).origin + "/embed/" +
    encodeURIComponent(script.getAttribute("data-shop"));
  var session = sessionId();
  var queue = [];
  var timer = null;
  var seen = typeof IntersectionObserver === "function" ? new IntersectionObserver(onVisible, { threshold: 0.5 }) : null;

  function sessionId() {
    try {
      var id = sessionStorage.getItem("sw_session");
      if (!id) {
        id = Math.random().toString(36).slice(2) + Date.now().toString(36);
        sessionStorage.setItem("sw_session", id);
      }
      return id;
    } catch (e) {
      return "";  // storage blocked: events still count, just not per session
    }
  }

  function flush() {
    timer = null;
    while (queue.length) {
      var body = JSON.stringify({ session: session, events: queue.splice(0, 50) });
      // sendBeacon survives leaving the page (a click on a product link); its text/plain body
      // needs no CORS preflight.
      if (!(navigator.sendBeacon && navigator.sendBeacon(root + "/events", body))) {
        fetch(root + "/events", { method: "POST", body: body, keepalive: true, credentials: "omit" })["catch"](function () {});
      }
    }
  }

  function record(type, el, productId) {
    var id = parseInt(productId || el.getAttribute("data-sw-product"), 10);
    queue.push({ type: type, widget: el.getAttribute("data-sw-widget"), product_id: isNaN(id) ? null : id });
    if (!timer) timer = setTimeout(flush, 1000);
  }

  function onVisible(entries) {
    entries.forEach(function (entry) {
      if (!entry.isIntersecting) return;
      seen.unobserve(entry.target);
      record("widget_impression", entry.target);
    });
  }

  function watch(el) {
    if (seen) seen.observe(el);
    else record("widget_impression", el);
  }

  function query(el) {
    var params = [];
    for (var i = 0; i < el.attributes.length; i++) {
      var attr = el.attributes[i];
      if (attr.name.indexOf("data-") === 0 && attr.name.indexOf("data-sw-") !== 0) {
        params.push(encodeURIComponent(attr.name.slice(5).replace(/-/g, "_")) + "=" + encodeURIComponent(attr.value));
      }
    }
    return params.join("&");
  }

  function fill(el) {
    var name = el.getAttribute("data-sw-widget");
    fetch(root + "/widgets/" + encodeURIComponent(name) + ".html?" + query(el), { credentials: "omit" })
      .then(function (response) { return response.ok ? response.text() : ""; })
      .then(function (html) {
        if (!html) return;  // disabled, failing or nothing to show: the placeholder stays empty
        el.innerHTML = html;  // server-rendered and autoescaped by the shop's own Shopwright
        el.className += " sw-widget";
        if (!el.hasAttribute("data-sw-product") && el.hasAttribute("data-product")) {
          el.setAttribute("data-sw-product", el.getAttribute("data-product"));
        }
        watch(el);
      })["catch"](function () {});
  }

  function start() {
    var found = document.querySelectorAll("[data-sw-widget]");
    for (var i = 0; i < found.length; i++) {
      if (/(^|\s)sw-widget(\s|$)/.test(found[i].className)) watch(found[i]);
      else fill(found[i]);
    }
    var viewed = document.querySelector("[data-sw-view-product]");
    if (viewed) {
      queue.push({ type: "view", widget: null, product_id: parseInt(viewed.getAttribute("data-sw-view-product"), 10) || null });
      if (!timer) timer = setTimeout(flush, 1000);
    }
  }

  document.addEventListener("click", function (event) {
    var link = event.target.closest && event.target.closest("[data-sw-widget] a");
    if (!link) return;
    record("widget_click", link.closest("[data-sw-widget]"), link.getAttribute("data-sw-product"));
    flush();
  }, true);
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden") flush();
  });

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
