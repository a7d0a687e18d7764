// An example of a non-necessary script a coach may configure in the policy's [[cookies]] table
// (`script = "consent/example-embed.js"`): it sets its cookie and marks the page, so that one can
// see it runs only after consent. A real one would, say, load an embedded video player.
(function () {
  "use strict";
  document.cookie = "example_embed=1; path=/; max-age=2592000; SameSite=Lax";
  document.documentElement.setAttribute("data-example-embed", "loaded");
})();
