// The only module that calls the API, and the one place its errors become words a student can act on.

import { endSession, idToken, refresh } from "./auth.js";
import { state, update } from "./state.js";

export class ApiError extends Error {
  /** `action` says what the person can do: "signin", "buy", "retry" or null. */
  constructor(status, message, { details = {}, action = null } = {}) {
    super(message);
    this.status = status;
    this.details = details;
    this.action = action;
  }
}

function explain(status, body) {
  const details = (body && typeof body.details === "object" && body.details) || {};
  const said = body && typeof body.error === "string" ? body.error : "";
  if (status === 401) {
    return new ApiError(401, "Your session has ended. Please sign in again.", { action: "signin" });
  }
  if (status === 402) {
    const available = Number.isFinite(details.available) ? details.available : 0;
    const required = Number.isFinite(details.required) ? details.required : 1;
    const credits = (n) => `${n} credit${n === 1 ? "" : "s"}`;
    return new ApiError(402, `This needs ${credits(required)} and you have ${credits(available)}. Buy credits to continue.`, {
      details,
      action: "buy",
    });
  }
  if (status === 404) return new ApiError(404, "We could not find that. It may have been deleted.", { details });
  if (status === 429) {
    return new ApiError(429, "That was a lot of requests at once. Wait a moment, then try again.", { details, action: "retry" });
  }
  if (status >= 500) {
    return new ApiError(status, "The service is briefly unavailable. Nothing was lost; please try again in a moment.", {
      details,
      action: "retry",
    });
  }
  const specifics = Object.values(details).filter((value) => typeof value === "string");
  const message = [said || "That request was not accepted.", ...specifics].join(" ");
  return new ApiError(status, message, { details });
}

async function send(method, path, body, token) {
  const headers = { Authorization: `Bearer ${token}` };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  try {
    return await fetch(`${state.config.apiBase}${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      cache: "no-store",
    });
  } catch {
    throw new ApiError(0, "You seem to be offline: we could not reach the server. Check your connection and try again.", {
      action: "retry",
    });
  }
}

/** One API call as the signed-in user; a 401 is retried once with a refreshed token. */
export async function call(method, path, body) {
  let token;
  try {
    token = await idToken();
  } catch {
    endSession();
    throw explain(401, null);
  }
  let response = await send(method, path, body, token);
  if (response.status === 401) {
    try {
      const session = await refresh();
      response = await send(method, path, body, session.idToken);
    } catch {
      // refresh() ended the session if the refresh token is no longer valid
    }
  }
  const data = await response.json().catch(() => null);
  if (!response.ok) {
    if (response.status === 401) endSession();
    throw explain(response.status, data);
  }
  return data;
}

const query = (params) => {
  const search = new URLSearchParams();
  for (const [key, value] of Object.entries(params)) if (value) search.set(key, value);
  const text = search.toString();
  return text ? `?${text}` : "";
};

export const submitVideo = (url, transcript) => call("POST", "/videos", transcript ? { url, transcript } : { url });
export const getVideo = (id) => call("GET", `/videos/${encodeURIComponent(id)}`);
export const deleteVideo = (id) => call("DELETE", `/videos/${encodeURIComponent(id)}`);
export const retryVideo = (id) => call("POST", `/videos/${encodeURIComponent(id)}/retry`);
export const listVideos = ({ limit = 10, status, lastKey } = {}) =>
  call("GET", `/videos${query({ limit: String(limit), status, last_key: lastKey })}`);
export const getNoteHtml = (id) => call("GET", `/notes/${encodeURIComponent(id)}${query({ format: "html" })}`);
export const getNoteMarkdown = (id) => call("GET", `/notes/${encodeURIComponent(id)}${query({ include_content: "true" })}`);
export const purchase = (pkg) => call("POST", "/credits/purchase", { package: pkg });

export async function getCredits() {
  const data = await call("GET", "/credits");
  update({ credits: data.credits });
  return data;
}
