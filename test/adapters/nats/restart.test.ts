import {fileURLToPath} from 'node:url';
import test from 'ava';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {spawnFixture} from '../../helpers/spawnFixture.ts';
import {withDeadline} from '../../helpers/withDeadline.ts';
import type {RestartedServerMessage} from './fixtures/restartedServer.ts';
import {createBrokerName} from './helpers/nats.ts';
import {startNatsServer} from './helpers/startNatsServer.ts';

const FIXTURE = fileURLToPath(new URL('fixtures/restartedServer.ts', import.meta.url));

type Message<Type extends RestartedServerMessage['type']> = Extract<RestartedServerMessage, {readonly type: Type}>;

/** Stops and restarts: a rolling restart may come more than once. */
const RESTARTS = 2;

// The shared server (PLANTON_TEST_NATS_URL) is left alone: the test stops a nats-server of its own.
requireEnvironment({skipTitle: 'nats restart: skipped (set PLANTON_TEST_NATS_URL)', variable: 'PLANTON_TEST_NATS_URL'}, () => {
  test('nats: a server stopped cleanly (SIGTERM: its connections closed with FIN) while a sink and a worker run neither crashes nor stops them, and once it is back new instructions go through', async (t) => {
    const server = await startNatsServer(t);
    const stream = createBrokerName();
    const {child, messages, waitFor} = spawnFixture<RestartedServerMessage>(FIXTURE, {CONSUMER: `${stream}_worker`, NATS_URL: server.url, STREAM: stream, SUBJECT: `${stream}.items`});
    let exit: string | null = null;

    child.once('exit', (code, signal) => {
      exit = `${String(code)}, ${String(signal)}`;
    });
    t.teardown(() => {
      if (exit === null) {
        child.kill('SIGKILL');
      }
    });

    const of = <Type extends RestartedServerMessage['type']>(type: Type) => {
      return messages.filter((message): message is Message<Type> => message.type === type);
    };

    const highestProcessed = () => {
      return Math.max(0, ...of('processed').map((message) => message.instruction));
    };

    /** Resolves once the worker processed an instruction above `instruction`: one Planton dispatched after that point. */
    const processedAbove = async (instruction: number) => {
      await withDeadline(waitFor((message): message is Message<'processed'> => message.type === 'processed' && message.instruction > instruction), `an instruction above ${instruction} processed`);
    };

    /** Resolves once `source` reconnected for the `count`th time. */
    const reconnected = async (source: Message<'connected'>['source'], count: number) => {
      await withDeadline(waitFor((message): message is Message<'connected'> => message.type === 'connected' && of('connected').filter((message) => message.source === source && message.reconnected).length >= count), `${source} reconnected ${count} times`);
    };

    await processedAbove(50);

    for (let restart = 1; restart <= RESTARTS; restart++) {
      // Stopped while instructions are published, consumed and acknowledged.
      t.is(await server.stop(), 'FIN');

      const processedBeforeRestart = highestProcessed();

      await server.start();
      await reconnected('sink', restart);
      await reconnected('worker', restart);
      await processedAbove(processedBeforeRestart + 50);
      t.is(exit, null, 'the process is alive');
    }

    t.is(of('disconnected').filter((message) => message.source === 'sink').length, RESTARTS);
    t.is(of('disconnected').filter((message) => message.source === 'worker').length, RESTARTS);
    // Whatever went wrong meanwhile was reported with a code.
    t.true(of('error').every((message) => /^[A-Z_]+$/u.test(message.code)), JSON.stringify(of('error')));
  });
});
