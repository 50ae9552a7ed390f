import {execFile} from 'node:child_process';
import {chown, mkdtemp, rm} from 'node:fs/promises';
import {tmpdir} from 'node:os';
import {join} from 'node:path';
import {promisify} from 'node:util';
import {findFreePort} from '../../test/helpers/findFreePort.ts';
import type {ServerProcess} from './types.ts';

const run = promisify(execFile);

/** Where Debian puts PostgreSQL 15's server binaries (`PLANTON_CHAOS_PG_BIN` overrides it). */
const BIN = process.env.PLANTON_CHAOS_PG_BIN ?? '/usr/lib/postgresql/15/bin';

/** The server runs as this user (PostgreSQL refuses root); `runuser` switches to it. */
const USER = 'postgres';

const asPostgres = async (binary: string, args: readonly string[], timeout = 60_000) => {
  return await run('runuser', ['-u', USER, '--', join(BIN, binary), ...args], {timeout});
};

const lookUpIds = async () => {
  const [{stdout: uid}, {stdout: gid}] = await Promise.all([run('id', ['-u', USER]), run('id', ['-g', USER])]);

  return {gid: Number(gid.trim()), uid: Number(uid.trim())};
};

/**
 * A PostgreSQL cluster of the chaos run's own: `initdb` into a temp directory (trust auth), started
 * with `pg_ctl` on a free loopback port with durability off (`fsync`, `synchronous_commit`,
 * `full_page_writes`: a restart here is a clean shutdown, so nothing committed is lost), and a
 * database `chaos`.
 */
export const startPostgresServer = async (): Promise<ServerProcess> => {
  const port = await findFreePort();
  const directory = await mkdtemp(join(tmpdir(), 'planton-chaos-pg-'));
  const {gid, uid} = await lookUpIds();

  await chown(directory, uid, gid);

  const data = join(directory, 'data');
  const options = [
    `-p ${port}`,
    '-c listen_addresses=127.0.0.1',
    `-c unix_socket_directories=${directory}`,
    '-c fsync=off',
    '-c synchronous_commit=off',
    '-c full_page_writes=off',
    '-c max_connections=300',
    '-c shared_buffers=64MB',
  ].join(' ');
  const start = async () => {
    await asPostgres('pg_ctl', ['-D', data, '-o', options, '-l', join(directory, 'log'), '-w', '-t', '60', 'start']);
  };

  await asPostgres('initdb', ['-D', data, '-A', 'trust', '-U', 'postgres', '--no-sync', '-E', 'UTF8']);
  await start();
  await asPostgres('createdb', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', 'chaos']);

  return {
    port,
    restart: async () => {
      const stoppedAt = Date.now();

      await asPostgres('pg_ctl', ['-D', data, '-m', 'fast', '-w', '-t', '60', 'stop']);
      await start();

      return {downMs: Date.now() - stoppedAt};
    },
    stop: async () => {
      await asPostgres('pg_ctl', ['-D', data, '-m', 'immediate', '-w', '-t', '20', 'stop']).catch(() => undefined);
      await rm(directory, {force: true, recursive: true});
    },
    url: `postgres://postgres@127.0.0.1:${port}/chaos`,
  };
};
