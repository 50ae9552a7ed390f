import {isIP} from 'node:net';

/**
 * Whether `host` only accepts connections from this machine: `localhost`, an IPv4 address in
 * 127.0.0.0/8, `::1`, or an IPv4-mapped loopback address (`::ffff:127.0.0.1`). `0.0.0.0` and `::`
 * (every interface) are not.
 */
export const isLoopbackHost = (host: string): boolean => {
  const normalized = host.trim().toLowerCase().replace(/^\[(?<address>.*)\]$/u, '$<address>');

  if (normalized === 'localhost' || normalized === '::1') {
    return true;
  }

  const ipv4 = normalized.startsWith('::ffff:') ? normalized.slice('::ffff:'.length) : normalized;

  return isIP(ipv4) === 4 && ipv4.startsWith('127.');
};
