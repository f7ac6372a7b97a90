// Nftables: the client. Opens a socket (optionally in another network
// namespace), reads the ruleset, and starts transactions.

import { setTimeout as sleep } from 'node:timers/promises';
import { NftlinkError } from '../errors.js';
import { AttrWriter } from '../netlink/attr.js';
import { NLM_F_DUMP, NLM_F_REQUEST } from '../netlink/constants.js';
import { NetlinkError, readNfGen, type MessageView } from '../netlink/message.js';
import { DumpInterruptedError, NetlinkSocket, type WireTracer } from '../netlink/socket.js';
import { decodeChain, type Chain } from '../nftables/chain.js';
import {
  familyNumber,
  NFT_MSG_GETCHAIN,
  NFT_MSG_GETTABLE,
  NFT_MSG_NEWGEN,
  NFTA_CHAIN_NAME,
  NFTA_CHAIN_TABLE,
  NFTA_TABLE_NAME,
  nftMsg,
  nftType,
  type Family,
} from '../nftables/constants.js';
import { decodeGen, type Generation } from '../nftables/gen.js';
import { decodeTable, type Table } from '../nftables/table.js';
import { encodeGetGen } from './commit.js';
import { Transaction, type TransactionOptions } from './transaction.js';

export interface NftablesOptions {
  /** Network namespace file to work in (/var/run/netns/NAME or /proc/PID/ns/net). Default: this process's. */
  netns?: string;
  /**
   * Print every message sent and received in libnftnl's debug format (as
   * `nft --debug=netlink` does): true for stderr, or a function taking each
   * line. Also turned on by NFTLINK_DEBUG=netlink.
   */
  debug?: boolean | ((line: string) => void);
}

/** What exists in the kernel, read as one consistent snapshot. */
export interface Ruleset {
  /** The generation the snapshot was taken at. */
  generation: number;
  tables: Table[];
  chains: Chain[];
}

export interface ListOptions {
  family?: Family;
}

/** A single GET found nothing. */
export class NotFoundError extends NftlinkError {
  readonly errno = 2;
  constructor(what: string) {
    super('ENOENT', `${what} does not exist`);
  }
}

/** Snapshot reads retry this often when the ruleset keeps changing under them. */
const SNAPSHOT_ATTEMPTS = 20;
const SNAPSHOT_MAX_BACKOFF_MS = 100;

export class Nftables {
  readonly sock: NetlinkSocket;
  readonly netns: string | undefined;
  private closed = false;

  private constructor(sock: NetlinkSocket, netns: string | undefined) {
    this.sock = sock;
    this.netns = netns;
  }

  static async open(opts: NftablesOptions = {}): Promise<Nftables> {
    const sock = NetlinkSocket.open(opts.netns ? { netns: opts.netns } : {});
    const nft = new Nftables(sock, opts.netns);
    const debug = opts.debug ?? (process.env['NFTLINK_DEBUG']?.split(',').includes('netlink') ? true : undefined);
    if (debug) nft.sock.tracer = await makeTracer(debug === true ? (l) => process.stderr.write(l + '\n') : debug);
    return nft;
  }

  /** The socket's netlink port id (what events and table owners name). */
  get portId(): number {
    return this.sock.portId;
  }

  /** Starts a transaction; nothing is sent until commit() or check(). */
  transaction(opts: TransactionOptions = {}): Transaction {
    this.checkOpen();
    return new Transaction({
      socket: () => this.sock,
      chainHandle: async (ref) => {
        const c = await this.getChain(ref);
        if (c.handle === undefined) throw new NotFoundError(`chain ${ref.family} ${ref.table} ${ref.name} (no handle)`);
        return c.handle;
      },
    }, opts);
  }

  /** The current ruleset generation, and who made it. */
  async getGeneration(): Promise<Generation> {
    this.checkOpen();
    const seq = this.sock.allocSeq();
    const { reply, error } = await this.sock.request(encodeGetGen(seq), seq);
    if (error && error.errno) throw new NetlinkError(error, 'GETGEN');
    if (!reply || nftMsg(reply.type) !== NFT_MSG_NEWGEN) throw new NftlinkError('ERR_NFTLINK_PROTOCOL', 'GETGEN: no NEWGEN reply');
    return decodeGen(reply);
  }

  // --- tables -----------------------------------------------------------------

  async listTables(opts: ListOptions = {}): Promise<Table[]> {
    const out: Table[] = [];
    await this.dump(NFT_MSG_GETTABLE, opts.family, undefined, (m) => out.push(decodeTable(m)));
    return out;
  }

  async getTable(ref: { family: Family; name: string }): Promise<Table> {
    const m = await this.get(NFT_MSG_GETTABLE, ref.family, (w) => w.str(NFTA_TABLE_NAME, ref.name), `table ${ref.family} ${ref.name}`);
    return decodeTable(m);
  }

  // --- chains -----------------------------------------------------------------

  /** Lists chains, of one table when `table` is given (the kernel filters). */
  async listChains(opts: ListOptions & { table?: string } = {}): Promise<Chain[]> {
    const out: Chain[] = [];
    await this.dump(NFT_MSG_GETCHAIN, opts.family, opts.table !== undefined ? (w) => w.str(NFTA_CHAIN_TABLE, opts.table!) : undefined,
      (m) => out.push(decodeChain(m)));
    return out;
  }

  async getChain(ref: { family: Family; table: string; name: string }): Promise<Chain> {
    const m = await this.get(NFT_MSG_GETCHAIN, ref.family, (w) => {
      w.str(NFTA_CHAIN_TABLE, ref.table);
      w.str(NFTA_CHAIN_NAME, ref.name);
    }, `chain ${ref.family} ${ref.table} ${ref.name}`);
    return decodeChain(m);
  }

  // --- the whole ruleset --------------------------------------------------------

  /**
   * Everything, as one consistent snapshot: the generation is read before and
   * after, every dumped message must carry it, and the whole read is retried
   * when the ruleset changed meanwhile (or a dump was interrupted).
   */
  async listRuleset(opts: ListOptions = {}): Promise<Ruleset> {
    return this.snapshot(async (gen) => {
      const tables: Table[] = [];
      const chains: Chain[] = [];
      await this.dump(NFT_MSG_GETTABLE, opts.family, undefined, (m) => tables.push(decodeTable(m)), gen);
      await this.dump(NFT_MSG_GETCHAIN, opts.family, undefined, (m) => chains.push(decodeChain(m)), gen);
      return { generation: gen, tables, chains };
    });
  }

  /**
   * Runs `read` until it sees one generation throughout. `read` gets the
   * generation and must pass it to its dumps, which then fail fast on a change.
   */
  async snapshot<T>(read: (generation: number) => Promise<T>): Promise<T> {
    for (let attempt = 0; attempt < SNAPSHOT_ATTEMPTS; attempt++) {
      // A writer that commits faster than a read completes would otherwise
      // starve the reader: back off a random, growing while between attempts.
      if (attempt > 0) await sleep(Math.random() * Math.min(2 ** attempt, SNAPSHOT_MAX_BACKOFF_MS));
      const g1 = (await this.getGeneration()).id;
      let result: T;
      try {
        result = await read(g1);
      } catch (e) {
        if (e instanceof DumpInterruptedError || e instanceof GenerationChangedError) continue;
        throw e;
      }
      const g2 = (await this.getGeneration()).id;
      if (g1 === g2) return result;
    }
    throw new NftlinkError('ERR_NFTLINK_SNAPSHOT', `the ruleset kept changing: no consistent snapshot after ${SNAPSHOT_ATTEMPTS} attempts`);
  }

  /**
   * Dumps one kind of object. With `generation`, a message from another
   * generation aborts the dump (GenerationChangedError) so a snapshot can retry.
   */
  async dump(
    msg: number,
    family: Family | undefined,
    attrs: ((w: AttrWriter) => void) | undefined,
    onMessage: (m: MessageView) => void,
    generation?: number,
  ): Promise<void> {
    this.checkOpen();
    const seq = this.sock.allocSeq();
    const w = new AttrWriter(256);
    const s = w.beginMessage(nftType(msg), NLM_F_REQUEST | NLM_F_DUMP, seq, family ? familyNumber(family) : 0);
    attrs?.(w);
    w.endMessage(s);
    const low = generation === undefined ? -1 : generation & 0xffff;
    let stale = false;
    await this.sock.dump(w.finish(), seq, (m) => {
      if (stale) return;
      if (low >= 0 && readNfGen(m).resId !== low) {
        stale = true;
        return;
      }
      onMessage(m);
    });
    if (stale) throw new GenerationChangedError();
  }

  /** A single-object GET; throws NotFoundError for ENOENT. */
  async get(msg: number, family: Family, attrs: (w: AttrWriter) => void, what: string): Promise<MessageView> {
    this.checkOpen();
    const seq = this.sock.allocSeq();
    const w = new AttrWriter(256);
    const s = w.beginMessage(nftType(msg), NLM_F_REQUEST, seq, familyNumber(family));
    attrs(w);
    w.endMessage(s);
    const { reply, error } = await this.sock.request(w.finish(), seq);
    if (error && error.errno === 2) throw new NotFoundError(what);
    if (error && error.errno) throw new NetlinkError(error, `get ${what}`);
    if (!reply) throw new NftlinkError('ERR_NFTLINK_PROTOCOL', `get ${what}: no reply`);
    return reply;
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    // Let whatever is in flight on the socket finish first.
    await this.sock.exclusive(async () => undefined).catch(() => undefined);
    this.sock.close();
  }

  async [Symbol.asyncDispose](): Promise<void> {
    await this.close();
  }

  private checkOpen(): void {
    if (this.closed) throw new NftlinkError('ERR_NFTLINK_CLOSED', 'this Nftables client is closed');
  }
}

/** A dump saw a generation other than the snapshot's. */
export class GenerationChangedError extends NftlinkError {
  constructor() {
    super('ERR_NFTLINK_GENERATION_CHANGED', 'the ruleset changed during the read');
  }
}

async function makeTracer(out: (line: string) => void): Promise<WireTracer> {
  const { formatWireMessage } = await import('../format/wire.js');
  return (direction, m) => out(formatWireMessage(direction, m));
}
