// npm's `prepare`: builds dist/ for git and `file:` installs (the code with tsc, the dashboard's page
// with esbuild into dist/dashboard). An install without devDependencies
// (`npm ci --omit=dev` in a clone) has no TypeScript to build with: it says so and leaves dist/ as it is.
import {spawnSync} from 'node:child_process';
import {createRequire} from 'node:module';
import {dirname, join, resolve} from 'node:path';
import {buildDashboard} from './buildDashboard.mjs';

const require = createRequire(import.meta.url);
let tsc;

try {
  tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
} catch {
  console.log('planton prepare: typescript is not installed (devDependencies omitted); dist/ not built');
  process.exit(0);
}

const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...process.argv.slice(2)], {stdio: 'inherit'});

if (result.status !== 0) {
  process.exit(result.status ?? 1);
}

// `--outDir <dist>`, as tsc was given it: the page goes beside the code, to `<dist>/dashboard`.
const index = process.argv.indexOf('--outDir');
const outDir = index === -1 ? join(dirname(require.resolve('../package.json')), 'dist') : resolve(process.argv[index + 1]);

await buildDashboard({directory: join(outDir, 'dashboard')});
