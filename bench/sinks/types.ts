import type {Emitter} from '../../src/index.ts';
import type {PostgresStore} from '../../src/adapters/postgres/types.ts';
import type {Sink, SinkProcessor, WorkerEvents} from '../../src/adapters/sinks/types.ts';
import type {ServiceName} from './settings.ts';

/** One broker's sink and worker, set up for one measurement on fresh names, and removed after it. */
export type BrokerHarness = {
  /** Removes what the measurement created in the broker (queue, stream, keys). */
  readonly cleanUp: () => Promise<void>;
  /** Created after the worker, so that the worker's queue exists when the first message comes. */
  readonly createSink: (store: PostgresStore<number>) => Promise<Sink<number>>;
  /** Resolves once the worker consumes. */
  readonly createWorker: (configuration: {
    readonly processor: SinkProcessor<number>;
    readonly store: PostgresStore<number>;
  }) => Promise<{readonly close: () => Promise<void>; readonly events: Emitter<WorkerEvents<number>>}>;
  /** How the sink and worker were configured, for the JSON line. */
  readonly settings: string;
};

/** A system `planton+<broker>`: Planton dispatching through that broker's sink to its worker. */
export type BrokerEntry = {
  /** Opens the broker's adapter module; throws when it is missing or does not load. */
  readonly load: (url: string) => Promise<BrokerHarness>;
  readonly service: ServiceName;
  readonly system: string;
};

export type Metrics = Record<string, unknown>;
