import {type ChildProcess, spawn} from 'node:child_process';
import {fileURLToPath} from 'node:url';
import {type NodeScriptResult, runNodeScript} from '../../helpers/runNodeScript.ts';

/** The command's entry point, run from the sources by this Node (24: type stripping). */
export const MAIN = fileURLToPath(new URL('../../../src/cli/main.ts', import.meta.url));

export type PlantonResult = NodeScriptResult;

/** The environment of a child: this process's, without variables that would point `planton` elsewhere, plus `environment`. */
const toEnvironment = (environment: Readonly<Record<string, string>>): NodeJS.ProcessEnv => {
  const {PLANTON_DATABASE_URL: _database, PLANTON_TOKEN: _token, PLANTON_TOKENS: _tokens, PLANTON_TOKENS_FILE: _file, PLANTON_URL: _url, PLANTON_WEBHOOK_SECRET: _secret, PLANTON_WEBHOOK_SECRET_FILE: _secretFile, ...rest} = process.env;

  return {...rest, NO_COLOR: '1', ...environment};
};

/** Runs `planton …args` in a child process and resolves its exit code and output. */
export const runPlanton = async (args: readonly string[], environment: Readonly<Record<string, string>> = {}): Promise<PlantonResult> => await runNodeScript(MAIN, args, {env: toEnvironment(environment)});

export type ServeProcess = {
  readonly child: ChildProcess;
  /** Everything printed so far. */
  readonly output: () => string;
  /** Sends SIGTERM and resolves the exit code. */
  readonly stop: () => Promise<number | null>;
  readonly url: string;
};

/** Starts `planton …args` and resolves once its output matches `ready` (its first group: the process's `url`); rejects if it exits first. */
export const startPlanton = async (args: readonly string[], environment: Readonly<Record<string, string>>, ready: RegExp): Promise<ServeProcess> => {
  const child = spawn(process.execPath, [MAIN, ...args], {env: toEnvironment(environment), stdio: ['ignore', 'pipe', 'pipe']});
  let output = '';
  const exited = new Promise<number | null>((resolve) => {
    child.once('exit', (code) => {
      resolve(code);
    });
  });

  const url = await new Promise<string>((resolve, reject) => {
    const onData = (chunk: string) => {
      output += chunk;

      const match = ready.exec(output);

      if (match?.[1] !== undefined) {
        resolve(match[1]);
      }
    };

    child.stdout.setEncoding('utf8').on('data', onData);
    child.stderr.setEncoding('utf8').on('data', onData);
    void exited.then((code) => {
      reject(new Error(`planton ${args[0] ?? ''} exited (${String(code)}) before it was ready:\n${output}`));
    });
  });

  return {
    child,
    output: () => output,
    stop: async () => {
      child.kill('SIGTERM');

      return await exited;
    },
    url,
  };
};

/** Starts `planton serve …args` and resolves once it printed the URL it listens on; rejects if it exits first. */
export const startServe = async (args: readonly string[], environment: Readonly<Record<string, string>> = {}): Promise<ServeProcess> => {
  return await startPlanton(['serve', ...args], environment, /listening on (http:\/\/\S+)/u);
};
