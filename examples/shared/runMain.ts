import {formatSummary, isVerified, type RunSummary} from './formatSummary.ts';

/** What a run gets from the command: the stop signal (SIGINT, SIGTERM) and the output streams. */
export type RunContext = {
  readonly signal: AbortSignal;
  readonly stderr: NodeJS.WriteStream;
  readonly stdout: NodeJS.WriteStream;
};

const formatMessage = (error: unknown) => (error instanceof Error ? error.message : String(error));

/**
 * An example's command, the same on every database: parses the command line (a throw prints the
 * message and `usage`, exit 2), prints `usage` for --help, runs until done or SIGINT/SIGTERM,
 * prints the summary and exits 1 when a completed run's database checks fail (or the run throws).
 */
export const runMain = async <Options extends {readonly help: boolean}>({parseOptions, run, usage}: {
  /** The command line (without the node and script arguments) as options; throws on what it rejects. */
  readonly parseOptions: (argv: readonly string[]) => Options;
  /** The run on the parsed options: what it opens, it closes. */
  readonly run: (options: Options, context: RunContext) => Promise<RunSummary>;
  readonly usage: string;
}): Promise<void> => {
  const main = async (): Promise<number> => {
    let options: Options;

    try {
      options = parseOptions(process.argv.slice(2));
    } catch (error) {
      process.stderr.write(`${formatMessage(error)}\n\n${usage}`);

      return 2;
    }

    if (options.help) {
      process.stdout.write(usage);

      return 0;
    }

    const controller = new AbortController();
    const stop = (signalName: NodeJS.Signals) => {
      if (!controller.signal.aborted) {
        process.stderr.write(`\n${signalName}: shutting down…\n`);
        controller.abort();
      }
    };

    process.on('SIGINT', stop);
    process.on('SIGTERM', stop);

    try {
      const summary = await run(options, {signal: controller.signal, stderr: process.stderr, stdout: process.stdout});

      for (const line of formatSummary(summary)) {
        process.stdout.write(`${line}\n`);
      }

      return summary.state === 'COMPLETED' && !isVerified(summary.checks) ? 1 : 0;
    } finally {
      process.off('SIGINT', stop);
      process.off('SIGTERM', stop);
    }
  };

  try {
    process.exitCode = await main();
  } catch (error) {
    process.stderr.write(`${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
    process.exitCode = 1;
  }
};
