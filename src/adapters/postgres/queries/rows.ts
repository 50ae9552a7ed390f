/**
 * What every store query shares: row types and how values travel. Every value (task names,
 * instructions, errors, times) is a parameter; identifiers go through sql.identifier. `now` is the
 * injected clock's milliseconds.
 */
import {sql} from 'slonik';
import {z} from 'zod';
import type {TaskInstruction} from '../../../planton/types.ts';

export const instruction = z.union([z.string(), z.number()]);
export const id = z.coerce.number();

/**
 * Execution ids are int8, which slonik's type parser returns as bigint (slonik does not apply the
 * zod row types below). Ids travel as numbers everywhere (JSON, Map keys): exact up to 2^53.
 */
export const toId = (value: unknown): number => Number(value);

export const withNumberId = <Row extends {readonly id: unknown}>(row: Row) => ({...row, id: toId(row.id)});
export const empty = z.object({});

// Row types, built once: zod schemas are costly to construct (a tenth of a millisecond each on a
// loop woken from idle), and slonik only types the rows with them.
export const idRow = z.object({id});
export const instructionRow = z.object({instruction});
export const countRow = z.object({count: z.number()});
export const executionRow = z.object({id, instruction});
export const combinedClaimRow = z.object({active: z.number().nullable(), id: id.nullable(), instruction: z.unknown(), passed: z.boolean()});
export const failedRow = z.object({attempts: z.number(), dead: z.boolean(), error: z.unknown(), id, instruction, taskName: z.string()});
export const endedRow = z.object({attempts: z.number().nullable(), dead: z.boolean().nullable(), error: z.unknown(), id, instruction, taskName: z.string()});
export const revivedRow = z.object({id, instruction, taskName: z.string()});
export const deadRow = z.object({attempts: z.number(), deadAt: z.number(), error: z.unknown(), executionId: id, instruction, taskName: z.string()});

export const timestamp = (now: number) => {
  return sql.fragment`to_timestamp(${now / 1_000})`;
};

/** A FAILED or TERMINATED end: the attempt it counted, and whether it made the instruction dead. */
export type FailedAttempt = {
  readonly attempts: number;
  readonly dead: boolean;
  readonly error: unknown;
  readonly id: number;
  readonly instruction: TaskInstruction;
  readonly taskName: string;
};
