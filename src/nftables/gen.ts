// The ruleset generation: NFTA_GEN_*, answered to GETGEN and sent as NEWGEN
// after every committed transaction.

import { AttrTable } from '../netlink/attr.js';
import { attrStart, type MessageView } from '../netlink/message.js';
import { NFTA_GEN_ID, NFTA_GEN_MAX, NFTA_GEN_PROC_NAME, NFTA_GEN_PROC_PID } from './constants.js';

export interface Generation {
  /** The full 32-bit generation id. */
  id: number;
  /** pid of the process whose request produced the message (GETGEN: the asker; events: the committer). */
  pid?: number;
  /** That process's name. */
  procName?: string;
}

export function decodeGen(m: MessageView): Generation {
  const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_GEN_MAX, ['gen']);
  const g: Generation = { id: a.u32(NFTA_GEN_ID, 'NFTA_GEN_ID') };
  if (a.has(NFTA_GEN_PROC_PID)) g.pid = a.u32(NFTA_GEN_PROC_PID, 'NFTA_GEN_PROC_PID');
  if (a.has(NFTA_GEN_PROC_NAME)) g.procName = a.str(NFTA_GEN_PROC_NAME, 'NFTA_GEN_PROC_NAME');
  return g;
}
