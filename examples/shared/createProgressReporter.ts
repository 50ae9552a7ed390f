import cliProgress from 'cli-progress';

export type TaskProgress = {
  readonly done: number;
  readonly name: string;
  /** Done plus what is still eligible (grows in --watch mode as new rows arrive). */
  readonly total: number;
};

export type ProgressReporter = {
  /** Prints a line above the bars (or as is, without them). */
  readonly log: (line: string) => void;
  readonly stop: () => void;
  readonly update: (progress: readonly TaskProgress[], seconds: number) => void;
};

/** Plain lines at most this often when the output is not a terminal (a log file, a pipe, CI). */
const PLAIN_LINE_INTERVAL_SECONDS = 1;

const formatCount = (value: number) => value.toLocaleString('en-US');

/**
 * Shows per-task progress: one cli-progress bar per task on a terminal, otherwise a plain
 * `progress …` line at most every second while rows are being done, with the rate since the
 * previous line (no cursor tricks in logs).
 */
export const createProgressReporter = ({isTTY, stream, taskNames}: {
  readonly isTTY: boolean;
  readonly stream: NodeJS.WriteStream;
  readonly taskNames: readonly string[];
}): ProgressReporter => {
  if (isTTY) {
    const multiBar = new cliProgress.MultiBar({
      clearOnComplete: false,
      barsize: 25,
      format: ' {task} |{bar}| {value}/{total} | {rate}/s',
      hideCursor: true,
      stream,
    }, cliProgress.Presets.shades_classic);
    const width = Math.max(...taskNames.map((name) => name.length));
    const bars = new Map(taskNames.map((name) => [name, multiBar.create(0, 0, {rate: 0, task: name.padEnd(width)})]));
    /** When each task caught up with its total: its rate stops decaying while the other task runs on. */
    const caughtUpAt = new Map<string, number>();

    return {
      log: (line) => {
        multiBar.log(`${line}\n`);
      },
      stop: () => {
        multiBar.stop();
      },
      update: (progress, seconds) => {
        for (const {done, name, total} of progress) {
          const bar = bars.get(name);

          if (done < total) {
            caughtUpAt.delete(name);
          } else if (!caughtUpAt.has(name)) {
            caughtUpAt.set(name, seconds);
          }

          const elapsed = caughtUpAt.get(name) ?? seconds;

          bar?.setTotal(total);
          bar?.update(done, {rate: elapsed > 0 ? formatCount(Math.round(done / elapsed)) : 0, task: name.padEnd(width)});
        }
      },
    };
  }

  let lastLine = {done: 0, seconds: 0};

  return {
    log: (line) => {
      stream.write(`${line}\n`);
    },
    stop: () => {
      // Nothing on screen to tidy.
    },
    update: (progress, seconds) => {
      const done = progress.reduce((sum, task) => sum + task.done, 0);

      // Quiet while nothing happens (an idle --watch writes no lines).
      if (seconds - lastLine.seconds < PLAIN_LINE_INTERVAL_SECONDS || done === lastLine.done) {
        return;
      }

      const rate = Math.round((done - lastLine.done) / (seconds - lastLine.seconds));
      const tasks = progress.map((task) => `${task.name} ${formatCount(task.done)}/${formatCount(task.total)}`).join(', ');

      lastLine = {done, seconds};
      stream.write(`progress ${seconds.toFixed(1)} s: ${tasks} (${formatCount(rate)} rows/s)\n`);
    },
  };
};
