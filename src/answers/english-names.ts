/**
 * English values by a property's name and format for served documents (email, url, city, dates...), from faker's
 * `en` locale; owns no schema generation (json-schema-faker's) and none of the four built-in APIs' Chinese data.
 */
import type { Faker, LocaleDefinition, Randomizer } from '@faker-js/faker';
import { createRequire } from 'node:module';
import type { JsonObject } from '../contract/types.js';

/**
 * One engine over `en` whose randomness is the calling FakeData's seeded stream, set for the length of one
 * synchronous rewrite: faker's own seed() costs ~110 us and a new Faker ~100 us, this costs nothing. The locale
 * entry point only exports its instance (the package root loads every locale, ~0.7 s), hence its constructor.
 */
const stream: { next: () => number } = { next: Math.random };
const randomizer: Randomizer = { next: () => stream.next(), seed: () => {} };
let engine: Faker | undefined;

/**
 * The engine, made on the first English value: faker is loaded then (`require` of its ES module, ~60 ms once), not
 * when the mock starts. Loaded, its names are V8's internalized strings in two-byte form, and `JSON.parse` hands
 * those back for equal short strings in request bodies (`"Rex"`): every record and answer holding one was written
 * and kept two bytes a character, and bench/http-ab.mjs's (e) petstore POST cost 5-9 % more CPU per request
 * (issue 26, "Speed with the seams"; bench/README.md).
 */
function faker(): Faker {
  if (engine) return engine;
  const { faker: en } = createRequire(import.meta.url)('@faker-js/faker/locale/en') as { faker: Faker };
  const FakerOf = en.constructor as new (o: { locale: LocaleDefinition[]; randomizer: Randomizer }) => Faker;
  return (engine = new FakerOf({ locale: [en.rawDefinitions], randomizer }));
}

type Make = () => string;

const FROM: number = Date.UTC(2015, 0, 1);
const TO: number = Date.UTC(2025, 11, 31);
const dateTime: Make = () => faker().date.between({ from: FROM, to: TO }).toISOString();

/** By `format`: what json-schema-faker makes valid but random. */
const BY_FORMAT: Record<string, Make> = {
  'date-time': dateTime,
  date: () => dateTime().slice(0, 10),
  email: () => faker().internet.email(),
  uri: () => faker().internet.url(),
  url: () => faker().internet.url(),
  uuid: () => faker().string.uuid(),
  hostname: () => faker().internet.domainName(),
  ipv4: () => faker().internet.ipv4(),
};

/** By the property's name (lower case, `_` and `-` dropped): the first rule whose pattern matches. */
const BY_NAME: ReadonlyArray<readonly [RegExp, Make]> = [
  [/e?mail(address)?$/, () => faker().internet.email()],
  [/(url|uri|href|link|homepage|website)$/, () => faker().internet.url()],
  [/(phone|mobile|^tel|telephone|phonenumber)$/, () => faker().phone.number({ style: 'international' })],
  [/^(username|login|handle|nickname)$/, () => faker().internet.username()],
  [/^firstname$|^givenname$/, () => faker().person.firstName()],
  [/^lastname$|^surname$|^familyname$/, () => faker().person.lastName()],
  [/^(name|fullname|displayname|author|owner)$/, () => faker().person.fullName()],
  [/(company|organization|organisation)(name)?$/, () => faker().company.name()],
  [/^city$|cityname$/, () => faker().location.city()],
  [/^countrycode$/, () => faker().location.countryCode()],
  [/^country(name)?$/, () => faker().location.country()],
  [/^state$|^region$|^province$/, () => faker().location.state()],
  [/^(street|address|streetaddress)$/, () => faker().location.streetAddress()],
  [/^(zip|zipcode|postcode|postalcode)$/, () => faker().location.zipCode()],
  [/^currency(code)?$/, () => faker().finance.currencyCode()],
  [/(date|time|timestamp|datetime)$/, dateTime],
  [/^(id|uuid|guid)$/, () => faker().string.uuid()],
  [/^(title|subject|headline|label)$/, () => faker().lorem.sentence({ min: 2, max: 5 }).replace(/\.$/, '')],
  [/^(description|summary|text|body|message|comment|bio|content|note|notes)$/, () => faker().lorem.sentence()],
  [/^(color|colour)$/, () => faker().color.human()],
  [/^(language|lang|locale)$/, () => 'en'],
];

/** The value a string property gets by its name or format, or undefined when neither says what it holds. */
function valueFor(key: string, schema: JsonObject | undefined): string | undefined {
  if (schema && ('enum' in schema || 'const' in schema || 'pattern' in schema)) return undefined;
  const format = typeof schema?.['format'] === 'string' ? schema['format'] : undefined;
  let make: Make | undefined;
  if (format) make = BY_FORMAT[format];
  else {
    const name = key.toLowerCase().replace(/[_-]/g, '');
    // createdAt, updated_at, node_id, userId: told by the case or separator (`format`, `valid` are not).
    if (/(?:[a-z]At|[_-]at)$/.test(key)) make = dateTime;
    else if (/(?:[a-z]Id|[_-]id)$/.test(key)) make = () => faker().string.uuid();
    else make = BY_NAME.find(([re]) => re.test(name))?.[1];
  }
  if (!make) return undefined;
  const v = make();
  const min = schema?.['minLength'];
  const max = schema?.['maxLength'];
  if (typeof min === 'number' && v.length < min) return undefined;
  if (typeof max === 'number' && v.length > max) return undefined;
  return v;
}

const subschema = (schema: JsonObject | undefined, key: string): JsonObject | undefined =>
  (schema?.['properties'] as Record<string, JsonObject> | undefined)?.[key];

function walk(value: unknown, schema: JsonObject | undefined): void {
  if (Array.isArray(value)) {
    const items = schema?.['items'] as JsonObject | undefined;
    for (const v of value) walk(v, items && typeof items === 'object' ? items : undefined);
    return;
  }
  if (value === null || typeof value !== 'object') return;
  const o = value as Record<string, unknown>;
  for (const [key, v] of Object.entries(o)) {
    const sub = subschema(schema, key);
    if (typeof v === 'string') {
      const made = valueFor(key, sub);
      if (made !== undefined) o[key] = made;
    } else walk(v, sub);
  }
}

/**
 * Rewrites a generated value's strings in place by property name and format, drawing on `random` (the caller's
 * seeded stream, so the same seed gives the same values whatever ran before). The caller validates the result.
 */
export function englishNames<T>(value: T, schema: JsonObject, random: () => number): T {
  stream.next = random;
  try {
    walk(value, schema);
  } finally {
    stream.next = Math.random;
  }
  return value;
}
