import test from 'ava';
import {createNatsMessageId} from '../../../src/adapters/nats/createNatsMessageId.ts';
import type {SinkMessage} from '../../../src/adapters/sinks/types.ts';

const cases: ReadonlyArray<readonly [message: SinkMessage, expected: string]> = [
  [{executionId: 42, instruction: 7, taskName: 'send_user_email'}, 'send_user_email:42'],
  [{executionId: 42, instruction: 'other', taskName: 'send_user_email'}, 'send_user_email:42'],
  [{instruction: 7, taskName: 'send_user_email'}, 'send_user_email:7:nonce'],
  [{instruction: 'a b:c', taskName: 'task "quoted"\r\nname'}, 'task%20%22quoted%22%0D%0Aname:a%20b%3Ac:nonce'],
];

for (const [message, expected] of cases) {
  test(`the message id of ${JSON.stringify(message)} is ${JSON.stringify(expected)}`, (t) => {
    t.is(createNatsMessageId(message, 'nonce'), expected);
  });
}

test('a message id is one header line whatever the task name', (t) => {
  t.notRegex(createNatsMessageId({executionId: 1, instruction: 1, taskName: 'a\r\nNats-Expected-Stream: x'}, 'nonce'), /[\r\n]/u);
});
