/**
 * CRC32C (Castagnoli), computed incrementally, encoded as Cloud Storage encodes it: base64 of the
 * big-endian uint32.
 *
 * The client library's own `CRC32C` class walks one byte at a time (about 90 MB/s here); this
 * slicing-by-8 table version is about ten times faster, which keeps the fake out of the way of
 * throughput measurements on a 2-core machine. The tests check it against the client's class.
 */
const POLYNOMIAL = 0x82f63b78; // reflected Castagnoli polynomial
const TABLE = buildTable();

function buildTable(): Int32Array {
  const table = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? (c >>> 1) ^ POLYNOMIAL : c >>> 1;
    table[n] = c;
  }
  for (let slice = 1; slice < 8; slice++) {
    for (let n = 0; n < 256; n++) {
      const previous = table[(slice - 1) * 256 + n]!;
      table[slice * 256 + n] = (previous >>> 8) ^ table[previous & 0xff]!;
    }
  }
  return table;
}

export class Crc32c {
  #crc = 0;

  update(bytes: Uint8Array): void {
    const t = TABLE;
    let crc = ~this.#crc;
    let i = 0;
    const end8 = bytes.length - (bytes.length % 8);
    for (; i < end8; i += 8) {
      const word = (bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24)) ^ crc;
      crc =
        t[1792 + (word & 0xff)]! ^
        t[1536 + ((word >>> 8) & 0xff)]! ^
        t[1280 + ((word >>> 16) & 0xff)]! ^
        t[1024 + (word >>> 24)]! ^
        t[768 + bytes[i + 4]!]! ^
        t[512 + bytes[i + 5]!]! ^
        t[256 + bytes[i + 6]!]! ^
        t[bytes[i + 7]!]!;
    }
    for (; i < bytes.length; i++) crc = t[(crc ^ bytes[i]!) & 0xff]! ^ (crc >>> 8);
    this.#crc = ~crc;
  }

  /** Base64 of the big-endian value, as in the `crc32c` field and the `x-goog-hash` header. */
  toBase64(): string {
    const out = Buffer.alloc(4);
    out.writeInt32BE(this.#crc);
    return out.toString('base64');
  }
}
