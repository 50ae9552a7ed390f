import {Type} from 'typebox';
import {ERROR_RESPONSES} from './errorSchema.ts';
import {TaskNameParamsSchema} from './taskSchemas.ts';

const DateTime = Type.String({format: 'date-time'});
const Nullable = <Schema extends Type.TSchema>(schema: Schema) => Type.Union([schema, Type.Null()]);

/** A job as the store holds it, times as ISO 8601 strings. */
export const JobSchema = Type.Object({
  attempt: Type.Integer({description: 'Attempts started so far (0 before the first).'}),
  createdAt: DateTime,
  endedAt: Nullable(DateTime),
  error: Nullable(Type.Object({}, {additionalProperties: true, description: 'The last failure, serialised (`name`, `message`, `code`, …).'})),
  id: Type.Integer(),
  leaseUntil: Nullable(DateTime),
  noProcessorCount: Type.Integer(),
  payload: Type.Unknown(),
  progress: Nullable(Type.Number()),
  runAt: DateTime,
  scheduledFor: DateTime,
  slotCount: Type.Integer(),
  startedAt: Nullable(DateTime),
  state: Type.Union([Type.Literal('SCHEDULED'), Type.Literal('WAITING'), Type.Literal('RUNNING'), Type.Literal('DONE'), Type.Literal('ERROR'), Type.Literal('CANCELED')]),
  step: Nullable(Type.String()),
  taskName: Type.String(),
  worker: Nullable(Type.String({description: 'The scheduler instance that ran the last attempt.'})),
}, {additionalProperties: false, description: 'The job.', title: 'Job'});

export const JobLogEntrySchema = Type.Object({
  attempt: Type.Integer(),
  date: DateTime,
  message: Nullable(Type.String()),
  progress: Nullable(Type.Number()),
  step: Nullable(Type.String()),
}, {additionalProperties: false, title: 'JobLogEntry'});

export const JobIdParamsSchema = Type.Object({id: Type.String({description: 'The job\'s id, an integer.', pattern: '^[0-9]{1,15}$'})});

export const RescheduleBodySchema = Type.Object({
  runAt: Type.Union([Type.String(), Type.Integer()], {description: 'When the job may start: an ISO 8601 string or milliseconds since the epoch.'}),
}, {additionalProperties: false});

const JobList = Type.Object({jobs: Type.Array(JobSchema)}, {additionalProperties: false, description: 'The task\'s jobs, by slot.'});

export const JOB_ROUTE_SCHEMAS = {
  cancel: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: JobSchema}},
  get: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: JobSchema}},
  logs: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: Type.Object({logs: Type.Array(JobLogEntrySchema)}, {additionalProperties: false, description: 'The job\'s log lines and progress, oldest first.'})}},
  reschedule: {body: RescheduleBodySchema, params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: JobSchema}},
  taskJobs: {params: TaskNameParamsSchema, response: {...ERROR_RESPONSES, 200: JobList}},
} as const;

export type JobBody = Type.Static<typeof JobSchema>;
export type JobLogEntryBody = Type.Static<typeof JobLogEntrySchema>;
