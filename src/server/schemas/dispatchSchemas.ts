import {Type} from 'typebox';
import {ERROR_RESPONSES} from './errorSchema.ts';

const DateTime = Type.String({format: 'date-time'});
const Count = Type.Integer({minimum: 0});

const TaskExecutionsSchema = Type.Object({
  completed: Type.Integer({description: 'Executions that ended COMPLETED since `since`.', minimum: 0}),
  dead: Type.Integer({description: 'Dead instructions now (`maxAttempts` failed attempts, not revived).', minimum: 0}),
  failed: Type.Integer({description: 'Executions that ended FAILED since `since`.', minimum: 0}),
  lastTerminatedAt: Type.Union([DateTime, Type.Null()], {description: 'When the reaper last terminated an execution of the task (at any time).'}),
  running: Type.Integer({description: 'RUNNING executions now.', minimum: 0}),
  taskName: Type.String(),
  terminated: Type.Integer({description: 'Executions the reaper terminated since `since`.', minimum: 0}),
}, {additionalProperties: false, title: 'DispatchTask'});

const TerminationSchema = Type.Object({
  executionId: Type.Integer(),
  instruction: Type.Union([Type.String(), Type.Number()], {description: 'The instruction (a string or a number, e.g. a row id).'}),
  taskName: Type.String(),
  terminatedAt: DateTime,
}, {additionalProperties: false, title: 'DispatchTermination'});

const DispatchStoreSchema = Type.Object({
  error: Type.Union([Type.Object({code: Type.String(), message: Type.String()}, {additionalProperties: false}), Type.Null()], {description: 'Why `status` is `FAILED`: `STORE_TIMEOUT`, `STORE_UNREACHABLE`, `DISPATCH_SUMMARY_FAILED`, ….'}),
  name: Type.String(),
  reaper: Type.Union([Type.Object({
    recent: Type.Array(TerminationSchema, {description: 'The reaper\'s latest terminations (at any time), newest first, at most 10.'}),
    terminated: Count,
  }, {additionalProperties: false}), Type.Null()], {description: 'The reaper\'s work: terminations since `since`, and the latest ones. Null unless `status` is `OK`.'}),
  status: Type.Union([Type.Literal('OK'), Type.Literal('UNSUPPORTED'), Type.Literal('FAILED')], {description: '`UNSUPPORTED`: the store has no `summarizeExecutions`; `FAILED`: reading it failed or timed out (`error`).'}),
  tasks: Type.Array(TaskExecutionsSchema, {description: 'Every task of the store, by name (empty unless `status` is `OK`).'}),
}, {additionalProperties: false, title: 'DispatchStore'});

const DispatchBodySchema = Type.Object({
  since: Type.String({description: 'The counts of ends are of executions that ended at or after this time (24 h before the answer).', format: 'date-time'}),
  stores: Type.Array(DispatchStoreSchema, {description: 'The server\'s dispatch stores (`dispatchStores`, `planton serve --dispatch-schema`), in their configured order; empty when it has none.'}),
}, {additionalProperties: false, description: 'The dispatch side: per Planton task of each dispatch store, its executions of the last 24 h, and the reaper\'s recent work.'});

export type DispatchBody = Type.Static<typeof DispatchBodySchema>;

/** The schemas of `/v1/dispatch`. */
export const DISPATCH_ROUTE_SCHEMAS = {
  get: {
    response: {
      ...ERROR_RESPONSES,
      200: DispatchBodySchema,
    },
  },
} as const;
