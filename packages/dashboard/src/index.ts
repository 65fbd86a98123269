import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * Where the built dashboard lives (Vite's output: index.html and hashed assets), for `wxmedia serve` to serve at
 * /wxmedia/dashboard/. The same path from the sources and from a built package: both sit one level below the root.
 */
export const DASHBOARD_DIR = fileURLToPath(new URL('../dist/app/', import.meta.url));

/** Whether the dashboard has been built (`npm run build -w @wxmedia/dashboard`). */
export function dashboardBuilt(): boolean {
  return existsSync(`${DASHBOARD_DIR}index.html`);
}
