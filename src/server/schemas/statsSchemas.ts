import {Type} from 'typebox';
import {ERROR_RESPONSES} from './errorSchema.ts';

const DateTime = Type.String({format: 'date-time'});
const Nullable = <Schema extends Type.TSchema>(schema: Schema) => Type.Union([schema, Type.Null()]);

const BucketSchema = Type.Object({
  averageDuration: Nullable(Type.Number({description: 'The mean duration (`endedAt − startedAt`) in milliseconds of those that started; `null` when none did.'})),
  failed: Type.Integer({description: 'Jobs that ended ERROR (failed for good) in the bucket.'}),
  maxDuration: Nullable(Type.Number({description: 'The longest duration in milliseconds; `null` when none started.'})),
  start: DateTime,
  succeeded: Type.Integer({description: 'Jobs that ended DONE in the bucket.'}),
}, {additionalProperties: false});

/** What `scheduler.summarizeJobs()` resolves, as the HTTP API shows it. */
export const JobStatsSchema = Type.Object({
  bucketSize: Type.Integer({description: 'Milliseconds per bucket.'}),
  from: DateTime,
  tasks: Type.Array(Type.Object({
    buckets: Type.Array(BucketSchema, {description: 'Oldest first; a bucket where none of the task\'s jobs ended is left out.'}),
    name: Type.String(),
  }, {additionalProperties: false}), {description: 'The tasks with jobs that ended in the range, by name.'}),
  to: DateTime,
}, {additionalProperties: false, description: 'The jobs that ended DONE or ERROR from `from` to `to`, per task and bucket of `bucketSize` (from `from` on).', title: 'JobStats'});

export type JobStatsBody = Type.Static<typeof JobStatsSchema>;

// Query strings are not coerced (coercion is off server-wide): numbers are strings with patterns.
export const StatsQuerySchema = Type.Object({
  bucketSize: Type.Optional(Type.String({description: 'Milliseconds per bucket, or a duration such as `1h`, `15m` (default 1h; at most 1,000 buckets).', minLength: 1})),
  from: Type.Optional(Type.String({description: 'Where the first bucket starts: an ISO 8601 date (default `to` − 24 hours).', minLength: 1})),
  taskName: Type.Optional(Type.String({minLength: 1})),
  to: Type.Optional(Type.String({description: 'The end of the range (exclusive): an ISO 8601 date (default the end of the bucket now is in: buckets are whole multiples of `bucketSize` since the epoch, whole hours by default).', minLength: 1})),
}, {additionalProperties: false});

/** The schemas of `/v1/stats`. */
export const STATS_ROUTE_SCHEMAS = {
  get: {querystring: StatsQuerySchema, response: {...ERROR_RESPONSES, 200: JobStatsSchema}},
} as const;
