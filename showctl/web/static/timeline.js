// The cue timeline (a tick per cue, the playhead) and the cue list: pick a cue or any
// time to seek to, or a cue to fire; the list also shows which cues are done, current
// and next. Ticks closer together than a finger are one group: tap it, then choose.
import { fmt, get } from "./api.js";

const FINGER = 44;        // px: the least width a touch target may have (WCAG 2.5.5)
const USER_SCROLL = 8000; // ms the list stays where the operator scrolled it

let sheet = null;  // the loaded show's cue sheet
let picked = null; // {cue} or {time}
let onPick = () => {};
let box = null, list = null, chooser = null;

function pick(choice) {
  picked = choice;
  const id = choice?.cue?.id;
  document.querySelectorAll("[data-cue]").forEach((x) =>
    x.classList.toggle("picked", id !== undefined && x.dataset.cue === id));
  document.querySelectorAll("#timeline .marker[data-cues]").forEach((x) =>
    x.classList.toggle("picked", id !== undefined && x.dataset.cues.split(" ").includes(id)));
  if (chooser && !choice?.fromGroup) chooser.hidden = true;
  onPick(choice);
}

let shown = { key: null, ready: Promise.resolve() };  // the load drawn, or being fetched

// Draws the loaded show's cues once per load (a show loaded again after its file changed
// is drawn anew), however many statuses arrive meanwhile.
export function showTimeline(timeline, cueList, groupPick, show, onPicked) {
  onPick = onPicked;
  if (box !== timeline) {
    box = timeline; list = cueList; chooser = groupPick;
    box.addEventListener("click", (e) => {  // on the bar, not on a tick: that time
      if (e.target !== box || !sheet) return;
      const r = box.getBoundingClientRect();
      const t = Math.min(1, Math.max(0, (e.clientX - r.left) / r.width)) * (sheet.length || 0);
      pick({ time: Math.round(t * 10) / 10 });
    });
    new ResizeObserver(() => drawTicks()).observe(box);
    watchScrolling(list);
  }
  const key = show ? `${show.load} ${show.id}` : null;
  if (shown.key !== key) {
    shown = { key, ready: draw(show?.id ?? null, key) };
    shown.ready.catch(() => { shown = { key: null, ready: Promise.resolve() }; });
  }
  return shown.ready;
}

async function draw(showId, key) {
  box.querySelectorAll(".marker").forEach((m) => m.remove());
  list.replaceChildren();
  sheet = null;
  pick(null);
  if (!showId) return;
  const got = await get(`/api/shows/${encodeURIComponent(showId)}`);
  if (shown.key !== key) return;  // another show was loaded meanwhile
  sheet = got;
  drawTicks();
  for (const cue of sheet.cues) {
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
    li.addEventListener("click", () => pick({ cue }));
    list.append(li);
  }
}

const label = (cue) => `${cue.id} ${cue.name || ""}`.trim();

// Groups cues whose ticks are closer than a finger at the timeline's present width.
function groups(width) {
  const length = sheet.length || 1;
  const out = [];
  for (const cue of sheet.cues) {
    const x = (width * cue.at) / length;
    const last = out[out.length - 1];
    if (last && x - last.x < FINGER) last.cues.push(cue);
    else out.push({ x, cues: [cue] });
  }
  return out;
}

function drawTicks() {
  if (!sheet || !box) return;
  box.querySelectorAll(".marker").forEach((m) => m.remove());
  const width = box.clientWidth || 1;
  const length = sheet.length || 1;
  for (const group of groups(width)) {
    const m = document.createElement("button");
    const cues = group.cues;
    const first = cues[0], last = cues[cues.length - 1];
    m.className = "marker" + (cues.some((c) => c.hold) ? " hold" : "");
    m.style.left = `${(100 * (first.at + last.at)) / 2 / length}%`;
    if (cues.length === 1) {
      m.dataset.cue = first.id;
      m.title = `${label(first)} @ ${fmt(first.at, true)}`;
      m.addEventListener("click", () => pick({ cue: first }));
    } else {
      m.classList.add("group");
      m.dataset.cues = cues.map((c) => c.id).join(" ");
      m.title = `${cues.length} cues, ${fmt(first.at, true)} to ${fmt(last.at, true)}`;
      const count = document.createElement("span");
      count.className = "count";
      count.textContent = String(cues.length);
      m.append(count);
      m.addEventListener("click", () => choose(cues));
    }
    m.setAttribute("aria-label", m.title);
    if (picked?.cue && cues.some((c) => c.id === picked.cue.id)) m.classList.add("picked");
    box.append(m);
  }
}

// A group was tapped: its cues as buttons big enough for a finger.
function choose(cues) {
  const choices = chooser.querySelector(".choices");
  choices.replaceChildren(...cues.map((cue) => {
    const b = document.createElement("button");
    b.className = "btn choice" + (cue.hold ? " hold" : "");
    b.dataset.choice = cue.id;
    b.textContent = `${fmt(cue.at, true)}  ${label(cue)}`;
    b.addEventListener("click", () => { chooser.hidden = true; pick({ cue }); });
    return b;
  }));
  chooser.hidden = false;
}

// The operator scrolling the list: it is left where they put it for a while.
let scrolledAt = -Infinity, setTop = null;
function watchScrolling(el) {
  const mine = () => { scrolledAt = performance.now(); };
  for (const kind of ["wheel", "touchstart", "pointerdown", "keydown"]) {
    el.addEventListener(kind, mine, { passive: true });
  }
  el.addEventListener("scroll", () => { if (el.scrollTop !== setTop) mine(); }, { passive: true });
}

// Marks done / current / next in the list and keeps the current cue in view, unless the
// operator has just scrolled the list.
export function markCues(current, next, time) {
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
  if (now && performance.now() - scrolledAt > USER_SCROLL && list.scrollTop !== now.offsetTop) {
    setTop = now.offsetTop;
    list.scrollTop = now.offsetTop;
    setTop = list.scrollTop;
  }
}

export function movePlayhead(head, time) {
  const f = sheet ? Math.min(1, Math.max(0, time / (sheet.length || 1))) : 0;
  head.style.left = `${100 * f}%`;
}

export function picking() { return picked; }

// Every device the loaded show acts on (what GO needs online).
export function showDevices() {
  return [...new Set((sheet?.cues || []).flatMap((c) => c.devices || []))];
}
