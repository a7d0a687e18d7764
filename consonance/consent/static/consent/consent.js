// Cookie consent in the browser (P21). The server renders non-necessary scripts only as inert
// placeholders, and only for categories the visitor accepted; this loads them, unless the browser
// sends Global Privacy Control, which counts as a refusal (then the banner is hidden too).
(function () {
  "use strict";
  var gpc = navigator.globalPrivacyControl === true;
  document.documentElement.setAttribute("data-gpc", gpc ? "1" : "0");
  if (gpc) {
    var banner = document.getElementById("cookie-banner");
    if (banner) banner.hidden = true;
    var notes = document.querySelectorAll("[data-gpc-note]");
    for (var i = 0; i < notes.length; i++) notes[i].hidden = false;
    return;
  }
  var placeholders = document.querySelectorAll("script[type='text/plain'][data-consent-src]");
  for (var j = 0; j < placeholders.length; j++) {
    var script = document.createElement("script");
    script.src = placeholders[j].getAttribute("data-consent-src");
    script.async = true;
    document.head.appendChild(script);
  }
})();
