/**
 * The engine facade every face uses: `createEngine(topology)` composes the dataplane, the
 * netfilter hook (kube-proxy's rules) and the NetworkPolicy hook, and `traceFlow` walks on it.
 */

import { deriveDataplane } from './dataplane/derive';
import type { Topology } from './model/types';
import { topologyCaches } from './model/caches';
import { createNetfilterHook } from './netfilter/hook';
import { createPolicyHook } from './policy/hook';
import type { NetfilterHook, PolicyHook } from './trace/hooks';
import type { Engine } from './trace/flow';

export interface EngineOptions {
  readonly netfilter?: NetfilterHook;
  readonly policy?: PolicyHook;
}

export function createEngine(topology: Topology, options: EngineOptions = {}): Engine {
  // Created first, so every index the dataplane and the hooks build below lands in it.
  const caches = topologyCaches(topology);
  const dataplane = deriveDataplane(topology);
  return {
    caches,
    topology,
    dataplane,
    netfilter: options.netfilter ?? createNetfilterHook(topology),
    policy: options.policy ?? createPolicyHook(topology),
    // The dataplane's own index of pod addresses: 150,000 entries at 5,000 nodes, built once.
    podByIp: dataplane.podByIp,
  };
}

export type { Engine, TraceRequest, PlannedFlow } from './trace/flow';
export { traceFlow, tryTraceFlow } from './trace/flow';
export { parseEndpoint } from './trace/endpoint';
export { deriveDataplane, segmentOf } from './dataplane/derive';
export { cniDevices } from './cni/index';
export type { CniDevices } from './cni/descriptor';
export { netnsId, netnsLabel } from './dataplane/derive';
export type { NetnsRef } from './dataplane/types';
export { buildGraph, deviceAddresses, endpointPods, ids, type GraphOptions } from './views/graph';
export { buildTraceView, changedFields } from './views/traceView';
export { formatHeader, formatStep, hopWhere, renderTrace } from './render/trace';
export { dataplaneFindings, findingsAbout, nodesCrossed, withDataplaneDiagnostics } from './dataplane/diagnose';
export { compareDiagnostics, formatDiagnostic, hasErrors } from './diagnostics';
export type { Diagnostic, Result } from './diagnostics';
export { loadTopology } from './model/load';
export { analyseConnectivity } from './policy/connectivity';
export { diffConnectivity, formatDiff } from './policy/connectivityDiff';
export { buildPolicyIndex } from './policy/policyIndex';
export type { Protocol, Topology } from './model/types';
export { generatedCnis, generateLimits, generateTopology } from './generate/topology';
export type { GeneratedCni } from './generate/topology';
export { generateJson } from './generate/json';
export { clusterName, importJson, importTopology } from './import';
export { noIncludes } from './model/host';
export type { LoadHost, SourceFile } from './model/host';
export { restoreTables, showRecords, showTables, toJson } from './render/json';
export { defaultPrefix, planLab } from './lab/plan';
export type { LabCommand, LabFeature, LabPlan } from './lab/plan';
export { cniEnforcesPolicy, cniNat } from './cni/index';
export { isEmptySet, restrictSet } from './policy/connections';
export { formatConnectivity, FORMATS } from './policy/connectivityText';
export type { Format } from './policy/connectivityText';
export { computeReach } from './policy/reach';
export { formatTruthTable } from './policy/reachText';
export { cniRestore, cniSaveLines, nodePayloads } from './lab/rules';
export { renderAddrs } from './render/addrs';
export { renderBridges } from './render/bridges';
export { renderFdb } from './render/fdb';
export { renderLinks } from './render/links';
export { renderNeighbours } from './render/neigh';
export { renderRoutes } from './render/routes';
export { renderRules } from './render/rules';
export { diffSave } from './lab/saveDiff';
export type { SaveDifference } from './lab/saveDiff';
export { FIRST_SPORT, firstSourcePort, labCases, sourcePortsFrom } from './lab/cases';
export type { LabCase } from './lab/cases';
export { bestMatch } from './lab/compare';
export { observedOutcome, predictedOutcome, renderText, runVerdict, traceMatches, traceVerdict } from './lab/report';
export type { HopReport, TraceReport, Verdict } from './lab/report';
export { parseTcpdump } from './lab/tcpdump';
export type { CapturedPacket } from './lab/tcpdump';
export { assertNever } from './trace/types';
export type { Header, HeaderStack, Hop, Trace } from './trace/types';
export { diagnostic, pointAt } from './model/report';
export { serviceChains, servicePortName } from './proxy/names';
export type { Dataplane } from './dataplane/types';
export { createIncrementalLoader } from './model/incremental';
export type { IncrementalLoader } from './model/incremental';
export { codes } from './model/codes';
export type { GraphEdge, GraphKind, GraphModel, GraphNode, RuleView, StepTarget, StepView, TraceHopView, TraceView } from './views/types';
export { buildIpvs, findNode, renderIpsetList, renderIpvsadm, renderNftTransaction, renderRestore, renderSave, restoreChunks } from './proxy/index';
