/**
 * Realistic generated data for fields the state does not hold: json-schema-faker fills the schema
 * (seeded, so a session's runs repeat), then a pass by field name puts in Chinese names, school
 * names and real province / city / area names with their matching administrative codes.
 */
import { generateSync, type Random } from 'json-schema-faker';
import { generationSchema } from './generation-schema.js';
import type { JsonObject } from '../contract/types.js';
import { englishNames } from './english-names.js';

/** mulberry32: a small, fast, seedable PRNG. */
export function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A stable 32-bit hash of a string (FNV-1a), to derive a per-session seed. */
export function hashSeed(...parts: Array<string | number>): number {
  let h = 0x811c9dc5;
  const text = parts.join('\u0000');
  // Code point by code point, as a for...of over the string (without an iterator and a string per character).
  for (let i = 0; i < text.length; i++) {
    const c = text.codePointAt(i)!;
    if (c > 0xffff) i++;
    h ^= c;
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

export interface Region {
  province: { name: string; code: string };
  city: { name: string; code: string };
  area: { name: string; code: string };
}

// Real administrative divisions (GB/T 2260 codes).
const REGIONS: Array<[string, string, string, string, Array<[string, string]>]> = [
  [
    '湖北省',
    '420000',
    '武汉市',
    '420100',
    [
      ['江岸区', '420102'],
      ['江汉区', '420103'],
      ['硚口区', '420104'],
      ['汉阳区', '420105'],
      ['武昌区', '420106'],
      ['青山区', '420107'],
      ['洪山区', '420111'],
    ],
  ],
  [
    '湖北省',
    '420000',
    '宜昌市',
    '420500',
    [
      ['西陵区', '420502'],
      ['伍家岗区', '420503'],
    ],
  ],
  [
    '广东省',
    '440000',
    '深圳市',
    '440300',
    [
      ['罗湖区', '440303'],
      ['福田区', '440304'],
      ['南山区', '440305'],
      ['宝安区', '440306'],
    ],
  ],
  [
    '广东省',
    '440000',
    '广州市',
    '440100',
    [
      ['越秀区', '440104'],
      ['海珠区', '440105'],
      ['天河区', '440106'],
    ],
  ],
  [
    '北京市',
    '110000',
    '市辖区',
    '110100',
    [
      ['东城区', '110101'],
      ['西城区', '110102'],
      ['朝阳区', '110105'],
      ['海淀区', '110108'],
    ],
  ],
  [
    '上海市',
    '310000',
    '市辖区',
    '310100',
    [
      ['黄浦区', '310101'],
      ['徐汇区', '310104'],
      ['浦东新区', '310115'],
    ],
  ],
  [
    '四川省',
    '510000',
    '成都市',
    '510100',
    [
      ['锦江区', '510104'],
      ['青羊区', '510105'],
      ['武侯区', '510107'],
    ],
  ],
  [
    '浙江省',
    '330000',
    '杭州市',
    '330100',
    [
      ['上城区', '330102'],
      ['拱墅区', '330105'],
      ['西湖区', '330106'],
    ],
  ],
];

const SURNAMES =
  '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢'.split('');
const GIVEN =
  '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉宇浩然子涵欣怡梓轩一诺雨桐思远佳琪晨曦博文'.split('');
const SCHOOL_KIND = [
  '第一中学',
  '第二中学',
  '实验中学',
  '外国语学校',
  '实验小学',
  '育才小学',
  '第三初级中学',
  '师范大学附属中学',
  '高级中学',
];
const WORDS = ['apple', 'banana', 'orange', 'tomato', 'rice', 'pen', 'book', 'water', 'school', 'teacher'];
const ROADS = [
  '中南路',
  '解放大道',
  '中山路',
  '人民路',
  '建设大道',
  '学府路',
  '文化路',
  '光谷大道',
  '新华路',
  '东湖路',
];
/** 学校的类别 (org_category) and its title: the document's example names 九年一贯. */
export const ORG_CATEGORIES: ReadonlyArray<readonly [number, string]> = [
  [1, '小学'],
  [2, '初级中学'],
  [3, '高级中学'],
  [4, '完全中学'],
  [5, '九年一贯'],
  [6, '十二年一贯'],
  [7, '职业高中'],
];
/** org_type / org_level codes: the platform's system field table is not in the document, so small digit codes like the example's. */
export const ORG_TYPES = ['1', '2', '3', '4', '5'];
export const ORG_LEVELS = ['1', '2', '3', '4', '5'];
const PUSH_PURPOSES = ['家校通知', '成绩推送', '考勤提醒', '作业推送', '校园公告'];
/** Every real GB/T 2260 code the generator uses (province, city and district), for checks. */
export const REGION_CODES: ReadonlySet<string> = new Set(
  REGIONS.flatMap(([, p, , c, areas]) => [p, c, ...areas.map(([, a]) => a)]),
);

/** Abbreviations of a school's kind, as people shorten 武汉市第七中学 to 武汉七中. */
const KIND_SHORT: Array<[RegExp, (m: RegExpExecArray) => string]> = [
  [/^第(.{1,3})初级中学$/, (m) => `${m[1]}初`],
  [/^第(.{1,3})中学$/, (m) => `${m[1]}中`],
  [/^第(.{1,3})小学$/, (m) => `${m[1]}小`],
  [/^师范大学附属中学$/, () => '师大附中'],
  [/^外国语学校$/, () => '外校'],
  [/^高级中学$/, () => '高中'],
  [/^实验小学$/, () => '实小'],
  [/^(.{2})(?:中学|小学|学校)$/, (m) => m[1]!],
];

/**
 * The short name of a school from its full name: the most local place (district, else city, else
 * province) without its suffix, then the kind abbreviated: 武汉市第七中学 → 武汉七中, 武汉市武昌区示范中学 → 武昌示范.
 */
export function shortSchoolName(name: string): string {
  const m = /^(?:(.{2,3}?)(?:省|自治区))?(?:(.{2,3}?)市)?(?:(.{1,4}?)(?:区|县))?(.+)$/.exec(name);
  if (!m) return name;
  const place = m[3] ?? m[2] ?? m[1] ?? '';
  const kind = m[4]!;
  for (const [re, short] of KIND_SHORT) {
    const k = re.exec(kind);
    if (k) return place + short(k);
  }
  return (place + kind).slice(0, 6);
}

/**
 * Each schema's generation copy (generation-schema.ts), made on its first answer: a memo of a pure function keyed by
 * the compiled contract's schema objects, so nothing in it is state a session or a test could observe.
 */
const GENERATION_COPIES = new WeakMap<object, unknown>();

/**
 * How deep json-schema-faker builds before it fills required fields with placeholders (its default, 5, broke AWS and
 * Azure answers whose every field is an `allOf` of one `$ref`: a placeholder null where an object is required).
 * Deeper costs time on every answer of a large schema, so examples.ts's `generate` draws deeper only when this fails.
 */
const MAX_DEPTH = 10;

const BASE64 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/';

/** Formats json-schema-faker does not know that served documents use: `byte` is base64 (OpenAPI 3.0). */
const FORMATS: Record<string, (random: Random) => string> = {
  byte: (random) => Array.from({ length: 4 * random.int(1, 4) }, () => random.pick([...BASE64])).join(''),
};

/** Whose data generated strings read like: the four built-in APIs' Chinese records, or English for served documents. */
export type FakeNames = 'zh' | 'en';

export class FakeData {
  readonly random: () => number;
  constructor(
    readonly seed: number,
    readonly names: FakeNames = 'zh',
  ) {
    this.random = seededRandom(seed);
  }

  int(min: number, max: number): number {
    return min + Math.floor(this.random() * (max - min + 1));
  }

  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.random() * items.length)] as T;
  }

  region(): Region {
    const [pName, pCode, cName, cCode, areas] = this.pick(REGIONS);
    const [aName, aCode] = this.pick(areas);
    return {
      province: { name: pName, code: pCode },
      city: { name: cName, code: cCode },
      area: { name: aName, code: aCode },
    };
  }

  personName(): string {
    const given = this.int(1, 2) === 1 ? this.pick(GIVEN) : this.pick(GIVEN) + this.pick(GIVEN);
    return this.pick(SURNAMES) + given;
  }

  /** A school's full name as it is registered: 武汉市江岸区第一中学 (a municipality: 北京市海淀区...). */
  schoolName(region = this.region()): string {
    const city = region.city.name === '市辖区' ? region.province.name : region.city.name;
    return city + region.area.name + this.pick(SCHOOL_KIND);
  }

  /** Seconds since the epoch, as the wuhan-eduyun records write times: between 2015 and 2024. */
  epochSeconds(): number {
    return this.int(1_420_070_400, 1_735_603_200);
  }

  hex(length: number): string {
    let out = '';
    for (let i = 0; i < length; i++) out += '0123456789abcdef'[this.int(0, 15)];
    return out;
  }

  /** A push project's name: a school's short name and what it pushes (武汉七中家校通知). */
  pushProjectName(): string {
    return shortSchoolName(this.schoolName()) + this.pick(PUSH_PURPOSES);
  }

  /** See shortSchoolName: the API modules reach it through the fake data they are given. */
  shortSchoolName(name: string): string {
    return shortSchoolName(name);
  }

  word(): string {
    return this.pick(WORDS);
  }

  /**
   * Generates a value for a schema, then makes known fields realistic: by the built-ins' Chinese field names, or
   * (`en`) by property name and format unless `plain` (the fallback when those values break the schema); `depth`
   * is how deep json-schema-faker builds before it puts placeholders.
   */
  fromSchema(schema: JsonObject, plain = false, depth = MAX_DEPTH): unknown {
    const value = generateSync(generationSchema(schema, GENERATION_COPIES) as never, {
      seed: this.int(1, 2 ** 31 - 1),
      alwaysFakeOptionals: true,
      maxDefaultItems: 3,
      maxDepth: depth,
      formats: FORMATS,
    });
    if (this.names === 'zh') return this.realistic(value);
    return plain ? value : englishNames(value, schema, this.random);
  }

  /** Rewrites fields by name so generated records read like the real thing. */
  realistic<T>(value: T): T {
    if (Array.isArray(value)) return value.map((v) => this.realistic(v)) as T;
    if (value === null || typeof value !== 'object') return value;
    const o = value as JsonObject;
    const region = this.region();
    const school = this.schoolName(region);
    const set = (key: string, v: unknown): void => {
      if (key in o && typeof o[key] === typeof v) o[key] = v;
    };
    set('province_code', region.province.code);
    set('city_code', region.city.code);
    set('area_code', region.area.code);
    set('provinceName', region.province.name);
    set('cityName', region.city.name);
    set('areaName', region.area.name);
    set('org_level_code', region.area.code);
    for (const key of ['org_name', 'organName', 'school']) set(key, school);
    set('org_short_name', shortSchoolName(school));
    set('platform_code', region.city.code);
    set('v_platform_code', region.city.code);
    set('org_type', this.pick(ORG_TYPES));
    set('org_level', this.pick(ORG_LEVELS));
    set('create_user_id', `u-${this.int(10000, 99999)}`);
    const created = this.epochSeconds();
    set('createtime', String(created));
    set('updatetime', String(Math.min(created + this.int(0, 3 * 365 * 86400), 1_735_603_200)));
    set('org_coding', `${region.area.code.slice(2)}${this.int(10, 99)}`);
    set('avatar', `https://static.example.cn/org/${this.hex(16)}.png`);
    const [category, title] = this.pick(ORG_CATEGORIES);
    if ('org_category' in o) o['org_category'] = category;
    set('org_category_title', title);
    set('org_parent_id', `edu-bureau-${region.area.code}`);
    set(
      'org_address',
      `${region.province.name}${region.city.name === '市辖区' ? '' : region.city.name}${region.area.name}${this.pick(ROADS)}${this.int(1, 399)}号`,
    );
    set(
      'org_identification_code',
      `31${region.province.code.slice(0, 2)}${String(this.int(1, 999999)).padStart(6, '0')}`,
    );
    set('level', '0');
    set('verify_mode', '0');
    for (const key of ['realName', 'username']) set(key, this.personName());
    set('word', this.word());
    for (const [k, v] of Object.entries(o)) if (v && typeof v === 'object') o[k] = this.realistic(v);
    return value;
  }
}
