// Sessions with Cognito's own API (no SDK): sign-up and its confirmation code, USER_PASSWORD_AUTH,
// REFRESH_TOKEN_AUTH before the id token expires, forgotten passwords. The id token goes in the API's
// Authorization header (api.js); tokens never go in a URL or a log. Only the refresh token is kept
// (localStorage, so a returning student stays signed in); id and access tokens live in memory.

import { state, update } from "./state.js";

const REFRESH_KEY = "ytsb.session";
const REFRESH_MARGIN_MS = 120_000; // refresh this long before the id token expires

export class AuthError extends Error {
  constructor(code, message) {
    super(message);
    this.code = code;
  }
}

// What Cognito's error codes mean to a person, and what to do about it.
const MESSAGES = {
  NotAuthorizedException: "That e-mail and password do not match. Check them and try again.",
  UserNotFoundException: "That e-mail and password do not match. Check them and try again.",
  UserNotConfirmedException: "Your e-mail address is not confirmed yet. Enter the code we sent you.",
  UsernameExistsException: "An account with this e-mail already exists. Sign in instead.",
  InvalidPasswordException:
    "That password is too weak: use at least 8 characters with lowercase letters and numbers.",
  InvalidParameterException: "Some of the details are not valid. Check the e-mail address and password.",
  CodeMismatchException: "That code is not right. Check the latest e-mail we sent and try again.",
  ExpiredCodeException: "That code has expired. Ask for a new one.",
  LimitExceededException: "Too many attempts. Wait a few minutes, then try again.",
  TooManyRequestsException: "Too many attempts. Wait a few minutes, then try again.",
  TooManyFailedAttemptsException: "Too many attempts. Wait a few minutes, then try again.",
  PasswordResetRequiredException: "You need to choose a new password. Use “Forgot your password?”.",
};

async function cognito(action, body) {
  let response;
  try {
    response = await fetch(state.config.cognitoEndpoint, {
      method: "POST",
      headers: {
        "Content-Type": "application/x-amz-json-1.1",
        "X-Amz-Target": `AWSCognitoIdentityProviderService.${action}`,
      },
      body: JSON.stringify(body),
    });
  } catch {
    throw new AuthError("NetworkError", "We could not reach the sign-in service. Check your connection and try again.");
  }
  const data = await response.json().catch(() => ({}));
  if (!response.ok) {
    const code = String(data.__type || data.code || "Error").split("#").pop();
    throw new AuthError(code, MESSAGES[code] || "Signing in failed. Please try again in a moment.");
  }
  return data;
}

function claims(jwt) {
  const payload = jwt.split(".")[1].replace(/-/g, "+").replace(/_/g, "/");
  const json = decodeURIComponent(
    [...atob(payload)].map((c) => `%${c.charCodeAt(0).toString(16).padStart(2, "0")}`).join(""),
  );
  return JSON.parse(json);
}

let refreshTimer = null;

function startSession(result, refreshToken) {
  const idClaims = claims(result.IdToken);
  const session = {
    email: idClaims.email || "",
    idToken: result.IdToken,
    accessToken: result.AccessToken,
    refreshToken: refreshToken || result.RefreshToken,
    expiresAt: idClaims.exp * 1000,
  };
  localStorage.setItem(REFRESH_KEY, JSON.stringify({ email: session.email, refreshToken: session.refreshToken }));
  clearTimeout(refreshTimer);
  const wait = Math.max(5_000, session.expiresAt - Date.now() - REFRESH_MARGIN_MS);
  refreshTimer = setTimeout(() => refresh().catch(() => endSession()), wait);
  update({ session });
  return session;
}

export function endSession() {
  clearTimeout(refreshTimer);
  localStorage.removeItem(REFRESH_KEY);
  update({ session: null, credits: null });
}

export async function signUp(email, password) {
  const result = await cognito("SignUp", {
    ClientId: state.config.userPoolClientId,
    Username: email,
    Password: password,
    UserAttributes: [{ Name: "email", Value: email }],
  });
  return { confirmed: result.UserConfirmed === true, destination: result.CodeDeliveryDetails?.Destination };
}

export async function confirmSignUp(email, code) {
  await cognito("ConfirmSignUp", { ClientId: state.config.userPoolClientId, Username: email, ConfirmationCode: code });
}

export async function resendCode(email) {
  await cognito("ResendConfirmationCode", { ClientId: state.config.userPoolClientId, Username: email });
}

export async function signIn(email, password) {
  const result = await cognito("InitiateAuth", {
    ClientId: state.config.userPoolClientId,
    AuthFlow: "USER_PASSWORD_AUTH",
    AuthParameters: { USERNAME: email, PASSWORD: password },
  });
  if (!result.AuthenticationResult) {
    // A challenge (new password required, MFA) this page does not offer.
    throw new AuthError(result.ChallengeName || "Challenge", "This account needs a step this page does not support yet.");
  }
  return startSession(result.AuthenticationResult);
}

/** A new id token from the refresh token (Cognito keeps the refresh token the same). */
export async function refresh() {
  const saved = state.session?.refreshToken || JSON.parse(localStorage.getItem(REFRESH_KEY) || "null")?.refreshToken;
  if (!saved) throw new AuthError("NoSession", "Please sign in.");
  try {
    const result = await cognito("InitiateAuth", {
      ClientId: state.config.userPoolClientId,
      AuthFlow: "REFRESH_TOKEN_AUTH",
      AuthParameters: { REFRESH_TOKEN: saved },
    });
    return startSession(result.AuthenticationResult, saved);
  } catch (error) {
    if (error.code !== "NetworkError") endSession(); // a revoked or expired refresh token
    throw error;
  }
}

/** The session at page load: from the kept refresh token, if any. */
export async function restoreSession() {
  if (!localStorage.getItem(REFRESH_KEY)) return null;
  try {
    return await refresh();
  } catch {
    return null;
  }
}

/** A valid id token, refreshed first if it is about to expire. */
export async function idToken() {
  if (!state.session) throw new AuthError("NoSession", "Please sign in.");
  if (state.session.expiresAt - Date.now() < 60_000) await refresh();
  return state.session.idToken;
}

export async function signOut() {
  const accessToken = state.session?.accessToken;
  endSession();
  if (accessToken) {
    // Ends the refresh token everywhere; signing out locally does not wait for it.
    cognito("GlobalSignOut", { AccessToken: accessToken }).catch(() => {});
  }
}

export async function forgotPassword(email) {
  const result = await cognito("ForgotPassword", { ClientId: state.config.userPoolClientId, Username: email });
  return result.CodeDeliveryDetails?.Destination;
}

export async function confirmForgotPassword(email, code, password) {
  await cognito("ConfirmForgotPassword", {
    ClientId: state.config.userPoolClientId,
    Username: email,
    ConfirmationCode: code,
    Password: password,
  });
}
