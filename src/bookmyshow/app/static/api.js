// The seat page's client of the bookmyshow REST API: JSON calls, the session's tokens, and the
// one error shape ({code, message, details}) every failed call becomes.

const SESSION_KEY = "bookmyshow.session";

/** A failed API call: `code` is the API's stable error code, `message` is for people. */
export class ApiError extends Error {
  constructor(status, code, message, details) {
    super(message);
    this.name = "ApiError";
    this.status = status;
    this.code = code;
    this.details = details || {};
  }
}

/** A fresh Idempotency-Key (random; crypto.randomUUID is missing on plain-http LAN hosts). */
export function newKey() {
  if (globalThis.crypto && typeof crypto.randomUUID === "function") {
    return crypto.randomUUID();
  }
  const bytes = crypto.getRandomValues(new Uint8Array(16));
  return Array.from(bytes, (b) => b.toString(16).padStart(2, "0")).join("");
}

function loadSession() {
  try {
    const raw = localStorage.getItem(SESSION_KEY);
    return raw ? JSON.parse(raw) : null;
  } catch {
    // A corrupt or inaccessible store just means "logged out".
    return null;
  }
}

let session = loadSession();

/** The signed-in user's {access_token, refresh_token, email, name}, or null. */
export function currentSession() {
  return session;
}

/** Remember (or with null, forget) the session across reloads. */
export function setSession(value) {
  session = value;
  try {
    if (value) {
      localStorage.setItem(SESSION_KEY, JSON.stringify(value));
    } else {
      localStorage.removeItem(SESSION_KEY);
    }
  } catch {
    // Private browsing may refuse storage: the session then lasts until the page reloads.
  }
}

async function send(method, path, { body, headers = {}, auth = true } = {}) {
  const init = { method, headers: { Accept: "application/json", ...headers } };
  if (body !== undefined) {
    init.headers["Content-Type"] = "application/json";
    init.body = JSON.stringify(body);
  }
  if (auth && session) {
    init.headers.Authorization = `Bearer ${session.access_token}`;
  }
  let response;
  try {
    response = await fetch(path, init);
  } catch {
    throw new ApiError(0, "network_error", "The server cannot be reached. Check your connection.");
  }
  return response;
}

async function parse(response) {
  const text = await response.text();
  let data = null;
  if (text) {
    try {
      data = JSON.parse(text);
    } catch {
      data = null;
    }
  }
  if (response.ok) {
    return data;
  }
  if (data && typeof data.code === "string") {
    throw new ApiError(response.status, data.code, data.message || data.code, data.details);
  }
  throw new ApiError(response.status, `http_${response.status}`, `Request failed (${response.status}).`);
}

async function refresh() {
  if (!session || !session.refresh_token) {
    return false;
  }
  const response = await send("POST", "/api/auth/refresh", {
    body: { refresh_token: session.refresh_token },
    auth: false,
  });
  if (!response.ok) {
    return false;
  }
  const pair = await response.json();
  setSession({ ...session, access_token: pair.access_token, refresh_token: pair.refresh_token });
  return true;
}

/**
 * Call the API and return the decoded JSON body; throws ApiError for an error response.
 * An expired access token is refreshed once and the call retried (same Idempotency-Key).
 */
export async function api(method, path, options = {}) {
  let response = await send(method, path, options);
  if (response.status === 401 && options.auth !== false && session) {
    if (await refresh()) {
      response = await send(method, path, options);
    } else {
      setSession(null);
    }
  }
  return parse(response);
}

/** Build a query string from the entries of `params` that have a value. */
export function query(params) {
  const search = new URLSearchParams();
  for (const [name, value] of Object.entries(params)) {
    if (value !== undefined && value !== null && value !== "") {
      search.set(name, String(value));
    }
  }
  const text = search.toString();
  return text ? `?${text}` : "";
}
