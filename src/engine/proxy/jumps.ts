/**
 * The rules kube-proxy installs outside its restore payload (iptablesJumpChains in proxier.go),
 * linking the kernel's base chains to its own. It adds each with `iptables -I` (prepend) in list
 * order, so a base chain ends up holding them in reverse; kubelet has already appended its
 * KUBE-FIREWALL jumps by then, so those stay last.
 */

export interface JumpRule {
  readonly table: 'filter' | 'nat';
  readonly chain: string;
  /** `-A CHAIN …` in kube-proxy's argument order. */
  readonly rule: string;
}

interface Jump {
  readonly table: 'filter' | 'nat';
  readonly target: string;
  readonly chain: string;
  readonly comment: string;
  readonly ctNew: boolean;
}

const proxyJumps: readonly Jump[] = [
  { table: 'filter', target: 'KUBE-EXTERNAL-SERVICES', chain: 'INPUT', comment: 'kubernetes externally-visible service portals', ctNew: true },
  { table: 'filter', target: 'KUBE-EXTERNAL-SERVICES', chain: 'FORWARD', comment: 'kubernetes externally-visible service portals', ctNew: true },
  { table: 'filter', target: 'KUBE-NODEPORTS', chain: 'INPUT', comment: 'kubernetes health check service ports', ctNew: false },
  { table: 'filter', target: 'KUBE-SERVICES', chain: 'FORWARD', comment: 'kubernetes service portals', ctNew: true },
  { table: 'filter', target: 'KUBE-SERVICES', chain: 'OUTPUT', comment: 'kubernetes service portals', ctNew: true },
  { table: 'filter', target: 'KUBE-FORWARD', chain: 'FORWARD', comment: 'kubernetes forwarding rules', ctNew: false },
  { table: 'filter', target: 'KUBE-PROXY-FIREWALL', chain: 'INPUT', comment: 'kubernetes load balancer firewall', ctNew: true },
  { table: 'filter', target: 'KUBE-PROXY-FIREWALL', chain: 'OUTPUT', comment: 'kubernetes load balancer firewall', ctNew: true },
  { table: 'filter', target: 'KUBE-PROXY-FIREWALL', chain: 'FORWARD', comment: 'kubernetes load balancer firewall', ctNew: true },
  { table: 'nat', target: 'KUBE-SERVICES', chain: 'OUTPUT', comment: 'kubernetes service portals', ctNew: false },
  { table: 'nat', target: 'KUBE-SERVICES', chain: 'PREROUTING', comment: 'kubernetes service portals', ctNew: false },
  { table: 'nat', target: 'KUBE-POSTROUTING', chain: 'POSTROUTING', comment: 'kubernetes postrouting rules', ctNew: false },
];

/** ipvs mode's list (pkg/proxy/ipvs/proxier.go iptablesJumpChain), same prepend behaviour. */
const ipvsJumps: readonly Jump[] = [
  { table: 'nat', target: 'KUBE-SERVICES', chain: 'OUTPUT', comment: 'kubernetes service portals', ctNew: false },
  { table: 'nat', target: 'KUBE-SERVICES', chain: 'PREROUTING', comment: 'kubernetes service portals', ctNew: false },
  { table: 'nat', target: 'KUBE-POSTROUTING', chain: 'POSTROUTING', comment: 'kubernetes postrouting rules', ctNew: false },
  { table: 'filter', target: 'KUBE-FORWARD', chain: 'FORWARD', comment: 'kubernetes forwarding rules', ctNew: false },
  { table: 'filter', target: 'KUBE-NODE-PORT', chain: 'INPUT', comment: 'kubernetes health check rules', ctNew: false },
  { table: 'filter', target: 'KUBE-PROXY-FIREWALL', chain: 'INPUT', comment: 'kube-proxy firewall rules', ctNew: false },
  { table: 'filter', target: 'KUBE-PROXY-FIREWALL', chain: 'FORWARD', comment: 'kube-proxy firewall rules', ctNew: false },
  { table: 'filter', target: 'KUBE-IPVS-FILTER', chain: 'INPUT', comment: 'kubernetes ipvs access filter', ctNew: false },
  { table: 'filter', target: 'KUBE-IPVS-OUT-FILTER', chain: 'OUTPUT', comment: 'kubernetes ipvs access filter', ctNew: false },
];

function ruleOf(j: Jump): string {
  return `-A ${j.chain} ${j.ctNew ? '-m conntrack --ctstate NEW ' : ''}-m comment --comment "${j.comment}" -j ${j.target}`;
}

/** Base-chain rules in the order the kernel holds them; none in nftables mode, whose base chains are its own. */
export function jumpRules(mode: 'iptables' | 'ipvs' | 'nftables', kubeletFirewall: boolean): JumpRule[] {
  if (mode === 'nftables') return [];
  const list = mode === 'ipvs' ? ipvsJumps : proxyJumps;
  const out: JumpRule[] = [];
  for (const j of [...list].reverse()) out.push({ table: j.table, chain: j.chain, rule: ruleOf(j) });
  if (kubeletFirewall) {
    out.push({ table: 'filter', chain: 'INPUT', rule: '-A INPUT -j KUBE-FIREWALL' });
    out.push({ table: 'filter', chain: 'OUTPUT', rule: '-A OUTPUT -j KUBE-FIREWALL' });
  }
  return out;
}
