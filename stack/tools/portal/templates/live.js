// Live mode. Served by `make dev` (http://), a page polls the portal server's read-only views on
// its own origin: each module's /ready (and a subscriber's dead letters) and the latest traces. Opened from file://, it stays static.
"use strict";
(function () {
  if (location.protocol !== "http:") return;
  const base = document.body.dataset.base;
  const focus = document.body.dataset.module || null; // a module's page shows only that module
  const HEALTH_SECONDS = 2;
  const TRACES_SECONDS = 3;
  const healthRows = document.querySelector("#live-health tbody");
  const tracesBox = document.getElementById("live-traces");
  const updated = document.getElementById("live-updated");
  document.getElementById("static-note").hidden = true;
  document.getElementById("live").hidden = false;

  // Text only, never HTML: every value comes from a module or the span file.
  function el(tag, attributes, ...children) {
    const node = document.createElement(tag);
    for (const [name, value] of Object.entries(attributes || {})) node.setAttribute(name, value);
    for (const child of children) node.append(child);
    return node;
  }

  async function view(name) {
    const response = await fetch(base + "live/" + name, { cache: "no-store" });
    if (!response.ok) throw new Error("HTTP " + response.status);
    return response.json();
  }

  function checksCell(module) {
    if (!module.checks) return el("td", { class: "detail" }, module.detail);
    if (module.checks.length === 0) return el("td", { class: "none" }, "no checks");
    return el("td", {}, ...module.checks.map((check) =>
      el("span", { class: "check check-" + check.status, title: check.error || "" },
        check.name + " " + check.status + " (" + check.latency_ms + " ms)" +
        (check.error ? ": " + check.error : ""))));
  }

  // A subscriber's dead-letter store (events that failed every retry), listed and replayed at its
  // /api/v1/events/dead-letters; a module that subscribes to nothing has no store.
  function deadLettersCell(module) {
    if (module.dead_letters === undefined) return el("td", { class: "none" }, "—");
    return el("td", { class: "number" + (module.dead_letters > 0 ? " dead-letters" : ""),
      "data-dead-letters": String(module.dead_letters) }, String(module.dead_letters));
  }

  function showHealth(modules) {
    const shown = modules.filter((m) => !focus || m.module === focus);
    healthRows.replaceChildren(...shown.map((m) =>
      el("tr", { "data-module": m.module, "data-status": m.status },
        el("td", { class: "name" }, el("a", { href: base + "modules/" + m.module + ".html" }, m.module)),
        el("td", {}, el("span", { class: "badge status-" + m.status.replace(" ", "-") }, m.status)),
        el("td", { class: "number" }, m.round_trip_ms + " ms"),
        checksCell(m),
        deadLettersCell(m))));
    updated.textContent = "updated " + new Date().toLocaleTimeString() + ", every " + HEALTH_SECONDS + " s";
    updated.classList.remove("stale");
  }

  async function refreshHealth() {
    try {
      showHealth((await view("health.json")).modules);
    } catch (error) {
      updated.textContent = "the portal server does not answer (make dev stopped?); retrying";
      updated.classList.add("stale");
      for (const row of healthRows.rows) row.dataset.status = "unknown";
    }
  }

  const open = new Set();
  let shownTraces = null;

  function waterfall(trace) {
    const total = trace.duration_ms || 1;
    const rows = trace.spans.map((span) => {
      const left = (span.offset_ms / total) * 100;
      const width = Math.max((span.duration_ms / total) * 100, 0.4);
      const bar = el("span", { class: "span-bar" + (span.error ? " error" : "") });
      bar.style.left = Math.min(left, 99.6) + "%";
      bar.style.width = Math.min(width, 100 - Math.min(left, 99.6)) + "%";
      const label = el("span", { class: "label", title: span.label },
        span.service + " " + span.kind + ": " + span.label);
      label.style.paddingLeft = span.depth * 1.2 + "em";
      return el("div", { class: "span-row" }, label,
        el("span", { class: "timing" }, span.offset_ms.toFixed(1) + " +" + span.duration_ms.toFixed(1) + " ms"),
        el("span", { class: "track" }, bar));
    });
    const details = el("details", { class: "trace" + (trace.error ? " error" : ""), "data-trace": trace.trace_id },
      el("summary", {}, trace.service + " " + trace.name + " — " + trace.duration_ms.toFixed(1) + " ms, " +
        trace.spans.length + " spans, " + new Date(trace.started).toLocaleTimeString()),
      ...rows);
    details.open = open.has(trace.trace_id);
    details.addEventListener("toggle", () => (details.open ? open.add(trace.trace_id) : open.delete(trace.trace_id)));
    return details;
  }

  async function refreshTraces() {
    let traces;
    try {
      traces = (await view("traces.json")).traces;
    } catch (error) {
      return; // the health line already says the server is gone
    }
    traces = traces.filter((t) => !focus || t.spans.some((s) => s.service === focus));
    const ids = traces.map((t) => t.trace_id).join(" ");
    if (ids === shownTraces) return; // unchanged: keep what the reader opened
    if (shownTraces === null && traces.length) open.add(traces[0].trace_id);
    shownTraces = ids;
    if (!traces.length) return;
    tracesBox.replaceChildren(...traces.map(waterfall));
  }

  // Each refresh is scheduled when the last one is done, so a slow module never piles requests up.
  function every(seconds, refresh) {
    refresh().finally(() => setTimeout(() => every(seconds, refresh), seconds * 1000));
  }
  every(HEALTH_SECONDS, refreshHealth);
  every(TRACES_SECONDS, refreshTraces);
})();
