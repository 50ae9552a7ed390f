import {PlantonError} from '../planton/errors.ts';
import type {Job} from '../scheduler/processorTypes.ts';
import {AttemptReassignedError, UnknownAttemptError, WorkerHubInternalError} from './protocol/errors.ts';
import {fromWireError} from './protocol/fromWireError.ts';
import type {AttemptMessage, AttemptReply} from './protocol/messages.ts';
import type {HeldAttempt, WorkerSession} from './workerHubTypes.ts';

export type AttemptLedgerConfiguration = {
  /** Called when an attempt stops counting towards its worker's load (it ended, or was lost). */
  readonly onReleased: (attempt: HeldAttempt) => void;
  /** How many ended attempts are remembered to answer late or repeated messages; older ones are forgotten. */
  readonly remembered: number;
};

export type AttemptLedger = {
  /** The attempts whose messages are answered (active, and the last `remembered` ended ones). */
  readonly get: (jobId: number, attempt: number) => HeldAttempt | undefined;
  /** Applies a worker's message about an attempt to the hub's job, once, and resolves the answer. */
  readonly handle: (session: WorkerSession, message: AttemptMessage) => Promise<AttemptReply>;
  /** Records that `session` runs the job's attempt now. */
  readonly hold: (session: WorkerSession, job: Job) => HeldAttempt;
  /** The worker's lease ended (or it left, or the hub closes): from now its messages about the attempt are refused with `ATTEMPT_REASSIGNED`. */
  readonly lose: (attempt: HeldAttempt, reason: string) => void;
  /** The attempt timed out, or the worker ended it: it no longer counts towards the worker's load. */
  readonly release: (attempt: HeldAttempt) => void;
};

const keyOf = (jobId: number, attempt: number): string => `${jobId}:${attempt}`;

const toErrorReply = (error: unknown, {attempt, jobId, seq}: AttemptMessage): AttemptReply => {
  const coded = error instanceof PlantonError ? error : new WorkerHubInternalError(error);

  return {attempt, code: coded.code, jobId, message: coded.message, seq, type: 'error'};
};

/**
 * The attempts a hub gave its workers, and the rules for the messages about them: each applied at
 * most once (by job id, attempt and `seq`, so a message sent again after a reconnection changes
 * nothing and gets the first one's answer), refused with `ATTEMPT_REASSIGNED` once the worker lost
 * the attempt, `UNKNOWN_ATTEMPT` for one it never had. The hub's `Job` does the rest as in process:
 * `done` after a timeout answers `job_timed_out`, `log` after `done` answers `job_done`.
 */
export const createAttemptLedger = ({onReleased, remembered}: AttemptLedgerConfiguration): AttemptLedger => {
  const attempts = new Map<string, HeldAttempt>();
  /** Ended attempts, oldest first: forgotten beyond `remembered`. */
  const ended: string[] = [];

  const release = (held: HeldAttempt) => {
    if (!held.active) {
      return;
    }

    held.active = false;
    held.session.held.delete(held);
    ended.push(keyOf(held.job.id, held.job.attempt));

    while (ended.length > remembered) {
      const key = ended.shift() as string;

      if (attempts.get(key)?.active === false) {
        attempts.delete(key);
      }
    }

    onReleased(held);
  };

  /** Calls the hub's job and turns what it does into the answer: an `ack`, or the error's code. */
  const answer = (message: AttemptMessage, call: () => Promise<void>): Promise<AttemptReply> => {
    const ack: AttemptReply = {attempt: message.attempt, jobId: message.jobId, seq: message.seq, type: 'ack'};

    try {
      return call().then(() => ack, (error: unknown) => toErrorReply(error, message));
    } catch (error) {
      // log and progress throw at once after done or fail.
      return Promise.resolve(toErrorReply(error, message));
    }
  };

  const apply = (held: HeldAttempt, message: AttemptMessage): Promise<AttemptReply> => {
    const {job} = held;

    switch (message.type) {
      case 'log':
        return answer(message, async () => {
          await job.log(message.message);
        });
      case 'progress':
        return answer(message, async () => {
          const {progress, step} = message;

          await (progress === null ? job.progress(step ?? '') : step === null ? job.progress(progress) : job.progress(progress, step));
        });
      case 'done':
        held.final = answer(message, async () => {
          await job.done(message.result);
        });
        release(held);

        return held.final;
      case 'fail':
        held.final = answer(message, async () => {
          await job.fail(fromWireError(message.error));
        });
        release(held);

        return held.final;
    }
  };

  return {
    get: (jobId, attempt) => attempts.get(keyOf(jobId, attempt)),
    handle: (session, message) => {
      const held = attempts.get(keyOf(message.jobId, message.attempt));

      if (held === undefined) {
        return Promise.resolve(toErrorReply(new UnknownAttemptError(message.jobId, message.attempt), message));
      }

      if (held.lost !== null || held.session !== session) {
        return Promise.resolve(toErrorReply(new AttemptReassignedError(message.jobId, message.attempt, held.lost ?? 'another worker holds it'), message));
      }

      if (message.seq <= held.lastSeq) {
        // Sent again after a reconnection: applied once, answered as the first time (an end) or acknowledged.
        const isEnd = message.type === 'done' || message.type === 'fail';

        return isEnd && held.final !== null ? held.final.then((reply) => ({...reply, seq: message.seq})) : Promise.resolve({attempt: message.attempt, jobId: message.jobId, seq: message.seq, type: 'ack'});
      }

      held.lastSeq = message.seq;

      return apply(held, message);
    },
    hold: (session, job) => {
      const held: HeldAttempt = {active: true, final: null, job, lastSeq: 0, lost: null, session};

      attempts.set(keyOf(job.id, job.attempt), held);
      session.held.add(held);

      return held;
    },
    lose: (held, reason) => {
      held.lost = reason;
      release(held);
    },
    release,
  };
};
