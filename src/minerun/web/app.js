// The console's shell: sign-in, the hash router and the header. Each view is a module
// exporting render(main, params) that returns a cleanup function (closing its streams).
// A view is added by one line in ROUTES (the batch DAG view goes there once batches exist).

import { ApiError, clearSession, get, saveSession, session } from "./api.js";
import { h, problemNode, replace } from "./dom.js";
import * as datasets from "./view-datasets.js";
import * as operation from "./view-operation.js";
import * as operations from "./view-operations.js";
import * as webhooks from "./view-webhooks.js";

const ROUTES = [
  [/^#\/operations$/, operations.render],
  [/^#\/operation\/([\w-]+)$/, operation.render],
  [/^#\/datasets$/, datasets.render],
  [/^#\/webhooks$/, webhooks.render],
];
// The browser checks the ids' shape before asking the API (an HTML pattern is anchored).
const GUID = "[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}";

let cleanup = null;
// While the sign-in form checks a token, a 401 is its answer to show, not a session to end.
let signingIn = false;

function main() {
  return document.getElementById("view");
}

function showHeader(signedIn) {
  const s = session();
  document.getElementById("nav").hidden = !signedIn;
  document.getElementById("sign-out").hidden = !signedIn;
  replace(document.getElementById("scope"), signedIn ? `tenant ${s.tenantId.slice(0, 8)}… · project ${s.projectId.slice(0, 8)}…` : "");
  for (const link of document.querySelectorAll("#nav a")) {
    const current = location.hash.startsWith(link.getAttribute("href").replace(/s$/, ""));
    if (current) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function signIn() {
  const error = h("div");
  const field = (id, label, attrs = {}) =>
    h("p", { class: "field" }, h("label", { for: id }, label), h("input", { id, name: id, required: true, autocomplete: "off", ...attrs }));
  const form = h(
    "form",
    { class: "panel sign-in", "aria-labelledby": "sign-in-title" },
    h("h1", { id: "sign-in-title" }, "Sign in"),
    h("p", { class: "muted" }, "The token stays in this browser tab only, and is forgotten when the tab closes."),
    field("token", "Bearer token", { type: "password" }),
    field("tenantId", "Tenant id", { placeholder: "00000000-0000-0000-0000-000000000000", pattern: GUID }),
    field("projectId", "Project id", { placeholder: "00000000-0000-0000-0000-000000000000", pattern: GUID }),
    error,
    h("p", {}, h("button", { type: "submit" }, "Sign in")),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const value = {
      token: form.elements.token.value.trim(),
      tenantId: form.elements.tenantId.value.trim(),
      projectId: form.elements.projectId.value.trim(),
    };
    saveSession(value);
    signingIn = true;
    try {
      await get("/operations?pageSize=1");
      signingIn = false;
      location.hash = "#/operations";
      route();
    } catch (failure) {
      signingIn = false;
      clearSession();
      const message =
        failure instanceof ApiError && failure.status === 404
          ? "This token does not reach that tenant and project."
          : failure.message;
      replace(error, problemNode({ message, fields: failure.fields }));
    }
  });
  replace(main(), form);
  form.elements.token.focus();
}

function route() {
  if (cleanup) cleanup();
  cleanup = null;
  if (!session()) {
    showHeader(false);
    signIn();
    return;
  }
  if (!location.hash || location.hash === "#/") location.hash = "#/operations";
  showHeader(true);
  for (const [pattern, render] of ROUTES) {
    const match = pattern.exec(location.hash);
    if (match) {
      cleanup = render(main(), ...match.slice(1)) || null;
      // Keyboard and screen-reader users start reading the new view, not the old link.
      main().focus({ preventScroll: true });
      return;
    }
  }
  replace(main(), h("section", { class: "panel" }, h("h1", {}, "Not found"), h("p", {}, h("a", { href: "#/operations" }, "Back to the operations"))));
}

window.addEventListener("hashchange", route);
window.addEventListener("minerun:unauthorized", () => {
  if (signingIn) return;
  clearSession();
  route();
});
document.getElementById("sign-out").addEventListener("click", () => {
  clearSession();
  location.hash = "";
  route();
});
route();
