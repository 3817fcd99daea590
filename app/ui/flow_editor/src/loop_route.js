// The route of an edge back to an earlier node (a loop): out of the source to the right, down
// below every node between the two ends, back to the left and into the target from its left.
// A default curve would run straight back behind the nodes in between, as if those were joined.
// Pure geometry (flow coordinates), no Vue.

const OUT = 24; // how far the route leaves a handle before it turns
const BELOW = 36; // how far below the lowest node in the way the route runs
const RADIUS = 10; // rounded corners

/** {x0, y0, x1, y1} of a Vue Flow node, in flow coordinates. */
export function box(node) {
  const p = node.computedPosition || node.position || { x: 0, y: 0 };
  const d = node.dimensions || { width: 0, height: 0 };
  return { x0: p.x, y0: p.y, x1: p.x + d.width, y1: p.y + d.height };
}

/**
 * The y the route runs back along: below the two ends and every obstacle (box) that overlaps
 * the strip between the route's two vertical legs.
 */
export function lowestBetween(left, right, boxes) {
  let bottom = -Infinity;
  for (const b of boxes) if (b.x1 >= left && b.x0 <= right) bottom = Math.max(bottom, b.y1);
  return bottom;
}

function rounded(points) {
  let d = `M ${points[0].x},${points[0].y}`;
  for (let i = 1; i < points.length - 1; i++) {
    const [a, b, c] = [points[i - 1], points[i], points[i + 1]];
    const r = Math.min(RADIUS, Math.hypot(b.x - a.x, b.y - a.y) / 2, Math.hypot(c.x - b.x, c.y - b.y) / 2);
    const toward = (p, q) => {
      const len = Math.hypot(q.x - p.x, q.y - p.y) || 1;
      return { x: p.x + ((q.x - p.x) / len) * r, y: p.y + ((q.y - p.y) / len) * r };
    };
    const before = toward(b, a);
    const after = toward(b, c);
    d += ` L ${before.x},${before.y} Q ${b.x},${b.y} ${after.x},${after.y}`;
  }
  const last = points[points.length - 1];
  return `${d} L ${last.x},${last.y}`;
}

/**
 * The path (SVG `d`) from the source handle (sx, sy) to the target handle (tx, ty), and where
 * its label goes. `ends` are the boxes of the two nodes, `others` the boxes of the nodes the
 * route must not cross.
 */
export function loopRoute(sx, sy, tx, ty, ends, others) {
  const right = sx + OUT;
  const left = tx - OUT;
  const bottom = lowestBetween(Math.min(left, right), Math.max(left, right), [...ends, ...others]);
  const y = Math.max(bottom, sy, ty) + BELOW;
  const points = [
    { x: sx, y: sy },
    { x: right, y: sy },
    { x: right, y },
    { x: left, y },
    { x: left, y: ty },
    { x: tx, y: ty },
  ];
  return { path: rounded(points), labelX: (left + right) / 2, labelY: y };
}
