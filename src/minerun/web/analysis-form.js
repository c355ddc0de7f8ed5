// The form that starts an operation on a dataset. No endpoint describes the kinds'
// parameters, so the console knows those of the built-in kinds (docs/analysis.md,
// docs/kinds/data-enrichment.md); any other kind takes its parameters as JSON. The API
// checks every parameter and names a bad one, shown beside the form.

import { post } from "./api.js";
import { h, problemNode, replace } from "./dom.js";

const KINDS = {
  ProcessMiningAnalysis: [
    { name: "analysisType", label: "Analysis", type: "select", options: ["comprehensive", "discovery"] },
    { name: "algorithmSettings.algorithm", label: "Discovery algorithm", type: "select", options: ["inductive", "heuristics", "alpha_miner_enhanced"] },
    { name: "algorithmSettings.performanceOptimization", label: "Optimization", type: "select", options: ["balanced", "high_accuracy", "high_throughput"] },
    { name: "algorithmSettings.noiseThreshold", label: "Noise threshold (0–1)", type: "number", value: 0.2, step: 0.05, min: 0, max: 1 },
    { name: "algorithmSettings.dependencyThreshold", label: "Dependency threshold (0–1)", type: "number", value: 0.5, step: 0.05, min: 0, max: 1 },
    { name: "algorithmSettings.enableAnomalyDetection", label: "Anomaly detection", type: "checkbox", value: true },
    { name: "algorithmSettings.useAdvancedML", label: "Predictive models", type: "checkbox", value: true },
    { name: "enableVariantAnalysis", label: "Variant analysis", type: "checkbox", value: true },
    { name: "enableBottleneckDetection", label: "Bottleneck detection", type: "checkbox", value: true },
    { name: "generateOptimizationRecommendations", label: "Recommendations", type: "checkbox", value: true },
    { name: "enableML", label: "Machine learning", type: "checkbox", value: true },
    { name: "generateInsights", label: "Insights", type: "checkbox", value: true },
    { name: "outputOptions.generateReports", label: "PDF report", type: "checkbox", value: true },
    { name: "outputOptions.createVisualizations", label: "Process map", type: "checkbox", value: true },
    { name: "timeWindow.startDate", label: "From date (optional)", type: "date" },
    { name: "timeWindow.endDate", label: "To date (optional)", type: "date" },
  ],
  DataEnrichment: [
    { name: "outputFormat", label: "File of the cleaned log", type: "select", options: ["processed_csv", "parquet", "xes"] },
    { name: "enrich", label: "Add derived attributes", type: "checkbox", value: true },
    { name: "cleaningRules", label: "Cleaning rules (JSON list)", type: "json", value: "[]" },
  ],
};
const PRIORITIES = ["Normal", "Low", "High", "Critical"];

function setPath(target, dotted, value) {
  const keys = dotted.split(".");
  let node = target;
  for (const key of keys.slice(0, -1)) node = node[key] ??= {};
  node[keys.at(-1)] = value;
}

function control(field, id) {
  if (field.type === "select") return h("select", { id }, field.options.map((o) => h("option", { value: o }, o)));
  if (field.type === "checkbox") return h("input", { id, type: "checkbox", checked: field.value });
  if (field.type === "json") return h("textarea", { id, rows: 3, value: field.value, spellcheck: false });
  return h("input", { id, type: field.type, value: field.value ?? "", step: field.step, min: field.min, max: field.max });
}

function read(field, el) {
  if (field.type === "checkbox") return el.checked;
  if (field.type === "number") return el.value === "" ? undefined : Number(el.value);
  if (field.type === "json") return JSON.parse(el.value);
  return el.value === "" ? undefined : el.value;
}

export function analysisForm(dataset, onStarted) {
  const fieldsBox = h("div", { class: "grid" });
  const kind = h("select", { id: "kind" }, [...Object.keys(KINDS), "other"].map((k) => h("option", { value: k }, k === "other" ? "Another kind…" : k)));
  const otherKind = h("input", { id: "kind-name", type: "text", maxLength: 100 });
  const otherBox = h("p", { class: "field", hidden: true }, h("label", { for: "kind-name" }, "Operation type"), otherKind);
  const extra = h("textarea", { id: "extra-parameters", rows: 3, value: "{}", spellcheck: false });
  const name = h("input", { id: "operation-name", type: "text", value: `Analysis of ${dataset.datasetName}`, maxLength: 500 });
  const priority = h("select", { id: "operation-priority" }, PRIORITIES.map((p) => h("option", { value: p }, p)));
  const message = h("div");
  let controls = [];

  function draw() {
    const fields = KINDS[kind.value] || [];
    otherBox.hidden = kind.value !== "other";
    controls = fields.map((field) => {
      const id = `p-${field.name.replaceAll(".", "-")}`;
      return { field, el: control(field, id), id };
    });
    replace(
      fieldsBox,
      controls.map(({ field, el, id }) =>
        field.type === "checkbox"
          ? h("p", { class: "field check" }, el, h("label", { for: id }, field.label))
          : h("p", { class: "field" }, h("label", { for: id }, field.label), el),
      ),
    );
  }

  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "analysis-title" },
    h("h2", { id: "analysis-title" }, `Start an operation on ${dataset.datasetName}`),
    h("div", { class: "grid" }, h("p", { class: "field" }, h("label", { for: "kind" }, "Kind"), kind), otherBox, h("p", { class: "field" }, h("label", { for: "operation-name" }, "Name"), name), h("p", { class: "field" }, h("label", { for: "operation-priority" }, "Priority"), priority)),
    fieldsBox,
    h("p", { class: "field wide" }, h("label", { for: "extra-parameters" }, "More parameters (JSON object, merged)"), extra),
    message,
    h("p", {}, h("button", { type: "submit" }, "Start")),
  );
  kind.addEventListener("change", draw);
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(message);
    const parameters = { datasetId: dataset.datasetId };
    try {
      for (const { field, el } of controls) {
        const value = read(field, el);
        if (value !== undefined) setPath(parameters, field.name, value);
      }
      Object.assign(parameters, JSON.parse(extra.value || "{}"));
    } catch (error) {
      replace(message, problemNode({ message: `Not valid JSON: ${error.message}` }));
      return;
    }
    const body = {
      operationType: kind.value === "other" ? otherKind.value.trim() : kind.value,
      operationName: name.value.trim() || undefined,
      priority: priority.value,
      parameters,
    };
    try {
      const started = await post("/operation", body);
      onStarted(started.operationId);
    } catch (error) {
      replace(message, problemNode(error));
    }
  });
  draw();
  return form;
}
