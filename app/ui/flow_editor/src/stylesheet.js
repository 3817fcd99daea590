// The bundle's CSS sits next to it (assets/flow_editor/index.css). Link it once per page, from the module's own
// URL, so the element needs no ui.add_css and pages without an editor load no editor CSS.
let promise = null;

export function stylesheetReady() {
  if (promise) return promise;
  const href = import.meta.url.replace(/[^/?#]*([?#].*)?$/, "index.css");
  const existing = document.querySelector(`link[data-ren-flow-editor]`);
  if (existing) return (promise = Promise.resolve());
  promise = new Promise((resolve) => {
    const link = document.createElement("link");
    link.rel = "stylesheet";
    link.href = href;
    link.dataset.renFlowEditor = "";
    link.onload = () => resolve();
    link.onerror = () => resolve(); // draw anyway rather than never
    document.head.appendChild(link);
  });
  return promise;
}
