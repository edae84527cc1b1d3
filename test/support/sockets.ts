// What a test needs to tell whether a server can be reached from the network: the addresses its
// listening sockets are bound to (from the kernel's own tables, Linux only), and whether a TCP
// connection to a loopback address is accepted. (Tests send nothing to any other address: a socket
// bound to 127.0.0.1 alone is the proof that nothing else can reach it.)
import { existsSync, readFileSync } from 'node:fs';
import { connect } from 'node:net';

const LISTEN = '0A';

/** An address from /proc/net/tcp{,6}: 32-bit words in host (little-endian) byte order. */
function procAddress(hex: string): string {
  const words = hex.match(/.{8}/g) ?? [];
  const bytes = words.flatMap((word) =>
    (word.match(/../g) ?? []).reverse().map((b) => Number.parseInt(b, 16)),
  );
  if (bytes.length === 4) return bytes.join('.');
  const groups = Array.from({ length: 8 }, (_, i) => ((bytes[2 * i] ?? 0) << 8) | (bytes[2 * i + 1] ?? 0));
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    return `::ffff:${bytes.slice(12).join('.')}`;
  }
  return groups.every((g) => g === 0) ? '::' : groups.map((g) => g.toString(16)).join(':');
}

export const canReadSocketTables = existsSync('/proc/net/tcp');

/** The local addresses of the sockets listening on TCP `port`, IPv4 and IPv6. */
export function listeningAddresses(port: number): string[] {
  const addresses: string[] = [];
  for (const table of ['/proc/net/tcp', '/proc/net/tcp6']) {
    if (!existsSync(table)) continue;
    for (const line of readFileSync(table, 'utf8').split('\n').slice(1)) {
      const [, local, , state] = line.trim().split(/\s+/);
      if (!local || state !== LISTEN) continue;
      const [address, portHex] = local.split(':');
      if (address && Number.parseInt(portHex ?? '', 16) === port) addresses.push(procAddress(address));
    }
  }
  return addresses;
}

/** 'accepted', or the error code of the refused or failed connection. */
export function tryConnect(host: string, port: number, timeoutMs = 2_000): Promise<string> {
  return new Promise((resolve) => {
    const socket = connect({ host, port });
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      resolve('ETIMEDOUT');
    });
    socket.once('connect', () => {
      socket.destroy();
      resolve('accepted');
    });
    socket.once('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
  });
}
