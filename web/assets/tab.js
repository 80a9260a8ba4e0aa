// The Teams tab's sign-in: ask Teams for the person's token (single
// sign-on), hand it to okrbot, and open the dashboard in the tab. Without
// Teams, or when Teams says no, the page says how to get a link instead.
(function () {
  "use strict";
  function fallback() {
    document.getElementById("tab-status").hidden = true;
    document.getElementById("tab-fallback").hidden = false;
  }
  if (!window.microsoftTeams) {
    fallback();
    return;
  }
  microsoftTeams.app
    .initialize()
    .then(function () {
      return microsoftTeams.authentication.getAuthToken();
    })
    .then(function (token) {
      return fetch("/teams/tab/signin", {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/x-www-form-urlencoded" },
        body: "token=" + encodeURIComponent(token),
      });
    })
    .then(function (resp) {
      if (!resp.ok) throw new Error("okrbot answered " + resp.status);
      window.location.replace("/");
    })
    .catch(fallback);
})();
