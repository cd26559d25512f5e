// Sign in, sign up (with the confirmation-code step real Cognito needs), forgot password.

import { getCredits } from "../api.js";
import { confirmForgotPassword, confirmSignUp, forgotPassword, resendCode, signIn, signUp } from "../auth.js";
import { busy, field, focusHeading, h, messageArea, show } from "../dom.js";
import { state } from "../state.js";

const PASSWORD_HINT = "At least 8 characters, with lowercase letters and numbers.";

function emailInput(value = "") {
  return h("input", { type: "email", name: "email", required: true, value, attrs: { autocomplete: "email", spellcheck: "false" } });
}

function passwordInput(autocomplete) {
  return h("input", { type: "password", name: "password", required: true, minLength: 8, attrs: { autocomplete } });
}

function codeInput() {
  return h("input", {
    type: "text",
    name: "code",
    required: true,
    attrs: { autocomplete: "one-time-code", inputmode: "numeric", pattern: "[0-9]{4,8}" },
  });
}

function freeOffer() {
  const free = Number(state.config.freeCredits);
  if (!Number.isInteger(free) || free <= 0) return "Make notes from any YouTube video with captions.";
  return `Your first ${free === 1 ? "video is" : `${free} videos are`} free. No card needed.`;
}

/** Into the app: the balance for the header, then the screen the student was going to. */
function enter(context) {
  getCredits().catch(() => {});
  context.afterSignIn();
}

/**
 * One account form: its fields, a message area and the submit button. On submit, `work` runs with
 * the form busy; whatever it throws is shown in the form's message area, announced.
 */
function accountForm(submitLabel, busyLabel, fields, work) {
  const messages = messageArea();
  const form = h("form", { className: "card narrow" }, fields, messages.element, h("button", { type: "submit", className: "primary" }, submitLabel));
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    messages.clear();
    busy(form, busyLabel, async () => {
      try {
        await work(messages);
      } catch (error) {
        messages.error(error.message, ...(error.actions || []));
      }
    });
  });
  return form;
}

function accountScreen(container, title, lead, form, ...after) {
  show(container, h("section", { className: "auth" }, h("h1", {}, title), h("p", { className: "lead" }, lead), form, ...after));
}

export function renderSignIn(container, context) {
  const email = emailInput(context.query.get("email") || "");
  const password = passwordInput("current-password");
  const form = accountForm("Sign in", "Signing in…", [field("E-mail", email), field("Password", password)], async () => {
    try {
      await signIn(email.value.trim(), password.value);
    } catch (error) {
      if (error.code !== "UserNotConfirmedException") {
        password.select();
        throw error;
      }
      showConfirm(container, context, email.value.trim(), password.value, error.message);
      return;
    }
    enter(context);
  });
  accountScreen(
    container,
    "Sign in",
    "Turn YouTube lectures into study notes with a quiz.",
    form,
    h("p", {}, h("a", { href: "#/forgot" }, "Forgot your password?")),
    h("p", {}, "New here? ", h("a", { href: "#/signup" }, "Create an account"), "."),
  );
}

export function renderSignUp(container, context) {
  const email = emailInput();
  const password = passwordInput("new-password");
  const fields = [field("E-mail", email), field("Password", password, PASSWORD_HINT)];
  const form = accountForm("Create account", "Creating your account…", fields, async () => {
    const address = email.value.trim();
    let result;
    try {
      result = await signUp(address, password.value);
    } catch (error) {
      if (error.code === "UsernameExistsException") error.actions = [h("a", { href: "#/signin" }, "Go to sign in")];
      throw error;
    }
    if (!result.confirmed) {
      showConfirm(container, context, address, password.value, `We sent a code to ${result.destination || address}.`);
      return;
    }
    await signIn(address, password.value);
    enter(context);
  });
  accountScreen(
    container,
    "Create an account",
    freeOffer(),
    form,
    h("p", {}, "Already have an account? ", h("a", { href: "#/signin" }, "Sign in")),
  );
}

/** The code step of sign-up: Cognito e-mails a code that confirms the address. */
function showConfirm(container, context, address, password, intro) {
  const code = codeInput();
  const form = accountForm("Confirm and sign in", "Confirming…", [field("Confirmation code", code, "The 6-digit code from the e-mail.")], async () => {
    await confirmSignUp(address, code.value.trim());
    await signIn(address, password);
    enter(context);
  });
  const resend = h("button", { type: "button", className: "link-button" }, "Send a new code");
  resend.addEventListener("click", async () => {
    const messages = messageArea();
    resend.after(messages.element);
    try {
      await resendCode(address);
      messages.info(`We sent a new code to ${address}.`);
    } catch (error) {
      messages.error(error.message);
    }
  });
  accountScreen(container, "Confirm your e-mail", intro, form, h("div", { className: "resend" }, resend));
  focusHeading(container);
}

export function renderForgot(container, context) {
  const email = emailInput(context.query.get("email") || "");
  const form = accountForm("Send me a reset code", "Sending…", [field("E-mail", email)], async () => {
    const address = email.value.trim();
    const destination = await forgotPassword(address);
    showReset(container, context, address, destination);
  });
  accountScreen(
    container,
    "Reset your password",
    "We will e-mail you a code to choose a new password.",
    form,
    h("p", {}, h("a", { href: "#/signin" }, "Back to sign in")),
  );
}

function showReset(container, context, address, destination) {
  const code = codeInput();
  const password = passwordInput("new-password");
  const fields = [field("Reset code", code, "The code from the e-mail."), field("New password", password, PASSWORD_HINT)];
  const form = accountForm("Set new password and sign in", "Saving…", fields, async () => {
    await confirmForgotPassword(address, code.value.trim(), password.value);
    await signIn(address, password.value);
    enter(context);
  });
  accountScreen(
    container,
    "Choose a new password",
    `If an account exists for ${address}, we sent a code to ${destination || "it"}.`,
    form,
    h("p", {}, h("a", { href: "#/signin" }, "Back to sign in")),
  );
  focusHeading(container);
}
