// npm's `prepare`: builds dist/ for git and `file:` installs. An install without devDependencies
// (`npm ci --omit=dev` in a clone) has no TypeScript to build with: it says so and leaves dist/ as it is.
import {spawnSync} from 'node:child_process';
import {createRequire} from 'node:module';
import {dirname, join} from 'node:path';

const require = createRequire(import.meta.url);
let tsc;

try {
  tsc = join(dirname(require.resolve('typescript/package.json')), 'bin', 'tsc');
} catch {
  console.log('planton prepare: typescript is not installed (devDependencies omitted); dist/ not built');
  process.exit(0);
}

const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json', ...process.argv.slice(2)], {stdio: 'inherit'});

process.exit(result.status ?? 1);
