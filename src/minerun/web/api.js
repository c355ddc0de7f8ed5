// The API as the console uses it: the bearer token lives in sessionStorage only (gone when
// the tab closes) and travels in the Authorization header, never in a URL.

const SESSION_KEY = "minerun.console.session";

export function session() {
  try {
    const saved = JSON.parse(sessionStorage.getItem(SESSION_KEY) || "null");
    return saved && saved.token && saved.tenantId && saved.projectId ? saved : null;
  } catch {
    return null;
  }
}

export function saveSession(value) {
  sessionStorage.setItem(SESSION_KEY, JSON.stringify(value));
}

export function clearSession() {
  sessionStorage.removeItem(SESSION_KEY);
}

export class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem || {};
    this.fields = (problem && problem.errors) || [];
  }
}

// The API's paths of the signed-in project: datasets live at /api/{tenant}/{project}/datasets,
// everything else below /api/{tenant}/{project}/async.
export function scoped(path) {
  const s = session();
  const project = `/api/${encodeURIComponent(s.tenantId)}/${encodeURIComponent(s.projectId)}`;
  return path.startsWith("/datasets") ? `${project}${path}` : `${project}/async${path}`;
}

export function authHeaders(extra = {}) {
  const s = session();
  return s ? { Authorization: `Bearer ${s.token}`, ...extra } : extra;
}

export function query(params) {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) {
    if (value === null || value === undefined || value === "") continue;
    for (const item of Array.isArray(value) ? value : [value]) search.append(key, String(item));
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}

async function failure(response) {
  let problem = null;
  try {
    problem = await response.json();
  } catch {
    problem = null;
  }
  if (response.status === 401) window.dispatchEvent(new CustomEvent("minerun:unauthorized"));
  return new ApiError(response.status, problem);
}

export async function call(method, path, body) {
  const headers = authHeaders({ Accept: "application/json" });
  const init = { method, headers };
  if (body !== undefined) {
    headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  const response = await fetch(scoped(path), init);
  if (!response.ok) throw await failure(response);
  if (response.status === 204) return null;
  return response.json();
}

export const get = (path) => call("GET", path);
export const post = (path, body) => call("POST", path, body ?? {});
export const patch = (path, body) => call("PATCH", path, body);
export const remove = (path, body) => call("DELETE", path, body);

// A multipart upload through XMLHttpRequest, whose upload events report the bytes sent.
export function upload(path, form, onProgress) {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open("POST", scoped(path));
    for (const [key, value] of Object.entries(authHeaders({ Accept: "application/json" }))) {
      xhr.setRequestHeader(key, value);
    }
    xhr.upload.addEventListener("progress", (event) => {
      if (event.lengthComputable) onProgress(event.loaded, event.total);
    });
    xhr.addEventListener("load", () => {
      let answer = null;
      try {
        answer = JSON.parse(xhr.responseText);
      } catch {
        answer = null;
      }
      if (xhr.status >= 200 && xhr.status < 300) resolve(answer);
      else {
        if (xhr.status === 401) window.dispatchEvent(new CustomEvent("minerun:unauthorized"));
        reject(new ApiError(xhr.status, answer));
      }
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, { detail: "The upload failed: no answer from the server." })));
    xhr.send(form);
  });
}

// A file of the API (an artifact) fetched with the token, as a Blob.
export async function blob(path) {
  const response = await fetch(scoped(path), { headers: authHeaders() });
  if (!response.ok) throw await failure(response);
  const disposition = response.headers.get("Content-Disposition") || "";
  const named = /filename\*?=(?:UTF-8'')?"?([^";]+)"?/i.exec(disposition);
  return { blob: await response.blob(), filename: named ? decodeURIComponent(named[1]) : null };
}

// Save a file fetched with the token: an object URL behind a transient download link.
export async function download(path, fallbackName) {
  const file = await blob(path);
  const url = URL.createObjectURL(file.blob);
  const link = document.createElement("a");
  link.href = url;
  link.download = file.filename || fallbackName;
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
