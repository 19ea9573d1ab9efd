/**
 * Where webhooks may go (SPEC §15): `https` only in production; never to a host that
 * resolves to a loopback (allowed outside production, for local testing), private,
 * link-local (cloud metadata lives there), carrier-grade NAT, unique-local,
 * unspecified, multicast or otherwise reserved address. Checked at registration and
 * again at each delivery, which then connects to exactly the address it checked, so a
 * name that resolves somewhere else a moment later (DNS rebinding) changes nothing.
 */
import dns from 'node:dns/promises';
import http from 'node:http';
import https from 'node:https';
import net from 'node:net';
import { DomainError } from '../domain/errors.js';

export const webhookUrlNotAllowed = (why: string) =>
  new DomainError('webhook_url_not_allowed', `This webhook URL is not allowed: ${why}.`, [{ path: 'url', message: why }]);

const blocked = new net.BlockList();
for (const [prefix, bits] of [
  ['0.0.0.0', 8], // "this network", including the unspecified 0.0.0.0
  ['10.0.0.0', 8],
  ['100.64.0.0', 10], // carrier-grade NAT (and Alibaba's metadata, 100.100.100.200)
  ['169.254.0.0', 16], // link-local: 169.254.169.254 is the metadata service of most clouds
  ['172.16.0.0', 12],
  ['192.0.0.0', 24],
  ['192.0.2.0', 24],
  ['192.88.99.0', 24],
  ['192.168.0.0', 16],
  ['198.18.0.0', 15],
  ['198.51.100.0', 24],
  ['203.0.113.0', 24],
  ['224.0.0.0', 4], // multicast
  ['240.0.0.0', 4], // reserved, and the broadcast address
] as const)
  blocked.addSubnet(prefix, bits, 'ipv4');
for (const [prefix, bits] of [
  ['::', 128], // unspecified
  ['64:ff9b::', 96], // NAT64, 6to4 and Teredo reach IPv4 addresses indirectly
  ['64:ff9b:1::', 48],
  ['2002::', 16],
  ['2001::', 32],
  ['100::', 64],
  ['2001:db8::', 32],
  ['fc00::', 7], // unique-local (AWS's IPv6 metadata, fd00:ec2::254, is one)
  ['fe80::', 10], // link-local
  ['fec0::', 10],
  ['ff00::', 8], // multicast
] as const)
  blocked.addSubnet(prefix, bits, 'ipv6');

const loopback = new net.BlockList();
loopback.addSubnet('127.0.0.0', 8, 'ipv4');
loopback.addAddress('::1', 'ipv6');

/** The IPv4 address inside an IPv4-mapped IPv6 one (`::ffff:127.0.0.1`, `::ffff:7f00:1`), or null. */
function mappedIpv4(address: string): string | null {
  const m = /^(?:0{0,4}:){0,5}:?ffff:(.+)$/i.exec(address);
  if (!m?.[1]) return null;
  if (net.isIPv4(m[1])) return m[1];
  const hex = /^([0-9a-f]{1,4}):([0-9a-f]{1,4})$/i.exec(m[1]);
  if (!hex?.[1] || !hex[2]) return null;
  const n = (parseInt(hex[1], 16) << 16) | parseInt(hex[2], 16);
  return [n >>> 24, (n >>> 16) & 255, (n >>> 8) & 255, n & 255].join('.');
}

export type AddressKind = 'public' | 'loopback' | 'internal';

/** What an IP address is, for the purpose of sending a webhook to it. */
export function addressKind(address: string): AddressKind {
  const v4 = net.isIPv4(address) ? address : mappedIpv4(address);
  const [ip, family] = v4 ? [v4, 'ipv4' as const] : [address, 'ipv6' as const];
  if (loopback.check(ip, family)) return 'loopback';
  return blocked.check(ip, family) ? 'internal' : 'public';
}

export interface CheckedUrl {
  url: URL;
  /** The address the check allowed: a delivery connects to it and nowhere else. */
  address: string;
  family: 4 | 6;
}

/** Refuses (`400 webhook_url_not_allowed`) a URL webhooks may not go to; else the address to connect to. */
export async function checkWebhookUrl(raw: string, production: boolean): Promise<CheckedUrl> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw webhookUrlNotAllowed('not a URL');
  }
  if (url.protocol !== 'https:' && (production || url.protocol !== 'http:'))
    throw webhookUrlNotAllowed(production ? 'only https is allowed' : 'only http and https are allowed');
  // The URL parser has already normalised 2130706433, 0x7f.1 and the like to dotted IPv4.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  const found = net.isIP(host)
    ? [{ address: host, family: net.isIP(host) }]
    : await dns.lookup(host, { all: true, verbatim: true }).catch(() => {
        throw webhookUrlNotAllowed('the host does not resolve');
      });
  const first = found[0];
  if (!first) throw webhookUrlNotAllowed('the host does not resolve');
  // Every address the name has must be allowed: a client may be sent to any of them.
  for (const { address } of found) {
    const kind = addressKind(address);
    if (kind === 'internal' || (kind === 'loopback' && production))
      throw webhookUrlNotAllowed('the host is a loopback, private, link-local or otherwise internal address');
  }
  return { url, address: first.address, family: first.family === 6 ? 6 : 4 };
}

export interface WebhookRequest {
  headers: Record<string, string>;
  body: string;
  timeoutMs: number;
  production: boolean;
}

/**
 * POSTs to a webhook URL after checking it, connected to the checked address (the
 * URL's host still names the Host header and TLS's server name). Resolves with the
 * status code; rejects with the check's DomainError or a network error (a timeout is
 * a `TimeoutError`). Redirects are not followed.
 */
export async function postWebhook(raw: string, req: WebhookRequest): Promise<{ status: number }> {
  const target = await checkWebhookUrl(raw, req.production);
  const lookup: net.LookupFunction = (_host, options, callback) => {
    if (options.all) callback(null, [{ address: target.address, family: target.family }]);
    else callback(null, target.address, target.family);
  };
  const client = target.url.protocol === 'https:' ? https : http;
  return new Promise((resolve, reject) => {
    const request = client.request(
      target.url,
      {
        method: 'POST',
        headers: { ...req.headers, 'content-length': String(Buffer.byteLength(req.body)) },
        lookup,
        agent: false,
        signal: AbortSignal.timeout(req.timeoutMs),
      },
      (res) => {
        // The remote's answer beyond its status is not read, and never logged.
        res.destroy();
        resolve({ status: res.statusCode ?? 0 });
      },
    );
    request.on('error', reject);
    request.end(req.body);
  });
}
