/**
 * Incremental splitter for one top-level JSON array of objects (a Looker `json` result): finds
 * where each element starts and ends by scanning bytes, and hands the element's text to
 * JSON.parse. V8's native parser does the real work, which is several times faster than a
 * token-by-token streaming parser, while memory stays bounded by the largest single row.
 */
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const COMMA = 0x2c;

export class JsonArrayError extends Error {}

type State = 'start' | 'beforeElement' | 'afterElement' | 'inElement' | 'done';

export class JsonArraySplitter {
  #state: State = 'start';
  /** Bytes of an element that started in an earlier chunk. */
  #pending: Buffer | undefined;
  #depth = 0;
  #inString = false;
  #escaped = false;
  #elements = 0;

  /** Feeds the next chunk; returns the elements it completed, parsed. */
  push(chunk: Buffer): unknown[] {
    const out: unknown[] = [];
    let buffer = chunk;
    let i = 0;
    let elementStart = 0;
    if (this.#state === 'inElement' && this.#pending) {
      buffer = Buffer.concat([this.#pending, chunk]);
      i = this.#pending.length;
      this.#pending = undefined;
    }
    const length = buffer.length;
    while (i < length) {
      if (this.#state === 'inElement') {
        if (this.#inString) {
          // Jump to the next quote; a quote preceded by an odd run of backslashes is escaped.
          if (this.#escaped) {
            this.#escaped = false;
            i += 1;
            continue;
          }
          const quote = buffer.indexOf(QUOTE, i);
          const slash = buffer.indexOf(BACKSLASH, i);
          if (slash !== -1 && (quote === -1 || slash < quote)) {
            i = slash + 1;
            if (i < length) i += 1;
            else this.#escaped = true;
            continue;
          }
          if (quote === -1) {
            i = length;
            break;
          }
          this.#inString = false;
          i = quote + 1;
          continue;
        }
        const byte = buffer[i]!;
        if (byte === QUOTE) this.#inString = true;
        else if (byte === OPEN_BRACE || byte === OPEN_BRACKET) this.#depth += 1;
        else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
          this.#depth -= 1;
          if (this.#depth === 0) {
            out.push(this.#parse(buffer.toString('utf8', elementStart, i + 1)));
            this.#state = 'afterElement';
          }
        }
        i += 1;
        continue;
      }
      const byte = buffer[i]!;
      if (byte === 0x20 || byte === 0x0a || byte === 0x0d || byte === 0x09) {
        i += 1;
        continue;
      }
      switch (this.#state) {
        case 'start':
          if (byte !== OPEN_BRACKET) throw new JsonArrayError('the result is not a JSON array');
          this.#state = 'beforeElement';
          break;
        case 'beforeElement':
          if (byte === CLOSE_BRACKET && this.#elements === 0) this.#state = 'done';
          else if (byte === OPEN_BRACE) {
            this.#state = 'inElement';
            this.#depth = 1;
            elementStart = i;
          } else throw new JsonArrayError(`element ${this.#elements} is not an object`);
          break;
        case 'afterElement':
          if (byte === COMMA) this.#state = 'beforeElement';
          else if (byte === CLOSE_BRACKET) this.#state = 'done';
          else throw new JsonArrayError(`unexpected byte after element ${this.#elements - 1}`);
          break;
        case 'done':
          throw new JsonArrayError('data after the end of the array');
      }
      i += 1;
    }
    if (this.#state === 'inElement') this.#pending = buffer.subarray(elementStart);
    return out;
  }

  /** Call at the end of the input: throws if the array was not complete. */
  end(): void {
    if (this.#state !== 'done') {
      throw new JsonArrayError(
        this.#state === 'start'
          ? 'the result is empty'
          : `the result ends inside the array, after ${this.#elements} elements`,
      );
    }
  }

  #parse(text: string): unknown {
    this.#elements += 1;
    try {
      return JSON.parse(text);
    } catch (error) {
      throw new JsonArrayError(
        `element ${this.#elements - 1} is not valid JSON: ${(error as Error).message}`,
      );
    }
  }
}

/** Stream stage: raw result bytes in, one parsed element out at a time (in `{ value }` form). */
export async function* parseJsonArray(chunks: AsyncIterable<Buffer>): AsyncGenerator<{ value: unknown }> {
  const splitter = new JsonArraySplitter();
  for await (const chunk of chunks) {
    for (const value of splitter.push(chunk)) yield { value };
  }
  splitter.end();
}
