// libnftnl 1.2.x debug prints of stateful objects and flowtables (what
// `nft --debug=netlink` shows for them):
//   table T name N use U [ counter pkts P bytes B ]
//   flow table T N use U size 0 flags F hook prerouting prio P  dev {  lo  }

import { AttrTable } from '../netlink/attr.js';
import { attrStart, type MessageView } from '../netlink/message.js';
import { NFTA_OBJ_HANDLE, NFTA_OBJ_MAX, NFTA_OBJ_NAME, NFTA_OBJ_TABLE, NFTA_OBJ_TYPE, NFTA_OBJ_USE } from '../nftables/constants.js';
import { resolvePriority } from '../nftables/chain.js';
import { flowtableFlagBits, type Flowtable } from '../nftables/flowtable.js';
import {
  decodeObject,
  l3ProtoNumber,
  l4ProtoNumber,
  objectTypeName,
  timeoutPolicyAttrs,
  type NftObject,
  type ObjectType,
} from '../nftables/object.js';

/** libnftnl's names of the object types (obj_ops.name); connlimit has none there. */
const LIBNFTNL_NAMES: Record<ObjectType, string> = {
  counter: 'counter',
  quota: 'quota',
  'ct-helper': 'ct_helper',
  limit: 'limit',
  connlimit: 'connlimit',
  tunnel: 'tunnel',
  'ct-timeout': 'ct_timeout',
  secmark: 'secmark',
  'ct-expectation': 'ct_expect',
  synproxy: 'synproxy',
};

// libnftnl prints a ct timeout's states in its own upper-case names, and only
// those that differ from its own defaults (which say 180 s for udp `replied`,
// where nft 1.0.6 sends 120).
const LIBNFTNL_TIMEOUT_STATES: Record<number, { names: string[]; defaults: number[] }> = {
  6: {
    names: ['SYN_SENT', 'SYN_RECV', 'ESTABLISHED', 'FIN_WAIT', 'CLOSE_WAIT', 'LAST_ACK', 'TIME_WAIT', 'CLOSE', 'SYN_SENT2', 'RETRANS', 'UNACKNOWLEDGED'],
    defaults: [120, 60, 432000, 120, 60, 30, 120, 10, 120, 300, 300],
  },
  17: { names: ['UNREPLIED', 'REPLIED'], defaults: [30, 180] },
};

function u64(v: number | bigint | undefined): string {
  return String(v ?? 0);
}

/** The type-specific text between `[ name ` and `]`. */
export function formatObjectData(o: NftObject): string {
  switch (o.type) {
    case 'counter':
      return `pkts ${u64(o.packets)} bytes ${u64(o.bytes)} `;
    case 'quota':
      return `bytes ${u64(o.bytes)} flags ${(o.over ? 1 : 0) | (o.depleted ? 2 : 0) | (o.unknownFlags ?? 0)} `;
    case 'limit': {
      const per = typeof o.per === 'number' ? o.per : { second: 1, minute: 60, hour: 3600, day: 86400, week: 604800 }[o.per];
      const type = o.unit === undefined || o.unit === 'packets' ? 0 : o.unit === 'bytes' ? 1 : o.unit;
      const burst = o.burst ?? (type === 0 ? 5 : 0);
      return `rate ${u64(o.rate)} unit ${per} burst ${burst} type ${type} flags ${(o.over ? 1 : 0) | (o.unknownFlags ?? 0)} `;
    }
    case 'connlimit':
      return `count ${o.count} flags ${((o.over ? 1 : 0) | (o.unknownFlags ?? 0)).toString(16)} `;
    case 'ct-helper':
      return `name ${o.helper} family ${o.l3proto === undefined ? 0 : l3ProtoNumber(o.l3proto)} protocol ${l4ProtoNumber(o.protocol)} `;
    case 'ct-timeout': {
      const l4 = l4ProtoNumber(o.protocol) ?? 0;
      let s = '';
      if (o.l3proto !== undefined) s += `family ${l3ProtoNumber(o.l3proto)} `;
      s += `protocol ${l4} policy = {`;
      const lib = LIBNFTNL_TIMEOUT_STATES[l4];
      if (lib) {
        const values = new Map(timeoutPolicyAttrs(l4, o.policy));
        lib.names.forEach((name, i) => {
          const v = values.get(i + 1) ?? 0;
          if (v !== lib.defaults[i]) s += `${name} = ${v},`;
        });
      }
      return s + '}';
    }
    case 'ct-expectation': {
      let s = '';
      if (o.l3proto !== undefined) s += `family ${l3ProtoNumber(o.l3proto)} `;
      return s + `protocol ${l4ProtoNumber(o.protocol)} dport ${o.dport} timeout ${o.timeout | 0} size ${o.size} `;
    }
    case 'secmark':
      return `context ${o.context} `;
    case 'synproxy':
      // libnftnl prints both values or neither.
      return o.mss !== undefined && o.wscale !== undefined ? `mss ${o.mss} wscale ${o.wscale} ` : '';
    case 'tunnel':
      return `id ${o.id} `;
    case 'unknown':
      return '';
  }
}

function libName(o: NftObject): string {
  if (o.type !== 'unknown') return LIBNFTNL_NAMES[o.type];
  const t = objectTypeName(o.typeId);
  return t ? LIBNFTNL_NAMES[t] : '(unknown)';
}

/** libnftnl: `table T name N use U [ TYPE DATA]`. */
export function formatObject(o: NftObject): string {
  return `table ${o.table} name ${o.name} use ${o.use ?? 0} [ ${libName(o)} ${formatObjectData(o)}]`;
}

/** A NEWOBJ/DELOBJ message; requests that name an object by handle print what they carry. */
export function formatObjectMessage(m: MessageView): string {
  try {
    return formatObject(decodeObject(m));
  } catch {
    const a = new AttrTable(m.buf, attrStart(m), m.end, NFTA_OBJ_MAX, ['obj']);
    const table = a.has(NFTA_OBJ_TABLE) ? a.str(NFTA_OBJ_TABLE, 'NFTA_OBJ_TABLE') : '(null)';
    const name = a.has(NFTA_OBJ_NAME) ? a.str(NFTA_OBJ_NAME, 'NFTA_OBJ_NAME') : a.has(NFTA_OBJ_HANDLE) ? `handle ${a.u64(NFTA_OBJ_HANDLE, 'NFTA_OBJ_HANDLE')}` : '(null)';
    const use = a.has(NFTA_OBJ_USE) ? a.u32(NFTA_OBJ_USE, 'NFTA_OBJ_USE') : 0;
    const typeId = a.has(NFTA_OBJ_TYPE) ? a.u32(NFTA_OBJ_TYPE, 'NFTA_OBJ_TYPE') : 0;
    const t = objectTypeName(typeId);
    return `table ${table} name ${name} use ${use} [ ${t ? LIBNFTNL_NAMES[t] : '(unknown)'} ]`;
  }
}

/** libnftnl's hook names by family (nftnl_hooknum2str): a flowtable's hook 0 prints as `prerouting` outside netdev. */
function flowtableHookName(f: Flowtable): string {
  const num = f.hook === undefined || f.hook === 'ingress' ? 0 : f.hook;
  const byFamily: Record<string, string[]> = {
    ip: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
    ip6: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
    inet: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
    bridge: ['prerouting', 'input', 'forward', 'output', 'postrouting'],
    arp: ['input', 'output', 'forward'],
    netdev: ['ingress'],
  };
  return byFamily[f.family]?.[num] ?? 'unknown';
}

/** libnftnl: `flow table T N use U size 0 flags F[ hook H prio P [ dev {  D  } ]]`. */
export function formatFlowtable(f: Flowtable): string {
  let s = `flow table ${f.table} ${f.name} use ${f.use ?? 0} size 0 flags ${flowtableFlagBits(f.flags, f.unknownFlags).toString(16)}`;
  if (f.hook !== undefined || f.priority !== undefined) {
    const prio = f.priority === undefined ? 0 : resolvePriority(f.family, f.priority) ?? 0;
    s += ` hook ${flowtableHookName(f)} prio ${prio} `;
    if (f.devices !== undefined) s += ` dev { ${f.devices.map((d) => ` ${d} `).join('')} } `;
  }
  return s;
}
