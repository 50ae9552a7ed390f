/** A node-style callback that `done`, `fail`, `log` and `progress` accept besides returning a promise. */
export type NodeCallback = (error: Error | null) => void;

export type JobEvents = {
  /**
   * The job ran past its task's `timeout`: it has failed with `job_timed_out` and its `signal` is
   * aborted (`job.signal.reason` is the `job_timed_out` error). The listener gets the task's timeout
   * in milliseconds, Infinitas' `taskTimeoutValue`.
   */
  readonly timeout: number;
};

/** What a processor receives: one attempt of one job. */
export type Job = {
  /** This attempt's number, from 1. */
  readonly attempt: number;
  /**
   * Marks the job succeeded, with an optional `result`: stored with the job as JSON (`job.result`, what
   * `onComplete` listeners get; `null` for a value JSON cannot hold) and handed as given to the `succeeded` event. Rejects (or calls back) with `job_done`, `job_failed` or `job_timed_out` when it has
   * ended already, `server_unreachable` when the store cannot be reached. A function as the only
   * argument is the callback (Infinitas' `done(callback)`).
   */
  readonly done: {
    (callback?: NodeCallback): Promise<void>;
    (result: unknown, callback?: NodeCallback): Promise<void>;
  };
  /**
   * Marks the attempt failed with `error` (a `JOB_HANDLER_ERROR` when none is given); the task's
   * `retry` decides whether another attempt follows. Answers like `done`; a function as the only
   * argument is the callback (Infinitas' `fail(callback)`).
   */
  readonly fail: {
    (callback?: NodeCallback): Promise<void>;
    (error: unknown, callback?: NodeCallback): Promise<void>;
  };
  readonly id: number;
  /**
   * Appends a line to the job's log (`getJobLogs`). Throws `job_done` or `job_failed` once `done` or
   * `fail` was called; after a timeout it goes on logging (as in Infinitas).
   */
  readonly log: (message: string, callback?: NodeCallback) => Promise<void>;
  readonly off: <Name extends keyof JobEvents>(name: Name, listener: (payload: JobEvents[Name]) => void) => void;
  readonly on: <Name extends keyof JobEvents>(name: Name, listener: (payload: JobEvents[Name]) => void) => void;
  readonly once: <Name extends keyof JobEvents>(name: Name, listener: (payload: JobEvents[Name]) => void) => void;
  /** The task's payload (any JSON value), as it was when the job was created. */
  readonly payload: unknown;
  /**
   * Records progress: a fraction from 0 to 1, a step name, or both (`progress(0.3, 'upload')`).
   * Stored with the job and in its log; after a timeout, in the log only. Throws like `log`.
   */
  readonly progress: (value: number | string, step?: NodeCallback | string, callback?: NodeCallback) => Promise<void>;
  /** The slot the job is for. */
  readonly scheduledFor: Date;
  /** Aborted when the attempt times out or the scheduler terminates. */
  readonly signal: AbortSignal;
  /** How many slots the job stands for (more than 1 after downtime under misfire `'once'`). */
  readonly slotCount: number;
  readonly taskName: string;
  /** The task's `timeout` (milliseconds) this attempt runs under, as the `timeout` event reports it. */
  readonly timeout: number;
};

/** The second parameter of a processor that takes one: ends the job, failed with `error` when one is given, else done with `result`. */
export type ProcessorCallback = (error?: unknown, result?: unknown) => void;

/**
 * Runs a job. A processor that declares one parameter, `(job) => …`, completes its job when it
 * returns (with the value returned as `result`) or when the promise it returns resolves (with its
 * value), as in BullMQ, unless it called `job.done()`/`job.fail()` first. A processor that declares
 * a second parameter, `(job, done) => …` (counted by `Function.length`, so without a default value),
 * ends its job only by calling `done(error?, result?)`, `job.done()` or `job.fail()`: what it
 * returns is ignored. Either way a throw or a rejected promise fails the job with that error.
 */
export type Processor = (job: Job, done: ProcessorCallback) => unknown;
