// The dashboard's own script: charts, the workflow graph, the log tail and the spec editor.
// Pages are rendered by the server and kept live by htmx's SSE extension; this file only
// draws what the server sends (as JSON in hidden elements) with the vendored libraries.
(function () {
  "use strict";

  var COLOURS = {
    waiting: "#8a6d00", running: "#1f5fa8", success: "#2e7d32",
    failed: "#b3261e", cancelled: "#a05a00"
  };
  var FILL = {
    waiting: "#eee8d8", running: "#4689cd", success: "#92d050",
    failed: "#cb4239", cancelled: "#f5a623"
  };

  // charts (uPlot)
  var charts = {};

  function chartWidth(el) {
    return Math.max(260, Math.min(el.clientWidth || 600, 900));
  }

  function drawChart(id, title, series, data) {
    var el = document.getElementById(id);
    if (!el || typeof uPlot === "undefined") return;
    if (charts[id]) {
      charts[id].setData(data);
      return;
    }
    // the last hour, however little of it the dashboard has seen yet
    var hour = function () {
      var now = Date.now() / 1000;
      return [now - 3600, now + 30];
    };
    charts[id] = new uPlot({
      width: chartWidth(el), height: 220, title: "",
      series: [{}].concat(series),
      axes: [{}, {label: title}],
      scales: {x: {time: true, range: hour}, y: {range: function (u, min, max) {
        return [0, Math.max(5, max * 1.1)];
      }}}
    }, data, el);
  }

  function updateCharts(text) {
    if (typeof uPlot === "undefined") return;
    var data;
    try { data = JSON.parse(text); } catch (e) { return; }
    drawChart("chart-throughput", "per minute",
      [{label: "finished", stroke: COLOURS.success, fill: "rgba(46,125,50,0.35)", width: 1,
        paths: uPlot.paths.bars({size: [0.9, 12]}), points: {show: false}}],
      data.throughput);
    drawChart("chart-queue", "processes",
      [{label: "waiting", stroke: COLOURS.waiting, width: 2},
       {label: "running", stroke: COLOURS.running, width: 2}],
      data.queue);
  }

  // the workflow graph (cytoscape + dagre)
  var cy = null;

  function updateGraph(text) {
    var data;
    try { data = JSON.parse(text); } catch (e) { return; }
    var el = document.getElementById("dag");
    if (!el || typeof cytoscape === "undefined") return;
    var colony = el.getAttribute("data-colony");
    if (cy === null) {
      if (typeof cytoscapeDagre !== "undefined") cytoscape.use(cytoscapeDagre);
      var elements = data.nodes.map(function (n) {
        return {data: {id: n.id, label: n.label, state: n.state}, classes: n.state};
      }).concat(data.edges.map(function (e) {
        return {data: {id: e.id, source: e.source, target: e.target}};
      }));
      cy = cytoscape({
        container: el, elements: elements, userZoomingEnabled: false,
        layout: {name: "dagre", rankDir: "TB", nodeSep: 30, rankSep: 50},
        style: [
          {selector: "node", style: {
            "label": "data(label)", "text-valign": "center", "text-halign": "center",
            "shape": "round-rectangle", "width": 120, "height": 36, "font-size": 12,
            "border-width": 2, "border-color": "#333", "background-color": FILL.waiting}},
          {selector: "edge", style: {
            "curve-style": "bezier", "target-arrow-shape": "triangle", "width": 2,
            "line-color": "#666", "target-arrow-color": "#666"}}
        ].concat(Object.keys(FILL).map(function (s) {
          return {selector: "node." + s, style: {"background-color": FILL[s]}};
        }))
      });
      cy.on("tap", "node", function (evt) {
        window.location.href = "/c/" + colony + "/processes/" + evt.target.id();
      });
    } else {
      data.nodes.forEach(function (n) {
        var node = cy.getElementById(n.id);
        node.data("state", n.state);
        node.classes(n.state);
      });
    }
    el.setAttribute("data-states", data.nodes.map(function (n) {
      return n.label + ":" + n.state;
    }).join(" "));
    var body = document.querySelector("#dag-table tbody");
    if (body) {
      body.innerHTML = "";
      data.nodes.forEach(function (n) {
        var tr = document.createElement("tr");
        tr.setAttribute("data-node", n.label);
        var a = document.createElement("a");
        a.href = "/c/" + colony + "/processes/" + n.id;
        a.textContent = n.id.slice(0, 12);
        var cells = [document.createTextNode(n.label), a, document.createTextNode(n.state)];
        cells.forEach(function (c, i) {
          var td = document.createElement("td");
          td.appendChild(c);
          if (i === 2) { td.className = "state-" + n.state; td.setAttribute("data-state", n.state); }
          tr.appendChild(td);
        });
        body.appendChild(tr);
      });
    }
  }

  // the spec editor: checks the JSON as it is typed
  function checkSpec(area) {
    var error = document.getElementById("spec-error");
    var button = area.form.querySelector("button[type=submit]");
    var message = "";
    try {
      var spec = JSON.parse(area.value);
      if (spec === null || typeof spec !== "object" || Array.isArray(spec)) {
        message = "A function spec is a JSON object.";
      } else if (!spec.funcname) {
        message = "funcname is missing: name the function to run.";
      }
    } catch (e) {
      message = "Not JSON: " + e.message;
    }
    error.textContent = message;
    error.hidden = !message;
    area.setAttribute("aria-invalid", message ? "true" : "false");
    button.disabled = !!message;
  }

  document.addEventListener("htmx:sseBeforeMessage", function (evt) {
    if (evt.detail.type === "logs") {
      var fresh = document.getElementById("log-new");
      if (fresh) fresh.innerHTML = "";
    }
  });

  document.addEventListener("htmx:sseMessage", function (evt) {
    var type = evt.detail.type;
    if (type === "charts") updateCharts(evt.detail.data);
    else if (type === "graph") updateGraph(evt.detail.data);
    else if (type === "log" || type === "logs") {
      var box = document.querySelector(".log");
      if (box) box.scrollTop = box.scrollHeight;
    }
  });

  // an action the server refused (htmx swaps nothing then): say why, from the refusal page
  document.addEventListener("htmx:responseError", function (evt) {
    var box = document.getElementById("action-error");
    if (!box) return;
    var xhr = evt.detail.xhr;
    var found = new DOMParser().parseFromString(xhr.responseText, "text/html")
      .querySelector("[role=alert]:not(#action-error)");
    box.textContent = found ? found.textContent.trim() : "The action failed (" + xhr.status + ").";
    box.hidden = false;
  });

  function start() {
    var graph = document.getElementById("dag-data");
    if (graph) updateGraph(graph.textContent);
    var area = document.querySelector("[data-json-editor]");
    if (area) {
      area.addEventListener("input", function () { checkSpec(area); });
      // a spec the server refused comes back with its error: keep that until an edit
      if (document.getElementById("spec-error").hidden) checkSpec(area);
    }
  }

  if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
  else start();
})();
