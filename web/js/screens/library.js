// The library: the student's videos, newest first, with a status filter, paging and live statuses.

import { getCredits, listVideos } from "../api.js";
import { formatDate, h, messageArea, show } from "../dom.js";
import { showError } from "../errors.js";
import { submitForm } from "./submit.js";

const PAGE_SIZE = 10;
const REFRESH_MS = 3000;
const FILTERS = [
  ["", "All videos"],
  ["queued", "Queued"],
  ["processing", "Processing"],
  ["completed", "Completed"],
  ["failed", "Failed"],
];
export const STATUS_LABELS = { queued: "Queued", processing: "Processing", completed: "Ready", failed: "Failed" };

// The keys of the pages before this one, per filter, so "Newer" can go back (last_key is opaque).
const earlierPages = new Map();

export function statusBadge(status) {
  return h("span", { className: `status status-${status}` }, STATUS_LABELS[status] || status);
}

function videoItem(video) {
  const title = video.title || `YouTube video ${video.youtube_video_id}`;
  const target = video.status === "completed" && video.note_id ? `#/notes/${video.note_id}` : `#/videos/${video.video_id}`;
  const busy = video.status === "queued" || video.status === "processing";
  return h(
    "li",
    { className: "video-item" },
    h("a", { href: target, className: "video-title" }, title),
    h(
      "div",
      { className: "video-meta" },
      statusBadge(video.status),
      busy ? h("progress", { max: 100, value: video.progress || 0, attrs: { "aria-label": `${title}: ${video.progress || 0}%` } }) : null,
      h("time", { dateTime: video.created_at }, formatDate(video.created_at)),
      video.status === "completed" ? h("a", { href: `#/videos/${video.video_id}`, className: "subtle" }, "Details") : null,
    ),
  );
}

export async function renderLibrary(container, { query, signal, navigate }) {
  const status = query.get("status") || "";
  const after = query.get("after") || "";
  const messages = messageArea();
  const list = h("div", { className: "video-list", attrs: { "aria-live": "polite", "aria-busy": "true" } });
  const filter = h(
    "select",
    { id: "status-filter", name: "status" },
    FILTERS.map(([value, label]) => h("option", { value, selected: value === status }, label)),
  );
  filter.addEventListener("change", () => {
    navigate(filter.value ? `#/library?status=${filter.value}` : "#/library");
  });

  show(
    container,
    h("h1", {}, "Your library"),
    submitForm({ onSubmitted: (video) => navigate(`#/videos/${video.video_id}`) }),
    h(
      "section",
      { className: "library", attrs: { "aria-labelledby": "videos-heading" } },
      h(
        "div",
        { className: "library-head" },
        h("h2", { id: "videos-heading" }, "Your videos"),
        h("div", { className: "field inline" }, h("label", { htmlFor: "status-filter" }, "Show"), filter),
      ),
      messages.element,
      list,
    ),
  );

  let shown = "";
  const load = async () => {
    let page;
    try {
      page = await listVideos({ limit: PAGE_SIZE, status, lastKey: after });
    } catch (error) {
      list.setAttribute("aria-busy", "false");
      showError(messages, error, load);
      return;
    }
    if (signal.aborted) return;
    messages.clear();
    list.setAttribute("aria-busy", "false");
    const snapshot = JSON.stringify(page);
    if (snapshot !== shown) renderPage(list, page, { status, after, navigate }); // keeps focus when nothing changed
    shown = snapshot;
    if (page.videos.some((v) => v.status === "queued" || v.status === "processing")) {
      const timer = setTimeout(() => {
        load();
        getCredits().catch(() => {});
      }, REFRESH_MS);
      signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
    }
  };
  await load();
}

function renderPage(list, page, { status, after, navigate }) {
  const base = status ? `#/library?status=${status}` : "#/library?";
  const separator = status ? "&" : "";
  if (!page.videos.length && !after) {
    show(
      list,
      h(
        "div",
        { className: "empty" },
        h("p", { className: "empty-title" }, status ? `No ${status} videos.` : "No videos yet."),
        h("p", {}, status ? "Choose “All videos” to see the others." : "Paste a YouTube link above and your study notes will appear here."),
      ),
    );
    return;
  }
  const pager = h("nav", { className: "pager", attrs: { "aria-label": "Pages" } });
  const stack = earlierPages.get(status) || [];
  if (after) {
    pager.append(
      h("button", {
        type: "button",
        className: "secondary",
        onClick: () => {
          const previous = stack.pop() || "";
          earlierPages.set(status, stack);
          navigate(previous ? `${base}${separator}after=${encodeURIComponent(previous)}` : base.replace(/\?$/, ""));
        },
      }, "← Newer videos"),
    );
  }
  if (page.last_key) {
    pager.append(
      h("button", {
        type: "button",
        className: "secondary",
        onClick: () => {
          earlierPages.set(status, [...stack, after]);
          navigate(`${base}${separator}after=${encodeURIComponent(page.last_key)}`);
        },
      }, "Older videos →"),
    );
  }
  show(list, h("ul", { className: "videos" }, page.videos.map(videoItem)), pager.childElementCount ? pager : null);
}
