// The console's Vite configuration, used by web/build.ts (`npm start`, `cdk synth`, the bench) and by
// `npx vite web` while working on the console.
import react from '@vitejs/plugin-react';
import type { UserConfig } from 'vite';

export const consoleConfig: UserConfig = {
  root: import.meta.dirname,
  base: '/',
  plugins: [react()],
  logLevel: 'warn',
  build: {
    // The CSP allows scripts from 'self' only: no inline polyfill, no eval, one module entry.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: false,
    reportCompressedSize: false,
    target: 'es2022',
  },
};

export default consoleConfig;
