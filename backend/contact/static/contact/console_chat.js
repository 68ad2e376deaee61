// The conversation behind a chat item of the triage inbox (Zalo, Messenger, SMS): its transcript,
// polled while the item is open, and the operator's answer, posted to the conversations API
// (/api/conversations/v1/conversations/<id>…), which sends it on the resident's channel — or by
// SMS, or refuses (409 window_closed) when the platform's window has closed and there is no phone.
import { idempotencyKey } from "../common/kit.js";
import { POLL_MS, T, api, config, fail, fmt, h, toast, when } from "./console_lib.js";

const panel = document.getElementById("inbox-chat");
const transcript = document.getElementById("chat-messages");
const form = document.getElementById("chat-reply");
const note = document.getElementById("chat-note");
const CHANNELS = { zalo: "Zalo", messenger: "Messenger", sms: "SMS" };
const base = (id) => `${config.conversations_api}${id}`;
let current = null; // the conversation id shown
let draft = null; // {id, text, key}: the reply being sent, until the server has it

let timer = null;
let sending = false;

function message(m) {
  const who = m.direction === "in" ? T.chat_resident : m.author || T.chat_bot;
  const state = m.direction === "out" ? T[`chat_${m.status}`] || m.status : "";
  return h("li", { class: `msg ${m.direction}`, dataset: { message: m.id, status: m.status } },
    h("small", {}, who, " · ", when(m.created_at), state ? ` · ${state}` : ""), h("br"), m.text);
}

function show(conversation) {
  const atBottom = transcript.scrollHeight - transcript.scrollTop - transcript.clientHeight < 8;
  transcript.replaceChildren(...conversation.messages.map(message));
  if (atBottom) transcript.scrollTop = transcript.scrollHeight;
  document.getElementById("chat-channel").textContent = CHANNELS[conversation.channel] || conversation.channel;
  const blocked = conversation.reply_blocked;
  form.elements.text.disabled = Boolean(blocked);
  form.querySelector("button").disabled = Boolean(blocked) || sending;
  form.dataset.replyVia = conversation.reply_via || "";
  note.classList.toggle("error", Boolean(blocked));
  if (blocked) note.textContent = blocked;
  else if (conversation.reply_via === "sms" && conversation.channel !== "sms")
    note.textContent = fmt(T.chat_by_sms, { channel: CHANNELS[conversation.channel] });
  else note.textContent = "";
}

async function load() {
  if (current === null) return;
  const id = current;
  try {
    const conversation = await api(base(id), { base: "" });
    if (id === current) show(conversation);
  } catch (err) { if (err.status === 404) note.textContent = err.message; }
}

export function chatOpen(conversationId) {
  current = conversationId;
  transcript.replaceChildren();
  note.textContent = "";
  form.reset();
  panel.hidden = false;
  clearInterval(timer);
  timer = setInterval(load, POLL_MS);
  load();
}

export function chatClose() {
  current = null;
  clearInterval(timer);
  panel.hidden = true;
}

form.addEventListener("submit", async (e) => {
  e.preventDefault();
  const text = form.elements.text.value.trim();
  if (current === null || sending) return;
  if (!text) { toast(T.chat_empty, true); return; }
  const button = form.querySelector("button");
  const id = current; // the operator may open another item while this is on its way
  // one key per draft: sending the same text again after a lost answer is the same message
  if (!draft || draft.id !== id || draft.text !== text) draft = { id, text, key: idempotencyKey() };
  sending = true;
  button.disabled = true; // one click, one message
  try {
    const sent = await api(`${base(id)}/replies`, { method: "POST", body: { text }, base: "", key: draft.key });
    draft = null;
    if (id === current) {
      transcript.append(message(sent));
      transcript.scrollTop = transcript.scrollHeight;
      form.elements.text.value = "";
    }
    toast(T.chat_done);
  } catch (err) {
    note.textContent = err.message; // e.g. window_closed: the API says why
    note.classList.add("error");
    fail(err);
  } finally {
    sending = false;
    button.disabled = false;
    load();
  }
});
