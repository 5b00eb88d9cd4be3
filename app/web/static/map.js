/* Leaflet map of open complaints (served from our own files; no tiles are fetched from anywhere,
   so it works offline: points over a plain background, coloured by SLA state). */
(function () {
  "use strict";
  var box = document.getElementById("map");
  if (!box || typeof L === "undefined") { return; }
  var COLOURS = { breached: "#b3261e", warned: "#b44d00", reminder: "#d4a000", on_track: "#1e7b34", stopped: "#43505e" };
  var map = L.map(box, { attributionControl: false, zoomSnap: 0.5 });
  L.control.scale({ imperial: false }).addTo(map);
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
    map.setView([here.lat, here.lon], 13);
    return;
  }

  var complaintUrl = (document.querySelector("[data-complaint-url]") || box).getAttribute("data-complaint-url") || "";
  var drawn = null, moved = false;
  map.on("dragstart", function () { moved = true; });
  /* Refit whenever the set of points changes, until the reader moves the map themselves. */
  function draw(points) {
    layer.clearLayers();
    var bounds = [];
    points.forEach(function (p) {
      var m = dot(p).addTo(layer);
      var link = document.createElement("a");
      link.href = complaintUrl.replace("TICKET", p.ticket);
      link.textContent = p.ticket;
      m.bindPopup(link);
      bounds.push([p.lat, p.lon]);
    });
    var key = points.map(function (p) { return p.ticket; }).sort().join(",");
    if (drawn === null || (key !== drawn && !moved)) {
      if (bounds.length) { map.fitBounds(bounds, { padding: [24, 24], maxZoom: 13 }); }
      else if (drawn === null) { map.setView([-8.22, 114.37], 9); }
    }
    drawn = key;
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
