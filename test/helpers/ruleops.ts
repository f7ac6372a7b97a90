// Test-only rule operations, standing in for Transaction.addRule/deleteRule
// until the rules work lands on main: they write NEWRULE/DELRULE with the
// rule codec, so tests can commit expressions to the kernel through the real
// batch, commit and error-mapping path.

import { NLM_F_APPEND, NLM_F_CREATE } from '../../src/netlink/constants.js';
import { NFT_MSG_DELRULE, NFT_MSG_NEWRULE } from '../../src/nftables/constants.js';
import { encodeRule, NFTA_RULE_CHAIN, NFTA_RULE_HANDLE, NFTA_RULE_TABLE, type Rule } from '../../src/nftables/rule.js';
import { validateExprs } from '../../src/nftables/expr/index.js';
import type { BatchBuilder } from '../../src/client/batch.js';
import { echoFlag, labelOf, Op } from '../../src/client/operation.js';
import type { Transaction } from '../../src/client/transaction.js';

class TestAddRuleOp extends Op<Rule> {
  constructor(r: Rule) {
    const label = labelOf('addRule', r.family, r.table, r.chain);
    validateExprs(r.exprs, 'exprs', label);
    super('addRule', r, label);
  }
  encode(b: BatchBuilder, echo: boolean): void {
    const rec = b.message(NFT_MSG_NEWRULE, NLM_F_CREATE | NLM_F_APPEND | echoFlag(echo), this.object.family);
    const { handle: _h, position: _p, ...r } = this.object;
    encodeRule(b.w, r);
    b.close(rec);
  }
}

class TestDeleteRuleOp extends Op<{ family: Rule['family']; table: string; chain: string; handle: number }> {
  constructor(r: { family: Rule['family']; table: string; chain: string; handle: number }) {
    super('deleteRule', r, labelOf('deleteRule', r.family, r.table, r.chain, r.handle));
  }
  override echoes(): number {
    return 0;
  }
  encode(b: BatchBuilder): void {
    const rec = b.message(NFT_MSG_DELRULE, 0, this.object.family);
    b.w.str(NFTA_RULE_TABLE, this.object.table);
    b.w.str(NFTA_RULE_CHAIN, this.object.chain);
    b.w.u64(NFTA_RULE_HANDLE, this.object.handle);
    b.close(rec);
  }
}

export function addRule(tx: Transaction, r: Rule): Op<Rule> {
  return tx.push(() => new TestAddRuleOp(r));
}

export function deleteRule(tx: Transaction, r: { family: Rule['family']; table: string; chain: string; handle: number }): Op {
  return tx.push(() => new TestDeleteRuleOp(r));
}
