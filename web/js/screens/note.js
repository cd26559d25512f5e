// The note: the server's sanitised HTML beside the embedded video. Timestamp links move the player,
// the quiz's model answers open on demand (<details>), Download gives the markdown, Print a clean copy.

import { getNoteHtml, getNoteMarkdown } from "../api.js";
import { announce, h, messageArea, show } from "../dom.js";
import { showError } from "../errors.js";

const PLAYER_ORIGIN = "https://www.youtube-nocookie.com";

/** Seconds of a YouTube link to `youtubeId` that names a moment ("?t=754", "&t=12m34s"), else null. */
export function momentOf(href, youtubeId) {
  let url;
  try {
    url = new URL(href);
  } catch {
    return null;
  }
  const host = url.hostname.replace(/^(www|m)\./, "");
  const id = host === "youtu.be" ? url.pathname.slice(1) : host === "youtube.com" ? url.searchParams.get("v") : null;
  const t = url.searchParams.get("t") || url.searchParams.get("start");
  if (id !== youtubeId || !t) return null;
  const match = /^(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s?)?$/.exec(t);
  if (!match || !match[0]) return null;
  const [, hours = 0, minutes = 0, seconds = 0] = match;
  return Number(hours) * 3600 + Number(minutes) * 60 + Number(seconds);
}

function slug(title) {
  const text = title.normalize("NFKD").replace(/[^\w\s-]/g, "").trim().toLowerCase().replace(/[\s_-]+/g, "-");
  return text.slice(0, 80).replace(/-+$/, "") || "note";
}

function player(youtubeId, title) {
  const params = new URLSearchParams({ enablejsapi: "1", rel: "0", origin: location.origin });
  return h("iframe", {
    className: "player",
    id: "player",
    title: `Video player: ${title}`,
    src: `${PLAYER_ORIGIN}/embed/${encodeURIComponent(youtubeId)}?${params}`,
    allowFullscreen: true,
    referrerPolicy: "strict-origin-when-cross-origin",
    attrs: { allow: "encrypted-media; picture-in-picture; fullscreen" },
  });
}

/** Ask the embedded player (YouTube's iframe API over postMessage) to jump to `seconds` and play. */
function seek(frame, seconds) {
  const send = (func, args) =>
    frame.contentWindow?.postMessage(JSON.stringify({ event: "command", func, args }), PLAYER_ORIGIN);
  send("seekTo", [seconds, true]);
  send("playVideo", []);
}

function clock(seconds) {
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = String(seconds % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${s}` : `${m}:${s}`;
}

export async function renderNote(container, { params: [noteId], signal }) {
  const messages = messageArea();
  show(container, h("p", { className: "back" }, h("a", { href: "#/library" }, "← Library")), h("h1", {}, "Notes"), messages.element);
  let note;
  try {
    note = await getNoteHtml(noteId);
  } catch (error) {
    showError(messages, error, () => renderNote(container, { params: [noteId], signal }));
    return;
  }
  if (signal.aborted) return;
  const title = note.title || "Notes";
  container.querySelector("h1").textContent = title;
  document.title = `${title} · Study Buddy`;

  const article = h("article", { className: "note-body", attrs: { "aria-label": "Notes" } });
  // The one place the page inserts HTML: the server rendered it from markdown and sanitised it with
  // an allow-list (no script, no event attributes, links only http(s) or in-page, no images).
  if (note.html === undefined && note.content_url) {
    // Too large to send inline (over Lambda's 6 MB): only the download is offered.
    article.append(h("p", {}, "This note is too large to show here. ", h("a", { href: note.content_url }, "Download it as markdown"), "."));
  } else {
    article.innerHTML = note.html;
  }
  article.querySelector("h1")?.remove(); // the page's own heading already says the title

  const frame = player(note.youtube_video_id, title);
  for (const link of article.querySelectorAll("a[href]")) {
    const seconds = momentOf(link.href, note.youtube_video_id);
    if (seconds !== null) {
      link.classList.add("moment");
      link.setAttribute("aria-label", `Play the video from ${clock(seconds)}`);
      link.addEventListener("click", (event) => {
        if (event.ctrlKey || event.metaKey || event.shiftKey) return; // a new tab on YouTube, if asked for
        event.preventDefault();
        seek(frame, seconds);
        if (window.matchMedia("(max-width: 900px)").matches) frame.scrollIntoView({ behavior: "smooth", block: "start" });
        announce(`Playing from ${clock(seconds)}`);
      });
    } else if (link.getAttribute("href").startsWith("#")) {
      // An in-page link of the note (#note-…): scroll to it; the address keeps naming this screen.
      link.addEventListener("click", (event) => {
        const target = article.querySelector(`[id="${CSS.escape(link.getAttribute("href").slice(1))}"]`);
        if (!target) return;
        event.preventDefault();
        target.scrollIntoView({ behavior: "smooth", block: "start" });
      });
    } else {
      link.target = "_blank";
      link.rel = "noopener noreferrer";
    }
  }

  const answers = [...article.querySelectorAll("details.answer")];
  const toggle = h("button", { type: "button", className: "secondary", hidden: !answers.length, attrs: { "aria-pressed": "false" } }, "Show all answers");
  toggle.addEventListener("click", () => {
    const open = toggle.getAttribute("aria-pressed") !== "true";
    answers.forEach((details) => {
      details.open = open;
    });
    toggle.setAttribute("aria-pressed", String(open));
    toggle.textContent = open ? "Hide all answers" : "Show all answers";
  });

  const downloadMessages = messageArea();
  const download = h("button", { type: "button", className: "secondary" }, "Download .md");
  download.addEventListener("click", async () => {
    download.disabled = true;
    try {
      const full = await getNoteMarkdown(noteId);
      if (full.content === undefined && full.content_url) {
        // A note too large to answer inline: a short-lived S3 link that S3 serves as an attachment.
        // A navigation, not a fetch, so the CSP's connect-src (self and Cognito only) does not apply.
        const anchor = h("a", { href: full.content_url, hidden: true });
        document.body.append(anchor);
        anchor.click();
        anchor.remove();
        return;
      }
      const url = URL.createObjectURL(new Blob([full.content], { type: "text/markdown;charset=utf-8" }));
      const anchor = h("a", { href: url, download: `${slug(title)}.md`, hidden: true });
      document.body.append(anchor);
      anchor.click();
      anchor.remove();
      setTimeout(() => URL.revokeObjectURL(url), 10_000);
    } catch (error) {
      showError(downloadMessages, error);
    } finally {
      download.disabled = false;
    }
  });
  const print = h("button", { type: "button", className: "secondary", onClick: () => window.print() }, "Print");

  // A printed copy shows the answers (at the end of each question), and the screen goes back after.
  const opened = [];
  const beforePrint = () => answers.filter((d) => !d.open).forEach((d) => opened.push(d) && (d.open = true));
  const afterPrint = () => opened.splice(0).forEach((d) => (d.open = false));
  window.addEventListener("beforeprint", beforePrint);
  window.addEventListener("afterprint", afterPrint);
  signal.addEventListener("abort", () => {
    window.removeEventListener("beforeprint", beforePrint);
    window.removeEventListener("afterprint", afterPrint);
  });

  container.append(
    h("div", { className: "toolbar", attrs: { role: "group", "aria-label": "Note actions" } }, download, print, toggle, h("a", { href: `#/videos/${note.video_id}`, className: "subtle" }, "Video details")),
    downloadMessages.element,
    h("div", { className: "note-layout" }, h("div", { className: "player-column" }, h("div", { className: "player-frame" }, frame)), article),
  );
}
