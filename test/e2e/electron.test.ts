/**
 * The @vscode/test-electron suite (test/electron/): downloads a VS Code and runs the suite inside
 * it. Where VS Code cannot be downloaded (no route to its update server), it skips and says so;
 * the code-server suite (vscode.test.ts) covers the same ground in a real workbench.
 */
import * as path from 'node:path';
import { test } from 'node:test';

test('the extension works inside a downloaded VS Code (@vscode/test-electron)', { timeout: 600000 }, async (t) => {
  const reachable = await fetch('https://update.code.visualstudio.com/api/releases/stable', { signal: AbortSignal.timeout(5000) }).then((r) => r.ok, () => false);
  if (!reachable) {
    t.skip('VS Code cannot be downloaded here (update.code.visualstudio.com is unreachable); the code-server suite runs instead');
    return;
  }
  if (process.platform === 'linux' && !process.env.DISPLAY) {
    t.skip('no X display for Electron (run under xvfb-run to include this suite)');
    return;
  }
  const { runTests } = await import('@vscode/test-electron');
  const root = path.resolve(__dirname, '../../..');
  await runTests({ extensionDevelopmentPath: root, extensionTestsPath: path.join(root, 'out/test/electron/suite/index.js'), launchArgs: ['--disable-extensions', '--disable-workspace-trust'] });
});
