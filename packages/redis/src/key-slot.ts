/** Redis Cluster's slots: CRC16 (XMODEM) of the key's hash tag, or of the whole key, mod 16384. */
const CLUSTER_SLOTS = 16384;

const CRC16_TABLE = Array.from({ length: 256 }, (_, byte) => {
  let crc = byte << 8;
  for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? (crc << 1) ^ 0x1021 : crc << 1;
  return crc & 0xffff;
});

const OPEN_BRACE = 0x7b;
const CLOSE_BRACE = 0x7d;

/**
 * The slot of `key`. Only the part between the first `{` and the next `}` is hashed when that part
 * is not empty, which is how keys sharing a hash tag land in one slot.
 */
export function keySlot(key: string): number {
  const bytes = Buffer.from(key, 'utf8');
  let start = 0;
  let end = bytes.length;
  const open = bytes.indexOf(OPEN_BRACE);
  if (open !== -1) {
    const close = bytes.indexOf(CLOSE_BRACE, open + 1);
    if (close > open + 1) {
      start = open + 1;
      end = close;
    }
  }
  let crc = 0;
  for (let i = start; i < end; i++) {
    crc = ((crc << 8) & 0xffff) ^ (CRC16_TABLE[((crc >> 8) ^ (bytes[i] as number)) & 0xff] as number);
  }
  return crc % CLUSTER_SLOTS;
}
