// The view a canvas opens with (and "Fit to screen" / auto-layout): the whole graph when it fits
// at a readable zoom, else the readable zoom around the graph's start, the rest reachable by
// panning and the minimap. Pure geometry, no Vue.
import { isAiEdge, isAiPort } from "./graph.js";
import { box } from "./loop_route.js";

/** Below this zoom node titles (12.5 px) fall under ~9 px on screen: never fit below it. */
export const READABLE_ZOOM = 0.75;
const PAD = 40; // screen pixels kept free around a fitted graph
const OPEN_LEFT = 100; // a small graph opens at full size this far from the left (room to add)

function bounds(nodes) {
  const b = { x0: Infinity, y0: Infinity, x1: -Infinity, y1: -Infinity };
  for (const n of nodes) {
    const r = box(n);
    b.x0 = Math.min(b.x0, r.x0);
    b.y0 = Math.min(b.y0, r.y0);
    b.x1 = Math.max(b.x1, r.x1);
    b.y1 = Math.max(b.y1, r.y1);
  }
  return b;
}

const isSubNode = (n) => {
  const outputs = n.data?.outputs || [];
  return outputs.length > 0 && outputs.every(isAiPort);
};

/**
 * Where a workflow starts: a node marked `start`, else a trigger (type `start` or `*trigger*`)
 * nothing leads into, else any top-level node nothing leads into; the leftmost of those.
 */
export function startNode(top, edges) {
  const fed = new Set(edges.filter((e) => !isAiEdge(e)).map((e) => e.target));
  const roots = top.filter((n) => !fed.has(n.id) && !isSubNode(n));
  const marked = top.filter((n) => n.data?.start);
  const triggers = roots.filter((n) => /^start$|trigger/.test(n.data?.type || ""));
  const pool = marked.length ? marked : triggers.length ? triggers : roots.length ? roots : top;
  return pool.reduce((a, n) => {
    const [p, q] = [box(a), box(n)];
    return q.x0 < p.x0 || (q.x0 === p.x0 && q.y0 < p.y0) ? n : a;
  });
}

/**
 * The viewport {x, y, zoom} for Vue Flow nodes in a canvas of `width` x `height` pixels, or
 * null when there is nothing to show. `opening`: a small graph is shown at full size from the
 * left rather than centred and enlarged.
 */
export function readableViewport(nodes, edges, width, height, { opening = false, maxZoom = 1.25 } = {}) {
  const top = nodes.filter((n) => !n.parentNode && !n.hidden);
  if (!top.length || width <= 0 || height <= 0) return null;
  const b = bounds(top);
  const [w, h] = [Math.max(b.x1 - b.x0, 1), Math.max(b.y1 - b.y0, 1)];
  const fit = Math.min((width - 2 * PAD) / w, (height - 2 * PAD) / h);
  const cx = (b.x0 + b.x1) / 2;
  const cy = (b.y0 + b.y1) / 2;
  if (opening && fit >= 1) {
    const left = Math.min(OPEN_LEFT, (width - w) / 2);
    return { x: left - b.x0, y: height / 2 - cy, zoom: 1 };
  }
  if (fit >= READABLE_ZOOM) {
    const zoom = Math.min(fit, opening ? 1 : maxZoom);
    return { x: width / 2 - cx * zoom, y: height / 2 - cy * zoom, zoom };
  }
  // too big to read whole: the readable zoom, from the start
  const zoom = READABLE_ZOOM;
  const s = box(startNode(top, edges));
  const x = (s.x1 - b.x0) * zoom + 2 * PAD <= width ? PAD - b.x0 * zoom : PAD - s.x0 * zoom;
  const sy = (s.y0 + s.y1) / 2;
  let y;
  if (h * zoom + 2 * PAD <= height) {
    y = height / 2 - cy * zoom;
  } else {
    y = height / 2 - sy * zoom;
    y = Math.max(Math.min(y, PAD - b.y0 * zoom), height - PAD - b.y1 * zoom); // no empty band
    const [top, bottom] = [y + s.y0 * zoom, y + s.y1 * zoom];
    if (top < 0 || bottom > height) y = height / 2 - sy * zoom; // the start stays in view
  }
  return { x, y, zoom };
}
