import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import type { VerifiedPush } from '../functions/delivery-verifier.ts';
import { decodePushPayload } from '../functions/push-payload.ts';

/** One delivery waiting in the inbox. */
export interface InboxEntry {
  readonly sequence: number;
  readonly verified: VerifiedPush;
  /** The delivery was recorded in the state store as new: what is left is to run it. */
  readonly claimed: boolean;
}

/** `<sequence>-<delivery>[.claimed].json`; delivery ids are letters, digits and dashes. */
const ENTRY_NAME = /^(\d{12})-([A-Za-z0-9-]{1,128})(\.claimed)?\.json$/;
const SEQUENCE_DIGITS = 12;

/**
 * The deliveries `serve` accepted and has not finished with, one file each in a folder
 * (`.infrastream/inbox/`), so that a push answered 202 is never lost: not while the state
 * store is held by another process, nor when the process stops. A file is written whole and
 * flushed to disk before the delivery is answered, and renamed into place, so the folder never
 * holds half of one. Entries are taken in the order they arrived.
 */
export class DeliveryInbox {
  readonly #folder: string;
  readonly #entries: InboxEntry[];
  /** The deliveries in the folder or being written to it. */
  readonly #known: Set<string>;
  #nextSequence: number;

  private constructor(folder: string, entries: InboxEntry[]) {
    this.#folder = folder;
    this.#entries = entries;
    this.#known = new Set(entries.map((entry) => entry.verified.delivery));
    this.#nextSequence = (entries.at(-1)?.sequence ?? 0) + 1;
  }

  /**
   * Opens the inbox in `folder`, made when missing, with the deliveries a previous process left
   * in it. A file that cannot be read as an entry is renamed `*.unreadable` and named in
   * `unreadable`, for the operator to look at.
   */
  static async open(
    folder: string,
  ): Promise<{ readonly inbox: DeliveryInbox; readonly unreadable: readonly string[] }> {
    await mkdir(folder, { recursive: true });
    const entries: InboxEntry[] = [];
    const unreadable: string[] = [];
    for (const name of (await readdir(folder)).sort()) {
      // Left by a process stopped while writing: never answered, so GitHub shows it failed.
      if (name.startsWith('.tmp-')) {
        await unlink(join(folder, name));
        continue;
      }
      const parts = ENTRY_NAME.exec(name);
      if (parts === null) continue;
      const entry = await readEntry(join(folder, name), parts);
      if (entry === undefined) {
        await rename(join(folder, name), join(folder, `${name}.unreadable`));
        unreadable.push(join(folder, `${name}.unreadable`));
      } else {
        entries.push(entry);
      }
    }
    return { inbox: new DeliveryInbox(folder, entries), unreadable };
  }

  /** Whether the delivery is waiting here, or being written. */
  has(delivery: string): boolean {
    return this.#known.has(delivery);
  }

  /** How many deliveries wait. */
  get size(): number {
    return this.#entries.length;
  }

  /** The delivery that arrived first of those waiting. */
  oldest(): InboxEntry | undefined {
    return this.#entries[0];
  }

  /**
   * Keeps the delivery, on disk, before it resolves; `'duplicate'` when it is already here.
   * Rejects when it could not be written, leaving nothing behind.
   */
  async add(verified: VerifiedPush): Promise<'added' | 'duplicate'> {
    if (this.#known.has(verified.delivery)) return 'duplicate';
    this.#known.add(verified.delivery);
    const sequence = this.#nextSequence++;
    const name = entryName(sequence, verified.delivery, false);
    const temporary = join(this.#folder, `.tmp-${name}`);
    try {
      const file = await open(temporary, 'wx');
      try {
        await file.writeFile(JSON.stringify({ version: 1, ...verified }));
        await file.sync();
      } finally {
        await file.close();
      }
      await rename(temporary, join(this.#folder, name));
      await this.#syncFolder();
    } catch (error) {
      this.#known.delete(verified.delivery);
      await unlink(temporary).catch(() => undefined);
      throw error;
    }
    const entry: InboxEntry = { sequence, verified, claimed: false };
    // Two deliveries written at once may land out of order: each goes where its sequence says.
    const after = this.#entries.findIndex((waiting) => waiting.sequence > sequence);
    this.#entries.splice(after === -1 ? this.#entries.length : after, 0, entry);
    return 'added';
  }

  /** Notes on disk that the delivery was recorded in the state store as new. */
  async markClaimed(entry: InboxEntry): Promise<void> {
    const { sequence, verified } = entry;
    await rename(
      join(this.#folder, entryName(sequence, verified.delivery, false)),
      join(this.#folder, entryName(sequence, verified.delivery, true)),
    );
    await this.#syncFolder();
    this.#replace(entry, { ...entry, claimed: true });
  }

  /** Forgets a delivery that is done with. */
  async remove(entry: InboxEntry): Promise<void> {
    const current = this.#entries.find((waiting) => waiting.sequence === entry.sequence);
    if (current === undefined) return;
    await unlink(
      join(this.#folder, entryName(current.sequence, current.verified.delivery, current.claimed)),
    );
    await this.#syncFolder();
    this.#entries.splice(this.#entries.indexOf(current), 1);
    this.#known.delete(current.verified.delivery);
  }

  #replace(entry: InboxEntry, replacement: InboxEntry): void {
    const index = this.#entries.findIndex((waiting) => waiting.sequence === entry.sequence);
    if (index !== -1) this.#entries[index] = replacement;
  }

  /** A rename or an unlink lasts through a power loss only once the folder is flushed too. */
  async #syncFolder(): Promise<void> {
    const folder = await open(this.#folder, 'r');
    try {
      await folder.sync();
    } finally {
      await folder.close();
    }
  }
}

function entryName(sequence: number, delivery: string, claimed: boolean): string {
  const number = String(sequence).padStart(SEQUENCE_DIGITS, '0');
  return `${number}-${delivery}${claimed ? '.claimed' : ''}.json`;
}

/** The entry in a file named as {@link ENTRY_NAME} says, or undefined when it is not one. */
async function readEntry(path: string, name: RegExpExecArray): Promise<InboxEntry | undefined> {
  let stored: unknown;
  try {
    stored = JSON.parse(await readFile(path, 'utf8')) as unknown;
  } catch {
    return undefined;
  }
  const { version, delivery, push } = (stored ?? {}) as Record<string, unknown>;
  if (version !== 1 || typeof delivery !== 'string' || delivery !== name[2]) return undefined;
  const decoded = decodePushPayload(push);
  if (!decoded.ok) return undefined;
  return {
    sequence: Number(name[1]),
    verified: { delivery, push: decoded.message },
    claimed: name[3] !== undefined,
  };
}
