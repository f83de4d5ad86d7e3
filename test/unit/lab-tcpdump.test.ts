/**
 * The tcpdump reader on captured text (`tcpdump -e -vv -n`, as the lab runs it): VXLAN under
 * flannel's port (printed as OTV) and under 4789, ARP, a REJECT's ICMP error with its quoted
 * packet, an echo request and a UDP datagram.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { parseTcpdump } from '../../src/engine/lab/tcpdump';

const fixture = (name: string): string => readFileSync(path.resolve(__dirname, '../../../test/fixtures/lab', name), 'utf8');

test('a VXLAN frame on flannel port 8472 reads as eth, ipv4, udp, vxlan, eth, ipv4, tcp with the VNI from "instance"', () => {
  const [p] = parseTcpdump(fixture('vxlan-otv.txt'));
  assert.equal(p!.time, '02:14:07.512301');
  assert.deepEqual(p!.headers, [
    { layer: 'eth', src: '52:54:00:00:00:04', dst: '52:54:00:00:00:03', type: 'IPv4' },
    { layer: 'ipv4', src: '192.168.205.4', dst: '192.168.205.3', ttl: 64, proto: 'udp', length: 110, df: false, tos: 0 },
    { layer: 'udp', sport: 34171, dport: 8472, length: 90 },
    { layer: 'vxlan', vni: 1 },
    { layer: 'eth', src: 'da:9c:a4:98:1e:f3', dst: '4e:84:fa:17:43:c4', type: 'IPv4' },
    { layer: 'ipv4', src: '10.42.0.65', dst: '10.42.1.9', ttl: 63, proto: 'tcp', length: 60, df: true, tos: 0 },
    { layer: 'tcp', sport: 40001, dport: 8080, flags: 'S' },
  ]);
});

test('ARP requests and replies are their own packets, and the inner frame of a VXLAN packet is not read twice', () => {
  const packets = parseTcpdump(fixture('vxlan-otv.txt'));
  assert.equal(packets.length, 4);
  assert.deepEqual(packets[1]!.headers[1], { layer: 'arp', op: 'request', senderMac: '52:54:00:00:00:03', senderIp: '192.168.205.3', targetMac: '00:00:00:00:00:00', targetIp: '192.168.205.4' });
  assert.equal(packets[2]!.headers[1]!.layer, 'arp');
  assert.equal((packets[2]!.headers[1] as { op: string }).op, 'reply');
});

test('VXLAN on 4789 reads its vni, and a SYN-ACK keeps the flag letters tcpdump prints', () => {
  const p = parseTcpdump(fixture('vxlan-otv.txt'))[3]!;
  assert.deepEqual(p.headers.map((h) => h.layer), ['eth', 'ipv4', 'udp', 'vxlan', 'eth', 'ipv4', 'tcp']);
  assert.deepEqual(p.headers[3], { layer: 'vxlan', vni: 4096 });
  assert.deepEqual(p.headers[6], { layer: 'tcp', sport: 8080, dport: 40001, flags: 'S.' });
});

test("a REJECT's ICMP port unreachable: tos 0xc0, no DF, code 3, and its quoted packet is not taken for a packet", () => {
  const packets = parseTcpdump(fixture('reject.txt'));
  assert.equal(packets.length, 4, 'SYN, ICMP error, echo request, UDP');
  const icmp = packets[1]!.headers;
  assert.deepEqual(icmp[1], { layer: 'ipv4', src: '10.42.0.1', dst: '10.42.0.65', ttl: 64, proto: 'icmp', length: 88, df: false, tos: 0xc0 });
  assert.deepEqual(icmp[2], { layer: 'icmp', type: 'unreachable', code: 3 });
  assert.equal(icmp.length, 3);
});

test('an echo request keeps id and seq; a UDP datagram its length from the IP header', () => {
  const [, , echo, udp] = parseTcpdump(fixture('reject.txt'));
  assert.deepEqual(echo!.headers[2], { layer: 'icmp', type: 'echo request', code: 0, id: 7, seq: 1 });
  assert.deepEqual(udp!.headers[2], { layer: 'udp', sport: 40020, dport: 53, length: 10 });
});

test('lines that are not packets (tcpdump banners, blank lines) are skipped', () => {
  const text = `tcpdump: listening on eth0, link-type EN10MB (Ethernet), snapshot length 262144 bytes\n\n${fixture('reject.txt')}\n2 packets captured\n`;
  assert.equal(parseTcpdump(text).length, 4);
});
