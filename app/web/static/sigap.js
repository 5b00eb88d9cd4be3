/* Sigap staff pages: live countdowns against the server's clock, and short polling of the
   open-complaints list (new complaints and breaches appear without reloading). No inline scripts. */
(function () {
  "use strict";
  var body = document.body;
  var lang = body.getAttribute("data-lang") === "en" ? "en" : "id";
  var TEXT = {
    id: { left: "lagi", late: "terlambat", h: "j", m: "mnt", d: "h" },
    en: { left: "left", late: "late", h: "h", m: "min", d: "d" }
  }[lang];
  var serverNow = Date.parse(body.getAttribute("data-server-now") || "");
  var offset = isNaN(serverNow) ? 0 : serverNow - Date.now();

  function nowMs() { return Date.now() + offset; }

  function span(ms) {
    var minutes = Math.floor(Math.abs(ms) / 60000);
    var days = Math.floor(minutes / 1440), hours = Math.floor((minutes % 1440) / 60), mins = minutes % 60;
    if (days) { return days + " " + TEXT.d + " " + hours + " " + TEXT.h; }
    if (hours) { return hours + " " + TEXT.h + " " + (mins < 10 ? "0" : "") + mins + " " + TEXT.m; }
    var secs = Math.floor(Math.abs(ms) / 1000) % 60;
    return mins + " " + TEXT.m + " " + (secs < 10 ? "0" : "") + secs + " s";
  }

  function tick() {
    var els = document.querySelectorAll("time.countdown[data-due]");
    var at = nowMs();
    for (var i = 0; i < els.length; i++) {
      var el = els[i];
      if (el.hasAttribute("data-stopped")) { continue; }
      var due = Date.parse(el.getAttribute("data-due"));
      if (isNaN(due)) { continue; }
      var left = due - at;
      el.textContent = span(left) + " " + (left >= 0 ? TEXT.left : TEXT.late);
      el.classList.toggle("late", left < 0);
    }
  }
  tick();
  setInterval(tick, 1000);

  /* Location check-in for the handling form, where the browser offers it. */
  var geo = document.querySelector("[data-geolocate]");
  if (geo && navigator.geolocation) {
    geo.hidden = false;
    geo.addEventListener("click", function () {
      navigator.geolocation.getCurrentPosition(function (pos) {
        document.getElementById("handle-lat").value = pos.coords.latitude.toFixed(6);
        document.getElementById("handle-lon").value = pos.coords.longitude.toFixed(6);
      });
    });
  }

  /* "Did you mean" choices on the counter form: fill the field(s) in place instead of sending the form. */
  var chips = document.querySelectorAll("[data-fill-village], [data-fill-district]");
  for (var c = 0; c < chips.length; c++) {
    chips[c].addEventListener("click", function (event) {
      event.preventDefault();
      var chip = event.currentTarget, box = chip.closest(".field-error"), target = null;
      [["village", "data-fill-village"], ["district", "data-fill-district"]].forEach(function (pair) {
        var field = document.getElementById(pair[0]);
        if (field && chip.hasAttribute(pair[1])) {
          field.value = chip.getAttribute(pair[1]);
          field.removeAttribute("aria-invalid");
          target = target || field;
        }
      });
      if (box) { box.hidden = true; }
      if (target) { target.focus(); }
    });
  }

  /* On a phone the main menu folds behind one button (CSS hides the menu only once this runs). */
  var menuButton = document.querySelector("[data-menu-toggle]");
  var menu = menuButton && document.getElementById(menuButton.getAttribute("aria-controls"));
  if (menuButton && menu) {
    menuButton.hidden = false;
    menuButton.closest("header").classList.add("menu-folds");
    menuButton.addEventListener("click", function () {
      var open = menuButton.getAttribute("aria-expanded") !== "true";
      menuButton.setAttribute("aria-expanded", open ? "true" : "false");
      menu.classList.toggle("open", open);
    });
  }

  /* Long lists (the audit trail, the SLA timeline) show their latest entries on a phone, the rest on
     demand; the CSS folds only on narrow screens, so a laptop keeps the whole list. */
  var folds = document.querySelectorAll("[data-fold-toggle]");
  for (var f = 0; f < folds.length; f++) {
    (function (button) {
      var list = document.getElementById(button.getAttribute("data-fold-toggle"));
      if (!list) { return; }
      button.hidden = false;
      list.classList.add("folding");
      button.addEventListener("click", function () {
        var open = button.getAttribute("aria-expanded") !== "true";
        button.setAttribute("aria-expanded", open ? "true" : "false");
        button.textContent = button.getAttribute(open ? "data-text-less" : "data-text-more");
        list.classList.toggle("folding", !open);
        if (open) { window.dispatchEvent(new Event("resize")); }  /* a map shown at last takes its size */
      });
    })(folds[f]);
  }

  /* Short polling of the list. */
  var poll = document.querySelector("[data-poll]");
  var table = document.querySelector("table[data-board] tbody");
  if (!poll || !table) { return; }
  var url = poll.getAttribute("data-poll-url");
  var every = (parseInt(poll.getAttribute("data-poll-seconds"), 10) || 15) * 1000;
  var liveStatus = document.querySelector("[data-live-status]");
  var known = {};
  function remember() {
    var seen = {}, rows = table.querySelectorAll("tr[data-ticket]");
    for (var r = 0; r < rows.length; r++) { seen[rows[r].getAttribute("data-ticket")] = rows[r].getAttribute("data-state"); }
    return seen;
  }
  known = remember();
  var delay = every;

  /* Browser notifications (supervisors opt in, per browser): new complaints and missed deadlines
     the poll finds. The Notification API only; nothing leaves the browser. */
  var NOTIFY_KEY = "sigap-notify";
  var notifyButton = document.querySelector("[data-notify]");
  function notifying() {
    try {
      return "Notification" in window && Notification.permission === "granted" && localStorage.getItem(NOTIFY_KEY) === "1";
    } catch (e) { return false; }
  }
  function showNotifyState() {
    if (!notifyButton) { return; }
    var on = notifying(), denied = "Notification" in window && Notification.permission === "denied";
    notifyButton.textContent = notifyButton.getAttribute(denied ? "data-text-denied" : (on ? "data-text-on" : "data-text-off"));
    notifyButton.setAttribute("aria-pressed", on ? "true" : "false");
    notifyButton.disabled = denied;
  }
  if (notifyButton && "Notification" in window) {
    notifyButton.hidden = false;
    showNotifyState();
    notifyButton.addEventListener("click", function () {
      if (notifying()) { localStorage.removeItem(NOTIFY_KEY); showNotifyState(); return; }
      Promise.resolve(Notification.requestPermission()).then(function (permission) {
        if (permission === "granted") { localStorage.setItem(NOTIFY_KEY, "1"); }
        showNotifyState();
      });
    });
  }
  function notify(title, tickets) {
    if (!tickets.length || !notifying()) { return; }
    var note = new Notification(title, { body: tickets.join(", "), tag: "sigap-" + tickets.join("-"), lang: lang });
    note.onclick = function () {
      window.focus();
      if (tickets.length === 1) { window.location.href = poll.getAttribute("data-complaint-url").replace("TICKET", tickets[0]); }
    };
  }

  /* The server renders the rows (the same template as the page) and the "updated" line; this only
     swaps them in and marks what is new or newly late. */
  function apply(data) {
    var fresh = [], breached = [];
    table.innerHTML = data.rows_html;
    var next = remember();
    Object.keys(next).forEach(function (ticket) {
      var tr = table.querySelector('tr[data-ticket="' + ticket + '"]');
      if (!(ticket in known)) { fresh.push(ticket); tr.classList.add("fresh"); }
      else if (next[ticket] === "breached" && known[ticket] !== "breached") { breached.push(ticket); tr.classList.add("fresh"); }
    });
    known = next;
    notify(poll.getAttribute("data-text-new"), fresh);
    notify(poll.getAttribute("data-text-breached"), breached);
    Object.keys(data.counts).forEach(function (key) {
      var n = document.querySelector('[data-count="' + key + '"]');
      if (n) { n.textContent = data.counts[key]; }
    });
    var at = Date.parse(data.now);
    if (!isNaN(at)) { offset = at - Date.now(); }
    if (liveStatus) {
      var parts = [data.updated_text];
      if (fresh.length) { parts.push(poll.getAttribute("data-text-new") + ": " + fresh.join(", ")); }
      if (breached.length) { parts.push(poll.getAttribute("data-text-breached") + ": " + breached.join(", ")); }
      liveStatus.textContent = parts.join(" · ");
      liveStatus.classList.remove("offline");
    }
    tick();
    document.dispatchEvent(new CustomEvent("sigap:board", { detail: data }));
  }

  function schedule() { setTimeout(refresh, delay); }

  function refresh() {
    if (document.hidden) { schedule(); return; }
    fetch(url, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) {
        if (res.status === 401) { throw new Error("signed-out"); }
        if (!res.ok) { throw new Error("status " + res.status); }
        return res.json();
      })
      .then(function (data) { apply(data); delay = every; schedule(); })
      .catch(function (err) {
        if (liveStatus) { liveStatus.textContent = poll.getAttribute("data-text-offline"); liveStatus.classList.add("offline"); }
        if (err && err.message === "signed-out") { return; }
        delay = Math.min(delay * 2, 120000);
        schedule();
      });
  }
  body.setAttribute("data-polling", "1");
  schedule();
})();
