import { describe, expect, it } from 'vitest';
import { callerFromClaims, parseRolesClaim } from './auth';

describe('roles claim', () => {
  it('reads arrays, API Gateway\'s flattened "[a b]" form, JSON strings and plain lists', () => {
    expect(parseRolesClaim(['admin', 'student'])).toEqual(['admin', 'student']);
    expect(parseRolesClaim('[admin instructor]')).toEqual(['admin', 'instructor']);
    expect(parseRolesClaim('["admin","student"]')).toEqual(['admin', 'student']);
    expect(parseRolesClaim('student')).toEqual(['student']);
    expect(parseRolesClaim(undefined)).toEqual([]);
    expect(parseRolesClaim(42)).toEqual([]);
  });
});

describe('caller from claims', () => {
  it('maps sub, name, email and admin from the configured roles claim', () => {
    const caller = callerFromClaims({ sub: 'u1', name: 'Ann', email: 'a@x.io', 'https://erp/roles': '[admin]' }, 'https://erp/roles');
    expect(caller).toMatchObject({ userId: 'u1', name: 'Ann', email: 'a@x.io', isAdmin: true });
  });

  it('rejects a subject that could not be a key part', () => {
    expect(() => callerFromClaims({ sub: 'a#b' }, 'roles')).toThrow(/subject/);
    expect(() => callerFromClaims({}, 'roles')).toThrow();
  });
});
