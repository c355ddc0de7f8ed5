// Datasets: upload with progress (a CSV with its column mapping, previewed first; XES;
// Parquet), their validation issues, delete, and starting an operation on one.

import { analysisForm } from "./analysis-form.js";
import { get, query, remove, upload } from "./api.js";
import { button, bytes, confirmAction, facts, h, jsonView, number, problemNode, replace, section, text, when } from "./dom.js";
import { guessMapping, preview } from "./csv-preview.js";

const ROLES = [
  ["caseIdColumn", "Case id column", true],
  ["activityColumn", "Activity column", true],
  ["timestampColumn", "Timestamp column", true],
  ["resourceColumn", "Resource column", false],
  ["startTimestampColumn", "Start timestamp column", false],
];

function isCsv(file) {
  return /\.(csv|txt)$/i.test(file.name);
}

function mappingForm(file, holder) {
  const delimiter = h("select", { id: "delimiter" }, [",", ";", "\t", "|"].map((d) => h("option", { value: d }, d === "\t" ? "tab" : d)));
  const timestampFormat = h("input", { id: "timestampFormat", type: "text", placeholder: "read automatically", maxLength: 100 });
  const selects = {};
  const table = h("div", { class: "scroll" });
  const box = h("fieldset", { class: "mapping" }, h("legend", {}, "Column mapping"));

  async function draw(chosen) {
    const head = await preview(file, chosen);
    delimiter.value = head.delimiter;
    const guessed = guessMapping(head.header);
    replace(
      table,
      h(
        "table",
        { class: "list preview", "aria-label": "First rows of the file" },
        h("thead", {}, h("tr", {}, head.header.map((c) => h("th", { scope: "col" }, c)))),
        h("tbody", {}, head.rows.map((r) => h("tr", {}, r.map((c) => h("td", {}, c))))),
      ),
    );
    const fields = ROLES.map(([role, label, required]) => {
      selects[role] = h("select", { id: role, name: role, required }, h("option", { value: "" }, required ? "choose…" : "none"), head.header.map((c) => h("option", { value: c, selected: guessed[role] === c }, c)));
      return h("p", { class: "field" }, h("label", { for: role }, label), selects[role]);
    });
    replace(
      box,
      h("legend", {}, "Column mapping"),
      h("div", { class: "grid" }, h("p", { class: "field" }, h("label", { for: "delimiter" }, "Delimiter"), delimiter), fields, h("p", { class: "field" }, h("label", { for: "timestampFormat" }, "Timestamp format (optional)"), timestampFormat)),
      h("h3", {}, "Preview"),
      table,
    );
  }
  delimiter.addEventListener("change", () => draw(delimiter.value));
  replace(holder, box);
  draw(null);
  return () => {
    const values = { delimiter: delimiter.value, timestampFormat: timestampFormat.value };
    for (const [role] of ROLES) values[role] = selects[role] ? selects[role].value : "";
    return values;
  };
}

function uploadForm(onUploaded) {
  const file = h("input", { id: "file", type: "file", required: true, accept: ".csv,.txt,.xes,.gz,.parquet" });
  const name = h("input", { id: "datasetName", type: "text", maxLength: 500 });
  const mappingHolder = h("div");
  const bar = h("progress", { max: 100, value: 0, "aria-label": "Upload progress", hidden: true });
  const figure = h("span", { role: "status", class: "muted" });
  const message = h("div");
  const submit = h("button", { type: "submit" }, "Upload");
  let mapping = null;

  file.addEventListener("change", () => {
    const chosen = file.files[0];
    mapping = null;
    replace(mappingHolder);
    if (!chosen) return;
    if (!name.value) name.value = chosen.name.replace(/\.(csv|txt|xes|xes\.gz|parquet)$/i, "");
    if (isCsv(chosen)) mapping = mappingForm(chosen, mappingHolder);
    else replace(mappingHolder, h("p", { class: "muted" }, "XES and Parquet files name their columns: no mapping needed."));
  });

  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "upload-title" },
    h("h2", { id: "upload-title" }, "Upload an event log"),
    h("div", { class: "grid" }, h("p", { class: "field" }, h("label", { for: "file" }, "File (CSV, XES, XES.GZ, Parquet)"), file), h("p", { class: "field" }, h("label", { for: "datasetName" }, "Dataset name"), name)),
    mappingHolder,
    message,
    h("p", { class: "upload-row" }, submit, bar, figure),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const chosen = file.files[0];
    if (!chosen) return;
    const data = new FormData();
    data.append("file", chosen);
    if (name.value.trim()) data.append("datasetName", name.value.trim());
    if (mapping) for (const [key, value] of Object.entries(mapping())) if (value) data.append(key, value);
    replace(message);
    submit.disabled = true;
    bar.hidden = false;
    bar.value = 0;
    try {
      const dataset = await upload("/datasets", data, (loaded, total) => {
        bar.value = Math.round((100 * loaded) / total);
        replace(figure, `${bytes(loaded)} of ${bytes(total)}`);
      });
      bar.value = 100;
      replace(figure, `Uploaded: ${dataset.datasetName}`);
      form.reset();
      replace(mappingHolder);
      mapping = null;
      onUploaded(dataset);
    } catch (error) {
      replace(figure, "");
      replace(message, problemNode(error));
    } finally {
      submit.disabled = false;
    }
  });
  return form;
}

function details(dataset) {
  const counts = dataset.issueCounts || {};
  return h(
    "div",
    { class: "dataset-details" },
    facts([
      ["Original file", text(dataset.originalFilename)],
      ["Size", bytes(dataset.sizeBytes)],
      ["Rows read", number(dataset.rowsTotal)],
      ["Rows skipped", number(dataset.skippedRowsCount)],
      ["Resources", number(dataset.resourceCount)],
      ["Time range", dataset.timeRange ? `${when(dataset.timeRange.start)} – ${when(dataset.timeRange.end)}` : undefined],
      ["Derived from", dataset.derivedFrom ?? undefined],
    ]),
    h("h3", {}, "Validation issues"),
    Object.keys(counts).length ? jsonView(counts) : h("p", { class: "muted" }, "No issue."),
    (dataset.rowIssues || []).length
      ? h(
          "table",
          { class: "list", "aria-label": "Rows with issues" },
          h("thead", {}, h("tr", {}, Object.keys(dataset.rowIssues[0]).map((k) => h("th", { scope: "col" }, k)))),
          h("tbody", {}, dataset.rowIssues.slice(0, 100).map((issue) => h("tr", {}, Object.values(issue).map((v) => h("td", {}, typeof v === "object" ? JSON.stringify(v) : text(v)))))),
        )
      : null,
    dataset.rowIssuesTruncated ? h("p", { class: "muted" }, "More rows had issues than are listed.") : null,
  );
}

export function render(main) {
  const body = h("tbody");
  const message = h("div");
  const below = h("div");
  const pager = h("p", { class: "pager" });
  let page = 1;

  async function load() {
    try {
      const answer = await get(`/datasets${query({ page, pageSize: 20 })}`);
      const items = answer.datasets || [];
      replace(message);
      replace(
        body,
        items.length
          ? items.map((d) =>
              h(
                "tr",
                { "data-dataset-id": d.datasetId },
                h("td", {}, d.datasetName, h("div", { class: "muted small" }, d.datasetId)),
                h("td", {}, d.format),
                h("td", {}, number(d.caseCount)),
                h("td", {}, number(d.eventCount)),
                h("td", {}, number(d.activityCount)),
                h("td", {}, d.dataQualityScore === null || d.dataQualityScore === undefined ? "—" : number(d.dataQualityScore, 2)),
                h("td", {}, when(d.createdAt)),
                h(
                  "td",
                  { class: "row-actions" },
                  button("Details", () => replace(below, section(`Dataset ${d.datasetName}`, details(d))), { "aria-label": `Details of ${d.datasetName}` }),
                  button("Analyse…", () => {
                    replace(below, analysisForm(d, (id) => (location.hash = `#/operation/${id}`)));
                    below.querySelector("select, input")?.focus();
                  }, { "aria-label": `Start an operation on ${d.datasetName}` }),
                  button("Delete…", async () => {
                    const sure = await confirmAction(`Delete ${d.datasetName}?`, h("p", {}, "The dataset and its files are removed. Operations that used it keep their results."), "Delete dataset");
                    if (!sure) return;
                    try {
                      await remove(`/datasets/${d.datasetId}`);
                      replace(below);
                      load();
                    } catch (error) {
                      replace(message, problemNode(error));
                    }
                  }, { class: "danger", "aria-label": `Delete ${d.datasetName}` }),
                ),
              ),
            )
          : h("tr", {}, h("td", { colspan: 8, class: "muted" }, "No dataset yet: upload an event log above.")),
      );
      replace(
        pager,
        page > 1 ? button("← Previous", () => { page -= 1; load(); }, { class: "quiet" }) : null,
        ` page ${page} `,
        answer.hasNextPage ? button("Next →", () => { page += 1; load(); }, { class: "quiet" }) : null,
      );
    } catch (error) {
      replace(message, problemNode(error));
    }
  }

  replace(
    main,
    h("h1", {}, "Datasets"),
    uploadForm((dataset) => {
      load();
      replace(below, section(`Dataset ${dataset.datasetName}`, details(dataset)));
    }),
    message,
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "list", "aria-label": "Datasets" },
        h("thead", {}, h("tr", {}, ["Dataset", "Format", "Cases", "Events", "Activities", "Quality", "Uploaded", ""].map((c) => h("th", { scope: "col" }, c)))),
        body,
      ),
    ),
    pager,
    below,
  );
  load();
  return null;
}
