import {parseArgs} from 'node:util';

/**
 * The flags every example takes (--help, --users, --watch) and the one naming where its data goes
 * (`--<place.name>`, a string defaulting to `place.default`), parsed from the command line
 * (without the node and script arguments); throws on unknown flags and on a --users that is not
 * an integer >= 1. Each example checks its place itself.
 */
export const parseExampleArgs = (argv: readonly string[], place: {readonly default: string; readonly name: string}): {
  readonly help: boolean;
  readonly place: string;
  readonly users: number;
  readonly watch: boolean;
} => {
  const {values} = parseArgs({
    args: [...argv],
    options: {
      [place.name]: {default: place.default, type: 'string'},
      help: {default: false, short: 'h', type: 'boolean'},
      users: {default: '50000', type: 'string'},
      watch: {default: false, type: 'boolean'},
    },
    strict: true,
  });
  const users = Number(values.users);

  if (!Number.isSafeInteger(users) || users < 1) {
    throw new TypeError(`Expected \`--users\` to be an integer >= 1, got \`${String(values.users)}\`.`);
  }

  return {help: values.help === true, place: String(values[place.name]), users, watch: values.watch === true};
};
