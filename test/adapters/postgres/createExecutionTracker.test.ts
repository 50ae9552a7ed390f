import test from 'ava';
import {createExecutionTracker} from '../../../src/adapters/postgres/createExecutionTracker.ts';

test('claimed executions are found by instruction until forgotten; 42 and \'42\' are two instructions', (t) => {
  const tracker = createExecutionTracker<number | string>({activeFromMemory: true});

  tracker.track('items', 42, 1);
  tracker.track('items', '42', 2);
  tracker.track('other', 42, 3);

  t.is(tracker.getClaimedExecutionId('items', 42), 1);
  t.is(tracker.getClaimedExecutionId('items', '42'), 2);
  t.is(tracker.getClaimedExecutionId('other', 42), 3);
  t.deepEqual(tracker.getClaimedExecutionIds(), [1, 2, 3]);

  tracker.forget(1);
  tracker.forget(999);

  t.is(tracker.getClaimedExecutionId('items', 42), undefined);
  t.deepEqual(tracker.getClaimedExecutionIds(), [2, 3]);
});

test('the view answers only once read, with a concurrency known and not reached', (t) => {
  const tracker = createExecutionTracker<number>({activeFromMemory: true});

  t.is(tracker.getActiveFromMemory('items'), null, 'never read');

  tracker.setView('items', [1, 2]);
  t.is(tracker.getActiveFromMemory('items'), null, 'concurrency unknown');

  tracker.setConcurrency('items', 3);

  t.deepEqual(tracker.getActiveFromMemory('items'), [1, 2]);

  // Claimed here: the view follows, and a full task is left to the database.
  tracker.track('items', 3, 30);
  t.is(tracker.getActiveFromMemory('items'), null, 'concurrency reached');

  tracker.forget(30);
  tracker.removeFromView('items', 2);
  t.deepEqual(tracker.getActiveFromMemory('items'), [1]);
});

test('a view the database counted otherwise is not trusted until read again', (t) => {
  const tracker = createExecutionTracker<number>({activeFromMemory: true});

  tracker.setView('items', [1, 2]);
  tracker.setConcurrency('items', 10);
  tracker.distrust('items', 2);
  t.deepEqual(tracker.getActiveFromMemory('items'), [1, 2], 'the same count: still trusted');

  tracker.distrust('items', 3);
  t.is(tracker.getActiveFromMemory('items'), null);

  tracker.setView('items', [1, 2, 4]);
  t.deepEqual(tracker.getActiveFromMemory('items'), [1, 2, 4], 'read again, with the concurrency it had');
});

test('separate claims and activeFromMemory: false never answer from memory', (t) => {
  const separate = createExecutionTracker<number>({activeFromMemory: true});
  const off = createExecutionTracker<number>({activeFromMemory: false});

  for (const tracker of [separate, off]) {
    tracker.setView('items', [1]);
    tracker.setConcurrency('items', 10);
  }

  separate.useSeparateClaims('items');
  t.is(separate.getActiveFromMemory('items'), null);
  t.is(off.getActiveFromMemory('items'), null);
});
