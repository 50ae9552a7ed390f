import type {AddressInfo} from 'node:net';

/** `http://127.0.0.1:2718` or `http://[::1]:2718`: the URL of the address a server listens on. */
export const toServerUrl = (address: AddressInfo): string => `http://${address.family === 'IPv6' ? `[${address.address}]` : address.address}:${address.port}`;
