// The API from the browser, signed in one of two ways: a person's session (an HttpOnly cookie the
// page never sees, plus the session's CSRF token, kept in memory only and sent as X-CSRF-Token on
// every call that changes anything), or an API key (localStorage, or #key=... in the address) sent
// as `Authorization: Bearer`. JSON calls, the upload with progress, and errors carrying the API's
// own message.

const KEY_STORAGE = "clipstream.apiKey";
const RETRIES_ON_429 = 2;
let memoryKey = ""; // used when localStorage is unavailable

export class ApiError extends Error {
  constructor(status, code, message) {
    super(message);
    this.status = status;
    this.code = code;
  }
}

export function getKey() {
  try {
    return localStorage.getItem(KEY_STORAGE) || "";
  } catch {
    return "";
  }
}

export function setKey(key) {
  try {
    if (key) localStorage.setItem(KEY_STORAGE, key);
    else localStorage.removeItem(KEY_STORAGE);
  } catch {
    // Storage can be off (private mode): the key then lives for this page only.
  }
  memoryKey = key;
}

function key() {
  return getKey() || memoryKey;
}

let session = null; // the signed-in person's session (never stored: the cookie is the credential)

function unsafe(method) {
  return !["GET", "HEAD", "OPTIONS"].includes(method.toUpperCase());
}

/** The headers that say who is calling: the key's, or the session's CSRF token on a change. */
function credentials(method) {
  const token = key();
  if (token) return { Authorization: `Bearer ${token}` };
  return session && unsafe(method) ? { "X-CSRF-Token": session.csrf_token } : {};
}

export function currentSession() {
  return session;
}

/** The session this browser's cookie names, if it is still live (null otherwise). */
export async function resumeSession() {
  const response = await fetch("/v1/session", { headers: { Accept: "application/json" }, credentials: "same-origin" });
  session = response.ok ? await response.json() : null;
  return session;
}

/** Signs in with an email and a password: the server sets the session cookie. */
export async function signIn(email, password, workspaceId) {
  setKey("");
  session = null;
  const json = workspaceId ? { email, password, workspace_id: workspaceId } : { email, password };
  session = await api("/v1/session", { method: "POST", json });
  return session;
}

/** Ends the session on the server (and the cookie with it). */
export async function signOut() {
  try {
    if (session) await api("/v1/session", { method: "DELETE" });
  } finally {
    session = null;
  }
}

/** Takes `key=` out of the address fragment (saving it) and returns the rest of the fragment's fields. */
export function takeKeyFromFragment() {
  const params = new URLSearchParams(location.hash.replace(/^#/, ""));
  const given = params.get("key");
  if (given) {
    setKey(given.trim());
    params.delete("key");
    const rest = params.toString();
    history.replaceState(null, "", location.pathname + location.search + (rest ? `#${rest}` : ""));
  }
  return params;
}

/** An ApiError from a failed response: the envelope's code and message when there is one. */
async function errorOf(response) {
  let body = null;
  try {
    body = await response.json();
  } catch {
    // not JSON: a proxy's page, an empty body
  }
  const err = body && typeof body === "object" ? body.error : null;
  if (err && typeof err.message === "string") return new ApiError(response.status, String(err.code || ""), err.message);
  return new ApiError(response.status, `http_${response.status}`, `The server answered ${response.status} ${response.statusText}`.trim());
}

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

function retryDelay(response) {
  const seconds = Number(response.headers.get("Retry-After"));
  return Math.min(5000, Math.max(250, Number.isFinite(seconds) ? seconds * 1000 : 1000));
}

/** A JSON call; throws ApiError with the API's message. A 429 is retried after Retry-After. */
export async function api(path, { method = "GET", json, signal } = {}) {
  const headers = { Accept: "application/json", ...credentials(method) };
  if (json !== undefined) headers["Content-Type"] = "application/json";
  for (let attempt = 0; ; attempt += 1) {
    let response;
    try {
      response = await fetch(path, {
        method, headers, credentials: "same-origin", body: json === undefined ? undefined : JSON.stringify(json), signal,
      });
    } catch (error) {
      if (error.name === "AbortError") throw error;
      throw new ApiError(0, "network_error", "Could not reach the clipstream API. Check the connection and try again.");
    }
    if (response.status === 429 && attempt < RETRIES_ON_429) {
      await sleep(retryDelay(response));
      continue;
    }
    if (!response.ok) throw await errorOf(response);
    if (response.status === 204) return null;
    const type = response.headers.get("Content-Type") || "";
    return type.includes("json") ? response.json() : response.text();
  }
}

/** A file behind the key, as a blob: URL (for players when the API gives no signed link). */
export async function blobUrl(path) {
  const response = await fetch(path, { headers: credentials("GET"), credentials: "same-origin" });
  if (!response.ok) throw await errorOf(response);
  return URL.createObjectURL(await response.blob());
}

/**
 * POST /v1/videos as multipart with upload progress (fetch has none): resolves with the 202 body,
 * rejects with ApiError. `onProgress(loaded, total)` is called as bytes leave the browser.
 */
export function uploadVideo(file, fields, onProgress) {
  return new Promise((resolve, reject) => {
    const form = new FormData();
    form.append("file", file, file.name);
    for (const [name, value] of Object.entries(fields)) {
      if (value !== "" && value != null) form.append(name, String(value));
    }
    const xhr = new XMLHttpRequest();
    xhr.open("POST", "/v1/videos");
    for (const [name, value] of Object.entries(credentials("POST"))) xhr.setRequestHeader(name, value);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.responseType = "text";
    xhr.upload.addEventListener("progress", (e) => onProgress(e.loaded, e.lengthComputable ? e.total : file.size));
    xhr.addEventListener("load", () => {
      let body = null;
      try {
        body = JSON.parse(xhr.responseText);
      } catch {
        // handled below
      }
      if (xhr.status >= 200 && xhr.status < 300 && body) resolve(body);
      else if (body && body.error && typeof body.error.message === "string") reject(new ApiError(xhr.status, body.error.code, body.error.message));
      else reject(new ApiError(xhr.status, `http_${xhr.status}`, `The upload failed: the server answered ${xhr.status} ${xhr.statusText}`));
    });
    xhr.addEventListener("error", () => reject(new ApiError(0, "network_error", "The upload was interrupted: could not reach the clipstream API.")));
    xhr.addEventListener("abort", () => reject(new ApiError(0, "aborted", "The upload was cancelled.")));
    xhr.send(form);
  });
}
