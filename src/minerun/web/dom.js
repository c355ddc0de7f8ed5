// Building the page from data without ever parsing data as HTML: every value becomes a text
// node or a property, so nothing the API returns can inject markup or script.

export function h(tag, attrs = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs || {})) {
    if (value === null || value === undefined || value === false) continue;
    if (key === "class") el.className = value;
    else if (key === "checked" || key === "selected" || (key === "value" && "defaultValue" in el)) {
      // The default too, so that a form's reset() returns to what was drawn.
      el[key] = value;
      el[`default${key[0].toUpperCase()}${key.slice(1)}`] = value;
    }
    else if (key === "for") el.htmlFor = value;
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (key in el && !key.includes("-") && key !== "list") el[key] = value;
    else el.setAttribute(key, value === true ? "" : String(value));
  }
  append(el, children);
  return el;
}

export function append(el, children) {
  for (const child of children.flat(Infinity)) {
    if (child === null || child === undefined || child === false) continue;
    el.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
  return el;
}

export function replace(el, ...children) {
  el.replaceChildren();
  return append(el, children);
}

export const DASH = "—";

export function when(isoText) {
  if (!isoText) return DASH;
  const moment = new Date(isoText);
  if (Number.isNaN(moment.getTime())) return isoText;
  return moment.toLocaleString(undefined, { dateStyle: "short", timeStyle: "medium" });
}

export function seconds(value) {
  if (value === null || value === undefined) return DASH;
  const s = Math.max(0, Math.round(Number(value)));
  const hours = Math.floor(s / 3600);
  const minutes = Math.floor((s % 3600) / 60);
  const rest = s % 60;
  if (hours) return `${hours} h ${minutes} min`;
  if (minutes) return `${minutes} min ${rest} s`;
  return `${rest} s`;
}

export function bytes(value) {
  if (value === null || value === undefined) return DASH;
  const units = ["B", "KB", "MB", "GB", "TB"];
  let size = Number(value);
  let unit = 0;
  while (size >= 1024 && unit < units.length - 1) {
    size /= 1024;
    unit += 1;
  }
  return `${size.toFixed(unit ? 1 : 0)} ${units[unit]}`;
}

export function number(value, digits = 0) {
  if (value === null || value === undefined || value === "") return DASH;
  if (typeof value !== "number") return String(value);
  return value.toLocaleString(undefined, { maximumFractionDigits: digits });
}

export function text(value) {
  return value === null || value === undefined || value === "" ? DASH : String(value);
}

export function statusBadge(status) {
  return h("span", { class: `badge status-${String(status).toLowerCase()}` }, status);
}

export function progressBar(percent, label) {
  const value = Math.max(0, Math.min(100, Number(percent) || 0));
  return h(
    "span",
    { class: "bar" },
    h("progress", { max: 100, value, "aria-label": label }),
    h("span", { class: "bar-figure" }, `${Math.round(value)} %`),
  );
}

// A definition list of label → value pairs; values may be nodes.
export function facts(pairs) {
  return h(
    "dl",
    { class: "facts" },
    pairs
      .filter(([, value]) => value !== undefined)
      .map(([label, value]) => [h("dt", {}, label), h("dd", {}, value instanceof Node ? value : text(value))]),
  );
}

// Any JSON value as nested lists: objects as definition lists, arrays as lists.
export function jsonView(value, depth = 0) {
  if (value === null || value === undefined) return h("span", { class: "muted" }, DASH);
  if (Array.isArray(value)) {
    if (!value.length) return h("span", { class: "muted" }, "none");
    if (depth > 3) return h("span", {}, `${value.length} items`);
    return h("ul", { class: "json" }, value.slice(0, 50).map((item) => h("li", {}, jsonView(item, depth + 1))));
  }
  if (typeof value === "object") {
    if (depth > 3) return h("span", {}, "…");
    return h(
      "dl",
      { class: "json" },
      Object.entries(value).map(([key, item]) => [h("dt", {}, key), h("dd", {}, jsonView(item, depth + 1))]),
    );
  }
  if (typeof value === "number") return h("span", {}, number(value, 4));
  return h("span", {}, String(value));
}

export function problemNode(error) {
  const items = (error && error.fields) || [];
  return h(
    "div",
    { class: "problem", role: "alert" },
    h("strong", {}, (error && error.message) || String(error)),
    items.length ? h("ul", {}, items.map((f) => h("li", {}, `${f.field}: ${f.reason}`))) : null,
  );
}

// The confirmation dialog of index.html: resolves true when the user confirms.
export function confirmAction(title, body, confirmLabel) {
  const dialog = document.getElementById("confirm");
  replace(document.getElementById("confirm-title"), title);
  replace(document.getElementById("confirm-body"), body);
  replace(document.getElementById("confirm-ok"), confirmLabel);
  dialog.returnValue = "";
  dialog.showModal();
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "ok"), { once: true });
  });
}

export function section(title, ...children) {
  return h("section", { class: "panel" }, h("h2", {}, title), ...children);
}

export function button(label, onclick, attrs = {}) {
  return h("button", { type: "button", onclick, ...attrs }, label);
}
