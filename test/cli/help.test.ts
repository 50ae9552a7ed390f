import test from 'ava';
import {runPlanton} from './helpers/runPlanton.ts';

const COMMANDS = [
  [],
  ['serve'],
  ['migrate'],
  ['tasks'],
  ['tasks', 'list'],
  ['tasks', 'get'],
  ['tasks', 'pause'],
  ['tasks', 'resume'],
  ['tasks', 'trigger'],
  ['jobs'],
  ['jobs', 'list'],
  ['jobs', 'get'],
  ['jobs', 'logs'],
  ['jobs', 'cancel'],
  ['jobs', 'retry'],
  ['jobs', 'prune'],
] as const;

for (const command of COMMANDS) {
  test(`\`planton ${[...command, '--help'].join(' ')}\` prints its usage and exits 0`, async (t) => {
    const {code, stderr, stdout} = await runPlanton([...command, '--help']);

    t.is(code, 0, stderr);
    t.true(stdout.startsWith(`Usage: ${['planton', ...command].join(' ')} `), stdout);
    t.regex(stdout, /-h, --help/u);
  });
}

test('the client commands name their server options and environment variables', async (t) => {
  const {stdout} = await runPlanton(['jobs', 'list', '--help']);

  t.regex(stdout, /--url <url>[\s\S]*env:\s+PLANTON_URL/u);
  t.regex(stdout, /--token <token>[\s\S]*env:\s+PLANTON_TOKEN/u);
  t.regex(stdout, /--json/u);
});

test('an unknown command is a usage error: exit 2', async (t) => {
  const {code, stderr} = await runPlanton(['jobz']);

  t.is(code, 2);
  t.regex(stderr, /error: unknown command 'jobz'/u);
});

test('a malformed job id is a usage error: exit 2, nothing sent', async (t) => {
  const {code, stderr} = await runPlanton(['jobs', 'get', '12a', '--url', 'http://127.0.0.1:9']);

  t.is(code, 2);
  t.regex(stderr, /Expected a job id, an integer >= 1/u);
});

test('prune without --older-than is a usage error', async (t) => {
  const {code, stderr} = await runPlanton(['jobs', 'prune']);

  t.is(code, 2);
  t.regex(stderr, /--older-than <duration>' not specified/u);
});

test('an unknown job state is a usage error', async (t) => {
  const {code, stderr} = await runPlanton(['jobs', 'list', '--state', 'done,sleeping']);

  t.is(code, 2);
  t.regex(stderr, /Expected job states among CANCELED, DONE, ERROR, RUNNING, SCHEDULED, WAITING/u);
});

test('a server that does not answer: exit 1 with `error: server_unreachable:`', async (t) => {
  const {code, stderr} = await runPlanton(['tasks', 'list'], {PLANTON_URL: 'http://127.0.0.1:9'});

  t.is(code, 1);
  t.regex(stderr, /^error: server_unreachable: Cannot reach the Planton server at http:\/\/127\.0\.0\.1:9/u);
});

test('`planton serve` refuses a host beyond loopback without tokens, before opening a database', async (t) => {
  const {code, stderr} = await runPlanton(['serve', '--host', '0.0.0.0', '--port', '0', '--data-dir', '/nonexistent/planton-never-created']);

  t.is(code, 1);
  t.regex(stderr, /^error: INSECURE_HOST: Refusing to listen on `0\.0\.0\.0` without tokens/u);
  t.regex(stderr, /hint: set PLANTON_TOKENS or PLANTON_TOKENS_FILE, listen on 127\.0\.0\.1, or pass --insecure/u);
});

test('`planton --version` prints the package\'s version', async (t) => {
  const {code, stdout} = await runPlanton(['--version']);

  t.is(code, 0);
  t.regex(stdout, /^\d+\.\d+\.\d+/u);
});
