// The topology graph of a 500-node, 5,000-pod cluster in a real browser (Debian's Chromium via
// playwright-core, the same browser the e2e suite drives VS Code in), fed the bundled webview
// exactly as the panel is: the host's `graph` message, built by the engine's buildGraph.
// Prints, for the default view (pods collapsed to a count per node) and the fully expanded one:
//  - first paint: `graph` message posted → the laid-out graph has been drawn (two animation
//    frames after the webview reports its positions);
//  - frame time while the user zooms (wheel), pans (a drag that starts on empty space, in the
//    margin the fit leaves) and moves the pointer over the graph (every move is hit-tested against
//    the elements): the median, 95th percentile and longest of the intervals between animation
//    frames, one input event per frame, over N frames each (the longest is often the first, where
//    the renderer prepares what it moves);
//  - the longest frame in the second after input stops (the full redraw that replaces the texture
//    cytoscape moves while the view changes);
//  - deep zoom: 24 frames of a fast zoom (8 wheel steps a frame) from the fit to about 14 times it
//    (the expanded graph's pods and labels full size), then 24 back, through zoom levels
//    cytoscape has not drawn before.
// Interaction starts a second and a half after first paint, as a user reads the graph before moving
// it: cytoscape builds its cached layer in those idle frames.
// Targets (issue 9): first paint under 3 s, frames under 50 ms.
// The functions given to page.evaluate run in the page, where these are the browser's own.
/* global window, document, requestAnimationFrame, MouseEvent, WheelEvent */
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
const { buildGraph, deriveDataplane } = require('../../out/src/engine/index.js');

const frames = Number(process.env.FRAMES ?? 40);
const text = execFileSync('node', ['dist/cli.js', 'generate', '--nodes', '500', '--pods-per-node', '10', '--services', '200', '--endpoints-per-service', '5'], { encoding: 'utf8', maxBuffer: 1 << 28 });
const topology = loadTopology({ path: 'generated.yaml', text }, { expandInclude: () => [], readFile: () => undefined }).value;
const graphs = {
  default: buildGraph(deriveDataplane(topology), { collapseThreshold: 400, expanded: new Set() }),
  expanded: buildGraph(deriveDataplane(topology), { collapseThreshold: Infinity, expanded: new Set() }),
};
const css = readFileSync('media/webview.css', 'utf8');
const script = readFileSync('dist/webview.js', 'utf8');
// The e2e suite's flags: no GPU, so WebGL runs on Chromium's software rasteriser (a floor, not a best case).
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu'] });
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const p95 = (xs) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(xs.length * 0.95))];
try {
  for (const [name, graph] of Object.entries(graphs)) {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.setContent(`<!DOCTYPE html><html><head><style>${css}</style></head><body data-document="file:///generated.yaml"><div id="toolbar"></div><div id="main"><div id="stage"><div id="graph"></div><div id="badges"></div></div><aside id="trace" hidden></aside></div><div id="tooltip" hidden></div><div id="status"></div></body></html>`);
    await page.evaluate(() => {
      window.__laidOut = false;
      window.acquireVsCodeApi = () => ({ postMessage() {}, getState() { return undefined; }, setState(s) { if (Object.keys(s.positions ?? {}).length) window.__laidOut = true; } });
    });
    await page.addScriptTag({ content: script });
    const firstPaint = await page.evaluate((g) => new Promise((resolve) => {
      const t0 = performance.now();
      window.postMessage({ type: 'graph', graph: g, errors: 0 }, '*');
      const poll = () => (window.__laidOut ? requestAnimationFrame(() => requestAnimationFrame(() => resolve(performance.now() - t0))) : setTimeout(poll, 5));
      poll();
    }), graph);
    const renderer = await page.evaluate(() => document.body.dataset.renderer ?? 'canvas');
    await page.waitForTimeout(1500);
    // One input event per animation frame; the interval between frames is what the user sees.
    const intervals = (kind, n = frames) => page.evaluate(([kind, n]) => new Promise((resolve) => {
      const canvas = document.querySelector('#graph canvas:last-of-type') ?? document.getElementById('graph');
      const r = canvas.getBoundingClientRect();
      const cx = r.left + r.width / 2;
      const cy = r.top + r.height / 2;
      const out = [];
      let last = 0;
      let i = 0;
      // A press in the fit's 30 px margin lands on no element, so the drag pans the view.
      const press = { clientX: r.left + 10, clientY: r.top + 10 };
      if (kind === 'pan') canvas.dispatchEvent(new MouseEvent('mousedown', { ...press, button: 0, buttons: 1, bubbles: true }));
      const tick = (now) => {
        if (last) out.push(now - last);
        last = now;
        if (i++ >= n) {
          if (kind === 'pan') window.dispatchEvent(new MouseEvent('mouseup', { ...press, bubbles: true }));
          resolve(out);
          return;
        }
        if (kind === 'zoom') canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: i % 20 < 10 ? -120 : 120, clientX: cx, clientY: cy, bubbles: true, cancelable: true }));
        else if (kind === 'deep') for (let k = 0; k < 8; k++) canvas.dispatchEvent(new WheelEvent('wheel', { deltaY: i <= n / 2 ? -120 : 120, clientX: cx, clientY: cy, bubbles: true, cancelable: true }));
        else if (kind === 'pan') window.dispatchEvent(new MouseEvent('mousemove', { clientX: press.clientX + 8 * Math.sin(i / 4) * i, clientY: press.clientY + (5 * i) % 200, buttons: 1, bubbles: true }));
        else canvas.dispatchEvent(new MouseEvent('mousemove', { clientX: cx + (37 * i) % 400 - 200, clientY: cy + (23 * i) % 300 - 150, bubbles: true }));
        requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }), [kind, n]);
    // The view is drawn as a texture while it moves; the crisp redraw comes once input stops.
    const settle = () => page.evaluate(() => new Promise((resolve) => {
      let last = 0;
      let worst = 0;
      const t0 = performance.now();
      const tick = (now) => {
        if (last) worst = Math.max(worst, now - last);
        last = now;
        if (now - t0 > 1000) resolve(worst);
        else requestAnimationFrame(tick);
      };
      requestAnimationFrame(tick);
    }));
    const zoom = await intervals('zoom');
    const zoomSettle = await settle();
    const pan = await intervals('pan');
    const panSettle = await settle();
    const hover = await intervals('hover');
    await settle();
    const deep = await intervals('deep', 48);
    const ms = (x) => `${x.toFixed(0)} ms`;
    const frameTimes = (xs) => `median ${ms(median(xs))} (p95 ${ms(p95(xs))}, longest ${ms(Math.max(...xs))})`;
    console.log(`graph ${name}: ${graph.nodes.length} nodes, ${graph.edges.length} edges (${renderer}); first paint ${ms(firstPaint)}; zoom frame ${frameTimes(zoom)}; pan frame ${frameTimes(pan)}; hover frame ${frameTimes(hover)} over ${frames} frames each; deep zoom frame ${frameTimes(deep)}; the redraw after input stops takes ${ms(zoomSettle)} (zoom) and ${ms(panSettle)} (pan)`);
    await page.close();
  }
} finally {
  await browser.close();
}
