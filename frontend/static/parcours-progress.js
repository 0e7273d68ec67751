/* Long work (a national release, an annual report, a retention sweep, an access export, a
   département being provisioned) shows its progress without a manual reload.

   A page marks the region describing work under way with `data-progress` and an id. Every few
   seconds the page is fetched again (same address, same session, no new endpoint to secure) and
   the region replaced by its fresh version, which screen readers announce (aria-live). When the
   fresh region no longer carries `data-progress`, the work is over: the page is reloaded once to
   show its result. Served from the site itself, as the content security policy requires. */
(function () {
  "use strict";
  var INTERVAL = 4000;
  var regions = document.querySelectorAll("[data-progress][id]");
  if (!regions.length || !window.fetch || !window.DOMParser) {
    return;
  }
  function poll() {
    fetch(window.location.href, { credentials: "same-origin", headers: { Accept: "text/html" } })
      .then(function (response) {
        if (!response.ok) {
          throw new Error(String(response.status));
        }
        return response.text();
      })
      .then(function (html) {
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var running = false;
        var finished = false;
        regions.forEach(function (region) {
          var now = fresh.getElementById(region.id);
          if (now && now.hasAttribute("data-progress")) {
            running = true;
            region.innerHTML = now.innerHTML;
          } else {
            finished = true;
          }
        });
        if (finished) {
          window.location.reload();
        } else if (running) {
          window.setTimeout(poll, INTERVAL);
        }
      })
      .catch(function () {
        window.setTimeout(poll, INTERVAL * 3);  // the server is busy or restarting: later
      });
  }
  window.setTimeout(poll, INTERVAL);
})();
