/**
 * Fuzz of the dispatch store (PostgreSQL through slonik: PGlite always, the server with
 * PLANTON_TEST_DATABASE_URL): task names, claim results, references and error values of any kind
 * either work or give a coded error, and never change another task's rows (snapshotted before and
 * after every case).
 */
import test from 'ava';
import fc from 'fast-check';
import {type DatabasePool, sql} from 'slonik';
import {z} from 'zod';
import {createPostgresStore} from '../../src/adapters/postgres/createPostgresStore.ts';
import {PlantonError} from '../../src/planton/errors.ts';
import type {PostgresClaim, PostgresStore} from '../../src/adapters/postgres/types.ts';
import type {ExecutionReference} from '../../src/adapters/types.ts';
import {type BackendHandle, createSchemaName, dropSchema, useBackends} from '../helpers/postgres.ts';
import {createItemClaim, createItems} from '../adapters/postgres/helpers/items.ts';
import {hostileValue, hugeString, nastyString, sqlLookingString} from './helpers/arbitraries.ts';
import {expectCodedAsync} from './helpers/expectCoded.ts';
import {runProperty} from './helpers/runProperty.ts';

type Instruction = number | string;

/** The task whose rows no case may change: two RUNNING executions, one COMPLETED, one FAILED. */
const BYSTANDER = 'bystander';

const snapshotRow = z.object({rows: z.unknown()});

/** Every row of the bystander task and of its executions, and the items table, as JSON text. */
const snapshotBystander = async (pool: DatabasePool, schema: string): Promise<string> => {
  const snapshot = await pool.oneFirst(sql.type(snapshotRow)`
    SELECT jsonb_build_object(
      'task', (SELECT to_jsonb(t) FROM ${sql.identifier([schema, 'maintenance_task'])} t WHERE t.nid = ${BYSTANDER}),
      'executions', (SELECT jsonb_agg(to_jsonb(e) ORDER BY e.id) FROM ${sql.identifier([schema, 'maintenance_task_execution'])} e JOIN ${sql.identifier([schema, 'maintenance_task'])} t ON t.id = e.maintenance_task_id WHERE t.nid = ${BYSTANDER}),
      'items', (SELECT jsonb_agg(to_jsonb(i) ORDER BY i.id) FROM ${sql.identifier([schema, 'item'])} i)
    ) AS rows
  `);

  return JSON.stringify(snapshot);
};

type Fixture = {
  readonly bystanderIds: readonly number[];
  readonly pool: DatabasePool;
  readonly schema: string;
  readonly store: PostgresStore<Instruction>;
};

/** A store in a fresh schema with the bystander's executions in every state; dropped at teardown. */
const setUp = async (t: {readonly teardown: (callback: () => Promise<void>) => void}, backend: BackendHandle): Promise<Fixture> => {
  const {pool} = await backend.get();
  const schema = createSchemaName();
  const store = await createPostgresStore<Instruction>({heartbeatInterval: 3_600_000, pool, reaperInterval: 0, schema});

  t.teardown(async () => {
    await store.terminate();
    await dropSchema(pool, schema);
  });
  await createItems(pool, schema, 4);

  const claimed = await store.claimExecutions({claim: createItemClaim(schema) as PostgresClaim<Instruction>, limit: 4, taskName: BYSTANDER});
  const [first, second] = claimed;

  if (first === undefined || second === undefined) {
    throw new Error('Expected the bystander to claim four items.');
  }

  await store.completeExecution({executionId: first.executionId});
  await store.failExecution({executionId: second.executionId}, new Error('bystander failed'));

  return {bystanderIds: claimed.map(({executionId}) => executionId), pool, schema, store};
};

/** Runs `call` and checks that the bystander's rows did not change, whatever it did. */
const withBystanderUnchanged = async <T>({pool, schema}: Fixture, call: () => Promise<T>): Promise<T> => {
  const before = await snapshotBystander(pool, schema);
  const result = await call();
  const after = await snapshotBystander(pool, schema);

  if (after !== before) {
    throw new Error(`Expected the bystander's rows unchanged:\nbefore ${before.slice(0, 500)}\nafter  ${after.slice(0, 500)}`);
  }

  return result;
};

/** Task names: ordinary, empty, huge, quoted, SQL-looking, NUL, lone surrogates, non-strings. */
const taskName = fc.oneof(
  {arbitrary: nastyString(), weight: 4},
  {arbitrary: sqlLookingString(), weight: 2},
  // Not the bystander's own name: registering it again may change its row (its limits) by design.
  {arbitrary: fc.constantFrom('', ' ', `${BYSTANDER} `, BYSTANDER.toUpperCase(), 'a'.repeat(63), 'a'.repeat(64)), weight: 2},
  {arbitrary: hugeString(), weight: 1},
  {arbitrary: hostileValue(), weight: 1},
);

/** 12,000 printable characters that do not compress: more than one entry of a btree index holds (8,191 bytes). */
const incompressibleText = (() => {
  let state = 1;

  return Array.from({length: 12_000}, () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648;

    return String.fromCodePoint(33 + Math.floor((state / 2_147_483_648) * 90));
  }).join('');
})();

/** One column of a claim's result: values of one SQL type, some of them nasty, some repeated. */
const claimColumn = fc.oneof(
  fc.record({type: fc.constant('text' as const), values: fc.array(fc.oneof(nastyString().map((text) => text.replaceAll('\u0000', '')), sqlLookingString().map((text) => text.replaceAll('\u0000', '')), fc.constantFrom('x'.repeat(3_000), 'é'.repeat(5_000))), {maxLength: 4})}),
  fc.record({type: fc.constant('float8' as const), values: fc.array(fc.oneof(fc.double({noNaN: true}), fc.constantFrom(Number.NaN, Number.POSITIVE_INFINITY)).map(String), {maxLength: 4})}),
  fc.record({type: fc.constant('numeric' as const), values: fc.array(fc.constantFrom('1', '1.5', '12345678901234567890123456789', '1e300', 'NaN'), {maxLength: 4})}),
  fc.record({type: fc.constant('int8' as const), values: fc.array(fc.oneof(fc.bigInt({max: 2n ** 63n - 1n, min: -(2n ** 63n)}), fc.constantFrom(2n ** 53n + 1n, 1n)).map(String), {maxLength: 4})}),
  fc.record({type: fc.constant('jsonb' as const), values: fc.array(fc.jsonValue({maxDepth: 2}).map((value) => JSON.stringify(value) ?? 'null'), {maxLength: 4})}),
  fc.record({type: fc.constant('bool' as const), values: fc.array(fc.constantFrom('true', 'false'), {maxLength: 4})}),
);

const NAME_CODES = new Set(['INVALID_STORE_CONFIGURATION']);

const nameRow = z.object({nid: z.string()});

for (const backend of useBackends()) {
  test(`${backend.name}: a task name is registered and read back as given, or refused with INVALID_STORE_CONFIGURATION`, async (t) => {
    const fixture = await setUp(t, backend);
    const {pool, schema, store} = fixture;
    let registered = 0;
    let runs = 0;

    await runProperty(fc.asyncProperty(taskName, fc.option(fc.oneof(fc.integer({max: 10, min: -1}), hostileValue()), {nil: undefined}), async (name, maxConcurrentExecutionCount) => {
      runs++;
      await withBystanderUnchanged(fixture, async () => {
        const outcome = await expectCodedAsync(NAME_CODES, async () => {
          await store.registerTask({maxConcurrentExecutionCount: maxConcurrentExecutionCount as number, name: name as string});
        });

        if (!outcome.accepted) {
          return;
        }

        registered++;

        const stored = await pool.anyFirst(sql.type(nameRow)`SELECT nid FROM ${sql.identifier([schema, 'maintenance_task'])} WHERE nid = ${name as string}`);

        // PGlite decodes text with a TextDecoder that drops a leading byte order mark (U+FEFF); the server keeps it.
        const expected = backend.name === 'pglite' ? (name as string).replace(/^\uFEFF/u, '') : name;

        if (stored.length !== 1 || stored[0] !== expected) {
          throw new Error(`Expected the name to read back as given, got ${JSON.stringify(stored).slice(0, 200)}`);
        }

        // The claim path registers the name too, and reads the task's active instructions by it.
        const claimed = await store.claimExecutions({claim: () => sql.unsafe`SELECT 1 WHERE false`, limit: 1, taskName: name as string});
        const active = await store.getActiveTaskInstructions(name as string, {signal: new AbortController().signal});

        if (claimed.length !== 0 || active.length !== 0) {
          throw new Error('Expected nothing claimed or active.');
        }
      });
    }), {numRuns: 60, timeLimit: 2_000});
    t.true(registered >= runs / 10, `only ${registered} of ${runs} names were registered`);
  });

  test(`${backend.name}: complete, fail and heartbeat with any reference and any error value work or give EXECUTION_NOT_RUNNING, and touch only their own execution`, async (t) => {
    const fixture = await setUp(t, backend);
    const {bystanderIds, store} = fixture;
    const runningBystanderIds = bystanderIds.slice(2);
    const reference = fc.oneof(
      // References as the types allow them (an id, or a task name and an instruction), with any number or string in them.
      {arbitrary: fc.record({executionId: fc.oneof(fc.constantFrom(...bystanderIds), fc.integer({max: 1_000, min: -5}), fc.constantFrom(2 ** 53, -(2 ** 63), 1.5, Number.NaN, Number.POSITIVE_INFINITY, -0))}), weight: 3},
      {arbitrary: fc.record({instruction: fc.oneof(fc.integer({max: 5, min: 0}), fc.double(), nastyString(), sqlLookingString(), hugeString()), taskName: fc.oneof(fc.constantFrom(BYSTANDER, 'items'), nastyString(), sqlLookingString(), hugeString())}), weight: 3},
    );
    let applied = 0;

    await runProperty(fc.asyncProperty(reference, fc.constantFrom('complete', 'fail', 'heartbeat', 'completeMany', 'failMany', 'findNotRunning'), hostileValue(), async (given, operation, error) => {
      // A bystander's RUNNING execution may end or beat through a reference to it: that changes its rows by design, so such cases are left out.
      const ref: ExecutionReference<Instruction> = given;
      const ownsBystanderRow = ('executionId' in ref && runningBystanderIds.includes(ref.executionId)) || ('taskName' in ref && ref.taskName === BYSTANDER);

      if (ownsBystanderRow) {
        return;
      }

      await withBystanderUnchanged(fixture, async () => {
        const outcome = await expectCodedAsync(new Set(['EXECUTION_NOT_RUNNING']), async () => {
          switch (operation) {
            case 'complete':
              return await store.completeExecution(ref);
            case 'fail':
              return await store.failExecution(ref, error);
            case 'heartbeat':
              return await store.heartbeat(ref);
            case 'completeMany':
              return await store.completeExecutions([ref]);
            case 'failMany':
              return await store.failExecutions([{error, reference: ref}]);
            default:
              return await store.findNotRunning([ref]);
          }
        });

        if (outcome.accepted) {
          applied++;
        }
      });
    }), {numRuns: 100, timeLimit: 2_000});
    t.true(applied > 0);
  });

  test(`${backend.name}: a claim's own execution fails with any error value, stored as JSON, and the bystander is untouched`, async (t) => {
    const fixture = await setUp(t, backend);
    const {pool, schema, store} = fixture;
    let instruction = 1_000;

    await runProperty(fc.asyncProperty(hostileValue(), fc.boolean(), async (error, many) => {
      instruction++;
      await pool.query(sql.type(z.object({}))`INSERT INTO ${sql.identifier([schema, 'item'])} (id) VALUES (${instruction})`);

      const [claimed] = await store.claimExecutions({claim: () => sql.type(z.object({id: z.number()}))`SELECT ${instruction}::int4 AS id`, limit: 1, taskName: 'items'});

      if (claimed === undefined) {
        throw new Error('Expected one execution claimed.');
      }

      await withBystanderUnchanged(fixture, async () => {
        if (many) {
          const notRunning = await store.failExecutions([{error, reference: {executionId: claimed.executionId}}]);

          if (notRunning.length > 0) {
            throw new Error('Expected the execution to be failed.');
          }
        } else {
          await store.failExecution({executionId: claimed.executionId}, error);
        }
      });
    }), {numRuns: 60, timeLimit: 2_000});
    t.pass();
  });

  // Found by this fuzz: the active executions' unique index on (task, instruction) cannot hold this
  // instruction, and the driver's error (SQLSTATE 54000, "index row requires 12024 bytes") came out
  // uncoded; it is now the claim's UNEXPECTED_CLAIM_RESULT, with the driver's error as its cause.
  test(`${backend.name}: a claim returning an instruction larger than an index entry fails with UNEXPECTED_CLAIM_RESULT`, async (t) => {
    const fixture = await setUp(t, backend);

    await withBystanderUnchanged(fixture, async () => {
      const error = await t.throwsAsync(fixture.store.claimExecutions({claim: () => sql.unsafe`SELECT ${incompressibleText}::text AS value`, limit: 1, taskName: 'huge'}));

      t.true(error instanceof PlantonError, `got ${error?.constructor.name}: ${error?.message.slice(0, 100)}`);
      t.like(error, {code: 'UNEXPECTED_CLAIM_RESULT', taskName: 'huge'});
    });
  });

  test(`${backend.name}: a claim returning values of any SQL type claims what it may as instructions, or fails with UNEXPECTED_CLAIM_RESULT, and the bystander is untouched`, async (t) => {
    const fixture = await setUp(t, backend);
    const {store} = fixture;
    let claimedCount = 0;

    await runProperty(fc.asyncProperty(claimColumn, fc.integer({max: 3, min: 1}), async ({type, values}, limit) => {
      await withBystanderUnchanged(fixture, async () => {
        // A fresh task each case, so what an earlier case left RUNNING does not hide these values.
        const name = `claim ${claimedCount++}`;
        const outcome = await expectCodedAsync(new Set(['UNEXPECTED_CLAIM_RESULT']), async () => await store.claimExecutions({
          claim: () => sql.unsafe`SELECT value FROM unnest(${sql.array(values, type)}) AS value`,
          limit,
          taskName: name,
        }));

        if (!outcome.accepted) {
          return;
        }

        for (const execution of outcome.value) {
          if (!(typeof execution.instruction === 'string' || (typeof execution.instruction === 'number' && Number.isFinite(execution.instruction)))) {
            throw new Error(`Expected a string or finite number instruction, got ${String(execution.instruction)}`);
          }

          await store.completeExecution(execution);
        }
      });
    }), {numRuns: 60, timeLimit: 2_000});
    t.pass();
  });
}
