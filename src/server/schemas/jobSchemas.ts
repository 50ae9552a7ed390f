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
  kind: Type.Union([Type.Literal('SLOT'), Type.Literal('ONE_OFF')], {description: '`SLOT`: made by the task\'s schedule, one per slot; `ONE_OFF`: made by `POST /v1/tasks/:name/jobs`.'}),
  leaseUntil: Nullable(DateTime),
  noProcessorCount: Type.Integer(),
  payload: Type.Unknown(),
  progress: Nullable(Type.Number()),
  result: Type.Unknown({description: 'What the processor completed the job with (any JSON value), once DONE; `null` otherwise.'}),
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

const JOB_STATES = ['SCHEDULED', 'WAITING', 'RUNNING', 'DONE', 'ERROR', 'CANCELED'] as const;
const ENDED_JOB_STATES = ['DONE', 'ERROR', 'CANCELED'] as const;
const listOf = (values: readonly string[]) => `^(${values.join('|')})(,(${values.join('|')}))*$`;

/** A page of jobs, newest `scheduledFor` first. */
export const JobPageSchema = Type.Object({
  jobs: Type.Array(JobSchema),
  nextCursor: Nullable(Type.String({description: 'Pass it as `after` for the next page; `null` on the last page.'})),
}, {additionalProperties: false, description: 'A page of jobs, newest `scheduledFor` first (then highest id).', title: 'JobPage'});

// Query strings are not coerced (coercion is off server-wide): numbers and lists are strings with patterns.
const PageQuery = {
  after: Type.Optional(Type.String({description: 'The `nextCursor` of the previous page.', minLength: 1})),
  limit: Type.Optional(Type.String({description: 'Most jobs in the page, 1 to 500 (default 50).', pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$'})),
  states: Type.Optional(Type.String({description: `Comma-separated job states (${JOB_STATES.join(', ')}).`, pattern: listOf(JOB_STATES)})),
};

export const TaskJobsQuerySchema = Type.Object(PageQuery, {additionalProperties: false});

export const JobsQuerySchema = Type.Object({
  ...PageQuery,
  from: Type.Optional(Type.String({description: 'Only jobs whose `scheduledFor` is at or after this ISO 8601 date.', minLength: 1})),
  taskName: Type.Optional(Type.String({minLength: 1})),
  to: Type.Optional(Type.String({description: 'Only jobs whose `scheduledFor` is before this ISO 8601 date.', minLength: 1})),
}, {additionalProperties: false});

export const PruneQuerySchema = Type.Object({
  olderThan: Type.String({description: 'Jobs that ended before this: an ISO 8601 date, or a duration back from now such as `30d`, `12h`, `1w2d`.', minLength: 1}),
  states: Type.Optional(Type.String({description: `Comma-separated ended states (default all: ${ENDED_JOB_STATES.join(', ')}).`, pattern: listOf(ENDED_JOB_STATES)})),
  taskName: Type.Optional(Type.String({minLength: 1})),
}, {additionalProperties: false});

export const RunTaskBodySchema = Type.Object({
  payload: Type.Optional(Type.Unknown({description: 'Any JSON value, handed to the job. Default the task\'s payload.'})),
  runAt: Type.Optional(Type.Union([Type.String(), Type.Integer()], {description: 'When the job may start: an ISO 8601 string or milliseconds since the epoch. Default now.'})),
}, {additionalProperties: false, title: 'RunTask'});

export const DeliverySchema = Type.Object({
  attempts: Type.Integer({description: 'POSTs made so far.'}),
  createdAt: DateTime,
  deliveredAt: Nullable(DateTime),
  event: Type.Union([Type.Literal('job.failed'), Type.Literal('job.timed_out'), Type.Literal('job.dead')]),
  id: Type.String(),
  jobId: Type.Integer(),
  lastError: Nullable(Type.String({description: 'Why the last attempt failed: `HTTP 500`, `timeout`, a network error code.'})),
  lastStatus: Nullable(Type.Integer({description: 'The receiver\'s HTTP status on the last attempt.'})),
  nextAttemptAt: Nullable(DateTime),
  state: Type.Union([Type.Literal('PENDING'), Type.Literal('DELIVERED'), Type.Literal('FAILED'), Type.Literal('DROPPED')]),
  url: Type.String(),
}, {additionalProperties: false, description: 'One webhook notification of a job and where it stands.', title: 'WebhookDelivery'});

const EventStream = {content: {'text/event-stream': {schema: {type: 'string'}}}, description: 'Server-Sent Events: `job` (the Job as `data`) at once and whenever it changed, `log` (a JobLogEntry as `data`) for each log entry, then `end` (`{state, job}`) once the job has ended.'};

export const JOB_ROUTE_SCHEMAS = {
  cancel: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: JobSchema}},
  get: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: JobSchema}},
  logs: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: Type.Object({logs: Type.Array(JobLogEntrySchema)}, {additionalProperties: false, description: 'The job\'s log lines and progress, oldest first.'})}},
  reschedule: {body: RescheduleBodySchema, params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: JobSchema}},
  deliveries: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: Type.Object({deliveries: Type.Array(DeliverySchema)}, {additionalProperties: false, description: 'The job\'s webhook deliveries in this process, oldest first.'})}},
  list: {querystring: JobsQuerySchema, response: {...ERROR_RESPONSES, 200: JobPageSchema}},
  logStream: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: EventStream}},
  prune: {querystring: PruneQuerySchema, response: {...ERROR_RESPONSES, 200: Type.Object({deleted: Type.Integer()}, {additionalProperties: false, description: 'How many ended jobs were deleted, with their logs.'})}},
  retry: {params: JobIdParamsSchema, response: {...ERROR_RESPONSES, 200: JobSchema}},
  runTask: {body: RunTaskBodySchema, params: TaskNameParamsSchema, response: {...ERROR_RESPONSES, 201: JobSchema}},
  taskJobs: {params: TaskNameParamsSchema, querystring: TaskJobsQuerySchema, response: {...ERROR_RESPONSES, 200: JobPageSchema}},
} as const;

export type JobBody = Type.Static<typeof JobSchema>;
export type DeliveryBody = Type.Static<typeof DeliverySchema>;
export type JobLogEntryBody = Type.Static<typeof JobLogEntrySchema>;
