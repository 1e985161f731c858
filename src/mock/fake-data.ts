/**
 * Realistic generated data for fields the state does not hold: json-schema-faker fills the schema
 * (seeded, so a session's runs repeat), then a pass by field name puts in Chinese names, school
 * names and real province / city / area names with their matching administrative codes.
 */
import { generateSync } from 'json-schema-faker';
import type { JsonObject } from '../contract/types.js';

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
  for (const ch of parts.join('\u0000')) {
    h ^= ch.codePointAt(0)!;
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
  ['湖北省', '420000', '武汉市', '420100', [['江岸区', '420102'], ['江汉区', '420103'], ['硚口区', '420104'], ['汉阳区', '420105'], ['武昌区', '420106'], ['青山区', '420107'], ['洪山区', '420111']]],
  ['湖北省', '420000', '宜昌市', '420500', [['西陵区', '420502'], ['伍家岗区', '420503']]],
  ['广东省', '440000', '深圳市', '440300', [['罗湖区', '440303'], ['福田区', '440304'], ['南山区', '440305'], ['宝安区', '440306']]],
  ['广东省', '440000', '广州市', '440100', [['越秀区', '440104'], ['海珠区', '440105'], ['天河区', '440106']]],
  ['北京市', '110000', '市辖区', '110100', [['东城区', '110101'], ['西城区', '110102'], ['朝阳区', '110105'], ['海淀区', '110108']]],
  ['上海市', '310000', '市辖区', '310100', [['黄浦区', '310101'], ['徐汇区', '310104'], ['浦东新区', '310115']]],
  ['四川省', '510000', '成都市', '510100', [['锦江区', '510104'], ['青羊区', '510105'], ['武侯区', '510107']]],
  ['浙江省', '330000', '杭州市', '330100', [['上城区', '330102'], ['拱墅区', '330105'], ['西湖区', '330106']]],
];

const SURNAMES = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢'.split('');
const GIVEN = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰萍红鹏辉宇浩然子涵欣怡梓轩一诺雨桐思远佳琪晨曦博文'.split('');
const SCHOOL_KIND = ['第一中学', '第二中学', '实验中学', '外国语学校', '实验小学', '育才小学', '第三初级中学', '师范大学附属中学', '高级中学'];
const WORDS = ['apple', 'banana', 'orange', 'tomato', 'rice', 'pen', 'book', 'water', 'school', 'teacher'];

export class FakeData {
  readonly random: () => number;
  constructor(readonly seed: number) {
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
    return { province: { name: pName, code: pCode }, city: { name: cName, code: cCode }, area: { name: aName, code: aCode } };
  }

  personName(): string {
    const given = this.int(1, 2) === 1 ? this.pick(GIVEN) : this.pick(GIVEN) + this.pick(GIVEN);
    return this.pick(SURNAMES) + given;
  }

  schoolName(region = this.region()): string {
    const place = region.city.name === '市辖区' ? region.province.name.replace(/市$/, '') : region.city.name.replace(/市$/, '');
    return place + region.area.name.replace(/区$/, '') + this.pick(SCHOOL_KIND);
  }

  word(): string {
    return this.pick(WORDS);
  }

  /** Generates a value for a schema, then makes known fields realistic. */
  fromSchema(schema: JsonObject): unknown {
    const value = generateSync(schema as never, {
      seed: this.int(1, 2 ** 31 - 1),
      alwaysFakeOptionals: true,
      maxDefaultItems: 3,
    });
    return this.realistic(value);
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
    set('org_short_name', school.replace(/^(.{2}).*?(..)$/, '$1$2'));
    for (const key of ['realName', 'username']) set(key, this.personName());
    set('word', this.word());
    for (const [k, v] of Object.entries(o)) if (v && typeof v === 'object') o[k] = this.realistic(v);
    return value;
  }
}
