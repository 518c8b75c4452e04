// The nine screens drawn as the ring they form around the audience (SVG).
//
// Each screen is a segment of the outer band (its state, written on the band), its number
// outside, a colour band per piece of content inside, and the media name within the ring.
// Media names are cut to fit their own space (with "…"); the segment's tooltip has it all.
const SVG = "http://www.w3.org/2000/svg";
const R = 158;        // centre line of the screens' band, in viewBox units
const BAND = 24;      // its width
const ARC = 34;       // degrees each screen spans
const CONTENT_R = R - BAND / 2 - 8;  // the content colour band (5 wide)
const INNER = CONTENT_R - 2.5 - 4;   // media names stay inside this radius
const AUDIENCE = 46;  // the audience in the middle
const LABEL_R = 98;   // where media names are centred
const LABEL_FONT = 14;               // .screen-media font-size (viewBox units)
const LINE = LABEL_FONT + 2;         // a line of a name
const GAP = 5;        // least space between two names

function el(name, attrs = {}, text = "") {
  const node = document.createElementNS(SVG, name);
  for (const [k, v] of Object.entries(attrs)) node.setAttribute(k, v);
  if (text) node.textContent = text;
  return node;
}

function polar(angle, radius) {
  const a = (angle - 90) * Math.PI / 180;  // 0° at the top, clockwise
  return [radius * Math.cos(a), radius * Math.sin(a)];
}

// The screen's arc; drawn anticlockwise on the lower half so text along it stays upright.
function arc(angle, radius, upright = false) {
  const a = ((angle % 360) + 360) % 360;
  const flip = upright && a > 90 && a < 270;
  const [x1, y1] = polar(angle + (flip ? ARC / 2 : -ARC / 2), radius);
  const [x2, y2] = polar(angle + (flip ? -ARC / 2 : ARC / 2), radius);
  return `M ${x1} ${y1} A ${radius} ${radius} 0 0 ${flip ? 0 : 1} ${x2} ${y2}`;
}

// What is worth reading of a media path: no folder, extension, screen number, or leading
// running number ("normandy/01-channel-dawn_3.mp4" -> "channel-dawn").
export function shortMedia(media) {
  if (!media) return "";
  const base = media.split("/").pop().replace(/\.[a-z0-9]+$/i, "").replace(/_\d+$/, "");
  return base.replace(/^\d{1,3}[a-z]?[-_ ]+(?=\S)/i, "") || base;
}

// One hue per piece of content (the media name without its screen number), so screens
// showing parts of the same panorama share a colour band.
function contentHue(media) {
  const key = media.replace(/_?\d*\.[a-z0-9]+$/i, "");
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 360;
}

// The widest each horizontal name may be, centred at `centres` with `heights`: inside the
// content band, clear of the audience circle, and clear of every name beside it (two
// names side by side share the space between their centres).
function labelWidths(centres, heights) {
  return centres.map(([cx, cy], i) => {
    const ax = Math.abs(cx), ay = Math.abs(cy), half = heights[i] / 2;
    let w = 2 * (Math.sqrt(Math.max(0, INNER ** 2 - (ay + half) ** 2)) - ax);
    const dy = Math.max(ay - half, 0);
    const clear = AUDIENCE + 4;
    if (dy < clear) w = Math.min(w, 2 * (ax - Math.sqrt(clear ** 2 - dy ** 2)));
    centres.forEach(([ox, oy], j) => {
      if (j !== i && Math.abs(oy - cy) < (heights[i] + heights[j]) / 2 + GAP) {
        w = Math.min(w, Math.abs(ox - cx) - GAP);
      }
    });
    return Math.max(0, w);
  });
}

let measurer = null;
function textWidth(text, font) {
  measurer ??= document.createElement("canvas").getContext("2d");
  measurer.font = font;
  return measurer.measureText(text).width;
}

// `text`, or its longest start that fits `width` with an ellipsis.
function fit(text, width, font) {
  if (textWidth(text, font) <= width) return text;
  let lo = 0, hi = text.length;
  while (lo < hi) {
    const mid = Math.ceil((lo + hi) / 2);
    if (textWidth(text.slice(0, mid).trimEnd() + "…", font) <= width) lo = mid; else hi = mid - 1;
  }
  return lo ? text.slice(0, lo).trimEnd() + "…" : "";
}

// The best place to break a name in two lines (after a "-", "_" or space): the split
// whose wider line is narrowest; null for a name that does not split.
function split(text, font) {
  let best = null;
  for (let i = 1; i < text.length - 1; i++) {
    if (!"-_ ".includes(text[i])) continue;
    const lines = [text.slice(0, i + 1).trimEnd(), text.slice(i + 1)];
    const widest = Math.max(...lines.map((l) => textWidth(l, font)));
    if (!best || widest < best.widest) best = { lines, widest };
  }
  return best;
}

// Lays the screens' media names out: each on one line, or two if it splits and that
// shows more of it, at the radius along its screen's direction where the names together
// show the most (the default radius on a tie, so an even ring stays even). What still
// does not fit is cut with "…".
function layoutNames(names, angles, font) {
  const radii = angles.map(() => LABEL_R);
  const one = names.map((n) => textWidth(n, font));
  const two = names.map((n) => split(n, font));
  const heights = names.map(() => LINE);
  const need = (i, h) => (h === LINE ? one[i] : two[i].widest);
  const score = (rs, hs) => {
    const widths = labelWidths(rs.map((r, i) => polar(angles[i], r)), hs);
    return widths.reduce((sum, w, i) => sum + (one[i] ? Math.min(1, w / need(i, hs[i])) : 1), 0);
  };
  for (let pass = 0; pass < 4; pass++) {
    let changed = false;
    names.forEach((_, i) => {
      if (!two[i]) return;
      const other = heights[i] === LINE ? 2 * LINE : LINE;
      const hs = heights.map((h, j) => (j === i ? other : h));
      if (score(radii, hs) > score(radii, heights) + 1e-6) { heights[i] = other; changed = true; }
    });
    angles.forEach((_, i) => {
      let best = score(radii, heights), bestR = radii[i];
      for (let r = LABEL_R - 16; r <= LABEL_R + 12; r += 2) {
        const s = score(radii.map((x, j) => (j === i ? r : x)), heights);
        if (s > best + 1e-6 || (Math.abs(s - best) <= 1e-6 && Math.abs(r - LABEL_R) < Math.abs(bestR - LABEL_R))) {
          best = s; bestR = r;
        }
      }
      if (bestR !== radii[i]) { radii[i] = bestR; changed = true; }
    });
    if (!changed) break;
  }
  const centres = radii.map((r, i) => polar(angles[i], r));
  const widths = labelWidths(centres, heights);
  const lines = names.map((name, i) => (heights[i] === LINE
    ? [fit(name, widths[i], font)]
    : two[i].lines.map((l) => fit(l, widths[i], font))));
  return { lines, centres };
}

// What a screen is doing: what its player confirms when it reports, else what it was
// told; and whether the two differ (another process blacked it, a player that crashed).
function shownState(d) {
  const told = d.output?.state || "idle";
  const confirmed = d.confirmed?.state;
  const differs = !!d.mismatch && !!confirmed;
  // agreeing (a player "paused" on a commanded "loaded"), the commanded word says it
  return { state: differs ? confirmed : told, told, confirmed, differs };
}

export function drawRing(svg, devices, onTap = () => {}) {
  const screens = devices.filter((d) => d.kind === "screen");
  const angles = screens.map((d) => d.angle ?? (360 / screens.length) * ((d.index || 1) - 1));
  const font = `500 ${LABEL_FONT}px ${getComputedStyle(svg).fontFamily || "sans-serif"}`;
  const { lines: names, centres } = layoutNames(screens.map((d) => {
    const { state } = shownState(d);
    return state === "black" || state === "stopped" ? "" : shortMedia(d.output?.media);
  }), angles, font);
  svg.replaceChildren();
  const defs = el("defs");
  svg.append(defs);
  svg.append(el("circle", { r: AUDIENCE, class: "audience" }));
  svg.append(el("text", { y: -3, class: "audience-label" }, "AUDIENCE"));
  svg.append(el("text", { y: 14, class: "audience-sub" }, `${screens.length} screens`));
  screens.forEach((d, n) => {
    const angle = angles[n];
    const out = d.output || {};
    const { state, told, confirmed, differs } = shownState(d);
    const online = d.online !== false;
    const g = el("g", {
      class: `screen ${state}${online ? "" : " offline"}${differs && online ? " mismatch" : ""}`,
      "data-device": d.id, "data-state": state, "data-online": String(online),
      "data-told": told, "data-mismatch": String(differs), role: "button", tabindex: "0",
    });
    g.addEventListener("click", () => onTap(d.id));
    g.addEventListener("keydown", (e) => { if (e.key === "Enter") onTap(d.id); });
    g.append(el("path", { d: arc(angle, R), class: "glass" }));
    const pathId = `ring-band-${n}`;
    defs.append(el("path", { id: pathId, d: arc(angle, R, true) }));
    const onBand = el("text", { class: "screen-state", "dominant-baseline": "central" });
    onBand.append(el("textPath", { href: `#${pathId}`, startOffset: "50%", "text-anchor": "middle" },
      !online ? "OFFLINE" : differs ? `≠ ${state.toUpperCase()}` : state.toUpperCase()));
    g.append(onBand);
    if (out.media && state !== "black" && state !== "stopped") {
      g.append(el("path", { d: arc(angle, CONTENT_R), class: "content",
        stroke: `hsl(${contentHue(out.media)} 70% 60%)` }));
    }
    const [nx, ny] = polar(angle, R + BAND / 2 + 15);
    g.append(el("text", { x: nx, y: ny, class: "screen-no", "dominant-baseline": "central" },
      String(d.index ?? "")));
    const [mx, my] = centres[n];
    const label = el("text", { x: mx, y: my, class: "screen-media", "dominant-baseline": "central" });
    names[n].forEach((line, i) => label.append(el("tspan",
      { x: mx, y: my + (i - (names[n].length - 1) / 2) * LINE }, line)));
    g.append(label);
    const reports = differs ? `, reports ${confirmed} (NOT AS TOLD)` : "";
    g.append(el("title", {},
      `Screen ${d.index ?? ""} (${d.id}): ${out.media || "nothing"} — ${told}${reports}, ${online ? "online" : "OFFLINE"}`));
    svg.append(g);
  });
}
