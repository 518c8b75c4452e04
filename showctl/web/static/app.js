// The dashboard: one WebSocket for the live state, buttons that POST commands.
import { fmt, get, human, post, venueTime, whoAmI } from "./api.js";
import { showHistory } from "./history.js";
import { drawRing } from "./ring.js";
import { markCues, movePlayhead, picking, showDevices, showTimeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const LOADED = ["loaded", "prerolling", "running", "holding", "paused"];
const MUTED = -80;        // dB: the room silent (the core's floor)
const CONFIRM_MS = 4000;  // how long a first tap on Stop waits for the second
const pickedCue = () => picking()?.cue ?? null;
// Which commands each transport state allows (the server refuses the rest with 409).
const ALLOWED = {
  go: (s) => ["loaded", "holding"].includes(s.state),
  pause: (s) => ["running", "holding"].includes(s.state),
  resume: (s) => s.state === "paused",
  stop: (s) => LOADED.includes(s.state) || s.state === "stopping",  // again: a cut
  load: (s) => ["idle", "loaded"].includes(s.state),
  "seek-cue": (s) => LOADED.includes(s.state) && picking() !== null,
  "fire-cue": (s) => LOADED.includes(s.state) && pickedCue() !== null,
  hold: (s) => !s.schedule?.held,
  release: (s) => !!s.schedule?.held,
  panic: () => true,
  "cue-up": (s) => s.state === "idle" && canCueUp(s.restart),
  "volume-set": (s) => !!s.volume,
  mute: (s) => !!s.volume,
  check: () => !busy.check,
  "power-on": () => me.role === "admin" && !busy.power,
  "power-off": () => me.role === "admin" && !busy.power,
};
const COMMANDS = {
  go: () => post("/api/transport/go"),
  pause: () => post("/api/transport/pause"),
  resume: () => post("/api/transport/resume"),
  // an empty fade field: the venue's safe-look fade
  stop: () => post("/api/transport/stop", $("fade").value === "" ? {} : { fade: Number($("fade").value) }),
  panic: () => post("/api/transport/panic"),
  cut: () => post("/api/transport/stop", { fade: 0 }),  // a second Stop during the fade
  // after a restart that stopped the show: loaded again, at the cue where it stood
  "cue-up": async () => {
    const r = status.restart;
    await post("/api/load", { show: r.show });
    const cue = r.stopped_at.cue;
    await post("/api/seek", { to: cue ? `cue:${cue.id}` : `time:${r.stopped_at.time}` });
  },
  load: () => post("/api/load", { show: $("show-picker").value }),
  // a cue picked (and its time left as it was): that cue; otherwise the time written
  "seek-cue": () => post("/api/seek", { to: pickedCue() && !seekEdited ? `cue:${pickedCue().id}`
    : `time:${$("seek-to").value.trim()}` }),
  "fire-cue": () => post(`/api/cues/${encodeURIComponent(pickedCue().id)}/fire`),
  hold: () => post("/api/schedule/hold"),
  release: () => post("/api/schedule/release"),
  "volume-set": () => post("/api/volume", { db: Number($("volume").value), fade: 1 }),
  mute: () => post("/api/volume", status.volume.db <= MUTED
    ? { db: unmuteTo(), fade: 2 } : { db: MUTED, fade: 0.5 }),
  check: () => whileBusy("check", async () => { status.check = await post("/api/check"); }),
  "power-on": () => power("on"),
  "power-off": () => power("off"),
};

let me = { role: "viewer" };
let status = null;
let receivedAt = 0;
let connected = false;  // while the live feed is down, nothing shown is live
let seekEdited = false;
let lastHeard = MUTED;  // the level to unmute to
const busy = { check: false, power: null };  // a POST that answers when the work is done

function showTime() {
  if (!status) return 0;
  const moving = connected && ["running", "prerolling"].includes(status.state);
  return status.time + (moving ? (performance.now() - receivedAt) / 1000 : 0);
}

// A wall instant on the venue's clock ("14:02:11"), like every time on the page.
const clockTime = (wall) => venueTime(wall, status?.timezone);

function logLine(text, level = "info", wall = Date.now() / 1000) {
  const li = document.createElement("li");
  li.className = level;
  li.textContent = `${clockTime(wall)}  ${text}`;
  $("log").prepend(li);
  while ($("log").children.length > 40) $("log").lastChild.remove();
}

// A refused or failed command: its reason next to the control that was pressed (and in
// the log), until dismissed or until a command from the same controls succeeds.
function showError(button, message) {
  const box = button.closest("[data-errors]")?.querySelector(".control-error");
  if (!box) return;
  box.querySelector(".text").textContent = message;
  box.hidden = false;
}

function clearError(button) {
  const box = button.closest("[data-errors]")?.querySelector(".control-error");
  if (box) box.hidden = true;
}

async function run(button, cmd) {
  try {
    await COMMANDS[cmd]();
    clearError(button);
  } catch (e) {
    showError(button, `${button.dataset.label || button.textContent.trim()}: ${e.message}`);
    logLine(`${cmd}: ${e.message}`, "error");
  }
}

// What a device that answers for itself last said (status devices[].said): Eos's
// active cue, a projector's power and faults.
function saidText(d) {
  const said = d.said || {};
  const p = said.projector;
  if (p) {
    const faults = Object.entries(p.errors || {}).filter(([, v]) => v !== "ok");
    return ` (${p.power}${faults.map(([k, v]) => `, ${k} ${v}`).join("")}` +
      `${p.lamp_hours != null ? `, lamp ${p.lamp_hours} h` : ""})`;
  }
  if (said.active_cue) return ` (cue ${said.active_cue})`;
  return "";
}

function cueText(cue) { return cue ? `${cue.id}  ${cue.name || ""}` : "–"; }

function render() {
  const s = status;
  $("venue").textContent = s.venue;
  $("show-title").textContent = s.show ? (s.show.title || s.show.id) : "No show loaded";
  if (s.show && document.activeElement !== $("show-picker")) $("show-picker").value = s.show.id;
  showState();
  $("current-cue").textContent = cueText(s.current_cue);
  $("next-cue").textContent = cueText(s.next_cue);
  drawRing($("ring"), s.devices || [], showDevice);
  showOnline(s.devices || []);
  showDevice(deviceShown);
  const lights = s.lighting?.lights;
  const levels = Object.entries(s.lighting?.levels || {});
  $("lighting").textContent = lights?.cue ? `${lights.cue}  (fade ${lights.fade ?? 0} s)` : "–";
  $("levels").textContent = levels.length ? `DMX ${levels.map(([c, v]) => `${c}@${v}`).join("  ")}` : "";
  showFiles(s.files || {});
  showVolume(s.volume);
  showSchedule(s.schedule || {});
  showRestart(s.restart);
  showStorage(s.storage);
  showStandby(s.standby);
  showTimecode(s.timecode);
  showRoom(s);
  $("log-zone").textContent = $("history-zone").textContent = $("alerts-zone").textContent = zoneName();
  showTimeline($("timeline"), $("cue-list"), $("group-pick"), s.show, pick)
    .then(() => { markCues(s.current_cue, s.next_cue, s.time); enableButtons(); })
    .catch((e) => logLine(e.message, "error"));
  enableButtons();
  tick();
}

// Files the controller rejected (each with its errors) and a venue or schedule running on
// its last good copy: a bad file must be seen, since the room goes on without it.
function showFiles(files) {
  const rejected = files.rejected || [];
  const copies = Object.keys(files.last_good || {});
  $("files").hidden = !rejected.length && !copies.length;
  const items = copies.map((kind) => {
    const p = document.createElement("p");
    p.className = "last-good";
    p.textContent = `The ${kind} file is invalid: running on its LAST GOOD COPY`;
    return p;
  });
  for (const r of rejected) {
    const d = document.createElement("details");
    const name = r.path.split("/").pop();
    const kept = r.in_force ? ` (${r.in_force} in force)` : "";
    d.innerHTML = "<summary></summary><ul></ul>";
    d.querySelector("summary").textContent = `${name} rejected${kept}: ${r.errors.length} error(s)`;
    d.querySelector("ul").replaceChildren(...r.errors.map((e) => {
      const li = document.createElement("li");
      li.textContent = e;
      return li;
    }));
    items.push(d);
  }
  $("files").replaceChildren(...items);
}

function zoneName() {
  const z = status?.timezone;
  return z ? `(${venueTime(Date.now() / 1000, z, { date: true }).split(" ").pop()})` : "";
}

// The transport badge: the state, or OFFLINE while the controller cannot be reached (the
// last state known is in its tooltip).
function showState() {
  const state = connected ? status?.state ?? "idle" : "offline";
  $("state").textContent = state;
  $("state").dataset.state = state;
  $("state").title = connected ? "" : `last known: ${status?.state ?? "nothing"}`;
  document.body.dataset.state = state;  // e.g. GO stands out while the show holds
}

// A device whose liveness is unknown (it cannot say it is there, SPEC 7.1) is shown as
// such, never counted as missing.
function missing(d) { return d.liveness ? d.liveness === "offline" : !d.online; }
function livenessText(d) {
  return d.online ? "online" : d.liveness === "unknown" ? "unknown" : "OFFLINE";
}

// The screens online, and the other devices each as a button for its details.
function showOnline(devices) {
  const screens = devices.filter((d) => d.kind === "screen");
  const others = devices.filter((d) => d.kind !== "screen");
  const up = screens.filter((d) => d.online).length;
  const parts = [document.createTextNode(`${up}/${screens.length} screens online`)];
  for (const d of others) {
    const b = document.createElement("button");
    b.className = "dev" + (missing(d) ? " off" : "");
    b.dataset.device = d.id;
    b.dataset.liveness = d.liveness || (d.online ? "online" : "offline");
    // what a device no longer online said is history, not its state: "(last known: on)"
    const said = saidText(d);
    b.textContent = `${d.id} ${livenessText(d)}${d.online || !said ? said : ` (last known: ${said.slice(2)}`}`;
    b.addEventListener("click", () => showDevice(d.id));
    parts.push(document.createTextNode("  ·  "), b);
  }
  $("online").replaceChildren(...parts);
  $("online").classList.toggle("warn", screens.some(missing) || others.some(missing));
}

// One device's details, on tap (a tablet has no hover): what it was told, what it
// confirms, and for an offline one since when and why.
let deviceShown = null;
function showDevice(id) {
  deviceShown = id;
  const d = (status?.devices || []).find((x) => x.id === id);
  $("device-info").hidden = !d;
  if (!d) return;
  const name = d.kind === "screen" ? `Screen ${d.index ?? ""} (${d.id})` : d.id;
  const out = d.output || {};
  let text;
  if (!d.online && d.liveness === "unknown") {
    text = `${name}: liveness unknown — ${d.liveness_note || "it cannot say it is there"}`;
  } else if (!d.online) {
    const since = d.offline_since ?? status.started_at;
    const ago = human(Date.now() / 1000 - since);
    text = `${name}: OFFLINE since ${clockTime(since)} (${ago})` +
      `${d.offline_since ? "" : ", since the controller started"} — ${d.offline_reason || "reason unknown"}`;
  } else {
    text = `${name}: online; told ${out.state || "idle"}${out.media ? ` ${out.media}` : ""}`;
    if (d.confirmed) text += `; reports ${d.confirmed.state || "?"}${d.confirmed.media ? ` ${d.confirmed.media}` : ""}`;
    if (d.mismatch) text += ` — NOT AS TOLD: ${d.mismatch}`;
  }
  $("device-info").querySelector(".text").textContent = text;
  $("device-info").classList.toggle("warn", missing(d) || !!d.mismatch);
}

function showVolume(volume) {
  $("volume-box").hidden = !volume;
  if (!volume) return;
  const muted = volume.db <= MUTED;
  if (!muted) lastHeard = volume.db;
  $("volume-state").textContent = muted ? "MUTED" : `${volume.db > 0 ? "+" : ""}${volume.db} dB`;
  $("volume-state").classList.toggle("muted", muted);
  $("mute").textContent = muted ? "Unmute" : "Mute";
  if (document.activeElement !== $("volume") && !muted) $("volume").value = String(volume.db);
}

function unmuteTo() { return lastHeard > MUTED ? lastHeard : 0; }

// Today's starts with their show's title; a held schedule's due starts will not run.
function showSchedule(sched) {
  $("held").hidden = !sched.held;
  document.querySelector("#next-strip .held").hidden = !sched.held;
  $("today").replaceChildren(...(sched.today || []).map((e) => {
    const li = document.createElement("li");
    const due = (e.status || "due") === "due";
    li.className = (e.status || "due") + (due && sched.held ? " held-start" : "");
    const outcome = e.outcome && e.outcome !== "completed" ? ` · ${e.outcome}` : "";
    const word = due && sched.held ? "held: will not run" : (e.status || "due") + outcome;
    li.textContent = `${String(e.at).slice(11, 16)}  ${e.title || e.show}  ${word}`;
    return li;
  }));
  const warning = sched.next?.warning;
  $("next-warning").hidden = !warning;
  $("next-warning").textContent = warning || "";
  $("forecast").hidden = !warning;
  $("forecast").querySelector(".text").textContent = warning ? `⚠ ${warning}` : "";
  // the button the warning names, right there (the schedule's own is a screen away)
  $("forecast").querySelector("[data-cmd=hold]").hidden = !warning?.includes("Hold schedule");
  $("forecast").querySelector("[data-cmd=release]").hidden = !warning?.includes("Release");
}

// Two controllers (docs/standby.md): which one this is, the other, the replication, the
// last takeover; a warning colour when the pair is not following.
function showTimecode(tc) {
  // the chase (timecode in) and the show's timecode outputs (docs/timecode.md)
  const input = tc?.input, outputs = tc?.outputs || [];
  $("timecode-box").hidden = !input && !outputs.length;
  const chase = $("chase");
  chase.dataset.state = input ? input.state : "";
  chase.textContent = input
    ? `Chasing ${input.source} · ${input.state.toUpperCase()}` + (input.code ? ` · ${input.code}` : "") +
      (input.offset_ms !== null ? ` · offset ${input.offset_ms} ms` : "")
    : "";
  $("timecode-out").textContent = outputs.map((o) =>
    `${o.kind} ${o.fps} fps → ${o.to}: ${o.state}${o.code ? ` ${o.code}` : ""}`).join("  ");
}

function showStandby(sb) {
  const box = $("standby");
  box.hidden = !sb;
  if (!sb) return;
  const peer = `${sb.peer}: ${sb.peer_role || "not heard"}`;
  const repl = sb.following ? "replication up" : "REPLICATION DOWN";
  const last = sb.last_takeover
    ? ` · last takeover ${new Date(sb.last_takeover.at * 1000).toLocaleTimeString()} by ${sb.last_takeover.by} (${sb.last_takeover.reason})`
    : "";
  const role = sb.role === "active"
    ? `ACTIVE controller ${sb.me} (epoch ${sb.epoch})`
    : `STANDBY controller ${sb.me}: commands go to the active one at ${sb.address.split("/")[0]}` +
      (sb.followed ? ` · it plays ${sb.followed.show || "nothing"} (${sb.followed.state})` : "");
  box.querySelector(".text").textContent = `${role} · ${peer} · ${repl}${last}`;
  box.classList.toggle("forecast", !sb.following);
}

// After a restart during a show: what was running (its title), where it stood (time and
// cue), what the restart did, when, and what the operator can do now (with the button
// for it). `done` is the log's sentence, which names the show by its id (ids have no colon).
const canCueUp = (r) => !!r?.stopped_at && !!r.advice?.startsWith("to go on");
// A state file that cannot be written (a full or read-only state_dir): a restart now would
// resume from an older place, so it stays on screen until the files are written again.
function showStorage(storage) {
  const failing = Object.entries(storage?.failing || {});
  $("storage").hidden = !failing.length;
  $("storage").querySelector(".text").textContent = failing.length
    ? `The controller cannot write its state in state_dir: ${failing.map(([f, why]) => `${f} (${why})`).join(", ")}. ` +
      "A restart now would resume from an older place: free the disk."
    : "";
}

function showRestart(restart) {
  const key = restart ? `showctl-restart-${restart.at}` : null;
  const dismissed = key && localStorage.getItem(key);
  $("restart").hidden = !restart || !!dismissed;
  if (!restart) return;
  const at = restart.stopped_at ? `, at ${restart.stopped_at.text}` : "";
  const advice = restart.advice ? ` ${restart.advice[0].toUpperCase()}${restart.advice.slice(1)}.` : "";
  $("restart").querySelector(".text").textContent =
    `The controller restarted at ${venueTime(restart.at, status.timezone, { date: true })} ` +
    `during ${restart.title || restart.show} (${restart.state}${at}): ` +
    `${restart.done.replace(/^restarted [^:]*: /, "")}.${advice}`;
  $("restart").querySelector("[data-cmd=cue-up]").hidden = !canCueUp(restart) || status.state !== "idle";
  $("restart").querySelector(".dismiss").onclick = () => {
    localStorage.setItem(key, "1");
    $("restart").hidden = true;
  };
}

// Every control is off while disconnected: no command could reach the controller.
function enableButtons() {
  const can = me.role !== "viewer" && connected;
  document.querySelectorAll("[data-cmd]").forEach((b) => {
    b.disabled = !can || !status || !ALLOWED[b.dataset.cmd](status);
  });
  for (const id of ["fade", "show-picker", "seek-to", "volume", "go-anyway"]) $(id).disabled = !can;
  if (!status || !ALLOWED.go(status)) $("go-confirm").hidden = true;
  if (!status || !ALLOWED.stop(status)) disarmStop();
  const stop = document.querySelector("[data-cmd=stop]");
  if (!armed.has(stop)) stop.textContent = status?.state === "stopping" ? "Cut to black" : "Stop";
  const missing = offlineForGo();
  const go = document.querySelector("[data-cmd=go]");
  go.classList.toggle("warn", missing.length > 0);
  go.textContent = missing.length ? `GO (${missing.length} offline)` : "GO";
}

function pick(choice) {
  $("cue-actions").hidden = !choice;
  seekEdited = false;
  if (choice?.cue) {
    const cue = choice.cue;
    $("cue-picked").textContent = `Cue ${cue.id} ${cue.name || ""}`;
    $("seek-to").value = fmt(cue.at, true);
  } else if (choice) {
    $("cue-picked").textContent = "Time";
    $("seek-to").value = fmt(choice.time, true);
  }
  if (status) enableButtons();
}

function tick() {
  if (!status) return;
  const t = showTime();
  $("elapsed").textContent = fmt(t, true);
  $("remaining").textContent = status.show ? fmt(Math.max(0, status.show.length - t)) : "–";
  const holding = status.state === "holding";
  $("hold-for").textContent = holding && connected
    ? `· holding for ${human(Date.now() / 1000 - (status.state_since ?? Date.now() / 1000))}` : "";
  $("next-in").textContent = holding ? "after GO"
    : status.next_cue && status.state !== "idle" ? `in ${human(status.next_cue.at - t)}` : "";
  movePlayhead($("playhead"), t);
  const text = nextText(status.schedule || {});
  $("next-start").textContent = text;
  document.querySelector("#next-strip .text").textContent = text;
}

// "Next: 14:00 Normandy's 100 Days, in 14 min 30 s" (or "tomorrow 10:00 ..."); a held
// schedule's next start will not run.
function nextText(sched) {
  const next = sched.next;
  if (!next) return "No more starts today";
  const when = `${startDay(next.at)}${String(next.at).slice(11, 16)}`;
  const title = next.title || next.show;
  if (sched.held) return `Next: ${when} ${title}: HELD, will not run`;
  return `Next: ${when} ${title}, in ${human((Date.parse(next.at) - Date.now()) / 1000)}`;
}

// "" for a start today, else "tomorrow " or "Sat 28 Nov ": dates on the venue's clock
function startDay(at) {
  const zone = status?.timezone || undefined;
  const day = (ms) => new Date(ms).toLocaleDateString("en-CA", { timeZone: zone });
  const date = String(at).slice(0, 10);
  if (date === day(Date.now())) return "";
  if (date === day(Date.now() + 86400000)) return "tomorrow ";
  return new Date(Date.parse(at)).toLocaleDateString([], {
    timeZone: zone, weekday: "short", day: "numeric", month: "short" }) + " ";
}

// The devices the loaded show acts on that are offline: GO asks first.
function offlineForGo() {
  if (!status || !["loaded"].includes(status.state)) return [];
  const used = new Set(showDevices());
  return (status.devices || []).filter((d) => used.has(d.id) && missing(d)).map((d) => d.id);
}

function go(button) {
  const missing = offlineForGo();
  if (!missing.length) return run(button, "go");
  const shown = missing.slice(0, 4).join(", ") + (missing.length > 4 ? ", …" : "");
  $("go-confirm").querySelector(".text").textContent =
    `${missing.length} device${missing.length > 1 ? "s" : ""} of this show offline (${shown}). GO anyway?`;
  $("go-confirm").hidden = false;
  $("go-anyway").focus();
}

// Stop and Power off take two taps: the first arms the button (it says so), the second
// within 4 s runs the command.
const armed = new Map();  // button -> its disarming timer
function twoTaps(button, prompt, cmd) {
  if (armed.has(button)) { disarm(button); return run(button, cmd); }
  button.dataset.idle = button.textContent;
  button.classList.add("armed");
  button.textContent = prompt;
  armed.set(button, setTimeout(() => disarm(button), CONFIRM_MS));
}

function disarm(button) {
  if (!armed.has(button)) return;
  clearTimeout(armed.get(button));
  armed.delete(button);
  button.classList.remove("armed");
  button.textContent = button.dataset.idle;
}

const disarmStop = () => disarm(document.querySelector("[data-cmd=stop]"));

async function whileBusy(what, work, value = true) {
  busy[what] = value;
  showRoom(status);
  enableButtons();
  try { await work(); } finally {
    busy[what] = what === "power" ? null : false;
    if (status) { showRoom(status); enableButtons(); }
  }
}

// The power sequence answers when done (projectors warm up for minutes); a failed one
// says which devices failed and why.
function power(action) {
  return whileBusy("power", async () => {
    try {
      await post(`/api/power/${action}`);
    } catch (e) {
      const failed = (e.reply?.steps || []).filter((step) => !step.ok);
      if (!failed.length) throw e;
      throw new Error(failed.map((step) => `${step.device}: ${step.message}`).join("; "));
    }
  }, action);
}

// The room's day: the last self-check, the power state, the last alerts sent.
function showRoom(s) {
  if (!s) return;
  const check = s.check;
  const verdict = $("check-verdict");
  verdict.dataset.ready = check ? String(check.ready) : "none";
  verdict.textContent = check ? (check.ready ? "READY" : "NOT READY") : "Not checked yet";
  $("check-when").textContent = check ? `checked ${clockTime(check.at)} by ${check.by}` : "";
  $("check-findings").replaceChildren(...(check?.findings || []).map((f) => {
    const li = document.createElement("li");
    li.dataset.device = f.device || "";
    li.textContent = `${f.device || "room"}: ${f.message}`;
    return li;
  }));
  const checkButton = document.querySelector("[data-cmd=check]");
  checkButton.textContent = busy.check ? "checking…" : "Check now";
  const p = s.power || { state: "unknown" };
  $("power-state").dataset.state = p.state.replace(" ", "-");
  $("power-state").textContent = p.state === "none" ? "no power control"
    : p.since ? `${p.state} since ${clockTime(p.since)}` : p.state;
  // why it reads so: nothing to power, no sequence yet, which device failed
  $("power-reason").textContent = p.reason && !p.state.startsWith("partly") ? p.reason : "";
  const last = p.last;
  const failed = (last?.steps || []).filter((step) => !step.ok);
  $("power-last").textContent = !last ? "" : `last: power ${last.action} by ${last.by}, ` +
    (last.ok ? "done" : `FAILED (${failed.map((x) => `${x.device}: ${x.message}`).join("; ")})`);
  $("power-last").classList.toggle("warn", !!last && !last.ok);
  $("power-buttons").hidden = me.role !== "admin" || p.controllable === false;
  for (const action of ["on", "off"]) {
    const b = document.querySelector(`[data-cmd=power-${action}]`);
    if (armed.has(b)) continue;
    b.textContent = busy.power === action ? `powering ${action}…` : `Power ${action}`;
  }
  showAlerts(s.alerts || []);
}

const ALERTS_SHOWN = 5;
function showAlerts(alerts) {
  const items = alerts.slice(-ALERTS_SHOWN).reverse().map((a) => {
    const li = document.createElement("li");
    li.className = a.status;
    const word = a.status === "failed" ? `FAILED after ${a.attempt} attempt(s): ${a.error || "no reason given"}`
      : a.status === "retrying" ? `retrying (attempt ${a.attempt})${a.error ? `: ${a.error}` : ""}` : "sent";
    li.textContent = `${clockTime(a.at)}  ${a.title}  → ${a.target}  ${word}`;
    return li;
  });
  if (!items.length) {
    const none = document.createElement("li");
    none.className = "none";
    none.textContent = "No alerts sent";
    items.push(none);
  }
  $("alerts").replaceChildren(...items);
}

let early = [];  // the last events, sent before the first status (and its time zone)

function onMessage(msg) {
  if (msg.type === "status") {
    const first = !status;
    status = msg.data;
    receivedAt = performance.now();
    render();
    if (first) showHistory($("history"), status.timezone);
    early.splice(0).forEach(onMessage);
  } else if (msg.type === "event" && !status) {
    early.push(msg);
  } else if (msg.type === "event") {
    const d = msg.data;
    if (msg.kind === "log") {
      logLine(d.message, d.level, msg.wall);
      if (d.message === "files reloaded") loadShows();  // (and the `files` event, below)
    }
    else if (msg.kind === "cue") logLine(`cue ${d.cue} ${d.name || ""}`, "cue", msg.wall);
    else if (msg.kind === "device") {
      logLine(`${d.device} ${d.online ? "online" : "OFFLINE"}${d.reason ? ` (${d.reason})` : ""}`,
        d.online ? "info" : "warning", msg.wall);
    } else if (msg.kind === "alert" && d.status !== "sent") {
      logLine(`alert "${d.title}" to ${d.target} ${d.status}${d.error ? `: ${d.error}` : ""}`,
        d.status === "failed" ? "error" : "warning", msg.wall);
    } else if (msg.kind === "files") loadShows();
    else if (msg.kind === "run" || msg.kind === "check") showHistory($("history"), status.timezone);
  }
}

let retry = 500;
function connect() {
  const ws = new WebSocket(`${location.protocol === "https:" ? "wss" : "ws"}://${location.host}/ws`);
  ws.onopen = () => {
    retry = 500;
    connected = true;
    $("offline").hidden = true;
    document.body.classList.remove("disconnected");
    $("log").replaceChildren();  // the server sends the last events again
    status = null;
    loadShows();  // files may have changed while we were away
  };
  ws.onmessage = (e) => onMessage(JSON.parse(e.data));
  ws.onclose = () => {
    if (connected && status) {  // the clock stops where it was: nothing says it goes on
      status.time = showTime();
      receivedAt = performance.now();
    }
    connected = false;
    showState();
    enableButtons();
    tick();
    $("offline").hidden = false;
    document.body.classList.add("disconnected");
    setTimeout(async () => {
      // after a restart the session may be gone: then log in again
      try { await whoAmI(); } catch { /* still down: try again later */ }
      connect();
    }, retry);
    retry = Math.min(retry * 2, 5000);
  };
}

// The show picker follows the show files: a new or changed file appears without a reload.
async function loadShows() {
  const shows = await get("/api/shows").catch(() => null);
  if (!shows) return;
  const picker = $("show-picker");
  const chosen = picker.value;
  picker.replaceChildren(...shows.map((s) => new Option(`${s.title || s.id} (${fmt(s.length)})`, s.id)));
  if (shows.some((s) => s.id === chosen)) picker.value = chosen;
  else if (status?.show) picker.value = status.show.id;
}

// Space is GO on a desk, never while typing in a field (nor on a focused button, whose
// own space press is a click already).
function onKey(e) {
  if (e.key !== " " || e.repeat || e.ctrlKey || e.altKey || e.metaKey) return;
  if (e.target.closest?.("input, select, textarea, button, [contenteditable]")) return;
  const button = document.querySelector("[data-cmd=go]");
  e.preventDefault();
  if (!button.disabled) go(button);
}

async function main() {
  me = await whoAmI();
  $("user-name").textContent = `${me.name} · `;
  $("user-role").textContent = me.role === "viewer" ? "viewer — read only" : me.role;
  $("user").title = me.role === "viewer" ? "You can watch; a viewer cannot give commands." : "";
  $("who").textContent = `Logged in as ${me.name} (${me.role})`;
  document.body.classList.toggle("viewer", me.role === "viewer");
  document.querySelectorAll("[data-cmd]").forEach((b) => b.addEventListener("click", () => {
    if (b.dataset.cmd === "go") go(b);
    else if (b.dataset.cmd === "stop" && status?.state === "stopping") run(b, "cut");
    else if (b.dataset.cmd === "stop") twoTaps(b, "Tap again to stop", "stop");
    else if (b.dataset.cmd === "power-off") twoTaps(b, "Tap again to power off", "power-off");
    else run(b, b.dataset.cmd);
  }));
  $("go-anyway").addEventListener("click", () => {
    $("go-confirm").hidden = true;
    run(document.querySelector("[data-cmd=go]"), "go");
  });
  $("go-cancel").addEventListener("click", () => { $("go-confirm").hidden = true; });
  document.querySelectorAll(".control-error .dismiss").forEach((b) =>
    b.addEventListener("click", () => { b.closest(".control-error").hidden = true; }));
  $("device-info").querySelector(".dismiss").addEventListener("click", () => {
    deviceShown = null;
    $("device-info").hidden = true;
  });
  $("seek-to").addEventListener("input", () => { seekEdited = true; });
  document.addEventListener("keydown", onKey);
  $("logout").addEventListener("click", async () => {
    await post("/logout").catch(() => {});
    location.href = "/login";
  });
  await loadShows();
  connect();
  setInterval(tick, 100);
}

main();
