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

// POST a command; resolves to the reply, or rejects with the controller's reason.
export async function post(path, body) {
  const res = await fetch(path, {
    method: "POST",
    credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const reply = await res.json().catch(() => ({ error: res.statusText }));
  if (!res.ok) throw new Error(reply.error || res.statusText);
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
