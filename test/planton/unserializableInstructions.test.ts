/**
 * Instructions no JSON can hold (a circular object, an array that holds itself, an object nested
 * deeper than the stack) are refused with UNEXPECTED_TASK_INSTRUCTIONS like any object: the engine
 * never walks into them, so nothing overflows the stack, logged or not.
 */
import test from 'ava';
import type {TaskConfiguration} from '../../src/index.ts';
import {recordEvents} from '../helpers/recordEvents.ts';
import {createTestPlanton} from './helpers/createTestPlanton.ts';

const circular: Record<string, unknown> = {id: 1};

circular.self = circular;

const selfHolding: unknown[] = ['a'];

selfHolding.push(selfHolding);

let deep: Record<string, unknown> = {};

for (let level = 0; level < 200_000; level++) {
  deep = {deeper: deep};
}

for (const [title, instruction] of [['a circular object', circular], ['an array that holds itself', selfHolding], ['an object nested 200,000 deep', deep]] as const) {
  test(`schedule returning ${title} as an instruction is an UNEXPECTED_TASK_INSTRUCTIONS error, and the loop goes on`, async (t) => {
    const results: unknown[] = [[instruction], ['ok']];
    const {clock, planton} = createTestPlanton({
      task: {
        calculateDelay: () => 10,
        schedule: (() => (results.length > 0 ? results.shift() : [])) as TaskConfiguration['schedule'],
      },
    });
    const {errors, tasks} = recordEvents(planton);

    await clock.advance(10);
    t.like(errors[0], {error: {code: 'UNEXPECTED_TASK_INSTRUCTIONS', message: 'Expected every instruction to be a string or a finite number, got `object` at index 0.'}});

    await clock.advance(10);
    t.deepEqual(tasks, [{instruction: 'ok', taskName: 'a'}]);
    await planton.terminate();
  });
}
