/**
 * `npm run bench -- NAME` runs bench/NAME.ts, which prints one JSON object per line.
 * Benchmarks report numbers; they assert nothing (tests do that).
 */
import {readdir} from 'node:fs/promises';

const name = process.argv[2];
const available = (await readdir(import.meta.dirname))
  .filter((file) => file.endsWith('.ts') && file !== 'run.ts')
  .map((file) => file.slice(0, -3));

if (name === undefined || !available.includes(name)) {
  process.stderr.write(`Usage: npm run bench -- <${available.join('|')}>\n`);
  process.exit(2);
}

await import(`./${name}.ts`);
