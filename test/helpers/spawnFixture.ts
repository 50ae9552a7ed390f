import {type ChildProcess, spawn} from 'node:child_process';

export type Fixture<Message> = {
  readonly child: ChildProcess;
  /** Every message the fixture sent so far, in order. */
  readonly messages: readonly Message[];
  /** Calls `listener` after each message that arrives from now on. */
  readonly onMessage: (listener: () => void) => void;
  /** Resolves with the first message (already received or to come) that `predicate` accepts; rejects if the fixture exits first. */
  readonly waitFor: <Found extends Message>(predicate: (message: Message) => message is Found) => Promise<Found>;
};

/**
 * Runs a test fixture (a script that talks to its parent over IPC) in a child process of this Node,
 * with `environment` added to this process's. Its messages are kept from the start: one that arrives
 * while nobody waits for it is not lost.
 *
 * A fixture that ends by itself with a code other than 0 fails the test file, whether or not a test
 * still looks at it: an uncaught exception or an unhandled rejection in it ends it with code 1
 * (Node's default), and its stack is on the inherited stderr. The failure is thrown here as an
 * uncaught exception, which ava reports and fails the run on. A fixture ended by a signal (the
 * tests' SIGKILL and SIGTERM) is not a failure.
 */
export const spawnFixture = <Message>(path: string, environment: Readonly<Record<string, string>>): Fixture<Message> => {
  const child = spawn(process.execPath, [path], {
    env: {...process.env, ...environment},
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const messages: Message[] = [];
  const listeners = new Set<() => void>();

  child.once('exit', (code, signal) => {
    if (signal === null && code !== 0) {
      // After the other exit listeners (a waitFor's rejection says what it waited for).
      process.nextTick(() => {
        throw new Error(`The fixture ${path} exited by itself with code ${String(code)}: an uncaught exception or unhandled rejection in it (its stack is in the output above), or an exit it chose.`);
      });
    }
  });

  child.on('message', (message: Message) => {
    messages.push(message);

    for (const listener of listeners) {
      listener();
    }
  });

  const waitFor = async <Found extends Message>(predicate: (message: Message) => message is Found): Promise<Found> => {
    let check: () => void = () => undefined;
    let onExit: () => void = () => undefined;

    try {
      return await new Promise<Found>((resolve, reject) => {
        check = () => {
          const found = messages.find(predicate);

          if (found !== undefined) {
            resolve(found);
          }
        };
        onExit = () => {
          reject(new Error(`The fixture ${path} exited (${String(child.exitCode)}, ${String(child.signalCode)}) before the awaited message.`));
        };

        listeners.add(check);
        child.once('exit', onExit);
        check();

        if (child.exitCode !== null || child.signalCode !== null) {
          onExit();
        }
      });
    } finally {
      listeners.delete(check);
      child.off('exit', onExit);
    }
  };

  return {
    child,
    messages,
    onMessage: (listener) => {
      listeners.add(listener);
    },
    waitFor,
  };
};
