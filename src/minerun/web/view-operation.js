// One operation: live status and phase timeline from its event stream, then its results,
// process map and artifacts; cancel and retry behind a confirmation.

import { blob, download, get, post, remove } from "./api.js";
import {
  DASH,
  button,
  bytes,
  confirmAction,
  facts,
  h,
  jsonView,
  number,
  problemNode,
  progressBar,
  replace,
  section,
  seconds,
  statusBadge,
  text,
  when,
} from "./dom.js";
import { coalesce, follow } from "./sse.js";

const TERMINAL = new Set(["Completed", "Failed", "Cancelled", "Timeout"]);
const FINAL_EVENTS = new Set(["operation.completed", "operation.failed", "operation.cancelled", "operation.timeout"]);
const RETRYABLE = new Set(["Failed", "Cancelled", "Timeout"]);

function phaseRate(phase) {
  if (phase.recordsProcessed && phase.durationSeconds) return `${number(phase.recordsProcessed / phase.durationSeconds, 1)} records/s`;
  return undefined;
}

function phaseItem(phase, index) {
  const running = phase.status === "Running";
  const percent = phase.status === "Completed" ? 100 : phase.progress ?? 0;
  const live = Object.entries(phase)
    .filter(([key, value]) => !["phaseName", "status", "startTime", "endTime", "duration", "durationSeconds", "recordsProcessed", "totalRecords", "results", "progress", "currentActivity", "error", "estimatedStartTime", "estimatedDuration", "reusedFrom"].includes(key) && (typeof value === "number" || typeof value === "string"))
    .map(([key, value]) => [key, typeof value === "number" ? number(value, 2) : value]);
  return h(
    "li",
    { class: `phase phase-${phase.status.toLowerCase()}`, "data-phase": phase.phaseName },
    h("div", { class: "phase-head" }, h("span", { class: "phase-index" }, index + 1), h("strong", {}, phase.phaseName), statusBadge(phase.status)),
    progressBar(percent, `Progress of phase ${phase.phaseName}`),
    facts([
      ["Records", phase.totalRecords ? `${number(phase.recordsProcessed)} of ${number(phase.totalRecords)}` : phase.recordsProcessed !== undefined ? number(phase.recordsProcessed) : undefined],
      ["Rate", phaseRate(phase)],
      ["Current activity", running ? text(phase.currentActivity) : undefined],
      ["Started", phase.startTime ? when(phase.startTime) : undefined],
      ["Duration", phase.duration],
      ["Expected start", phase.estimatedStartTime ? when(phase.estimatedStartTime) : undefined],
      ["Expected duration", phase.estimatedDuration ?? undefined],
      ["Reused from", phase.reusedFrom],
      ...live,
    ]),
    phase.error ? h("div", { class: "problem" }, jsonView(phase.error)) : null,
  );
}

function overview(op) {
  const p = op.progress || {};
  const x = op.execution || {};
  const use = x.resourceUsage || {};
  return [
    h("div", { class: "overall" }, progressBar(p.percentageExact ?? p.percentage, "Overall progress")),
    h(
      "div",
      { class: "columns" },
      section(
        "Progress",
        facts([
          ["Current phase", text(p.currentPhase)],
          ["Phases done", `${p.phasesCompleted ?? 0} of ${p.totalPhases ?? DASH}`],
          ["Records", x.totalRecords ? `${number(x.processedRecords)} of ${number(x.totalRecords)}` : number(x.processedRecords)],
          ["Rate", text(x.processingRate)],
          ["Started", when(p.startTime)],
          ["Elapsed", text(p.elapsedTime)],
          ["Remaining", text(p.estimatedRemaining)],
          ["Expected completion", when(p.estimatedCompletion)],
          ["Ended", when(op.endTime)],
        ]),
      ),
      section(
        "Execution",
        facts([
          ["Worker", text(x.workerNode)],
          ["Execution id", text(x.executionId)],
          ["Attempts", number(op.attempts)],
          ["CPU", use.cpuUsage === null || use.cpuUsage === undefined ? DASH : `${number(use.cpuUsage, 1)} %`],
          ["CPU time", seconds(use.cpuSeconds)],
          ["Memory", bytes(use.memoryBytes)],
          ["Peak memory", bytes(use.peakMemoryBytes)],
          ["Disk", bytes(use.diskBytes)],
          ["Network", bytes(use.networkBytes)],
        ]),
      ),
    ),
  ];
}

function attempts(op) {
  const history = op.attemptHistory || [];
  const failures = op.failures || [];
  if (!history.length && !failures.length) return null;
  return section(
    "Attempts and errors",
    history.length
      ? h(
          "table",
          { class: "list" },
          h("thead", {}, h("tr", {}, ["Attempt", "Worker", "Started", "Ended", "Outcome"].map((c) => h("th", { scope: "col" }, c)))),
          h("tbody", {}, history.map((a) => h("tr", {}, h("td", {}, a.attempt), h("td", {}, text(a.workerNode)), h("td", {}, when(a.startTime)), h("td", {}, when(a.endTime)), h("td", {}, text(a.outcome))))),
        )
      : null,
    failures.length ? h("div", { class: "problem" }, jsonView(failures)) : null,
  );
}

async function showMap(holder, operationId, artifact) {
  try {
    const file = await blob(`/operation/${operationId}/artifacts/${artifact.artifactId}`);
    // An SVG shown through <img> is an image only: its scripts and links never run.
    const url = URL.createObjectURL(new Blob([file.blob], { type: "image/svg+xml" }));
    replace(holder, h("img", { src: url, alt: `${artifact.name}: the process map of this operation`, class: "map" }));
  } catch (error) {
    replace(holder, problemNode(error));
  }
}

function recommendation(item) {
  if (!item || typeof item !== "object" || !item.recommendation) return h("li", {}, jsonView(item));
  const { recommendation: advice, priority, category, expectedImprovement, basis, ...rest } = item;
  return h(
    "li",
    {},
    h("p", { class: "advice" }, priority ? h("span", { class: `badge priority-${String(priority).toLowerCase()}` }, priority) : null, " ", advice),
    facts([
      ["Category", category ?? undefined],
      ["Expected improvement", expectedImprovement ?? undefined],
      ["Basis", basis ?? undefined],
      ...Object.entries(rest).map(([key, value]) => [key, typeof value === "object" ? jsonView(value) : typeof value === "number" ? number(value, 2) : value]),
    ]),
  );
}

function results(answer, operationId) {
  const artifacts = answer.artifacts || [];
  const map = artifacts.find((a) => String(a.format).toUpperCase() === "SVG");
  const mapHolder = h("div", { class: "map-holder" });
  if (map) showMap(mapHolder, operationId, map);
  const recommendations = answer.recommendations || [];
  return [
    map ? section("Process map", mapHolder) : null,
    section("Summary", Object.keys(answer.summary || {}).length ? jsonView(answer.summary) : h("p", { class: "muted" }, "This operation reports no summary figures.")),
    recommendations.length ? section("Recommendations", h("ol", { class: "recommendations" }, recommendations.map(recommendation))) : null,
    section(
      "Artifacts",
      artifacts.length
        ? h(
            "table",
            { class: "list", "aria-label": "Artifacts" },
            h("thead", {}, h("tr", {}, ["Name", "Format", "Size", "Phase", ""].map((c) => h("th", { scope: "col" }, c)))),
            h(
              "tbody",
              {},
              artifacts.map((a) => {
                const status = h("span", { class: "muted small", role: "status" });
                return h(
                  "tr",
                  {},
                  h("td", {}, a.name, a.description ? h("div", { class: "muted small" }, a.description) : null),
                  h("td", {}, a.format),
                  h("td", {}, text(a.size)),
                  h("td", {}, text(a.phaseName)),
                  h(
                    "td",
                    {},
                    button(`Download ${a.format}`, async () => {
                      replace(status, "");
                      try {
                        await download(`/operation/${operationId}/artifacts/${a.artifactId}`, `${a.name}.${String(a.format).toLowerCase()}`);
                      } catch (error) {
                        replace(status, problemNode(error));
                      }
                    }, { "aria-label": `Download ${a.name} (${a.format})` }),
                    status,
                  ),
                );
              }),
            ),
          )
        : h("p", { class: "muted" }, "No artifact."),
    ),
  ];
}

function choice(name, legend, options) {
  return h(
    "fieldset",
    {},
    h("legend", {}, legend),
    options.map(([value, label, hint], i) =>
      h("p", { class: "choice" }, h("input", { type: "radio", name, id: `${name}-${value}`, value, checked: i === 0 }), h("label", { for: `${name}-${value}` }, label), h("span", { class: "muted small" }, ` ${hint}`)),
    ),
  );
}

async function cancel(operationId, after) {
  const reason = h("input", { id: "cancel-reason", type: "text", maxLength: 2000 });
  const body = h(
    "div",
    {},
    choice("cancel-mode", "How to stop", [
      ["cooperative", "Cooperative", "the operation stops at its next check and keeps finished phases"],
      ["forced", "Forced", "the slot is stopped after a short grace period"],
    ]),
    h("p", { class: "field" }, h("label", { for: "cancel-reason" }, "Reason (optional)"), reason),
  );
  if (!(await confirmAction("Cancel this operation?", body, "Cancel operation"))) return;
  const forced = document.getElementById("cancel-mode-forced").checked;
  try {
    await remove(`/operation/${operationId}`, { forceTermination: forced, ...(reason.value ? { reason: reason.value } : {}) });
    after(null);
  } catch (error) {
    after(error);
  }
}

async function retry(operationId, after) {
  const body = choice("retry-mode", "How to run it again", [
    ["resume", "Resume", "reuse the phases that completed"],
    ["restart", "Restart", "run every phase again"],
  ]);
  if (!(await confirmAction("Retry this operation?", body, "Retry operation"))) return;
  const mode = document.getElementById("retry-mode-restart").checked ? "restart" : "resume";
  try {
    // A retry is a new operation (retryOf links it back): show that one.
    const answer = await post(`/operation/${operationId}/retry`, { retryMode: mode });
    location.hash = `#/operation/${answer.newOperationId}`;
  } catch (error) {
    after(error);
  }
}

export function render(main, operationId) {
  const title = h("h1", {}, operationId);
  const status = h("span", { "aria-live": "polite" });
  const mode = h("span", { class: "mode", role: "status" }, "connecting…");
  const message = h("div");
  const actions = h("div", { class: "actions" });
  const top = h("div");
  const timeline = h("ol", { class: "timeline", "aria-label": "Phases" });
  const problems = h("div");
  const finished = h("div");
  let resultsShownFor = null;
  let stream = null;
  let closed = false;

  replace(
    main,
    h("p", {}, h("a", { href: "#/operations" }, "← Operations")),
    h("div", { class: "heading" }, title, status, mode),
    message,
    actions,
    top,
    section("Phases", timeline),
    problems,
    finished,
  );

  async function load() {
    let op;
    try {
      op = await get(`/operation/${operationId}`);
    } catch (error) {
      replace(message, problemNode(error));
      return false;
    }
    replace(message);
    replace(title, op.operationName || op.operationId);
    replace(
      status,
      statusBadge(op.status),
      " ",
      h("span", { class: "muted" }, `${op.operationType} · ${op.priority} priority · ${op.operationId}`),
      op.retryOf ? [" · ", h("a", { href: `#/operation/${op.retryOf}` }, `retry ${op.retryNumber ?? ""} of ${op.retryOf}`)] : null,
    );
    replace(top, overview(op));
    replace(timeline, (op.phases || []).map(phaseItem));
    replace(problems, attempts(op));
    const done = (error) => {
      if (error) replace(message, problemNode(error));
      refresh();
    };
    replace(
      actions,
      !TERMINAL.has(op.status) ? button("Cancel…", () => cancel(operationId, done), { class: "danger" }) : null,
      RETRYABLE.has(op.status) ? button("Retry…", () => retry(operationId, done)) : null,
    );
    const ended = TERMINAL.has(op.status);
    const key = `${op.status}:${op.attempts}`;
    if (ended && resultsShownFor !== key) {
      resultsShownFor = key;
      try {
        const answer = await get(`/operation/${operationId}/results`);
        replace(finished, results(answer, operationId));
      } catch (error) {
        replace(finished, error.status === 404 || error.status === 409 ? null : problemNode(error));
      }
    } else if (!ended) {
      resultsShownFor = null;
      replace(finished);
      // A retried operation runs again: follow its new events after those already seen.
      if (!closed && (!stream || !stream.active())) watch();
    }
    if (ended) replace(mode, "");
    return ended;
  }

  const refresh = coalesce(load, 250);

  function watch() {
    const after = stream ? stream.lastEventId() : null;
    if (stream) stream.close();
    stream = follow(`/operation/${operationId}/events`, {
      lastEventId: after,
      onEvent: refresh,
      final: (event) => FINAL_EVENTS.has(event.event),
      poll: load,
      pollMs: 1500,
      onMode: (value) => replace(mode, value === "live" ? "live" : value === "polling" ? "updating every 1.5 s" : "reconnecting…"),
    });
  }

  load();
  return () => {
    closed = true;
    if (stream) stream.close();
  };
}
