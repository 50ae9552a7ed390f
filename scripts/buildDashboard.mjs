// Bundles the dashboard's page (src/dashboard/app, Preact) into static files with esbuild:
// `index.html`, `app.js` and `app.css` in `<outDir>/dashboard` (default dist/dashboard), which the
// server serves at `/` and the package ships. Nothing is loaded from elsewhere at run time.
import {copyFile, mkdir} from 'node:fs/promises';
import {dirname, join, resolve} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');

/** Builds the assets into `directory` (created if missing); resolves its path. */
export const buildDashboard = async ({directory = join(root, 'dist', 'dashboard')} = {}) => {
  const {build} = await import('esbuild');

  await mkdir(directory, {recursive: true});
  await build({
    bundle: true,
    entryPoints: {app: join(root, 'src/dashboard/app/main.tsx')},
    format: 'esm',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    legalComments: 'linked',
    logLevel: 'warning',
    minify: true,
    outdir: directory,
    sourcemap: true,
    target: ['es2022'],
  });
  await copyFile(join(root, 'src/dashboard/app/index.html'), join(directory, 'index.html'));

  return directory;
};

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  // `--outDir <dist>` as tsc takes it: the assets go to `<dist>/dashboard`.
  const index = process.argv.indexOf('--outDir');
  const outDir = index === -1 ? undefined : process.argv[index + 1];

  await buildDashboard(outDir === undefined ? {} : {directory: join(resolve(outDir), 'dashboard')});
}
