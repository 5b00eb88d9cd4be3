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

  /* Short polling of the list. */
  var poll = document.querySelector("[data-poll]");
  var table = document.querySelector("table[data-board] tbody");
  if (!poll || !table) { return; }
  var url = poll.getAttribute("data-poll-url");
  var every = (parseInt(poll.getAttribute("data-poll-seconds"), 10) || 15) * 1000;
  var showAgency = poll.getAttribute("data-show-agency") === "1";
  var stateNames = JSON.parse(poll.getAttribute("data-state-names") || "{}");
  var statusNames = JSON.parse(poll.getAttribute("data-status-names") || "{}");
  var complaintUrl = poll.getAttribute("data-complaint-url");
  var liveStatus = document.querySelector("[data-live-status]");
  var known = {};
  var rows = table.querySelectorAll("tr[data-ticket]");
  for (var r = 0; r < rows.length; r++) { known[rows[r].getAttribute("data-ticket")] = rows[r].getAttribute("data-state"); }
  var delay = every;

  function el(tag, attrs, text) {
    var node = document.createElement(tag);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { node.setAttribute(k, attrs[k]); } }
    if (text !== undefined && text !== null) { node.textContent = text; }
    return node;
  }

  function localTime(iso, tz) {
    try {
      return new Intl.DateTimeFormat(lang === "en" ? "en-GB" : "id-ID", {
        timeZone: tz, day: "numeric", month: "short", year: "numeric", hour: "2-digit", minute: "2-digit", hour12: false
      }).format(new Date(iso));
    } catch (e) { return iso; }
  }

  function render(item) {
    var tr = el("tr", { "class": "row state-" + item.state, "data-ticket": item.ticket, "data-state": item.state });
    var c1 = el("td", { "class": "cell-countdown" });
    c1.appendChild(el("time", { "class": "countdown", "data-due": item.handle_due_at, "datetime": item.handle_due_at }));
    c1.appendChild(document.createTextNode(" "));
    c1.appendChild(el("span", { "class": "badge state-" + item.state, "data-state": item.state }, stateNames[item.state] || item.state));
    tr.appendChild(c1);
    var c2 = el("td");
    c2.appendChild(el("a", { "class": "ticket", href: complaintUrl.replace("TICKET", item.ticket) }, item.ticket));
    tr.appendChild(c2);
    tr.appendChild(el("td", {}, item.category_name));
    var where = [item.village, item.district].filter(Boolean).join(", ");
    tr.appendChild(el("td", {}, where || "—"));
    if (showAgency) {
      var ca = el("td", {}, item.agency_name || poll.getAttribute("data-text-triage"));
      if (item.assignee) { ca.appendChild(el("br")); ca.appendChild(el("span", { "class": "muted small" }, item.assignee)); }
      tr.appendChild(ca);
    }
    var cs = el("td");
    cs.appendChild(el("span", { "class": "status status-" + item.status }, statusNames[item.status] || item.status));
    tr.appendChild(cs);
    tr.appendChild(el("td", { "class": "nowrap" }, localTime(item.handle_due_at, item.timezone)));
    return tr;
  }

  function apply(data) {
    var fresh = [], breached = [], next = {};
    var frag = document.createDocumentFragment();
    data.complaints.forEach(function (item) {
      var tr = render(item);
      if (!(item.ticket in known)) { fresh.push(item.ticket); tr.classList.add("fresh"); }
      else if (item.state === "breached" && known[item.ticket] !== "breached") { breached.push(item.ticket); tr.classList.add("fresh"); }
      next[item.ticket] = item.state;
      frag.appendChild(tr);
    });
    if (!data.complaints.length) {
      var empty = el("tr", { "class": "empty" });
      empty.appendChild(el("td", { colspan: showAgency ? "7" : "6" }, poll.getAttribute("data-text-none")));
      frag.appendChild(empty);
    }
    table.innerHTML = "";
    table.appendChild(frag);
    known = next;
    Object.keys(data.counts).forEach(function (key) {
      var n = document.querySelector('[data-count="' + key + '"]');
      if (n) { n.textContent = data.counts[key]; }
    });
    var at = Date.parse(data.now);
    if (!isNaN(at)) { offset = at - Date.now(); }
    if (liveStatus) {
      var parts = [poll.getAttribute("data-text-updated") + " " + new Date(nowMs()).toLocaleTimeString(lang === "en" ? "en-GB" : "id-ID", { hour: "2-digit", minute: "2-digit" })];
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
