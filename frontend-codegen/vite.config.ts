import { defineConfig } from 'vite';
import react from '@vitejs/plugin-react';

// Two pages: the dashboard app (index.html, served at `/`) and GraphiQL (graphiql.html,
// served at `GET /graphql`). Every asset is referenced as `/assets/…`, which the Rust server
// serves from dist/assets. Nothing is loaded from a CDN: GraphiQL, its CSS, Monaco and its
// workers are all bundled.
//
// `npm run dev` proxies the API to a running `pulso serve` (PULSO_API, default
// http://127.0.0.1:8000); the dev server's GraphiQL is at /graphiql.html.
const api = process.env.PULSO_API ?? 'http://127.0.0.1:8000';

export default defineConfig({
  base: '/',
  plugins: [react()],
  build: {
    outDir: 'dist',
    assetsDir: 'assets',
    emptyOutDir: true,
    chunkSizeWarningLimit: 6000,
    rolldownOptions: {
      input: {
        index: 'index.html',
        graphiql: 'graphiql.html',
      },
      // GraphiQL's React-compiler output starts modules with "use no memo", which bundling
      // drops harmlessly; keep the build log to what matters.
      onwarn(warning, warn) {
        if (warning.code === 'MODULE_LEVEL_DIRECTIVE') return;
        warn(warning);
      },
    },
  },
  // The dev server must not pre-bundle the Monaco worker setup (its `?worker` imports are
  // Vite's to resolve).
  optimizeDeps: {
    exclude: ['graphiql/setup-workers/vite', '@graphiql/react/setup-workers/vite'],
  },
  worker: {
    format: 'es',
  },
  server: {
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/health': { target: api },
    },
  },
  preview: {
    proxy: {
      '/graphql': { target: api, ws: true, changeOrigin: true },
      '/health': { target: api },
    },
  },
});
