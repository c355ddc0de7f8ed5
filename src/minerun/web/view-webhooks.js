// Webhooks: the subscriptions, a new one, pause/resume, delete, a test ping, and each one's
// delivery log with redelivery.

import { get, patch, post, query, remove } from "./api.js";
import { button, confirmAction, h, problemNode, replace, section, statusBadge, text, when } from "./dom.js";

const EVENTS = [
  "operation.started",
  "operation.progress",
  "operation.phase.completed",
  "operation.completed",
  "operation.failed",
  "operation.cancelled",
  "operation.timeout",
];

function createForm(onCreated) {
  const url = h("input", { id: "webhookUrl", type: "url", required: true, maxLength: 2048, placeholder: "https://example.com/hooks/minerun" });
  const name = h("input", { id: "webhookName", type: "text", maxLength: 200 });
  const boxes = EVENTS.map((event) => h("input", { type: "checkbox", id: `ev-${event}`, value: event, checked: event !== "operation.progress" }));
  const message = h("div");
  const form = h(
    "form",
    { class: "panel", "aria-labelledby": "webhook-new" },
    h("h2", { id: "webhook-new" }, "New subscription"),
    h("div", { class: "grid" }, h("p", { class: "field" }, h("label", { for: "webhookUrl" }, "URL"), url), h("p", { class: "field" }, h("label", { for: "webhookName" }, "Name (optional)"), name)),
    h("fieldset", {}, h("legend", {}, "Events"), h("div", { class: "grid" }, boxes.map((box) => h("p", { class: "field check" }, box, h("label", { for: box.id }, box.value))))),
    message,
    h("p", {}, h("button", { type: "submit" }, "Subscribe")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    replace(message);
    try {
      await post("/webhooks", {
        webhookUrl: url.value.trim(),
        ...(name.value.trim() ? { webhookName: name.value.trim() } : {}),
        events: boxes.filter((b) => b.checked).map((b) => b.value),
      });
      form.reset();
      onCreated();
    } catch (error) {
      replace(message, problemNode(error));
    }
  });
  return form;
}

async function deliveries(webhook, holder) {
  const message = h("div");
  const body = h("tbody");
  replace(
    holder,
    section(
      `Deliveries to ${webhook.webhookName || webhook.webhookUrl}`,
      message,
      h(
        "div",
        { class: "scroll" },
        h(
          "table",
          { class: "list", "aria-label": "Deliveries" },
          h("thead", {}, h("tr", {}, ["When", "Event", "Operation", "Attempt", "Outcome", "Latency", "Next try", ""].map((c) => h("th", { scope: "col" }, c)))),
          body,
        ),
      ),
    ),
  );
  try {
    const answer = await get(`/webhooks/${webhook.webhookId}/deliveries${query({ pageSize: 50 })}`);
    const items = answer.deliveries || [];
    replace(
      body,
      items.length
        ? items.map((d) =>
            h(
              "tr",
              {},
              h("td", {}, when(d.attemptedAt)),
              h("td", {}, d.eventType),
              h("td", {}, d.operationId ? h("a", { href: `#/operation/${d.operationId}` }, d.operationId) : "—"),
              h("td", {}, d.attempt),
              h("td", {}, d.success ? "delivered" : `failed${d.statusCode ? ` (${d.statusCode})` : ""}${d.error ? `: ${d.error}` : ""}`),
              h("td", {}, d.latencyMs === null || d.latencyMs === undefined ? "—" : `${Math.round(d.latencyMs)} ms`),
              h("td", {}, when(d.nextRetryAt)),
              h(
                "td",
                {},
                button("Redeliver", async () => {
                  try {
                    await post(`/webhooks/${webhook.webhookId}/deliveries/${d.deliveryId}/redeliver`);
                    deliveries(webhook, holder);
                  } catch (error) {
                    replace(message, problemNode(error));
                  }
                }, { "aria-label": `Redeliver ${d.eventType} of ${when(d.attemptedAt)}` }),
              ),
            ),
          )
        : h("tr", {}, h("td", { colspan: 8, class: "muted" }, "Nothing delivered yet.")),
    );
  } catch (error) {
    replace(message, problemNode(error));
  }
}

export function render(main) {
  const body = h("tbody");
  const message = h("div");
  const below = h("div");

  async function load() {
    try {
      const answer = await get(`/webhooks${query({ pageSize: 100 })}`);
      const items = answer.webhooks || [];
      replace(message);
      replace(
        body,
        items.length
          ? items.map((w) => {
              const label = w.webhookName || w.webhookUrl;
              const stats = w.deliveryStats || {};
              const act = (what) => async () => {
                try {
                  await what();
                  load();
                } catch (error) {
                  replace(message, problemNode(error));
                }
              };
              return h(
                "tr",
                {},
                h("td", {}, text(w.webhookName), h("div", { class: "muted small" }, w.webhookUrl)),
                h("td", {}, statusBadge(w.status), w.statusReason ? h("div", { class: "muted small" }, w.statusReason) : null),
                h("td", {}, (w.eventsSubscribed || []).join(", ")),
                h("td", {}, `${stats.successfulDeliveries ?? 0} ok, ${stats.failedDeliveries ?? 0} failed`, stats.averageResponseTime ? h("div", { class: "muted small" }, `average ${stats.averageResponseTime}`) : null),
                h(
                  "td",
                  { class: "row-actions" },
                  button("Deliveries", () => {
                    deliveries(w, below);
                    load();
                  }, { "aria-label": `Deliveries of ${label}` }),
                  button("Test ping", act(async () => {
                    await post(`/webhooks/${w.webhookId}/test`);
                    deliveries(w, below);
                  }), { "aria-label": `Send a test ping to ${label}` }),
                  button(w.status === "Active" ? "Pause" : "Resume", act(() => patch(`/webhooks/${w.webhookId}`, { status: w.status === "Active" ? "Paused" : "Active" })), { "aria-label": `${w.status === "Active" ? "Pause" : "Resume"} ${label}` }),
                  button("Delete…", act(async () => {
                    if (await confirmAction(`Delete the subscription ${label}?`, h("p", {}, "No more events are sent to this URL."), "Delete subscription")) {
                      await remove(`/webhooks/${w.webhookId}`);
                    }
                  }), { class: "danger", "aria-label": `Delete ${label}` }),
                ),
              );
            })
          : h("tr", {}, h("td", { colspan: 5, class: "muted" }, "No subscription.")),
      );
    } catch (error) {
      replace(message, problemNode(error));
    }
  }

  replace(
    main,
    h("h1", {}, "Webhooks"),
    message,
    h(
      "div",
      { class: "scroll" },
      h(
        "table",
        { class: "list", "aria-label": "Subscriptions" },
        h("thead", {}, h("tr", {}, ["Name", "Status", "Events", "Deliveries", ""].map((c) => h("th", { scope: "col" }, c)))),
        body,
      ),
    ),
    below,
    createForm(load),
  );
  load();
  return null;
}
