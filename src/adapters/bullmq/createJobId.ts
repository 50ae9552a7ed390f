/**
 * The BullMQ job id of an execution's message: `<task name, URI-encoded>/<execution id>`. BullMQ
 * stores an add whose job id exists already only once, so an add retried after a lost reply does
 * not queue the execution twice. BullMQ refuses ids that contain `:` or parse as an integer; URI
 * encoding turns every `:` and `/` of the task name into `%3A` and `%2F`, so no task name yields
 * either and no two executions share an id.
 */
export const createJobId = (taskName: string, executionId: number): string => {
  return `${encodeURIComponent(taskName)}/${executionId}`;
};
