/* The login page: the token is kept in this tab's sessionStorage (sent as
 * a bearer header on every API call) and in a SameSite=Strict session
 * cookie that sxcd takes for the page's own files only (GET/HEAD, never the
 * API nor a write), so a navigation can load them. */
"use strict";
(function () {
  var form = document.getElementById("login");
  var err = document.getElementById("login-error");
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var tok = document.getElementById("token").value.trim();
    fetch("/api/v1/status", { headers: { Authorization: "Bearer " + tok } }).then(function (r) {
      if (r.status === 401) {
        err.textContent = "refused: that is not this sxcd's token (401)";
        return;
      }
      sessionStorage.setItem("sxcd_token", tok);
      document.cookie = "sxcd_token=" + encodeURIComponent(tok) + "; Path=/; SameSite=Strict";
      location.replace("/");
    }, function (e) {
      err.textContent = "sxcd does not answer: " + e;
    });
  });
})();
