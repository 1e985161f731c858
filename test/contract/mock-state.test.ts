/** readMockState: a document's x-mock-state object form read into declarations, each bad part a problem with its pointer. */
import { describe, expect, test } from 'vitest';
import { readMockState } from '../../src/contract/mock-state.js';

const doc = {
  'x-mock-state': {
    collections: {
      apps: { key: 'appid', seed: [{ appid: 'demo-app', secret: 's' }] },
      tokens: { key: 'access_token', token: { ttl: 7200 } },
      users: { key: 'uid', schema: 'User' },
    },
    auth: { collection: 'tokens', invalid: '403' },
  },
  paths: {
    '/v1/token': {
      post: {
        operationId: 'token',
        'x-mock-state': [
          {
            when: 'body.access_token',
            action: 'renew',
            collection: 'tokens',
            key: 'body.access_token',
            ttl: 86400,
            invalid: '40001',
          },
          {
            action: 'issue',
            collection: 'tokens',
            credentials: { collection: 'apps', key: 'body.appid', match: ['secret'] },
            invalid: '40001',
          },
        ],
      },
    },
    '/v1/users/save': {
      post: {
        operationId: 'saveUser',
        'x-mock-state': {
          action: 'upsert',
          collection: 'users',
          key: 'body.uid',
          merge: true,
          defaults: { type: 2 },
          refs: [
            { field: 'body.schoolId', collection: 'schools', missing: { code: '100001', message: 'orgNotFound' } },
          ],
        },
      },
    },
    '/v1/users/{uid}': {
      delete: {
        operationId: 'deleteUser',
        'x-mock-state': { action: 'delete', collection: 'users', key: 'path.uid', missing: '40430' },
      },
    },
    '/pets': { get: { operationId: 'pets', 'x-mock-state': 'strict' } },
  },
};

describe('readMockState', () => {
  test('reads collections, auth and every operation branch in order, with defaults', () => {
    const read = readMockState(doc);
    expect(read.problems).toEqual([]);
    expect([...read.document!.collections.keys()]).toEqual(['apps', 'tokens', 'users']);
    expect(read.document!.collections.get('tokens')!.token).toEqual({ ttl: 7200, length: 40, keep: 100 });
    expect(read.document!.collections.get('apps')!.seed).toEqual([{ appid: 'demo-app', secret: 's' }]);
    expect(read.document!.auth).toMatchObject({ collection: 'tokens', invalid: { key: '403' } });
    const token = read.operations.get('token')!;
    expect(token.branches.map((b) => [b.action, b.when?.name])).toEqual([
      ['renew', 'access_token'],
      ['issue', undefined],
    ]);
    expect(token.branches[1]!.credentials).toMatchObject({
      collection: 'apps',
      key: { in: 'body', name: 'appid' },
      match: ['secret'],
    });
    const save = read.operations.get('saveUser')!.branches[0]!;
    expect(save).toMatchObject({ merge: true, defaults: { type: 2 }, answer: { kind: 'record' }, auth: true });
    expect(save.refs[0]!.missing).toMatchObject({ key: '100001', message: 'orgNotFound' });
    expect(read.operations.get('deleteUser')!.branches[0]).toMatchObject({
      key: { in: 'path', name: 'uid' },
      answer: { kind: 'none' },
    });
    expect(read.operations.has('pets')).toBe(false);
  });

  test('message is a text or { code: KEY } (that catalogue message); existing is required or absent', () => {
    const read = readMockState({
      paths: {
        '/a': {
          get: { operationId: 'a', 'x-mock-state': { action: 'list', collection: 'x', message: { code: '000000' } } },
          put: { operationId: 'b', 'x-mock-state': { action: 'list', collection: 'x', message: 7 } },
          post: {
            operationId: 'c',
            'x-mock-state': { action: 'upsert', collection: 'x', key: 'body.id', existing: 'required' },
          },
          patch: {
            operationId: 'd',
            'x-mock-state': { action: 'upsert', collection: 'x', key: 'body.id', existing: 1 },
          },
        },
      },
    });
    expect(read.operations.get('a')!.branches[0]).toMatchObject({ messageCode: { key: '000000' } });
    expect(read.operations.get('c')!.branches[0]).toMatchObject({ existing: 'required' });
    expect(read.problems.map((p) => p.at)).toEqual([
      '/paths/~1a/put/x-mock-state/message',
      '/paths/~1a/patch/x-mock-state/existing',
    ]);
  });

  test('names the pointer of every malformed part and leaves that part out', () => {
    const read = readMockState({
      'x-mock-state': { collections: { broken: { seed: [] } } },
      paths: {
        '/a': {
          post: { operationId: 'a', 'x-mock-state': { action: 'frobnicate', collection: 'x' } },
          put: { operationId: 'b', 'x-mock-state': { action: 'upsert', collection: 'x', key: 'cookie.id' } },
        },
      },
    });
    // Paths in document order, methods in OpenAPI's order (put before post).
    expect(read.problems.map((p) => p.at)).toEqual([
      '/x-mock-state/collections/broken',
      '/paths/~1a/put/x-mock-state/key', // cookie is not a place the declarations read
      '/paths/~1a/put/x-mock-state/key', // and so the upsert has no key
      '/paths/~1a/post/x-mock-state/action',
    ]);
    expect(read.problems.find((p) => p.at.endsWith('/action'))!.message).toMatch(/one of issue, renew, create/);
    expect(read.document!.collections.size).toBe(0);
    expect(read.operations.size).toBe(0);
  });
});
