// Talking to the controller: JSON requests carrying the session's CSRF token.
let csrf = "";

export async function whoAmI() {
  const res = await fetch("/api/me", { credentials: "same-origin" });
  if (res.status === 401) { location.href = "/login"; throw new Error("not logged in"); }
  const me = await res.json();
  csrf = me.csrf;
  return me;
}

export async function get(path) {
  const res = await fetch(path, { credentials: "same-origin" });
  if (!res.ok) throw new Error((await res.json()).error || res.statusText);
  return res.json();
}

// POST a command; resolves to the reply, or rejects with the controller's reason (the
// error's `reply`: the whole answer, e.g. a failed power sequence's steps).
export async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw Object.assign(new Error(reply.error || res.statusText), { reply });
  return reply;
}

export function fmt(seconds, tenths = false) {
  if (seconds === null || seconds === undefined) return "–";
  const sign = seconds < 0 ? "-" : "";
  let s = Math.abs(seconds);
  const h = Math.floor(s / 3600); s -= h * 3600;
  const m = Math.floor(s / 60); s -= m * 60;
  const sec = tenths ? s.toFixed(1).padStart(4, "0") : String(Math.floor(s)).padStart(2, "0");
  return sign + (h ? `${h}:${String(m).padStart(2, "0")}` : `${m}`) + `:${sec}`;
}

// A duration as people say it: "45 s", "14 min 30 s", "2 h 05 min", "3 d 4 h" (not "14:30", which
// reads like a clock time).
export function human(seconds) {
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s} s`;
  if (s < 3600) return `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
  if (s < 86400) return `${Math.floor(s / 3600)} h ${String(Math.floor((s % 3600) / 60)).padStart(2, "0")} min`;
  return `${Math.floor(s / 86400)} d ${Math.floor((s % 86400) / 3600)} h`;
}

// A wall instant on the venue's clock: "14:02:11" (`seconds`), "2026-11-24 14:02:11 CET"
// (`date`: ISO order, the zone named), whatever the tablet's own zone.
export function venueTime(wall, zone, { date = false } = {}) {
  const at = new Date(wall * 1000);
  const time = at.toLocaleTimeString("en-GB", { hour12: false, timeZone: zone || undefined });
  if (!date) return time;
  const day = at.toLocaleDateString("en-CA", { timeZone: zone || undefined });
  const name = at.toLocaleTimeString("en-GB", { timeZone: zone || undefined, timeZoneName: "short" })
    .split(" ").pop();
  return `${day} ${time} ${name}`;
}
