import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../config';
import { iceServers } from './join-info';

const config = loadConfig({ TURN_HOST: 'turn.example.com', TURN_PORT: '3478', TURNS_PORT: '443', TURN_CREDENTIAL_TTL_SECONDS: '43200' });

describe('ICE servers', () => {
  it('lists STUN, TURN over UDP and TCP, and TURNS with TURN REST credentials', () => {
    const servers = iceServers(config, { kind: 'rest', secret: 'shared-secret-value' }, 'alice', 1_700_000_000_000);
    expect(servers).toEqual([
      { urls: ['stun:turn.example.com:3478'] },
      {
        urls: [
          'turn:turn.example.com:3478?transport=udp',
          'turn:turn.example.com:3478?transport=tcp',
          'turns:turn.example.com:443?transport=tcp',
        ],
        username: '1700043200:alice',
        credential: createHmac('sha1', 'shared-secret-value').update('1700043200:alice').digest('base64'),
      },
    ]);
  });

  it('hands out the static TURN_USERNAME/TURN_PASSWORD when a deployment uses them', () => {
    const [, turn] = iceServers(config, { kind: 'static', username: 'calls', password: 'static-pass' }, 'alice', 0);
    expect(turn).toMatchObject({ username: 'calls', credential: 'static-pass' });
  });

  it('offers STUN only when no TURN credentials are configured', () => {
    expect(iceServers(config, { kind: 'none' }, 'alice', 0)).toEqual([{ urls: ['stun:turn.example.com:3478'] }]);
  });
});
