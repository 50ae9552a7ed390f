import {describeCause} from '../planton/describeCause.ts';
import {findUnstorableText} from '../planton/findUnstorableText.ts';

/** How deep a value may nest (objects and arrays) before it is refused: deeper ones overflow the stack of `JSON.stringify` and PostgreSQL's jsonb parser. */
export const MAX_JSON_DEPTH = 1_000;

/** Where a value goes wrong for JSON (`payload.items[2].id`) and how (`a bigint`). */
export type NonJsonValue = {
  readonly path: string;
  readonly reason: string;
};

/** A value met on the walk; its path is rebuilt from its parents only when it is at fault. */
type Visit = {
  readonly depth: number;
  readonly key: number | string | null;
  readonly parent: Visit | null;
  /** The value is what a `toJSON` returned: JSON.stringify does not call the result's own `toJSON`. */
  readonly replaced?: boolean;
  readonly value: unknown;
};

const pathOf = (visit: Visit): string => {
  const keys: string[] = [];

  for (let current: Visit | null = visit; current !== null; current = current.parent) {
    if (typeof current.key === 'number') {
      keys.push(`[${current.key}]`);
    } else if (current.key !== null) {
      keys.push(/^[$A-Z_a-z][\w$]*$/u.test(current.key) ? `.${current.key}` : `[${JSON.stringify(current.key)}]`);
    }
  }

  return keys.reverse().join('');
};

/** What JSON cannot hold as given, or `null`: JSON.stringify would throw on it, or silently turn it into something else. */
const describeNonJson = (value: unknown): string | null => {
  switch (typeof value) {
    case 'bigint':
      return 'a bigint';
    case 'function':
      return 'a function';
    case 'symbol':
      return 'a symbol';
    case 'number':
      return Number.isFinite(value) ? null : `\`${String(value)}\``;
    case 'string': {
      const fault = findUnstorableText(value);

      return fault === null ? null : `a string that ${fault}, which jsonb refuses`;
    }
    default:
      return value instanceof Map || value instanceof Set ? `a ${value instanceof Map ? 'Map' : 'Set'}` : null;
  }
};

/**
 * Finds the first part of `value` that JSON cannot hold as given: a bigint (which a store would turn
 * into a number, or refuse), a circular reference, a function or symbol, `NaN` or `±Infinity`, a Map
 * or Set (each would become `{}`), a string or key holding NUL or a lone surrogate (which JSON holds
 * but PostgreSQL's jsonb refuses: every store takes what the PostgreSQL one does), a `toJSON` that
 * throws, or nesting deeper than `MAX_JSON_DEPTH`. `undefined` members are fine (JSON.stringify
 * drops them); of an object with `toJSON` (a Date), what it returns is checked, as JSON.stringify
 * stores that. Returns
 * the fault with its path from `name` (`payload.items[2].id: a bigint`), or `null` when JSON holds
 * all of it. Pure; iterative, so a deep value cannot overflow the stack; shared references that are
 * not circular are fine.
 */
export const findNonJsonValue = (value: unknown, name: string): NonJsonValue | null => {
  /** The objects on the path to the current one: meeting one again is a cycle. */
  const ancestors = new Set<object>();
  const pending: Array<Visit | {readonly leave: object}> = [{depth: 0, key: null, parent: null, value}];

  while (pending.length > 0) {
    const next = pending.pop() as Visit | {readonly leave: object};

    if ('leave' in next) {
      ancestors.delete(next.leave);
      continue;
    }

    const fault = describeNonJson(next.value);

    if (fault !== null) {
      return {path: `${name}${pathOf(next)}`, reason: fault};
    }

    const current = next.value;

    if (typeof current !== 'object' || current === null) {
      continue;
    }

    const {toJSON} = current as {toJSON?: unknown};

    // JSON.stringify stores what toJSON returns (a Date's ISO string): check that instead.
    if (typeof toJSON === 'function' && next.replaced !== true) {
      let replacement: unknown;

      try {
        replacement = toJSON.call(current, typeof next.key === 'number' ? String(next.key) : next.key ?? '');
      } catch (error) {
        return {path: `${name}${pathOf(next)}`, reason: `a toJSON that threw (${describeCause(error)})`};
      }

      pending.push({...next, replaced: true, value: replacement});
      continue;
    }

    if (ancestors.has(current)) {
      return {path: `${name}${pathOf(next)}`, reason: 'a circular reference'};
    }

    if (next.depth >= MAX_JSON_DEPTH) {
      return {path: `${name}${pathOf(next)}`, reason: `nested deeper than ${MAX_JSON_DEPTH} levels`};
    }

    ancestors.add(current);
    pending.push({leave: current});

    const entries: ReadonlyArray<readonly [number | string, unknown]> = Array.isArray(current) ? current.map((member: unknown, index) => [index, member] as const) : Object.entries(current);

    // Pushed last to first, so members are checked in order.
    for (let index = entries.length - 1; index >= 0; index--) {
      const [key, member] = entries[index] as readonly [number | string, unknown];
      const visit = {depth: next.depth + 1, key, parent: next, value: member};
      const keyFault = typeof key === 'string' ? findUnstorableText(key) : null;

      if (keyFault !== null) {
        return {path: `${name}${pathOf(visit)}`, reason: `a key that ${keyFault}, which jsonb refuses`};
      }

      pending.push(visit);
    }
  }

  return null;
};
