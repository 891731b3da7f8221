import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// The API serves dist/ at `/` with an SPA fallback; in development Vite proxies the API instead.
export default defineConfig({
  root: import.meta.dirname,
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true, chunkSizeWarningLimit: 1500 },
  server: { proxy: { "/v1": process.env.VITNAS_API_URL ?? "http://127.0.0.1:3000" } },
});
