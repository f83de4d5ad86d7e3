// The layering of DESIGN.md §2, enforced: the engine is a library that knows nothing of its faces,
// and the webview runs in a browser where Node built-ins do not exist. The scripts (test command,
// benchmarks) are plain JavaScript no compiler checks, so they get ESLint's recommended rules.
import tseslint from 'typescript-eslint';
import { builtinRules } from 'eslint/use-at-your-own-risk';
import { builtinModules } from 'node:module';

const nodeBuiltins = [...builtinModules, ...builtinModules.map((m) => `node:${m}`)];
// `eslint:recommended` is the core rules whose docs say recommended; @eslint/js, which ships that
// list as a config, is not a dependency.
const recommended = Object.fromEntries([...builtinRules].filter(([, rule]) => rule.meta?.docs?.recommended).map(([name]) => [name, 'error']));
const nodeGlobals = Object.fromEntries(['process', 'console', 'Buffer', 'URL', 'performance', 'setTimeout', 'clearTimeout', 'setInterval', 'clearInterval', 'setImmediate', 'globalThis', 'structuredClone'].map((name) => [name, 'readonly']));

// The engine's layers, lowest first (ARCHITECTURE.md, "Layers"): a folder imports only from its own
// layer or the ones below it. `render/trace.ts` is the trace's text and sits with the views; the
// other renderers print dataplane records and sit with the dataplane, where the walk quotes them.
const layers = [
  ['net', 'diagnostics.ts'],
  ['model'],
  ['dataplane', 'cni', 'render'],
  ['proxy', 'policy'],
  ['netfilter'],
  ['trace'],
  ['views', 'render/trace.ts'],
  ['lab', 'import', 'generate'],
];
// Imports against the order that stay, each for a reason a rewrite larger than this change would
// have to remove: file → the folders or modules it may reach above its layer.
const layerExceptions = {
  // The loader warns about a plugin's policy support and checks its devices from the CNI registry.
  'src/engine/model/load.ts': ['**/cni/**'],
  'src/engine/model/checks.ts': ['**/cni/**'],
  // Felix's policy chains are compiled from the policy index the NetworkPolicy hook also uses.
  'src/engine/cni/calico/felix.ts': ['**/policy/**'],
  // The IPVS dummy device is kube-proxy's; the dataplane adds it to every node in ipvs mode.
  'src/engine/dataplane/derive.ts': ['**/proxy/**'],
  // Dataplane findings name the nodes a trace crossed (type only).
  'src/engine/dataplane/diagnose.ts': ['**/trace/types'],
  // iptables-save text is split with the same tokenizer the netfilter parser uses.
  'src/engine/proxy/save.ts': ['**/netfilter/rules'],
};
// The walk's hook contract (trace/hooks.ts, and the step types in trace/types.ts) is defined by the
// walk and implemented by the hooks below it: dependency inversion, so the walk imports no hook.
const hookContract = ['**/trace/hooks', '**/trace/types'];
function engineLayers() {
  const globOf = (part) => (part.endsWith('.ts') ? `**/${part.slice(0, -3)}` : `**/${part}/**`);
  const order = layers.map((layer) => (layer.length > 1 ? `(${layer.join(', ')})` : layer[0])).join(' < ');
  const ban = (part, level, allowed) => ['error', {
    paths: [{ name: 'vscode', message: 'The engine must not depend on VS Code (DESIGN.md §2).' }],
    patterns: [
      { group: ['**/extension', '**/extension/**', '**/cli', '**/cli/**', '**/webview', '**/webview/**', '**/protocol', '**/protocol/**'],
        message: 'The engine imports nothing from extension, cli, protocol or webview (DESIGN.md §2).' },
      ...(level === layers.length - 1 ? [] : [{
        group: [...layers.slice(level + 1).flat().map(globOf), ...allowed.map((glob) => `!${glob}`)],
        message: `src/engine/${part} is in the layer (${layers[level].join(', ')}) of ${order}: it imports only from its own layer or those below (ARCHITECTURE.md, "Layers").`,
      }]),
    ],
  }];
  const configs = [{ files: ['src/engine/index.ts'], rules: { 'no-restricted-imports': ban('index.ts', layers.length - 1, []) } }];
  layers.forEach((layer, level) => {
    for (const part of layer) {
      const allowed = ['netfilter', 'policy'].includes(part) ? hookContract : [];
      configs.push({ files: [part.endsWith('.ts') ? `src/engine/${part}` : `src/engine/${part}/**/*.ts`], rules: { 'no-restricted-imports': ban(part, level, allowed) } });
    }
  });
  // Later entries replace the rule's options for their files, so an exception restates the rest.
  for (const [file, allowed] of Object.entries(layerExceptions)) {
    const part = file.split('/')[2];
    configs.push({ files: [file], rules: { 'no-restricted-imports': ban(part, layers.findIndex((layer) => layer.includes(part)), allowed) } });
  }
  return configs;
}

export default tseslint.config(
  { ignores: ['out/**', 'dist/**', 'node_modules/**', '**/*.js'] },
  {
    files: ['scripts/**/*.mjs'],
    languageOptions: { ecmaVersion: 2024, sourceType: 'module', globals: nodeGlobals },
    rules: recommended,
  },
  {
    files: ['**/*.ts'],
    languageOptions: { parser: tseslint.parser },
    plugins: { '@typescript-eslint': tseslint.plugin },
  },
  ...engineLayers(),
  {
    // The faces use the engine through its facade only; tests may reach inside.
    files: ['src/cli/**/*.ts', 'src/extension/**/*.ts', 'src/protocol/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        patterns: [{ group: ['**/engine/*/**'], message: 'A face imports the engine only through src/engine/index.ts (ARCHITECTURE.md, "Layers").' }],
      }],
    },
  },
  {
    files: ['webview/**/*.ts'],
    rules: {
      'no-restricted-imports': ['error', {
        paths: [{ name: 'vscode', message: 'The webview talks to the host only through src/protocol.' }, ...nodeBuiltins.map((name) => ({ name, message: 'The webview runs in a browser: no Node built-ins.' }))],
        patterns: [{ group: ['**/src/engine/**', '**/src/extension/**', '**/src/cli/**'], message: 'The webview imports only the protocol module.' }],
      }],
    },
  },
);
