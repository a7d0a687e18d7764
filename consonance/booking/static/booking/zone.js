// Pre-selects the visitor's own time zone in the zone picker; nothing else. Without
// JavaScript the picker works as a plain form.
(function () {
  var select = document.getElementById("tz");
  if (!select || window.location.search.indexOf("tz=") !== -1) return;
  var zone = "";
  try { zone = Intl.DateTimeFormat().resolvedOptions().timeZone || ""; } catch (e) { return; }
  if (!zone || zone === select.getAttribute("data-current")) return;
  var found = false;
  for (var i = 0; i < select.options.length; i++) {
    if (select.options[i].value === zone) { found = true; break; }
  }
  if (!found) {
    var option = document.createElement("option");
    option.value = zone; option.textContent = zone;
    select.insertBefore(option, select.firstChild);
  }
  select.value = zone;
})();
