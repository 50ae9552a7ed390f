import test from 'ava';
import type {DatabasePool} from 'slonik';
import {ConnectionError} from 'slonik';
import {createPostgresSchedulerStore} from '../../src/scheduler/index.ts';
import {isConnectionError} from '../../src/adapters/postgres/isConnectionError.ts';
import {withDeadline} from '../helpers/withDeadline.ts';

/** A pool whose every query fails as a pool does when the server is gone. */
const createUnreachablePool = (error: unknown): DatabasePool => {
  const fail = async () => {
    throw error;
  };

  return new Proxy({}, {get: () => fail}) as DatabasePool;
};

const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), {code: 'ECONNREFUSED'});

test('a store whose database cannot be reached rejects with server_unreachable, the driver error as cause', async (t) => {
  await t.throwsAsync(createPostgresSchedulerStore({pool: createUnreachablePool(refused)}), {code: 'server_unreachable'});

  const store = await createPostgresSchedulerStore({migrate: false, pool: createUnreachablePool(refused)});
  const error = await t.throwsAsync(store.recordLog({attempt: 1, id: 1, message: 'x', now: 0, progress: null, step: null}), {code: 'server_unreachable'});

  t.is(error?.cause, refused);
  await t.throwsAsync(store.listTasks(), {code: 'server_unreachable'});
});

test('a store passes on errors that are not about reaching the server unchanged', async (t) => {
  const syntax = Object.assign(new Error('syntax error'), {code: '42601'});
  const store = await createPostgresSchedulerStore({migrate: false, pool: createUnreachablePool(syntax)});

  t.is(await t.throwsAsync(store.listTasks()), syntax);
});

test('a store whose queries never settle rejects with server_unreachable after queryTimeout, a STORE_TIMEOUT error as cause', async (t) => {
  const hanging = new Proxy({}, {get: () => async () => await new Promise(() => undefined)}) as DatabasePool;
  const store = await createPostgresSchedulerStore({migrate: false, pool: hanging, queryTimeout: 50});
  // withDeadline's ref()ed timer keeps the process alive: the store's timer is unref()ed, and a fake pool holds no socket.
  const error = await withDeadline(t.throwsAsync(store.listTasks(), {code: 'server_unreachable', message: 'The scheduler store cannot be reached: `listTasks` got no answer within 50 ms.'}), 'listTasks to reject');

  t.like(error?.cause, {code: 'STORE_TIMEOUT', operation: 'listTasks', timeout: 50});
});

for (const queryTimeout of [0, -1, Number.NaN, 2 ** 31, '1s']) {
  test(`queryTimeout ${String(queryTimeout)} is rejected with INVALID_SCHEDULER_CONFIGURATION`, async (t) => {
    await t.throwsAsync(createPostgresSchedulerStore({migrate: false, pool: createUnreachablePool(refused), queryTimeout: queryTimeout as number}), {
      code: 'INVALID_SCHEDULER_CONFIGURATION',
      message: /^Expected `queryTimeout` to be a number of milliseconds from 1 to 2147483647, or Infinity, got /u,
    });
  });
}

const cases: Array<[string, unknown, boolean]> = [
  ['slonik ConnectionError', new ConnectionError('gone'), true],
  ['ECONNREFUSED', refused, true],
  ['ECONNRESET in the cause chain', new Error('query failed', {cause: Object.assign(new Error('reset'), {code: 'ECONNRESET'})}), true],
  ['SQLSTATE 08006 connection failure', Object.assign(new Error('connection failure'), {code: '08006'}), true],
  ['SQLSTATE 57P01 admin shutdown', Object.assign(new Error('terminating connection'), {code: '57P01'}), true],
  ['AggregateError of refusals (IPv4 and IPv6)', new AggregateError([refused, refused]), true],
  ['SQLSTATE 28P01 wrong password', Object.assign(new Error('password authentication failed'), {code: '28P01'}), true],
  ['SQLSTATE 28000 no such role', Object.assign(new Error('role "x" does not exist'), {code: '28000'}), true],
  ['SQLSTATE 3D000 no such database', Object.assign(new Error('database "x" does not exist'), {code: '3D000'}), true],
  ['unique violation', Object.assign(new Error('duplicate key'), {code: '23505'}), false],
  ['a plain error', new Error('boom'), false],
  ['not an error', 'boom', false],
];

for (const [title, error, expected] of cases) {
  test(`isConnectionError: ${title} → ${String(expected)}`, (t) => {
    t.is(isConnectionError(error), expected);
  });
}
