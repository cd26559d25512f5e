// The "make notes" form: a YouTube link, and optionally the video's captions as a file for when
// YouTube cannot give them to us (no captions, or YouTube refusing our server).

import { submitVideo } from "../api.js";
import { busy, field, h, messageArea } from "../dom.js";
import { showError } from "../errors.js";

const FORMATS = { vtt: "vtt", srt: "srt", txt: "txt", json: "json" };
const MAX_TRANSCRIPT_BYTES = 2 * 1024 * 1024;

/** Read a captions file into the API's `transcript` object, or throw an Error that says why not. */
export async function readCaptions(file) {
  const extension = file.name.split(".").pop().toLowerCase();
  const format = FORMATS[extension];
  if (!format) throw new Error("Captions must be a .vtt, .srt, .txt or .json file.");
  if (file.size > MAX_TRANSCRIPT_BYTES) throw new Error("That captions file is over 2 MB. Use a smaller file.");
  const content = await file.text();
  if (!content.trim()) throw new Error("That captions file is empty.");
  return { format, content };
}

export function captionsInput() {
  return h("input", { type: "file", name: "captions", accept: ".vtt,.srt,.txt,.json,text/vtt,text/plain,application/json" });
}

/**
 * The form. `url` pre-fills the link (e.g. "upload captions" for a video that failed); `openCaptions`
 * shows the captions part straight away. Calls `onSubmitted(video)` after the credit is spent.
 */
export function submitForm({ onSubmitted, url = "", openCaptions = false, heading = "Make notes from a video" }) {
  const messages = messageArea();
  const link = h("input", {
    type: "text",
    name: "url",
    required: true,
    value: url,
    placeholder: "https://www.youtube.com/watch?v=…",
    attrs: { inputmode: "url", autocomplete: "off", spellcheck: "false" },
  });
  const captions = captionsInput();
  const captionsPart = h(
    "details",
    { className: "captions", open: openCaptions },
    h("summary", {}, "Upload captions (optional)"),
    h("p", { className: "hint" }, "If YouTube cannot give us the captions, upload them yourself: WebVTT (.vtt), SubRip (.srt), plain text or JSON, up to 2 MB."),
    field("Captions file", captions),
  );
  const form = h(
    "form",
    { className: "card submit-form", attrs: { "aria-labelledby": "submit-heading" } },
    h("h2", { id: "submit-heading" }, heading),
    field("YouTube link", link, "A youtube.com or youtu.be link, or the 11-character video id."),
    captionsPart,
    messages.element,
    h("button", { type: "submit", className: "primary" }, "Make notes (1 credit)"),
  );
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    messages.clear();
    let transcript = null;
    const file = captions.files[0];
    if (file) {
      try {
        transcript = await readCaptions(file);
      } catch (error) {
        messages.error(error.message);
        captions.focus();
        return;
      }
    }
    await busy(form, "Submitting…", async () => {
      try {
        const video = await submitVideo(link.value.trim(), transcript);
        onSubmitted(video);
      } catch (error) {
        showError(messages, error, () => form.requestSubmit());
        if (error.status === 400) link.focus();
      }
    });
  });
  return form;
}
