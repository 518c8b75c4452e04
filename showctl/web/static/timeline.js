// The cue timeline: a marker per cue, a playhead, and picking a cue to seek to or fire.
import { get } from "./api.js";

let sheet = null;  // the loaded show's cue sheet
let picked = null;

export async function showTimeline(box, showId, onPick) {
  if (sheet && sheet.id === showId) return;
  box.querySelectorAll(".marker").forEach((m) => m.remove());
  sheet = null;
  picked = null;
  onPick(null);
  if (!showId) return;
  sheet = await get(`/api/shows/${encodeURIComponent(showId)}`);
  const length = sheet.length || 1;
  for (const cue of sheet.cues) {
    const m = document.createElement("button");
    m.className = "marker" + (cue.hold ? " hold" : "");
    m.style.left = `${(100 * cue.at) / length}%`;
    m.dataset.cue = cue.id;
    m.title = `${cue.id} ${cue.name || ""} @ ${cue.at}s`;
    m.textContent = cue.id;
    m.addEventListener("click", () => {
      picked = cue;
      box.querySelectorAll(".marker").forEach((x) => x.classList.toggle("picked", x === m));
      onPick(cue);
    });
    box.append(m);
  }
}

export function movePlayhead(head, time) {
  if (!sheet) { head.style.left = "0%"; return; }
  const f = Math.min(1, Math.max(0, time / (sheet.length || 1)));
  head.style.left = `${100 * f}%`;
}

export function pickedCue() { return picked; }
