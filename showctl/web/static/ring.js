// The nine screens drawn as the ring they form around the audience (SVG).
const SVG = "http://www.w3.org/2000/svg";
const R = 150;  // ring radius in viewBox units
const ARC = 34; // degrees each screen spans

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

function arc(angle, radius) {
  const [x1, y1] = polar(angle - ARC / 2, radius);
  const [x2, y2] = polar(angle + ARC / 2, radius);
  return `M ${x1} ${y1} A ${radius} ${radius} 0 0 1 ${x2} ${y2}`;
}

function shortMedia(media) {
  if (!media) return "";
  // the folder, the extension and the screen number (shown outside the ring) go
  const base = media.split("/").pop().replace(/\.[a-z0-9]+$/i, "").replace(/_\d+$/, "");
  return base.length > 14 ? base.slice(0, 13) + "…" : base;
}

// One hue per piece of content (the media name without its screen number), so screens
// showing parts of the same panorama share a colour band.
function contentHue(media) {
  const key = media.replace(/_?\d*\.[a-z0-9]+$/i, "");
  let h = 0;
  for (const ch of key) h = (h * 31 + ch.charCodeAt(0)) >>> 0;
  return h % 360;
}

export function drawRing(svg, devices) {
  const screens = devices.filter((d) => d.kind === "screen");
  svg.replaceChildren();
  svg.append(el("circle", { r: 58, class: "audience" }));
  svg.append(el("text", { y: -4, class: "audience-label" }, "AUDIENCE"));
  svg.append(el("text", { y: 14, class: "audience-sub" }, `${screens.length} screens`));
  for (const d of screens) {
    const angle = d.angle ?? (360 / screens.length) * ((d.index || 1) - 1);
    const out = d.output || {};
    const state = out.state || "idle";
    const online = d.online !== false;
    const g = el("g", {
      class: `screen ${state}${online ? "" : " offline"}`,
      "data-device": d.id, "data-state": state, "data-online": String(online),
    });
    g.append(el("path", { d: arc(angle, R), class: "glass" }));
    if (out.media && state !== "black" && state !== "stopped") {
      g.append(el("path", { d: arc(angle, R - 16), class: "content",
        stroke: `hsl(${contentHue(out.media)} 70% 60%)` }));
    }
    const [nx, ny] = polar(angle, R + 28);
    g.append(el("text", { x: nx, y: ny + 6, class: "screen-no" }, String(d.index ?? "")));
    const [mx, my] = polar(angle, R - 38);
    g.append(el("text", { x: mx, y: my - 3, class: "screen-media" }, shortMedia(out.media)));
    g.append(el("text", { x: mx, y: my + 11, class: "screen-state" },
      online ? state : `${state} · OFFLINE`));
    const title = el("title", {}, `${d.id}: ${out.media || "nothing"} (${state}, ${online ? "online" : "offline"})`);
    g.append(title);
    svg.append(g);
  }
}
