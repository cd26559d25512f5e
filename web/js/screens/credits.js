// Credits: the balance, the ledger, and buying a package with a card (Stripe.js). Only a
// PaymentIntent whose status is "succeeded" counts as paid; the credits come from Stripe's webhook,
// so the page then waits for the balance to show them.

import { getCredits, purchase } from "../api.js";
import { announce, busy, formatDate, h, messageArea, show } from "../dom.js";
import { showError } from "../errors.js";
import { isTestMode, loadStripe, price } from "../payments.js";

const WAIT_FOR_CREDITS_MS = 60_000;
const TYPE_LABELS = { grant: "Free credits", purchase: "Purchase", spend: "Video", refund: "Refund", clawback: "Payment refunded or disputed" };

function creditsText(n) {
  return `${n} credit${Math.abs(n) === 1 ? "" : "s"}`;
}

function history(transactions) {
  if (!transactions.length) return h("p", {}, "No activity yet.");
  return h(
    "table",
    { className: "ledger" },
    h("caption", {}, "Recent activity"),
    h("thead", {}, h("tr", {}, h("th", { scope: "col" }, "Date"), h("th", { scope: "col" }, "What"), h("th", { scope: "col", className: "num" }, "Credits"))),
    h(
      "tbody",
      {},
      transactions.map((t) =>
        h(
          "tr",
          {},
          h("td", {}, h("time", { dateTime: t.created_at }, formatDate(t.created_at))),
          h("td", {}, t.description || TYPE_LABELS[t.type] || t.type),
          h("td", { className: `num ${t.amount < 0 ? "minus" : "plus"}` }, t.amount > 0 ? `+${t.amount}` : String(t.amount)),
        ),
      ),
    ),
  );
}

/** The balance once the webhook has booked `paymentIntentId` (its ledger entry names it), or null. */
async function waitForCredits(paymentIntentId, signal) {
  const started = Date.now();
  while (Date.now() - started < WAIT_FOR_CREDITS_MS && !signal.aborted) {
    const data = await getCredits().catch(() => null);
    if (data?.transactions?.some((t) => t.type === "purchase" && t.reference === paymentIntentId)) return data;
    await new Promise((resolve) => setTimeout(resolve, 1000));
  }
  return null;
}

export async function renderCredits(container, { signal }) {
  const messages = messageArea();
  const balance = h("p", { className: "balance", attrs: { "aria-live": "polite" } }, "…");
  const ledger = h("section", { className: "card", attrs: { "aria-labelledby": "history-heading" } }, h("h2", { id: "history-heading" }, "History"));
  const buy = h("section", { className: "card", attrs: { "aria-labelledby": "buy-heading" } }, h("h2", { id: "buy-heading" }, "Buy credits"));
  show(container, h("h1", {}, "Credits"), messages.element, balance, buy, ledger);

  let data;
  try {
    data = await getCredits();
  } catch (error) {
    showError(messages, error, () => renderCredits(container, { signal }));
    balance.textContent = "";
    return;
  }
  if (signal.aborted) return;
  const refresh = (fresh) => {
    balance.textContent = `You have ${creditsText(fresh.credits)}.`;
    show(ledger, h("h2", { id: "history-heading" }, "History"), history(fresh.transactions || []));
  };
  refresh(data);
  buy.append(buyForm(data.packages || [], { signal, refresh }));
}

function buyForm(packages, { signal, refresh }) {
  const messages = messageArea();
  const cardMount = h("div", { className: "card-element", id: "card-element" });
  const pay = h("button", { type: "submit", className: "primary", disabled: true }, "Pay");
  const choices = packages.map((p, index) =>
    h(
      "label",
      { className: "package" },
      h("input", { type: "radio", name: "package", value: p.package, checked: index === 0 }),
      h("span", { className: "package-credits" }, creditsText(p.credits)),
      h("span", { className: "package-price" }, price(p.amount, p.currency)),
    ),
  );
  const form = h(
    "form",
    { className: "buy-form" },
    h("fieldset", { className: "packages" }, h("legend", {}, "Choose a package"), choices),
    h("div", { className: "field" }, h("span", { className: "label", id: "card-label" }, "Card"), cardMount),
    isTestMode() ? h("p", { className: "hint" }, "Test mode: pay with 4242 4242 4242 4242, any future date and any CVC. 4000 0000 0000 0341 is declined; 4000 0027 6000 3184 asks for 3-D Secure.") : null,
    messages.element,
    pay,
  );
  const selected = () => packages.find((p) => p.package === form.elements.package.value) || packages[0];
  const label = () => {
    const p = selected();
    pay.textContent = p ? `Pay ${price(p.amount, p.currency)} for ${creditsText(p.credits)}` : "Pay";
  };
  form.addEventListener("change", label);
  label();

  let stripe = null;
  let card = null;
  loadStripe()
    .then((instance) => {
      if (signal.aborted) return;
      stripe = instance;
      card = stripe.elements().create("card");
      card.mount(cardMount);
      pay.disabled = !packages.length;
      signal.addEventListener("abort", () => card.destroy(), { once: true });
    })
    .catch(() => {
      messages.error("Payments are unavailable right now: the card form could not be loaded. Please try again later.");
    });

  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    if (!stripe || !card) return;
    messages.clear();
    const chosen = selected();
    await busy(form, "Paying…", async () => {
      let intent;
      try {
        intent = await purchase(chosen.package);
      } catch (error) {
        showError(messages, error, () => form.requestSubmit());
        return;
      }
      const result = await stripe.confirmCardPayment(intent.client_secret, { payment_method: { card } });
      if (result.error) {
        messages.error(`${result.error.message || "The payment did not go through."} Nothing was charged.`);
        return;
      }
      if (result.paymentIntent?.status !== "succeeded") {
        messages.info("Your payment is still being processed. Your credits will appear here when it completes.");
        return;
      }
      messages.info(`Payment received. Adding ${creditsText(intent.credits)}…`);
      announce("Payment received.");
      const fresh = await waitForCredits(intent.payment_intent_id, signal);
      if (signal.aborted) return;
      if (fresh) {
        refresh(fresh);
        messages.success(`${creditsText(intent.credits)} added. You now have ${creditsText(fresh.credits)}.`);
        card.clear?.();
      } else {
        messages.info("Your payment went through. The credits can take a minute to appear; reload this page in a moment.");
      }
    });
  });
  return form;
}
