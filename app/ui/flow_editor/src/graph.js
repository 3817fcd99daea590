// Pure helpers: convert Ren's plain node/edge dicts to Vue Flow elements and check connections.
// Nothing here touches the DOM or Vue, so the rules stay easy to read and to change.

export const STATUSES = ["running", "succeeded", "failed", "skipped", "waiting", "paused"];

export const STATUS_ICONS = {
  running: "autorenew",
  succeeded: "check_circle",
  failed: "error",
  skipped: "block",
  waiting: "hourglass_top",
  paused: "pause_circle",
};

const GROUP_WIDTH = 360;
const GROUP_HEIGHT = 220;

function num(value) {
  const n = Number(value);
  return Number.isFinite(n) ? n : 0;
}

function ports(list) {
  if (!Array.isArray(list)) return [];
  return list
    .filter((p) => p && p.name !== undefined && p.name !== null)
    .map((p) => ({ name: String(p.name), type: p.type ? String(p.type) : "any", label: p.label ? String(p.label) : "" }));
}

/** The node dict as the node components read it (Vue Flow keeps it in `node.data`). */
export function nodeData(n) {
  return {
    id: String(n.id),
    type: n.type ? String(n.type) : "",
    label: n.label ? String(n.label) : "",
    parent: n.parent ? String(n.parent) : null,
    group: Boolean(n.group),
    inputs: ports(n.inputs),
    outputs: ports(n.outputs),
    icon: n.icon || null,
    color: n.color || null,
    status: STATUSES.includes(n.status) ? n.status : null,
    problems: Array.isArray(n.problems) ? n.problems.map(String) : [],
    subtitle: n.subtitle || null,
    pinned: Boolean(n.pinned),
    start: Boolean(n.start),
  };
}

export function groupStyle(n) {
  return { width: `${num(n.width) || GROUP_WIDTH}px`, height: `${num(n.height) || GROUP_HEIGHT}px` };
}

/**
 * Ren node dict -> Vue Flow node. Children are positioned relative to their group, but not kept
 * inside it: a child dragged out of its group is reported (see scopeChange) and moved out.
 */
export function toFlowNode(n) {
  const data = nodeData(n);
  const node = {
    id: data.id,
    type: data.group ? "ren-group" : "ren",
    position: { x: num(n.position?.x), y: num(n.position?.y) },
    data,
  };
  if (data.parent) node.parentNode = data.parent;
  if (data.group) node.style = groupStyle(n);
  return node;
}

/** How many groups a Vue Flow node sits in. */
function nesting(node, byId) {
  let d = 0;
  for (let n = node; n && n.parentNode && d < 50; n = byId.get(n.parentNode)) d++;
  return d;
}

/**
 * The innermost group whose box holds the flow point `p`, or null. `nodes` are Vue Flow nodes
 * (measured), `skip` ids of groups that cannot take anything (the nodes being dragged).
 */
export function groupAt(nodes, p, skip = new Set()) {
  let byId = null; // built on the first hit: most points are over no group
  let hit = null;
  let hitDepth = -1;
  for (const n of nodes) {
    if (!n.data?.group || skip.has(n.id)) continue;
    const { x, y, z } = n.computedPosition;
    const { width, height } = n.dimensions;
    if (p.x < x || p.x > x + width || p.y < y || p.y > y + height) continue;
    byId ??= new Map(nodes.map((m) => [m.id, m]));
    const d = nesting(n, byId);
    if (d > hitDepth || (d === hitDepth && z >= hit.computedPosition.z)) {
      hit = n;
      hitDepth = d;
    }
  }
  return hit;
}

/**
 * Where a dragged node lands when it is dropped: `{parent, x, y}` (the group under its centre,
 * or null for the top level, and its position relative to that) when that is not the group it is
 * in now, else null. `dragged` holds the ids being dragged with everything inside them: a node
 * whose group is dragged too travels along, and nothing is dropped into a dragged node.
 */
export function scopeChange(node, nodes, dragged) {
  if (node.parentNode && dragged.has(node.parentNode)) return null;
  const { x, y } = node.computedPosition;
  const centre = { x: x + node.dimensions.width / 2, y: y + node.dimensions.height / 2 };
  const group = groupAt(nodes, centre, dragged);
  const parent = group ? group.id : null;
  if (parent === (node.parentNode || null)) return null;
  const origin = group ? group.computedPosition : { x: 0, y: 0 };
  return { parent, x: x - origin.x, y: y - origin.y };
}

/** Vue Flow wants a parent before its children: groups first, each before its own children. */
export function parentsFirst(nodes) {
  const byId = new Map(nodes.map((n) => [String(n.id), n]));
  const depth = (n, seen = 0) => {
    const parent = n.parent ? byId.get(String(n.parent)) : undefined;
    return parent && seen < 50 ? 1 + depth(parent, seen + 1) : 0;
  };
  return nodes
    .map((n, i) => [depth(n), i, n])
    .sort((a, b) => a[0] - b[0] || a[1] - b[1])
    .map((x) => x[2]);
}

export function toFlowEdge(e) {
  const edge = {
    id: String(e.id),
    source: String(e.source),
    target: String(e.target),
    sourceHandle: e.source_port === undefined || e.source_port === null ? null : String(e.source_port),
    targetHandle: e.target_port === undefined || e.target_port === null ? null : String(e.target_port),
    data: { label: e.label || null },
  };
  if (e.label) edge.label = String(e.label);
  if (Object.hasOwn(AI_KINDS, edge.targetHandle ?? "")) {
    edge.class = `ren-edge--ai ren-edge--${edge.targetHandle}`; // a sub-node attachment, dashed
  }
  return edge;
}

/** An edge from a sub-node to an AI node's port (model, tools, ...): not part of the flow. */
export function isAiEdge(edge) {
  return Object.hasOwn(AI_KINDS, edge.targetHandle ?? "");
}

/**
 * The ids of the edges that lead back to an earlier node (each closes a cycle): a depth-first
 * walk from the first nodes (leftmost first, each node's successors leftmost first) meets them
 * as edges to a node still on its path. `nodes` are Vue Flow nodes, `edges` Vue Flow edges.
 */
export function backEdges(nodes, edges) {
  const x = new Map(nodes.map((n) => [n.id, n.position?.x ?? 0]));
  const out = new Map();
  const fed = new Set();
  for (const e of edges) {
    if (isAiEdge(e) || !x.has(e.source) || !x.has(e.target)) continue;
    if (!out.has(e.source)) out.set(e.source, []);
    out.get(e.source).push(e);
    fed.add(e.target);
  }
  for (const list of out.values()) list.sort((a, b) => x.get(a.target) - x.get(b.target));
  const order = [...x.keys()].sort((a, b) => Number(fed.has(a)) - Number(fed.has(b)) || x.get(a) - x.get(b));
  const state = new Map(); // 1: on the current path, 2: done
  const back = new Set();
  for (const root of order) {
    if (state.has(root)) continue;
    state.set(root, 1);
    const stack = [[root, 0]];
    while (stack.length) {
      const top = stack[stack.length - 1];
      const list = out.get(top[0]) || [];
      if (top[1] >= list.length) {
        state.set(top[0], 2);
        stack.pop();
        continue;
      }
      const e = list[top[1]++];
      const s = state.get(e.target);
      if (s === 1) back.add(e.id);
      else if (!s) {
        state.set(e.target, 1);
        stack.push([e.target, 0]);
      }
    }
  }
  return back;
}

export function fromFlowEdge(edge) {
  return {
    id: edge.id,
    source: edge.source,
    source_port: edge.sourceHandle ?? null,
    target: edge.target,
    target_port: edge.targetHandle ?? null,
    label: edge.data?.label ?? (typeof edge.label === "string" ? edge.label : null),
  };
}

/** AI connection kinds (app.core.ports.AI_PORT_KINDS): a sub-node port joins only its own kind. */
export const AI_KINDS = {
  ai_language_model: "Model",
  ai_tool: "Tools",
  ai_memory: "Memory",
  ai_output_parser: "Output parser",
  ai_retriever: "Retriever",
  ai_embedding: "Embeddings",
  ai_text_splitter: "Text splitter",
  ai_vector_store: "Vector store",
  ai_document: "Documents",
};

export function isAiPort(port) {
  return Boolean(port) && Object.hasOwn(AI_KINDS, port.name);
}

/** What a handle carries, for its colour and for matching while dragging: an AI kind or a type. */
export function portKind(port) {
  return isAiPort(port) ? port.name : port.type;
}

function kindText(port) {
  return isAiPort(port) ? `${AI_KINDS[port.name]} (${port.name})` : `data ('${port.name}')`;
}

export function typesMeet(a, b) {
  return a === b || a === "any" || b === "any";
}

function name(data) {
  return data.label || data.id;
}

/**
 * Why a connection source.sourcePort -> target.targetPort cannot work, or null when it can.
 * `source`/`target` are node data (see nodeData); `edges` the current Vue Flow edges.
 * Groups: nodes connect inside the same group, and a group connects to its own body.
 */
export function refusal(source, sourcePort, target, targetPort, edges) {
  if (source.id === target.id) return `Cannot connect '${name(source)}' to itself`;
  const sameGroup =
    (source.parent || null) === (target.parent || null) ||
    target.parent === source.id ||
    source.parent === target.id;
  if (!sameGroup) {
    return `Cannot connect '${name(source)}' to '${name(target)}': they are in different groups`;
  }
  const out = source.outputs.find((p) => p.name === sourcePort);
  const inp = target.inputs.find((p) => p.name === targetPort);
  if (!out) return `'${name(source)}' has no output '${sourcePort}'`;
  if (!inp) return `'${name(target)}' has no input '${targetPort}'`;
  if ((isAiPort(out) || isAiPort(inp)) && out.name !== inp.name) {
    return `'${name(source)}' gives ${kindText(out)} but this input of '${name(target)}' takes ${kindText(inp)}; connect ports of the same kind`;
  }
  if (!typesMeet(out.type, inp.type)) {
    return `Cannot connect ${out.type} output '${out.name}' to ${inp.type} input '${inp.name}' of '${name(target)}'`;
  }
  const duplicate = edges.some(
    (e) =>
      e.source === source.id &&
      e.target === target.id &&
      (e.sourceHandle ?? null) === sourcePort &&
      (e.targetHandle ?? null) === targetPort,
  );
  if (duplicate) {
    return `Output '${out.name}' of '${name(source)}' is already connected to input '${inp.name}' of '${name(target)}'`;
  }
  return null;
}

/** CSS that dims the handles a connection being dragged cannot use and rings the ones it can. */
export function connectingCss(scope, start, startData) {
  if (!start || !startData) return "";
  const fromOutput = start.handleType === "source";
  const list = fromOutput ? startData.outputs : startData.inputs;
  const port = list.find((p) => p.name === start.handleId);
  const other = fromOutput ? "target" : "source";
  const self = `${scope} .vue-flow__node[data-id="${CSS.escape(startData.id)}"] .vue-flow__handle.${other}`;
  const rules = [`${self} { opacity: 0.25; box-shadow: none; }`];
  if (port && isAiPort(port)) {
    const k = CSS.escape(port.name);
    rules.unshift(
      `${scope} .vue-flow__handle.${other}:not([data-ptype="${k}"]) { opacity: 0.25; }`,
      `${scope} .vue-flow__handle.${other}[data-ptype="${k}"] { box-shadow: 0 0 0 3px var(--ren-accent-ring); }`,
    );
  } else if (port && port.type !== "any") {
    const t = CSS.escape(port.type);
    rules.unshift(
      `${scope} .vue-flow__handle.${other}:not([data-ptype="${t}"]):not([data-ptype="any"]) { opacity: 0.25; }`,
      `${scope} .vue-flow__handle.${other}[data-ptype="${t}"], ${scope} .vue-flow__handle.${other}[data-ptype="any"] { box-shadow: 0 0 0 3px var(--ren-accent-ring); }`,
    );
  } else {
    rules.unshift(`${scope} .vue-flow__handle.${other} { box-shadow: 0 0 0 3px var(--ren-accent-ring); }`);
  }
  if (port && !isAiPort(port)) {
    rules.push(`${scope} .vue-flow__handle.${other}.ren-port--ai { opacity: 0.25; box-shadow: none; }`);
  }
  return rules.join("\n");
}

/** CSS that marks the groups a drag would drop nodes into. */
export function dropTargetCss(scope, ids) {
  if (!ids.length) return "";
  const nodes = ids.map((id) => `${scope} .vue-flow__node[data-id="${CSS.escape(id)}"] > .ren-group`);
  return `${nodes.join(", ")} { border-style: solid; border-color: var(--ren-accent); box-shadow: 0 0 0 3px var(--ren-accent-ring); }`;
}
