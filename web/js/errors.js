// Showing an API failure with what the person can do next (sign in again, buy credits, try again).

import { h } from "./dom.js";

/** Put `error` in `messages` (a dom.messageArea) with its action; `retry` re-runs what failed. */
export function showError(messages, error, retry) {
  const actions = [];
  if (error.action === "signin") actions.push(h("a", { href: "#/signin", className: "button-link" }, "Sign in again"));
  if (error.action === "buy") actions.push(h("a", { href: "#/credits", className: "button-link" }, "Buy credits"));
  if (error.action === "retry" && retry) {
    actions.push(h("button", { type: "button", className: "secondary", onClick: retry }, "Try again"));
  }
  messages.error(error.message || "Something went wrong. Please try again.", ...actions);
}
