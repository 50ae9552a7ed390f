import {connect} from 'node:net';
import {setTimeout as delay} from 'node:timers/promises';

/** Resolves once 127.0.0.1:`port` accepts a TCP connection; rejects after `timeout` ms. */
export const waitForPort = async (port: number, timeout: number, description: string): Promise<void> => {
  const deadline = Date.now() + timeout;

  while (true) {
    const open = await new Promise<boolean>((resolve) => {
      const socket = connect(port, '127.0.0.1');

      socket.once('connect', () => {
        socket.destroy();
        resolve(true);
      });
      socket.once('error', () => {
        socket.destroy();
        resolve(false);
      });
    });

    if (open) {
      return;
    }

    if (Date.now() > deadline) {
      throw new Error(`${description} does not answer on 127.0.0.1:${port} within ${timeout} ms.`);
    }

    await delay(50);
  }
};
