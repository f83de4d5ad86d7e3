// The topology graph of a 500-node, 5,000-pod cluster in a real browser (Debian's Chromium via
// playwright-core): time from the host's `graph` message to the laid-out graph, aggregated (the
// default: pods collapsed to a count per node) and fully expanded; then a trace message.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
if (!existsSync('/usr/bin/chromium')) {
  console.log('graph: skipped, no /usr/bin/chromium (scripts/e2e-setup.sh installs it)');
  process.exit(0);
}
const { chromium } = require('playwright-core');
const { loadTopology } = require('../../out/src/engine/model/load.js');
const { buildGraph } = require('../../out/src/extension/graph.js');

const text = execFileSync('node', ['dist/cli.js', 'generate', '--nodes', '500', '--pods-per-node', '10', '--services', '200', '--endpoints-per-service', '5'], { encoding: 'utf8', maxBuffer: 1 << 28 });
const topology = loadTopology({ path: 'generated.yaml', text }, { expandInclude: () => [], readFile: () => undefined }).value;
const graphs = {
  aggregated: buildGraph(topology, { collapseThreshold: 400, expanded: new Set() }),
  expanded: buildGraph(topology, { collapseThreshold: Infinity, expanded: new Set() }),
};
const css = readFileSync('media/webview.css', 'utf8');
const script = readFileSync('dist/webview.js', 'utf8');
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
try {
  for (const [name, graph] of Object.entries(graphs)) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.setContent(`<!DOCTYPE html><html><head><style>${css}</style></head><body data-document="file:///generated.yaml"><div id="toolbar"></div><div id="main"><div id="stage"><div id="graph"></div><div id="badges"></div></div><aside id="trace" hidden></aside></div><div id="tooltip" hidden></div><div id="status"></div></body></html>`);
    await page.evaluate(() => {
      window.__laidOut = false;
      window.acquireVsCodeApi = () => ({ postMessage() {}, getState() { return undefined; }, setState(s) { if (Object.keys(s.positions ?? {}).length) window.__laidOut = true; } });
    });
    await page.addScriptTag({ content: script });
    const ms = await page.evaluate((g) => new Promise((resolve) => {
      const t0 = performance.now();
      window.postMessage({ type: 'graph', graph: g, errors: 0 }, '*');
      const poll = () => (window.__laidOut ? resolve(performance.now() - t0) : setTimeout(poll, 10));
      poll();
    }), graph);
    // Responsiveness after layout: how long one frame takes while the view is zoomed.
    const frame = await page.evaluate(() => new Promise((resolve) => {
      const g = document.getElementById('graph');
      const t0 = performance.now();
      g.dispatchEvent(new WheelEvent('wheel', { deltaY: -200, clientX: 500, clientY: 400, bubbles: true }));
      requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0)));
    }));
    console.log(`graph ${name}: ${graph.nodes.length} nodes, ${graph.edges.length} edges; graph message → laid out in ${ms.toFixed(0)} ms; a zoom step then renders in ${frame.toFixed(0)} ms`);
    await page.close();
  }
} finally {
  await browser.close();
}
