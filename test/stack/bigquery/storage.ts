/**
 * Table data on disk, so the fake's memory is bounded by what one job touches, not by table size.
 *
 * A table's rows live in immutable segment files (row-codec.ts lines), each holding rows of one
 * partition in ascending sequence number; the sequence number is the row's place in the table's
 * order (the order tabledata.list and queries without ORDER BY answer in), so a table reads as
 * the merge of its segments by it. In memory there is only metadata: per segment its file, row
 * count, sequence range, header and logical bytes per column. A job writes new segments first
 * and then swaps them in with one synchronous metadata change, so a failed job changes nothing.
 * File I/O is synchronous: every operation on stored rows already runs in one synchronous step.
 */
import { closeSync, mkdirSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { StringDecoder } from 'node:string_decoder';
import { RowEncoder, rowDecoder, seqOfLine } from './row-codec.js';
import type { Field } from './schema.js';
import type { StoredRecord } from './values.js';

export interface Segment {
  file: string;
  partition: string;
  rows: number;
  firstSeq: number;
  lastSeq: number;
  /** Added to every sequence number in the file: a load numbers its rows from 0 and learns its place at commit. */
  seqOffset: number;
  header: string[];
  /** Logical bytes (values.ts `logicalSize`) per column of `header`. */
  bytes: number[];
  /** Bytes of the file. */
  size: number;
}

/** Encoded lines buffered per writer before one write: keeps many open writers cheap. */
const FLUSH_CHARS = 64 * 1024;
const READ_CHUNK = 64 * 1024;

/** The directory of segment files; owns it (removes it on close) when it made it. */
export class TableStore {
  #counter = 0;

  private constructor(
    readonly dir: string,
    private readonly ownsDir: boolean,
  ) {}

  /** A store in `dataDir`, or in a fresh temporary directory that `close()` removes. */
  static open(dataDir?: string): TableStore {
    if (!dataDir) return new TableStore(mkdtempSync(join(tmpdir(), 'bigquery-fake-')), true);
    mkdirSync(dataDir, { recursive: true });
    return new TableStore(dataDir, false);
  }

  /** New rows of `fields` for the segments of one job: nothing is visible until its caller swaps them in. */
  batch(fields: readonly Field[]): Batch {
    return new Batch(this, fields);
  }

  newFile(): string {
    this.#counter += 1;
    return join(this.dir, `${process.pid}-${this.#counter}.rows`);
  }

  /** Deletes the files of segments no table refers to any more. */
  discard(segments: Iterable<Segment>): void {
    for (const segment of segments) rmSync(segment.file, { force: true });
  }

  close(): void {
    if (this.ownsDir) rmSync(this.dir, { recursive: true, force: true });
  }
}

/** Writes the rows of one partition to a new segment file. */
class SegmentWriter {
  readonly file: string;
  #fd: number | undefined;
  #pending: string[] = [];
  #pendingChars = 0;
  #size = 0;
  rows = 0;
  firstSeq = Infinity;
  lastSeq = -Infinity;
  readonly bytes: number[];

  constructor(
    store: TableStore,
    private readonly encoder: RowEncoder,
    readonly partition: string,
  ) {
    this.file = store.newFile();
    this.#fd = openSync(this.file, 'w');
    this.bytes = encoder.fields.map(() => 0);
  }

  append(seq: number, values: StoredRecord): void {
    this.encoder.addBytes(values, this.bytes);
    this.#push(this.encoder.line(seq, values), seq);
  }

  /** A line already in this writer's header (a row copied unchanged). */
  appendLine(seq: number, line: string, values: StoredRecord | undefined): void {
    if (values) this.encoder.addBytes(values, this.bytes);
    this.#push(line, seq);
  }

  #push(line: string, seq: number): void {
    if (seq <= this.lastSeq) throw new Error(`segment rows out of order: ${seq} after ${this.lastSeq}`);
    this.rows += 1;
    if (seq < this.firstSeq) this.firstSeq = seq;
    this.lastSeq = seq;
    this.#pending.push(line, '\n');
    this.#pendingChars += line.length + 1;
    if (this.#pendingChars >= FLUSH_CHARS) this.#flush();
  }

  #flush(): void {
    if (!this.#pending.length || this.#fd === undefined) return;
    this.#size += writeSync(this.#fd, this.#pending.join(''));
    this.#pending = [];
    this.#pendingChars = 0;
  }

  finish(): Segment {
    this.#flush();
    this.close();
    return {
      file: this.file,
      partition: this.partition,
      rows: this.rows,
      firstSeq: this.firstSeq,
      lastSeq: this.lastSeq,
      seqOffset: 0,
      header: this.encoder.header,
      bytes: this.bytes,
      size: this.#size,
    };
  }

  close(): void {
    if (this.#fd !== undefined) closeSync(this.#fd);
    this.#fd = undefined;
  }
}

/** The new segments of one job, one writer per partition; `finish()` or `abort()` ends it. */
export class Batch {
  readonly #writers = new Map<string, SegmentWriter>();
  readonly #encoder: RowEncoder;
  #ended = false;

  constructor(
    private readonly store: TableStore,
    fields: readonly Field[],
  ) {
    this.#encoder = new RowEncoder(fields);
  }

  #writer(partition: string): SegmentWriter {
    let writer = this.#writers.get(partition);
    if (!writer) {
      writer = new SegmentWriter(this.store, this.#encoder, partition);
      this.#writers.set(partition, writer);
    }
    return writer;
  }

  add(partition: string, seq: number, values: StoredRecord): void {
    this.#writer(partition).append(seq, values);
  }

  /** A row copied as it was: its line is reused when its segment has the same header and numbering. */
  copy(partition: string, seq: number, line: string, from: Segment, values: StoredRecord): void {
    if (from.seqOffset === 0 && sameHeader(from.header, this.#encoder.header))
      this.#writer(partition).appendLine(seq, line, values);
    else this.add(partition, seq, values);
  }

  get rows(): number {
    let rows = 0;
    for (const writer of this.#writers.values()) rows += writer.rows;
    return rows;
  }

  get bytes(): number {
    let bytes = 0;
    for (const writer of this.#writers.values()) bytes += writer.bytes.reduce((a, b) => a + b, 0);
    return bytes;
  }

  /** The written segments, by partition; the batch is over (its files now belong to the caller). */
  finish(): Map<string, Segment> {
    this.#ended = true;
    return new Map([...this.#writers].map(([partition, writer]) => [partition, writer.finish()]));
  }

  /** Removes every file of the batch; harmless after `finish()`. */
  abort(): void {
    if (this.#ended) return;
    this.#ended = true;
    for (const writer of this.#writers.values()) {
      writer.close();
      rmSync(writer.file, { force: true });
    }
  }
}

const sameHeader = (a: readonly string[], b: readonly string[]) =>
  a.length === b.length && a.every((name, i) => name === b[i]);

/** The lines of a file, read in chunks. */
function* fileLines(file: string): Generator<string> {
  const fd = openSync(file, 'r');
  const buffer = Buffer.allocUnsafe(READ_CHUNK);
  const decoder = new StringDecoder('utf8');
  let rest = '';
  try {
    for (;;) {
      const n = readSync(fd, buffer, 0, READ_CHUNK, null);
      if (n === 0) break;
      const lines = (rest + decoder.write(buffer.subarray(0, n))).split('\n');
      rest = lines.pop()!;
      yield* lines;
    }
    rest += decoder.end();
    if (rest) yield rest;
  } finally {
    closeSync(fd);
  }
}

/** A stored row met in a scan: decoded only when asked. */
export interface ScannedRow {
  seq: number;
  partition: string;
  line: string;
  segment: Segment;
  /** Decodes a line of this row's segment. */
  decoder: (line: string) => StoredRecord;
  decode(): StoredRecord;
}

/** Segments whose sequence ranges overlap, transitively: each such group is merged, groups follow one another. */
function overlapGroups(segments: readonly Segment[]): Segment[][] {
  const sorted = [...segments].sort((a, b) => a.firstSeq + a.seqOffset - (b.firstSeq + b.seqOffset));
  const groups: Segment[][] = [];
  let end = -Infinity;
  for (const segment of sorted) {
    if (segment.firstSeq + segment.seqOffset > end) groups.push([segment]);
    else groups.at(-1)!.push(segment);
    end = Math.max(end, segment.lastSeq + segment.seqOffset);
  }
  return groups;
}

/**
 * The rows of `segments` in table order, decoded with `schema`; `from` skips that many rows
 * first (whole groups of segments without reading them where it can).
 */
export function* scan(
  segments: readonly Segment[],
  schema: readonly Field[],
  from = 0,
): Generator<ScannedRow> {
  const decoders = new Map<Segment, (line: string) => StoredRecord>();
  const decoderOf = (segment: Segment) => {
    let decoder = decoders.get(segment);
    if (!decoder) decoders.set(segment, (decoder = rowDecoder(segment.header, schema)));
    return decoder;
  };
  let skip = from;
  for (const group of overlapGroups(segments.filter((s) => s.rows > 0))) {
    const rows = group.reduce((sum, s) => sum + s.rows, 0);
    if (skip >= rows) {
      skip -= rows;
      continue;
    }
    for (const row of mergeGroup(group, decoderOf)) {
      if (skip > 0) {
        skip -= 1;
        continue;
      }
      yield row;
    }
  }
}

function* mergeGroup(
  group: Segment[],
  decoderOf: (segment: Segment) => (line: string) => StoredRecord,
): Generator<ScannedRow> {
  const made = (segment: Segment, line: string, seq: number): ScannedRow => {
    const decoder = decoderOf(segment);
    return { seq, partition: segment.partition, line, segment, decoder, decode: () => decoder(line) };
  };
  if (group.length === 1) {
    const segment = group[0]!;
    for (const line of fileLines(segment.file))
      yield made(segment, line, seqOfLine(line) + segment.seqOffset);
    return;
  }
  // A k-way merge on a binary heap of the segments' current lines.
  const cursors = group.map((segment) => ({ segment, lines: fileLines(segment.file), line: '', seq: 0 }));
  type Cursor = (typeof cursors)[number];
  const heap: Cursor[] = [];
  const advance = (cursor: Cursor) => {
    const next = cursor.lines.next();
    if (next.done) return false;
    cursor.line = next.value;
    cursor.seq = seqOfLine(next.value) + cursor.segment.seqOffset;
    return true;
  };
  const swap = (i: number, j: number) => ([heap[i], heap[j]] = [heap[j]!, heap[i]!]);
  const up = (i: number) => {
    while (i > 0 && heap[(i - 1) >> 1]!.seq > heap[i]!.seq) {
      swap(i, (i - 1) >> 1);
      i = (i - 1) >> 1;
    }
  };
  const down = (i: number) => {
    for (;;) {
      const [l, r] = [2 * i + 1, 2 * i + 2];
      let least = i;
      if (l < heap.length && heap[l]!.seq < heap[least]!.seq) least = l;
      if (r < heap.length && heap[r]!.seq < heap[least]!.seq) least = r;
      if (least === i) return;
      swap(i, least);
      i = least;
    }
  };
  try {
    for (const cursor of cursors)
      if (advance(cursor)) {
        heap.push(cursor);
        up(heap.length - 1);
      }
    while (heap.length) {
      const top = heap[0]!;
      yield made(top.segment, top.line, top.seq);
      if (!advance(top)) {
        heap[0] = heap.at(-1)!;
        heap.pop();
      }
      down(0);
    }
  } finally {
    for (const cursor of cursors) cursor.lines.return(undefined);
  }
}

/** The data of one table: its segments by partition, and the next sequence number. */
export class TableData {
  readonly #partitions = new Map<string, Segment[]>();
  #nextSeq = 0;
  #held = 0;

  /** Rows of this table an operation holds in memory right now (a MERGE holds its source's lines). */
  get residentRows(): number {
    return this.#held;
  }

  hold(rows: number): void {
    this.#held += rows;
  }

  release(rows: number): void {
    this.#held -= rows;
  }

  get nextSeq(): number {
    return this.#nextSeq;
  }

  partitionIds(): string[] {
    return [...this.#partitions.keys()];
  }

  /** Segments of every partition `keep` accepts (all when omitted). */
  segments(keep?: (partition: string) => boolean): Segment[] {
    const result: Segment[] = [];
    for (const [partition, segments] of this.#partitions)
      if (!keep || keep(partition)) result.push(...segments);
    return result;
  }

  count(partition?: string): number {
    return this.segments(partition === undefined ? undefined : (p) => p === partition).reduce(
      (sum, s) => sum + s.rows,
      0,
    );
  }

  /** Logical bytes of the columns `columns` accepts (all when omitted), of one partition or all. */
  bytes(options: { partition?: string; columns?: ReadonlySet<string> } = {}): number {
    let sum = 0;
    for (const segment of this.segments(
      options.partition === undefined ? undefined : (p) => p === options.partition,
    ))
      segment.header.forEach((name, i) => {
        if (!options.columns || options.columns.has(name)) sum += segment.bytes[i]!;
      });
    return sum;
  }

  /**
   * Commits a job: the partitions in `replaced` (every one for 'all') lose their segments, and
   * `added` join; `appended` segments numbered from 0 are placed after every row. Returns the
   * segments no longer used, for the store to delete.
   */
  commit(change: {
    replaced: Iterable<string> | 'all';
    added: Iterable<Segment>;
    appended?: boolean;
    nextSeq?: number;
  }): Segment[] {
    const dropped: Segment[] = [];
    const replaced = change.replaced === 'all' ? [...this.#partitions.keys()] : [...change.replaced];
    for (const partition of replaced) {
      dropped.push(...(this.#partitions.get(partition) ?? []));
      this.#partitions.delete(partition);
    }
    let appendedRows = 0;
    for (const segment of change.added) {
      if (segment.rows === 0) {
        dropped.push(segment);
        continue;
      }
      if (change.appended) {
        segment.seqOffset = this.#nextSeq;
        appendedRows = Math.max(appendedRows, segment.lastSeq + 1);
      }
      const list = this.#partitions.get(segment.partition);
      if (list) list.push(segment);
      else this.#partitions.set(segment.partition, [segment]);
    }
    this.#nextSeq = Math.max(this.#nextSeq + appendedRows, change.nextSeq ?? 0);
    return dropped;
  }

  /** Every segment, for the store to delete with the table. */
  clear(): Segment[] {
    const all = this.segments();
    this.#partitions.clear();
    return all;
  }
}
