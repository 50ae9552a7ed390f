import type {Output} from './createOutput.ts';

/**
 * Resolves with the first SIGINT or SIGTERM. From then on a second signal, or a shutdown that takes
 * longer than `shutdownTimeout`, ends the process at once (exit code 1), saying why.
 */
export const waitForShutdownSignal = async ({command, output, shutdownTimeout}: {
  /** How the process names itself in what it prints, e.g. `planton serve`. */
  readonly command: string;
  readonly output: Output;
  readonly shutdownTimeout: number;
}): Promise<NodeJS.Signals> => {
  const {promise: signalled, resolve} = Promise.withResolvers<NodeJS.Signals>();
  const onSignal = (signal: NodeJS.Signals) => {
    resolve(signal);
  };

  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const signal = await signalled;

  const force = (reason: string) => {
    output.note(`${command}: ${reason}; exiting now`);
    process.exit(1);
  };

  process.once('SIGINT', () => {
    force('second signal');
  });
  process.once('SIGTERM', () => {
    force('second signal');
  });
  setTimeout(() => {
    force(`shutdown took longer than ${shutdownTimeout} ms`);
  }, shutdownTimeout).unref();

  return signal;
};
