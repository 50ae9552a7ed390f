import {Type} from 'typebox';
import {ERROR_RESPONSES} from './errorSchema.ts';

const DateTime = Type.String({format: 'date-time'});

/** One remote worker as `GET /v1/workers` lists it (`hub.listWorkers()`). */
export const WorkerSchema = Type.Object({
  clientId: Type.String({description: 'The id the client process says in `hello`, the same across its reconnections.'}),
  concurrency: Type.Integer({description: 'The most jobs it takes at once.'}),
  connected: Type.Boolean({description: '`false` while it is away, within its lease.'}),
  connectedAt: DateTime,
  jobs: Type.Array(Type.Object({attempt: Type.Integer(), jobId: Type.Integer(), taskName: Type.String()}, {additionalProperties: false}), {description: 'The attempts it runs now.'}),
  lastSeenAt: Type.String({description: 'Its last message (a heartbeat at least every `heartbeatInterval`).', format: 'date-time'}),
  load: Type.Integer({description: 'How many jobs it runs now (`jobs.length`).'}),
  name: Type.String(),
  tasks: Type.Array(Type.String(), {description: 'The tasks it processes.'}),
  tokenName: Type.String({description: 'The name of the token it connected with.'}),
}, {additionalProperties: false, title: 'Worker'});

/** The schemas of `/v1/workers`. */
export const WORKER_ROUTE_SCHEMAS = {
  list: {
    response: {
      ...ERROR_RESPONSES,
      200: Type.Object({workers: Type.Array(WorkerSchema)}, {additionalProperties: false}),
    },
  },
} as const;

export type WorkerBody = Type.Static<typeof WorkerSchema>;
