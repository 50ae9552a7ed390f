import {serializeError} from 'serialize-error';
import {Logger} from '../../planton/Logger.ts';
import type {Scheduler} from '../../scheduler/createScheduler.ts';
import {UnknownJobError} from '../../scheduler/errors.ts';
import type {JobState} from '../../scheduler/recordTypes.ts';
import type {SchedulerEvents} from '../../scheduler/schedulerApiTypes.ts';
import {JOB_ROUTE_SCHEMAS} from '../schemas/jobSchemas.ts';
import {toJobBody} from '../toJobBody.ts';
import {toJobLogEntryBody} from '../toJobLogEntryBody.ts';
import type {ServerApp} from '../types.ts';

const log = Logger.child({
  namespace: 'registerLogStreamRoute',
});

const ENDED: readonly JobState[] = ['CANCELED', 'DONE', 'ERROR'];

export type LogStreamRouteConfiguration = {
  /** Milliseconds between two reads of the job and its log while a stream is open. */
  readonly pollInterval: number;
  readonly scheduler: Scheduler;
};

export type LogStreams = {
  /** Ends every open stream (the server is closing): each gets no `end` event, its connection is ended. */
  readonly closeAll: () => void;
};

const toEvent = (event: string, data: unknown, id?: number) => `${id === undefined ? '' : `id: ${id}\n`}event: ${event}\ndata: ${JSON.stringify(data)}\n\n`;

/**
 * `GET /v1/jobs/:id/logs/stream`: Server-Sent Events of a job's log. The log lives in the store and
 * may be written by any instance, and the scheduler has no event per log line, so the stream polls
 * `getJob` then `getJobLogs` every `pollInterval` (one timer per stream, cleared when it ends) and
 * sends the entries it has not sent yet (`id` = the entry's index, so `Last-Event-ID` resumes), and
 * `job` (the job's body) first and whenever it changed (state, attempt, progress, …); the scheduler's `succeeded`/`failed`/`retry`/`timeout` events of the job wake it at once. When the job
 * has ended (DONE, ERROR, CANCELED), or is gone, it sends `end` (`{state, job}`) and closes.
 */
export const registerLogStreamRoute = (app: ServerApp, {pollInterval, scheduler}: LogStreamRouteConfiguration): LogStreams => {
  const streams = new Set<() => void>();

  app.get('/jobs/:id/logs/stream', {schema: {...JOB_ROUTE_SCHEMAS.logStream, summary: 'Follow a job\'s log (Server-Sent Events) until the job ends', tags: ['jobs']}}, async (request, reply) => {
    const id = Number(request.params.id);

    // Before the stream starts, so an unknown job is a 404 JSON error as on the other routes.
    if (await scheduler.getJob(id) === null) {
      throw new UnknownJobError(id);
    }

    const lastEventId = Number(request.headers['last-event-id']);
    let sent = Number.isSafeInteger(lastEventId) && lastEventId >= 0 ? lastEventId + 1 : 0;
    let stopped = false;
    /** The job as the last `job` event sent it, serialised. */
    let sentJob: string | null = null;
    let timer: NodeJS.Timeout | undefined;
    let wake: (() => void) | null = null;
    const raw = reply.raw;

    const onJobEvent = ({job}: {readonly job: SchedulerEvents['failed']['job']}) => {
      if (job.id === id) {
        wake?.();
      }
    };

    const names = ['failed', 'retry', 'succeeded', 'timeout'] as const;

    const stop = () => {
      if (stopped) {
        return;
      }

      stopped = true;
      clearTimeout(timer);
      wake?.();
      streams.delete(stop);

      for (const name of names) {
        scheduler.events.off(name, onJobEvent);
      }

      if (!raw.writableEnded) {
        raw.end();
      }
    };

    const pause = async () => {
      await new Promise<void>((resolve) => {
        wake = resolve;
        timer = setTimeout(resolve, pollInterval);
        timer.unref();
      });
      wake = null;
      clearTimeout(timer);
    };

    reply.hijack();

    // A client that left during the getJob above: its 'close' has fired already and would never stop this stream.
    if (raw.destroyed || request.raw.destroyed || request.raw.socket.destroyed) {
      raw.destroy();

      return;
    }

    raw.writeHead(200, {'cache-control': 'no-cache', connection: 'keep-alive', 'content-type': 'text/event-stream; charset=utf-8', 'x-accel-buffering': 'no'});
    raw.write(`: job ${id}\n\n`);
    streams.add(stop);
    raw.once('close', stop);

    for (const name of names) {
      scheduler.events.on(name, onJobEvent);
    }

    while (!stopped) {
      try {
        // The job first: the log read after it holds every line written before the job ended.
        const job = await scheduler.getJob(id);
        const logs = await scheduler.getJobLogs(id);

        if (job !== null && !ENDED.includes(job.state) && !stopped) {
          const body = JSON.stringify(toJobBody(job));

          if (body !== sentJob) {
            sentJob = body;
            raw.write(`event: job\ndata: ${body}\n\n`);
          }
        }

        for (const [index, entry] of logs.entries()) {
          if (index >= sent && !stopped) {
            raw.write(toEvent('log', toJobLogEntryBody(entry), index));
          }
        }

        sent = Math.max(sent, logs.length);

        if (job === null || ENDED.includes(job.state)) {
          if (!stopped) {
            raw.write(toEvent('end', {job: job === null ? null : toJobBody(job), state: job?.state ?? null}));
          }

          stop();

          break;
        }
      } catch (error) {
        // A store that fails now may answer at the next read: the stream goes on.
        log.warn({error: serializeError(error), jobId: id}, 'could not read the job\'s log for its stream');
      }

      if (!stopped) {
        await pause();
      }
    }
  });

  return {
    closeAll: () => {
      for (const stop of [...streams]) {
        stop();
      }
    },
  };
};
