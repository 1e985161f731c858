/** QA flows of the four APIs, as a consumer's integration tests would run them: one session each, through a test mock. */
import request from 'supertest';
import type { testMock } from './mock.js';

type TestMock = Awaited<ReturnType<typeof testMock>>;

export async function platformSyncFlow(m: TestMock, session: string): Promise<void> {
  const s = { 'X-Mock-Session': session };
  const token = (
    await request(m.listener).post('/v1/channel/token').set(s).send({ appid: 'demo-app', secret: 'demo-secret' })
  ).body.data.access_token as string;
  await request(m.listener).post('/v1/channel/token').set(s).send({ access_token: token });
  await request(m.listener).post('/v1/abutment/syncSaveOrganMetadata').set(s).send({
    access_token: token,
    organName: '武汉一中',
    organKind: 3,
    provinceName: '湖北省',
    cityName: '武汉市',
    areaName: '江岸区',
    otherId: 101,
  });
  await request(m.listener)
    .post('/v1/abutment/syncSaveClassMetadata')
    .set(s)
    .send({ access_token: token, className: '尖子班', gradeName: '2018级', otherSchoolId: 101, otherId: 201 });
  await request(m.listener).post('/v1/abutment/syncSaveUserMetadata').set(s).send({
    access_token: token,
    uid: 301,
    type: 1,
    username: '张小冰',
    sex: 1,
    faceIn: 'face.png',
    otherSchoolId: 101,
    otherClassId: 201,
  });
  // The same shape again: one interaction, not two.
  await request(m.listener).post('/v1/abutment/syncSaveOrganMetadata').set(s).send({
    access_token: token,
    organName: '武汉二中',
    organKind: 3,
    provinceName: '湖北省',
    cityName: '武汉市',
    areaName: '江汉区',
    otherId: 102,
  });
  await request(m.listener).post('/v1/abutment/syncDeleteUserMetadata/301').set(s).send({ access_token: token });
  await request(m.listener).post('/v1/abutment/syncDeleteUserMetadata/999').set(s).send({ access_token: token });
}

export async function wuhanFlow(m: TestMock, session: string): Promise<void> {
  const s = { 'X-Mock-Session': session };
  await request(m.listener).get('/user/openapi/org/get-org-info?org_id=demo-org&access_token=demo-token').set(s);
  await request(m.listener).get('/user/openapi/org/get-org-info?org_id=missing&access_token=demo-token').set(s);
}

export async function iosFlow(m: TestMock, session: string): Promise<void> {
  const form = (path: string, body: Record<string, unknown>) =>
    request(m.listener)
      .post(`/datasyn${path}`)
      .set('X-Mock-Session', session)
      .type('form')
      .send(
        Object.fromEntries(
          Object.entries(body).map(([k, v]) => [k, typeof v === 'object' ? JSON.stringify(v) : String(v)]),
        ),
      );
  await form('/user/register', {
    loginName: 'zhangsan',
    password: '123456',
    realName: '张三',
    sex: 1,
    school: '武汉一中',
    grade: '3班',
    classNum: 3,
    englishscore: 120,
  });
  const token = (await form('/user/login', { loginName: 'zhangsan', password: '123456', synDevice: 'iphone-1' })).body
    .data.token as string;
  await form('/syn/ignore', { token, synDevice: 'iphone-1' });
}

export async function wxPushFlow(m: TestMock, session: string, hook: string): Promise<void> {
  const s = { 'X-Mock-Session': session };
  await request(m.listener)
    .post('/wx/push/addPushProject')
    .set(s)
    .type('form')
    .send({ url: hook, project: '校园通知' });
  await request(m.listener).get('/wx/push/queryPushProject').set(s);
  await request(m.listener).put('/wx/push/updatePushProject').set(s).send({ id: 1, statu: 1 });
  await request(m.listener).delete('/wx/push/deletePushProject?id=1').set(s);
}
