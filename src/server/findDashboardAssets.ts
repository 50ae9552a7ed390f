import {existsSync} from 'node:fs';
import {fileURLToPath} from 'node:url';

/**
 * The folder of the dashboard's built assets (`index.html`, `app.js`, `app.css`), which `npm run
 * build` writes to `dist/dashboard`: two levels up from the build of this file (`dist/src/server`),
 * or `dist/dashboard` two levels up from the sources (`src/server`, run as TypeScript). `null` when
 * neither holds an `index.html`.
 */
export const findDashboardAssets = (from: URL = new URL('.', import.meta.url)): string | null => {
  for (const relative of ['../../dashboard/', '../../dist/dashboard/']) {
    const directory = new URL(relative, from);

    if (existsSync(new URL('index.html', directory))) {
      return fileURLToPath(directory);
    }
  }

  return null;
};
