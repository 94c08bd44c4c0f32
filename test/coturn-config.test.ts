import { readFileSync } from 'node:fs';
import { isIPv4, isIPv6 } from 'node:net';
import { describe, expect, it } from 'vitest';
import { SHIPPED_CONFIG, parseTurnserverConf } from './support/coturn-config';

// What the shipped turnserver.conf denies, read offline. The integration test shows coturn
// applies it to IPv4 peers; IPv6 ranges are checked here.
const directives = parseTurnserverConf(readFileSync(SHIPPED_CONFIG, 'utf8'));
const values = (key: string) => directives.filter((d) => d.key === key).map((d) => d.value);

function ipValue(text: string): { v6: boolean; value: bigint } {
  if (isIPv4(text)) return { v6: false, value: text.split('.').reduce((acc, part) => (acc << 8n) | BigInt(part), 0n) };
  if (!isIPv6(text)) throw new Error(`not an IP address: ${text}`);
  let address = text;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(address);
  if (dotted) {
    const v4 = ipValue(dotted[1]!).value;
    address = address.replace(dotted[1]!, `${(v4 >> 16n).toString(16)}:${(v4 & 0xffffn).toString(16)}`);
  }
  const [head = '', tail] = address.split('::');
  const left = head ? head.split(':') : [];
  const right = tail ? tail.split(':') : [];
  const groups = tail === undefined ? left : [...left, ...Array<string>(8 - left.length - right.length).fill('0'), ...right];
  return { v6: true, value: groups.reduce((acc, group) => (acc << 16n) | BigInt(parseInt(group, 16)), 0n) };
}

const ranges = values('denied-peer-ip').map((range) => {
  const [from = '', to = from] = range!.split('-');
  return { text: range!, from: ipValue(from), to: ipValue(to) };
});
const denied = (address: string) => {
  const ip = ipValue(address);
  return ranges.some((r) => r.from.v6 === ip.v6 && r.from.value <= ip.value && ip.value <= r.to.value);
};

describe('ops/coturn/turnserver.conf', () => {
  it('authenticates with the TURN REST scheme, one realm and two secrets for a rotation', () => {
    expect(values('use-auth-secret')).toEqual([undefined]);
    expect(values('static-auth-secret')).toHaveLength(2);
    expect(values('realm')).toHaveLength(1);
    expect(values('lt-cred-mech')).toEqual([]);
  });

  it('serves TLS on TURNS_PORT and TURN on TURN_PORT (the service defaults)', () => {
    expect(values('listening-port')).toEqual(['3478']);
    expect(values('tls-listening-port')).toEqual(['5349']);
    expect(values('cert')[0]).toMatch(/^\/.+\.pem$/);
    expect(values('pkey')[0]).toMatch(/^\/.+\.pem$/);
    expect(values('no-tls')).toEqual([]);
  });

  it('has a relay port range and the hardening flags', () => {
    expect(Number(values('min-port')[0])).toBeLessThan(Number(values('max-port')[0]));
    for (const flag of ['no-multicast-peers', 'no-cli', 'fingerprint', 'no-tcp-relay', 'no-software-attribute']) {
      expect(values(flag), flag).toEqual([undefined]);
    }
    expect(values('allow-loopback-peers')).toEqual([]);
    expect(values('allowed-peer-ip')).toEqual([]);
  });

  it.each([
    '10.0.0.1',
    '10.255.255.254',
    '172.16.0.1',
    '172.31.255.254',
    '192.168.0.1',
    '169.254.169.254',
    '169.254.170.2',
    '100.64.0.1',
    '127.0.0.1',
    '0.0.0.0',
    '224.0.0.1',
    '255.255.255.255',
    '::1',
    '::ffff:10.0.0.1',
    '::ffff:169.254.169.254',
    '64:ff9b::a00:1',
    'fd00:ec2::254',
    'fc00::1',
    'fe80::1',
    'ff02::1',
  ])('denies relays to %s', (address) => {
    expect(denied(address)).toBe(true);
  });

  it.each(['8.8.8.8', '1.1.1.1', '52.95.110.1', '172.32.0.1', '2606:4700:4700::1111', '2a05:d018::1'])(
    'leaves the public address %s reachable',
    (address) => {
      expect(denied(address)).toBe(false);
    },
  );

  it('has no range starting at :: (coturn 4.6 would match every address with it)', () => {
    expect(ranges.filter((r) => r.from.v6 && r.from.value === 0n).map((r) => r.text)).toEqual([]);
  });
});
