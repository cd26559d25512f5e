// The page's state in one small object; screens read it and call `update`, the header listens.

export const state = {
  config: null, // /config.json
  session: null, // { email, idToken, accessToken, refreshToken, expiresAt (ms) } or null
  credits: null, // the last balance the API reported
};

const listeners = new Set();

export function update(patch) {
  Object.assign(state, patch);
  listeners.forEach((listener) => listener(state));
}

export function subscribe(listener) {
  listeners.add(listener);
  return () => listeners.delete(listener);
}
