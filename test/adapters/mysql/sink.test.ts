/**
 * The sinks on the MySQL/MariaDB store: a Planton claiming through the store publishes each
 * instruction to RabbitMQ (PLANTON_TEST_AMQP_URL), and a worker with a store of its own (as another
 * process has) runs it and records the outcome. Every item is processed once, every execution ends
 * COMPLETED.
 */
import test from 'ava';
import type {RowDataPacket} from 'mysql2/promise';
import {connectSink} from '../../../src/adapters/sinks/connectSink.ts';
import {createRabbitMqSink} from '../../../src/adapters/rabbitmq/createRabbitMqSink.ts';
import {createRabbitMqWorker} from '../../../src/adapters/rabbitmq/createRabbitMqWorker.ts';
import {createPlanton} from '../../../src/index.ts';
import {createTestPool} from '../../helpers/mysql.ts';
import {requireEnvironment} from '../../helpers/requireEnvironment.ts';
import {until} from '../../helpers/until.ts';
import {createAdmin, createBrokerName} from '../rabbitmq/helpers/rabbitMq.ts';
import {countExecutions, createItemClaim, createItems} from './helpers/items.ts';
import {setUpMysqlStore} from './helpers/setUpMysqlStore.ts';

requireEnvironment({skipTitle: 'mysql: the sink test needs PLANTON_TEST_MYSQL_URL', variable: 'PLANTON_TEST_MYSQL_URL'}, (mysqlUrl) => {
  requireEnvironment({skipTitle: 'mysql: the sink test needs PLANTON_TEST_AMQP_URL', variable: 'PLANTON_TEST_AMQP_URL'}, (amqpUrl) => {
    const pool = createTestPool(mysqlUrl);

    test('a RabbitMQ sink and worker on the MySQL store process every item once and complete every execution', async (t) => {
      const {createStore, database} = setUpMysqlStore(t, pool);
      const exchange = createBrokerName();
      const admin = await createAdmin(amqpUrl);

      t.teardown(async () => {
        await admin.deleteAll({exchanges: [exchange, `${exchange}-dlx`], queues: [exchange, `${exchange}-dlq`]});
        await admin.close();
      });

      await createItems(pool, database, 300);

      const store = await createStore();
      const workerStore = await createStore();
      const worker = await createRabbitMqWorker<number>({
        exchange,
        prefetch: 50,
        processor: async ({instruction}) => {
          await pool.query(`UPDATE \`${database}\`.item SET processed_count = processed_count + 1 WHERE id = ?`, [instruction]);
        },
        queue: exchange,
        routingKey: exchange,
        store: workerStore,
        url: amqpUrl,
      });
      let consuming = false;

      worker.events.on('consuming', () => {
        consuming = true;
      });
      t.teardown(async () => {
        await worker.close();
      });
      // The queue is bound once the worker consumes: publishes before would be unroutable (released).
      await until(() => consuming);

      const sink = await createRabbitMqSink({exchange, routingKey: exchange, url: amqpUrl});
      const planton = createPlanton<number>({
        getActiveTaskInstructions: store.getActiveTaskInstructions,
        tasks: [{calculateDelay: (attemptNumber) => attemptNumber === 0 ? 0 : 20, concurrency: 100, name: 'items', schedule: store.createSchedule(createItemClaim(database))}],
      });
      const connection = connectSink({planton, sink, store});
      const errors: unknown[] = [];

      worker.events.on('error', ({error}) => errors.push(error));
      planton.events.on('error', ({error}) => errors.push(error));
      t.teardown(async () => {
        await planton.terminate();
        await connection.close();
        await sink.close();
      });

      await until(async () => (await countExecutions(pool, database)).COMPLETED === 300);

      const [rows] = await pool.query<RowDataPacket[]>(`SELECT SUM(processed_count = 1) AS once, SUM(processed_count > 1) AS twice FROM \`${database}\`.item`);

      t.is(Number(rows[0]?.once), 300);
      t.is(Number(rows[0]?.twice), 0);
      t.deepEqual(await countExecutions(pool, database), {COMPLETED: 300});
      t.is(connection.getStats().confirmed, 300);
      t.deepEqual(errors, []);
    });
  });
});
