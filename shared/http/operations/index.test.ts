import { describe, expect, it } from 'vitest';
import * as calls from './calls';
import { operations } from './index';
import * as jitsi from './jitsi';
import * as liveClasses from './live-classes';
import * as publicGroup from './public';
import * as recordings from './recordings';
import * as threads from './threads';

// Each contract is its own export (so a bundle keeps only its own) and is listed once more in its
// group: a contract left out of its group would have a handler but no route and no OpenAPI entry.
describe('the operation index', () => {
  it('holds every contract each operations module exports, under its own id', () => {
    const exported = [calls, jitsi, liveClasses, publicGroup, recordings, threads].flatMap((module) =>
      Object.entries(module).filter(([name]) => !name.endsWith('Operations')),
    );
    expect(exported.length).toBeGreaterThan(30);
    for (const [name, contract] of exported) {
      const id = (contract as { id?: string }).id;
      expect(id, name).toBeTypeOf('string');
      expect(operations[id as keyof typeof operations], name).toBe(contract);
    }
    expect(Object.keys(operations)).toHaveLength(exported.length);
  });
});
