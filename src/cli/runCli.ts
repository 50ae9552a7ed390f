import {CommanderError} from 'commander';
import {PlantonError} from '../planton/errors.ts';
import {createOutput, type Output} from './createOutput.ts';
import {createProgram} from './createProgram.ts';

/** Exit codes of the `planton` command. */
export const EXIT_CODES = {
  /** The command failed: the server refused it, could not be reached, the database failed, … */
  FAILURE: 1,
  OK: 0,
  /** The command line is wrong: unknown command or option, a missing or malformed argument. */
  USAGE: 2,
} as const;

/** What to do next, for errors whose fix lies on the command line. */
const HINTS: Readonly<Record<string, string>> = {
  INSECURE_HOST: 'set PLANTON_TOKENS or PLANTON_TOKENS_FILE, listen on 127.0.0.1, or pass --insecure',
  UNAUTHORIZED: 'pass a token with --token or PLANTON_TOKEN',
};

const describe = (error: unknown): {readonly code: string; readonly message: string} => {
  if (error instanceof PlantonError) {
    return {code: error.code, message: error.message};
  }

  const code = (error as {code?: unknown} | null)?.code;

  return {code: typeof code === 'string' ? code : 'UNEXPECTED_ERROR', message: error instanceof Error ? error.message : String(error)};
};

/**
 * Runs the command line `argv` (without node and the script) and resolves the exit code: 0, 1 with
 * `error: <CODE>: <message>` on stderr, or 2 for a usage error (commander prints it).
 */
export const runCli = async (argv: readonly string[], output: Output = createOutput()): Promise<number> => {
  try {
    await createProgram(output).parseAsync([...argv], {from: 'user'});

    return EXIT_CODES.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version throw with exit code 0; usage errors were printed by commander.
      return error.exitCode === 0 ? EXIT_CODES.OK : EXIT_CODES.USAGE;
    }

    const {code, message} = describe(error);
    const hint = HINTS[code];

    output.stderr.write(`${output.styleError('red', 'error')}: ${code}: ${message}\n${hint === undefined ? '' : `hint: ${hint}\n`}`);

    return EXIT_CODES.FAILURE;
  }
};
