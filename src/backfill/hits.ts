/**
 * The hits of a search answer read straight from its bytes: each hit's `_id`, `_routing` and
 * `sort`, and its `_source` as the very bytes the source sent, cut from the answer without being
 * parsed or serialised again. The copy passes those bytes to the target as they are: less work
 * per document than JSON.parse and JSON.stringify, and every number, key order and escape kept
 * exactly as stored. Pure.
 */

/** One hit as cut from the answer. */
export interface RawHit {
  id: string;
  routing?: string;
  /** The `_source` bytes (a view into the answer); absent when the hit has none. */
  source?: Uint8Array;
  /** The first sort value (the `_seq_no` the reader sorts on). */
  sortValue: number;
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;
const OPEN_BRACKET = 0x5b;
const CLOSE_BRACKET = 0x5d;
const COLON = 0x3a;
const COMMA = 0x2c;
const NEWLINE = 0x0a;
const RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;

const decoder = new TextDecoder();

/**
 * The keys the scanner reads, matched on their bytes: a page of thousands of hits holds seven
 * keys each, and a string made for every one was a tenth of the copy's own work.
 */
const KEYS = ["hits", "_id", "_routing", "_source", "sort"] as const;
const [HITS, ID, ROUTING, SOURCE, SORT] = [0, 1, 2, 3, 4];
const KEY_BYTES = KEYS.map((key) => new TextEncoder().encode(key));
const OTHER_KEY = -1;

/** Thrown for an answer that is not the JSON of a search (the caller says which request). */
export class HitsFormatError extends Error {}

/**
 * The hits of a `_search` answer (`hits.hits`), in order. A `_source` written over several lines
 * (a document indexed pretty-printed) is returned on one line, its line breaks (which JSON allows
 * only between tokens) made spaces, so it fits a `_bulk` body.
 */
export function scanHits(bytes: Uint8Array): RawHit[] {
  const cursor = new Cursor(bytes);
  const hits: RawHit[] = [];
  cursor.object((key) => {
    if (key !== HITS) return false;
    cursor.object((inner) => {
      if (inner !== HITS) return false;
      cursor.array(() => hits.push(readHit(cursor)));
      return true;
    });
    return true;
  });
  return hits;
}

function readHit(cursor: Cursor): RawHit {
  let id: string | undefined;
  let routing: string | undefined;
  let source: Uint8Array | undefined;
  let sortValue = -1;
  cursor.object((key) => {
    if (key === ID) id = cursor.string();
    else if (key === ROUTING) routing = cursor.string();
    else if (key === SOURCE) source = cursor.valueBytes();
    else if (key === SORT) sortValue = firstNumber(cursor);
    else return false;
    return true;
  });
  if (id === undefined) throw new HitsFormatError("a hit without _id");
  const hit: RawHit = { id, sortValue };
  if (routing !== undefined) hit.routing = routing;
  if (source !== undefined) hit.source = source;
  return hit;
}

function firstNumber(cursor: Cursor): number {
  let first: number | undefined;
  cursor.array(() => {
    const bytes = cursor.valueBytes();
    first ??= smallInteger(bytes) ?? Number(JSON.parse(decoder.decode(bytes)));
  });
  return first ?? -1;
}

/** The value of a plain non-negative integer of up to 15 digits (a `_seq_no`), else undefined. */
function smallInteger(bytes: Uint8Array): number | undefined {
  if (bytes.length === 0 || bytes.length > 15) return undefined;
  let value = 0;
  for (let i = 0; i < bytes.length; i++) {
    const digit = bytes[i] - 0x30;
    if (digit < 0 || digit > 9) return undefined;
    value = value * 10 + digit;
  }
  return value;
}

/** A position in the bytes of one JSON text, read forward. */
class Cursor {
  at = 0;
  constructor(readonly bytes: Uint8Array) {}

  /**
   * Reads an object; `onKey` reads the value of each key it wants (by its place in KEYS) and
   * returns true, or returns false and the value is skipped.
   */
  object(onKey: (key: number) => boolean): void {
    this.expect(OPEN_BRACE);
    if (this.peek() === CLOSE_BRACE) {
      this.at++;
      return;
    }
    for (;;) {
      const key = this.key();
      this.expect(COLON);
      this.space();
      if (!onKey(key)) this.skip();
      if (this.separator(CLOSE_BRACE)) return;
    }
  }

  /** Reads an array, `onItem` reading each item. */
  array(onItem: () => void): void {
    this.expect(OPEN_BRACKET);
    if (this.peek() === CLOSE_BRACKET) {
      this.at++;
      return;
    }
    for (;;) {
      this.space();
      onItem();
      if (this.separator(CLOSE_BRACKET)) return;
    }
  }

  /** The place in KEYS of the key read, or OTHER_KEY. */
  key(): number {
    this.space();
    const start = this.at + 1;
    if (this.skipString()) {
      // Escapes in a key: compared the long way (no source cluster writes keys so).
      const key = JSON.parse(decoder.decode(this.bytes.subarray(start - 1, this.at)));
      return KEYS.indexOf(key);
    }
    const length = this.at - 1 - start;
    for (let k = 0; k < KEY_BYTES.length; k++) {
      const candidate = KEY_BYTES[k];
      if (candidate.length !== length) continue;
      let i = 0;
      while (i < length && this.bytes[start + i] === candidate[i]) i++;
      if (i === length) return k;
    }
    return OTHER_KEY;
  }

  /** A string value, unescaped. */
  string(): string {
    this.space();
    const start = this.at;
    const escaped = this.skipString();
    const bytes = this.bytes;
    if (!escaped) {
      let ascii = true;
      for (let i = start + 1; i < this.at - 1; i++) {
        if (bytes[i] >= 0x80) {
          ascii = false;
          break;
        }
      }
      if (ascii) {
        // `apply` takes the bytes as an array-like; a spread would walk an iterator.
        return String.fromCharCode.apply(null, bytes.subarray(start + 1, this.at - 1) as never);
      }
      return decoder.decode(bytes.subarray(start + 1, this.at - 1));
    }
    return JSON.parse(decoder.decode(bytes.subarray(start, this.at)));
  }

  /** The bytes of the next value, on one line (see {@link scanHits}). */
  valueBytes(): Uint8Array {
    this.space();
    const start = this.at;
    const multiline = this.skip();
    const value = this.bytes.subarray(start, this.at);
    if (!multiline) return value;
    const flat = value.slice();
    for (let i = 0; i < flat.length; i++) {
      if (flat[i] === NEWLINE || flat[i] === RETURN) flat[i] = SPACE;
    }
    return flat;
  }

  /** Skips one value; returns whether a line break was found between its tokens. */
  skip(): boolean {
    const bytes = this.bytes;
    const first = bytes[this.at];
    if (first === QUOTE) {
      this.skipString();
      return false;
    }
    if (first !== OPEN_BRACE && first !== OPEN_BRACKET) {
      // A number, true, false or null: up to the next delimiter.
      while (this.at < bytes.length) {
        const byte = bytes[this.at];
        if (
          byte === COMMA || byte === CLOSE_BRACE || byte === CLOSE_BRACKET || byte <= SPACE
        ) break;
        this.at++;
      }
      return false;
    }
    let depth = 0;
    let multiline = false;
    while (this.at < bytes.length) {
      const byte = bytes[this.at];
      if (byte === QUOTE) {
        this.skipString();
        continue;
      }
      this.at++;
      if (byte === OPEN_BRACE || byte === OPEN_BRACKET) depth++;
      else if (byte === CLOSE_BRACE || byte === CLOSE_BRACKET) {
        if (--depth === 0) return multiline;
      } else if (byte === NEWLINE || byte === RETURN) multiline = true;
    }
    throw new HitsFormatError("the answer ends inside a value");
  }

  /** Moves past a string; returns whether it holds escapes. */
  skipString(): boolean {
    const bytes = this.bytes;
    if (bytes[this.at] !== QUOTE) throw this.unexpected("a string");
    let escaped = false;
    for (let i = this.at + 1; i < bytes.length; i++) {
      const byte = bytes[i];
      if (byte === BACKSLASH) {
        escaped = true;
        i++;
      } else if (byte === QUOTE) {
        this.at = i + 1;
        return escaped;
      }
    }
    throw new HitsFormatError("the answer ends inside a string");
  }

  space(): void {
    const bytes = this.bytes;
    while (this.at < bytes.length) {
      const byte = bytes[this.at];
      if (byte !== SPACE && byte !== NEWLINE && byte !== RETURN && byte !== TAB) return;
      this.at++;
    }
  }

  peek(): number {
    this.space();
    return this.bytes[this.at];
  }

  expect(byte: number): void {
    if (this.peek() !== byte) throw this.unexpected(`'${String.fromCharCode(byte)}'`);
    this.at++;
  }

  /** After a member or item: true at the closing byte (consumed), false after a comma. */
  separator(close: number): boolean {
    const next = this.peek();
    this.at++;
    if (next === close) return true;
    if (next !== COMMA) throw this.unexpected(`',' or '${String.fromCharCode(close)}'`);
    return false;
  }

  unexpected(what: string): HitsFormatError {
    return new HitsFormatError(`expected ${what} at byte ${this.at} of the answer`);
  }
}
