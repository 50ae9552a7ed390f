import {styleText} from 'node:util';
import Table from 'cli-table3';

type Format = Parameters<typeof styleText>[0];

/** Box lines around the table, none between rows. */
const COMPACT = {'left-mid': '', mid: '', 'mid-mid': '', 'right-mid': ''};

/** A stream the command writes to: `process.stdout`, or a test's. */
export type OutputStream = NodeJS.WritableStream & {readonly isTTY?: boolean};

export type OutputConfiguration = {
  readonly stderr?: OutputStream;
  readonly stdout?: OutputStream;
};

export type Output = {
  /** Writes `value` as pretty JSON, for scripts (`--json`). */
  readonly json: (value: unknown) => void;
  /** Writes one line to stdout. */
  readonly line: (text: string) => void;
  /** Writes one line to stderr (messages beside the result: hints, progress). */
  readonly note: (text: string) => void;
  /** Key-value pairs as a two-column table. */
  readonly record: (pairs: ReadonlyArray<readonly [string, string]>) => void;
  readonly stderr: OutputStream;
  readonly stdout: OutputStream;
  /** `text` in `format` when stdout is a terminal that takes colours (node's rules: `NO_COLOR`, `FORCE_COLOR`, TERM); plain otherwise. */
  readonly style: (format: Format, text: string) => string;
  /** Same for stderr. */
  readonly styleError: (format: Format, text: string) => string;
  /** Rows under a header, as a table; `empty` instead when there are none. */
  readonly table: (head: readonly string[], rows: ReadonlyArray<readonly string[]>, empty: string) => void;
};

/**
 * Where a command's results go: tables (cli-table3) and lines for people, JSON for scripts. Colour
 * comes from node:util's `styleText`, which leaves it out unless the stream is a terminal that takes it;
 * cli-table3's own colours are turned off so that rule holds for tables too.
 */
export const createOutput = ({stderr = process.stderr, stdout = process.stdout}: OutputConfiguration = {}): Output => {
  const style = (format: Format, text: string) => styleText(format, text, {stream: stdout});
  const styleError = (format: Format, text: string) => styleText(format, text, {stream: stderr});
  const line = (text: string) => {
    stdout.write(`${text}\n`);
  };

  return {
    json: (value) => {
      line(JSON.stringify(value, null, 2));
    },
    line,
    note: (text) => {
      stderr.write(`${text}\n`);
    },
    record: (pairs) => {
      const table = new Table({chars: COMPACT, style: {border: [], head: []}});

      table.push(...pairs.map(([key, value]) => ({[style('bold', key)]: value})));
      line(table.toString());
    },
    stderr,
    stdout,
    style,
    styleError,
    table: (head, rows, empty) => {
      if (rows.length === 0) {
        line(empty);

        return;
      }

      const table = new Table({chars: COMPACT, head: head.map((title) => style('bold', title)), style: {border: [], head: []}});

      table.push(...rows.map((row) => [...row]));
      line(table.toString());
    },
  };
};
