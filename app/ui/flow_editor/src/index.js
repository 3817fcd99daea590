// Entry of the bundle that NiceGUI loads through its importmap (`esm={'ren-flow-editor': <assets/flow_editor>}`).
import "@vue-flow/core/dist/style.css";
import "@vue-flow/core/dist/theme-default.css";
import "@vue-flow/controls/dist/style.css";
import "@vue-flow/minimap/dist/style.css";
import "@vue-flow/node-resizer/dist/style.css";
import "./style.css";
import FlowEditor from "./FlowEditor.vue";

export { refusal, typesMeet } from "./graph.js";
export { FlowEditor };
export default FlowEditor;
