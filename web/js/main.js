// Start-up and hash routing: load /config.json, restore the session, then show the screen the
// address names. Each screen is a function that renders into <main> and returns; the AbortSignal it
// gets ends its timers and polling when the student moves on.

import { getCredits } from "./api.js";
import { restoreSession, signOut } from "./auth.js";
import { loadConfig } from "./config.js";
import { focusHeading, h, show } from "./dom.js";
import { renderCredits } from "./screens/credits.js";
import { renderForgot, renderSignIn, renderSignUp } from "./screens/account.js";
import { renderLibrary } from "./screens/library.js";
import { renderNote } from "./screens/note.js";
import { renderVideo } from "./screens/video.js";
import { state, subscribe } from "./state.js";

const ROUTES = [
  { pattern: /^\/signin$/, render: renderSignIn, title: "Sign in", open: true },
  { pattern: /^\/signup$/, render: renderSignUp, title: "Create an account", open: true },
  { pattern: /^\/forgot$/, render: renderForgot, title: "Reset your password", open: true },
  { pattern: /^\/library$/, render: renderLibrary, title: "Your library" },
  { pattern: /^\/videos\/([\w-]{1,100})$/, render: renderVideo, title: "Video" },
  { pattern: /^\/notes\/([\w-]{1,100})$/, render: renderNote, title: "Notes" },
  { pattern: /^\/credits$/, render: renderCredits, title: "Credits" },
];

const main = document.getElementById("main");
let current = null; // the AbortController of the screen on show
let afterSignIn = "#/library";

/** "#/library?status=failed" -> { path: "/library", query: URLSearchParams } */
function parseHash() {
  const raw = location.hash.replace(/^#/, "") || "/";
  const [path, search = ""] = raw.split("?");
  return { path, query: new URLSearchParams(search) };
}

export function navigate(hash) {
  if (location.hash === hash) route();
  else location.hash = hash;
}

function route() {
  current?.abort();
  current = new AbortController();
  const { path, query } = parseHash();
  const found = ROUTES.map((r) => ({ r, match: r.pattern.exec(path) })).find(({ match }) => match);
  if (!found) {
    navigate(state.session ? "#/library" : "#/signin");
    return;
  }
  const { r, match } = found;
  if (!r.open && !state.session) {
    afterSignIn = location.hash;
    navigate("#/signin");
    return;
  }
  if (r.open && state.session) {
    navigate("#/library");
    return;
  }
  document.title = `${r.title} · Study Buddy`;
  markCurrentLink(path);
  main.replaceChildren();
  const context = {
    params: match.slice(1),
    query,
    signal: current.signal,
    navigate,
    afterSignIn: () => navigate(afterSignIn),
  };
  Promise.resolve(r.render(main, context))
    .catch((error) => showFailure(error))
    .finally(() => {
      if (!current.signal.aborted) focusHeading(main);
    });
}

function markCurrentLink(path) {
  for (const link of document.querySelectorAll("#nav a[data-route]")) {
    if (path.startsWith(`/${link.dataset.route}`)) link.setAttribute("aria-current", "page");
    else link.removeAttribute("aria-current");
  }
}

function showFailure(error) {
  show(
    main,
    h("h1", {}, "Something went wrong"),
    h("div", { className: "notice error", attrs: { role: "alert" } }, h("p", {}, error.message || String(error))),
    h("p", {}, h("a", { href: "#/library" }, "Back to your library")),
  );
}

function renderHeader() {
  const nav = document.getElementById("nav");
  nav.hidden = !state.session;
  const badge = document.getElementById("nav-credits");
  badge.textContent = state.credits === null || state.credits === undefined ? "" : String(state.credits);
  badge.setAttribute("aria-label", state.credits === null ? "" : `${state.credits} credits`);
}

async function start() {
  try {
    state.config = await loadConfig();
  } catch (error) {
    show(
      main,
      h("h1", {}, "Study Buddy cannot start"),
      h("div", { className: "notice error", attrs: { role: "alert" } }, h("p", {}, `The page's settings could not be loaded (${error.message}). Reload the page in a moment.`)),
    );
    return;
  }
  subscribe(renderHeader);
  document.getElementById("sign-out").addEventListener("click", async () => {
    await signOut();
    navigate("#/signin");
  });
  // Another tab signed out: follow it.
  window.addEventListener("storage", (event) => {
    if (event.key === "ytsb.session" && !event.newValue && state.session) {
      signOut().then(() => navigate("#/signin"));
    }
  });
  await restoreSession();
  renderHeader();
  if (state.session) getCredits().catch(() => {});
  window.addEventListener("hashchange", route);
  route();
}

start();
