// Builds ../../../assets/flow_editor/index.js (ES module, `vue` left external: NiceGUI's importmap provides it) and
// index.css (Ren keeps static files in the top-level assets/). Rebuild with `npm ci && npm run build`;
// the bundle is committed.
import { defineConfig } from "vite";
import vue from "@vitejs/plugin-vue";

export default defineConfig({
  plugins: [vue()],
  define: { "process.env.NODE_ENV": JSON.stringify("production") },
  build: {
    outDir: "../../../assets/flow_editor",
    emptyOutDir: true,
    target: "es2020",
    minify: true,
    lib: { entry: "./src/index.js", formats: ["es"], fileName: () => "index.js", cssFileName: "index" },
    rolldownOptions: { external: ["vue"], output: { minify: true } },
  },
});
