/**
 * Runs the README's PostgreSQL usage ("With the PostgreSQL store"), as printed, through database
 * outages: the process must not die (no unhandled rejection from a failed write), every user must
 * get the email and be marked sent, every email must belong to a recorded execution (none lost, none
 * unrecorded, none RUNNING at the end), an email is sent again only after its handler failed (at
 * least once: counted and logged), and the process must exit once the shutdown block ran.
 *
 * How the blocks run unchanged:
 * - They are read from README.md at test time: the block after the line that starts with `MARKER`
 *   (the program) and the block after it (the shutdown, which the README prints apart under "Later,
 *   to shut down"). The test runs them as one module in a child process: prelude, program, a wait
 *   for the test's go, shutdown, a report. Only the import specifiers `planton…` are rewritten, to
 *   the source files the package's "exports" are built from (as codeBlocks.test.ts compiles them).
 * - The prelude defines the program's one free name, `sendEmail` (what its ts-prelude declares):
 *   each call reports the user's id to the test over IPC and resolves when the test answers, so
 *   the test knows which emails went out, how often, and can hold sends in flight across a cut.
 * - The program reads `DATABASE_URL`: the test points it at a fresh database (so the store's
 *   default schema `planton` and the `user_account` table are fresh without changing a line),
 *   reached through a TCP proxy the test cuts: open connections are reset, new ones refused until
 *   it forwards again, as while PostgreSQL restarts (the shared server itself keeps running for
 *   the other test files).
 */
import {randomUUID} from 'node:crypto';
import {mkdir, readFile, rm, rmdir, writeFile} from 'node:fs/promises';
import path from 'node:path';
import {performance} from 'node:perf_hooks';
import {setTimeout as delay} from 'node:timers/promises';
import {pathToFileURL} from 'node:url';
import test from 'ava';
import {createPool, sql} from 'slonik';
import {z} from 'zod';
import {createTcpProxy} from '../helpers/createTcpProxy.ts';
import {requireEnvironment} from '../helpers/requireEnvironment.ts';
import {spawnFixture} from '../helpers/spawnFixture.ts';
import {until} from '../helpers/until.ts';
import {withDeadline} from '../helpers/withDeadline.ts';
import {createPaths} from './checkCodeBlocks.ts';
import {extractCodeBlocks} from './extractCodeBlocks.ts';
import {root} from './listMarkdownFiles.ts';

/** The README comment that marks the program block (the shutdown block follows it). */
const MARKER = '<!-- test/docs/readmeSnippet.test.ts runs this block';

/** What the program's ts-prelude must declare: the names the runtime prelude below defines. */
const DECLARED_PRELUDE = 'declare const sendEmail: (userId: number) => Promise<void>;';

const USER_COUNT = 400;

/** The program's task `concurrency`: at most that many handlers run across one cut. */
const TASK_CONCURRENCY = 100;

const CUTS = 2;

/** Sends held in flight (between `sendEmail`'s call and its answer) when the proxy cuts. */
const SENDS_IN_FLIGHT_AT_CUT = 20;

/**
 * How long each outage lasts: about a PostgreSQL restart. A fixed length is what the fault is, not a
 * wait for something to happen; the program's reconnection attempts are counted during it.
 */
const OUTAGE_MS = 1_500;

/** Sends between two cuts: the program works again before the next outage. */
const SENDS_BETWEEN_CUTS = 40;

type ChildMessage =
  | {readonly sequence: number; readonly type: 'SEND'; readonly userId: number}
  | {readonly type: 'STOPPED'};

const runtimePrelude = `
// Written by test/docs/readmeSnippet.test.ts: the program's free names, defined.
const readmeTest = {
  answers: new Map<number, () => void>(),
  sendCount: 0,
  shutdown: Promise.withResolvers<void>(),
};

process.on('message', (message: {readonly sequence?: number; readonly type: string}) => {
  if (message.type === 'ACK') {
    readmeTest.answers.get(message.sequence ?? 0)?.();
    readmeTest.answers.delete(message.sequence ?? 0);
  } else if (message.type === 'SHUTDOWN') {
    readmeTest.shutdown.resolve();
  }
});

const sendEmail = async (userId: number): Promise<void> => {
  const sequence = ++readmeTest.sendCount;
  const {promise, resolve} = Promise.withResolvers<void>();

  readmeTest.answers.set(sequence, resolve);
  process.send?.({sequence, type: 'SEND', userId});
  await promise;
};
`;

const interlude = `
// Written by test/docs/readmeSnippet.test.ts: "Later", when the test says so.
await readmeTest.shutdown.promise;
`;

const postlude = `
// Written by test/docs/readmeSnippet.test.ts: report, then let the process end on its own.
process.send?.({type: 'STOPPED'}, () => {
  process.disconnect();
});
`;

/** The program and shutdown blocks of the README as one module, their imports resolved to src/. */
const readReadmeModule = async (): Promise<string> => {
  const readme = await readFile(path.join(root, 'README.md'), 'utf8');
  const markerLine = readme.split('\n').findIndex((line) => line.startsWith(MARKER)) + 1;

  if (markerLine === 0) {
    throw new Error(`README.md has no line that starts with \`${MARKER}\`: the test cannot find the blocks it runs.`);
  }

  const [program, shutdown] = extractCodeBlocks(readme).filter((block) => block.line > markerLine);

  if (program?.prelude !== DECLARED_PRELUDE || shutdown === undefined) {
    throw new Error(`README.md:${markerLine}: expected a block whose ts-prelude is \`${DECLARED_PRELUDE}\` (the test defines those names), then the shutdown block.`);
  }

  const paths = await createPaths(root);
  const resolveImports = (code: string) => {
    return code.replaceAll(/^(import\s[^;]*?\sfrom\s+)'([^']+)';$/gmu, (statement, head: string, specifier: string) => {
      const source = paths[specifier]?.[0];

      return source === undefined ? statement : `${head}'${pathToFileURL(source).href}';`;
    });
  };

  return [runtimePrelude, resolveImports(program.code), interlude, resolveImports(shutdown.code), postlude].join('\n');
};

requireEnvironment({skipTitle: 'the README\'s PostgreSQL usage survives database outages', variable: 'PLANTON_TEST_DATABASE_URL'}, (databaseUrl) => {
  test('the README\'s PostgreSQL usage sends every email through database outages, and its process exits', async (t) => {
    const database = `planton_readme_${randomUUID().replaceAll('-', '').slice(0, 16)}`;
    const server = new URL(databaseUrl);
    const administration = await createPool(databaseUrl);

    await administration.query(sql.type(z.object({}))`CREATE DATABASE ${sql.identifier([database])}`);
    t.teardown(async () => {
      await administration.query(sql.type(z.object({}))`DROP DATABASE IF EXISTS ${sql.identifier([database])} WITH (FORCE)`);
      await administration.end();
    });

    const databaseOnServer = new URL(server);

    databaseOnServer.pathname = `/${database}`;

    const pool = await createPool(databaseOnServer.href);

    t.teardown(async () => {
      await pool.end();
    });

    await pool.query(sql.type(z.object({}))`CREATE TABLE user_account (id int4 PRIMARY KEY, email_sent_at timestamptz)`);
    await pool.query(sql.type(z.object({}))`INSERT INTO user_account (id) SELECT generate_series(1, ${USER_COUNT})`);

    const proxy = await createTcpProxy({host: server.hostname, port: Number(server.port || 5432)});

    t.teardown(proxy.close);

    const throughProxy = new URL(databaseOnServer);

    throughProxy.hostname = '127.0.0.1';
    throughProxy.port = String(proxy.port);

    // Inside the repository, so the module resolves its node_modules (slonik, zod); .gitignore lists it.
    const directory = path.join(root, '.docs-blocks', `readme-snippet-${randomUUID()}`);
    const modulePath = path.join(directory, 'README.postgres.ts');

    await mkdir(directory, {recursive: true});
    await writeFile(modulePath, await readReadmeModule());
    t.teardown(async () => {
      await rm(directory, {force: true, recursive: true});
      await rmdir(path.dirname(directory)).catch(() => undefined);
    });

    const fixture = spawnFixture<ChildMessage>(modulePath, {DATABASE_URL: throughProxy.href});
    const exited = new Promise<{readonly code: number | null; readonly signal: NodeJS.Signals | null}>((resolve) => {
      fixture.child.once('exit', (code, signal) => {
        resolve({code, signal});
      });
    });

    t.teardown(() => {
      if (fixture.child.exitCode === null && fixture.child.signalCode === null) {
        fixture.child.kill();
      }
    });

    /** Waits until `condition` holds, failing at once (with how) if the program exits meanwhile. */
    const whileRunning = async (condition: () => boolean | Promise<boolean>) => {
      const hasExited = () => fixture.child.exitCode !== null || fixture.child.signalCode !== null;

      await until(async () => hasExited() || await condition()).catch((error: unknown) => {
        throw new Error(`Not met: ${condition.toString()} ${String(error)} sends=${sends.length} distinct=${new Set(sends).size}`, {cause: error});
      });

      if (hasExited()) {
        throw new Error(`The README program exited (${String(fixture.child.exitCode)}, ${String(fixture.child.signalCode)}) while the test waited for ${condition.toString()}`);
      }
    };

    /** User ids in the order their emails went out. */
    const sends: number[] = [];
    /** Each user's sends, by sequence number. */
    const sendsByUser = new Map<number, number[]>();
    /** Sends the test holds unanswered, so they are in flight when the proxy cuts: those past `holdAfter` sends. */
    const held: number[] = [];
    let holdAfter = Number.POSITIVE_INFINITY;
    let handled = 0;

    const answer = (sequence: number) => {
      // The child may be gone (its exit is asserted below): nothing to answer then.
      fixture.child.send({sequence, type: 'ACK'}, () => undefined);
    };

    fixture.onMessage(() => {
      for (; handled < fixture.messages.length; handled++) {
        const message = fixture.messages[handled];

        if (message?.type === 'SEND') {
          sends.push(message.userId);
          sendsByUser.set(message.userId, [...sendsByUser.get(message.userId) ?? [], message.sequence]);

          if (sends.length > holdAfter) {
            held.push(message.sequence);
          } else {
            answer(message.sequence);
          }
        }
      }
    });

    /** Connection attempts the proxy refused during each outage, and milliseconds from each restore to the first email sent after it (which needed a new claim). */
    const refusals: number[] = [];
    const recoveries: number[] = [];

    for (let cut = 0; cut < CUTS; cut++) {
      holdAfter = sends.length + SENDS_BETWEEN_CUTS;
      await whileRunning(() => held.length >= SENDS_IN_FLIGHT_AT_CUT);

      const refusedBefore = proxy.getRefusedCount();

      proxy.setAvailable(false);
      holdAfter = Number.POSITIVE_INFINITY;

      // The held emails go out while the database is away: their handlers' UPDATE fails.
      for (const sequence of held.splice(0)) {
        answer(sequence);
      }

      await delay(OUTAGE_MS);
      refusals.push(proxy.getRefusedCount() - refusedBefore);
      proxy.setAvailable(true);

      const restoredAt = performance.now();
      const sendsAtRestore = sends.length;

      await whileRunning(() => sends.length > sendsAtRestore);
      recoveries.push(Math.round(performance.now() - restoredAt));
    }

    // A claim whose reply an outage lost leaves executions RUNNING that the program never received:
    // the store finds them by the claim's token at the task's next round and dispatches them
    // (docs/postgres.md). Should that lookup miss one (a cut while the server still ran the claim),
    // only the reaper frees it, after the task's maximum_execution_duration: an operator's tuning in
    // the table (as registerTask leaves it) brings that from 5 minutes to 25 s; the program's own
    // heartbeat (every 10 s) keeps the executions it holds alive meanwhile.
    await pool.query(sql.type(z.object({}))`UPDATE planton.maintenance_task SET maximum_execution_duration = interval '25 seconds'`);

    const countOpenWork = async () => {
      return await pool.one(sql.type(z.object({running: z.number(), unsent: z.number()}))`
        SELECT
          (SELECT count(*)::int4 FROM user_account WHERE email_sent_at IS NULL) AS unsent,
          (SELECT count(*)::int4 FROM planton.maintenance_task_execution WHERE ended_at IS NULL) AS running
      `);
    };

    await whileRunning(async () => {
      const {running, unsent} = await countOpenWork();

      return running === 0 && unsent === 0;
    }).catch(async (error: unknown) => {
      const stuck = await pool.anyFirst(sql.type(z.object({instruction: z.number()}))`
        SELECT instruction::int4 AS instruction FROM planton.maintenance_task_execution WHERE ended_at IS NULL ORDER BY 1
      `);
      const described = stuck.map((userId) => `${userId} (sent ${sendsByUser.get(userId)?.length ?? 0} times)`).join(', ');

      throw new Error(`Executions still RUNNING long after the outages, for users ${described}: an execution the program never received (a claim whose reply the cut lost) stays RUNNING until the reaper ends it after maxExecutionDuration.`, {cause: error});
    });

    fixture.child.send({type: 'SHUTDOWN'}, () => undefined);
    await fixture.waitFor((message): message is ChildMessage & {type: 'STOPPED'} => message.type === 'STOPPED');
    t.deepEqual(await withDeadline(exited, 'the README program exits after its shutdown block'), {code: 0, signal: null});

    const executions = await pool.any(sql.type(z.object({completed: z.number(), failed: z.number(), instruction: z.number(), terminated: z.number(), total: z.number()}))`
      SELECT
        e.instruction::int4 AS instruction,
        count(*) FILTER (WHERE e.state = 'COMPLETED')::int4 AS completed,
        count(*) FILTER (WHERE e.state = 'FAILED')::int4 AS failed,
        count(*) FILTER (WHERE e.state = 'TERMINATED')::int4 AS terminated,
        count(*)::int4 AS total
      FROM planton.maintenance_task_execution e
      GROUP BY e.instruction
      ORDER BY 1
    `);
    const failedCount = executions.reduce((sum, {failed}) => sum + failed, 0);
    const reapedCount = executions.reduce((sum, {terminated}) => sum + terminated, 0);
    const sentTwice = sends.length - USER_COUNT;
    // The handler's UPDATE committed but its reply was lost in the cut: the email went out and the
    // user is marked sent (so not claimed again), while the execution ended FAILED.
    const repliesLost = executions.filter(({completed}) => completed === 0).length;

    t.log(`${sends.length} emails sent for ${USER_COUNT} users: ${sentTwice} sent again after a handler failed in an outage; ${failedCount} FAILED executions, ${repliesLost} of them after their UPDATE committed; ${reapedCount} claims whose reply an outage lost, ended by the reaper and claimed again; ${CUTS} outages of ${OUTAGE_MS} ms with ${refusals.join(', ')} connection attempts refused, each followed by a send within ${recoveries.join(', ')} ms`);

    t.deepEqual(await countOpenWork(), {running: 0, unsent: 0});
    // No instruction lost, none ran unrecorded: each user's emails are its executions, one each,
    // besides executions the reaper ended (claims the program never received, so nothing was sent).
    t.deepEqual(executions.map(({instruction, terminated, total}) => ({instruction, total: total - terminated})), Array.from({length: USER_COUNT}, (_, index) => ({instruction: index + 1, total: sendsByUser.get(index + 1)?.length ?? 0})));
    t.deepEqual(executions.filter(({completed}) => completed > 1), [], 'an instruction completed twice');
    // At least once: an email is sent again only when its handler failed before its UPDATE committed.
    t.is(sentTwice, failedCount - repliesLost);
    t.true(failedCount >= CUTS, 'the cuts met no handler in flight');
    t.true(refusals.every((count) => count > 0), 'the program did not try to reconnect during an outage');
    t.true(sentTwice <= CUTS * TASK_CONCURRENCY, `${sentTwice} emails sent twice, more than the handlers that can run across ${CUTS} cuts`);
  });
});
