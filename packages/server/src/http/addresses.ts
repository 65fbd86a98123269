import type { AddressInfo } from 'node:net';

/** Where a listening server can be reached, from the addresses it really bound. */
export interface BoundAddresses {
  /** A URL this machine can connect to: the first bound address, or loopback for a wildcard bind. */
  readonly url: string;
  /** Every bound address as a URL, e.g. `http://127.0.0.1:8720`, `http://[::1]:8720`, `http://0.0.0.0:8720`. */
  readonly addresses: readonly string[];
  /** True when every bound address is a loopback one: nothing off this machine can reach the server. */
  readonly loopbackOnly: boolean;
}

export function boundAddresses(infos: readonly AddressInfo[]): BoundAddresses {
  if (infos.length === 0) throw new Error('the server is not listening');
  const addresses = infos.map((a) => httpUrl(a.address, a.port));
  const first = infos[0]!;
  const connectable = first.address === '0.0.0.0' ? '127.0.0.1' : first.address === '::' ? '::1' : first.address;
  return { url: httpUrl(connectable, first.port), addresses, loopbackOnly: infos.every((a) => isLoopback(a.address)) };
}

function httpUrl(address: string, port: number): string {
  return `http://${address.includes(':') ? `[${address}]` : address}:${port}`;
}

function isLoopback(address: string): boolean {
  const v4 = address.startsWith('::ffff:') ? address.slice(7) : address;
  return v4.startsWith('127.') || address === '::1';
}
