/* Leaflet map of open complaints, served from our own files. The base layer is the operator's tile
   server when one is configured (SIGAP_MAP_TILE_URL, allowed by the CSP); without one, points are drawn
   over a plain background with the kecamatan names as landmarks, and the caption says so.
   Points close together on screen are drawn as one numbered circle (coloured by the worst state among
   them): a click zooms in, or lists the tickets when they share one place. */
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") { return; }
  var COLOURS = { breached: "#b3261e", warned: "#b44d00", reminder: "#d4a000", on_track: "#1e7b34", stopped: "#43505e" };
  var SEVERITY = ["breached", "warned", "reminder", "on_track", "stopped"];
  var CLUSTER_PX = 26;
  var tiles = box.getAttribute("data-tile-url");
  var map = L.map(box, { attributionControl: !!tiles, zoomSnap: 0.5 }).setView([-8.22, 114.37], 9);
  L.control.scale({ imperial: false }).addTo(map);
  if (tiles) {
    var attribution = document.createElement("span");
    attribution.textContent = box.getAttribute("data-tile-attribution") || "";
    map.attributionControl.setPrefix(false);
    L.tileLayer(tiles, { attribution: attribution.innerHTML, maxZoom: 19, subdomains: "abc" }).addTo(map);
  } else {
    var landmarks = [];
    try { landmarks = JSON.parse(box.getAttribute("data-landmarks") || "[]"); } catch (e) { landmarks = []; }
    var names = L.layerGroup().addTo(map);
    if (landmarks.length && !box.hasAttribute("data-lat")) {
      map.fitBounds(landmarks.map(function (d) { return [d.lat, d.lon]; }), { padding: [24, 24] });
    }
    landmarks.forEach(function (d) {
      var label = L.marker([d.lat, d.lon], { interactive: false, keyboard: false,
        icon: L.divIcon({ className: "map-landmark", html: "<span></span>", iconSize: [0, 0] }) }).addTo(names);
      label.getElement().firstChild.textContent = d.name;
    });
  }
  var layer = L.layerGroup().addTo(map);

  function dot(p) {
    return L.circleMarker([p.lat, p.lon], {
      radius: p.state === "breached" ? 8 : 6, color: "#fff", weight: 1.5,
      fillColor: COLOURS[p.state] || "#0b5c57", fillOpacity: 0.9
    });
  }

  if (box.hasAttribute("data-lat")) {
    var here = { lat: parseFloat(box.getAttribute("data-lat")), lon: parseFloat(box.getAttribute("data-lon")),
                 state: box.getAttribute("data-state") };
    dot(here).addTo(layer).bindTooltip(box.getAttribute("data-ticket"));
    map.setView([here.lat, here.lon], 13, { animate: false });  // no zoom flight from the regency view
    return;
  }

  var complaintUrl = (document.querySelector("[data-complaint-url]") || box).getAttribute("data-complaint-url") || "";
  var countText = box.getAttribute("data-text-cluster") || "%(n)s";
  var points = [], drawn = null, moved = false;
  map.on("dragstart", function () { moved = true; });

  function ticketLink(p) {
    var link = document.createElement("a");
    link.href = complaintUrl.replace("TICKET", p.ticket);
    link.textContent = p.ticket;
    return link;
  }
  function worst(members) {
    var best = SEVERITY.length;
    members.forEach(function (p) { var i = SEVERITY.indexOf(p.state); if (i >= 0 && i < best) { best = i; } });
    return SEVERITY[best] || "on_track";
  }
  /* Greedy grouping in screen pixels at the current zoom: each point joins the first group within CLUSTER_PX. */
  function groups() {
    var out = [];
    points.forEach(function (p) {
      var at = map.latLngToLayerPoint([p.lat, p.lon]);
      for (var i = 0; i < out.length; i++) {
        if (out[i].at.distanceTo(at) <= CLUSTER_PX) { out[i].members.push(p); return; }
      }
      out.push({ at: at, members: [p] });
    });
    return out;
  }
  function samePlace(members) {
    return members.every(function (p) {
      return Math.abs(p.lat - members[0].lat) < 1e-4 && Math.abs(p.lon - members[0].lon) < 1e-4;
    });
  }
  function listOf(members) {
    var list = document.createElement("ul");
    list.className = "map-list";
    members.forEach(function (p) {
      var item = document.createElement("li");
      item.appendChild(ticketLink(p));
      list.appendChild(item);
    });
    return list;
  }
  function render() {
    layer.clearLayers();
    groups().forEach(function (g) {
      var first = g.members[0];
      if (g.members.length === 1) {
        dot(first).addTo(layer).bindPopup(ticketLink(first));
        return;
      }
      var state = worst(g.members);
      var icon = L.divIcon({ className: "map-cluster map-cluster-" + state, iconSize: [34, 34],
                             html: "<span>" + g.members.length + "</span>" });
      var marker = L.marker(map.layerPointToLatLng(g.at), {
        icon: icon, title: countText.replace("%(n)s", g.members.length), riseOnHover: true
      }).addTo(layer);
      marker.getElement().setAttribute("data-count", String(g.members.length));
      marker.getElement().setAttribute("data-state", state);
      if (samePlace(g.members) || map.getZoom() >= map.getMaxZoom()) {
        marker.bindPopup(listOf(g.members));
      } else {
        marker.on("click", function () {
          map.fitBounds(g.members.map(function (p) { return [p.lat, p.lon]; }), { padding: [40, 40], maxZoom: 16 });
        });
      }
    });
  }
  map.on("zoomend", render);

  /* Refit whenever the set of points changes, until the reader moves the map themselves. */
  function draw(fresh) {
    points = fresh;
    var bounds = points.map(function (p) { return [p.lat, p.lon]; });
    var key = points.map(function (p) { return p.ticket; }).sort().join(",");
    if (drawn === null || (key !== drawn && !moved)) {
      if (bounds.length) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 }); }
    }
    drawn = key;
    render();
    box.setAttribute("data-points", String(points.length));
  }
  function load() {
    fetch(box.getAttribute("data-map-url"), { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (res) { return res.ok ? res.json() : null; })
      .then(function (data) { if (data && data.points) { draw(data.points); } })
      .catch(function () { /* the list still works; the map waits for the next refresh */ });
  }
  load();
  /* Follow the list: each time its poll lands, the points are fetched again. */
  document.addEventListener("sigap:board", load);
})();
