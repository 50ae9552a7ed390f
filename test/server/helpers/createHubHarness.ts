import {createMemorySchedulerStore, createPostgresSchedulerStore, createScheduler, type Scheduler, type SchedulerConfiguration} from '../../../src/scheduler/index.ts';
import {createWorkerHub, type WorkerHub, type WorkerHubConfiguration, type WorkerHubEvents} from '../../../src/server/createWorkerHub.ts';
import {createManualClock, type ManualClock} from '../../helpers/createManualClock.ts';
import {type BackendHandle, createSchemaName, dropSchema} from '../../helpers/postgres.ts';
import {recordSchedulerEvents} from '../../scheduler/helpers/createHarness.ts';
import {connectRawClient, type RawClient} from './connectRawClient.ts';
import {type HubServer, startHubServer} from './startHubServer.ts';

export const START = Date.parse('2026-01-01T00:00:00.000Z');

type RecordedHubEvents = {[Name in keyof WorkerHubEvents]: Array<WorkerHubEvents[Name]>};

export type HubHarness = {
  readonly clock: ManualClock;
  /** A raw protocol client of the test's server, terminated at teardown. */
  readonly connect: (token?: string) => Promise<RawClient>;
  readonly events: ReturnType<typeof recordSchedulerEvents>;
  readonly hub: WorkerHub;
  readonly hubEvents: RecordedHubEvents;
  readonly scheduler: Scheduler;
  readonly server: HubServer;
};

/**
 * Per test: a scheduler on a fresh schema of the backend and a manual clock at START, a worker hub
 * on the same clock, and a WebSocket server in front of it. Teardown closes them in order (clients,
 * hub, scheduler, server) and drops the schema.
 */
export const createHubHarness = async (
  t: {readonly teardown: (callback: () => Promise<void>) => void},
  /** `null`: the memory store (for tests of the protocol alone). */
  backend: BackendHandle | null,
  {hub: hubOptions = {}, scheduler: schedulerOptions = {}}: {readonly hub?: Partial<WorkerHubConfiguration>; readonly scheduler?: Partial<SchedulerConfiguration>} = {},
): Promise<HubHarness> => {
  const pool = backend === null ? null : (await backend.get()).pool;
  const schema = createSchemaName();
  const clock = createManualClock(START);
  const store = pool === null ? createMemorySchedulerStore() : await createPostgresSchedulerStore({pool, schema});
  const scheduler = await createScheduler({clock, store, syncInterval: 0, terminateTimeout: 0, ...schedulerOptions});
  const hub = createWorkerHub({clock, scheduler, ...hubOptions});
  const server = await startHubServer(hub);
  const clients: RawClient[] = [];
  const hubEvents: RecordedHubEvents = {assign: [], connect: [], disconnect: [], error: [], leave: [], refused: []};

  for (const name of Object.keys(hubEvents) as Array<keyof WorkerHubEvents>) {
    hub.events.on(name, (payload) => {
      (hubEvents[name] as unknown[]).push(payload);
    });
  }

  t.teardown(async () => {
    for (const client of clients) {
      client.socket.terminate();
    }

    await hub.close();
    await scheduler.terminate();
    await server.close();
    if (pool !== null) {
      await dropSchema(pool, schema);
    }
  });

  return {
    clock,
    connect: async (token) => {
      const client = await connectRawClient(server.url, token);

      clients.push(client);

      return client;
    },
    events: recordSchedulerEvents(scheduler),
    hub,
    hubEvents,
    scheduler,
    server,
  };
};
