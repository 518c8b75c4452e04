// The history view: past runs, newest first, on the venue's clock (ISO order, zone named),
// who started and who (or what) ended each run, its outcome and how late it started.
import { get, venueTime } from "./api.js";

const LIMIT = 20;
let pending = null;

function cell(text, cls = "") {
  const td = document.createElement("td");
  td.textContent = text ?? "";
  if (cls) td.className = cls;
  return td;
}

function outcome(row) {
  // a self-check is no show: its verdict and what it found (one finding a line, stored)
  if (row.kind === "check") {
    const findings = (row.reason || "").split("\n").filter(Boolean);
    return row.outcome === "ready" ? "READY" : `NOT READY: ${findings.join("; ") || "no finding recorded"}`;
  }
  if (row.kind === "skip") return `skipped: ${row.reason || ""}`;
  if (row.kind === "miss") return `missed: ${row.reason || ""}`;
  if (!row.end) return "running";
  return row.reason && row.outcome !== "completed" ? `${row.outcome}: ${row.reason}` : row.outcome;
}

// How late a scheduled run began (its timeline's start against the scheduled instant).
function lateness(row) {
  if (row.kind !== "run" || row.scheduled == null) return "";
  const late = row.start - row.scheduled;
  return Math.abs(late) < 0.0005 ? "0 ms" : late < 1 ? `${(late * 1000).toFixed(0)} ms` : `${late.toFixed(1)} s`;
}

export function showHistory(table, zone) {
  clearTimeout(pending);  // a burst of run events: one fetch
  pending = setTimeout(async () => {
    const rows = await get(`/api/history?limit=${LIMIT}`).catch(() => null);
    if (!rows) return;
    table.tBodies[0].replaceChildren(...rows.map((row) => {
      const tr = document.createElement("tr");
      const check = row.kind === "check";
      tr.className = row.kind === "run" ? row.outcome || "running"
        : check ? `check ${row.outcome === "ready" ? "ready" : "not-ready"}` : row.kind;
      tr.append(
        cell(venueTime(row.start, zone, { date: true }), "when"),
        cell(check ? "self-check" : row.show, check ? "check-name" : ""),
        cell(row.by),
        cell(row.end ? venueTime(row.end, zone, { date: true }) : "", "when"),
        cell(row.ended_by),
        cell(outcome(row), "outcome"),
        cell(lateness(row)),
      );
      return tr;
    }));
  }, 150);
}
