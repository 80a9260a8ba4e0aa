// The Teams tab's sign-in: ask Teams for the person's token (single
// sign-on), hand it to okrbot, and open the dashboard in the tab. When
// okrbot refuses the person (their organization is not one it serves, a
// guest) the tab says why; without Teams, or when Teams or the token fails,
// it says how to get a sign-in link instead.
(function () {
  "use strict";
  var status = document.getElementById("tab-status");
  function fallback() {
    status.hidden = true;
    document.getElementById("tab-fallback").hidden = false;
  }
  function refused(why) {
    status.textContent = why;
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
      if (resp.ok) {
        window.location.replace("/");
        return;
      }
      // 403: the token is good, the person may not read the dashboard.
      if (resp.status !== 403) throw new Error("okrbot answered " + resp.status);
      return resp.text().then(refused);
    })
    .catch(fallback);
})();
