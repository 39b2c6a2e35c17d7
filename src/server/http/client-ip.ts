import net from 'node:net';
import type { IncomingMessage } from 'node:http';

/**
 * The address a request came from. X-Forwarded-For is anyone's to write, so it is read only when
 * the operator says a proxy of theirs sits in front; then the last entry is the one that proxy
 * appended, and entries before it (which the client could have forged) are ignored.
 */
export function clientAddress(req: IncomingMessage, trustProxy: boolean): string {
  const direct = req.socket.remoteAddress ?? 'unknown';
  if (!trustProxy) return direct;
  const header = req.headers['x-forwarded-for'];
  const value = Array.isArray(header) ? header.join(',') : header;
  const last = value?.split(',').map((s) => s.trim()).filter(Boolean).at(-1);
  return last && net.isIP(stripMapped(last)) ? stripMapped(last) : direct;
}

function stripMapped(ip: string): string {
  return ip.toLowerCase().startsWith('::ffff:') && net.isIPv4(ip.slice(7)) ? ip.slice(7) : ip;
}

/**
 * The key a client is rate-limited under: its IPv4 address, or the /64 of an IPv6 address, since
 * one IPv6 host commonly holds a whole /64 and could rotate through it.
 */
export function rateLimitKey(ip: string): string {
  const plain = stripMapped(ip);
  if (!net.isIPv6(plain)) return plain;
  const [head = '', tail = ''] = plain.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = plain.includes('::') ? [...left, ...Array(8 - left.length - right.length).fill('0'), ...right] : left;
  return `${groups.slice(0, 4).map((g) => g.replace(/^0+(?=.)/, '')).join(':')}::/64`;
}
