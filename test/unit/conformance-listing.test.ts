// The conformance runner's listing comparison: exact, line by line, except
// that the elements of one set may come in any order (hash sets dump in
// bucket order, with a random seed per set).

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { canonicalListing, chainBlock, sameListing } from '../conformance/listing.js';

const listing = [
  'ip t @__set0',
  '\telement 00000002  : 0 [end]',
  '\telement 00000040  : 0 [end]',
  'ip t @s',
  '\telement 01000000  : 0 [end]',
  'ip t c 3',
  '  [ ct load state => reg 1 ]',
  '  [ lookup reg 1 set __set0 0x0 ]',
];

test('elements of one set compare in any order', () => {
  const shuffled = [listing[0]!, listing[2]!, listing[1]!, ...listing.slice(3)];
  assert.ok(sameListing(listing, shuffled));
  assert.deepEqual(canonicalListing(shuffled), canonicalListing(listing));
});

test('everything else is compared exactly and in order', () => {
  const cases: string[][] = [
    // An element moved to another set.
    [listing[0]!, listing[1]!, listing[3]!, listing[2]!, ...listing.slice(4)],
    // Expressions swapped.
    [...listing.slice(0, 6), listing[7]!, listing[6]!],
    // One space more.
    [...listing.slice(0, 7), '  [ lookup reg 1 set __set0 0x0 ] '],
    // A missing element, a missing line, an extra line.
    listing.filter((_, i) => i !== 2),
    listing.slice(0, -1),
    [...listing, '  [ counter pkts 0 bytes 0 ]'],
    // Sets in another order.
    [...listing.slice(3, 5), ...listing.slice(0, 3), ...listing.slice(5)],
    // Different handle.
    [...listing.slice(0, 5), 'ip t c 4', ...listing.slice(6)],
  ];
  for (const c of cases) assert.equal(sameListing(listing, c), false, c.join('\n'));
});

test('chainBlock cuts one chain of one table out of `nft list ruleset`', () => {
  const ruleset = [
    'table ip a {', '\tchain c {', '\t\ttype filter hook input priority filter; policy accept;', '\t\tcounter packets 0 bytes 0', '\t}', '}',
    'table ip b {', '\tset s {', '\t\ttype ipv4_addr', '\t}', '', '\tchain d {', '\t}', '', '\tchain c {', '\t\tip saddr @s accept', '\t}', '}',
    'table ip6 b {', '\tchain c {', '\t\tdrop', '\t}', '}', '',
  ].join('\n');
  assert.equal(chainBlock(ruleset, 'ip', 'b', 'c'), '\tchain c {\n\t\tip saddr @s accept\n\t}');
  assert.equal(chainBlock(ruleset, 'ip6', 'b', 'c'), '\tchain c {\n\t\tdrop\n\t}');
  assert.equal(chainBlock(ruleset, 'ip', 'a', 'c'), '\tchain c {\n\t\ttype filter hook input priority filter; policy accept;\n\t\tcounter packets 0 bytes 0\n\t}');
  assert.equal(chainBlock(ruleset, 'ip', 'a', 'd'), undefined);
  assert.equal(chainBlock(ruleset, 'inet', 'b', 'c'), undefined);
});
