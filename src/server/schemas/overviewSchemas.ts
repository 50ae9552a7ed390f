import {Type} from 'typebox';
import {ERROR_RESPONSES} from './errorSchema.ts';
import {JobSchema} from './jobSchemas.ts';
import {JobStatsSchema} from './statsSchemas.ts';
import {TaskSchema} from './taskSchemas.ts';
import {WorkerSchema} from './workerSchemas.ts';

/** The schemas of `/v1/overview`. */
export const OVERVIEW_ROUTE_SCHEMAS = {
  get: {
    response: {
      ...ERROR_RESPONSES,
      200: Type.Object({
        failures: Type.Array(JobSchema, {description: 'The latest jobs that failed for good (ERROR), newest `scheduledFor` first.'}),
        running: Type.Array(JobSchema, {description: 'Jobs running now (RUNNING), newest `scheduledFor` first.'}),
        stats: JobStatsSchema,
        tasks: Type.Array(TaskSchema),
        workers: Type.Array(WorkerSchema),
      }, {additionalProperties: false, description: 'What the dashboard\'s overview shows, in one request.'}),
    },
  },
} as const;
