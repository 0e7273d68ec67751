// Starts ReDoc with this answer's CSP nonce, so that the style elements it writes are allowed
// by the page's policy (style-src 'self' 'nonce-…'): no inline script, no 'unsafe-inline'.
(function () {
  var script = document.currentScript;
  Redoc.init(script.dataset.specUrl, { nonce: script.nonce }, document.getElementById("redoc"));
})();
