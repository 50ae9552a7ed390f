import {Type} from 'typebox';
import {ERROR_RESPONSES} from './errorSchema.ts';
import {JobSchema} from './jobSchemas.ts';
import {JobStatsSchema} from './statsSchemas.ts';
import {TaskSchema} from './taskSchemas.ts';
import {WorkerSchema} from './workerSchemas.ts';

const OverviewSchema = Type.Object({
  failures: Type.Array(JobSchema, {description: 'The latest jobs that failed for good (ERROR), newest `scheduledFor` first.'}),
  running: Type.Array(JobSchema, {description: 'Jobs running now (RUNNING), newest `scheduledFor` first.'}),
  stats: JobStatsSchema,
  tasks: Type.Array(TaskSchema),
  workers: Type.Array(WorkerSchema),
}, {additionalProperties: false, description: 'What the dashboard\'s overview shows, in one request.', title: 'Overview'});

const OverviewEventStream = {
  content: {'text/event-stream': {schema: {type: 'string'}}},
  description: 'Server-Sent Events: `overview` (an Overview as `data`) at once and whenever it changed; `error` (`{code, message}`) when a read of it failed; a `: ping` comment every 15 s.',
};

/** The schemas of `/v1/overview` and `/v1/overview/stream`. */
export const OVERVIEW_ROUTE_SCHEMAS = {
  get: {response: {...ERROR_RESPONSES, 200: OverviewSchema}},
  stream: {response: {...ERROR_RESPONSES, 200: OverviewEventStream}},
} as const;

export type OverviewBody = Type.Static<typeof OverviewSchema>;
