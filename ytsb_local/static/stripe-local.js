// The local stack's stand-in for Stripe.js (served at /local/stripe.js; never part of web/).
//
// localstripe's own Stripe.js cannot confirm a card payment with a payment method, so this script
// offers the part of Stripe.js the page uses -- Stripe(key), elements().create("card") and
// confirmCardPayment(clientSecret, {payment_method: {card}}) -- with the same shapes, and sends the
// card to the local stack (POST /local/stripe/confirm), which pays at localstripe with the dev key.
// When the card asks for 3-D Secure it shows a test dialog, like Stripe's test page, and reports the
// choice (POST /local/stripe/authenticate). Test cards: 4242 4242 4242 4242 succeeds,
// 4000 0000 0000 0341 is declined, 4000 0027 6000 3184 asks for 3-D Secure.
//
// The card form is plain labelled inputs styled by the page's CSS through classes (the page's
// Content-Security-Policy allows no inline styles): .local-card, .local-card .field, and the
// dialog .local-3ds.
(function () {
  "use strict";

  let counter = 0;

  class IntegrationError extends Error {
    constructor(message) {
      super(message);
      this.name = "IntegrationError";
    }
  }

  const digits = (value) => String(value || "").replace(/\D/g, "");

  function luhn(number) {
    let sum = 0;
    [...number].reverse().forEach((c, i) => {
      let d = Number(c);
      if (i % 2 === 1) {
        d *= 2;
        if (d > 9) d -= 9;
      }
      sum += d;
    });
    return sum % 10 === 0;
  }

  function validationError(code, message) {
    return { type: "validation_error", code, message };
  }

  // What each field holds and, when it is not a usable value, Stripe's validation error for it.
  function readCard(inputs, now = new Date()) {
    const number = digits(inputs.number.value);
    const expiry = digits(inputs.expiry.value);
    const cvc = digits(inputs.cvc.value);
    const month = Number(expiry.slice(0, 2));
    const year = expiry.length === 6 ? Number(expiry.slice(2)) : 2000 + Number(expiry.slice(2, 4));
    const errors = {};
    if (number.length < 16) errors.number = validationError("incomplete_number", "Your card number is incomplete.");
    else if (!luhn(number)) errors.number = validationError("invalid_number", "Your card number is invalid.");
    if (expiry.length < 4) {
      errors.expiry = validationError("incomplete_expiry", "Your card's expiration date is incomplete.");
    } else if (month < 1 || month > 12) {
      errors.expiry = validationError("invalid_expiry_month", "Your card's expiration date is invalid.");
    } else if (year < now.getFullYear()) {
      errors.expiry = validationError("invalid_expiry_year_past", "Your card's expiration year is in the past.");
    } else if (year === now.getFullYear() && month < now.getMonth() + 1) {
      errors.expiry = validationError("invalid_expiry_month_past", "Your card's expiration date is in the past.");
    }
    if (cvc.length < 3) errors.cvc = validationError("incomplete_cvc", "Your card's security code is incomplete.");
    return { card: { number, exp_month: month, exp_year: year, cvc }, errors };
  }

  function formatNumber(value) {
    return digits(value).slice(0, 16).replace(/(\d{4})(?=\d)/g, "$1 ");
  }

  function formatExpiry(value, deleting) {
    const d = digits(value).slice(0, 4);
    if (d.length < 2) return d;
    return d.length === 2 && deleting ? d : `${d.slice(0, 2)} / ${d.slice(2)}`;
  }

  class CardElement {
    constructor() {
      const id = `local-card-${++counter}`;
      this.handlers = { change: [], ready: [], focus: [], blur: [] };
      this.touched = new Set();
      this.node = document.createElement("div");
      this.node.className = "local-card";
      this.node.setAttribute("role", "group");
      this.node.setAttribute("aria-label", "Card details");
      this.inputs = {
        number: this.field(`${id}-number`, "Card number", "cc-number", "1234 1234 1234 1234", 19),
        expiry: this.field(`${id}-expiry`, "Expiry (MM / YY)", "cc-exp", "MM / YY", 7),
        cvc: this.field(`${id}-cvc`, "CVC", "cc-csc", "123", 3),
      };
      this.inputs.number.addEventListener("input", () => {
        this.inputs.number.value = formatNumber(this.inputs.number.value);
      });
      this.inputs.expiry.addEventListener("input", (event) => {
        const deleting = String(event.inputType || "").startsWith("delete");
        this.inputs.expiry.value = formatExpiry(this.inputs.expiry.value, deleting);
      });
      this.inputs.cvc.addEventListener("input", () => {
        this.inputs.cvc.value = digits(this.inputs.cvc.value).slice(0, 3);
      });
      for (const [name, input] of Object.entries(this.inputs)) {
        input.addEventListener("input", () => this.changed());
        input.addEventListener("focus", () => this.emit("focus", { elementType: "card" }));
        input.addEventListener("blur", () => {
          if (input.value) this.touched.add(name);
          this.changed();
          this.emit("blur", { elementType: "card" });
        });
      }
      this.parent = null;
      this.destroyed = false;
    }

    field(id, text, autocomplete, placeholder, maxLength) {
      const wrapper = document.createElement("div");
      wrapper.className = "field";
      const label = document.createElement("label");
      label.htmlFor = id;
      label.textContent = text;
      const input = document.createElement("input");
      Object.assign(input, { id, type: "text", placeholder, maxLength, spellcheck: false });
      input.setAttribute("inputmode", "numeric");
      input.setAttribute("autocomplete", autocomplete);
      wrapper.append(label, input);
      this.node.append(wrapper);
      return input;
    }

    // A change event like Stripe's: an error only for a field the student has left, or one that typing
    // on cannot fix (an invalid number, a date in the past).
    changed() {
      const { errors } = readCard(this.inputs);
      const visible = Object.entries(errors).filter(
        ([name, error]) => this.touched.has(name) || !error.code.startsWith("incomplete_"),
      );
      for (const [name, input] of Object.entries(this.inputs)) {
        const shown = visible.some(([field]) => field === name);
        if (shown) input.setAttribute("aria-invalid", "true");
        else input.removeAttribute("aria-invalid");
      }
      const empty = Object.values(this.inputs).every((input) => !input.value);
      const event = { elementType: "card", empty, complete: Object.keys(errors).length === 0, brand: "visa", value: {} };
      if (visible.length) event.error = visible[0][1];
      this.emit("change", event);
    }

    emit(name, event) {
      for (const handler of this.handlers[name] || []) handler(event);
    }

    on(name, handler) {
      (this.handlers[name] ||= []).push(handler);
      return this;
    }

    off(name, handler) {
      this.handlers[name] = (this.handlers[name] || []).filter((h) => h !== handler);
      return this;
    }

    mount(target) {
      if (this.destroyed) throw new IntegrationError("This Element has been destroyed.");
      const parent = typeof target === "string" ? document.querySelector(target) : target;
      if (!(parent instanceof Element)) throw new IntegrationError("The selector you specified does not match an element.");
      parent.append(this.node);
      this.parent = parent;
      setTimeout(() => this.emit("ready", { elementType: "card" }), 0);
    }

    unmount() {
      this.node.remove();
      this.parent = null;
    }

    destroy() {
      this.unmount();
      this.destroyed = true;
    }

    focus() {
      this.inputs.number.focus();
    }

    blur() {
      for (const input of Object.values(this.inputs)) input.blur();
    }

    clear() {
      for (const input of Object.values(this.inputs)) input.value = "";
      this.touched.clear();
      this.changed();
    }

    update() {}
  }

  async function post(path, body) {
    let response;
    try {
      response = await fetch(path, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
        credentials: "same-origin",
      });
    } catch {
      return { error: { type: "api_connection_error", message: "We could not reach Stripe. Check your connection." } };
    }
    const data = await response.json().catch(() => ({}));
    if (response.ok) return { paymentIntent: data.paymentIntent };
    return { error: { type: "api_error", ...(data.details || {}), message: data.error || "The payment failed." } };
  }

  // The bank's 3-D Secure step, for test cards: true when the student completes it.
  function authenticate(paymentIntent) {
    return new Promise((resolve) => {
      const dialog = document.createElement("dialog");
      dialog.className = "local-3ds";
      const title = document.createElement("h2");
      title.id = `local-3ds-title-${++counter}`;
      title.textContent = "3-D Secure test authentication";
      dialog.setAttribute("aria-labelledby", title.id);
      const text = document.createElement("p");
      const amount = new Intl.NumberFormat(undefined, {
        style: "currency",
        currency: String(paymentIntent.currency || "usd").toUpperCase(),
      }).format((paymentIntent.amount || 0) / 100);
      text.textContent = `Your bank asks you to confirm this payment of ${amount}. This is a test: choose how the authentication ends.`;
      const complete = document.createElement("button");
      complete.type = "button";
      complete.className = "primary";
      complete.textContent = "Complete authentication";
      const fail = document.createElement("button");
      fail.type = "button";
      fail.textContent = "Fail authentication";
      const actions = document.createElement("div");
      actions.className = "actions";
      actions.append(complete, fail);
      dialog.append(title, text, actions);
      let settled = false;
      const finish = (success) => {
        if (settled) return;
        settled = true;
        if (dialog.open) dialog.close();
        dialog.remove();
        resolve(success);
      };
      complete.addEventListener("click", () => finish(true));
      fail.addEventListener("click", () => finish(false));
      dialog.addEventListener("cancel", (event) => {
        event.preventDefault();
        finish(false); // closing the bank's page fails the authentication, as with Stripe
      });
      document.body.append(dialog);
      dialog.showModal();
      complete.focus();
    });
  }

  function Stripe(publishableKey) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey);
    if (typeof publishableKey !== "string" || !publishableKey.startsWith("pk_")) {
      throw new IntegrationError("Invalid value for Stripe(): apiKey should be a publishable key (pk_...).");
    }
    this.publishableKey = publishableKey;
  }

  Stripe.prototype.elements = function elements() {
    const created = {};
    return {
      create(type) {
        if (type !== "card") throw new IntegrationError(`The local Stripe.js offers only the "card" Element, not "${type}".`);
        if (created.card && !created.card.destroyed) throw new IntegrationError("Can only create one Element of type card.");
        created.card = new CardElement();
        return created.card;
      },
      getElement(type) {
        return created[type] && !created[type].destroyed ? created[type] : null;
      },
    };
  };

  Stripe.prototype.confirmCardPayment = async function confirmCardPayment(clientSecret, data = {}) {
    const element = data.payment_method && data.payment_method.card;
    if (!(element instanceof CardElement) || !element.parent) {
      throw new IntegrationError("confirmCardPayment needs {payment_method: {card}} with a mounted card Element.");
    }
    const { card, errors } = readCard(element.inputs);
    const first = Object.keys(errors)[0];
    if (first) {
      element.touched.add(first);
      element.changed();
      return { error: errors[first] };
    }
    const result = await post("/local/stripe/confirm", { client_secret: clientSecret, card });
    if (!result.paymentIntent || result.paymentIntent.status !== "requires_action") return result;
    const success = await authenticate(result.paymentIntent);
    return post("/local/stripe/authenticate", { client_secret: clientSecret, success });
  };

  window.Stripe = Stripe;
})();
