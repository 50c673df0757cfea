import { gzipSync } from 'node:zlib';
import { Header, type HeaderData } from 'tar';

/** One entry of a hand-made archive: its header as written, and its content. */
export interface HandMadeEntry {
  readonly header: Omit<HeaderData, 'size'>;
  readonly content?: Uint8Array | string;
}

const BLOCK = 512;

/**
 * A gzipped tar written header by header, without the checks a packer makes: paths that
 * leave the archive, links and devices are written exactly as given.
 */
export function handMadeTarGz(entries: readonly HandMadeEntry[]): Uint8Array {
  const blocks: Buffer[] = [];
  for (const { header, content = '' } of entries) {
    const bytes = Buffer.from(content);
    const encoded = new Header({ mode: 0o644, mtime: new Date(0), ...header, size: bytes.length });
    if (encoded.encode() || encoded.block === undefined) {
      throw new Error(`hand-made tar: ${String(header.path)} needs a pax header`);
    }
    blocks.push(encoded.block, bytes, Buffer.alloc((BLOCK - (bytes.length % BLOCK)) % BLOCK));
  }
  // Two empty blocks end a tar.
  blocks.push(Buffer.alloc(2 * BLOCK));
  return new Uint8Array(gzipSync(Buffer.concat(blocks)));
}
