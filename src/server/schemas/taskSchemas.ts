import {Type} from 'typebox';
import {ERROR_RESPONSES} from './errorSchema.ts';

const DateTime = Type.String({format: 'date-time'});
const Nullable = <Schema extends Type.TSchema>(schema: Schema) => Type.Union([schema, Type.Null()]);

const REPEAT_UNITS = ['years', 'months', 'weeks', 'days', 'hours', 'minutes', 'seconds', 'milliseconds'] as const;
const REPEAT_SHORTHANDS = ['y', 'M', 'w', 'd', 'h', 'm', 's', 'ms'] as const;

const RepeatInput = Type.Object(
  Object.fromEntries([...REPEAT_UNITS, ...REPEAT_SHORTHANDS].map((unit) => [unit, Type.Optional(Type.Integer())])) as Record<(typeof REPEAT_UNITS)[number] | (typeof REPEAT_SHORTHANDS)[number], Type.TOptional<Type.TInteger>>,
  {additionalProperties: false, description: 'Any of the units, long or short (`M` months, `m` minutes), each an integer >= 0, at least one > 0.'},
);

const DateInput = Type.Union([Type.String(), Type.Integer()], {description: 'An ISO 8601 string (read in `timezone` when it has no offset) or milliseconds since the epoch.'});

const ScheduleInput = Type.Union([
  Type.String({description: 'A cron expression (5 fields, or 6 with seconds first) or a duration such as `15m`.'}),
  Type.Object({every: Type.Union([Type.Integer(), Type.String()], {description: 'Milliseconds (>= 1) or a duration such as `1h30m`.'})}, {additionalProperties: false}),
  Type.Object({date: DateInput, repeat: Type.Optional(RepeatInput)}, {additionalProperties: false}),
]);

const Backoff = Type.Union([
  Type.Object({delay: Type.Number({description: 'Milliseconds between a failure and the next attempt.'}), type: Type.Literal('fixed')}, {additionalProperties: false}),
  Type.Object({
    delay: Type.Number({description: 'Milliseconds before the first retry; doubled for each one after.'}),
    jitter: Type.Optional(Type.Number({description: 'Fraction (0–1) of the delay randomised away.'})),
    maxDelay: Type.Optional(Type.Number({description: 'Largest delay before jitter, in milliseconds.'})),
    type: Type.Literal('exponential'),
  }, {additionalProperties: false}),
]);

const Misfire = Type.Union([Type.Literal('once'), Type.Literal('all'), Type.Literal('skip')]);

/** `PUT /v1/tasks/:name`: what `scheduler.schedule()` takes, but the name (in the path) and a backoff function (JSON has none). */
export const PutTaskBodySchema = Type.Object({
  concurrency: Type.Optional(Type.Integer({description: 'How many of the task\'s jobs may run at once, in all instances. Default 1.'})),
  misfire: Type.Optional(Misfire),
  payload: Type.Optional(Type.Unknown({description: 'Any JSON value, handed to the task\'s jobs. Default null.'})),
  retry: Type.Optional(Type.Object({attempts: Type.Integer({description: 'Attempts in all, the first included (>= 1).'}), backoff: Type.Optional(Backoff)}, {additionalProperties: false})),
  schedule: ScheduleInput,
  timeout: Type.Number({description: 'Milliseconds after which a running job fails with `job_timed_out` (> 0).'}),
  timezone: Type.Optional(Type.String({description: 'IANA time zone or UTC offset of cron expressions, calendar repeats and offset-less dates. Default UTC.'})),
}, {additionalProperties: false, title: 'TaskDefinition'});

const RepeatPeriod = Type.Object(
  Object.fromEntries(REPEAT_UNITS.map((unit) => [unit, Type.Integer()])) as Record<(typeof REPEAT_UNITS)[number], Type.TInteger>,
  {additionalProperties: false},
);

const Schedule = Type.Union([
  Type.Object({expression: Type.String(), kind: Type.Literal('CRON'), timezone: Type.String()}, {additionalProperties: false}),
  Type.Object({every: Type.Integer({description: 'Milliseconds.'}), kind: Type.Literal('INTERVAL')}, {additionalProperties: false}),
  Type.Object({date: DateTime, kind: Type.Literal('ONE_SHOT'), repeat: Nullable(RepeatPeriod), timezone: Type.String()}, {additionalProperties: false}),
]);

const JobSummary = Type.Object({
  date: DateTime,
  id: Type.Integer(),
  status: Type.Union([Type.Literal('failed'), Type.Literal('running'), Type.Literal('succeeded')]),
}, {additionalProperties: false});

/** A task as `scheduler.getTask()` reports it, times as ISO 8601 strings. */
export const TaskSchema = Type.Object({
  concurrency: Type.Integer(),
  lastFailure: Nullable(JobSummary),
  lastJob: Nullable(JobSummary),
  lastSuccess: Nullable(JobSummary),
  misfire: Misfire,
  name: Type.String(),
  nextJob: Nullable(Type.Object({date: DateTime, id: Type.Integer()}, {additionalProperties: false})),
  nextRunAt: Nullable(DateTime),
  paused: Type.Boolean({description: 'Paused: no jobs for its slots and none of its jobs claimed, until resumed.'}),
  payload: Type.Unknown(),
  schedule: Schedule,
  timeout: Type.Number(),
}, {additionalProperties: false, description: 'The task.', title: 'Task'});

export const TaskNameParamsSchema = Type.Object({name: Type.String({minLength: 1})});

export const TASK_ROUTE_SCHEMAS = {
  delete: {params: TaskNameParamsSchema, response: {...ERROR_RESPONSES, 204: Type.Null({description: 'Unscheduled.'})}},
  get: {params: TaskNameParamsSchema, response: {...ERROR_RESPONSES, 200: TaskSchema}},
  list: {response: {...ERROR_RESPONSES, 200: Type.Object({tasks: Type.Array(TaskSchema)}, {additionalProperties: false, description: 'Every stored task.'})}},
  pause: {params: TaskNameParamsSchema, response: {...ERROR_RESPONSES, 200: TaskSchema}},
  put: {body: PutTaskBodySchema, params: TaskNameParamsSchema, response: {...ERROR_RESPONSES, 200: TaskSchema, 201: TaskSchema}},
  resume: {params: TaskNameParamsSchema, response: {...ERROR_RESPONSES, 200: TaskSchema}},
  trigger: {params: TaskNameParamsSchema, response: {...ERROR_RESPONSES, 202: Type.Object({taskName: Type.String()}, {additionalProperties: false, description: 'A dispatcher round was requested.'})}},
} as const;

export type TaskBody = Type.Static<typeof TaskSchema>;
export type PutTaskBody = Type.Static<typeof PutTaskBodySchema>;
