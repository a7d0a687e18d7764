// The sign-in link carries its token in the fragment (#...), which browsers never send to a
// server. Post it, and take it out of the address bar and history first.
(function () {
  var token = window.location.hash.slice(1);
  var form = document.getElementById("signin-form");
  if (!token || !form) { return; }
  history.replaceState(null, "", window.location.pathname);
  form.elements.token.value = decodeURIComponent(token);
  form.submit();
})();
