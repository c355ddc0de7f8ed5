// The operations of the project: the API's list with its filters and paging, kept current by
// the project's event stream (a burst of events reloads the page once).

import { get, query } from "./api.js";
import { DASH, h, problemNode, progressBar, replace, statusBadge, text, when } from "./dom.js";
import { coalesce, follow } from "./sse.js";

const STATUSES = ["Initiated", "Running", "Completed", "Failed", "Cancelled", "Timeout"];
const PRIORITIES = ["Low", "Normal", "High", "Critical"];
const PAGE_SIZES = [10, 20, 50, 100];

// Filters survive a visit to one operation and back, for this tab.
const state = { status: "", operationType: "", priority: "", dateFrom: "", dateTo: "", page: 1, pageSize: 20 };

function select(id, label, options, value) {
  return h(
    "p",
    { class: "field" },
    h("label", { for: id }, label),
    h("select", { id, name: id }, h("option", { value: "" }, "any"), options.map((o) => h("option", { value: o, selected: String(o) === String(value) }, o))),
  );
}

function input(id, label, type, value) {
  return h("p", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, type, value }));
}

function utc(localValue) {
  return localValue ? new Date(localValue).toISOString() : "";
}

function row(op) {
  const progress = op.progress || {};
  const execution = op.execution || {};
  const name = op.operationName || op.operationId;
  return h(
    "tr",
    { "data-operation-id": op.operationId },
    h("td", {}, h("a", { href: `#/operation/${op.operationId}` }, name), h("div", { class: "muted small" }, op.operationId)),
    h("td", {}, op.operationType),
    h("td", {}, statusBadge(op.status)),
    h("td", {}, op.priority),
    h("td", {}, progressBar(progress.percentageExact ?? progress.percentage, `Progress of ${name}`)),
    h("td", {}, text(progress.currentPhase)),
    h("td", {}, op.status === "Running" || op.status === "Initiated" ? when(progress.estimatedCompletion) : DASH),
    h("td", {}, text(execution.workerNode)),
    h("td", {}, when(op.dateCreated)),
  );
}

export function render(main) {
  const filters = h(
    "form",
    { class: "filters", "aria-label": "Filters" },
    select("status", "Status", STATUSES, state.status),
    input("operationType", "Type", "text", state.operationType),
    select("priority", "Priority", PRIORITIES, state.priority),
    input("dateFrom", "Created from", "datetime-local", state.dateFrom),
    input("dateTo", "Created to", "datetime-local", state.dateTo),
    h("p", { class: "field" }, h("label", { for: "pageSize" }, "Per page"), h("select", { id: "pageSize" }, PAGE_SIZES.map((n) => h("option", { value: n, selected: n === state.pageSize }, n)))),
    h("p", { class: "field end" }, h("button", { type: "submit" }, "Apply")),
  );
  const mode = h("span", { class: "mode", role: "status" }, "connecting…");
  const summary = h("p", { class: "summary" });
  const body = h("tbody");
  const message = h("div");
  const previous = h("button", { type: "button", class: "quiet" }, "← Newer");
  const next = h("button", { type: "button", class: "quiet" }, "Older →");
  const pageLabel = h("span", { class: "muted" });
  const table = h(
    "table",
    { class: "list", "aria-label": "Operations" },
    h("thead", {}, h("tr", {}, ["Operation", "Type", "Status", "Priority", "Progress", "Phase", "ETA", "Worker", "Created"].map((c) => h("th", { scope: "col" }, c)))),
    body,
  );
  replace(
    main,
    h("div", { class: "heading" }, h("h1", {}, "Operations"), mode),
    filters,
    summary,
    message,
    h("div", { class: "scroll" }, table),
    h("nav", { class: "pager", "aria-label": "Pages" }, previous, pageLabel, next),
  );

  async function load() {
    const params = {
      status: state.status,
      operationType: state.operationType,
      priority: state.priority,
      dateFrom: utc(state.dateFrom),
      dateTo: utc(state.dateTo),
      includeDetails: "true",
      page: state.page,
      pageSize: state.pageSize,
    };
    try {
      const answer = await get(`/operations${query(params)}`);
      replace(message);
      replace(body, answer.operations.length ? answer.operations.map(row) : h("tr", {}, h("td", { colspan: 9, class: "muted" }, "No operation matches.")));
      const s = answer.summary;
      replace(summary, `${s.totalOperations} ${s.totalOperations === 1 ? "operation" : "operations"}: ${s.running} running, ${s.initiated} waiting, ${s.completed} completed, ${s.failed} failed, ${s.cancelled} cancelled, ${s.timeout} timed out`);
      previous.disabled = state.page <= 1;
      next.disabled = !answer.hasNextPage;
      replace(pageLabel, `page ${state.page}`);
    } catch (error) {
      replace(message, problemNode(error));
    }
  }

  filters.addEventListener("submit", (event) => {
    event.preventDefault();
    for (const key of ["status", "operationType", "priority", "dateFrom", "dateTo"]) state[key] = filters.elements[key].value;
    state.pageSize = Number(filters.elements.pageSize.value);
    state.page = 1;
    load();
  });
  previous.addEventListener("click", () => {
    state.page = Math.max(1, state.page - 1);
    load();
  });
  next.addEventListener("click", () => {
    state.page += 1;
    load();
  });

  load();
  const reload = coalesce(load, 400);
  const stream = follow("/events", {
    onEvent: reload,
    poll: async () => {
      await load();
      return false;
    },
    pollMs: 3000,
    onMode: (value) => replace(mode, value === "live" ? "live" : value === "polling" ? "updating every 3 s" : "reconnecting…"),
  });
  return () => stream.close();
}
