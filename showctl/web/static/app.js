// The dashboard: one WebSocket for the live state, buttons that POST commands.
import { fmt, get, post, whoAmI } from "./api.js";
import { drawRing } from "./ring.js";
import { markCues, movePlayhead, pickedCue, showTimeline } from "./timeline.js";

const $ = (id) => document.getElementById(id);
const LOADED = ["loaded", "prerolling", "running", "holding", "paused"];
// Which commands each transport state allows (the server refuses the rest with 409).
const ALLOWED = {
  go: (s) => ["loaded", "holding"].includes(s.state),
  pause: (s) => ["running", "holding"].includes(s.state),
  resume: (s) => s.state === "paused",
  stop: (s) => LOADED.includes(s.state),
  load: (s) => ["idle", "loaded"].includes(s.state),
  "seek-cue": (s) => LOADED.includes(s.state) && pickedCue() !== null,
  "fire-cue": (s) => LOADED.includes(s.state) && pickedCue() !== null,
  hold: (s) => !s.schedule?.held,
  release: (s) => !!s.schedule?.held,
  panic: () => true,
};
const COMMANDS = {
  go: () => post("/api/transport/go"),
  pause: () => post("/api/transport/pause"),
  resume: () => post("/api/transport/resume"),
  // an empty fade field: the venue's safe-look fade
  stop: () => post("/api/transport/stop", $("fade").value === "" ? {} : { fade: Number($("fade").value) }),
  panic: () => post("/api/transport/panic"),
  load: () => post("/api/load", { show: $("show-picker").value }),
  "seek-cue": () => post("/api/seek", { to: `cue:${pickedCue().id}` }),
  "fire-cue": () => post(`/api/cues/${encodeURIComponent(pickedCue().id)}/fire`),
  hold: () => post("/api/schedule/hold"),
  release: () => post("/api/schedule/release"),
};

let me = { role: "viewer" };
let status = null;
let receivedAt = 0;
let connected = false;  // while the live feed is down, nothing shown is live

function showTime() {
  if (!status) return 0;
  const moving = connected && ["running", "prerolling"].includes(status.state);
  return status.time + (moving ? (performance.now() - receivedAt) / 1000 : 0);
}

function logLine(text, level = "info", wall = Date.now() / 1000) {
  const li = document.createElement("li");
  li.className = level;
  // the venue's clock, like the schedule's times, whatever the tablet's own time zone
  const clock = { hour12: false, timeZone: status?.timezone || undefined };
  li.textContent = `${new Date(wall * 1000).toLocaleTimeString([], clock)}  ${text}`;
  $("log").prepend(li);
  while ($("log").children.length > 40) $("log").lastChild.remove();
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
  drawRing($("ring"), s.devices || []);
  const screens = (s.devices || []).filter((d) => d.kind === "screen");
  const others = (s.devices || []).filter((d) => d.kind !== "screen");
  const up = screens.filter((d) => d.online).length;
  $("online").textContent = [`${up}/${screens.length} screens online`,
    ...others.map((d) => `${d.id} ${d.online ? "online" : "OFFLINE"}${saidText(d)}`)].join("  ·  ");
  $("online").classList.toggle("warn", up < screens.length || others.some((d) => !d.online));
  const lights = s.lighting?.lights;
  const levels = Object.entries(s.lighting?.levels || {});
  $("lighting").textContent = lights?.cue ? `${lights.cue}  (fade ${lights.fade ?? 0} s)` : "–";
  $("levels").textContent = levels.length ? `DMX ${levels.map(([c, v]) => `${c}@${v}`).join("  ")}` : "";
  showFiles(s.files || {});
  const sched = s.schedule || {};
  $("held").hidden = !sched.held;
  document.querySelector("#next-strip .held").hidden = !sched.held;
  $("today").replaceChildren(...(sched.today || []).map((e) => {
    const li = document.createElement("li");
    li.className = e.status || "due";
    li.textContent = `${String(e.at).slice(11, 16) || e.at}  ${e.show}  ${e.status || ""}`;
    return li;
  }));
  showTimeline($("timeline"), $("cue-list"), s.show, pick)
    .then(() => markCues($("cue-list"), s.current_cue, s.next_cue, s.time))
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

// The transport badge: the state, or OFFLINE while the controller cannot be reached (the
// last state known is in its tooltip).
function showState() {
  const state = connected ? status?.state ?? "idle" : "offline";
  $("state").textContent = state;
  $("state").dataset.state = state;
  $("state").title = connected ? "" : `last known: ${status?.state ?? "nothing"}`;
  document.body.dataset.state = state;  // e.g. GO stands out while the show holds
}

// Every control is off while disconnected: no command could reach the controller.
function enableButtons() {
  const can = me.role !== "viewer" && connected;
  document.querySelectorAll("[data-cmd]").forEach((b) => {
    b.disabled = !can || !status || !ALLOWED[b.dataset.cmd](status);
  });
  $("fade").disabled = !can;
  $("show-picker").disabled = !can;
}

function pick(cue) {
  $("cue-actions").hidden = !cue;
  $("cue-picked").textContent = cue ? `Cue ${cue.id} ${cue.name || ""} @ ${fmt(cue.at, true)}` : "";
  if (status) enableButtons();
}

function tick() {
  if (!status) return;
  const t = showTime();
  $("elapsed").textContent = fmt(t, true);
  $("remaining").textContent = status.show ? fmt(Math.max(0, status.show.length - t)) : "–";
  $("next-in").textContent = status.next_cue && status.state !== "idle"
    ? `in ${fmt(Math.max(0, status.next_cue.at - t))}` : "";
  movePlayhead($("playhead"), t);
  const next = status.schedule?.next;
  const text = next
    ? `Next: ${next.show} ${startDay(next.at)}at ${String(next.at).slice(11, 16)} (in ${fmt(Math.max(0, (Date.parse(next.at) - Date.now()) / 1000))})`
    : "No more starts today";
  $("next-start").textContent = text;
  document.querySelector("#next-strip .text").textContent = text;
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

let early = [];  // the last events, sent before the first status (and its time zone)

function onMessage(msg) {
  if (msg.type === "status") {
    status = msg.data;
    receivedAt = performance.now();
    render();
    early.splice(0).forEach(onMessage);
  } else if (msg.type === "event" && !status) {
    early.push(msg);
  } else if (msg.type === "event") {
    const d = msg.data;
    if (msg.kind === "log") logLine(d.message, d.level, msg.wall);
    else if (msg.kind === "cue") logLine(`cue ${d.cue} ${d.name || ""}`, "cue", msg.wall);
    else if (msg.kind === "device") {
      logLine(`${d.device} ${d.online ? "online" : "OFFLINE"}`, d.online ? "info" : "warning", msg.wall);
    }
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

async function main() {
  me = await whoAmI();
  $("user-name").textContent = `${me.name} · `;
  $("user-role").textContent = me.role === "viewer" ? "viewer — read only" : me.role;
  $("user").title = me.role === "viewer" ? "You can watch; a viewer cannot give commands." : "";
  document.body.classList.toggle("viewer", me.role === "viewer");
  document.querySelectorAll("[data-cmd]").forEach((b) => b.addEventListener("click", async () => {
    try { await COMMANDS[b.dataset.cmd](); } catch (e) { logLine(`${b.dataset.cmd}: ${e.message}`, "error"); }
  }));
  $("logout").addEventListener("click", async () => {
    await post("/logout").catch(() => {});
    location.href = "/login";
  });
  const shows = await get("/api/shows");
  $("show-picker").replaceChildren(...shows.map((s) => new Option(`${s.title || s.id} (${fmt(s.length)})`, s.id)));
  connect();
  setInterval(tick, 100);
}

main();
