/** Chinese clients' charsets: a form or JSON body declared GBK / GB2312 / GB18030 is read in that charset; an undecodable one is a parameter error; UTF-8 header values are shown as UTF-8. */
import iconv from 'iconv-lite';
import request from 'supertest';
import { describe, expect, test } from 'vitest';
import type { Server } from 'node:http';
import { listen } from '../helpers/listen.js';
import { responseViolations, testMock } from '../helpers/mock.js';

/** Sends these exact bytes over a socket (supertest would serialise a Buffer as an object). */
async function sendBytes(
  server: Server,
  method: string,
  path: string,
  contentType: string,
  body: Buffer,
): Promise<{ body: { code: string; data: { project: string } } }> {
  const url = await listen(server);
  try {
    const res = await fetch(url + path, { method, headers: { 'content-type': contentType }, body });
    return { body: (await res.json()) as { code: string; data: { project: string } } };
  } finally {
    server.close();
  }
}

/** `application/x-www-form-urlencoded` in a legacy charset, as a Java or PHP client writes it. */
const percentEncoded = (fields: Record<string, string>, charset: string): string =>
  Object.entries(fields)
    .map(
      ([k, v]) =>
        `${k}=${[...iconv.encode(v, charset)].map((b) => `%${b.toString(16).toUpperCase().padStart(2, '0')}`).join('')}`,
    )
    .join('&');

describe('form bodies in a declared charset', () => {
  test.each(['GBK', 'gb2312', 'GB18030'])(
    'addPushProject with charset=%s stores and echoes 推送项目 / 武汉一中',
    async (charset) => {
      const m = await testMock();
      const body = percentEncoded({ url: 'http://127.0.0.1:9/hook', project: '推送项目·武汉一中' }, charset);
      const res = await request(m.listener)
        .post('/wx/push/addPushProject')
        .set('Content-Type', `application/x-www-form-urlencoded; charset=${charset}`)
        .send(body);
      expect(res.body.code).toBe('200');
      expect(res.body.data.project).toBe('推送项目·武汉一中');
      expect(m.calls[0]!.request.body).toEqual({ url: 'http://127.0.0.1:9/hook', project: '推送项目·武汉一中' });
      expect(responseViolations(m.calls)).toEqual([]);
    },
  );

  test('raw GBK bytes (not percent-encoded) are read as GBK too', async () => {
    const m = await testMock();
    const body = Buffer.concat([
      Buffer.from('url=http://127.0.0.1:9/hook&project='),
      iconv.encode('张三的项目', 'gbk'),
    ]);
    const res = await sendBytes(
      m.server,
      'POST',
      '/wx/push/addPushProject',
      'application/x-www-form-urlencoded;charset=GBK',
      body,
    );
    expect(res.body.data.project).toBe('张三的项目');
  });

  test('a JSON body declared GBK is decoded whole', async () => {
    const m = await testMock();
    const add = await request(m.listener)
      .post('/wx/push/addPushProject')
      .type('form')
      .send({ url: 'http://127.0.0.1:9/hook', project: 'p' });
    const json = iconv.encode(JSON.stringify({ id: add.body.data.id, project: '微校推送' }), 'gbk');
    const res = await sendBytes(m.server, 'PUT', '/wx/push/updatePushProject', 'application/json;charset=GBK', json);
    expect(res.body.data.project).toBe('微校推送');
  });

  test.each([
    [
      'bytes GBK has no character for',
      'url=http://127.0.0.1:9/hook&project=%FF%FF',
      'GBK',
      /form field "project" is not valid gbk/,
    ],
    [
      'a charset nobody can decode',
      'url=x&project=y',
      'x-klingon',
      /charset x-klingon is not one contract-mock can decode/,
    ],
  ])('%s: 11001 with the reason, nothing stored', async (_n, body, charset, message) => {
    const m = await testMock();
    const res = await request(m.listener)
      .post('/wx/push/addPushProject')
      .set('Content-Type', `application/x-www-form-urlencoded; charset=${charset}`)
      .send(body);
    expect(res.body.code).toBe('11001');
    expect(JSON.parse(res.headers['x-mock-violations'] as string)).toEqual([
      { pointer: '/body', message: expect.stringMatching(message) },
    ]);
    const list = await request(m.listener).get('/wx/push/queryPushProject');
    expect(list.body.data).toEqual([]);
  });

  test('UTF-8 (declared or not) is unchanged', async () => {
    const m = await testMock();
    const res = await request(m.listener)
      .post('/wx/push/addPushProject')
      .set('Content-Type', 'application/x-www-form-urlencoded;charset=utf-8')
      .send(`url=u&project=${encodeURIComponent('推送')}`);
    expect(res.body.data.project).toBe('推送');
  });
});

test('a UTF-8 header value (X-Mock-Scenario: 慢网络) is shown as UTF-8 in the answer and the journal', async () => {
  const m = await testMock();
  // node:http sends each char of a header as one byte: this string is the UTF-8 bytes of 慢网络, as curl sends them.
  const raw = Buffer.from('慢网络', 'utf8').toString('latin1');
  const res = await request(m.listener).get('/wx/push/queryPushProject').set('X-Mock-Scenario', raw);
  expect(res.status).toBe(400);
  expect(res.body.detail).toContain('X-Mock-Scenario names 慢网络;');
  expect(m.calls[0]!.request.headers['x-mock-scenario']).toBe('慢网络');
});
