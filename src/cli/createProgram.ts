import {Command} from 'commander';
import {registerDatabaseCommands} from './commands/registerDatabaseCommands.ts';
import {registerJobCommands} from './commands/registerJobCommands.ts';
import {registerTaskCommands} from './commands/registerTaskCommands.ts';
import {registerWorkerCommands} from './commands/registerWorkerCommands.ts';
import type {Output} from './createOutput.ts';
import {readPackageVersion} from './readPackageVersion.ts';

/**
 * The `planton` command (commander): `serve`, `migrate`, `tasks …`, `jobs …`, `workers list`, `worker <module>`, each with `--help`.
 * Usage errors and `--help` throw commander's `CommanderError` (`exitOverride`) instead of exiting, so
 * the caller decides the exit code.
 */
export const createProgram = (output: Output): Command => {
  const program = new Command('planton')
    .description('Planton: run the server, and operate its tasks and jobs from a terminal.')
    .version(readPackageVersion())
    .exitOverride()
    .showHelpAfterError('(add --help for usage)')
    .configureOutput({
      writeErr: (text) => output.stderr.write(text),
      writeOut: (text) => output.stdout.write(text),
    });

  registerDatabaseCommands(program, output);
  registerTaskCommands(program, output);
  registerJobCommands(program, output);
  registerWorkerCommands(program, output);

  return program;
};
