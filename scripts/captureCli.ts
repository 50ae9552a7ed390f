// Regenerates the terminal capture in docs/cli.md: starts `planton serve` on PGlite in a temporary
// data directory, creates tasks over the HTTP API, runs `planton …` commands against it (a `planton worker`
// among them, which runs a job) and writes
// their real output (plain text: NO_COLOR) between the capture markers. Run: `npx node scripts/captureCli.ts`.
import {spawn} from 'node:child_process';
import {mkdtempSync, readFileSync, rmSync, writeFileSync} from 'node:fs';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {fileURLToPath} from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const main = join(root, 'src/cli/main.ts');
const document = join(root, 'docs/cli.md');
const START = '<!-- capture:start (scripts/captureCli.ts) -->';
const END = '<!-- capture:end -->';
const dataDirectory = mkdtempSync(join(tmpdir(), 'planton-capture-'));
const {PLANTON_TOKEN: _token, PLANTON_TOKENS: _tokens, PLANTON_TOKENS_FILE: _file, PLANTON_URL: _url, ...environment} = process.env;

// In the temporary directory: PGlite goes to the default data directory, ./.planton there.
const serve = spawn(process.execPath, [main, 'serve', '--port', '0'], {cwd: dataDirectory, env: {...environment, NO_COLOR: '1'}, stdio: ['ignore', 'pipe', 'inherit']});
let serveOutput = '';

const url = await new Promise<string>((resolve, reject) => {
  serve.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    serveOutput += chunk;

    const match = /listening on (http:\/\/\S+)/u.exec(serveOutput);

    if (match?.[1] !== undefined && serveOutput.includes('database:')) {
      resolve(match[1]);
    }
  });
  serve.once('exit', (code) => {
    reject(new Error(`planton serve exited (${String(code)}):\n${serveOutput}`));
  });
});

const put = async (name: string, definition: object) => {
  const response = await fetch(`${url}/v1/tasks/${name}`, {body: JSON.stringify(definition), headers: {'content-type': 'application/json'}, method: 'PUT'});

  if (!response.ok) {
    throw new Error(`PUT ${name}: ${response.status} ${await response.text()}`);
  }

  return await response.json() as {readonly nextJob: {readonly id: number}};
};

await put('nightly-report', {payload: {format: 'pdf'}, schedule: '0 3 * * *', timeout: 60_000});
await put('send-emails', {schedule: {every: '15m'}, timeout: 30_000});

const {nextJob} = await put('yearly-archive', {schedule: {date: '2099-01-01T00:00:00Z'}, timeout: 600_000});
const job = String(nextJob.id);

const run = async (args: readonly string[]): Promise<string> => {
  const child = spawn(process.execPath, [main, ...args], {env: {...environment, NO_COLOR: '1', PLANTON_URL: url}, stdio: ['ignore', 'pipe', 'pipe']});
  let text = '';

  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    text += chunk;
  });

  const code = await new Promise<number | null>((resolve) => {
    child.once('close', resolve);
  });

  return `$ planton ${args.join(' ')}\n${text}${code === 0 ? '' : `(exit code ${String(code)})\n`}`;
};

const captures = [`$ planton serve --port 0\n${serveOutput}`];

for (const args of [
  ['tasks', 'list'],
  ['tasks', 'get', 'nightly-report'],
  ['tasks', 'pause', 'send-emails'],
  ['tasks', 'trigger', 'nightly-report'],
  ['jobs', 'list', '--limit', '3'],
  ['jobs', 'get', job],
  ['jobs', 'cancel', job],
  ['jobs', 'cancel', job],
  ['jobs', 'get', job, '--json'],
  ['jobs', 'logs', job],
  ['jobs', 'logs', job, '--follow'],
  ['jobs', 'list', '--state', 'canceled', '--json'],
]) {
  captures.push(await run(args));
}

// A remote worker: a module of processors in the temporary directory, run by `planton worker`.
writeFileSync(join(dataDirectory, 'processors.ts'), `export default {
  'nightly-report': async (job) => {
    await job.log('rendering the report');
    await job.progress(1, 'rendered');

    return {pages: 12};
  },
};
`);

const worker = spawn(process.execPath, [main, 'worker', './processors.ts', '--name', 'reports-1', '--concurrency', '2'], {cwd: dataDirectory, env: {...environment, NO_COLOR: '1', PLANTON_URL: url}, stdio: ['ignore', 'pipe', 'pipe']});
let workerOutput = '';

worker.stdout.setEncoding('utf8').on('data', (chunk: string) => {
  workerOutput += chunk;
});
worker.stderr.setEncoding('utf8').on('data', (chunk: string) => {
  workerOutput += chunk;
});

const waitFor = async (condition: () => Promise<boolean> | boolean, what: string) => {
  for (const deadline = Date.now() + 30_000; !await condition();) {
    if (Date.now() > deadline) {
      throw new Error(`Timed out waiting for ${what}:\n${workerOutput}`);
    }

    await new Promise((resolve) => {
      setTimeout(resolve, 100);
    });
  }
};

await waitFor(() => workerOutput.includes('connected to'), 'the worker to connect');
captures.push(`$ planton worker ./processors.ts --name reports-1 --concurrency 2 &\n${workerOutput}`, await run(['workers', 'list']));

const created = await fetch(`${url}/v1/tasks/nightly-report/jobs`, {body: JSON.stringify({payload: {format: 'html'}}), headers: {'content-type': 'application/json'}, method: 'POST'});
const oneOff = String((await created.json() as {readonly id: number}).id);

captures.push(`$ curl -X POST $PLANTON_URL/v1/tasks/nightly-report/jobs -H 'content-type: application/json' -d '{"payload": {"format": "html"}}'\n(a one-off job, #${oneOff}, now)\n`);
await waitFor(async () => (await (await fetch(`${url}/v1/jobs/${oneOff}`)).json() as {readonly state: string}).state === 'DONE', `job ${oneOff} to be done`);

for (const args of [
  ['jobs', 'get', oneOff],
  ['jobs', 'logs', oneOff],
  ['jobs', 'prune', '--older-than', '30d'],
  ['jobs', 'get', '99999'],
]) {
  captures.push(await run(args));
}

worker.kill('SIGTERM');
await new Promise((resolve) => {
  worker.once('exit', resolve);
});
captures.push(`(planton worker gets SIGTERM)\n${workerOutput.slice(workerOutput.indexOf('planton worker: SIGTERM'))}`);

serve.kill('SIGTERM');
await new Promise((resolve) => {
  serve.once('exit', resolve);
});
captures.push(`(planton serve gets SIGTERM)\n${serveOutput.slice(serveOutput.indexOf('planton serve: SIGTERM'))}`);
rmSync(dataDirectory, {force: true, recursive: true});

const text = readFileSync(document, 'utf8');
const start = text.indexOf(START);
const end = text.indexOf(END);

if (start === -1 || end < start) {
  throw new Error(`docs/cli.md has no ${START} … ${END} markers.`);
}

writeFileSync(document, `${text.slice(0, start + START.length)}\n\n\`\`\`console\n${captures.join('\n').trimEnd()}\n\`\`\`\n\n${text.slice(end)}`);
console.log(`docs/cli.md: ${captures.length - 1} commands captured`);
