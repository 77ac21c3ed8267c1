/**
 * The web UI (src/ui) → dist/ui, served by `sextant server` at `/`. `npx vite` runs a dev server
 * that proxies /api to a Sextant server ($SEXTANT_API, default http://127.0.0.1:5000).
 */
import { fileURLToPath } from "node:url";
import react from "@vitejs/plugin-react";
import { defineConfig, type UserConfig } from "vite";

const here = (p: string) => fileURLToPath(new URL(p, import.meta.url));

export default defineConfig(({ command }) => {
  // A build is a production build even when a test runner starts it with NODE_ENV=test
  // (otherwise React's development runtime would be bundled). Read by Vite after this file.
  if (command === "build") process.env.NODE_ENV = "production";
  return config;
});

const config = {
  root: here("./src/ui"),
  base: "/",
  plugins: [react()],
  build: {
    outDir: here("./dist/ui"),
    emptyOutDir: true,
    target: "es2022",
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      output: {
        codeSplitting: {
          groups: [
            { name: "react", test: /node_modules[\\/](react|react-dom|scheduler)[\\/]/, priority: 3 },
            { name: "tanstack", test: /node_modules[\\/]@tanstack[\\/]/, priority: 2 },
            { name: "echarts", test: /node_modules[\\/](echarts|zrender|tslib)[\\/]/, priority: 2 },
          ],
        },
      },
    },
  },
  server: {
    port: 5173,
    proxy: {
      "/api/": { target: process.env.SEXTANT_API ?? "http://127.0.0.1:5000", changeOrigin: true },
    },
  },
} satisfies UserConfig;
