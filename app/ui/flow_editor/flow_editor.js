// NiceGUI component file: the Vue component itself lives in the bundle (src/ -> assets/flow_editor/index.js),
// which NiceGUI serves through its importmap under the name registered in flow_editor.py.
export { default } from "ren-flow-editor";
