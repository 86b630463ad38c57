/* The login page: the token is traded once for a session (POST
 * /api/v1/login), which sxcd keeps and names in an HttpOnly, SameSite
 * cookie the browser sends by itself, and a key the page keeps in this
 * tab's sessionStorage (this origin's alone: a page on another port of
 * the host, which is sent the cookie too, cannot read it) and sends as
 * X-Sxcd-Session: the cookie alone opens nothing. The token itself is
 * kept nowhere. */
"use strict";
(function () {
  var form = document.getElementById("login");
  var input = document.getElementById("token");
  var err = document.getElementById("login-error");

  /* What a page before sessions kept: the raw token, readable by any page
   * of this host (cookies ignore ports). Gone, whatever sxcd says. */
  try { sessionStorage.removeItem("sxcd_token"); } catch (e) { /* storage off: nothing kept there */ }
  if (document.cookie.split(";").some(function (c) { return c.trim().indexOf("sxcd_token=") === 0; }))
    document.cookie = "sxcd_token=; Path=/; Max-Age=0; SameSite=Strict";

  function said(r) {
    return r.json().then(function (b) { return ((b || {}).error || {}).message || ""; }, function () { return ""; });
  }
  form.addEventListener("submit", function (ev) {
    ev.preventDefault();
    var tok = input.value.trim();
    input.value = "";
    err.textContent = "";
    fetch("/api/v1/login", { method: "POST", headers: { "Content-Type": "application/json" },
                             body: JSON.stringify({ token: tok }), credentials: "same-origin", cache: "no-store" })
      .then(function (r) {
        if (r.status === 204) {   /* no credential at all (--insecure-no-auth) */
          location.replace("/");
          return;
        }
        if (r.status === 200) {
          return r.json().then(function (b) {
            sessionStorage.setItem("sxcd_session_key", b.session_key);
            location.replace("/");
          });
        }
        if (r.status === 401) {
          err.textContent = "refused: that is not this sxcd's token (401)";
          return;
        }
        if (r.status === 429) {
          var after = r.headers.get("Retry-After");
          err.textContent = "too many wrong tokens from this address: try again" + (after ? " in " + after + " s" : " later") + " (429)";
          return;
        }
        return said(r).then(function (m) { err.textContent = "sxcd refused the login: " + r.status + (m ? " " + m : ""); });
      }, function (e) {
        err.textContent = "sxcd does not answer: " + e;
      });
  });
})();
