/**
 * Newline-delimited JSON as a load job reads it: byte-exact line splitting over a stream, and a
 * JSON parser that keeps each number's text. `JSON.parse` cannot tell `1.0` from `1`, yet
 * BigQuery refuses `1.0` for an INTEGER column, and it reads integers beyond 2^53 exactly.
 */

/** A JSON number as written in the source (`1`, `1.0`, `-2e3`). */
export class JsonNumber {
  constructor(readonly text: string) {}
}

export type JsonObject = Map<string, JsonValue>;
export type JsonValue = null | boolean | string | JsonNumber | JsonValue[] | JsonObject;

/** A line that is not valid JSON; the message is BigQuery's kind of parser message. */
export class JsonSyntaxError extends Error {}

const MAX_DEPTH = 500;
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

/** Parses one line of NDJSON; whitespace around the value is allowed, anything after it is not. */
export function parseJsonLine(text: string): JsonValue {
  let i = 0;

  const skipSpace = () => {
    while (i < text.length) {
      const c = text.charCodeAt(i);
      if (c !== 0x20 && c !== 0x09 && c !== 0x0d && c !== 0x0a) break;
      i += 1;
    }
  };

  const fail = (message: string): never => {
    throw new JsonSyntaxError(message);
  };

  const parseString = (): string => {
    i += 1; // opening quote
    let out = '';
    let from = i;
    for (;;) {
      if (i >= text.length) fail('Closing quote expected in string');
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        out += text.slice(from, i);
        i += 1;
        return out;
      }
      if (c < 0x20) fail('Unescaped control character in string');
      if (c !== 0x5c) {
        i += 1;
        continue;
      }
      out += text.slice(from, i);
      const escape = text[i + 1];
      i += 2;
      switch (escape) {
        case '"':
        case '\\':
        case '/':
          out += escape;
          break;
        case 'b':
          out += '\b';
          break;
        case 'f':
          out += '\f';
          break;
        case 'n':
          out += '\n';
          break;
        case 'r':
          out += '\r';
          break;
        case 't':
          out += '\t';
          break;
        case 'u': {
          const hex = text.slice(i, i + 4);
          if (!/^[0-9a-fA-F]{4}$/.test(hex)) fail('Invalid \\u escape in string');
          out += String.fromCharCode(parseInt(hex, 16));
          i += 4;
          break;
        }
        case undefined:
          fail('Closing quote expected in string');
          break;
        default:
          fail(`Invalid escape sequence \\${escape} in string`);
      }
      from = i;
    }
  };

  const parseValue = (depth: number): JsonValue => {
    if (depth > MAX_DEPTH) fail('Nesting too deep');
    skipSpace();
    if (i >= text.length) fail('Unexpected end of string');
    const c = text[i]!;
    if (c === '{') {
      i += 1;
      const object: JsonObject = new Map();
      skipSpace();
      if (text[i] === '}') {
        i += 1;
        return object;
      }
      for (;;) {
        skipSpace();
        if (text[i] !== '"') fail(i >= text.length ? 'Unexpected end of string' : 'Expected a quoted key');
        const key = parseString();
        skipSpace();
        if (text[i] !== ':') fail(i >= text.length ? 'Unexpected end of string' : "Expected ':' after key");
        i += 1;
        object.set(key, parseValue(depth + 1));
        skipSpace();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === '}') {
          i += 1;
          return object;
        }
        return fail(i >= text.length ? 'Unexpected end of string' : "Missing close brace '}' here");
      }
    }
    if (c === '[') {
      i += 1;
      const array: JsonValue[] = [];
      skipSpace();
      if (text[i] === ']') {
        i += 1;
        return array;
      }
      for (;;) {
        array.push(parseValue(depth + 1));
        skipSpace();
        if (text[i] === ',') {
          i += 1;
          continue;
        }
        if (text[i] === ']') {
          i += 1;
          return array;
        }
        return fail(i >= text.length ? 'Unexpected end of string' : "Missing close bracket ']' here");
      }
    }
    if (c === '"') return parseString();
    if (text.startsWith('true', i)) {
      i += 4;
      return true;
    }
    if (text.startsWith('false', i)) {
      i += 5;
      return false;
    }
    if (text.startsWith('null', i)) {
      i += 4;
      return null;
    }
    NUMBER.lastIndex = i;
    const number = NUMBER.exec(text);
    if (number && number[0].length > 0) {
      i += number[0].length;
      return new JsonNumber(number[0]);
    }
    return fail(`Invalid value starting at '${text.slice(i, i + 10)}'`);
  };

  const value = parseValue(0);
  skipSpace();
  if (i < text.length) fail('Parser terminated before end of string');
  return value;
}

/** JSON text of a parsed value, numbers as they were written. */
export function stringifyJson(value: JsonValue): string {
  if (value === null) return 'null';
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return JSON.stringify(value);
  if (value instanceof JsonNumber) return value.text;
  if (Array.isArray(value)) return `[${value.map(stringifyJson).join(',')}]`;
  return `{${[...value].map(([k, v]) => `${JSON.stringify(k)}:${stringifyJson(v)}`).join(',')}}`;
}

/** How a value reads in BigQuery's messages (`Value: ...`): strings bare, the rest as JSON. */
export function showJson(value: JsonValue): string {
  return typeof value === 'string' ? value : stringifyJson(value);
}

export interface SourceLine {
  text: string;
  /** Byte offset of the line's first byte in the (decompressed) source. */
  start: number;
}

/**
 * Splits a byte stream into lines on `\n` (a trailing `\r` is dropped), with each line's byte
 * offset, as BigQuery reports "row starting at position N". Only the current line is buffered.
 */
export async function* readLines(source: AsyncIterable<Buffer>): AsyncGenerator<SourceLine> {
  const decoder = new TextDecoder('utf-8');
  let pending: Buffer[] = [];
  let pendingBytes = 0;
  let position = 0;
  const take = (tail: Buffer): SourceLine => {
    const bytes = pendingBytes ? Buffer.concat([...pending, tail]) : tail;
    pending = [];
    pendingBytes = 0;
    const start = position;
    position += bytes.length + 1;
    const end = bytes.length > 0 && bytes[bytes.length - 1] === 0x0d ? bytes.length - 1 : bytes.length;
    return { text: decoder.decode(bytes.subarray(0, end)), start };
  };
  for await (const chunk of source) {
    let from = 0;
    for (;;) {
      const newline = chunk.indexOf(0x0a, from);
      if (newline < 0) break;
      yield take(chunk.subarray(from, newline));
      from = newline + 1;
    }
    if (from < chunk.length) {
      pending.push(chunk.subarray(from));
      pendingBytes += chunk.length - from;
    }
  }
  if (pendingBytes) yield take(Buffer.alloc(0));
}
