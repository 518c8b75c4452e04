// The cue timeline (a tick per cue, the playhead) and the cue list: pick a cue to seek
// to or fire; the list also shows which cues are done, current and next.
import { fmt, get } from "./api.js";

let sheet = null;  // the loaded show's cue sheet
let picked = null;
let onPickCue = () => {};

function pick(cue) {
  picked = cue;
  document.querySelectorAll("[data-cue]").forEach((x) =>
    x.classList.toggle("picked", cue !== null && x.dataset.cue === cue.id));
  onPickCue(cue);
}

let shown = { key: null, ready: Promise.resolve() };  // the load drawn, or being fetched

// Draws the loaded show's cues once per load (a show loaded again after its file changed
// is drawn anew), however many statuses arrive meanwhile.
export function showTimeline(box, list, show, onPick) {
  onPickCue = onPick;
  const key = show ? `${show.load} ${show.id}` : null;
  if (shown.key !== key) {
    shown = { key, ready: draw(box, list, show?.id ?? null, key) };
    shown.ready.catch(() => { shown = { key: null, ready: Promise.resolve() }; });
  }
  return shown.ready;
}

async function draw(box, list, showId, key) {
  box.querySelectorAll(".marker").forEach((m) => m.remove());
  list.replaceChildren();
  sheet = null;
  pick(null);
  if (!showId) return;
  const got = await get(`/api/shows/${encodeURIComponent(showId)}`);
  if (shown.key !== key) return;  // another show was loaded meanwhile
  sheet = got;
  const length = sheet.length || 1;
  for (const cue of sheet.cues) {
    const label = `${cue.id} ${cue.name || ""}`.trim();
    const m = document.createElement("button");
    m.className = "marker" + (cue.hold ? " hold" : "");
    m.style.left = `${(100 * cue.at) / length}%`;
    m.dataset.cue = cue.id;
    m.title = `${label} @ ${fmt(cue.at, true)}`;
    m.setAttribute("aria-label", m.title);
    m.addEventListener("click", () => pick(cue));
    box.append(m);
    const li = document.createElement("li");
    li.dataset.cue = cue.id;
    li.className = cue.hold ? "hold" : "";
    li.innerHTML = '<span class="t"></span><span class="id"></span><span class="name"></span>';
    li.querySelector(".t").textContent = fmt(cue.at);
    li.querySelector(".id").textContent = cue.id;
    const name = li.querySelector(".name");
    name.textContent = cue.name || "";
    if (cue.hold && !/\bhold\b/i.test(cue.name || "")) {  // unless its name says so already
      const badge = document.createElement("span");
      badge.className = "hold-badge";
      badge.textContent = "HOLD";
      name.prepend(badge);
    }
    li.addEventListener("click", () => pick(cue));
    list.append(li);
  }
}

// Marks done / current / next in the list and keeps the current cue in view.
export function markCues(list, current, next, time) {
  let now = null;
  for (const li of list.children) {
    const cue = sheet?.cues.find((c) => c.id === li.dataset.cue);
    li.classList.toggle("done", !!cue && cue.at < time && li.dataset.cue !== current?.id);
    li.classList.toggle("now", li.dataset.cue === current?.id);
    li.classList.toggle("next", li.dataset.cue === next?.id);
    if (li.dataset.cue === current?.id) now = li;
  }
  // the current cue's row at the top, whole (the list's padding lets even the last one get
  // there), so no scrap of the row above shows; offsetParent: the list
  if (now) list.scrollTop = now.offsetTop;
}

export function movePlayhead(head, time) {
  const f = sheet ? Math.min(1, Math.max(0, time / (sheet.length || 1))) : 0;
  head.style.left = `${100 * f}%`;
}

export function pickedCue() { return picked; }
