// libnftnl's print of a rule as `nft --debug=netlink` shows it (header with
// handle and position). Kept apart from the listing code so the message
// printers can use it without import cycles.

import { formatRule, type Rule } from '../nftables/rule.js';

/**
 * libnftnl's rule print: `FAMILY TABLE CHAIN[ HANDLE][ POSITION]`, then one
 * `  [ … ]` line per expression (and userdata).
 */
export function formatRuleDebug(r: Rule): string {
  let head = `${r.family} ${r.table} ${r.chain}`;
  if (r.handle !== undefined) head += ` ${r.handle}`;
  if (r.position !== undefined) head += ` ${r.position}`;
  const body = formatRule(r, { handle: false }).split('\n').slice(1);
  return [head, ...body].join('\n');
}
