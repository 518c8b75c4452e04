// The Room panel's media line (docs/media.md): per player needed / verified / missing /
// wrong / bytes to go / free disk, read from GET /api/media every 2 s while the page is
// shown; admins get "Sync media" (POST /api/media/sync) and the test patterns
// (POST /api/pattern). Its own module, so the
// dashboard's app.js stays as it is.
import { get, post, whoAmI } from "./api.js";

const EVERY_MS = 2000;
const mb = (n) => (n === null || n === undefined ? "?" : `${(n / 1e6).toFixed(1)} MB`);

function row(p) {
  const li = document.createElement("li");
  li.dataset.device = p.device;
  li.dataset.ready = String(p.ready);
  const parts = [`${p.device}: ${p.ready ? "ready" : "NOT READY"}`,
    `needed ${p.needed}`, `verified ${p.verified}`, `missing ${p.missing.length}`,
    `wrong ${p.wrong.length}`, `to go ${mb(p.bytes_to_go)}`, `free ${mb(p.free_bytes)}`,
    p.state];
  if (p.moving) parts.push(`fetching ${p.moving} (${mb(p.moved_bytes)})`);
  if (p.message) parts.push(p.message);
  li.textContent = parts.join(" · ");
  return li;
}

function show(status) {
  const verdict = document.getElementById("media-verdict");
  verdict.dataset.ready = String(status.ready);
  const players = status.players;
  const ready = players.filter((p) => p.ready).length;
  verdict.textContent = `${status.ready ? "READY" : "NOT READY"}: ${ready}/${players.length} players hold every file verified`;
  document.getElementById("media-players").replaceChildren(...players.map(row));
}

async function refresh() {
  if (document.hidden) return;
  try {
    show(await get("/api/media"));
  } catch (e) {
    fail(e);
  }
}

function fail(e) {
  const box = document.querySelector(".room-media .control-error");
  box.querySelector(".text").textContent = e.message;
  box.hidden = false;
}

async function start() {
  const me = await whoAmI();
  const button = document.getElementById("media-sync");
  button.hidden = me.role !== "admin";
  button.addEventListener("click", async () => {
    button.disabled = true;
    try {
      await post("/api/media/sync", {});
      await refresh();
    } catch (e) {
      fail(e);
    } finally {
      button.disabled = false;
    }
  });
  // Test patterns (docs/picture.md): admins, on an idle room; the controller refuses otherwise.
  document.getElementById("pattern-buttons").hidden = me.role !== "admin";
  document.querySelectorAll("[data-pattern]").forEach((b) => b.addEventListener("click", async () => {
    try {
      await post("/api/pattern", { kind: b.dataset.pattern });
      document.querySelector(".room-media .control-error").hidden = true;
    } catch (e) {
      fail(e);
    }
  }));
  await refresh();
  setInterval(refresh, EVERY_MS);
}

start();
