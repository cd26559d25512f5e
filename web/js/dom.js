// Building the page safely: every string goes in as text (textContent), never as HTML.
// The one exception is the note, whose HTML the server has rendered and sanitised (screens/note.js).

/**
 * Create an element. `props` sets properties (className, type, href, hidden, ...), `on*` functions
 * become listeners, `attrs` sets attributes (aria-*, data-*, for); children are nodes or strings.
 */
export function h(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "attrs") {
      for (const [name, attr] of Object.entries(value)) {
        if (attr !== undefined && attr !== null && attr !== false) element.setAttribute(name, String(attr));
      }
    } else if (key.startsWith("on") && typeof value === "function") {
      element.addEventListener(key.slice(2).toLowerCase(), value);
    } else {
      element[key] = value;
    }
  }
  append(element, children);
  return element;
}

function append(parent, children) {
  for (const child of children.flat()) {
    if (child === undefined || child === null || child === false) continue;
    parent.append(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

/** Replace what `container` shows with `children`. */
export function show(container, ...children) {
  container.replaceChildren();
  append(container, children);
}

/** Say `message` to screen-reader users without moving their focus. */
export function announce(message) {
  const region = document.getElementById("announcer");
  if (!region) return;
  region.textContent = "";
  // A fresh text node after a tick is read out even when the message repeats.
  setTimeout(() => {
    region.textContent = message;
  }, 50);
}

/** A region that announces errors (assertive) and status (polite) for one form or screen. */
export function messageArea() {
  const area = h("div", { className: "message-area", attrs: { "aria-live": "assertive" } });
  return {
    element: area,
    clear() {
      area.replaceChildren();
    },
    error(message, ...actions) {
      show(area, h("div", { className: "notice error", attrs: { role: "alert" } }, h("p", {}, message), ...actions));
    },
    info(message, ...actions) {
      show(area, h("div", { className: "notice info" }, h("p", {}, message), ...actions));
    },
    success(message, ...actions) {
      show(area, h("div", { className: "notice success" }, h("p", {}, message), ...actions));
    },
  };
}

/** A labelled form field: the label is visible and tied to its input. */
export function field(label, input, hint) {
  const id = input.id || `field-${Math.random().toString(36).slice(2, 9)}`;
  input.id = id;
  const hintNode = hint ? h("p", { className: "hint", id: `${id}-hint` }, hint) : null;
  if (hintNode) input.setAttribute("aria-describedby", hintNode.id);
  return h("div", { className: "field" }, h("label", { htmlFor: id }, label), hintNode, input);
}

/** Disable a form's controls while `work` runs, and say so on its submit button. */
export async function busy(form, busyLabel, work) {
  const button = form.querySelector("button[type=submit]");
  const label = button ? button.textContent : "";
  const controls = [...form.elements];
  const wasDisabled = controls.map((control) => control.disabled);
  controls.forEach((control) => {
    control.disabled = true;
  });
  form.setAttribute("aria-busy", "true");
  if (button) button.textContent = busyLabel;
  try {
    return await work();
  } finally {
    controls.forEach((control, index) => {
      control.disabled = wasDisabled[index];
    });
    form.removeAttribute("aria-busy");
    if (button) button.textContent = label;
  }
}

/** Focus a screen's heading, so keyboard and screen-reader users start at the top of the new screen. */
export function focusHeading(container) {
  const heading = container.querySelector("h1");
  if (heading) {
    heading.tabIndex = -1;
    heading.focus({ preventScroll: false });
  }
}

/** Dates as the reader's locale writes them. */
export function formatDate(iso) {
  const date = new Date(iso);
  if (Number.isNaN(date.getTime())) return "";
  return date.toLocaleString(undefined, { dateStyle: "medium", timeStyle: "short" });
}

/** A modal confirmation with a real <dialog>: resolves true when the person confirms. */
export function confirmDialog({ title, message, confirmLabel, cancelLabel = "Cancel", danger = false }) {
  return new Promise((resolve) => {
    const dialog = h(
      "dialog",
      { className: "confirm-dialog", attrs: { "aria-labelledby": "confirm-title" } },
      h(
        "form",
        { method: "dialog" },
        h("h2", { id: "confirm-title" }, title),
        h("p", {}, message),
        h(
          "div",
          { className: "actions" },
          h("button", { type: "submit", value: "cancel", className: "secondary" }, cancelLabel),
          h("button", { type: "submit", value: "confirm", className: danger ? "danger" : "primary" }, confirmLabel),
        ),
      ),
    );
    dialog.addEventListener("close", () => {
      dialog.remove();
      resolve(dialog.returnValue === "confirm");
    });
    document.body.append(dialog);
    dialog.showModal();
  });
}
