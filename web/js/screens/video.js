// One video: live progress while it is queued or processing, the error and Retry when it failed,
// a link to the notes when it is done, and Delete.

import { deleteVideo, getCredits, getVideo, retryVideo } from "../api.js";
import { announce, busy, confirmDialog, formatDate, h, messageArea, show } from "../dom.js";
import { showError } from "../errors.js";
import { statusBadge } from "./library.js";
import { submitForm } from "./submit.js";

const POLL_MS = [1000, 1500, 2000, 3000, 5000]; // quick at first, then gentler
// Failures that uploading the captions fixes (see the API's error_code).
const CAPTION_FIXES = new Set(["youtube_blocked", "no_transcript"]);

export async function renderVideo(container, { params: [videoId], signal, navigate }) {
  const messages = messageArea();
  const body = h("div", { className: "video-body" });
  show(container, h("p", { className: "back" }, h("a", { href: "#/library" }, "← Library")), h("h1", {}, "Video"), messages.element, body);
  let polls = 0;
  let lastStatus = null;

  const load = async () => {
    let video;
    try {
      video = await getVideo(videoId);
    } catch (error) {
      if (signal.aborted) return;
      showError(messages, error, load);
      if (error.status === 404) show(body, h("p", {}, h("a", { href: "#/library" }, "Back to your library")));
      return;
    }
    if (signal.aborted) return;
    messages.clear();
    draw(video);
    if (lastStatus && lastStatus !== video.status) {
      if (video.status === "completed") announce("Your notes are ready.");
      if (video.status === "failed") announce("This video failed. Your credit was refunded.");
    }
    lastStatus = video.status;
    if (video.status === "queued" || video.status === "processing") {
      const timer = setTimeout(load, POLL_MS[Math.min(polls++, POLL_MS.length - 1)]);
      signal.addEventListener("abort", () => clearTimeout(timer), { once: true });
    }
  };

  function draw(video) {
    const title = video.title || `YouTube video ${video.youtube_video_id}`;
    container.querySelector("h1").textContent = title;
    document.title = `${title} · Study Buddy`;
    const parts = [
      h("div", { className: "video-meta" }, statusBadge(video.status), h("span", {}, `Submitted ${formatDate(video.created_at)}`)),
      h("p", {}, h("a", { href: video.url, rel: "noopener noreferrer", target: "_blank" }, "Watch on YouTube")),
    ];
    if (video.status === "queued" || video.status === "processing") {
      parts.push(
        h(
          "div",
          { className: "progress-block" },
          h("label", { htmlFor: "video-progress" }, video.status_message || "Working…"),
          h("progress", { id: "video-progress", max: 100, value: video.progress || 0 }, `${video.progress || 0}%`),
          h("p", { className: "hint" }, `${video.progress || 0}% · you can leave this page; the notes will be in your library.`),
        ),
      );
    }
    if (video.status === "completed" && video.note_id) {
      parts.push(
        h("div", { className: "notice success" }, h("p", {}, "Your notes are ready."), h("a", { href: `#/notes/${video.note_id}`, className: "button-link primary" }, "Open the notes")),
      );
    }
    if (video.status === "failed") parts.push(...failure(video));
    const actions = h("div", { className: "actions" });
    if (video.status === "completed" || video.status === "failed") actions.append(deleteButton(video));
    parts.push(actions);
    show(body, ...parts);
  }

  function failure(video) {
    const retryMessages = messageArea();
    const form = h("form", { className: "inline-form" }, h("button", { type: "submit", className: "primary" }, "Retry (1 credit)"));
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      busy(form, "Retrying…", async () => {
        try {
          await retryVideo(video.video_id);
          getCredits().catch(() => {});
          announce("Queued again.");
          polls = 0;
          await load();
        } catch (error) {
          showError(retryMessages, error);
        }
      });
    });
    const parts = [
      h(
        "div",
        { className: "notice error", attrs: { role: "alert" } },
        h("p", {}, video.error || "We could not make notes from this video."),
        h("p", { className: "hint" }, "Your credit for it was refunded."),
      ),
      form,
      retryMessages.element,
    ];
    if (CAPTION_FIXES.has(video.error_code)) {
      parts.push(
        submitForm({
          heading: "Upload the captions instead",
          url: video.url,
          openCaptions: true,
          onSubmitted: (created) => navigate(`#/videos/${created.video_id}`),
        }),
      );
    }
    return parts;
  }

  function deleteButton(video) {
    const button = h("button", { type: "button", className: "danger" }, "Delete video and notes");
    button.addEventListener("click", async () => {
      const sure = await confirmDialog({
        title: "Delete this video?",
        message: "Its notes are deleted too. Credits are not returned.",
        confirmLabel: "Delete",
        danger: true,
      });
      if (!sure) {
        button.focus();
        return;
      }
      try {
        await deleteVideo(video.video_id);
        announce("Deleted.");
        navigate("#/library");
      } catch (error) {
        showError(messages, error);
      }
    });
    return button;
  }

  await load();
}
