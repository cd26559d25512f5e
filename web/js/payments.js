// Stripe.js, loaded only when the credits screen needs it, from the address config.json names.
// The page knows Stripe.js's public API only (Stripe(), elements().create("card"), confirmCardPayment).

import { state } from "./state.js";

let loading = null;

export function loadStripe() {
  if (!loading) {
    loading = new Promise((resolve, reject) => {
      if (window.Stripe) {
        resolve(window.Stripe(state.config.stripePublishableKey));
        return;
      }
      const script = document.createElement("script");
      script.src = state.config.stripeJsUrl;
      script.async = true;
      script.onload = () =>
        window.Stripe ? resolve(window.Stripe(state.config.stripePublishableKey)) : reject(new Error("Stripe.js did not start"));
      script.onerror = () => reject(new Error("Stripe.js could not be loaded"));
      document.head.append(script);
    }).catch((error) => {
      loading = null; // let a later visit try again
      throw error;
    });
  }
  return loading;
}

/** Test mode is a property of the key; the page then shows Stripe's test cards. */
export function isTestMode() {
  return String(state.config.stripePublishableKey || "").startsWith("pk_test_");
}

export function price(amount, currency) {
  return new Intl.NumberFormat(undefined, { style: "currency", currency: currency.toUpperCase() }).format(amount / 100);
}
